'use strict'

// A node:http server on 127.0.0.1, port 0, closed when the ava test ends.

const http = require('node:http')

async function listen (t, handler) {
  const server = http.createServer(handler)
  const sockets = new Set()
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    return new Promise((resolve) => server.close(() => resolve()))
  })
  const { port } = server.address()
  return { server, port, url: `http://127.0.0.1:${port}` }
}

// Runs a request to completion (ending it unless `end: false`) and resolves with what a user observes: the events of the
// request (R:) and response (S:) in order, the response and its body, or the error.
// 'login' is not listened to here: a listener that never answers would hang the request (as in
// Electron), so tests that expect a login listen for it themselves and may pass `events`.
function collect (request, { body, chunked, events = [], end = true } = {}) {
  return new Promise((resolve) => {
    const result = { events, response: null, body: '', error: null }
    let settled = false
    const settle = () => { if (!settled) { settled = true; setTimeout(() => resolve(result), 20) } }
    for (const name of ['finish', 'close', 'abort', 'redirect']) {
      request.on(name, () => events.push(`R:${name}`))
    }
    request.on('error', (error) => { events.push('R:error'); result.error = error; settle() })
    request.on('response', (response) => {
      events.push('R:response')
      result.response = response
      const chunks = []
      response.on('data', (c) => chunks.push(c))
      response.on('end', () => { events.push('S:end'); result.body = Buffer.concat(chunks).toString() })
      response.on('error', () => events.push('S:error'))
      response.on('close', () => { events.push('S:close'); settle() })
    })
    if (chunked) request.chunkedEncoding = true
    if (body !== undefined) request.write(body)
    if (end) request.end()
  })
}

module.exports = { listen, collect }
