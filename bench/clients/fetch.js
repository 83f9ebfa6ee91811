'use strict'

// Node's global fetch (undici inside Node). Over TLS it trusts the bench CA through
// NODE_EXTRA_CA_CERTS (run.js sets it: Node's own fetch takes no `ca`); it has no h2 (W8, W10).
async function get (url) {
  const response = await fetch(url)
  let n = 0
  for await (const chunk of response.body) n += chunk.length
  return n
}

async function text (url) {
  return (await fetch(url)).text()
}

async function upload (url, chunk, count) {
  let i = 0
  const body = new ReadableStream({
    pull (controller) {
      if (i++ < count) controller.enqueue(chunk)
      else controller.close()
    }
  })
  const response = await fetch(url, { method: 'POST', body, duplex: 'half' })
  return response.text()
}

module.exports = { get, text, upload }
