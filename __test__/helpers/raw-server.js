'use strict'

// A raw node:net server that misbehaves on purpose. `behave(socket, request)` is called once
// the request head (and, for requests with a body, the whole body) has arrived; `request` is
// { head, body } as received. Closed when the ava test ends.

const netModule = require('node:net')
const { net } = require('../..')

function headEnd (buffer) {
  const i = buffer.indexOf('\r\n\r\n')
  return i === -1 ? -1 : i + 4
}

// Length of a complete chunked body at the start of `buffer`, or -1 while incomplete.
function chunkedEnd (buffer) {
  let offset = 0
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', offset)
    if (lineEnd === -1) return -1
    const size = parseInt(buffer.subarray(offset, lineEnd).toString(), 16)
    offset = lineEnd + 2 + size + 2
    if (offset > buffer.length) return -1
    if (size === 0) return offset
  }
}

async function rawServer (t, behave, { waitForBody = true } = {}) {
  const sockets = new Set()
  const requests = []
  const server = netModule.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffer = Buffer.alloc(0)
    let answered = false
    socket.on('data', (data) => {
      if (answered) return
      buffer = Buffer.concat([buffer, data])
      const end = headEnd(buffer)
      if (end === -1) return
      const head = buffer.subarray(0, end).toString('latin1')
      const rest = buffer.subarray(end)
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)
      const chunked = /\r\ntransfer-encoding: *chunked/i.test(head)
      let bodyEnd = 0
      if (waitForBody && length) bodyEnd = rest.length >= Number(length[1]) ? Number(length[1]) : -1
      if (waitForBody && chunked) bodyEnd = chunkedEnd(rest)
      if (bodyEnd === -1) return
      answered = true
      const request = { head, body: rest.subarray(0, bodyEnd) }
      requests.push(request)
      behave(socket, request)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    return new Promise((resolve) => server.close(() => resolve()))
  })
  const { port } = server.address()
  return { port, url: `http://127.0.0.1:${port}`, requests }
}

// Runs `request` (writing `body`, chunked or buffered, then ending it) and records every event
// the request (R:) and the response (S:) emit, in order. It resolves `quiet` ms after the
// request has settled (R 'close' plus an 'error', 'abort' or S 'close') and the last event, so
// anything emitted after 'close' is caught; or after `limit` ms with whatever it saw. Resolves
// with { events, errors, closes, error, response, body }.
function observe (request, { body, chunked, quiet = 100, limit = 10000 } = {}) {
  return new Promise((resolve) => {
    const events = []
    const result = { events, errors: 0, closes: 0, error: null, response: null, body: '' }
    let timer = null
    const give = setTimeout(() => resolve(result), limit)
    const done = () => { clearTimeout(give); resolve(result) }
    const settled = () => events.includes('R:close') &&
      (events.includes('R:error') || events.includes('R:abort') || events.includes('S:close'))
    const record = (name) => {
      events.push(name)
      clearTimeout(timer)
      if (settled()) timer = setTimeout(done, quiet)
    }
    // Not 'timeout': listening to it would handle it, and change what the request does.
    for (const name of ['finish', 'abort', 'redirect', 'response']) request.on(name, () => record(`R:${name}`))
    request.on('close', () => { result.closes++; record('R:close') })
    request.on('error', (e) => { result.errors++; result.error = e; record('R:error') })
    request.on('response', (res) => {
      result.response = res
      res.on('data', (c) => { result.body += c })
      for (const name of ['end', 'error', 'close', 'aborted']) res.on(name, () => record(`S:${name}`))
    })
    if (chunked) request.chunkedEncoding = true
    if (body !== undefined) request.write(body)
    request.end()
  })
}

// The request kinds every fault case runs against.
const KINDS = {
  GET: () => ({ options: {}, body: undefined }),
  'buffered POST': () => ({ options: { method: 'POST' }, body: 'x'.repeat(1000) }),
  'chunked POST': () => ({ options: { method: 'POST' }, body: 'x'.repeat(1000), chunked: true })
}

// Electron's event orders (reference §4), as observe() records them.
const ORDERS = {
  // B: failed after end(), before headers.
  failedBeforeHeaders: ['R:finish', 'R:close', 'R:error'],
  // C: failed while a chunked upload was still open (no 'finish').
  failedDuringUpload: ['R:error', 'R:close'],
  // D: failed mid-body: R's 'error' first, then S's, then S's 'close'.
  failedMidBody: ['R:finish', 'R:close', 'R:response', 'R:error', 'S:error', 'S:close'],
  // A: a complete response.
  success: ['R:finish', 'R:close', 'R:response', 'S:end', 'S:close']
}

// The process is healthy after a fault: a normal request to a fresh local server succeeds.
async function expectHealthy (t) {
  const { listen, collect } = require('./listen')
  const ok = await listen(t, (req, res) => res.end('fine'))
  const after = await collect(net.request(ok.url))
  t.is(after.error, null, 'the follow-up request succeeded')
  t.is(after.body, 'fine', 'the follow-up request got its body')
}

// Asserts the exact event sequence and that 'close' came exactly once.
function expectEvents (t, r, order) {
  t.deepEqual(r.events, order)
  t.is(r.closes, 1, 'the request emitted close exactly once')
}

// Asserts that an observed request (see `observe`) ended as `expected` says: `{ error, partial }`
// (the error, after `partial` of the body when given: scenario D, else scenario B, the server
// having read the whole body first) or `{ status, body, statusMessage, headers }` (scenario A).
function expectOutcome (t, r, expected) {
  if (expected.error) {
    t.is(r.error && r.error.message, expected.error)
    t.is(r.errors, 1, 'one error')
    if (expected.partial !== undefined) {
      expectEvents(t, r, ORDERS.failedMidBody)
      t.is(r.body, expected.partial)
    } else {
      expectEvents(t, r, ORDERS.failedBeforeHeaders)
    }
    return
  }
  t.is(r.error, null)
  t.is(r.response.statusCode, expected.status)
  t.is(r.body, expected.body)
  if (expected.statusMessage !== undefined) t.is(r.response.statusMessage, expected.statusMessage)
  for (const [name, value] of Object.entries(expected.headers || {})) t.is(r.response.headers[name], value, name)
  expectEvents(t, r, ORDERS.success)
}

module.exports = { rawServer, observe, expectHealthy, expectEvents, expectOutcome, KINDS, ORDERS }
