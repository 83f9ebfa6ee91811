'use strict'

// node:http with a keep-alive agent.
const http = require('node:http')

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity })

function get (url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (response) => {
      let n = 0
      response.on('data', (chunk) => { n += chunk.length })
      response.on('end', () => resolve(n))
    }).on('error', reject)
  })
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

module.exports = { get, upload }
