'use strict'

// HTTPS (TLS straight over TCP, HTTP/1.1) responses read on the JS thread, as plain HTTP's are
// (js-thread-reads.spec.js): the socket under TLS leaves tokio's reactor and the JS thread reads
// and decrypts the response itself. What a user must see is what the engine's path gives: bodies
// intact whatever the record boundaries, the same errors, connections reused and replaced, Node's
// own TLS sockets unharmed after a watched one closes, and a process that exits by itself. HTTP/2
// connections stay read by the engine.
//
// Serial: the path is only taken while few requests are in flight, and the counter of reads done
// on the JS thread is per process.

const https = require('node:https')
const netServer = require('node:net')
const tls = require('node:tls')
const { Duplex } = require('node:stream')
const test = require('ava')
const { certs, serveHttps, serveHttp2 } = require('./helpers/tls')
const { net } = require('..')
const { collect, serve } = require('./helpers/listen')
const { runNode } = require('./helpers/child')
const { SEQUENTIAL_CHILD: CHILD } = require('./helpers/sequential-child')
const { sleep, within, pattern, download } = require('./helpers/bodies')
const { observe, expectEvents, ORDERS } = require('./helpers/raw-server')

const jsThreadReads = () => require('../lib/bridge').binding().jsThreadReadCount()
const SUCCESS = ['R:finish', 'R:close', 'R:response', 'S:end', 'S:close']

// An HTTPS server answering by path: /warm at once; /slow/<ms>/<tag> after <ms>; /hang never
// (each arrival resolves the promise `nextHang()` handed out). `connections` counts TLS
// connections; `extra(req, res)` may answer first.
async function tlsServer (t, extra = () => false) {
  const waiting = []
  let connections = 0
  const { server, port } = await serveHttps(t, (req, res) => {
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
  server.on('secureConnection', () => { connections++ })
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    connections: () => connections,
    nextHang: () => new Promise((resolve) => waiting.push(resolve))
  }
}

async function expectOk (t, url, body, label = url) {
  const r = await within(collect(net.request(url)), 10000, label)
  t.is(r.error, null, `${label}: no error`)
  t.is(r.response && r.response.statusCode, 200, `${label}: status`)
  t.is(r.body, body, `${label}: body`)
  t.deepEqual(r.events, SUCCESS, `${label}: events`)
}

// Node's own TLS client, on a new socket (which may take the number of one the engine closed).
function nodeHttpsGet (port, urlPath) {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: urlPath, agent: false, ca: certs.ca }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve(body))
      res.on('error', reject)
    }).on('error', reject)
  })
}

test.serial('should read 50 sequential HTTPS GETs over one TLS connection on the JS thread', async (t) => {
  const srv = await tlsServer(t)
  await expectOk(t, `${srv.url}/warm`, 'warm')
  const before = jsThreadReads()
  for (let i = 0; i < 50; i++) await expectOk(t, `${srv.url}/seq/${i}`, `answered /seq/${i}`)
  const reads = jsThreadReads() - before
  t.is(srv.connections(), 1, 'one TLS connection for every request')
  t.true(reads >= 50, `${reads} reads were done on the JS thread for 50 requests`)
})

test.serial('should receive HTTPS responses the server sends 100 ms after the request', async (t) => {
  const srv = await tlsServer(t)
  await expectOk(t, `${srv.url}/warm`, 'warm')
  const before = jsThreadReads()
  for (let i = 0; i < 5; i++) await expectOk(t, `${srv.url}/slow/100/${i}`, `slow ${i}`)
  t.is(srv.connections(), 1)
  t.true(jsThreadReads() - before >= 5)
})

