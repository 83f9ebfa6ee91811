'use strict'

// The process stays alive while a request is in flight and can exit as soon as none is
// (reference §12; the "never crashes, never hangs"). Each case runs in a child process.

const path = require('node:path')
const test = require('ava')
const { listen } = require('./helpers/listen')
const { writeBlocks } = require('./helpers/write-blocks')
const { runNode } = require('./helpers/child')

function runChild (fixture, url, { flags = [], env = {}, args = [] } = {}) {
  return runNode([...flags, path.join(__dirname, 'fixtures', fixture), url, ...args], env)
}

test('should let a script that makes one request exit right after close', async (t) => {
  const srv = await listen(t, (req, res) => res.end('bye'))
  const r = await runChild('one-request.js', srv.url)
  t.is(r.code, 0, r.stderr)
  t.false(r.killed)
  t.is(r.output.status, 200)
  t.true(r.exitedAt - r.output.closedAt < 1000, `exited ${r.exitedAt - r.output.closedAt} ms after close`)
})

test('should stay alive while a request is in flight', async (t) => {
  const srv = await listen(t, (req, res) => setTimeout(() => res.end('late'), 1500))
  const r = await runChild('one-request.js', srv.url)
  t.is(r.code, 0, r.stderr)
  t.is(r.output.status, 200)
  t.true(r.exitedAt - r.startedAt >= 1500)
})

// A body far larger than what the engine and the stream buffer: 64 MiB, written as the client
// takes it. `closed` resolves when the server's response ends or is cut short.
function largeBody (t) {
  let settle
  const closed = new Promise((resolve) => { settle = resolve })
  const srv = listen(t, (req, res) => {
    let finished = false
    res.on('close', () => settle({ finished }))
    writeBlocks(res, Buffer.alloc(64 * 1024, 0x61), 1024, () => { finished = true; res.end() })
  })
  return { srv, closed }
}

test('should let a script exit that keeps a response but never reads its body', async (t) => {
  const { srv, closed } = largeBody(t)
  const r = await runChild('unread-response.js', (await srv).url, { args: ['never'] })
  t.false(r.killed, 'the child had to be killed: an unread body kept it alive')
  t.is(r.code, 0, r.stderr)
  t.is(r.output.status, 200)
  // Still in flight when the script ended: it was not finished, only waiting for the app.
  t.is(r.output.inflight, 1)
  t.deepEqual(await closed, { finished: false })
})

test('should stay alive for a paused body that the app reads later', async (t) => {
  const { srv, closed } = largeBody(t)
  const r = await runChild('unread-response.js', (await srv).url, { args: ['later'] })
  t.false(r.killed)
  t.is(r.code, 0, r.stderr)
  t.is(r.output.bytes, 64 * 1024 * 1024)
  t.deepEqual(await closed, { finished: true })
})

test('should not be kept alive by requests that never started', async (t) => {
  let hits = 0
  const srv = await listen(t, (req, res) => { hits++; res.end() })
  const r = await runChild('never-started.js', srv.url)
  t.is(r.code, 0, r.stderr)
  t.is(r.output.created, 10)
  t.true(r.exitedAt - r.startedAt < 5000)
  t.is(hits, 0)
})

test('should finish buffered and chunked uploads whose request objects are no longer referenced', async (t) => {
  const received = {}
  const ends = {}
  const done = ['/buffered', '/chunked'].map((path) => new Promise((resolve) => { ends[path] = resolve }))
  const srv = await listen(t, (req, res) => {
    const body = []
    req.on('data', (c) => body.push(c))
    req.on('end', () => { received[req.url] = Buffer.concat(body); res.end('ok'); ends[req.url]() })
  })
  const r = await runChild('unreferenced-upload.js', srv.url, { flags: ['--expose-gc'] })
  await Promise.all(done)
  t.is(r.code, 0, r.stderr)
  t.is(received['/buffered'].length, 10 * 1024 * 1024)
  t.true(received['/buffered'].every((b) => b === 0x75), 'every buffered byte is the one written')
  const chunked = received['/chunked']
  t.is(chunked.length, 128 * 64 * 1024)
  let wrong = -1
  for (let k = 0; k < chunked.length; k++) {
    if (chunked[k] !== (Math.floor(k / (64 * 1024)) & 0xff)) { wrong = k; break }
  }
  t.is(wrong, -1, 'every chunked byte arrives, in order')
})

