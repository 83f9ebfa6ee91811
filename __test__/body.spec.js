'use strict'

// Request and response bodies: buffered and chunked uploads, progress, backpressure both ways
// and bounded memory (reference §2.4, §2.7, §5).

const { execFile } = require('node:child_process')
const path = require('node:path')
const test = require('ava')
const { net } = require('..')
const { pattern, download, within, postPastAnswer } = require('./helpers/bodies')
const { listen, collect } = require('./helpers/listen')
const { writeBlocks } = require('./helpers/write-blocks')

function runFixture (name) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'fixtures', name)], { timeout: 60000 }, (err, stdout) => {
      if (err) reject(err)
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)))
    })
  })
}

// Echo server recording what arrived and when.
async function sink (t) {
  const seen = []
  const srv = await listen(t, (req, res) => {
    const entry = { headers: req.headers, body: Buffer.alloc(0), headersAt: Date.now() }
    seen.push(entry)
    req.on('data', (c) => { entry.body = Buffer.concat([entry.body, c]) })
    req.on('end', () => res.end(`${entry.body.length}`))
  })
  return { ...srv, seen }
}

test('should send a buffered body with Content-Length, starting only at end()', async (t) => {
  const srv = await sink(t)
  const request = net.request({ method: 'POST', url: srv.url })
  request.write('hello ')
  request.write(Buffer.from('wörld'))
  request.write(new Uint8Array([33]))
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.is(srv.seen.length, 0, 'nothing reaches the server before end()')
  const r = await collect(request)
  t.is(srv.seen[0].headers['content-length'], String(Buffer.byteLength('hello wörld!')))
  t.is(srv.seen[0].headers['transfer-encoding'], undefined)
  t.is(srv.seen[0].body.toString(), 'hello wörld!')
  t.is(r.body, String(Buffer.byteLength('hello wörld!')))
})

test('should encode string chunks with the given encoding', async (t) => {
  const srv = await sink(t)
  const request = net.request({ method: 'PUT', url: srv.url })
  request.write('68656c6c6f', 'hex')
  await collect(request)
  t.is(srv.seen[0].body.toString(), 'hello')
})

test('should send Content-Length: 0 for a bodyless POST but none for a bodyless GET', async (t) => {
  const srv = await sink(t)
  await collect(net.request({ method: 'POST', url: srv.url }))
  await collect(net.request({ method: 'GET', url: srv.url }))
  await collect(net.request({ method: 'GET', url: srv.url }), { body: '' })
  t.is(srv.seen[0].headers['content-length'], '0')
  t.is(srv.seen[1].headers['content-length'], undefined)
  t.is(srv.seen[2].headers['content-length'], '0', 'write(\'\') still sends a zero-length body')
})

test('should start a chunked request at the first write and stream it', async (t) => {
  let headersArrived
  const arrived = new Promise((resolve) => { headersArrived = resolve })
  const srv = await listen(t, (req, res) => {
    headersArrived(req.headers)
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => res.end(Buffer.concat(chunks)))
  })
  const request = net.request({ method: 'POST', url: srv.url })
  request.chunkedEncoding = true
  const r = collect(request, { end: false })
  request.write('first,')
  const headers = await arrived
  t.is(headers['transfer-encoding'], 'chunked')
  t.is(headers['content-length'], undefined)
  request.write('second')
  request.end()
  t.is((await r).body, 'first,second')
})

// Writes made while the engine is busy go out together, each still framed as its own chunk
// (src/wire/transport.rs send_chunked): empty writes among them must not end the body early.
test('should send thousands of small chunked writes, empty ones among them, byte-exact and in order', async (t) => {
  const srv = await sink(t)
  const request = net.request({ method: 'POST', url: srv.url })
  request.chunkedEncoding = true
  const sent = []
  for (let i = 0; i < 3000; i++) {
    const chunk = Buffer.alloc(i % 10 === 3 ? 0 : (i * 7919) % 3001, i % 251)
    sent.push(chunk)
    request.write(chunk)
  }
  const r = await collect(request)
  const want = Buffer.concat(sent)
  t.is(r.body, String(want.length))
  t.true(srv.seen[0].body.equals(want))
})

