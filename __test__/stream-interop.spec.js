'use strict'

// ClientRequest (a Writable) and IncomingMessage (a Readable) with Node's stream tools:
// stream.pipeline, stream/promises, events.once, for await.

const { serveHttp2 } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const crypto = require('node:crypto')
const events = require('node:events')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const stream = require('node:stream')
const { pipeline } = require('node:stream/promises')
const test = require('ava')
const { net, inflightCount } = require('..')
const { listen, recordingServer } = require('./helpers/listen')
const { writeBlocks } = require('./helpers/write-blocks')
const { pattern } = require('./helpers/bodies')
const { runNode } = require('./helpers/child')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const within = (promise, ms) => Promise.race([promise, sleep(ms).then(() => null)])
const sha256 = (buffer) => crypto.createHash('sha256').update(buffer).digest('hex')

function tempDir (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-net-rs-streams-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

// A server that keeps every request body (`received`) and answers with its size and hash.
async function uploadServer (t) {
  const srv = await recordingServer(t, (req, res, body) => res.end(JSON.stringify({ size: body.length, sha256: sha256(body) })))
  return { ...srv, received: srv.seen }
}

// Resolves once `predicate()` holds (checked every 10 ms), false if it does not within ~2 s.
async function waitFor (predicate) {
  for (let i = 0; i < 200; i++) {
    if (predicate()) return true
    await sleep(10)
  }
  return predicate()
}

// Serial tests: inflightCount() counts every request of the process.
test.serial('should pipe a file into a request with stream.pipeline, byte-exact, with Content-Length', async (t) => {
  const srv = await uploadServer(t)
  const file = path.join(tempDir(t), 'upload.bin')
  const content = pattern(3 * 1024 * 1024 + 7, 0x5eed)
  fs.writeFileSync(file, content)

  const request = net.request({ method: 'POST', url: srv.url })
  const responded = events.once(request, 'response')
  await new Promise((resolve, reject) => {
    stream.pipeline(fs.createReadStream(file), request, (error) => error ? reject(error) : resolve())
  })
  const [response] = await responded
  t.is(response.statusCode, 200)
  response.resume()
  t.is(srv.received.length, 1)
  t.is(srv.received[0].headers['content-length'], String(content.length))
  t.true(srv.received[0].body.equals(content), 'the server got the file byte for byte')
})

test.serial('should pipe a file into a chunked request with stream/promises pipeline, byte-exact', async (t) => {
  const srv = await uploadServer(t)
  const file = path.join(tempDir(t), 'upload.bin')
  const content = crypto.randomBytes(5 * 1024 * 1024 + 3)
  fs.writeFileSync(file, content)

  const request = net.request({ method: 'PUT', url: srv.url })
  request.chunkedEncoding = true
  const responded = events.once(request, 'response')
  await pipeline(fs.createReadStream(file), request)
  const [response] = await responded
  const answer = JSON.parse(Buffer.concat(await response.toArray()).toString())
  t.deepEqual(answer, { size: content.length, sha256: sha256(content) })
  t.is(srv.received[0].headers['transfer-encoding'], 'chunked')
  t.true(srv.received[0].body.equals(content))
})

test.serial('should pipe a multi-MiB response into a file with stream.pipeline, byte-exact', async (t) => {
  const body = crypto.randomBytes(12 * 1024 * 1024 + 11)
  const srv = await listen(t, (req, res) => {
    res.writeHead(200, { 'content-length': body.length })
    // In pieces, as fast as the client takes them.
    let offset = 0
    const pump = () => {
      while (offset < body.length) {
        const piece = body.subarray(offset, offset + 100 * 1024)
        offset += piece.length
        if (!res.write(piece)) return res.once('drain', pump)
      }
      res.end()
    }
    pump()
  })
  const out = path.join(tempDir(t), 'download.bin')
  const request = net.request(srv.url)
  request.end()
  const [response] = await events.once(request, 'response')
  await new Promise((resolve, reject) => {
    stream.pipeline(response, fs.createWriteStream(out), (error) => error ? reject(error) : resolve())
  })
  const written = fs.readFileSync(out)
  t.is(written.length, body.length)
  t.true(written.equals(body), 'the file holds the body byte for byte')
  t.true(await waitFor(() => inflightCount() === 0))
})

test('should give the response to `await events.once(request, \'response\')`', async (t) => {
  const srv = await listen(t, (req, res) => { res.statusCode = 201; res.end('created') })
  const request = net.request(srv.url)
  request.end()
  const [response, ...rest] = await events.once(request, 'response')
  t.is(rest.length, 0)
  t.is(response.statusCode, 201)
  const chunks = []
  for await (const chunk of response) chunks.push(chunk)
  t.is(Buffer.concat(chunks).toString(), 'created')
})

test('should reject `events.once(request, \'response\')` with the request\'s net::ERR_* Error', async (t) => {
  const request = net.request('http://127.0.0.1:1/')
  request.end()
  await t.throwsAsync(events.once(request, 'response'), { message: 'net::ERR_CONNECTION_REFUSED' })
})

test('should read a whole body with `for await`', async (t) => {
  const body = pattern(4 * 1024 * 1024 + 1, 0xabc)
  const srv = await listen(t, (req, res) => {
    res.writeHead(200, { 'content-length': body.length })
    writeBlocks(res, body, 1)
  })
  const request = net.request(srv.url)
  request.end()
  const [response] = await events.once(request, 'response')
  const chunks = []
  for await (const chunk of response) chunks.push(chunk)
  t.true(chunks.length > 1, 'the body came in several chunks')
  t.true(Buffer.concat(chunks).equals(body))
})

// A server sending a 64 MiB body as the client takes it; `closed` resolves with whether the
// response was finished when its connection closed.
async function endlessBody (t) {
  let settle
  const closed = new Promise((resolve) => { settle = resolve })
  const srv = await listen(t, (req, res) => {
    let finished = false
    res.on('close', () => settle({ finished }))
    writeBlocks(res, Buffer.alloc(64 * 1024, 0x61), 1024, () => { finished = true; res.end() })
  })
  return { ...srv, closed }
}

test.serial('should cancel the request when a `for await` loop breaks early: the server sees the close', async (t) => {
  const srv = await endlessBody(t)
  const request = net.request(srv.url)
  const seen = []
  for (const name of ['abort', 'error', 'close']) request.on(name, () => seen.push(`R:${name}`))
  request.end()
  const [response] = await events.once(request, 'response')
  response.on('close', () => seen.push('S:close'))
  let bytes = 0
  for await (const chunk of response) {
    bytes += chunk.length
    if (bytes >= 1024 * 1024) break
  }
  t.true(response.destroyed)
  t.deepEqual(await within(srv.closed, 2000), { finished: false }, 'the server saw the connection close mid-body')
  t.true(await waitFor(() => inflightCount() === 0), `still in flight: ${inflightCount()}`)
  await sleep(50)
  // The app stopped reading; it did not abort: no 'abort', no 'error'.
  t.deepEqual(seen, ['R:close', 'S:close'])
})

test('should let a script exit by itself after a `for await` loop broke out of a large body', async (t) => {
  const srv = await endlessBody(t)
  const r = await runNode([path.join(__dirname, 'fixtures', 'for-await-break.js'), srv.url])
  t.false(r.killed, 'the child had to be killed')
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.output, { status: 200, inflight: 0 })
  t.deepEqual(await within(srv.closed, 2000), { finished: false })
})

