'use strict'

// HTTP/2 (negotiated by ALPN against node:http2 with a CA generated at test time): response
// backpressure through flow control, and bodies that fail mid-way.

const { serveHttp2 } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const http2 = require('node:http2')
const test = require('ava')
const { net, session } = require('..')
const { collect } = require('./helpers/listen')
const { writeBlocks } = require('./helpers/write-blocks')

const serve = serveHttp2

test('should throttle an HTTP/2 server writing to a client that never reads', async (t) => {
  let server
  const { url } = await serve(t, (req, res) => {
    server = writeBlocks(res, Buffer.alloc(1024 * 1024, 'w'), 30)
  })
  const request = net.request(url)
  const response = await new Promise((resolve) => { request.on('response', resolve); request.end() })
  t.is(response.httpVersion, '2.0')
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const written = server.written
  t.true(written <= 25, `${written} chunks of 1 MiB written`)
  t.true(written < 30)
  // Reading now gets every byte.
  let read = 0
  response.on('data', (c) => { read += c.length })
  await new Promise((resolve) => response.on('end', resolve))
  t.is(read, 30 * 1024 * 1024)
})

// Half a body, then `cut(req, res)`: the response errors with a Chromium name, then closes.
async function failMidBody (t, cut) {
  const { url } = await serve(t, (req, res) => {
    res.writeHead(200, { 'content-length': 1024 * 1024 })
    res.write(Buffer.alloc(100 * 1024, 'h'), () => setTimeout(() => cut(req, res), 50))
  })
  const request = net.request(url)
  let received = 0
  let responseError = null
  request.on('response', (response) => {
    response.on('data', (c) => { received += c.length })
    response.on('error', (e) => { responseError = e })
  })
  const r = await collect(request)
  t.true(received > 0 && received < 1024 * 1024, `${received} bytes before the failure`)
  // Reference §4 scenario D.
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:response', 'R:error', 'S:error', 'S:close'])
  t.is(responseError, r.error, 'the response gets the same Error')
  return r.error.message
}

test('should fail an HTTP/2 body cut off by RST_STREAM with net::ERR_HTTP2_PROTOCOL_ERROR', async (t) => {
  const message = await failMidBody(t, (req) => req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR))
  // Chromium closes a stream reset with anything but NO_ERROR/REFUSED_STREAM this way.
  t.is(message, 'net::ERR_HTTP2_PROTOCOL_ERROR')
})

test('should end an HTTP/2 body cut short by RST_STREAM(NO_ERROR) as a complete one', async (t) => {
  // NO_ERROR is a server done with the exchange (RFC 9113 §8.1): the bytes sent are the body.
  const { url } = await serve(t, (req, res) => {
    res.writeHead(200)
    res.write(Buffer.alloc(100 * 1024, 'h'), () => setTimeout(() => req.stream.close(http2.constants.NGHTTP2_NO_ERROR), 50))
  })
  const r = await collect(net.request(url))
  t.is(r.error, null)
  t.is(r.body, 'h'.repeat(100 * 1024))
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:response', 'S:end', 'S:close'])
})

test('should fail an HTTP/2 body whose session is destroyed mid-way with the socket\'s error', async (t) => {
  const message = await failMidBody(t, (req) => req.stream.session.destroy())
  // The socket closes with a FIN or, with our WINDOW_UPDATEs unread, a RST: Chromium's names
  // for those, not a protocol error (the stream was not reset).
  t.true(['net::ERR_CONNECTION_CLOSED', 'net::ERR_CONNECTION_RESET'].includes(message), message)
})

test('should fail an HTTP/2 download with net::ERR_ABORTED on closeAllConnections() and close the session', async (t) => {
  const ses = session.fromPartition('h2-close-all')
  let sessionClosed
  const closed = new Promise((resolve) => { sessionClosed = resolve })
  const { url } = await serve(t, (req, res) => {
    if (req.url === '/fresh') return res.end('fresh')
    req.stream.session.once('close', sessionClosed)
    res.writeHead(200)
    res.write('part')
  })
  const request = net.request({ url: `${url}/slow`, session: ses })
  request.on('response', (response) => response.once('data', () => ses.closeAllConnections()))
  const r = await collect(request)
  t.is(r.error.message, 'net::ERR_ABORTED')
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:response', 'R:error', 'S:error', 'S:close'])
  await closed
  const after = await collect(net.request({ url: `${url}/fresh`, session: ses }))
  t.is(after.body, 'fresh')
  t.is(after.response.httpVersion, '2.0')
})

// Over HTTP/2 too, a compressed body is decoded in bounded steps (src/request/decoding.rs):
// before, the DATA frames that had arrived were decoded at once, 8 MiB in one chunk here.
test('should decode gzip, deflate and br over HTTP/2 in chunks of at most 1 MiB', async (t) => {
  const zlib = require('node:zlib')
  const plain = Buffer.alloc(8 * 1024 * 1024)
  for (let i = 0; i < plain.length; i += 4096) plain.write(`line ${i} `, i)
  const encoded = {
    gzip: zlib.gzipSync(plain),
    deflate: zlib.deflateSync(plain),
    br: zlib.brotliCompressSync(plain, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })
  }
  const { url } = await serve(t, (req, res) => {
    const coding = req.url.slice(1)
    res.writeHead(200, { 'content-encoding': coding })
    res.end(encoded[coding])
  })
  for (const coding of Object.keys(encoded)) {
    const request = net.request(`${url}/${coding}`)
    const chunks = []
    const response = await new Promise((resolve) => { request.on('response', resolve); request.end() })
    t.is(response.httpVersion, '2.0')
    response.on('data', (c) => chunks.push(c))
    await new Promise((resolve) => response.on('end', resolve))
    t.true(Buffer.concat(chunks).equals(plain), coding)
    const largest = Math.max(...chunks.map((c) => c.length))
    t.true(largest <= 1024 * 1024, `${coding}: a chunk of ${largest} bytes`)
  }
})