test('should send an empty chunked body for chunkedEncoding without writes', async (t) => {
  const srv = await sink(t)
  const request = net.request({ method: 'POST', url: srv.url })
  request.chunkedEncoding = true
  const r = await collect(request)
  t.is(r.error, null)
  t.is(srv.seen[0].headers['transfer-encoding'], 'chunked')
  t.is(srv.seen[0].body.length, 0)
})

test('should apply backpressure to chunked writes: false, then drain once the server reads', async (t) => {
  let paused
  let release
  const pausedReq = new Promise((resolve) => { paused = resolve })
  const srv = await listen(t, (req, res) => {
    req.pause()
    release = () => req.resume()
    paused()
    let n = 0
    req.on('data', (c) => { n += c.length })
    req.on('end', () => res.end(String(n)))
  })
  const request = net.request({ method: 'POST', url: srv.url })
  request.chunkedEncoding = true
  const r = collect(request, { end: false })
  const chunk = Buffer.alloc(256 * 1024, 'b')
  let written = 0
  let writing = true
  // Keep writing whenever 'drain' allows, while the server does not read.
  const pump = () => {
    // `writing` is turned off from outside, between drains.
    for (;;) {
      if (!writing) return
      written += chunk.length
      if (!request.write(chunk)) return request.once('drain', pump)
    }
  }
  pump()
  await pausedReq
  await new Promise((resolve) => setTimeout(resolve, 500))
  const whilePaused = written
  // Only the kernel's socket buffers and one chunk in the engine can be in flight.
  t.true(request.writableNeedDrain, 'write() returned false and no drain came')
  t.true(whilePaused < 32 * 1024 * 1024, `${whilePaused} bytes accepted while the server did not read`)
  writing = false
  release()
  await new Promise((resolve) => setTimeout(resolve, 100))
  request.end()
  t.is((await r).body, String(written))
})

// A server that answers 413 and ends its response after reading 256 KiB of a chunked upload,
// while the client writes 8 MiB more, then calls end().
for (const close of [true, false]) {
  test(`should deliver a 413${close ? ' with Connection: close' : ''} sent before a chunked upload ended, and settle 8 MiB more writes and end()`, async (t) => {
    let received = 0
    let answered, uploadEnded
    const answer = new Promise((resolve) => { answered = resolve })
    const uploadEnd = new Promise((resolve) => { uploadEnded = resolve })
    const srv = await listen(t, (req, res) => {
      req.on('data', (c) => {
        received += c.length
        if (received < 256 * 1024 || res.headersSent) return
        res.writeHead(413, { 'content-type': 'text/plain', ...(close && { connection: 'close' }) })
        res.end('too large', answered)
      })
      req.on('end', uploadEnded)
    })
    const { written, outcome, r } = await postPastAnswer(t, srv.url, answer)
    // With Connection: close, node:http closes the socket with the upload unread: the client's
    // writes meet a reset. Chromium then still reads the response (HttpStreamParser,
    // ShouldTryReadingOnUploadError) and delivers the 413.
    t.is(r.response && r.response.statusCode, 413, `${outcome}; events: ${r.events}`)
    t.is(r.body, 'too large')
    if (close) return
    // Kept alive, node:http reads the rest: HTTP/1.1 sends the whole body, then reads the answer.
    await within(uploadEnd, 2000, 'the upload\'s end at the server')
    t.is(received, written)
    t.deepEqual(r.events, ['R:finish', 'R:close', 'R:response', 'S:end', 'S:close'])
  })
}

test('should deliver a 413 with Connection: close sent before a 16 MiB buffered body was read', async (t) => {
  let received = 0
  const srv = await listen(t, (req, res) => {
    req.on('data', (c) => {
      received += c.length
      if (received < 256 * 1024 || res.headersSent) return
      res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' })
      res.end('too large')
    })
  })
  const request = net.request({ method: 'POST', url: srv.url })
  // Sent with Content-Length; node:http closes with most of it unread, so the upload meets a
  // reset: the answer is delivered anyway, as Chromium reads it after an upload's reset.
  const r = await within(collect(request, { body: Buffer.alloc(16 * 1024 * 1024, 'b') }), 5000, 'the outcome')
  t.is(r.error, null)
  t.is(r.response && r.response.statusCode, 413, `events: ${r.events}`)
  t.is(r.body, 'too large')
  t.true(received < 16 * 1024 * 1024, `the server read ${received} bytes`)
})

