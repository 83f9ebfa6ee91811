'use strict'

// undici.request (7.x: undici 8 needs Node 22) with an unlimited connection pool. Over TLS it
// trusts the bench CA (`connect: { ca }`); for h2 (W8, W10) it is undici's own h2, `allowH2`, on
// one connection carrying up to 100 streams (undici's default stream limit; `pipelining` is what
// lets a client run more than one request at once, on h2 as on HTTP/1.1).
const { request, Agent } = require('undici')

let dispatcher = new Agent({ connections: null, pipelining: 1 })

function setup ({ ca, h2 }) {
  dispatcher = h2
    ? new Agent({ allowH2: true, connections: 1, pipelining: 100, connect: { ca } })
    : new Agent({ connections: null, pipelining: 1, connect: { ca } })
}

async function get (url) {
  const { body } = await request(url, { dispatcher })
  let n = 0
  for await (const chunk of body) n += chunk.length
  return n
}

async function text (url) {
  const { body } = await request(url, { dispatcher })
  return body.text()
}

async function upload (url, chunk, count) {
  async function * chunks () {
    for (let i = 0; i < count; i++) yield chunk
  }
  const { body } = await request(url, { method: 'POST', body: chunks(), dispatcher })
  return body.text()
}

module.exports = { setup, get, text, upload }
