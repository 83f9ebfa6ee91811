'use strict'

// Connection-level reliability: which connections go back to the pool, which responses are
// retried on a new one, and how a connection's end is read. Each case follows Chromium's net/
// code, cited per test. Servers are raw node:net / node:tls ones on 127.0.0.1.

const test = require('ava')
const netModule = require('node:net')
const tls = require('node:tls')
const { certs } = require('./helpers/tls')
const { collect } = require('./helpers/listen')
const { net } = require('..')

// A raw server that answers each request head it reads with `answer(socket, index, conn)`
// (`index`: the request's number over the whole server, from 0; `conn`: the connection's
// number). Records, per request, which connection carried it. `secure`: TLS with the test CA's
// certificate; `raw` is then the TCP socket under the TLS one.
async function server (t, answer, { secure = false } = {}) {
  const sockets = new Set()
  const seen = []
  let connections = 0
  const onSocket = (socket, raw) => {
    const conn = connections++
    sockets.add(socket)
    socket.on('error', () => {})
    let buffer = ''
    socket.on('data', (data) => {
      buffer += data.toString('latin1')
      let end
      while ((end = buffer.indexOf('\r\n\r\n')) !== -1) {
        const head = buffer.slice(0, end)
        buffer = buffer.slice(end + 4)
        const index = seen.length
        seen.push({ conn, head })
        answer(socket, index, { conn, raw: raw || socket })
      }
    })
  }
  let srv
  if (secure) {
    // 'connection' hands over the TCP socket before its TLS one is ready (tests here connect
    // one at a time).
    const raws = []
    srv = tls.createServer({ ...certs.valid, ALPNProtocols: ['http/1.1'] }, (socket) => onSocket(socket, raws.shift()))
    srv.on('connection', (raw) => { raws.push(raw); sockets.add(raw); raw.on('error', () => {}) })
  } else {
    srv = netModule.createServer((socket) => onSocket(socket))
  }
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    return new Promise((resolve) => srv.close(() => resolve()))
  })
  const { port } = srv.address()
  return { url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`, seen, connections: () => connections }
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'

// Chromium's HttpNetworkTransaction::DoReadHeadersComplete skips every 1xx of a request that is
// not a WebSocket handshake ("We treat any other 1xx in this same way"), 101 included: an
// unsolicited 101 is not the response, the head after it is.
test('an unsolicited 101 Switching Protocols is skipped like any 1xx', async (t) => {
  const s = await server(t, (socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n')
    // Closed after it, so a client that took the 101 for the response does not wait forever.
    socket.end(OK)
  })
  const r = await collect(net.request(s.url))
  t.is(r.error, null)
  t.is(r.response.statusCode, 200)
  t.is(r.body, 'ok')
})

test('an unsolicited 101 followed by a close is an empty response (as after 100 Continue)', async (t) => {
  const s = await server(t, (socket) => {
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n')
  })
  const r = await collect(net.request(s.url))
  t.is(r.response, null)
  t.is(r.error && r.error.message, 'net::ERR_EMPTY_RESPONSE')
})

// Chromium's HttpNetworkTransaction::DoReadHeadersComplete: "On a 408 response from the server
// ("Request Timeout") on a stale socket, retry the request for HTTP/1.1" on a new connection
// (ResetConnectionAndRequestForResend, which closes the socket).
for (const [kind, options, body] of [['GET', {}, undefined], ['buffered POST', { method: 'POST' }, 'x'.repeat(100)]]) {
  test(`a 408 on a reused keep-alive connection is retried once on a new one (${kind})`, async (t) => {
    const s = await server(t, (socket, index) => {
      if (index === 1) socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 7\r\n\r\ntimeout')
      else socket.write(OK)
    })
    const first = await collect(net.request(s.url))
    t.is(first.body, 'ok')
    const second = await collect(net.request({ url: s.url, ...options }), { body })
    t.is(second.error, null)
    t.is(second.response.statusCode, 200)
    t.is(second.body, 'ok')
    t.deepEqual(s.seen.map((r) => r.conn), [0, 0, 1], 'the retry went on a new connection')
    if (body) t.regex(s.seen[2].head, /content-length: 100/i)
  })
}

// What a 408 now shares with: a reused connection that the server closes, or resets, on
// receiving the request, before any answer (HttpNetworkTransaction::HandleIOError /
// ShouldResendRequest: "we resend a request only if we reused a keep-alive connection").
for (const [how, end] of [['closes', (socket) => socket.end()], ['resets', (socket) => socket.resetAndDestroy()]]) {
  test(`a reused connection the server ${how} without answering is retried once on a new one`, async (t) => {
    const s = await server(t, (socket, index) => (index === 1 ? end(socket) : socket.write(OK)))
    await collect(net.request(s.url))
    const r = await collect(net.request(s.url))
    t.is(r.error, null)
    t.is(r.body, 'ok')
    t.deepEqual(s.seen.map((r) => r.conn), [0, 0, 1])
  })
}

test('bytes of another protocol after an unsolicited 101 are ERR_INVALID_HTTP_RESPONSE', async (t) => {
  const s = await server(t, (socket) => {
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n\x00\x01\x02\x03binary-protocol-bytes')
  })
  const r = await collect(net.request(s.url))
  t.is(r.response, null)
  t.is(r.error && r.error.message, 'net::ERR_INVALID_HTTP_RESPONSE')
})

test('a 408 on a new connection is the response (nothing was reused)', async (t) => {
  const s = await server(t, (socket) => {
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 7\r\n\r\ntimeout')
  })
  const r = await collect(net.request(s.url))
  t.is(r.response.statusCode, 408)
  t.is(r.body, 'timeout')
  t.is(s.seen.length, 1)
})

test('a 408 answering a second 408 after the retry is delivered (retried once only)', async (t) => {
  const s = await server(t, (socket, index) => {
    if (index === 0) socket.write(OK)
    else socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 7\r\n\r\ntimeout')
  })
  await collect(net.request(s.url))
  const r = await collect(net.request(s.url))
  t.is(r.response.statusCode, 408)
  t.is(s.seen.length, 3)
})

// RFC 9112 §6.1/§6.3: a response with both Transfer-Encoding and Content-Length, or an HTTP/1.0
// response with Transfer-Encoding, may be a smuggling attempt: "the connection MUST be closed"
// after it. (Chromium's HttpStreamParser::CanReuseConnection reuses any keep-alive response
// whose end it found; closing costs one handshake and rules the desync out.)
for (const [name, response] of [
  ['both Transfer-Encoding and Content-Length',
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'],
  ['HTTP/1.0 with Transfer-Encoding',
    'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n']
]) {
  test(`a response with ${name} never leaves its connection in the pool`, async (t) => {
    const s = await server(t, (socket, index) => {
      if (index === 0) {
        socket.write(response)
        // Whatever the framing decided, the body ends by itself here.
        setTimeout(() => socket.end(), 300)
      } else {
        socket.write(OK)
      }
    })
    const first = await collect(net.request(s.url))
    t.is(first.error, null)
    const second = await collect(net.request(s.url))
    t.is(second.body, 'ok')
    t.deepEqual(s.seen.map((r) => r.conn), [0, 1], 'the second request went on a new connection')
  })
}

test('a plain keep-alive response does leave its connection in the pool (control)', async (t) => {
  const s = await server(t, (socket) => socket.write(OK))
  await collect(net.request(s.url))
  await collect(net.request(s.url))
  t.deepEqual(s.seen.map((r) => r.conn), [0, 0])
})

// Chromium's SSLClientSocketImpl::DoPayloadRead: "Many servers do not reliably send a
// close_notify alert ... map the unclean shutdown to a graceful EOF". The body then ends as
// HttpStreamParser::DoReadBodyComplete ends it at a close: a close-delimited body is complete,
// a short Content-Length one is ERR_CONTENT_LENGTH_MISMATCH.
test('https: a close-delimited body cut off without close_notify ends normally', async (t) => {
  const s = await server(t, (socket, index, { raw }) => {
    socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello', () => {
      setTimeout(() => raw.destroy(), 50)
    })
  }, { secure: true })
  const r = await collect(net.request(s.url))
  t.is(r.error, null)
  t.is(r.body, 'hello')
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:response', 'S:end', 'S:close'])
})

test('https: a Content-Length body cut off without close_notify is ERR_CONTENT_LENGTH_MISMATCH', async (t) => {
  const s = await server(t, (socket, index, { raw }) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello', () => {
      setTimeout(() => raw.destroy(), 50)
    })
  }, { secure: true })
  const r = await collect(net.request(s.url))
  t.is(r.response.statusCode, 200)
  t.is(r.error && r.error.message, 'net::ERR_CONTENT_LENGTH_MISMATCH')
})

for (const [what, bytes, expected] of [
  ['before any byte of the head', '', 'net::ERR_EMPTY_RESPONSE'],
  ['mid-head', 'HTTP/1.1 200 OK\r\nContent-Le', 'net::ERR_RESPONSE_HEADERS_TRUNCATED'],
  ['mid chunked body', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', 'net::ERR_INCOMPLETE_CHUNKED_ENCODING']
]) {
  test(`https: a close without close_notify ${what} is ${expected}, as at a TCP close`, async (t) => {
    const s = await server(t, (socket, index, { raw }) => {
      socket.write(bytes, () => setTimeout(() => raw.destroy(), 50))
    }, { secure: true })
    const r = await collect(net.request(s.url))
    t.is(r.error && r.error.message, expected)
  })
}

// Idle connections the server closes are closed on our side too, at once, not when the origin
// is next used: no socket is left in CLOSE_WAIT. The server's socket sees our FIN ('end') and
// then closes fully ('close'); without it, it would wait in FIN_WAIT_2.
for (const secure of [false, true]) {
  test(`${secure ? 'https' : 'http'}: an idle connection the server closes is closed promptly`, async (t) => {
    let onClosed
    const fullyClosed = new Promise((resolve) => { onClosed = resolve })
    const s = await server(t, (socket, index, { raw }) => {
      socket.write(OK, () => {
        setTimeout(() => {
          const endAt = Date.now()
          raw.on('close', () => onClosed(Date.now() - endAt))
          socket.end()
        }, 100)
      })
    }, { secure })
    const r = await collect(net.request(s.url))
    t.is(r.body, 'ok')
    const closed = await Promise.race([fullyClosed, new Promise((resolve) => setTimeout(() => resolve(null), 3000))])
    t.not(closed, null, 'the server socket closed fully (our side closed too)')
    t.true(closed < 2000, `closed after ${closed} ms`)
  })
}
