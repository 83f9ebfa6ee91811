'use strict'

// Test servers on 127.0.0.1, port 0, closed when the ava test ends, and a request runner.

const http = require('node:http')

// Listens on 127.0.0.1, port 0, and on teardown destroys what is still open (the pool keeps
// connections alive, and close() waits for them): `track` names the server's event that hands
// over each one ('connection', 'secureConnection', or 'session' for HTTP/2).
async function serve (t, server, track = 'connection') {
  const open = new Set()
  server.on(track, (s) => { open.add(s); s.on('close', () => open.delete(s)) })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of open) s.destroy()
    return new Promise((resolve) => server.close(() => resolve()))
  })
  return { server, port: server.address().port }
}

async function listen (t, handler) {
  const { server, port } = await serve(t, http.createServer(handler))
  return { server, port, url: `http://127.0.0.1:${port}` }
}

// A server that records each request ({ method, url, headers, body }) once its body has
// arrived, then lets `route(req, res, body, n)` answer it (n counts requests from 1; by
// default: 'ok'). `seen` is the record.
async function recordingServer (t, route = (req, res) => res.end('ok')) {
  const seen = []
  const srv = await listen(t, (req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      route(req, res, body, seen.length)
    })
  })
  return { ...srv, seen }
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

// A stand-in for ava's `t` where there is none (jest, child-process fixtures): collects the
// teardowns that serve()/listen() register, and `run()` runs them.
function teardownScope () {
  const fns = []
  return { teardown: (fn) => { fns.push(fn) }, run: () => Promise.all(fns.splice(0).map((fn) => fn())) }
}

module.exports = { serve, listen, recordingServer, collect, teardownScope }