test.serial('should cancel the request when the pipeline\'s destination fails, and reject with its error', async (t) => {
  const srv = await endlessBody(t)
  const request = net.request(srv.url)
  request.end()
  const [response] = await events.once(request, 'response')
  let taken = 0
  const failing = new stream.Writable({
    write (chunk, encoding, callback) {
      taken += chunk.length
      callback(taken > 512 * 1024 ? new Error('disk full') : null)
    }
  })
  await t.throwsAsync(pipeline(response, failing), { message: 'disk full' })
  t.deepEqual(await within(srv.closed, 2000), { finished: false }, 'the server saw the connection close mid-body')
  t.true(await waitFor(() => inflightCount() === 0), `still in flight: ${inflightCount()}`)
})

// Over HTTP/2 a response can come while the request body is still being sent.
test.serial('should cancel a chunked upload still going when the app destroys its early response (HTTP/2)', async (t) => {
  let arrived
  const streamClosed = new Promise((resolve) => { arrived = resolve })
  const { url } = await serveHttp2(t, (req, res) => {
    req.stream.once('close', () => arrived(true))
    res.writeHead(200)
    res.write(Buffer.alloc(1024 * 1024))
  })
  const request = net.request({ method: 'POST', url: `${url}/` })
  request.chunkedEncoding = true
  const seen = []
  for (const name of ['finish', 'abort', 'error', 'close']) request.on(name, () => seen.push(`R:${name}`))
  request.write('first chunk')
  const [response] = await events.once(request, 'response')
  t.false(request.destroyed, 'the upload is still going')
  response.on('close', () => seen.push('S:close'))
  await events.once(response, 'data')
  response.destroy()
  const writeError = await new Promise((resolve) => request.write('too late', resolve))
  t.is(writeError.code, 'ERR_STREAM_DESTROYED')
  t.true(await within(streamClosed, 2000), 'the server saw the stream end')
  t.true(await waitFor(() => inflightCount() === 0), `still in flight: ${inflightCount()}`)
  await sleep(50)
  t.deepEqual(seen, ['R:close', 'S:close'])
})

