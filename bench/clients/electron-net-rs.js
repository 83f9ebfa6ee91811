'use strict'

// This project's net.request (or, for run.js --baseline, the build in that directory). Over TLS
// the session trusts the bench CA through NODE_EXTRA_CA_CERTS (run.js sets it; the session reads
// it when first used, as the tests do), and h2 is what ALPN picks.
const { net } = require(process.env.ELECTRON_NET_RS_BENCH_PACKAGE || '../..')

function get (url) {
  return new Promise((resolve, reject) => {
    const request = net.request(url)
    request.on('error', reject)
    request.on('response', (response) => {
      let n = 0
      response.on('data', (chunk) => { n += chunk.length })
      response.on('end', () => resolve(n))
      response.on('error', reject)
    })
    request.end()
  })
}

function text (url) {
  return new Promise((resolve, reject) => {
    const request = net.request(url)
    request.on('error', reject)
    request.on('response', (response) => {
      let s = ''
      response.on('data', (chunk) => { s += chunk })
      response.on('end', () => resolve(s))
      response.on('error', reject)
    })
    request.end()
  })
}

function upload (url, chunk, count) {
  return new Promise((resolve, reject) => {
    const request = net.request({ method: 'POST', url })
    request.chunkedEncoding = true
    request.on('error', reject)
    request.on('response', (response) => {
      let text = ''
      response.on('data', (c) => { text += c })
      response.on('end', () => resolve(text))
    })
    let left = count
    const pump = () => {
      while (left > 0) {
        left--
        if (!request.write(chunk)) return request.once('drain', pump)
      }
      request.end()
    }
    pump()
  })
}

module.exports = { get, text, upload }
