'use strict'

// HTTP/2 servers that are hostile or broken, framed by hand on a TLS socket (ALPN h2, the test
// CA's certificate): floods, malformed header blocks, frames where none may come. Each case
// asserts what the request reports, that it does so promptly, that memory stays bounded where a
// flood could grow it, and that the process still serves a request to a healthy server after.
// Chromium's names are from net/spdy/spdy_session.cc (MapFramerErrorToNetError, OnRstStream,
// OnGoAway, OnWindowUpdate, OnPushPromise), net/spdy/header_coalescer.cc and
// net/spdy/spdy_stream.cc (OnHeadersReceived). Only cases where the engine and Chromium agree
// are pinned here.

const { certs, serveHttp2 } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const tls = require('node:tls')
const test = require('ava')
const { net } = require('..')
const { serve, collect } = require('./helpers/listen')
const { within, sleep } = require('./helpers/bodies')
const { frame, PREFACE } = require('./helpers/raw-h2')

const DATA = 0x0
const HEADERS = 0x1
const RST_STREAM = 0x3
const SETTINGS = 0x4
const PUSH_PROMISE = 0x5
const PING = 0x6
const GOAWAY = 0x7
const WINDOW_UPDATE = 0x8
const CONTINUATION = 0x9
const END_STREAM = 0x1
const ACK = 0x1
const END_HEADERS = 0x4
const PADDED = 0x8
const PROTOCOL_ERROR = 'net::ERR_HTTP2_PROTOCOL_ERROR'

const FAILED_BEFORE_RESPONSE = ['R:finish', 'R:close', 'R:error']
const FAILED_AFTER_RESPONSE = ['R:finish', 'R:close', 'R:response', 'R:error', 'S:error', 'S:close']
const SUCCESS = ['R:finish', 'R:close', 'R:response', 'S:end', 'S:close']

function u32 (...values) {
  const b = Buffer.alloc(values.length * 4)
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4))
  return b
}

// HPACK without Huffman: an integer with an N-bit prefix, a string literal, a literal header
// field without indexing (new name), one with incremental indexing, and `:status` by its
// static-table name (index 8) with any value. `:status 200` is the static entry 8 itself.
function hpackInt (value, prefixBits, first = 0) {
  const max = (1 << prefixBits) - 1
  if (value < max) return Buffer.from([first | value])
  const out = [first | max]
  value -= max
  while (value >= 128) {
    out.push((value % 128) + 128)
    value = Math.floor(value / 128)
  }
  out.push(value)
  return Buffer.from(out)
}
const str = (s) => { const b = Buffer.from(s); return Buffer.concat([hpackInt(b.length, 7), b]) }
const lit = (name, value) => Buffer.concat([Buffer.from([0x00]), str(name), str(value)])
const litIndexed = (name, value) => Buffer.concat([Buffer.from([0x40]), str(name), str(value)])
const status = (value) => Buffer.concat([Buffer.from([0x08]), str(value)])
const STATUS_200 = Buffer.from([0x88])

const headers = (id, block, flags = END_HEADERS) => frame(HEADERS, flags, id, block)
const data = (id, body, flags = 0) => frame(DATA, flags, id, Buffer.from(body))

// Calls `onFrame({ type, flags, id, payload })` for each frame the client sends, after its
// preface.
function readFrames (socket, onFrame) {
  let buffer = Buffer.alloc(0)
  let prefaced = false
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk])
    if (!prefaced) {
      if (buffer.length < PREFACE.length) return
      prefaced = true
      buffer = buffer.subarray(PREFACE.length)
    }
    while (buffer.length >= 9) {
      const length = buffer.readUIntBE(0, 3)
      if (buffer.length < 9 + length) return
      const payload = Buffer.from(buffer.subarray(9, 9 + length))
      onFrame({ type: buffer[3], flags: buffer[4], id: buffer.readUInt32BE(5) & 0x7fffffff, payload })
      buffer = buffer.subarray(9 + length)
    }
  })
}