test('should reject a stream/promises pipeline with the net::ERR_* Error of a body cut off mid-way', async (t) => {
  const srv = await listen(t, (req, res) => {
    res.writeHead(200, { 'content-length': 4 * 1024 * 1024 })
    writeBlocks(res, Buffer.alloc(64 * 1024, 0x62), 8, () => res.socket.destroy())
  })
  const out = path.join(tempDir(t), 'partial.bin')
  const request = net.request(srv.url)
  // The request reports the failure too; the pipeline only watches the response.
  const requestError = new Promise((resolve) => request.on('error', resolve))
  request.end()
  const [response] = await events.once(request, 'response')
  const error = await t.throwsAsync(pipeline(response, fs.createWriteStream(out)), {
    message: 'net::ERR_CONTENT_LENGTH_MISMATCH'
  })
  t.is(await requestError, error, 'the same Error as the request\'s')
})

test('should reject a stream/promises pipeline into a request with its net::ERR_* Error when the upload fails', async (t) => {
  const srv = await listen(t, (req, res) => {
    // Takes a little of the body, then drops the connection.
    req.once('data', () => req.socket.destroy())
  })
  const request = net.request({ method: 'POST', url: srv.url })
  request.chunkedEncoding = true
  // An endless body: the pipeline can only end by failing.
  const block = Buffer.alloc(64 * 1024, 0x63)
  const endless = new stream.Readable({ read () { this.push(block) } })
  const error = await t.throwsAsync(pipeline(endless, request))
  // The three errors Electron's own spec accepts for a server that drops an upload.
  t.regex(error.message, /^net::ERR_(CONNECTION_RESET|CONNECTION_ABORTED|FAILED)$/)
  t.true(endless.destroyed, 'the source was destroyed')
})

// A request whose exchange is over takes no more of its body, and each write completes without
// sending anything: those completions go through the event loop, so an endless synchronous
// source cannot keep the process in nextTick callbacks (it did once in CI: a response's END and
// a pending write's WRITE_ACK in one batch left every later write completing synchronously).
test('should keep the event loop turning while an endless source writes into a request whose response has ended', async (t) => {
  const r = await runNode([path.join(__dirname, 'fixtures', 'endless-upload.js')])
  t.false(r.killed, 'the process had to be killed: its event loop never turned')
  t.deepEqual(r.output, { status: 413, ticked: true })
})
