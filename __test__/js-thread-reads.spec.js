'use strict'

// Plain-HTTP/1.1 responses read on the JS thread: a request started while few are in flight is
// polled there, and when its response is not there yet the JS thread watches the socket (a
// libuv uv_poll handle) and reads and parses the response itself; anything else that wakes the
// request moves it onto the engine. These tests check what a user sees on that path: bodies,
// events and errors as on the engine's, connections reused, sockets (ours and Node's) safe
// after a watched one is closed, and a process that still exits by itself.
//
// Serial: the path is only taken while few requests are in flight, and the counter of reads
// done on the JS thread is process-wide.

const http = require('node:http')
const netModule = require('node:net')
const test = require('ava')
const { net, session } = require('..')
const { listen, collect } = require('./helpers/listen')
const { runNode } = require('./helpers/child')
const { SEQUENTIAL_CHILD: CHILD } = require('./helpers/sequential-child')
const { sleep, within, pattern } = require('./helpers/bodies')
const { observe, expectHealthy, expectEvents, ORDERS } = require('./helpers/raw-server')

const jsThreadReads = () => require('../lib/bridge').binding().jsThreadReadCount()
const SUCCESS = ['R:finish', 'R:close', 'R:response', 'S:end', 'S:close']

// A server answering by path: /warm at once; /slow/<ms>/<tag> after <ms>; /hang never (each
// arrival resolves the promise `nextHang()` handed out, with the server's request and a promise
// for its socket's close). Records each request's socket.
async function pathServer (t, extra = () => false) {
  const sockets = new Set()
  const waiting = []
  const srv = await listen(t, (req, res) => {
    sockets.add(req.socket)
    if (extra(req, res)) return
    if (req.url === '/warm') return res.end('warm')
    const slow = /^\/slow\/(\d+)\/(.*)$/.exec(req.url)
    if (slow) return setTimeout(() => res.end(`slow ${slow[2]}`), Number(slow[1]))
    if (req.url === '/hang') {
      const closed = new Promise((resolve) => req.socket.once('close', resolve))
      const w = waiting.shift()
      if (w) w({ req, closed })
      return
    }
    res.end(`answered ${req.url}`)
  })
  const nextHang = () => new Promise((resolve) => waiting.push(resolve))
  return { ...srv, sockets, nextHang }
}

async function expectOk (t, url, body, label = url) {
  const r = await within(collect(net.request(url)), 10000, label)
  t.is(r.error, null, `${label}: no error`)
  t.is(r.response && r.response.statusCode, 200, `${label}: status`)
  t.is(r.body, body, `${label}: body`)
  t.deepEqual(r.events, SUCCESS, `${label}: events`)
}

// Node's own sockets work: a node:http GET without an agent and a raw node:net exchange with
// a node:http server, each on a new socket (which may take the number of one the engine closed).
function nodeGet (port, urlPath) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve(body))
      res.on('error', reject)
    }).on('error', reject)
  })
}

function rawGet (port, urlPath) {
  return new Promise((resolve, reject) => {
    const socket = netModule.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
    })
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (c) => { data += c })
    socket.on('end', () => resolve(data))
    socket.on('error', reject)
  })
}

async function expectNodeSocketsWork (t, port, tag) {
  const [viaHttp, viaNet] = await within(Promise.all([nodeGet(port, `/node-${tag}`), rawGet(port, `/raw-${tag}`)]),
    5000, `node's own sockets (${tag})`)
  t.is(viaHttp, `answered /node-${tag}`, `node:http works (${tag})`)
  t.true(viaNet.startsWith('HTTP/1.1 200 OK\r\n'), `node:net works (${tag})`)
  t.true(viaNet.endsWith(`answered /raw-${tag}`), `node:net got the body (${tag})`)
}

