'use strict'

// net.fetch / ses.fetch (reference §11): what the server receives, the Response a user gets,
// bodies both ways with backpressure, aborts, redirects, cookies, errors, and that an unread
// body neither keeps the process alive nor leaks its request.

// Before anything creates a session: the sessions trust the test CA from NODE_EXTRA_CA_CERTS.
const { serveHttp2 } = require('./helpers/tls')
const path = require('node:path')
const { Readable } = require('node:stream')
const test = require('ava')
const { net, session, inflightCount } = require('..')
const { listen, recordingServer } = require('./helpers/listen')
const { rawServer } = require('./helpers/raw-server')
const { runNode } = require('./helpers/child')
const { writeBlocks } = require('./helpers/write-blocks')
const { sleep } = require('./helpers/bodies')

const KiB = 1024
const MiB = 1024 * KiB

const freshSession = () => session.fromPartition(`fetch-${Math.random()}`)

// Resolves once `read()` has returned the same value twice, `quietMs` apart: the writer (or
// reader) it measures has stopped moving.
async function stalled (read, quietMs = 500) {
  let last = read()
  for (;;) {
    await sleep(quietMs)
    const now = read()
    if (now === last) return now
    last = now
  }
}

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve))

// A promise and the function that resolves it (Promise.withResolvers needs Node 22).
function deferred () {
  let resolve
  const promise = new Promise((_resolve) => { resolve = _resolve })
  return [promise, resolve]
}

// A server that never answers an upload: it tells when the first bytes arrive and when the
// client went away.
async function uploadSink (t) {
  const [dataArrived, gotData] = deferred()
  const [serverSawClose, closed] = deferred()
  const srv = await listen(t, (req) => {
    req.once('data', gotData)
    req.on('close', closed)
  })
  return { ...srv, dataArrived, serverSawClose }
}

// What `promise` rejects with (ava's throwsAsync wants an Error, and a DOMException is not one
// in Node 20); fails the test if it resolves.
async function rejection (t, promise) {
  try {
    await promise
  } catch (error) {
    return error
  }
  t.fail('expected a rejection')
}

// --- The Response -------------------------------------------------------------------------