// A raw h2 server: sends SETTINGS (unless `noSettings`), ACKs the client's SETTINGS and PINGs,
// and calls `onHeaders(conn, streamId)` for each request. `conn` has the socket, `closed`, and
// `frames` (what the client sent). Resolves with { url, connections }.
async function hostileServer (t, { onHeaders, noSettings = false } = {}) {
  const connections = []
  const server = tls.createServer({ ...certs.valid, ALPNProtocols: ['h2'] }, (socket) => {
    socket.on('error', () => {})
    if (socket.alpnProtocol !== 'h2') return socket.destroy()
    const conn = { socket, closed: false, frames: [] }
    connections.push(conn)
    socket.on('close', () => { conn.closed = true })
    if (!noSettings) socket.write(frame(SETTINGS, 0, 0))
    readFrames(socket, ({ type, flags, id, payload }) => {
      conn.frames.push({ type, flags, id, payload })
      if (type === SETTINGS && !(flags & ACK)) socket.write(frame(SETTINGS, ACK, 0))
      else if (type === PING && !(flags & ACK)) socket.write(frame(PING, ACK, 0, payload))
      else if (type === HEADERS && onHeaders) onHeaders(conn, id)
    })
  })
  server.on('tlsClientError', () => {})
  const { port } = await serve(t, server, 'connection')
  return { url: `https://127.0.0.1:${port}`, connections }
}

// Writes `chunk` until `limit` writes were made or the connection closed, waiting for 'drain'.
function flood (conn, chunk, limit, then = () => {}) {
  let n = 0
  const pump = () => {
    while (!conn.closed) {
      if (n++ >= limit) return then()
      if (!conn.socket.write(typeof chunk === 'function' ? chunk() : chunk)) return conn.socket.once('drain', pump)
    }
  }
  pump()
}

const rss = () => process.memoryUsage().rss

// The process still serves a request, to a healthy h2 server.
async function expectHealthy (t) {
  const { url } = await serveHttp2(t, (req, res) => res.end('healthy'))
  const r = await within(collect(net.request(url)), 5000, 'the request to a healthy server')
  t.is(r.error, null)
  t.is(r.body, 'healthy')
  t.is(r.response.httpVersion, '2.0')
}

// One request to a server answering with `answer(conn, id)`: its outcome, in at most 5 s.
async function requestTo (t, answer, options) {
  const srv = await hostileServer(t, { onHeaders: answer, ...options })
  const r = await within(collect(net.request(srv.url)), 5000, 'the request')
  return { r, srv }
}

test.serial('should fail an endless CONTINUATION flood promptly, with bounded memory', async (t) => {
  const before = rss()
  const { r } = await requestTo(t, (conn, id) => {
    // A literal announcing a 100 MiB value, then 16 KiB CONTINUATION frames of it, never ending.
    conn.socket.write(headers(id, Buffer.concat([STATUS_200, Buffer.from([0x00]), str('x-a'), hpackInt(100 * 1024 * 1024, 7)]), 0))
    flood(conn, frame(CONTINUATION, 0, id, Buffer.alloc(16384, 'a')), 12000) // ~200 MB at most
  })
  t.is(r.error && r.error.message, PROTOCOL_ERROR)
  t.deepEqual(r.events, FAILED_BEFORE_RESPONSE)
  t.true(rss() - before < 64 * 1024 * 1024, `rss grew by ${Math.round((rss() - before) / 1048576)} MiB`)
  await expectHealthy(t)
})

test.serial('should fail a flood of empty CONTINUATION frames promptly', async (t) => {
  const { r } = await requestTo(t, (conn, id) => {
    conn.socket.write(headers(id, STATUS_200, 0))
    flood(conn, Buffer.concat(Array(1000).fill(frame(CONTINUATION, 0, id))), 5000)
  })
  t.is(r.error && r.error.message, PROTOCOL_ERROR)
  t.deepEqual(r.events, FAILED_BEFORE_RESPONSE)
  await expectHealthy(t)
})