test.serial('should parse a response whose head and body come in many small TLS records, some 20 ms apart', async (t) => {
  const body = 'x'.repeat(3000)
  // `Connection: close`: node:https answers nothing more on a connection whose response it did
  // not write itself.
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Split: yes\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`
  const srv = await tlsServer(t, (req, res) => {
    if (!req.url.startsWith('/pieces/')) return false
    // Straight on the TLS socket: each write is a record of its own.
    const socket = req.socket
    const bytes = Buffer.from(head + body)
    const sizes = [1, 7, 30, 2, 100, 900, 5, 2000]
    let offset = 0
    let i = 0
    const next = () => {
      if (offset >= bytes.length) return socket.end()
      const n = sizes[i++ % sizes.length]
      socket.write(bytes.subarray(offset, offset + n))
      offset += n
      if (i % 3 === 0) setTimeout(next, 20)
      else setImmediate(next)
    }
    next()
    return true
  })
  await expectOk(t, `${srv.url}/warm`, 'warm')
  for (let round = 0; round < 3; round++) {
    const r = await within(collect(net.request(`${srv.url}/pieces/${round}`)), 10000, `round ${round}`)
    t.is(r.error, null)
    t.is(r.response.headers['x-split'], 'yes')
    t.is(r.body, body, `round ${round}: body intact`)
    t.deepEqual(r.events, SUCCESS)
  }
  await expectOk(t, `${srv.url}/warm`, 'warm', 'a request after them')
})

test.serial('should abort an HTTPS request waiting on a silent server and leave Node\'s own TLS sockets working', async (t) => {
  const a = await tlsServer(t)
  const b = await tlsServer(t)
  for (let round = 0; round < 4; round++) {
    await expectOk(t, `${a.url}/warm`, 'warm', `warm-up ${round}`)
    const arrived = a.nextHang()
    const request = net.request(`${a.url}/hang`)
    const pending = observe(request)
    const { closed } = await within(arrived, 5000, `the request of round ${round} reaching the server`)
    // Long enough for the read to find nothing and the socket to be watched.
    await sleep(30)
    request.abort()
    const sameTick = nodeHttpsGet(b.port, `/node-${round}`)
    const r = await pending
    expectEvents(t, r, ['R:finish', 'R:close', 'R:abort'])
    t.is(r.error, null, 'no error after abort()')
    await within(closed, 2000, 'the server seeing the aborted connection close')
    t.is(await within(sameTick, 5000, 'node:https'), `answered /node-${round}`)
    t.is(await within(nodeHttpsGet(a.port, `/after-${round}`), 5000, 'node:https'), `answered /after-${round}`)
  }
  for (let i = 0; i < 10; i++) {
    const srv = i % 2 ? b : a
    await expectOk(t, `${srv.url}/after/${i}`, `answered /after/${i}`)
  }
  const parallel = await within(Promise.all([...Array(8).keys()].map((i) => collect(net.request(`${i % 2 ? b.url : a.url}/p/${i}`)))),
    10000, 'eight requests at once')
  t.deepEqual(parallel.map((r) => r.body), [...Array(8).keys()].map((i) => `answered /p/${i}`))
})

test.serial('should send the next HTTPS request on a new connection when the server closed the idle one, with or without close_notify', async (t) => {
  const srv = await tlsServer(t, (req, res) => {
    const m = /^\/closing\/(end|destroy)\/(\d+)\//.exec(req.url)
    if (!m) return false
    res.end(`closing ${req.url}`)
    // After the response: the connection sits in the client's pool when it is closed.
    // end() sends close_notify; destroy() just closes the socket.
    setTimeout(() => m[1] === 'end' ? req.socket.end() : req.socket.destroy(), Number(m[2]))
    return true
  })
  let expected = 0
  for (const how of ['end', 'destroy']) {
    for (const [ms, pause] of [[30, 100], [0, 0], [0, 50]]) {
      for (let i = 0; i < 3; i++) {
        const p = `/closing/${how}/${ms}/${pause}/${i}`
        await expectOk(t, `${srv.url}${p}`, `closing ${p}`)
        expected++
        if (pause) await sleep(pause)
      }
    }
  }
  await expectOk(t, `${srv.url}/warm`, 'warm', 'a request after all of them')
  // Every closing response was on a connection of its own (a reused dead one would have failed
  // or been retried on a new one: either way no more connections than requests).
  t.true(srv.connections() <= expected + 1)
  t.true(srv.connections() >= 2, `${srv.connections()} connections`)
})

for (const [title, fault, expected] of [
  ['closes the connection', (socket) => socket.destroy(), 'net::ERR_EMPTY_RESPONSE'],
  ['sends close_notify and closes', (socket) => socket.end(), 'net::ERR_EMPTY_RESPONSE']
]) {
  test.serial(`should fail with ${expected} when the HTTPS server ${title} while the request waits for the head`, async (t) => {
    let faults = 0
    const srv = await tlsServer(t, (req) => {
      if (req.url !== '/fault') return false
      faults++
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
  })
}

test.serial('should deliver an 8 MiB HTTPS body that follows its head, intact', async (t) => {
  const SIZE = 8 * 1024 * 1024
  const BLOCK = 256 * 1024
  const payload = pattern(SIZE, 0x2468ace0)
  const srv = await tlsServer(t, (req, res) => {
    if (req.url !== '/big') return false
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
    setTimeout(next, 50)
    return true
  })
  await expectOk(t, `${srv.url}/warm`, 'warm')
  const before = jsThreadReads()
  const received = await within(new Promise((resolve, reject) => {
    const request = net.request(`${srv.url}/big`)
    request.on('error', reject)
    request.on('response', (response) => {
      const chunks = []
      response.on('data', (c) => chunks.push(c))
      response.on('error', reject)
      response.on('end', () => resolve(Buffer.concat(chunks)))
    })
    request.end()
  }), 20000, 'the download')
  t.true(received.equals(payload), 'intact')
  t.true(jsThreadReads() - before >= 1, 'its head was read on the JS thread')
  t.is(srv.connections(), 1)
  await expectOk(t, `${srv.url}/warm`, 'warm', 'a small request after it')
})

// Over TLS a read returns about one record (16 KiB); reads are topped up with what has arrived so
// that a large download grows to the recycled 1 MiB blocks (src/wire/http1/read_block.rs) as
// over TCP, instead of fresh memory per chunk.
test.serial('should deliver a 64 MiB HTTPS download intact through the recycled blocks, and reuse its connection', async (t) => {
  const payloads = { '/a': pattern(64 * 1024 * 1024, 11), '/b': pattern(3 * 1024 * 1024 + 5, 12), '/c': pattern(1000, 13) }
  const srv = await tlsServer(t, (req, res) => {
    if (!payloads[req.url]) return false
    res.setHeader('Content-Length', payloads[req.url].length)
    res.end(payloads[req.url])
    return true
  })
  const directReads = () => require('../lib/bridge').binding().directReadCount()
  // Reads grow to the blocks only while they come back full, which a loaded machine can keep
  // from happening for a whole download (1 run in 9 under two CPU hogs): up to three tries.
  let direct = false
  for (let attempt = 0; attempt < 3 && !direct; attempt++) {
    const before = directReads()
    const a = await within(download(net, `${srv.url}/a`, { pauseEvery: 8 * 1024 * 1024 }), 30000, 'the 64 MiB download')
    t.true(a.body.equals(payloads['/a']), 'intact')
    t.true(a.max <= 1024 * 1024, `largest chunk ${a.max} bytes`)
    direct = directReads() > before
  }
  t.true(direct, 'read into recycled blocks')
  const b = await download(net, `${srv.url}/b`)
  t.true(b.body.equals(payloads['/b']))
  const c = await download(net, `${srv.url}/c`)
  t.true(c.body.equals(payloads['/c']))
  t.is(srv.connections(), 1)
})

test.serial('should fail an HTTPS body cut short by a close without close_notify with net::ERR_CONTENT_LENGTH_MISMATCH', async (t) => {
  const block = pattern(1024 * 1024, 14)
  const srv = await tlsServer(t, (req, res) => {
    if (req.url !== '/cut') return false
    res.setHeader('Content-Length', 64 * 1024 * 1024)
    let sent = 0
    const next = () => {
      if (sent === 12) return setTimeout(() => req.socket.destroy(), 20)
      sent++
      if (res.write(block)) setImmediate(next)
      else res.once('drain', next)
    }
    next()
    return true
  })
  let received = 0
  const error = await within(new Promise((resolve) => {
    const request = net.request(`${srv.url}/cut`)
    request.on('error', resolve)
    request.on('response', (response) => {
      response.on('data', (c) => { received += c.length })
      response.on('error', () => {})
    })
    request.end()
  }), 20000, 'the cut download')
  t.is(error.message, 'net::ERR_CONTENT_LENGTH_MISMATCH')
  t.true(received <= 12 * 1024 * 1024, `${received} bytes, of 12 MiB sent`)
})

test.serial('should time out an HTTPS request watched on the JS thread with net::ERR_TIMED_OUT', async (t) => {
  const srv = await tlsServer(t)
  await expectOk(t, `${srv.url}/warm`, 'warm')
  const r = await observe(net.request({ url: `${srv.url}/hang`, timeout: 150 }))
  t.is(r.error && r.error.message, 'net::ERR_TIMED_OUT')
  expectEvents(t, r, ORDERS.failedBeforeHeaders)
  await expectOk(t, `${srv.url}/warm`, 'warm', 'a request afterwards')
})

test.serial('should keep reading HTTP/2 responses on the engine, not the JS thread', async (t) => {
  const { url } = await serveHttp2(t, (req, res) => res.end(`h2 ${req.url}`))
  await expectOk(t, `${url}/warm`, 'h2 /warm')
  const before = jsThreadReads()
  for (let i = 0; i < 20; i++) {
    const r = await within(collect(net.request(`${url}/s/${i}`)), 10000, `h2 ${i}`)
    t.is(r.error, null)
    t.is(r.response.httpVersion, '2.0')
    t.is(r.body, `h2 /s/${i}`)
  }
  // HTTP/2's connection task reads for all its streams on the engine; reading it here would
  // leave a watch on a socket another thread owns.
  t.is(jsThreadReads() - before, 0)
})

test.serial('should let a process exit by itself after HTTPS requests read on the JS thread', async (t) => {
  const srv = await tlsServer(t)
  // NODE_EXTRA_CA_CERTS (set by helpers/tls) goes to the child with process.env.
  const r = await runNode(['-e', CHILD, srv.url, '/warm', '/slow/300/a', '/now', '/hang', '/warm', '/slow/100/b'])
  t.is(r.code, 0, r.stderr)
  t.false(r.killed, 'exited by itself')
  t.deepEqual(r.output.results, ['200 warm', '200 slow a', '200 answered /now', 'aborted', '200 warm', '200 slow b'])
  t.true(r.output.reads >= 3, `${r.output.reads} reads on the child's JS thread`)
  t.true(r.exitedAt - r.output.doneAt < 3000, `exited ${r.exitedAt - r.output.doneAt} ms after the last request`)
})

