'use strict'

// Hostile and broken servers: one case per misbehaviour, each against a GET, a buffered POST
// and a chunked POST. Each asserts the exact net::ERR_* (or the exact response), that the
// request emits 'close' and nothing after it, and that a normal request right after succeeds.

const test = require('ava')
const { net } = require('..')
const { rawServer } = require('./helpers/raw-server')
const { listen, collect } = require('./helpers/listen')

const BIG_HEADER = 'X-Big: ' + 'a'.repeat(300 * 1024) + '\r\n'

// [title, behaviour, expected: { error } | { status, body }]
const CASES = [
  ['closes before any byte', (s) => s.destroy(), { error: 'net::ERR_EMPTY_RESPONSE' }],
  ['closes mid status line', (s) => s.end('HTTP/1.1 20'), { error: 'net::ERR_CONNECTION_CLOSED' }],
  ['closes mid headers', (s) => s.end('HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B'), { error: 'net::ERR_CONNECTION_CLOSED' }],
  ['closes mid body with content-length', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello'),
    { error: 'net::ERR_CONTENT_LENGTH_MISMATCH', partial: 'hello' }],
  ['closes mid chunked body', (s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'),
    { error: 'net::ERR_INCOMPLETE_CHUNKED_ENCODING', partial: 'hello' }],
  ['sends a malformed status line', (s) => s.end('HTTP/1.1 abc OK\r\n\r\n'), { error: 'net::ERR_INVALID_HTTP_RESPONSE' }],
  ['sends a malformed header line', (s) => s.end('HTTP/1.1 200 OK\r\nNo colon\r\nContent-Length: 2\r\n\r\nok'),
    { status: 200, body: 'ok' }],
  ['sends a header block over 256 KiB', (s) => s.end('HTTP/1.1 200 OK\r\n' + BIG_HEADER + '\r\n'),
    { error: 'net::ERR_RESPONSE_HEADERS_TOO_BIG' }],
  ['sends content-length and transfer-encoding', (s) => s.end(
    'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'),
  { status: 200, body: 'ok' }],
  ['sends a negative content-length', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nuntil close'),
    { status: 200, body: 'until close' }],
  ['sends a non-numeric content-length', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nuntil close'),
    { status: 200, body: 'until close' }],
  ['sends two different content-lengths', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc'),
    { error: 'net::ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH' }],
  ['sends a bad chunk size', (s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'),
    { error: 'net::ERR_INVALID_CHUNKED_ENCODING' }],
  ['sends a body longer than content-length', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'),
    { status: 200, body: 'ok' }],
  ['replies HTTP/0.9-style', (s) => s.end('hello, no status line\n'), { error: 'net::ERR_INVALID_HTTP_RESPONSE' }],
  ['sends 100-continue then closes', (s) => s.end('HTTP/1.1 100 Continue\r\n\r\n'), { error: 'net::ERR_EMPTY_RESPONSE' }],
  ['sends 1xx responses before the real one', (s) => s.end(
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone'),
  { status: 201, body: 'done' }]
]

const KINDS = {
  GET: () => ({ options: {}, body: undefined }),
  'buffered POST': () => ({ options: { method: 'POST' }, body: 'x'.repeat(1000) }),
  'chunked POST': () => ({ options: { method: 'POST' }, body: 'x'.repeat(1000), chunked: true })
}

// Everything the request and response emit, including after 'close', for 100 ms.
function observe (request, { body, chunked }) {
  return new Promise((resolve) => {
    const events = []
    const result = { events, error: null, response: null, body: '' }
    let closed = false
    const done = () => setTimeout(() => resolve(result), 100)
    for (const name of ['finish', 'abort', 'redirect']) request.on(name, () => events.push(`R:${name}`))
    request.on('close', () => { events.push('R:close'); closed = true })
    request.on('error', (e) => { events.push('R:error'); result.error = e; if (!result.response) done() })
    request.on('response', (res) => {
      events.push('R:response')
      result.response = res
      res.on('data', (c) => { result.body += c })
      res.on('end', () => events.push('S:end'))
      res.on('error', () => events.push('S:error'))
      res.on('close', () => { events.push('S:close'); done() })
    })
    if (chunked) request.chunkedEncoding = true
    if (body !== undefined) request.write(body)
    request.end()
    // The request's own 'close' must come whatever happens.
    result.closed = () => closed
  })
}

for (const [title, behave, expected] of CASES) {
  for (const [kind, make] of Object.entries(KINDS)) {
    test(`should handle a server that ${title} (${kind})`, async (t) => {
      const srv = await rawServer(t, behave)
      const { options, body, chunked } = make()
      const r = await observe(net.request({ ...options, url: srv.url }), { body, chunked })
      t.true(r.closed(), 'the request emitted close')
      if (expected.error) {
        t.is(r.error && r.error.message, expected.error)
        if (r.response) {
          // Scenario D: the failure came mid-body; nothing after the response's 'close'.
          t.is(r.events.at(-1), 'S:close')
          t.false(r.events.includes('S:end'))
          if (expected.partial) t.is(r.body, expected.partial)
        } else {
          t.is(r.events.at(-1), r.events.includes('R:finish') ? 'R:error' : 'R:close')
        }
      } else {
        t.is(r.error, null)
        t.is(r.response.statusCode, expected.status)
        t.is(r.body, expected.body)
        t.is(r.events.at(-1), 'S:close')
      }
      if (body !== undefined) t.is(srv.requests[0].body.length > 0, true, 'the server received the body')
      // The process is healthy: a normal request right after succeeds.
      const ok = await listen(t, (req, res) => res.end('fine'))
      const after = await collect(net.request(ok.url))
      t.is(after.body, 'fine')
    })
  }
}

test('should fail with net::ERR_CONNECTION_RESET when the server resets during an upload', async (t) => {
  const srv = await rawServer(t, (socket) => setTimeout(() => socket.resetAndDestroy(), 50), { waitForBody: false })
  const request = net.request({ method: 'POST', url: srv.url })
  request.chunkedEncoding = true
  const events = []
  request.on('finish', () => events.push('finish'))
  request.on('close', () => events.push('close'))
  const error = await new Promise((resolve) => {
    request.on('error', (e) => { events.push('error'); resolve(e) })
    const chunk = Buffer.alloc(64 * 1024, 'x')
    const pump = () => {
      while (!request.destroyed && request.write(chunk)) { /* fill until backpressure */ }
      if (!request.destroyed) request.once('drain', pump)
    }
    pump()
  })
  t.is(error.message, 'net::ERR_CONNECTION_RESET')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.deepEqual(events, ['error', 'close'], 'scenario C: no finish')
})

test('should emit \'timeout\' to a listener and keep the request open', async (t) => {
  const srv = await rawServer(t, () => {})
  const request = net.request({ url: srv.url, timeout: 150 })
  const events = []
  request.on('close', () => events.push('close'))
  request.on('error', () => events.push('error'))
  await new Promise((resolve) => {
    request.on('timeout', () => { events.push('timeout'); resolve() })
    request.end()
  })
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.deepEqual(events, ['close', 'timeout'])
  request.abort()
})

for (const [kind, make] of Object.entries(KINDS)) {
  test(`should fail with net::ERR_TIMED_OUT when nobody handles the timeout (${kind})`, async (t) => {
    const srv = await rawServer(t, () => {})
    const { options, body, chunked } = make()
    const request = net.request({ ...options, url: srv.url })
    request.setTimeout(150)
    const started = Date.now()
    const r = await collect(request, { body, chunked })
    t.is(r.error.message, 'net::ERR_TIMED_OUT')
    t.deepEqual(r.events, ['R:finish', 'R:close', 'R:error'])
    t.true(Date.now() - started >= 140)
    const ok = await listen(t, (req, res) => res.end('fine'))
    t.is((await collect(net.request(ok.url))).body, 'fine')
  })
}