test('should report upload progress for a buffered body', async (t) => {
  const srv = await sink(t)
  const request = net.request({ method: 'POST', url: srv.url })
  t.deepEqual(request.getUploadProgress(), { active: false, started: false, current: 0, total: 0 })
  const progress = []
  request.on('upload-progress', (position, total) => progress.push([position, total]))
  const body = Buffer.alloc(3 * 1024 * 1024, 'p')
  await collect(request, { body })
  t.true(progress.length >= 1)
  t.deepEqual(progress.at(-1), [body.length, body.length])
  t.deepEqual(request.getUploadProgress(), { active: true, started: true, current: body.length, total: body.length })
  const copy = request.getUploadProgress()
  copy.current = 0
  t.is(request.getUploadProgress().current, body.length, 'a copy is returned')
})

test('should report upload progress for a chunked body with the bytes sent so far', async (t) => {
  const srv = await sink(t)
  const request = net.request({ method: 'POST', url: srv.url })
  const progress = []
  request.on('upload-progress', (position, total) => progress.push([position, total]))
  await collect(request, { body: 'x'.repeat(5000), chunked: true })
  t.deepEqual(progress.at(-1), [5000, 5000])
})

// Chromium reports upload progress on a 100 ms timer and once more as the response starts
// (services/network/upload_progress_tracker.cc, `OnUploadCompleted`), not as bytes reach the
// socket: a small body is reported once, no sooner than the first tick (here: as the response
// starts, see README). Before, it was reported as soon as it was written, a few ms after end().
test('should report a small body\'s upload progress once, not as it is written', async (t) => {
  const srv = await listen(t, (req, res) => {
    req.resume()
    req.on('end', () => setTimeout(() => res.end('done'), 400))
  })
  const request = net.request({ method: 'POST', url: srv.url })
  const seen = []
  request.on('upload-progress', (position, total) => seen.push({ position, total, at: Date.now() }))
  request.on('response', () => seen.push({ response: true, at: Date.now() }))
  const startedAt = Date.now()
  await collect(request, { body: Buffer.alloc(1024, 'p') })
  const reports = seen.filter((e) => !e.response)
  t.deepEqual(reports.map((e) => [e.position, e.total]), [[1024, 1024]])
  t.true(reports[0].at - startedAt >= 90, `reported ${reports[0].at - startedAt} ms after end()`)
  t.true(seen.at(-1).response, 'before the response')
})

// A server that answers within the first 100 ms: the one report comes as the response starts,
// right before 'response' (and so after the server has read the body it answers).
test('should report upload progress last as the response starts', async (t) => {
  const srv = await listen(t, (req, res) => {
    req.resume()
    req.on('end', () => res.end('done'))
  })
  for (const chunked of [false, true]) {
    const request = net.request({ method: 'POST', url: srv.url })
    const events = []
    request.on('upload-progress', (position, total) => events.push(['upload-progress', position, total]))
    request.on('response', () => events.push(['response']))
    await collect(request, { body: 'x'.repeat(5000), chunked })
    t.deepEqual(events, [['upload-progress', 5000, 5000], ['response']], `chunked: ${chunked}`)
  }
})

test('should report a slow upload every 100 ms or so, the last report as the response starts', async (t) => {
  const srv = await sink(t)
  const request = net.request({ method: 'POST', url: srv.url })
  request.chunkedEncoding = true
  const reports = []
  request.on('upload-progress', (position, total) => reports.push({ position, total, at: Date.now() }))
  const done = collect(request, { end: false })
  const startedAt = Date.now()
  for (let i = 0; i < 20; i++) {
    request.write(Buffer.alloc(16 * 1024, 'u'))
    await new Promise((resolve) => setTimeout(resolve, 30))
  }
  request.end()
  const r = await done
  const elapsed = Date.now() - startedAt
  t.is(r.body, String(20 * 16 * 1024))
  t.true(reports.length >= 2, `${reports.length} reports in ${elapsed} ms`)
  t.true(reports.length <= Math.ceil(elapsed / 100) + 1, `${reports.length} reports in ${elapsed} ms`)
  t.true(reports.every((r, i) => i === 0 || r.position > reports[i - 1].position), 'each one further')
  t.deepEqual([reports.at(-1).position, reports.at(-1).total], [20 * 16 * 1024, 20 * 16 * 1024])
})

