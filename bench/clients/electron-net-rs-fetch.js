'use strict'

// This project's net.fetch (issue 21: against Node's fetch, clients/fetch.js, the same code).
const { net } = require(process.env.ELECTRON_NET_RS_BENCH_PACKAGE || '../..')

async function get (url) {
  const response = await net.fetch(url)
  let n = 0
  for await (const chunk of response.body) n += chunk.length
  return n
}

async function text (url) {
  return (await net.fetch(url)).text()
}

async function upload (url, chunk, count) {
  let i = 0
  const body = new ReadableStream({
    pull (controller) {
      if (i++ < count) controller.enqueue(chunk)
      else controller.close()
    }
  })
  const response = await net.fetch(url, { method: 'POST', body, duplex: 'half' })
  return response.text()
}

module.exports = { get, text, upload }