test.serial('should reset a stream whose header list is over 256 KiB, and keep the connection', async (t) => {
  // Chromium: HeaderCoalescer's "Header list too large." resets the stream (protocol error).
  const srv = await hostileServer(t, {
    onHeaders (conn, id) {
      if (id > 1) {
        conn.socket.write(headers(id, STATUS_200))
        return conn.socket.write(data(id, 'next', END_STREAM))
      }
      const parts = [STATUS_200]
      for (let i = 0; i < 75; i++) parts.push(lit(`x-h${i}`, 'v'.repeat(4096)))
      const block = Buffer.concat(parts) // ~300 KiB, in 16 KiB frames
      const frames = []
      for (let at = 0; at < block.length; at += 16384) {
        const last = at + 16384 >= block.length
        frames.push(frame(at === 0 ? HEADERS : CONTINUATION, last ? END_HEADERS : 0, id, block.subarray(at, at + 16384)))
      }
      conn.socket.write(Buffer.concat(frames))
      conn.socket.write(data(id, 'ok', END_STREAM))
    }
  })
  const r = await within(collect(net.request(srv.url)), 5000, 'the request')
  t.is(r.error && r.error.message, PROTOCOL_ERROR)
  t.deepEqual(r.events, FAILED_BEFORE_RESPONSE)
  const next = await within(collect(net.request(srv.url)), 5000, 'the next request')
  t.is(next.body, 'next')
  t.is(srv.connections.length, 1, 'only the stream was reset')
})

test.serial('should fail an HPACK bomb (a 4 KB table entry referenced 12,000 times) with bounded memory', async (t) => {
  const before = rss()
  const block = Buffer.concat([STATUS_200, litIndexed('x-b', 'b'.repeat(4000)), Buffer.alloc(12000, 0xbe)])
  for (let i = 0; i < 5; i++) {
    const { r } = await requestTo(t, (conn, id) => {
      conn.socket.write(headers(id, block))
      conn.socket.write(data(id, 'ok', END_STREAM))
    })
    t.is(r.error && r.error.message, PROTOCOL_ERROR)
  }
  t.true(rss() - before < 64 * 1024 * 1024, `rss grew by ${Math.round((rss() - before) / 1048576)} MiB`)
  await expectHealthy(t)
})

test.serial('should fail on PUSH_PROMISE, which the client disabled', async (t) => {
  // Chromium: SpdySession::OnPushPromise drains the session with ERR_HTTP2_PROTOCOL_ERROR.
  const { r } = await requestTo(t, (conn, id) => {
    const promise = Buffer.concat([u32(2), Buffer.from([0x82, 0x87, 0x84]), lit(':authority', '127.0.0.1')])
    conn.socket.write(frame(PUSH_PROMISE, END_HEADERS, id, promise))
    conn.socket.write(headers(id, STATUS_200))
    conn.socket.write(data(id, 'ok', END_STREAM))
  })
  t.is(r.error && r.error.message, PROTOCOL_ERROR)
  t.deepEqual(r.events, FAILED_BEFORE_RESPONSE)
  await expectHealthy(t)
})

// Response heads Chromium refuses with a stream reset and ERR_HTTP2_PROTOCOL_ERROR
// (SpdyStream::OnHeadersReceived, HeaderCoalescer::AddHeader, SpdyStream::SaveResponseHeaders).
const BAD_HEADS = [
  ['no :status', lit('x-a', '1')],
  ['a :status that is not a number', status('abc')],
  ['an upper-case header name', Buffer.concat([STATUS_200, lit('X-Upper', '1')])],
  ['a pseudo-header after a regular one', Buffer.concat([lit('x-a', '1'), STATUS_200])],
  ['a NUL in a header value', Buffer.concat([STATUS_200, lit('x-a', 'a\0b')])],
  ['a CR LF in a header value', Buffer.concat([STATUS_200, lit('x-a', 'a\r\nx-b: b')])],
  ['a Transfer-Encoding header', Buffer.concat([STATUS_200, lit('transfer-encoding', 'chunked')])]
]

for (const [title, block] of BAD_HEADS) {
  test.serial(`should fail a response head with ${title} with ${PROTOCOL_ERROR}`, async (t) => {
    const { r } = await requestTo(t, (conn, id) => {
      conn.socket.write(headers(id, block))
      conn.socket.write(data(id, 'ok', END_STREAM))
    })
    t.is(r.error && r.error.message, PROTOCOL_ERROR)
    t.deepEqual(r.events, FAILED_BEFORE_RESPONSE)
    await expectHealthy(t)
  })
}

