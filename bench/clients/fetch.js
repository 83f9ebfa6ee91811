'use strict'

// Node's global fetch (undici inside Node).
async function get (url) {
  const response = await fetch(url)
  let n = 0
  for await (const chunk of response.body) n += chunk.length
  return n
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

module.exports = { get, upload }
