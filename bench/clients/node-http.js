'use strict'

// node:http with a keep-alive agent; over TLS node:https with a keep-alive agent trusting the
// bench CA, and for h2 (W8, W10) node:http2: one session (`connect(origin, { ca })`), a stream
// per request, Node's default settings.
const http = require('node:http')
const https = require('node:https')
const http2 = require('node:http2')

let agent = new http.Agent({ keepAlive: true, maxSockets: Infinity })
let module_ = http
let session = null

function setup ({ ca, h2, origin }) {
  if (h2) {
    session = http2.connect(origin, { ca })
    session.on('error', (error) => { console.error(error); process.exit(1) })
  } else {
    module_ = https
    agent = new https.Agent({ keepAlive: true, maxSockets: Infinity, ca })
  }
}

function read (url, onData) {
  if (session) {
    return new Promise((resolve, reject) => {
      const { pathname, search } = new URL(url)
      const stream = session.request({ ':path': pathname + search })
      stream.on('data', onData)
      stream.on('end', resolve)
      stream.on('error', reject)
    })
  }
  return new Promise((resolve, reject) => {
    module_.get(url, { agent }, (response) => {
      response.on('data', onData)
      response.on('end', resolve)
    }).on('error', reject)
  })
}

async function get (url) {
  let n = 0
  await read(url, (chunk) => { n += chunk.length })
  return n
}

async function text (url) {
  let s = ''
  await read(url, (chunk) => { s += chunk })
  return s
}

function upload (url, chunk, count) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent }, (response) => {
      let text = ''
      response.on('data', (c) => { text += c })
      response.on('end', () => resolve(text))
    })
    request.on('error', reject)
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

module.exports = { setup, get, text, upload }