test.serial('should fail a response reset with CANCEL right after its HEADERS, after the response event', async (t) => {
  const { r } = await requestTo(t, (conn, id) => {
    conn.socket.write(headers(id, STATUS_200))
    conn.socket.write(frame(RST_STREAM, 0, id, u32(0x8)))
  })
  t.is(r.error && r.error.message, PROTOCOL_ERROR)
  t.is(r.response.statusCode, 200)
  t.deepEqual(r.events, FAILED_AFTER_RESPONSE)
  await expectHealthy(t)
})

test.serial('should fail a stream reset with CANCEL before its HEADERS', async (t) => {
  const { r } = await requestTo(t, (conn, id) => conn.socket.write(frame(RST_STREAM, 0, id, u32(0x8))))
  t.is(r.error && r.error.message, PROTOCOL_ERROR)
  t.deepEqual(r.events, FAILED_BEFORE_RESPONSE)
})

// Connection errors Chromium names ERR_HTTP2_PROTOCOL_ERROR too (OnWindowUpdate,
// SPDY_INVALID_PADDING, SPDY_INVALID_STREAM_ID), and frames it names by their kind
// (MapFramerErrorToNetError: SPDY_OVERSIZED_PAYLOAD). A connection WINDOW_UPDATE overflowing
// 2^31 - 1 is Chromium's protocol error (IncreaseSendWindowSize); h2 reports it as the
// flow-control error RFC 9113 §6.9.1 calls it, which cannot be told from the server overrunning
// the receive window, Chromium's ERR_HTTP2_FLOW_CONTROL_ERROR (README, Differences).
const BAD_BODY_FRAMES = [
  ['a connection WINDOW_UPDATE of 0', () => frame(WINDOW_UPDATE, 0, 0, u32(0)), PROTOCOL_ERROR],
  ['a connection WINDOW_UPDATE overflowing 2^31 - 1', () => frame(WINDOW_UPDATE, 0, 0, u32(0x7fffffff)), 'net::ERR_HTTP2_FLOW_CONTROL_ERROR'],
  ['a DATA frame whose padding is longer than it', (id) => frame(DATA, END_STREAM | PADDED, id, Buffer.from([200, 1, 2, 3])), PROTOCOL_ERROR],
  ['a DATA frame on stream 0', () => frame(DATA, END_STREAM, 0, Buffer.from('x')), PROTOCOL_ERROR],
  ['a DATA frame over the 16 KiB frame size', (id) => data(id, Buffer.alloc(20000, 'x'), END_STREAM), 'net::ERR_HTTP2_FRAME_SIZE_ERROR']
]

for (const [title, bad, name] of BAD_BODY_FRAMES) {
  test.serial(`should fail a response followed by ${title} with ${name}`, async (t) => {
    const { r } = await requestTo(t, (conn, id) => {
      conn.socket.write(headers(id, STATUS_200))
      conn.socket.write(bad(id))
      setTimeout(() => { if (!conn.closed) conn.socket.write(data(id, 'ok', END_STREAM)) }, 100)
    })
    t.is(r.error && r.error.message, name)
    t.deepEqual(r.events, FAILED_AFTER_RESPONSE)
    await expectHealthy(t)
  })
}

// The server ends the connection cleanly (close_notify, then FIN): Chromium's SpdySession drains
// on the read of 0 with ERR_CONNECTION_CLOSED, wherever the stream was, inside a frame too.
const CLEAN_ENDS = [
  ['before the response head', () => {}, FAILED_BEFORE_RESPONSE],
  ['inside the response head', (conn, id) => conn.socket.write(headers(id, STATUS_200, 0)), FAILED_BEFORE_RESPONSE],
  ['in the middle of the body', (conn, id) => {
    conn.socket.write(headers(id, STATUS_200))
    conn.socket.write(data(id, 'part'))
  }, FAILED_AFTER_RESPONSE],
  ['inside a DATA frame', (conn, id) => {
    conn.socket.write(headers(id, STATUS_200))
    conn.socket.write(data(id, 'the whole of it', END_STREAM).subarray(0, 12))
  }, FAILED_AFTER_RESPONSE]
]

for (const [title, before, events] of CLEAN_ENDS) {
  test.serial(`should fail a stream whose server ends the connection ${title} with net::ERR_CONNECTION_CLOSED`, async (t) => {
    const { r } = await requestTo(t, (conn, id) => {
      before(conn, id)
      setTimeout(() => conn.socket.end(), 50)
    })
    t.is(r.error && r.error.message, 'net::ERR_CONNECTION_CLOSED')
    t.deepEqual(r.events, events)
    await expectHealthy(t)
  })
}