test('should keep RSS under 150 MiB while uploading 1 GiB chunked', async (t) => {
  const result = await runFixture('upload-1gib.js')
  t.is(result.received, 1024 * 1024 * 1024)
  t.true(result.peakMiB < 150, `peak RSS ${result.peakMiB} MiB`)
})

test('should throttle a server writing to a client that never reads', async (t) => {
  let server
  const srv = await listen(t, (req, res) => {
    server = writeBlocks(res, Buffer.alloc(1024 * 1024, 'w'), 30)
  })
  const request = net.request(srv.url)
  const response = await new Promise((resolve) => { request.on('response', resolve); request.end() })
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

test('should keep RSS under 150 MiB while downloading 1 GiB read slowly', async (t) => {
  const result = await runFixture('download-1gib.js')
  t.is(result.read, 1024 * 1024 * 1024)
  t.true(result.peakMiB < 150, `peak RSS ${result.peakMiB} MiB`)
})

test('should emit download-progress with the bytes received so far', async (t) => {
  const srv = await listen(t, (req, res) => {
    res.write('a'.repeat(1000))
    setTimeout(() => res.end('b'.repeat(500)), 20)
  })
  const progress = []
  const request = net.request(srv.url)
  request.on('response', (response) => response.on('download-progress', (current) => progress.push(current)))
  const r = await collect(request)
  t.is(r.body.length, 1500)
  t.deepEqual(progress, [1000, 1500])
})

test('should deliver a large body intact', async (t) => {
  const payload = Buffer.alloc(5 * 1024 * 1024)
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff
  const srv = await listen(t, (req, res) => res.end(payload))
  const chunks = []
  const request = net.request(srv.url)
  await new Promise((resolve) => {
    request.on('response', (response) => {
      response.on('data', (c) => chunks.push(c))
      response.on('end', resolve)
    })
    request.end()
  })
  t.true(Buffer.concat(chunks).equals(payload))
})

// Small chunks are views into a shared slab (src/binding/chunk_slab.rs): each must keep its own bytes
// while later responses fill the slab and the next ones, and show no other response's bytes.
test('should keep every small chunk intact while many small responses arrive at once', async (t) => {
  const body = (i) => Buffer.alloc(1000 + (i * 37) % 3000, `<${i}>`)
  const srv = await listen(t, (req, res) => {
    const i = Number(req.url.slice(1))
    // Written in pieces, so that one response is several small chunks.
    const data = body(i)
    res.write(data.subarray(0, 700))
    setTimeout(() => res.end(data.subarray(700)), i % 3)
  })
  const responses = await Promise.all(Array.from({ length: 300 }, (_, i) => download(net, `${srv.url}/${i}`)))
  t.is(responses.filter((r, i) => !r.body.equals(body(i))).length, 0)
  // Far more small bytes than one slab holds: the kept chunks span several slabs.
  t.true(responses.reduce((sum, r) => sum + r.body.length, 0) > 4 * 64 * 1024)
  // A response on its own (a batch of one) too.
  const { chunks } = await new Promise((resolve, reject) => {
    const kept = []
    const request = net.request(`${srv.url}/7`)
    request.on('error', reject)
    request.on('response', (r) => r.on('data', (c) => kept.push(c)).on('end', () => resolve({ chunks: kept })))
    request.end()
  })
  t.true(Buffer.concat(chunks).equals(body(7)))
})

// Large, fast downloads are read straight into recycled 1 MiB blocks (src/wire/http1/read_block.rs):
// the bytes, the framing and the connection's reuse must come out as with the ordinary path.

test('should deliver a 64 MiB download intact, in chunks of at most 1 MiB, and reuse its connection', async (t) => {
  const payloads = { '/a': pattern(64 * 1024 * 1024, 1), '/b': pattern(3 * 1024 * 1024 + 5, 2), '/c': pattern(1000, 5) }
  const sockets = new Set()
  const srv = await listen(t, (req, res) => {
    sockets.add(req.socket)
    res.setHeader('Content-Length', payloads[req.url].length)
    res.end(payloads[req.url])
  })
  const directReads = () => require('../lib/bridge').binding().directReadCount()
  const before = directReads()
  const a = await download(net, `${srv.url}/a`, { pauseEvery: 8 * 1024 * 1024 })
  t.true(a.body.equals(payloads['/a']))
  t.true(a.max <= 1024 * 1024, `largest chunk ${a.max} bytes`)
  // The download did take the recycled-block path this test is about.
  t.true(directReads() > before)
  // The body's end is where Content-Length says: the next response on the socket is whole.
  const b = await download(net, `${srv.url}/b`)
  t.true(b.body.equals(payloads['/b']))
  // And a small response after them starts from small reads again, whole.
  const c = await download(net, `${srv.url}/c`)
  t.true(c.body.equals(payloads['/c']))
  t.is(sockets.size, 1)
})

test('should deliver a 32 MiB body that ends with the connection intact', async (t) => {
  const payload = pattern(32 * 1024 * 1024, 3)
  const srv = await listen(t, (req, res) => {
    // No Content-Length and no chunking: the body runs until the server closes.
    req.socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'), payload]))
  })
  const r = await download(net, srv.url)
  t.true(r.body.equals(payload))
})

test('should fail a reset in the middle of a fast download with net::ERR_CONNECTION_RESET', async (t) => {
  const block = pattern(1024 * 1024, 4)
  const srv = await listen(t, (req, res) => {
    res.setHeader('Content-Length', 256 * 1024 * 1024)
    writeBlocks(res, block, 24, () => req.socket.resetAndDestroy())
  })
  let received = 0
  const error = await new Promise((resolve) => {
    const request = net.request(srv.url)
    request.on('error', resolve)
    request.on('response', (response) => {
      response.on('data', (c) => { received += c.length })
      response.on('error', () => {})
    })
    request.end()
  })
  t.is(error.message, 'net::ERR_CONNECTION_RESET')
  t.true(received <= 24 * 1024 * 1024, `${received} bytes, of 24 MiB sent`)
})

test('should keep a fast 512 MiB download within 48 MiB of the RSS it started at', async (t) => {
  const result = await runFixture('download-fast.js')
  t.is(result.read, 512 * 1024 * 1024)
  t.true(result.growthMiB < 48, `RSS grew by ${result.growthMiB} MiB`)
})

// Many responses at once share one bound on the body the engine holds for JS
// (src/request/body_budget.rs). These check that the bound never makes one response wait on others.

// Starts `count` requests to `url` and resolves once each has delivered a first chunk.
async function startStreams (url, count, onResponse = () => {}) {
  const requests = []
  await Promise.all(Array.from({ length: count }, () => new Promise((resolve, reject) => {
    const request = net.request(url)
    requests.push(request)
    request.on('error', reject)
    request.on('response', (response) => {
      response.on('error', () => {})
      response.once('data', () => { onResponse(response); resolve() })
    })
    request.end()
  })))
  return requests
}

test('should keep downloading while 400 other responses stay open without sending', async (t) => {
  t.timeout(60000)
  const payload = pattern(16 * 1024 * 1024, 6)
  const srv = await listen(t, (req, res) => {
    if (req.url === '/big') {
      res.setHeader('Content-Length', payload.length)
      return res.end(payload)
    }
    // An event stream that sends one event and then stays quiet.
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    res.write('data: hello\n\n')
  })
  const streams = await startStreams(`${srv.url}/events`, 400, (response) => response.resume())
  t.teardown(() => streams.forEach((r) => r.abort()))
  const r = await download(net, `${srv.url}/big`)
  t.true(r.body.equals(payload))
})

test('should keep downloading while 100 paused responses hold what they read ahead', async (t) => {
  t.timeout(60000)
  const payload = pattern(16 * 1024 * 1024, 7)
  const part = pattern(512 * 1024, 8)
  const srv = await listen(t, (req, res) => {
    const body = req.url === '/big' ? payload : part
    res.setHeader('Content-Length', body.length)
    res.end(body)
  })
  const paused = await startStreams(`${srv.url}/part`, 100, (response) => response.pause())
  t.teardown(() => paused.forEach((r) => r.abort()))
  const r = await download(net, `${srv.url}/big`)
  t.true(r.body.equals(payload))
})
