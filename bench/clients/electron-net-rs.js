'use strict'

// This project's net.request (or, for run.js --baseline, the build in that directory).
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

module.exports = { get, upload }
