'use strict'

// undici.request (7.x: undici 8 needs Node 22) with an unlimited connection pool.
const { request, Agent } = require('undici')

const dispatcher = new Agent({ connections: null, pipelining: 1 })

async function get (url) {
  const { body } = await request(url, { dispatcher })
  let n = 0
  for await (const chunk of body) n += chunk.length
  return n
}

async function upload (url, chunk, count) {
  async function * chunks () {
    for (let i = 0; i < count; i++) yield chunk
  }
  const { body } = await request(url, { method: 'POST', body: chunks(), dispatcher })
  return body.text()
}

module.exports = { get, upload }