// A TLS server over node:net, so a test can reach the TCP socket under the TLS one: `answer(tls,
// raw, url, held)` answers each GET (only heads, no bodies, are expected). `connections` counts
// them. With `hold`, TLS runs over a stream of the test's own: what TLS writes while `held.on` is
// set is kept back until `held.release()` writes it to the socket at once, and ending TLS (its
// close_notify) leaves the TCP connection open.
async function rawTlsServer (t, answer, { hold = false } = {}) {
  const context = tls.createSecureContext(certs.valid)
  let connections = 0
  const { port } = await serve(t, netServer.createServer((raw) => {
    connections++
    const held = { on: false, kept: [], release: () => { held.on = false; raw.write(Buffer.concat(held.kept.splice(0))) } }
    let under = raw
    if (hold) {
      under = new Duplex({
        write (chunk, encoding, done) {
          if (held.on) {
            held.kept.push(chunk)
            done()
          } else {
            raw.write(chunk, done)
          }
        },
        final (done) { done() },
        read () {}
      })
      raw.on('data', (data) => under.push(data))
      raw.on('end', () => under.push(null))
    }
    const socket = new tls.TLSSocket(under, { isServer: true, secureContext: context })
    raw.on('error', () => {})
    socket.on('error', () => {})
    let received = ''
    socket.on('data', (data) => {
      received += data
      let end
      while ((end = received.indexOf('\r\n\r\n')) >= 0) {
        const url = received.split(' ')[1]
        received = received.slice(end + 4)
        answer(socket, raw, url, held)
      }
    })
  }))
  return { url: `https://127.0.0.1:${port}`, connections: () => connections }
}