test.serial('should read 50 sequential GETs over one keep-alive connection on the JS thread', async (t) => {
  const srv = await pathServer(t)
  // The first request opens the connection; the following ones find it in the pool.
  await expectOk(t, `${srv.url}/warm`, 'warm')
  const before = jsThreadReads()
  for (let i = 0; i < 50; i++) await expectOk(t, `${srv.url}/seq/${i}`, `answered /seq/${i}`)
  const reads = jsThreadReads() - before
  t.is(srv.sockets.size, 1, 'every request went over the same connection')
  t.true(reads >= 50, `${reads} reads were done on the JS thread for 50 requests`)
})

test.serial('should receive a response the server sends 100 ms after the request', async (t) => {
  const srv = await pathServer(t)
  await expectOk(t, `${srv.url}/warm`, 'warm')
  const before = jsThreadReads()
  for (let i = 0; i < 5; i++) await expectOk(t, `${srv.url}/slow/100/${i}`, `slow ${i}`)
  const reads = jsThreadReads() - before
  t.is(srv.sockets.size, 1, 'every request went over the same connection')
  t.true(reads >= 5, `${reads} reads were done on the JS thread for 5 slow responses`)
})

test.serial('should abort a request waiting on a silent server, close its connection, and leave every socket working', async (t) => {
  const a = await pathServer(t)
  const b = await pathServer(t)
  for (let round = 0; round < 5; round++) {
    // A pooled connection, so that the waiting request is watched on the JS thread.
    await expectOk(t, `${a.url}/warm`, 'warm', `warm-up ${round}`)
    const arrived = a.nextHang()
    const request = net.request(`${a.url}/hang`)
    const pending = observe(request)
    const { closed } = await within(arrived, 5000, `the request of round ${round} reaching the server`)
    // Long enough for the first read to find nothing and the socket to be watched.
    await sleep(30)
    request.abort()
    // In the same tick, new sockets of Node's own (client and, on accept, server side): they
    // may take the number of the socket just closed.
    const sameTick = expectNodeSocketsWork(t, b.port, `round-${round}`)
    const r = await pending
    expectEvents(t, r, ['R:finish', 'R:close', 'R:abort'])
    t.is(r.error, null, 'no error after abort()')
    t.is(r.response, null, 'no response')
    await within(closed, 2000, 'the server seeing the aborted connection close')
    await sameTick
    await expectNodeSocketsWork(t, a.port, `after-${round}`)
  }
  // Many requests afterwards, alternating between the server and another one, with more of
  // Node's own sockets among them.
  for (let i = 0; i < 20; i++) {
    const srv = i % 2 ? b : a
    await expectOk(t, `${srv.url}/after/${i}`, `answered /after/${i}`)
    if (i % 5 === 4) await expectNodeSocketsWork(t, srv.port, `later-${i}`)
  }
  const parallel = await within(Promise.all([...Array(8).keys()].map((i) => collect(net.request(`${i % 2 ? b.url : a.url}/p/${i}`)))),
    10000, 'eight requests at once')
  t.deepEqual(parallel.map((r) => r.body), [...Array(8).keys()].map((i) => `answered /p/${i}`))
})

test.serial('should send the next request on a new connection when the server closed the idle one', async (t) => {
  const srv = await pathServer(t, (req, res) => {
    const m = /^\/closing\/(\d+)\//.exec(req.url)
    if (!m) return false
    res.setHeader('Connection', 'keep-alive')
    res.end(`closing ${req.url}`)
    const ms = Number(m[1])
    // After the response: the connection sits in the client's pool when it is closed.
    setTimeout(() => req.socket.destroy(), ms)
    return true
  })
  for (const [ms, pause] of [[30, 100], [0, 0], [30, 0], [0, 50]]) {
    for (let i = 0; i < 5; i++) {
      const url = `${srv.url}/closing/${ms}/${pause}/${i}`
      await expectOk(t, url, `closing /closing/${ms}/${pause}/${i}`)
      if (pause) await sleep(pause)
    }
  }
  await expectOk(t, `${srv.url}/warm`, 'warm', 'a request after all of them')
})