test.serial('should fail a stream above the last stream of a GOAWAY with an error code with net::ERR_HTTP2_PROTOCOL_ERROR, not sent again', async (t) => {
  // Chromium's OnGoAway: StartGoingAway(last, ERR_HTTP2_PROTOCOL_ERROR) unless the code is
  // NO_ERROR (then ERR_HTTP2_SERVER_REFUSED_STREAM, which is resent).
  const { r, srv } = await requestTo(t, (conn) => conn.socket.write(frame(GOAWAY, 0, 0, u32(0, 0x2))))
  t.is(r.error && r.error.message, PROTOCOL_ERROR)
  t.deepEqual(r.events, FAILED_BEFORE_RESPONSE)
  t.is(srv.connections.length, 1, 'not sent again on another connection')
})

// A server that offers h2 and http/1.1 and answers h2 streams with HTTP_1_1_REQUIRED (as IIS
// does for Windows authentication): the request is sent again over HTTP/1.1, body included, and
// the server is spoken to in HTTP/1.1 from then on (Chromium's HandleHttp11Required and
// HttpServerProperties::SetHTTP11Required).
async function http11RequiredServer (t, refuse) {
  const seen = { h2Streams: 0, h1Requests: [] }
  const server = tls.createServer({ ...certs.valid, ALPNProtocols: ['h2', 'http/1.1'] }, (socket) => {
    socket.on('error', () => {})
    if (socket.alpnProtocol !== 'h2') {
      let received = Buffer.alloc(0)
      socket.on('data', (chunk) => {
        received = Buffer.concat([received, chunk])
        const end = received.indexOf('\r\n\r\n')
        if (end === -1) return
        const head = received.subarray(0, end).toString()
        const length = Number((/content-length: *(\d+)/i.exec(head) || [0, 0])[1])
        if (received.length < end + 4 + length) return
        seen.h1Requests.push({ head, body: received.subarray(end + 4, end + 4 + length).toString() })
        received = received.subarray(end + 4 + length)
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nvia h1')
      })
      return
    }
    socket.write(frame(SETTINGS, 0, 0))
    readFrames(socket, ({ type, flags, id }) => {
      if (type === SETTINGS && !(flags & ACK)) socket.write(frame(SETTINGS, ACK, 0))
      if (type === HEADERS) {
        seen.h2Streams++
        if (refuse === 'rst') socket.write(frame(RST_STREAM, 0, id, u32(0xd)))
        else if (refuse === 'goaway') socket.write(frame(GOAWAY, 0, 0, u32(0, 0xd)))
        else if (refuse === 'rst-after-head') {
          socket.write(headers(id, STATUS_200))
          socket.write(data(id, 'part'))
          socket.write(frame(RST_STREAM, 0, id, u32(0xd)))
        } else if (refuse === 'goaway-covering') {
          // The GOAWAY lets this stream finish, and it is answered over HTTP/2.
          socket.write(frame(GOAWAY, 0, 0, u32(id, 0xd)))
          socket.write(headers(id, STATUS_200))
          socket.write(data(id, 'via h2', END_STREAM))
        }
      }
    })
  })
  server.on('tlsClientError', () => {})
  const { port } = await serve(t, server, 'connection')
  return { url: `https://127.0.0.1:${port}`, seen }
}

for (const refuse of ['rst', 'goaway']) {
  test.serial(`should send a request again over HTTP/1.1 after HTTP_1_1_REQUIRED (${refuse === 'rst' ? 'RST_STREAM' : 'GOAWAY'}), and keep to HTTP/1.1`, async (t) => {
    const srv = await http11RequiredServer(t, refuse)
    const post = net.request({ method: 'POST', url: `${srv.url}/first` })
    const first = await within(collect(post, { body: 'the body' }), 5000, 'the first request')
    t.is(first.error, null)
    t.is(first.body, 'via h1')
    t.is(first.response.httpVersion, '1.1')
    t.is(srv.seen.h2Streams, 1)
    t.is(srv.seen.h1Requests.length, 1)
    t.regex(srv.seen.h1Requests[0].head, /^POST \/first HTTP\/1\.1/)
    t.is(srv.seen.h1Requests[0].body, 'the body')
    const second = await within(collect(net.request(`${srv.url}/second`)), 5000, 'the second request')
    t.is(second.body, 'via h1')
    t.is(srv.seen.h2Streams, 1, 'the server is remembered as wanting HTTP/1.1')
    t.is(srv.seen.h1Requests.length, 2)
  })
}