test('should resolve with a Response carrying the status, reason, headers, URL and body', async (t) => {
  const srv = await recordingServer(t, (req, res) => {
    res.writeHead(201, 'Made It', ['X-Many', 'a', 'X-Many', 'b', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Content-Type', 'text/plain'])
    res.end('hello')
  })
  // Its own session: Set-Cookie from 127.0.0.1 would otherwise reach other tests' servers.
  const response = await freshSession().fetch(`${srv.url}/path?q=1#fragment`)
  t.true(response instanceof Response)
  t.is(response.status, 201)
  t.is(response.statusText, 'Made It')
  t.true(response.ok)
  t.is(response.headers.get('x-many'), 'a, b')
  // Several Set-Cookie lines collapse into one string, as in Electron.
  t.is(response.headers.get('set-cookie'), 'a=1, b=2')
  t.is(response.headers.get('content-type'), 'text/plain')
  // The Fetch standard's values (Electron leaves url '' and type 'default').
  t.is(response.url, `${srv.url}/path?q=1`)
  t.false(response.redirected)
  t.is(response.type, 'basic')
  t.false(response.bodyUsed)
  t.is(await response.text(), 'hello')
  t.true(response.bodyUsed)
  t.is(srv.seen[0].method, 'GET')
  t.is(srv.seen[0].url, '/path?q=1')
})

test('should keep only the first value of a repeated header that Chromium keeps once, as IncomingMessage.headers does', async (t) => {
  const srv = await recordingServer(t, (req, res) => {
    res.writeHead(200, [
      'Content-Type', 'text/plain', 'X-Other', 'one', 'Content-Type', 'text/html',
      'ETag', '"first"', 'X-Other', 'two', 'ETag', '"second"'
    ])
    res.end('ok')
  })
  const response = await net.fetch(srv.url)
  const seen = await new Promise((resolve, reject) => {
    const request = net.request(srv.url)
    request.on('response', (message) => { message.resume(); resolve(message.headers) })
    request.on('error', reject)
    request.end()
  })
  t.is(response.headers.get('content-type'), 'text/plain')
  t.is(response.headers.get('etag'), '"first"')
  t.is(response.headers.get('x-other'), 'one, two')
  // The same values as net.request's response gives.
  for (const name of ['content-type', 'etag', 'x-other']) t.is(response.headers.get(name), seen[name])
  t.is(await response.text(), 'ok')
})

test('should send a plain GET without a body, with Sec-Fetch-Mode no-cors', async (t) => {
  const srv = await recordingServer(t)
  await (await net.fetch(srv.url)).text()
  const h = srv.seen[0].headers
  // mode 'cors' (the default) without an origin is not sent: Chromium's default no-cors goes out.
  t.is(h['sec-fetch-mode'], 'no-cors')
  t.is(h['sec-fetch-site'], 'none')
  t.is(h['content-length'], undefined)
  t.is(h['transfer-encoding'], undefined)
  t.is(h.origin, undefined)
  t.is(srv.seen[0].body.length, 0)
})

for (const [name, init, mode, site] of [
  ['mode same-origin', { mode: 'same-origin' }, 'same-origin', 'none'],
  ['mode no-cors', { mode: 'no-cors' }, 'no-cors', 'none'],
  ['mode cors with an Origin header', (url) => ({ headers: { Origin: url } }), 'cors', 'same-origin'],
  ['mode cors with a cross-site Origin header', { headers: { Origin: 'https://not-exists.example' } }, 'cors', 'cross-site']
]) {
  test(`should send Sec-Fetch-Mode from the Request for ${name}`, async (t) => {
    const srv = await recordingServer(t)
    await (await net.fetch(srv.url, typeof init === 'function' ? init(srv.url) : init)).arrayBuffer()
    t.is(srv.seen[0].headers['sec-fetch-mode'], mode)
    t.is(srv.seen[0].headers['sec-fetch-site'], site)
  })
}

test('should send every header of the Request', async (t) => {
  const srv = await recordingServer(t)
  const headers = new Headers({ 'X-Custom': 'one', 'User-Agent': 'mine/1.0' })
  headers.append('X-Custom', 'two')
  await (await net.fetch(srv.url, { headers })).text()
  t.is(srv.seen[0].headers['x-custom'], 'one, two')
  t.is(srv.seen[0].headers['user-agent'], 'mine/1.0')
})

test('should pass the cache mode on (no-cache sends Cache-Control: max-age=0)', async (t) => {
  const srv = await recordingServer(t)
  await (await net.fetch(srv.url, { cache: 'no-cache' })).text()
  t.is(srv.seen[0].headers['cache-control'], 'max-age=0')
})

test('should keep url and redirected on a clone', async (t) => {
  const srv = await listen(t, (req, res) => {
    if (req.url === '/from') {
      res.writeHead(302, { Location: '/to' })
      res.end()
    } else {
      res.end('cloned')
    }
  })
  const response = await net.fetch(`${srv.url}/from`)
  const copy = response.clone()
  t.is(copy.url, `${srv.url}/to`)
  t.true(copy.redirected)
  t.is(await copy.text(), 'cloned')
  t.is(await response.text(), 'cloned')
})

test('should read the body with json(), arrayBuffer(), blob() and formData()', async (t) => {
  const multipart = new FormData()
  multipart.append('field', 'value')
  multipart.append('file', new Blob(['file body'], { type: 'text/plain' }), 'a.txt')
  const encoded = new Response(multipart)
  const multipartType = encoded.headers.get('content-type')
  const multipartBody = Buffer.from(await encoded.arrayBuffer())
  const srv = await listen(t, (req, res) => {
    if (req.url === '/json') {
      res.setHeader('Content-Type', 'application/json')
      res.end('{"a":[1,2]}')
    } else if (req.url === '/urlencoded') {
      res.setHeader('Content-Type', 'application/x-www-form-urlencoded')
      res.end('foo=bar&x=y+z')
    } else if (req.url === '/multipart') {
      res.setHeader('Content-Type', multipartType)
      res.end(multipartBody)
    } else {
      res.setHeader('Content-Type', 'application/x-thing')
      res.end(Buffer.from([0, 1, 2, 255]))
    }
  })
  t.deepEqual(await (await net.fetch(`${srv.url}/json`)).json(), { a: [1, 2] })
  t.deepEqual([...new Uint8Array(await (await net.fetch(`${srv.url}/bytes`)).arrayBuffer())], [0, 1, 2, 255])
  const blob = await (await net.fetch(`${srv.url}/bytes`)).blob()
  t.is(blob.type, 'application/x-thing')
  t.is(blob.size, 4)
  const urlencoded = await (await net.fetch(`${srv.url}/urlencoded`)).formData()
  t.is(urlencoded.get('foo'), 'bar')
  t.is(urlencoded.get('x'), 'y z')
  const form = await (await net.fetch(`${srv.url}/multipart`)).formData()
  t.is(form.get('field'), 'value')
  t.is(form.get('file').name, 'a.txt')
  t.is(await form.get('file').text(), 'file body')
})

for (const [name, status, method] of [['HEAD', 200, 'HEAD'], ['204', 204, 'GET'], ['205', 205, 'GET'], ['304', 304, 'GET']]) {
  test.serial(`should give a null body for ${name} and still finish the request`, async (t) => {
    const srv = await listen(t, (req, res) => {
      // A HEAD answer announces a body it does not send; a 205 may carry one (HTTP lets it),
      // which nobody will read.
      res.writeHead(status, status === 200 ? { 'X-Status': '200', 'Content-Length': '5' } : { 'X-Status': String(status) })
      res.end(status === 205 ? 'x'.repeat(256 * KiB) : undefined)
    })
    const response = await net.fetch(srv.url, { method })
    t.is(response.status, status)
    t.is(response.body, null)
    t.is(response.headers.get('x-status'), String(status))
    t.is(await response.text(), '')
    // Nothing reads a null body: the request still has to end by itself (if it does not, the
    // test times out).
    while (inflightCount() > 0) await sleep(10)
    t.is(inflightCount(), 0)
  })
}

test('should reject with the RangeError of the Response constructor for a status outside 200-599', async (t) => {
  const srv = await rawServer(t, (socket) => socket.end('HTTP/1.1 600 Beyond\r\nContent-Length: 2\r\n\r\nhi'))
  await t.throwsAsync(net.fetch(srv.url), { instanceOf: RangeError })
})

// --- Request bodies -------------------------------------------------------------------------

function streamOf (...parts) {
  return new ReadableStream({
    start (controller) {
      for (const part of parts) controller.enqueue(new TextEncoder().encode(part))
      controller.close()
    }
  })
}

const BODIES = [
  // [name, init body (or a function making the whole fetch arguments), Content-Type, bytes, framing]
  ['a string', () => 'anchovies', 'text/plain;charset=UTF-8', 'anchovies', 'length'],
  ['a Buffer', () => Buffer.from('buffer body'), undefined, 'buffer body', 'length'],
  ['a Uint8Array', () => new TextEncoder().encode('typed body'), undefined, 'typed body', 'length'],
  ['an ArrayBuffer', () => new TextEncoder().encode('array buffer').buffer, undefined, 'array buffer', 'length'],
  ['URLSearchParams', () => new URLSearchParams({ a: '1', b: 'x y' }), 'application/x-www-form-urlencoded;charset=UTF-8', 'a=1&b=x+y', 'length'],
  ['a Blob', () => new Blob(['blob ', 'body'], { type: 'application/x-thing' }), 'application/x-thing', 'blob body', 'length'],
  ['an empty string', () => '', 'text/plain;charset=UTF-8', '', 'length'],
  ['a ReadableStream', () => streamOf('str', 'eam', ' body'), undefined, 'stream body', 'chunked'],
  ['a Node Readable (async iterable)', () => Readable.from([Buffer.from('node '), Buffer.from('readable')]), undefined, 'node readable', 'chunked']
]

for (const [name, makeBody, contentType, bytes, framing] of BODIES) {
  test(`should send ${name} body (${framing === 'length' ? 'Content-Length' : 'chunked'}) and its Content-Type`, async (t) => {
    const srv = await recordingServer(t, (req, res, body) => res.end(body))
    const response = await net.fetch(srv.url, { method: 'POST', body: makeBody(), duplex: 'half' })
    t.is(await response.text(), bytes)
    const { method, headers, body } = srv.seen[0]
    t.is(method, 'POST')
    t.is(body.toString(), bytes)
    t.is(headers['content-type'], contentType)
    if (framing === 'length') {
      t.is(headers['content-length'], String(Buffer.byteLength(bytes)))
      t.is(headers['transfer-encoding'], undefined)
    } else {
      t.is(headers['content-length'], undefined)
      t.is(headers['transfer-encoding'], 'chunked')
    }
  })
}

test('should send a FormData body as multipart/form-data with Content-Length', async (t) => {
  const srv = await recordingServer(t)
  const form = new FormData()
  form.append('field', 'value')
  form.append('file', new Blob(['file body'], { type: 'text/plain' }), 'a.txt')
  await (await net.fetch(srv.url, { method: 'PUT', body: form })).text()
  const { method, headers, body } = srv.seen[0]
  t.is(method, 'PUT')
  t.regex(headers['content-type'], /^multipart\/form-data; boundary=/)
  t.is(headers['content-length'], String(body.length))
  // Parsed back as a server would.
  const parsed = await new Response(body, { headers: { 'Content-Type': headers['content-type'] } }).formData()
  t.is(parsed.get('field'), 'value')
  t.is(parsed.get('file').name, 'a.txt')
  t.is(await parsed.get('file').text(), 'file body')
})

test('should send the body of a Request passed as input: fixed with Content-Length, a stream chunked', async (t) => {
  const srv = await recordingServer(t, (req, res, body) => res.end(body))
  const fixed = new Request(`${srv.url}/fixed`, { method: 'POST', body: 'from a Request' })
  t.is(await (await net.fetch(fixed)).text(), 'from a Request')
  const streamed = new Request(`${srv.url}/streamed`, { method: 'POST', body: streamOf('streamed ', 'Request'), duplex: 'half' })
  t.is(await (await net.fetch(streamed)).text(), 'streamed Request')
  const [first, second] = srv.seen
  t.is(first.headers['content-length'], '14')
  t.is(first.headers['content-type'], 'text/plain;charset=UTF-8')
  t.is(second.headers['transfer-encoding'], 'chunked')
  t.is(second.headers['content-length'], undefined)
})

test('should stream a request body no faster than the server takes it', async (t) => {
  const CHUNK = 256 * KiB
  const TOTAL = 64 * MiB
  const chunk = new Uint8Array(CHUNK).fill(0x61)
  let pulled = 0
  const body = new ReadableStream({
    pull (controller) {
      if (pulled === TOTAL) return controller.close()
      pulled += CHUNK
      controller.enqueue(chunk)
    }
  }, { highWaterMark: 0 })
  let serverRequest = null
  const [arrival, arrived] = deferred()
  const srv = await listen(t, (req, res) => {
    // The server does not read at first: what the client may produce is bounded by the
    // socket buffers and the engine's upload window, not by the body's size.
    req.pause()
    serverRequest = { req, res }
    arrived()
  })
  const responded = net.fetch(srv.url, { method: 'POST', body, duplex: 'half' })
  await arrival
  const producedWhileBlocked = await stalled(() => pulled)
  t.log(`${producedWhileBlocked / MiB} MiB produced while the server read nothing`)
  t.true(producedWhileBlocked < TOTAL / 2, `${producedWhileBlocked / MiB} MiB produced while the server read nothing`)
  let received = 0
  serverRequest.req.on('data', (c) => { received += c.length })
  serverRequest.req.on('end', () => serverRequest.res.end(String(received)))
  serverRequest.req.resume()
  const response = await responded
  t.is(await response.text(), String(TOTAL))
  t.is(pulled, TOTAL)
})

test('should reject with the error of a failing body stream and abort the request', async (t) => {
  const { dataArrived, serverSawClose, ...srv } = await uploadSink(t)
  const failure = new Error('the producer broke')
  let fail
  const body = new ReadableStream({
    start (controller) {
      controller.enqueue(new TextEncoder().encode('first'))
      fail = (e) => controller.error(e)
    }
  })
  const fetched = net.fetch(srv.url, { method: 'POST', body, duplex: 'half' })
  await dataArrived
  fail(failure)
  t.is(await t.throwsAsync(fetched), failure)
  await serverSawClose
  t.pass()
})

test('should reject a body stream chunk that is not a Uint8Array with a TypeError', async (t) => {
  const srv = await recordingServer(t)
  const body = new ReadableStream({ start (c) { c.enqueue('not bytes'); c.close() } })
  await t.throwsAsync(net.fetch(srv.url, { method: 'POST', body, duplex: 'half' }), {
    instanceOf: TypeError,
    message: 'Received non-Uint8Array chunk'
  })
})

test('should stop reading a stream body once the whole response has arrived', async (t) => {
  // The server answers at once, without waiting for the body, which never ends by itself.
  // Over HTTP/2: over HTTP/1.1 the engine (as Chromium) reads the response once the body is sent.
  const srv = await serveHttp2(t, (req, res) => res.end('early answer'))
  const [cancellation, cancelled] = deferred()
  const body = new ReadableStream({
    pull (controller) { controller.enqueue(new Uint8Array(16 * KiB)) },
    cancel: () => cancelled()
  })
  const response = await net.fetch(srv.url, { method: 'POST', body, duplex: 'half' })
  t.is(await response.text(), 'early answer')
  // Without the cancel, the stream would be read for ever and the test would time out.
  await cancellation
  t.pass()
})

// --- Response body streaming -----------------------------------------------------------------

test('should pull the response body as it is read, so a large body is never buffered whole', async (t) => {
  const BLOCK = 64 * KiB
  const COUNT = 1024 // 64 MiB
  let writer = null
  let finished = false
  const srv = await listen(t, (req, res) => {
    writer = writeBlocks(res, Buffer.alloc(BLOCK, 0x62), COUNT, () => { finished = true; res.end() })
  })
  const response = await net.fetch(srv.url)
  // Nothing reads yet: the server must find that it cannot write everything.
  const writtenBeforeReading = await stalled(() => writer.written)
  t.log(`${writtenBeforeReading * BLOCK / MiB} MiB written before any read`)
  t.false(finished)
  t.true(writtenBeforeReading * BLOCK < 32 * MiB, `${writtenBeforeReading * BLOCK / MiB} MiB written before any read`)
  const reader = response.body.getReader()
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    t.true(value instanceof Uint8Array)
    total += value.byteLength
    // A slow reader: one chunk per macrotask.
    await nextMacrotask()
  }
  t.is(total, BLOCK * COUNT)
  t.true(finished)
})

// --- Aborts -------------------------------------------------------------------------------

test('should reject at once with the reason of an already-aborted signal and send nothing', async (t) => {
  let hits = 0
  const srv = await listen(t, (req, res) => { hits++; res.end() })
  t.is((await rejection(t, net.fetch(srv.url, { signal: AbortSignal.abort() }))).name, 'AbortError')
  const reason = new Error('my reason')
  t.is(await t.throwsAsync(net.fetch(srv.url, { signal: AbortSignal.abort(reason) })), reason)
  // A stream body is cancelled with the reason, as in Electron.
  let cancelledWith
  const body = new ReadableStream({ cancel (r) { cancelledWith = r } })
  await t.throwsAsync(net.fetch(srv.url, { method: 'POST', body, duplex: 'half', signal: AbortSignal.abort(reason) }))
  t.is(cancelledWith, reason)
  // The server is still answering, and got nothing from the aborted fetches.
  await (await net.fetch(srv.url)).text()
  t.is(hits, 1)
})

test('should reject with AbortError and abort the request when aborted before the response', async (t) => {
  const [arrival, arrived] = deferred()
  const [serverSawClose, closed] = deferred()
  const srv = await listen(t, (req, res) => {
    res.on('close', closed)
    arrived()
  })
  const controller = new AbortController()
  const fetched = net.fetch(srv.url, { signal: controller.signal })
  await arrival
  controller.abort()
  const error = await rejection(t, fetched)
  t.true(error instanceof DOMException)
  t.is(error.name, 'AbortError')
  await serverSawClose
})

test('should error the body with AbortError and abort the request when aborted mid-body', async (t) => {
  const [serverSawClose, closed] = deferred()
  const srv = await listen(t, (req, res) => {
    res.on('close', closed)
    res.write('first chunk')
  })
  const controller = new AbortController()
  const response = await net.fetch(srv.url, { signal: controller.signal })
  const reader = response.body.getReader()
  const { value } = await reader.read()
  t.is(Buffer.from(value).toString(), 'first chunk')
  controller.abort()
  t.is((await rejection(t, reader.read())).name, 'AbortError')
  await serverSawClose
})

test('should reject text() with AbortError when aborted while it reads', async (t) => {
  const srv = await listen(t, (req, res) => res.write('part of it'))
  const controller = new AbortController()
  const response = await net.fetch(srv.url, { signal: controller.signal })
  const text = response.text()
  controller.abort()
  t.is((await rejection(t, text)).name, 'AbortError')
})

test('should cancel the body stream and abort the request when aborted during a streamed upload', async (t) => {
  const { dataArrived, serverSawClose, ...srv } = await uploadSink(t)
  let cancelledWith
  const body = new ReadableStream({
    start (c) { c.enqueue(new TextEncoder().encode('first')) },
    cancel (reason) { cancelledWith = reason }
  })
  const controller = new AbortController()
  const fetched = net.fetch(srv.url, { method: 'POST', body, duplex: 'half', signal: controller.signal })
  await dataArrived
  controller.abort()
  const error = await rejection(t, fetched)
  t.is(error.name, 'AbortError')
  t.is(cancelledWith, error)
  await serverSawClose
})

test('should abort the request when the body is cancelled', async (t) => {
  const [serverSawClose, closed] = deferred()
  let finished = false
  const srv = await listen(t, (req, res) => {
    res.on('close', closed)
    writeBlocks(res, Buffer.alloc(64 * KiB), 1024, () => { finished = true; res.end() })
  })
  const response = await net.fetch(srv.url)
  await response.body.cancel()
  await serverSawClose
  t.false(finished)
})

// --- Redirects ------------------------------------------------------------------------------

// /to/<status>?<location> redirects; anything else answers "<method> <url> <body>".
async function redirectServer (t) {
  return recordingServer(t, (req, res, body) => {
    const m = req.url.match(/^\/to\/(\d+)\?(.*)$/)
    if (m) {
      res.writeHead(Number(m[1]), { Location: decodeURIComponent(m[2]) })
      res.end()
    } else {
      res.end(`${req.method} ${req.url} ${body}`)
    }
  })
}

test('should follow a redirect across origins (127.0.0.1 to localhost) and report the final URL', async (t) => {
  const srv = await redirectServer(t)
  const target = `http://localhost:${srv.port}/final#part`
  const response = await net.fetch(`${srv.url}/to/302?${encodeURIComponent(target)}`)
  t.is(response.status, 200)
  t.is(await response.text(), 'GET /final ')
  t.true(response.redirected)
  t.is(response.url, `http://localhost:${srv.port}/final`)
  t.is(srv.seen.length, 2)
  t.is(srv.seen[1].headers.host, `localhost:${srv.port}`)
})

test('should turn a POST into a GET on 303 and send the body again on 307', async (t) => {
  const srv = await redirectServer(t)
  const see = await net.fetch(`${srv.url}/to/303?/after-303`, { method: 'POST', body: 'payload' })
  t.is(await see.text(), 'GET /after-303 ')
  const temporary = await net.fetch(`${srv.url}/to/307?/after-307`, { method: 'POST', body: 'payload' })
  t.is(await temporary.text(), 'POST /after-307 payload')
  t.true(temporary.redirected)
})

test('should fail a 307 with a streamed body, which cannot be sent again', async (t) => {
  const srv = await redirectServer(t)
  await t.throwsAsync(net.fetch(`${srv.url}/to/307?/again`, { method: 'POST', body: streamOf('once'), duplex: 'half' }), {
    message: 'net::ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED'
  })
})

test('should reject with Electron\'s error for redirect: error, without following', async (t) => {
  const srv = await redirectServer(t)
  await t.throwsAsync(net.fetch(`${srv.url}/to/302?/never`, { redirect: 'error' }), {
    message: 'Attempted to redirect, but redirect policy was \'error\''
  })
  t.is(srv.seen.length, 1)
})

test('should reject with Redirect was cancelled for redirect: manual, as Electron does', async (t) => {
  const srv = await redirectServer(t)
  await t.throwsAsync(net.fetch(`${srv.url}/to/301?/never`, { redirect: 'manual' }), {
    message: 'Redirect was cancelled'
  })
  t.is(srv.seen.length, 1)
})

for (const target of ['file:///etc/passwd', 'data:text/plain,hello', 'about:blank', 'blob:http://127.0.0.1/0f6b7a3e-2d2c-4c59-9d4c-5d0b1a2f0c11']) {
  test(`should reject a redirect to ${target.split(':')[0]}: with net::ERR_UNSAFE_REDIRECT`, async (t) => {
    const srv = await redirectServer(t)
    await t.throwsAsync(net.fetch(`${srv.url}/to/302?${encodeURIComponent(target)}`), { message: 'net::ERR_UNSAFE_REDIRECT' })
  })
}

// --- Sessions and cookies -----------------------------------------------------------------

// /set answers with Set-Cookie: from-server=1; every path echoes the Cookie header it got.
async function cookieServer (t) {
  return recordingServer(t, (req, res) => {
    if (req.url === '/set') res.setHeader('Set-Cookie', 'from-server=1')
    res.end(req.headers.cookie || '')
  })
}

test('should send and store cookies on a plain fetch (credentials same-origin becomes include)', async (t) => {
  const srv = await cookieServer(t)
  const ses = freshSession()
  await ses.cookies.set({ url: srv.url, name: 'preset', value: 'p' })
  t.is(await (await ses.fetch(`${srv.url}/set`)).text(), 'preset=p')
  const stored = await ses.cookies.get({ url: srv.url })
  t.deepEqual(stored.map((c) => `${c.name}=${c.value}`).sort(), ['from-server=1', 'preset=p'])
  t.is(await (await ses.fetch(`${srv.url}/echo`)).text(), 'preset=p; from-server=1')
  // Electron's spec case: credentials 'include' spelled out.
  t.is(await (await ses.fetch(`${srv.url}/echo`, { credentials: 'include' })).text(), 'preset=p; from-server=1')
})

test('should neither send nor store cookies with credentials: omit', async (t) => {
  const srv = await cookieServer(t)
  const ses = freshSession()
  await ses.cookies.set({ url: srv.url, name: 'preset', value: 'p' })
  const response = await ses.fetch(`${srv.url}/set`, { credentials: 'omit' })
  t.is(await response.text(), '')
  t.is(srv.seen[0].headers.cookie, undefined)
  // Set-Cookie is still visible in the response, but not stored.
  t.is(response.headers.get('set-cookie'), 'from-server=1')
  const stored = await ses.cookies.get({ url: srv.url })
  t.deepEqual(stored.map((c) => c.name), ['preset'])
})

test('should use the default session for net.fetch and the session itself for ses.fetch', async (t) => {
  const srv = await cookieServer(t)
  const name = `default-${srv.port}`
  await session.defaultSession.cookies.set({ url: srv.url, name, value: 'd' })
  t.teardown(() => session.defaultSession.cookies.remove(srv.url, name))
  // Cookies are per host, not per port: other tests may have left some for 127.0.0.1 there.
  t.true((await (await net.fetch(`${srv.url}/echo`)).text()).split('; ').includes(`${name}=d`))
  t.true((await (await session.defaultSession.fetch(`${srv.url}/echo`)).text()).split('; ').includes(`${name}=d`))
  t.is(await (await freshSession().fetch(`${srv.url}/echo`)).text(), '')
})

test('should send the RFC 9218 priority header of the priority option over HTTP/2', async (t) => {
  const seen = []
  const srv = await serveHttp2(t, (req, res) => { seen.push(req.headers.priority); res.end('h2') })
  t.is(await (await net.fetch(srv.url, { priority: 'highest' })).text(), 'h2')
  t.is(await (await net.fetch(srv.url)).text(), 'h2')
  t.deepEqual(seen, ['u=0, i', 'u=4, i'])
})

// --- Errors -------------------------------------------------------------------------------

test('should reject with net::ERR_NAME_NOT_RESOLVED when DNS fails', async (t) => {
  await t.throwsAsync(net.fetch('http://no-such-host.electron-net-rs.invalid/'), { message: /ERR_NAME_NOT_RESOLVED/ })
})

test('should reject with net::ERR_CONNECTION_REFUSED when nothing listens', async (t) => {
  const srv = await listen(t, (req, res) => res.end())
  await new Promise((resolve) => srv.server.close(resolve))
  await t.throwsAsync(net.fetch(srv.url), { message: 'net::ERR_CONNECTION_REFUSED' })
})

test('should resolve, then reject text() with net::ERR_INCOMPLETE_CHUNKED_ENCODING when the body breaks off', async (t) => {
  const srv = await listen(t, (req, res) => {
    res.write('first chunk')
    setTimeout(() => res.destroy(), 50)
  })
  const response = await net.fetch(srv.url)
  t.is(response.status, 200)
  await t.throwsAsync(response.text(), { message: /ERR_INCOMPLETE_CHUNKED_ENCODING/ })
})

test('should reject a URL that is not http or https with net::ERR_UNKNOWN_URL_SCHEME', async (t) => {
  for (const url of ['file:///etc/hostname', 'data:text/plain,hello', 'ftp://127.0.0.1/']) {
    await t.throwsAsync(net.fetch(url), { message: 'net::ERR_UNKNOWN_URL_SCHEME' }, url)
  }
})

test('should reject with the Request constructor\'s TypeError for bad arguments', async (t) => {
  // A bare URL takes a path of its own (no Request is built): the same errors, word for word.
  for (const bad of ['not a url', 'http://user:pass@127.0.0.1/', new URL('http://user@127.0.0.1/')]) {
    const expected = t.throws(() => new Request(bad))
    await t.throwsAsync(net.fetch(bad), { instanceOf: TypeError, message: expected.message })
  }
  await t.throwsAsync(net.fetch('http://127.0.0.1/', { body: 'a GET cannot have one' }), { instanceOf: TypeError })
  await t.throwsAsync(net.fetch('http://127.0.0.1/', { method: 'POST', body: streamOf('x') }), { instanceOf: TypeError })
})

// --- Process lifetime and leaks -------------------------------------------------------------

function runFixture (url, mode, count, flags = []) {
  return runNode([...flags, path.join(__dirname, 'fixtures', 'fetch-unread.js'), url, mode, String(count)])
}

test('should let a script exit that fetches and never reads the body (the server stays up)', async (t) => {
  const srv = await listen(t, (req, res) => res.end('x'.repeat(16 * KiB)))
  const r = await runFixture(srv.url, 'hold', 3)
  t.false(r.killed, 'the child had to be killed: something kept it alive')
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.output.statuses, [200, 200, 200])
})