for (const [title, fault, expected] of [
  // faults.spec.js: a server that closes before any byte -> net::ERR_EMPTY_RESPONSE.
  ['closes the connection', (socket) => socket.destroy(), 'net::ERR_EMPTY_RESPONSE'],
  // faults.spec.js: a server that resets -> net::ERR_CONNECTION_RESET.
  ['resets the connection', (socket) => socket.resetAndDestroy(), 'net::ERR_CONNECTION_RESET']
]) {
  test.serial(`should fail with ${expected} when the server ${title} while the request waits for the head`, async (t) => {
    let faults = 0
    const srv = await pathServer(t, (req) => {
      if (req.url !== '/fault') return false
      faults++
      // After the request arrived, before any answer: the client waits on a watched socket.
      setTimeout(() => fault(req.socket), 50)
      return true
    })
    for (let round = 0; round < 3; round++) {
      await expectOk(t, `${srv.url}/warm`, 'warm', `warm-up ${round}`)
      const r = await observe(net.request(`${srv.url}/fault`))
      t.is(r.error && r.error.message, expected, `round ${round}`)
      t.is(r.errors, 1, 'one error')
      expectEvents(t, r, ORDERS.failedBeforeHeaders)
      t.true(faults > round, 'the server got the request')
    }
    await expectOk(t, `${srv.url}/warm`, 'warm', 'the same server afterwards')
    await expectHealthy(t)
  })
}

test.serial('should deliver an 8 MiB body that follows its head, in blocks, intact', async (t) => {
  const SIZE = 8 * 1024 * 1024
  const BLOCK = 256 * 1024
  const payloads = [pattern(SIZE, 0x5a5a5a5a), pattern(SIZE, 0x13572468)]
  const srv = await pathServer(t, (req, res) => {
    const m = /^\/big\/(\d)$/.exec(req.url)
    if (!m) return false
    const payload = payloads[Number(m[1])]
    res.writeHead(200, { 'Content-Length': payload.length })
    res.flushHeaders()
    let offset = 0
    const next = () => {
      if (res.destroyed) return
      if (offset >= payload.length) return res.end()
      const block = payload.subarray(offset, offset + BLOCK)
      offset += BLOCK
      if (res.write(block)) setTimeout(next, 2)
      else res.once('drain', () => setTimeout(next, 2))
    }
    // The head alone first: the client reads it, then waits for the body.
    setTimeout(next, 50)
    return true
  })
  await expectOk(t, `${srv.url}/warm`, 'warm')
  for (let i = 0; i < payloads.length; i++) {
    const before = jsThreadReads()
    const received = await within(new Promise((resolve, reject) => {
      const request = net.request(`${srv.url}/big/${i}`)
      request.on('error', reject)
      request.on('response', (response) => {
        const chunks = []
        response.on('data', (c) => chunks.push(c))
        response.on('error', reject)
        response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks) }))
      })
      request.end()
    }), 20000, `download ${i}`)
    t.is(received.status, 200)
    t.is(received.body.length, SIZE)
    t.true(received.body.equals(payloads[i]), `download ${i} is intact`)
    const reads = jsThreadReads() - before
    t.true(reads >= 1, `download ${i}: ${reads} reads on the JS thread (at least its head)`)
  }
  t.is(srv.sockets.size, 1, 'both downloads and the warm-up went over one connection')
  await expectOk(t, `${srv.url}/warm`, 'warm', 'a small request after them')
})

test.serial('should follow a 302 to another path of the same server, ten times', async (t) => {
  const srv = await pathServer(t, (req, res) => {
    const m = /^\/start\/(\d+)$/.exec(req.url)
    if (!m) return false
    res.writeHead(302, { Location: `/final/${m[1]}` })
    res.end('redirecting')
    return true
  })
  await expectOk(t, `${srv.url}/warm`, 'warm')
  for (let i = 0; i < 10; i++) {
    const request = net.request(`${srv.url}/start/${i}`)
    let args
    request.on('redirect', (...a) => { args = a })
    const r = await within(collect(request), 10000, `redirect ${i}`)
    t.is(r.error, null)
    t.deepEqual(r.events, ['R:finish', 'R:close', 'R:redirect', 'R:response', 'S:end', 'S:close'])
    t.is(r.response.statusCode, 200)
    t.is(r.body, `answered /final/${i}`)
    t.is(args[0], 302)
    t.is(args[1], 'GET')
    t.is(args[2], `${srv.url}/final/${i}`)
  }
})