test('should garbage-collect never-started requests without a crash', async (t) => {
  let hits = 0
  const srv = await listen(t, (req, res) => { hits++; res.end() })
  const r = await runChild('gc-never-started.js', srv.url, { flags: ['--expose-gc'] })
  t.is(r.code, 0, r.stderr)
  t.is(r.output.collected, r.output.created, 'every never-started request was collected')
  t.true(r.output.sampleCleared)
  t.is(r.output.status, 200)
  t.is(hits, 1, 'only the final request reached the server')
})

test('should exit promptly after requests aborted at random points', async (t) => {
  const srv = await listen(t, (req, res) => {
    res.write('x'.repeat(1000))
    setTimeout(() => res.end('y'.repeat(1000)), 10)
  })
  const r = await runChild('random-aborts.js', srv.url)
  t.is(r.code, 0, r.stderr)
  t.is(r.output.inflight, 0)
  t.true(r.exitedAt - r.output.doneAt < 1000, `exited ${r.exitedAt - r.output.doneAt} ms after the last abort`)
})

test('should turn a panic in the engine into net::ERR_FAILED, never a crash', async (t) => {
  const srv = await listen(t, (req, res) => res.end())
  const r = await runChild('engine-panic.js', srv.url, { env: { ELECTRON_NET_RS_PANIC_FOR_HOST: 'localhost' } })
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.output, { error: 'net::ERR_FAILED', after: 200 })
})

test('should turn a panic on the JS thread\'s event delivery into net::ERR_FAILED for that request only', async (t) => {
  const srv = await listen(t, (req, res) => {
    if (req.url === '/panic') res.statusMessage = 'Bridge Panic'
    res.end('body')
  })
  const r = await runChild('bridge-panic.js', srv.url, { env: { ELECTRON_NET_RS_BRIDGE_PANIC_FOR_STATUS_TEXT: 'Bridge Panic' } })
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.output.events.sort(), ['after:response 200', 'beside:response 200', 'panicking:error net::ERR_FAILED'])
})

test('should report a throwing listener as an uncaught exception and deliver every other event', async (t) => {
  const srv = await listen(t, (req, res) => res.end('x'.repeat(100)))
  const r = await runChild('throwing-listeners.js', srv.url)
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.output, {
    caught: [
      'thrown by data listener 9', 'thrown by data listener 9',
      'thrown by response listener 5', 'thrown by response listener 5'
    ],
    completed: 41
  })
})

// With more than 8 requests in flight the engine holds its wake-ups of the JS thread until it
// runs out of work: on the single-threaded engine (the default on up to two cores) and on the
// multi-threaded one, a response must never wait for a wake-up that was held back.
for (const threads of ['1', '3']) {
  test(`should deliver every response while more than 8 wait (${threads} engine threads)`, async (t) => {
    const held = []
    const srv = await listen(t, (req, res) => {
      if (req.url.startsWith('/held/')) return held.push(res)
      if (req.url === '/release') for (const r of held.splice(0)) r.end('late')
      if (req.url === '/slow-upload') {
        let n = 0
        req.on('data', (c) => { n += c.length })
        req.on('end', () => setTimeout(() => res.end(String(n)), 300))
        return
      }
      res.end('ok')
    })
    const r = await runChild('busy-deliveries.js', srv.url, { env: { ELECTRON_NET_RS_WORKER_THREADS: threads } })
    t.is(r.code, 0, r.stderr)
    t.deepEqual(r.output.done.slice(0, 2), ['/slow-upload', '/quick'])
    t.deepEqual(r.output.done.slice(2).sort(), ['/release', ...Array.from({ length: 9 }, (_, i) => `/held/${i}`)].sort())
  })
}
