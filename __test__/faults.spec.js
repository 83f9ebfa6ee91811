'use strict'

// Hostile and broken servers: one case per misbehaviour, each against a GET, a buffered POST
// and a chunked POST. Each asserts the exact net::ERR_* (or the exact response), Electron's full
// event sequence (reference §4) with exactly one request 'close' and nothing in the 100 ms after
// the request settled, and that a normal request right after succeeds.

const test = require('ava')
const { net } = require('..')
const { rawServer, observe, expectHealthy, expectEvents, expectOutcome, KINDS, ORDERS } = require('./helpers/raw-server')
const { sleep } = require('./helpers/bodies')

const BIG_HEADER = 'X-Big: ' + 'a'.repeat(300 * 1024) + '\r\n'

// [title, behaviour, expected: { error, partial? } | { status, body }]; `partial` (the body
// delivered before the failure) marks a failure after 'response' (scenario D).
const CASES = [
  ['closes before any byte', (s) => s.destroy(), { error: 'net::ERR_EMPTY_RESPONSE' }],
  // A head cut off by the close is, over plain HTTP, the response (what arrived parsed as the
  // head, no body): Chromium's HttpStreamParser::HandleReadHeaderResult (net/http/
  // http_stream_parser.cc). Over https it is net::ERR_RESPONSE_HEADERS_TRUNCATED (framing.spec.js).
  ['closes mid status line', (s) => s.end('HTTP/1.1 200 O'), { status: 200, body: '', statusMessage: 'O' }],
  // Our status line needs a three-digit code (Chromium would take "20" as the code).
  ['closes mid status code', (s) => s.end('HTTP/1.1 20'), { error: 'net::ERR_INVALID_HTTP_RESPONSE' }],
  ['closes mid headers', (s) => s.end('HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B'), { status: 200, body: '', headers: { 'x-a': '1' } }],
  ['closes after a header that announced a body', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n'),
    { status: 200, body: '' }],
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
    { error: 'net::ERR_INVALID_CHUNKED_ENCODING', partial: '' }],
  ['sends a body longer than content-length', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'),
    { status: 200, body: 'ok' }],
  ['replies HTTP/0.9-style', (s) => s.end('hello, no status line\n'), { error: 'net::ERR_INVALID_HTTP_RESPONSE' }],
  ['sends 100-continue then closes', (s) => s.end('HTTP/1.1 100 Continue\r\n\r\n'), { error: 'net::ERR_EMPTY_RESPONSE' }],
  ['sends 1xx responses before the real one', (s) => s.end(
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone'),
  { status: 201, body: 'done' }]
]

for (const [title, behave, expected] of CASES) {
  for (const [kind, make] of Object.entries(KINDS)) {
    test(`should handle a server that ${title} (${kind})`, async (t) => {
      const srv = await rawServer(t, behave)
      const { options, body, chunked } = make()
      const r = await observe(net.request({ ...options, url: srv.url }), { body, chunked })
      expectOutcome(t, r, expected)
      if (body !== undefined) t.is(srv.requests[0].body.length > 0, true, 'the server received the body')
      await expectHealthy(t)
    })
  }
}

// The server resets the connection 50 ms after the request head, while 32 MiB are still on
// their way: it stops reading (pause), so the socket buffers fill and the upload stalls. (Read
// on, loopback's 32 MiB receive window let a fast upload finish within the 50 ms.)
for (const kind of ['buffered POST', 'chunked POST']) {
  test(`should fail with net::ERR_CONNECTION_RESET when the server resets during an upload (${kind})`, async (t) => {
    const srv = await rawServer(t, (socket) => {
      socket.pause()
      setTimeout(() => socket.resetAndDestroy(), 50)
    }, { waitForBody: false })
    const chunked = kind === 'chunked POST'
    const r = await observe(net.request({ method: 'POST', url: srv.url }), { body: Buffer.alloc(32 * 1024 * 1024, 'x'), chunked })
    t.is(r.error && r.error.message, 'net::ERR_CONNECTION_RESET')
    t.is(r.errors, 1, 'one error')
    // Buffered: 'finish' came when end() handed the body over (scenario B). Chunked: the
    // upload never finished (scenario C).
    expectEvents(t, r, chunked ? ORDERS.failedDuringUpload : ORDERS.failedBeforeHeaders)
    await expectHealthy(t)
  })
}

// Request timeouts (Node's `timeout` option and `setTimeout(ms[, cb])`; an extension Electron
// lacks): 'timeout' after `ms` without network activity; with no listener, net::ERR_TIMED_OUT.

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
  await sleep(50)
  t.deepEqual(events, ['close', 'timeout'])
  request.abort()
})

