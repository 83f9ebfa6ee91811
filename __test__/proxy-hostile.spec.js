'use strict'

// Hostile or broken proxies and PAC scripts: what a request gets (Chromium's net::ERR_* name and
// Electron's event order), that it fails in bounded time and memory, and that the process still
// works afterwards. Proxies here are raw node:net servers answering byte for byte; everything is
// on 127.0.0.1, so the rules carry `<-loopback>` and the requests name hosts under `.test` (the
// proxy never resolves them) or the loopback origin (SOCKS, which relays).

const nodeNet = require('node:net')
const test = require('ava')
const { net, session } = require('..')
const { serve, listen, recordingServer, collect } = require('./helpers/listen')
const { expectHealthy } = require('./helpers/raw-server')

const FAILED_BEFORE_HEADERS = ['R:finish', 'R:close', 'R:error']

let partitions = 0
async function withRules (proxyRules) {
  const ses = session.fromPartition(`proxy-hostile-${process.pid}-${++partitions}`)
  await ses.setProxy({ proxyRules, proxyBypassRules: '<-loopback>' })
  return ses
}

// A raw TCP server: `onHead(socket, firstLine, n)` for each request head a connection sends (n
// counts heads over the whole server, from 1). `heads` records their first lines.
async function headServer (t, onHead) {
  const heads = []
  const server = nodeNet.createServer((socket) => {
    socket.on('error', () => {})
    let buffered = ''
    socket.on('data', (data) => {
      buffered += data.toString('latin1')
      let end
      while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
        const head = buffered.slice(0, end)
        buffered = buffered.slice(end + 4)
        heads.push(head.split('\r\n')[0])
        onHead(socket, head, heads.length)
      }
    })
  })
  const { port } = await serve(t, server)
  return { port, heads }
}

// An https URL through a raw http proxy answering its CONNECT with `answer(socket)`.
async function connectThrough (t, answer, url = 'https://origin.test/') {
  const proxy = await headServer(t, (socket) => answer(socket))
  const ses = await withRules(`http://127.0.0.1:${proxy.port}`)
  const start = Date.now()
  const r = await collect(net.request({ url, session: ses }))
  return { ...r, ms: Date.now() - start, proxy }
}