test.serial('should answer a Basic 401 through \'login\', five times over', async (t) => {
  const USER = 'user'
  const PASS = 'secret'
  const expected = 'Basic ' + Buffer.from(`${USER}:${PASS}`).toString('base64')
  const srv = await pathServer(t, (req, res) => {
    if (!req.url.startsWith('/private')) return false
    if (req.headers.authorization === expected) {
      res.end(`authenticated ${req.url}`)
    } else {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="js thread"' })
      res.end('unauthenticated')
    }
    return true
  })
  const ses = session.fromPartition('js-thread-reads-auth')
  const warm = await collect(net.request({ url: `${srv.url}/warm`, session: ses }))
  t.is(warm.body, 'warm')
  for (let i = 0; i < 5; i++) {
    // Forgotten credentials: each round is challenged again.
    await ses.clearAuthCache()
    const request = net.request({ url: `${srv.url}/private/${i}`, session: ses })
    const events = []
    let info
    request.on('login', (authInfo, callback) => {
      events.push('R:login')
      info = authInfo
      // Answered at once in some rounds, on a later task in others.
      if (i % 2) setTimeout(() => callback(USER, PASS), 20)
      else callback(USER, PASS)
    })
    const r = await within(collect(request, { events }), 10000, `login round ${i}`)
    t.is(r.error, null)
    t.deepEqual(r.events, ['R:finish', 'R:close', 'R:login', 'R:response', 'S:end', 'S:close'])
    t.deepEqual(info, { isProxy: false, scheme: 'basic', host: '127.0.0.1', port: srv.port, realm: 'js thread' })
    t.is(r.response.statusCode, 200)
    t.is(r.body, `authenticated /private/${i}`)
  }
})

test.serial('should fail a request waiting on a silent server with net::ERR_ABORTED on closeAllConnections()', async (t) => {
  const srv = await pathServer(t)
  const other = await pathServer(t)
  for (let round = 0; round < 3; round++) {
    await expectOk(t, `${srv.url}/warm`, 'warm', `warm-up ${round}`)
    const arrived = srv.nextHang()
    const pending = observe(net.request(`${srv.url}/hang`))
    const { closed } = await within(arrived, 5000, `the request of round ${round} reaching the server`)
    await sleep(30)
    await session.defaultSession.closeAllConnections()
    const r = await pending
    // As session.spec.js: scenario B, net::ERR_ABORTED.
    t.is(r.error && r.error.message, 'net::ERR_ABORTED')
    t.is(r.errors, 1, 'one error')
    expectEvents(t, r, ORDERS.failedBeforeHeaders)
    await within(closed, 2000, 'the server seeing the connection close')
    await expectNodeSocketsWork(t, other.port, `close-all-${round}`)
  }
  for (let i = 0; i < 10; i++) {
    const target = i % 2 ? other : srv
    await expectOk(t, `${target.url}/after/${i}`, `answered /after/${i}`)
  }
})