// The reset comes in the same turn as the response's last record, so the JS thread finds both on
// the socket when it reads: the read that takes the record hits the reset too. The response is
// complete before it (as Chromium sees it, reading no further than the body's end), and must be
// delivered; the connection must not go back to the pool.
test.serial('should deliver an HTTPS response whose last record arrives together with a reset', async (t) => {
  const srv = await rawTlsServer(t, (socket, raw, url) => {
    if (url === '/reset') {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello')
      raw.resetAndDestroy()
      return
    }
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${url.length}\r\n\r\n${url}`)
  })
  for (let round = 0; round < 4; round++) {
    await expectOk(t, `${srv.url}/warm`, '/warm', `warm-up ${round}`)
    await expectOk(t, `${srv.url}/reset`, 'hello', `round ${round}`)
  }
  await expectOk(t, `${srv.url}/after`, '/after', 'a request afterwards')
})

// A chunked body cannot be sent again, so a connection the server closed while it sat in the pool
// must be noticed before the request goes on it (plain HTTP peeks at the socket; over TLS the
// bytes there, close_notify or the close itself, go through TLS to tell).
test.serial('should send a chunked upload on a new connection when the server closed the idle HTTPS one', async (t) => {
  const srv = await tlsServer(t, (req, res) => {
    const m = /^\/closing\/(end|destroy)\//.exec(req.url)
    if (m) {
      res.end('closing')
      setTimeout(() => m[1] === 'end' ? req.socket.end() : req.socket.destroy(), 5)
      return true
    }
    if (req.method !== 'POST') return false
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => res.end(`got ${body}`))
    return true
  })
  for (const how of ['end', 'destroy']) {
    for (let round = 0; round < 6; round++) {
      await expectOk(t, `${srv.url}/closing/${how}/${round}`, 'closing')
      // Closed well within the idle connection's first 250 ms, before the pool watches it.
      await sleep(50)
      const r = await within(collect(net.request({ url: `${srv.url}/upload`, method: 'POST' }), { body: `${how} ${round}`, chunked: true }),
        10000, `upload ${how} ${round}`)
      t.is(r.error, null, `${how} ${round}: no error`)
      t.is(r.body, `got ${how} ${round}`)
    }
  }
})

// close_notify read together with the response's last record, the TCP connection left open: the
// socket has nothing more to read, but TLS knows the server is done with the connection (as it
// knows of plaintext it holds). The pool must not send the next request on it, where the server
// would receive it without being able to answer.
test.serial('should not send the next request on an HTTPS connection whose server sent close_notify with its last response', async (t) => {
  let afterNotify = 0
  const srv = await rawTlsServer(t, (socket, raw, url, held) => {
    if (socket.notified) {
      afterNotify++
      return
    }
    if (url.startsWith('/notify/')) {
      held.on = true
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${url.length}\r\n\r\n${url}`)
      socket.end()
      socket.notified = true
      // Once TLS has written its close_notify too: both reach the client in one write.
      setTimeout(() => held.release(), 50)
      return
    }
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${url.length}\r\n\r\n${url}`)
  }, { hold: true })
  for (let round = 0; round < 4; round++) {
    await expectOk(t, `${srv.url}/notify/${round}`, `/notify/${round}`)
    await expectOk(t, `${srv.url}/next/${round}`, `/next/${round}`)
  }
  t.is(afterNotify, 0, 'no request went on a connection after its close_notify')
  // Each /next on a new connection, which the next /notify reuses.
  t.is(srv.connections(), 5)
})