const CONNECT_FAILURES = [
  // Chromium's HttpProxyClientSocket::DoReadHeadersComplete: a 200 must end where its head ends.
  ['a 200 with its body in the same packet', (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'), 'net::ERR_TUNNEL_CONNECTION_FAILED'],
  // Anything but 200 and 407: the proxy's page is never shown for an https URL (crbug.com/7338).
  ['a 302', (s) => s.end('HTTP/1.1 302 Found\r\nLocation: https://elsewhere.test/\r\nContent-Length: 0\r\n\r\n'), 'net::ERR_TUNNEL_CONNECTION_FAILED'],
  ['a status 999', (s) => s.end('HTTP/1.1 999 Odd\r\n\r\n'), 'net::ERR_TUNNEL_CONNECTION_FAILED'],
  ['a 407 without Proxy-Authenticate', (s) => s.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'), 'net::ERR_TUNNEL_CONNECTION_FAILED'],
  ['a 407 with an unknown scheme', (s) => s.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Bogus realm="x"\r\nContent-Length: 0\r\n\r\n'), 'net::ERR_TUNNEL_CONNECTION_FAILED'],
  // HttpStreamParser's kMaxHeaderBufSize (256 KiB).
  ['a head over 256 KiB', (s) => { s.write('HTTP/1.1 200 OK\r\n'); for (let i = 0; i < 300; i++) s.write(`X-Pad: ${'a'.repeat(1024)}\r\n`); s.write('\r\n') }, 'net::ERR_RESPONSE_HEADERS_TOO_BIG'],
  ['a NUL in the head', (s) => s.write('HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n'), 'net::ERR_INVALID_HTTP_RESPONSE'],
  ['a close before anything', (s) => s.end(), 'net::ERR_EMPTY_RESPONSE'],
  ['a reset before anything', (s) => s.resetAndDestroy(), 'net::ERR_CONNECTION_RESET'],
  // The tunnel is up: what follows is read as the origin's TLS.
  ['a 200 then bytes that are not TLS', (s) => { s.write('HTTP/1.1 200 Connection established\r\n\r\n'); setTimeout(() => s.write('HTTP/1.1 400 Bad\r\n\r\n'), 50) }, 'net::ERR_SSL_PROTOCOL_ERROR'],
  ['a 200 with Connection: close, then the close', (s) => { s.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'); setTimeout(() => s.end(), 50) }, 'net::ERR_CONNECTION_CLOSED'],
  // Only 200 opens the tunnel: a proxy relaying a 201, 204 or 299 does not.
  ['a 201', (s) => s.write('HTTP/1.1 201 Created\r\n\r\n'), 'net::ERR_TUNNEL_CONNECTION_FAILED'],
  ['a 204', (s) => s.write('HTTP/1.1 204 No Content\r\n\r\n'), 'net::ERR_TUNNEL_CONNECTION_FAILED'],
  ['a 299', (s) => s.write('HTTP/1.1 299 Whatever\r\n\r\n'), 'net::ERR_TUNNEL_CONNECTION_FAILED'],
  // The CONNECT is made for an https URL: a head cut off by the close is a truncation there
  // (HttpStreamParser::HandleReadHeaderResult), not a head to use, nor a reason to try the next
  // proxy.
  ['a head cut off by the close', (s) => s.end('HTTP/1.1 200 Connection established\r\nX-A: b\r\n'), 'net::ERR_RESPONSE_HEADERS_TRUNCATED']
]
for (const [name, answer, expected] of CONNECT_FAILURES) {
  test(`CONNECT answered with ${name} fails with ${expected}, and the process goes on`, async (t) => {
    const r = await connectThrough(t, answer)
    t.is(r.error && r.error.message, expected)
    t.deepEqual(r.events, FAILED_BEFORE_HEADERS, 'no redirect, login or response: the proxy\'s answer is never shown')
    t.true(r.ms < 5000, `failed in ${r.ms} ms`)
    t.deepEqual(r.proxy.heads, ['CONNECT origin.test:443 HTTP/1.1'])
    await expectHealthy(t)
  })
}

test('CONNECT: a head that never ends is cut off at 256 KiB, in bounded memory', async (t) => {
  const line = `X-Pad: ${'a'.repeat(1024)}\r\n`
  let sent = 0
  const before = process.memoryUsage().rss
  const r = await connectThrough(t, (socket) => {
    socket.write('HTTP/1.1 200 OK\r\n')
    const pump = () => {
      while (!socket.destroyed && sent < 64 << 20) {
        sent += line.length
        if (!socket.write(line)) return socket.once('drain', pump)
      }
    }
    pump()
  })
  t.is(r.error && r.error.message, 'net::ERR_RESPONSE_HEADERS_TOO_BIG')
  t.true(sent < 32 << 20, `the client stopped reading after ${sent} bytes`)
  t.true(process.memoryUsage().rss - before < 64 << 20, 'rss stayed bounded')
})

test('CONNECT: a refusal trickled one byte at a time is still read whole', async (t) => {
  const reply = 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'
  const r = await connectThrough(t, (socket) => {
    let i = 0
    const timer = setInterval(() => {
      if (socket.destroyed || i >= reply.length) return clearInterval(timer)
      socket.write(reply[i++])
    }, 5)
    socket.on('close', () => clearInterval(timer))
  })
  t.is(r.error && r.error.message, 'net::ERR_TUNNEL_CONNECTION_FAILED')
})

test('CONNECT: a 407 loop asks for credentials once per challenge, and cancelling ends it', async (t) => {
  const proxy = await headServer(t, (socket) =>
    socket.write('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="r"\r\nContent-Length: 0\r\n\r\n'))
  const ses = await withRules(`http://127.0.0.1:${proxy.port}`)
  const request = net.request({ url: 'https://origin.test/', session: ses })
  let logins = 0
  request.on('login', (info, respond) => {
    logins++
    if (logins < 10) respond('user', `wrong${logins}`)
    else respond()
  })
  const r = await collect(request)
  t.is(logins, 10)
  t.is(r.error && r.error.message, 'net::ERR_TUNNEL_CONNECTION_FAILED')
  t.is(proxy.heads.length, 10, 'one CONNECT per answer, none without one')
  t.true(proxy.heads.every((line) => line === 'CONNECT origin.test:443 HTTP/1.1'))
})

test('forwarding: a 407 loop asks once per challenge; cancelling delivers the 407', async (t) => {
  const proxy = await headServer(t, (socket) =>
    socket.write('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="r"\r\nContent-Length: 4\r\n\r\nnope'))
  const ses = await withRules(`http://127.0.0.1:${proxy.port}`)
  const request = net.request({ url: 'http://origin.test/x', session: ses })
  let logins = 0
  request.on('login', (info, respond) => {
    logins++
    t.true(info.isProxy)
    if (logins < 10) respond('user', `wrong${logins}`)
    else respond()
  })
  const r = await collect(request)
  t.is(logins, 10)
  t.is(r.response.statusCode, 407)
  t.is(r.body, 'nope')
  t.is(proxy.heads.length, 10)
})

// An http URL through an HTTP proxy: the proxy's answer is read as a server's would be.
const FRAMINGS = {
  'both Content-Length and chunked': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'two different Content-Lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nhello',
  'a body shorter than its Content-Length': 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello',
  'a bad chunk size': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
  'a truncated chunked body': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel',
  'no status line': 'garbage garbage garbage\r\n',
  'a head cut off by the close': 'HTTP/1.1 200 OK\r\nX-A: b\r\n',
  'nothing at all': '',
  'two Locations': 'HTTP/1.1 302 Found\r\nLocation: /a\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n',
  'a body read to the close': 'HTTP/1.1 200 OK\r\n\r\nuntil close',
  'a 100 Continue first': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'a 101 nobody asked for': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nraw'
}
for (const [name, answer] of Object.entries(FRAMINGS)) {
  test(`forwarding: a proxy answering with ${name} is handled as a direct server's answer`, async (t) => {
    const server = await headServer(t, (socket) => socket.end(answer))
    const ses = await withRules(`http://127.0.0.1:${server.port}`)
    const shape = (r) => ({
      error: r.error && r.error.message,
      status: r.response && r.response.statusCode,
      body: r.body,
      events: r.events
    })
    const proxied = shape(await collect(net.request({ url: 'http://origin.test/p', session: ses })))
    const direct = shape(await collect(net.request({ url: `http://127.0.0.1:${server.port}/p`, session: session.fromPartition(`direct-${name}`) })))
    t.deepEqual(proxied, direct)
    t.deepEqual(server.heads, ['GET http://origin.test/p HTTP/1.1', 'GET /p HTTP/1.1'])
  })
}

// A SOCKS server scripted byte for byte: `greet(socket)` answers the v5 greeting (default: no
// authentication), `reply(socket)` the CONNECT request (v5) or the whole request (v4).
async function scriptedSocks (t, { greet = (s) => s.write(Buffer.from([5, 0])), reply }) {
  const socks = { connections: 0 }
  const server = nodeNet.createServer((socket) => {
    socks.connections++
    socket.on('error', () => {})
    let buffered = Buffer.alloc(0)
    let phase = 0
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data])
      if (buffered[0] === 5) {
        if (phase === 0 && buffered.length >= 2 + buffered[1]) {
          phase = 1
          buffered = buffered.subarray(2 + buffered[1])
          greet(socket)
        }
        if (phase === 1 && buffered.length >= 5 && buffered.length >= 5 + buffered[4] + 2) {
          phase = 2
          reply(socket)
        }
      } else if (buffered[0] === 4 && phase === 0 && buffered.indexOf(0, 8) !== -1) {
        phase = 2
        reply(socket)
      }
    })
  })
  socks.port = (await serve(t, server)).port
  return socks
}

const v5Reply = (bytes) => (s) => s.write(Buffer.from(bytes))
const SOCKS_FAILURES = [
  ['socks5', 'greeting answered as version 4', { greet: v5Reply([4, 0]) }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks5', 'greeting cut off by the close', { greet: (s) => s.end(Buffer.from([5])) }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks5', 'reply of version 4', { reply: v5Reply([4, 0, 0, 1, 0, 0, 0, 0, 0, 0]) }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks5', 'reply with a non-zero reserved byte', { reply: v5Reply([5, 0, 7, 1, 0, 0, 0, 0, 0, 0]) }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks5', 'reply with address type 9', { reply: v5Reply([5, 0, 0, 9, 0, 0, 0, 0, 0, 0]) }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks5', 'reply cut off by the close', { reply: (s) => s.end(Buffer.from([5, 0, 0, 1, 0])) }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ...[2, 3, 5, 6, 7, 8, 9, 255].map((code) =>
    ['socks5', `reply code ${code}`, { reply: (s) => s.end(Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0])) }, 'net::ERR_SOCKS_CONNECTION_FAILED']),
  ['socks4', 'reply version byte 4', { reply: v5Reply([4, 90, 0, 0, 0, 0, 0, 0]) }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks4', 'reply code 0', { reply: (s) => s.end(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])) }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks4', 'reply code 94', { reply: (s) => s.end(Buffer.from([0, 94, 0, 0, 0, 0, 0, 0])) }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks4', 'reply cut off by the close', { reply: (s) => s.end(Buffer.from([0, 90, 0])) }, 'net::ERR_CONNECTION_CLOSED']
]
for (const [scheme, name, script, expected] of SOCKS_FAILURES) {
  test(`${scheme}: ${name} fails with ${expected}`, async (t) => {
    const srv = await recordingServer(t)
    const socks = await scriptedSocks(t, script)
    const ses = await withRules(`${scheme}://127.0.0.1:${socks.port}`)
    const r = await collect(net.request({ url: srv.url, session: ses }))
    t.is(r.error && r.error.message, expected)
    t.deepEqual(r.events, FAILED_BEFORE_HEADERS)
    t.is(socks.connections, 1)
    t.is(srv.seen.length, 0)
    await expectHealthy(t)
  })
}

// Chromium's SOCKS5ClientSocket reads the bound address it is told (a name of 0 to 255 bytes,
// or IPv6) and ignores it; whatever follows is the origin's.
for (const [name, bound] of [
  ['an empty domain name', [3, 0]],
  ['a 255-byte domain name', [3, 255, ...Buffer.alloc(255, 'a')]],
  ['an IPv6 address', [4, ...Buffer.alloc(16)]]
]) {
  test(`socks5: a success reply binding ${name} opens the relay`, async (t) => {
    const socks = await scriptedSocks(t, {
      reply: (socket) => {
        socket.write(Buffer.from([5, 0, 0, ...bound, 0, 80]))
        // Stand in for the origin behind the relay.
        socket.on('data', (data) => {
          if (data.includes('\r\n\r\n')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nrelayed')
        })
      }
    })
    const ses = await withRules(`socks5://127.0.0.1:${socks.port}`)
    const r = await collect(net.request({ url: 'http://127.0.0.1:1/', session: ses }))
    t.is(r.error, null)
    t.is(r.body, 'relayed')
  })
}

// PAC scripts (a data: URL each, fresh session), seen through resolveProxy.
async function withScript (script) {
  const ses = session.fromPartition(`proxy-hostile-pac-${process.pid}-${++partitions}`)
  await ses.setProxy({ pacScript: 'data:application/x-ns-proxy-autoconfig,' + encodeURIComponent(script) })
  return ses
}

for (const [name, script, expected] of [
  ['answers garbage only', 'function FindProxyForURL() { return "PROXY ; PROXY :; PROXY a:b:c; BOGUS x:1; PROXY a:99999; SOCKS5 " }', 'DIRECT'],
  ['answers garbage before a proxy', 'function FindProxyForURL() { return "FOO bar; PROXY a:1" }', 'PROXY a:1'],
  ['answers a String object', 'function FindProxyForURL() { return new String("PROXY a:1") }', 'DIRECT'],
  ['answers an object whose toString loops', 'function FindProxyForURL() { return { toString: function () { for (;;) {} } } }', 'DIRECT'],
  ['calls itself', 'function FindProxyForURL(u, h) { return FindProxyForURL(u, h) }', 'DIRECT'],
  ['doubles a string until out of memory', 'function FindProxyForURL() { var s = "x"; for (;;) s = s + s }', 'DIRECT'],
  ['loops on dnsResolve of a cached name', 'function FindProxyForURL() { for (;;) dnsResolve("localhost") }', 'DIRECT'],
  ['loops on isResolvable of a cached name', 'function FindProxyForURL() { for (;;) isResolvable("localhost") }', 'DIRECT'],
  ['queues promise jobs forever', 'function FindProxyForURL() { (function f () { Promise.resolve().then(f) })(); return "PROXY p:1" }', 'PROXY p:1'],
  ['overwrites a helper', 'dnsResolve = function () { return "1.2.3.4" }; function FindProxyForURL(u, h) { return "PROXY " + dnsResolve(h) + ":1" }', 'PROXY 1.2.3.4:1']
]) {
  test(`a PAC script that ${name} answers ${expected}, in bounded time`, async (t) => {
    const ses = await withScript(script)
    const start = Date.now()
    t.is(await ses.resolveProxy('http://example.test/'), expected)
    t.true(Date.now() - start < 10000, `answered in ${Date.now() - start} ms`)
    // The script's thread still answers.
    t.is(await ses.resolveProxy('http://other.test/'), expected)
  })
}

test('a PAC URL serving 100 MB is cut off (DIRECT) without reading it all or holding it', async (t) => {
  let sent = 0
  const total = 100 << 20
  const pac = await listen(t, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/x-ns-proxy-autoconfig', 'Content-Length': total })
    const chunk = Buffer.alloc(64 << 10, 0x20)
    const pump = () => {
      while (sent < total && !res.destroyed) {
        sent += chunk.length
        if (!res.write(chunk)) return res.once('drain', pump)
      }
      res.end()
    }
    pump()
  })
  const before = process.memoryUsage().rss
  const ses = session.fromPartition(`proxy-hostile-pac-big-${process.pid}`)
  await ses.setProxy({ pacScript: `${pac.url}/big.pac` })
  t.is(await ses.resolveProxy('http://example.test/'), 'DIRECT')
  t.true(sent < 50 << 20, `stopped after ${sent >> 20} MB`)
  t.true(process.memoryUsage().rss - before < 80 << 20, 'rss stayed bounded')
  await expectHealthy(t)
})

test('a PAC URL redirecting forever means DIRECT', async (t) => {
  let fetches = 0
  const pac = await listen(t, (req, res) => {
    fetches++
    res.writeHead(302, { Location: `/again${fetches}` })
    res.end()
  })
  const ses = session.fromPartition(`proxy-hostile-pac-redirects-${process.pid}`)
  await ses.setProxy({ pacScript: `${pac.url}/start.pac` })
  t.is(await ses.resolveProxy('http://example.test/'), 'DIRECT')
  t.is(fetches, 21, 'the first fetch and 20 redirects')
})