test.serial('should finish a body whose stream is at or below the last stream id of a GOAWAY with an error code', async (t) => {
  // Chromium: OnGoAway -> StartGoingAway(last_accepted_stream_id, ...) fails only the streams
  // above it; this one goes on.
  const { r } = await requestTo(t, (conn, id) => {
    conn.socket.write(headers(id, STATUS_200))
    conn.socket.write(data(id, 'part1-'))
    setTimeout(() => {
      conn.socket.write(frame(GOAWAY, 0, 0, u32(id, 0x2))) // INTERNAL_ERROR
      conn.socket.write(data(id, 'part2', END_STREAM))
    }, 50)
  })
  t.is(r.error, null)
  t.is(r.body, 'part1-part2')
  t.deepEqual(r.events, SUCCESS)
  await expectHealthy(t)
})

test.serial('should ignore DATA on a stream that has ended and keep the connection for the next request', async (t) => {
  // Chromium: OnStreamFrameData ignores frames for a stream no longer active.
  const srv = await hostileServer(t, {
    onHeaders (conn, id) {
      conn.socket.write(headers(id, STATUS_200))
      conn.socket.write(data(id, `body ${id}`, END_STREAM))
      setTimeout(() => conn.socket.write(data(id, 'late')), 20)
    }
  })
  const first = await within(collect(net.request(srv.url)), 5000, 'the first request')
  t.is(first.body, 'body 1')
  await sleep(100)
  const second = await within(collect(net.request(srv.url)), 5000, 'the second request')
  t.is(second.error, null)
  t.is(second.body, 'body 3')
  t.is(srv.connections.length, 1)
})

test.serial('should deliver a response from a server that never sends its SETTINGS', async (t) => {
  // Neither h2 nor Chromium waits for the server's SETTINGS before sending a request.
  const { r } = await requestTo(t, (conn, id) => {
    conn.socket.write(headers(id, STATUS_200))
    conn.socket.write(data(id, 'ok', END_STREAM))
  }, { noSettings: true })
  t.is(r.error, null)
  t.is(r.body, 'ok')
  t.deepEqual(r.events, SUCCESS)
})

test.serial('should deliver the final response after 300,000 informational (103) heads, with bounded memory', async (t) => {
  const before = rss()
  const { r } = await requestTo(t, (conn, id) => {
    const chunk = Buffer.concat(Array(1000).fill(headers(id, status('103'))))
    flood(conn, chunk, 300, () => {
      conn.socket.write(headers(id, STATUS_200))
      conn.socket.write(data(id, 'final', END_STREAM))
    })
  })
  t.is(r.error, null)
  t.is(r.response.statusCode, 200)
  t.is(r.body, 'final')
  t.true(rss() - before < 64 * 1024 * 1024, `rss grew by ${Math.round((rss() - before) / 1048576)} MiB`)
})

test.serial('should stay responsive, with bounded memory, while a server that reads nothing floods PINGs', async (t) => {
  const before = rss()
  let flooding
  const started = new Promise((resolve) => { flooding = resolve })
  const srv = await hostileServer(t, {
    onHeaders (conn) {
      conn.socket.pause() // the client's PING ACKs are never read
      flood(conn, Buffer.concat(Array(1000).fill(frame(PING, 0, 0, Buffer.alloc(8, 7)))), 20000)
      flooding()
    }
  })
  const request = net.request(srv.url)
  const events = []
  collect(request, { events })
  await within(started, 5000, 'the flood')
  await sleep(1000)
  // Another origin is served meanwhile, and the flooded request can still be aborted.
  await expectHealthy(t)
  request.abort()
  await sleep(200)
  t.deepEqual(events, ['R:finish', 'R:close', 'R:abort'])
  t.true(rss() - before < 64 * 1024 * 1024, `rss grew by ${Math.round((rss() - before) / 1048576)} MiB`)
  t.is(srv.connections.length, 1)
})