test('should call the setTimeout(ms, callback) callback once, as a \'timeout\' listener', async (t) => {
  const srv = await rawServer(t, () => {})
  const request = net.request(srv.url)
  const calls = []
  const started = Date.now()
  t.is(request.setTimeout(150, () => calls.push(Date.now() - started)), request, 'returns the request')
  request.on('error', (e) => calls.push(e.message))
  request.end()
  await sleep(450)
  // A handled timeout does not fail the request, and does not fire again by itself.
  t.is(calls.length, 1, JSON.stringify(calls))
  t.true(calls[0] >= 140, `fired after ${calls[0]} ms`)
  t.is(request.listenerCount('timeout'), 0, 'the callback was a once listener')
  request.abort()
  await expectHealthy(t)
})

for (const [kind, make] of Object.entries(KINDS)) {
  for (const form of ['setTimeout(150)', 'the timeout option']) {
    test(`should fail with net::ERR_TIMED_OUT when nobody handles the timeout, set by ${form} (${kind})`, async (t) => {
      const srv = await rawServer(t, () => {})
      const { options, body, chunked } = make()
      const request = net.request({ ...options, url: srv.url, ...(form === 'the timeout option' ? { timeout: 150 } : {}) })
      if (form !== 'the timeout option') request.setTimeout(150)
      const started = Date.now()
      const r = await observe(request, { body, chunked })
      t.is(r.error && r.error.message, 'net::ERR_TIMED_OUT')
      t.is(r.errors, 1, 'one error')
      // The raw server read the whole body, so a chunked upload finished too: scenario B.
      expectEvents(t, r, ORDERS.failedBeforeHeaders)
      t.true(Date.now() - started >= 140)
      await expectHealthy(t)
    })
  }
}

test('should time out a body that stalls after \'response\'', async (t) => {
  const srv = await rawServer(t, (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstart'))
  const started = Date.now()
  const r = await observe(net.request({ url: srv.url, timeout: 200 }))
  t.is(r.error && r.error.message, 'net::ERR_TIMED_OUT')
  t.is(r.body, 'start')
  t.true(Date.now() - started >= 190)
  // Scenario D: the failure came mid-body.
  expectEvents(t, r, ORDERS.failedMidBody)
  await expectHealthy(t)
})

test('should emit \'timeout\' to a listener when a body stalls after \'response\'', async (t) => {
  const srv = await rawServer(t, (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstart'))
  const request = net.request({ url: srv.url })
  const fired = new Promise((resolve) => request.setTimeout(200, resolve))
  request.on('response', (response) => response.resume())
  request.end()
  await fired
  t.pass()
  request.abort()
})

// The server sends a chunk every 100 ms (a third of the timeout) for 700 ms; the timeout must
// not fire. Serial, so that the other tests of this file do not stall the event loop for long.
test.serial('should not time out a slow download that stays active', async (t) => {
  const srv = await rawServer(t, (s) => {
    s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
    let n = 0
    const tick = setInterval(() => {
      if (s.destroyed) return clearInterval(tick)
      if (++n > 7) {
        clearInterval(tick)
        return s.end('0\r\n\r\n')
      }
      s.write('1\r\nx\r\n')
    }, 100)
  })
  const r = await observe(net.request({ url: srv.url, timeout: 300 }))
  t.is(r.error, null)
  t.is(r.body, 'x'.repeat(7))
  expectEvents(t, r, ORDERS.success)
})

// The caller writes a small chunk every 100 ms for 700 ms; the server answers once the body
// ends. Each chunk the engine takes is activity, so the 300 ms timeout must not fire.
test.serial('should not time out a slow upload that stays active', async (t) => {
  const srv = await rawServer(t, (s, req) => s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${req.body.length}\r\n\r\n${req.body}`))
  const request = net.request({ method: 'POST', url: srv.url, timeout: 300 })
  request.chunkedEncoding = true
  const events = []
  request.on('timeout', () => events.push('timeout'))
  request.on('error', (e) => events.push(e.message))
  const body = await new Promise((resolve) => {
    request.on('response', (response) => {
      let text = ''
      response.on('data', (c) => { text += c })
      response.on('end', () => resolve(text))
    })
    let n = 0
    const tick = setInterval(() => {
      if (++n > 7) {
        clearInterval(tick)
        return request.end()
      }
      request.write('y')
    }, 100)
  })
  t.deepEqual(events, [])
  t.true(/^1\r\ny\r\n(1\r\ny\r\n){6}0\r\n\r\n$/.test(body), JSON.stringify(body))
})