test('should let a script exit that holds Responses whose large bodies it never reads', async (t) => {
  const cut = { count: 0 }
  const srv = await listen(t, (req, res) => {
    let finished = false
    res.on('close', () => { if (!finished) cut.count++ })
    writeBlocks(res, Buffer.alloc(64 * KiB), 256, () => { finished = true; res.end() })
  })
  const r = await runFixture(srv.url, 'hold', 3)
  t.false(r.killed, 'the child had to be killed: an unread body kept it alive')
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.output.statuses, [200, 200, 200])
  // The bodies (16 MiB each) were waiting for the app, not over, when the script ended.
  t.is(r.output.inflightAtEnd, 3)
  for (let waited = 0; cut.count < 3 && waited < 5000; waited += 20) await sleep(20)
  t.is(cut.count, 3, 'the server saw every response cut short by the exit')
})

test('should abort the request of a large unread body once its Response is garbage-collected', async (t) => {
  // Resolved once the server has seen all three responses cut short.
  let closedEarly = 0
  const [cutShort, allClosed] = deferred()
  const srv = await listen(t, (req, res) => {
    let finished = false
    res.on('close', () => { if (!finished && ++closedEarly === 3) allClosed() })
    writeBlocks(res, Buffer.alloc(64 * KiB), 256, () => { finished = true; res.end() })
  })
  const r = await runFixture(srv.url, 'drop', 3, ['--expose-gc'])
  t.false(r.killed, 'the child had to be killed: an unread body kept it alive')
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.output.statuses, [200, 200, 200])
  // Each body was far larger than what the stream queues: the requests were still in flight
  // until they were collected.
  t.is(r.output.inflightAfterFetch, 3)
  t.is(r.output.inflightAtEnd, 0)
  await cutShort
  t.is(closedEarly, 3)
})