test.serial('should fail a body cut by HTTP_1_1_REQUIRED after the head with net::ERR_HTTP_1_1_REQUIRED, and keep to HTTP/1.1 after', async (t) => {
  // Chromium: the stream reading its body is not resent, but DoDrainSession marks the server.
  const srv = await http11RequiredServer(t, 'rst-after-head')
  const first = await within(collect(net.request(`${srv.url}/first`)), 5000, 'the first request')
  t.is(first.error && first.error.message, 'net::ERR_HTTP_1_1_REQUIRED')
  t.deepEqual(first.events, FAILED_AFTER_RESPONSE)
  const second = await within(collect(net.request(`${srv.url}/second`)), 5000, 'the second request')
  t.is(second.error, null)
  t.is(second.body, 'via h1')
  t.is(srv.seen.h2Streams, 1)
  t.is(srv.seen.h1Requests.length, 1)
})

test.serial('should finish a stream a GOAWAY(HTTP_1_1_REQUIRED) lets through, and send the next request over HTTP/1.1', async (t) => {
  const srv = await http11RequiredServer(t, 'goaway-covering')
  const first = await within(collect(net.request(`${srv.url}/first`)), 5000, 'the first request')
  t.is(first.error, null)
  t.is(first.body, 'via h2')
  const second = await within(collect(net.request(`${srv.url}/second`)), 5000, 'the second request')
  t.is(second.error, null)
  t.is(second.body, 'via h1')
  t.is(srv.seen.h2Streams, 1)
  t.is(srv.seen.h1Requests.length, 1)
})

test.serial('should fail a body whose stream is above the last stream of a graceful GOAWAY, not end it as complete', async (t) => {
  // Chromium's OnGoAway: StartGoingAway(last, ERR_HTTP2_SERVER_REFUSED_STREAM) closes every
  // stream above it, one that has its head too (too late to resend it).
  const { r } = await requestTo(t, (conn, id) => {
    conn.socket.write(headers(id, STATUS_200))
    conn.socket.write(data(id, 'part'))
    setTimeout(() => conn.socket.write(frame(GOAWAY, 0, 0, u32(0, 0x0))), 50)
  })
  t.is(r.error && r.error.message, 'net::ERR_HTTP2_SERVER_REFUSED_STREAM')
  t.deepEqual(r.events, FAILED_AFTER_RESPONSE)
})

test.serial('should send a request again on a new connection when a session in use goes away before its head', async (t) => {
  // Chromium's HandleIOError: ERR_CONNECTION_CLOSED on a reused session (ShouldResendRequest)
  // resends; the first connection answers its first stream, then closes on the second.
  const srv = await hostileServer(t, {
    onHeaders (conn, id) {
      if (srv.connections.indexOf(conn) === 0 && id > 1) return conn.socket.end()
      conn.socket.write(headers(id, STATUS_200))
      conn.socket.write(data(id, `stream ${id}`, END_STREAM))
    }
  })
  const first = await within(collect(net.request(srv.url)), 5000, 'the first request')
  t.is(first.body, 'stream 1')
  const post = net.request({ method: 'POST', url: srv.url })
  const second = await within(collect(post, { body: 'again' }), 5000, 'the second request')
  t.is(second.error, null)
  t.is(second.body, 'stream 1', 'answered on a new connection')
  t.is(srv.connections.length, 2)
})

test.serial('should end a request whose every new connection refuses its first stream and closes on the next, after a bounded number of tries', async (t) => {
  // Resends are counted for the whole request (Chromium's retry_attempts_): a refused stream
  // followed by the session going away must not start the count again.
  const srv = await hostileServer(t, {
    onHeaders (conn, id) {
      if (id === 1) conn.socket.write(frame(RST_STREAM, 0, id, u32(0x7)))
      else conn.socket.end()
    }
  })
  const r = await within(collect(net.request(srv.url)), 5000, 'the request')
  t.true(['net::ERR_HTTP2_SERVER_REFUSED_STREAM', 'net::ERR_CONNECTION_CLOSED'].includes(r.error && r.error.message), String(r.error))
  t.deepEqual(r.events, FAILED_BEFORE_RESPONSE)
  t.true(srv.connections.length <= 4, `${srv.connections.length} connections`)
})