test.serial('should complete 30 requests started in one tick, some answered 50 ms later', async (t) => {
  // Six connections in the pool first: the first requests of the burst are polled on the JS
  // thread on pooled connections, the others go to the engine.
  const held = []
  let release = null
  const srv = await pathServer(t, (req, res) => {
    if (req.url === '/hold') {
      held.push(res)
      const flush = () => { for (const r of held.splice(0)) r.end('held') }
      if (held.length === 6) flush()
      else if (!release) release = setTimeout(() => { release = null; flush() }, 300)
      return true
    }
    if (req.method === 'POST') {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => res.end(`posted ${req.url} ${Buffer.concat(chunks)}`))
      return true
    }
    return false
  })
  const warm = await within(Promise.all([...Array(6).keys()].map(() => collect(net.request(`${srv.url}/hold`)))), 10000, 'the warm-up')
  t.deepEqual(warm.map((r) => r.body), Array(6).fill('held'))
  const before = jsThreadReads()
  const expected = []
  const runs = []
  for (let i = 0; i < 30; i++) {
    const options = i % 5 === 0 ? { timeout: 10000 } : {}
    if (i % 4 === 1) {
      runs.push(collect(net.request({ ...options, method: 'POST', url: `${srv.url}/post/${i}` }), { body: `payload ${i}` }))
      expected.push(`posted /post/${i} payload ${i}`)
    } else if (i % 3 === 0) {
      runs.push(collect(net.request({ ...options, url: `${srv.url}/slow/50/${i}` })))
      expected.push(`slow ${i}`)
    } else {
      runs.push(collect(net.request({ ...options, url: `${srv.url}/now/${i}` })))
      expected.push(`answered /now/${i}`)
    }
  }
  const results = await within(Promise.all(runs), 20000, 'the 30 requests')
  t.deepEqual(results.map((r) => r.error && r.error.message), Array(30).fill(null))
  t.deepEqual(results.map((r) => r.body), expected)
  for (const r of results) t.deepEqual(r.events, SUCCESS)
  const reads = jsThreadReads() - before
  t.true(reads >= 1, `${reads} reads on the JS thread in the burst`)
  await expectOk(t, `${srv.url}/warm`, 'warm', 'a request after the burst')
})

test.serial('should time out a request watched on the JS thread, and keep one whose timeout is handled', async (t) => {
  const srv = await pathServer(t)
  await expectOk(t, `${srv.url}/warm`, 'warm')
  // Unhandled: net::ERR_TIMED_OUT, as faults.spec.js expects.
  const r = await observe(net.request({ url: `${srv.url}/hang`, timeout: 150 }))
  t.is(r.error && r.error.message, 'net::ERR_TIMED_OUT')
  expectEvents(t, r, ORDERS.failedBeforeHeaders)
  // Handled: the request goes on, and its response arrives.
  await expectOk(t, `${srv.url}/warm`, 'warm', 'warm-up again')
  const request = net.request(`${srv.url}/slow/400/handled`)
  let timeouts = 0
  request.setTimeout(100, () => { timeouts++ })
  const handled = await within(collect(request), 10000, 'the request with a handled timeout')
  t.is(timeouts, 1)
  t.is(handled.error, null)
  t.is(handled.body, 'slow handled')
  t.deepEqual(handled.events, SUCCESS)
})

function runChild (url, paths, env = {}) {
  return runNode(['-e', CHILD, url, ...paths], env)
}

test.serial('should let a process exit by itself after requests read on the JS thread', async (t) => {
  const srv = await pathServer(t)
  const r = await runChild(srv.url, ['/warm', '/slow/300/a', '/now', '/hang', '/warm', '/slow/100/b'])
  t.is(r.code, 0, r.stderr)
  t.false(r.killed, 'exited by itself')
  t.deepEqual(r.output.results, ['200 warm', '200 slow a', '200 answered /now', 'aborted', '200 warm', '200 slow b'])
  t.true(r.output.reads >= 3, `${r.output.reads} reads on the child's JS thread`)
  t.true(r.exitedAt - r.output.doneAt < 3000, `exited ${r.exitedAt - r.output.doneAt} ms after the last request`)
  // Alive while the watched requests waited (300 + 100 ms of answers, 100 ms before the abort).
  t.true(r.exitedAt - r.startedAt >= 500)
})

test.serial('should read nothing on the JS thread with ELECTRON_NET_RS_JS_THREAD_READS=0, and work the same', async (t) => {
  const srv = await pathServer(t)
  const r = await runChild(srv.url, ['/warm', '/slow/100/a', '/now', '/hang', '/warm'], { ELECTRON_NET_RS_JS_THREAD_READS: '0' })
  t.is(r.code, 0, r.stderr)
  t.false(r.killed, 'exited by itself')
  t.deepEqual(r.output.results, ['200 warm', '200 slow a', '200 answered /now', 'aborted', '200 warm'])
  t.is(r.output.reads, 0)
  t.true(r.exitedAt - r.output.doneAt < 3000, `exited ${r.exitedAt - r.output.doneAt} ms after the last request`)
})
