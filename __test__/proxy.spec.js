'use strict'

const { serveHttp2, serveHttps } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const nodeNet = require('node:net')
const test = require('ava')
const { net, session } = require('..')
const { listen, collect } = require('./helpers/listen')
const { startForwardProxy, freePort, answerLogins } = require('./helpers/forward-proxy')

const USER = 'user'
const PASS = 'pass'

// The proxy and the servers are all on 127.0.0.1, which Chromium never proxies unless the
// bypass rules say `<-loopback>` (reference §10).
async function useProxy (ses, port) {
  await ses.setProxy({ proxyRules: `http://127.0.0.1:${port}`, proxyBypassRules: '<-loopback>' })
}

// A proxy started with `options` (see helpers/forward-proxy.js) and a session sending every
// request through it.
async function throughProxy (t, partition, options) {
  const proxy = await startForwardProxy(t, options)
  const ses = session.fromPartition(partition)
  await useProxy(ses, proxy.port)
  return { proxy, ses }
}

// A node:http server recording what it received.
async function recordingServer (t) {
  const seen = []
  const srv = await listen(t, (req, res) => {
    seen.push({ url: req.url, headers: req.headers })
    res.end('from origin')
  })
  return { ...srv, seen }
}

test('should send an http request through the proxy', async (t) => {
  const srv = await recordingServer(t)
  const { proxy, ses } = await throughProxy(t, 'proxy-http')
  const r = await collect(net.request({ url: `${srv.url}/path?q=1`, session: ses }))
  t.is(r.error, null)
  t.is(r.body, 'from origin')
  t.is(srv.seen.length, 1)
  t.is(srv.seen[0].url, '/path?q=1')
  t.is(srv.seen[0].headers.via, proxy.via, 'the request came through the proxy')
  t.deepEqual(proxy.seen, [{ method: 'GET', target: `${srv.url}/path?q=1`, auth: undefined }], 'the proxy got the absolute-form target')
})

test('should send absolute-form targets and Proxy-Connection to an http proxy', async (t) => {
  // A plain TCP server standing in for a proxy, so the request head can be read byte for byte.
  let head = ''
  const server = nodeNet.createServer((socket) => {
    socket.on('data', (d) => {
      head += d
      if (head.includes('\r\n\r\n')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const ses = session.fromPartition('proxy-raw-head')
  await useProxy(ses, server.address().port)
  const r = await collect(net.request({ url: 'http://origin.test:8080/a?b=c#frag', session: ses }))
  t.is(r.body, 'ok')
  const lines = head.split('\r\n')
  t.is(lines[0], 'GET http://origin.test:8080/a?b=c HTTP/1.1')
  t.is(lines[1], 'Host: origin.test:8080')
  t.is(lines[2], 'Proxy-Connection: keep-alive')
  t.false(lines.some((l) => /^connection:/i.test(l)), 'no Connection header')
})

test('should reach an https server through a CONNECT tunnel', async (t) => {
  const seen = []
  const origin = await serveHttps(t, (req, res) => { seen.push(req.headers); res.end(`tls ${req.httpVersion}`) })
  const { proxy, ses } = await throughProxy(t, 'proxy-connect', { connectPorts: [origin.port] })
  const r = await collect(net.request({ url: `https://127.0.0.1:${origin.port}/secure`, session: ses }))
  t.is(r.error, null)
  t.is(r.body, 'tls 1.1')
  t.deepEqual(proxy.seen, [{ method: 'CONNECT', target: `127.0.0.1:${origin.port}`, auth: undefined }], 'the proxy opened the tunnel')
  t.is(seen[0].via, undefined, 'a tunnel passes the request through untouched')
})

test('should speak HTTP/2 through a CONNECT tunnel when ALPN chooses it', async (t) => {
  const { port } = await serveHttp2(t, (req, res) => res.end(`h${req.httpVersion}`))
  const { ses } = await throughProxy(t, 'proxy-connect-h2', { connectPorts: [port] })
  const r = await collect(net.request({ url: `https://127.0.0.1:${port}/`, session: ses }))
  t.is(r.error, null)
  t.is(r.body, 'h2.0')
  t.is(r.response.httpVersion, '2.0')
})

test('should emit login for a proxy 407 and retry with the credentials', async (t) => {
  const srv = await recordingServer(t)
  const { proxy, ses } = await throughProxy(t, 'proxy-auth-http', { user: USER, pass: PASS })
  const request = net.request({ url: `${srv.url}/a`, session: ses })
  const { logins, events } = answerLogins(request, [[USER, PASS]])
  const r = await collect(request, { events })
  t.deepEqual(logins, [{ isProxy: true, scheme: 'basic', host: '127.0.0.1', port: proxy.port, realm: proxy.realm }])
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:login', 'R:response', 'S:end', 'S:close'])
  t.is(r.response.statusCode, 200)
  t.is(r.body, 'from origin')
  t.is(srv.seen.length, 1, 'the origin only saw the authenticated request')
})

test('should emit login for a 407 to CONNECT and retry the tunnel with the credentials', async (t) => {
  const seen = []
  const origin = await serveHttps(t, (req, res) => { seen.push(req.headers); res.end('secure') })
  const { proxy, ses } = await throughProxy(t, 'proxy-auth-connect', { user: USER, pass: PASS, connectPorts: [origin.port] })
  const request = net.request({ url: `https://127.0.0.1:${origin.port}/`, session: ses })
  const { logins, events } = answerLogins(request, [[USER, PASS]])
  const r = await collect(request, { events })
  t.deepEqual(logins, [{ isProxy: true, scheme: 'basic', host: '127.0.0.1', port: proxy.port, realm: proxy.realm }])
  t.is(r.error, null)
  t.is(r.body, 'secure')
  t.is(seen.length, 1)
  t.is(seen[0]['proxy-authorization'], undefined, 'proxy credentials never reach the origin')

  // The tunnel's credentials are cached too: the next request sends them without a 'login'.
  const again = await collect(net.request({ url: `https://127.0.0.1:${origin.port}/`, session: ses }))
  t.is(again.error, null)
  t.is(again.body, 'secure')
})

// Wrong credentials get another 407 (tinyproxy, which these tests once ran through, answered
// them with a 401 and WWW-Authenticate: Chromium, and we, take that as the origin's challenge).
test('should emit login again when the proxy rejects the credentials', async (t) => {
  const srv = await recordingServer(t)
  const { proxy, ses } = await throughProxy(t, 'proxy-auth-wrong', { user: USER, pass: PASS, keepAlive: true })
  const request = net.request({ url: srv.url, session: ses })
  const { logins, events } = answerLogins(request, [[USER, 'wrong'], [USER, PASS]])
  const r = await collect(request, { events })
  const info = { isProxy: true, scheme: 'basic', host: '127.0.0.1', port: proxy.port, realm: proxy.realm }
  t.deepEqual(logins, [info, info])
  t.is(r.response.statusCode, 200)
  t.is(srv.seen[0].headers.via, proxy.via)
  t.is(proxy.seen.length, 3)
})

for (const tunnel of [false, true]) {
  test(`should answer a proxy's Digest challenge ${tunnel ? 'on CONNECT' : 'for plain http'}`, async (t) => {
    const origin = tunnel
      ? await serveHttps(t, (req, res) => res.end('from origin'))
      : await recordingServer(t)
    const url = tunnel ? `https://127.0.0.1:${origin.port}/d?x=1` : `${origin.url}/d?x=1`
    const { proxy, ses } = await throughProxy(t, `proxy-digest-${tunnel}`, { user: USER, pass: PASS, scheme: 'Digest', keepAlive: true })
    const request = net.request({ url, session: ses })
    const { logins, events } = answerLogins(request, [[USER, PASS]])
    const r = await collect(request, { events })
    t.is(logins.length, 1)
    t.is(logins[0].scheme, 'digest')
    t.is(r.error, null)
    t.is(r.body, 'from origin')
    t.regex(proxy.seen[proxy.seen.length - 1].auth, /^Digest /)
  })
}

test('should deliver the proxy 407 when login is cancelled', async (t) => {
  const srv = await recordingServer(t)
  const { proxy, ses } = await throughProxy(t, 'proxy-auth-cancel', { user: USER, pass: PASS })
  const request = net.request({ url: srv.url, session: ses })
  const { events } = answerLogins(request, [null])
  const r = await collect(request, { events })
  t.is(r.response.statusCode, 407)
  t.is(r.response.headers['proxy-authenticate'], `Basic realm="${proxy.realm}"`)
  t.regex(r.body, /Proxy Authentication Required/)
  t.is(srv.seen.length, 0)
})

test('should fail with net::ERR_TUNNEL_CONNECTION_FAILED when login for a tunnel is cancelled', async (t) => {
  const origin = await serveHttps(t, (req, res) => res.end('secure'))
  const { ses } = await throughProxy(t, 'proxy-auth-connect-cancel', { user: USER, pass: PASS, connectPorts: [origin.port] })
  const request = net.request({ url: `https://127.0.0.1:${origin.port}/`, session: ses })
  const { events } = answerLogins(request, [null])
  const r = await collect(request, { events })
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:login', 'R:error'])
  t.is(r.error.message, 'net::ERR_TUNNEL_CONNECTION_FAILED')
})

test('should send cached proxy credentials pre-emptively until clearAuthCache()', async (t) => {
  const srv = await recordingServer(t)
  const { ses } = await throughProxy(t, 'proxy-auth-cache', { user: USER, pass: PASS })
  const first = net.request({ url: srv.url, session: ses })
  const { logins } = answerLogins(first, [[USER, PASS]])
  await collect(first)
  t.is(logins.length, 1)

  // No 'login' listener: a 407 would be delivered, so a 200 means the proxy took the
  // pre-emptive Proxy-Authorization. `credentials: 'omit'` still uses proxy credentials.
  for (const credentials of [undefined, 'omit']) {
    const request = net.request({ url: `${srv.url}/later`, session: ses, credentials })
    let asked = false
    request.on('login', (info, callback) => { asked = true; callback() })
    const r = await collect(request)
    t.false(asked, `no login (credentials: ${credentials})`)
    t.is(r.response.statusCode, 200, `credentials: ${credentials}`)
  }

  await ses.clearAuthCache()
  const after = net.request({ url: srv.url, session: ses })
  const again = answerLogins(after, [null])
  const r = await collect(after, { events: again.events })
  t.is(again.logins.length, 1, 'login is needed again')
  t.is(r.response.statusCode, 407)
})

test('should not send one proxy\'s credentials to another proxy after a redirect', async (t) => {
  const origin = await serveHttps(t, (req, res) => res.end(`secure ${req.headers['proxy-authorization']}`))
  const start = await listen(t, (req, res) => { res.writeHead(302, { Location: `https://127.0.0.1:${origin.port}/next` }); res.end() })
  const authProxy = await startForwardProxy(t, { user: USER, pass: PASS })
  const otherProxy = await startForwardProxy(t)
  const ses = session.fromPartition('proxy-auth-redirect')
  await ses.setProxy({
    proxyRules: `http=127.0.0.1:${authProxy.port};https=127.0.0.1:${otherProxy.port}`,
    proxyBypassRules: '<-loopback>'
  })
  const request = net.request({ url: start.url, session: ses })
  const { logins, events } = answerLogins(request, [[USER, PASS]])
  const r = await collect(request, { events })
  t.is(logins.length, 1)
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:login', 'R:redirect', 'R:response', 'S:end', 'S:close'])
  t.is(r.body, 'secure undefined')
  t.deepEqual(otherProxy.seen, [{ method: 'CONNECT', target: `127.0.0.1:${origin.port}`, auth: undefined }])
})

test('should fail with net::ERR_PROXY_CONNECTION_FAILED when the proxy is unreachable', async (t) => {
  const srv = await recordingServer(t)
  const port = await freePort() // nothing listens there
  const ses = session.fromPartition('proxy-unreachable')
  await useProxy(ses, port)
  for (const url of [srv.url, 'https://127.0.0.1:1/']) {
    const r = await collect(net.request({ url, session: ses }))
    t.is(r.error && r.error.message, 'net::ERR_PROXY_CONNECTION_FAILED', url)
  }
  t.is(srv.seen.length, 0)
})

test('should fall back to the next proxy of the list when one is unreachable', async (t) => {
  const srv = await recordingServer(t)
  const proxy = await startForwardProxy(t)
  const dead = await freePort()
  const ses = session.fromPartition('proxy-fallback')
  await ses.setProxy({ proxyRules: `127.0.0.1:${dead},127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const viaProxy = await collect(net.request({ url: srv.url, method: 'POST', session: ses }), { body: 'sent again' })
  t.is(viaProxy.error, null)
  t.is(srv.seen[0].headers.via, proxy.via, 'the second proxy of the list was used')
  await ses.setProxy({ proxyRules: `127.0.0.1:${dead},direct://`, proxyBypassRules: '<-loopback>' })
  const direct = await collect(net.request({ url: srv.url, session: ses }))
  t.is(direct.body, 'from origin')
  t.is(srv.seen[1].headers.via, undefined, 'direct:// after the unreachable proxy')
})

test('should fail with net::ERR_TUNNEL_CONNECTION_FAILED when the proxy refuses CONNECT', async (t) => {
  const origin = await serveHttps(t, (req, res) => res.end('secure'))
  // Only another port may be reached through the tunnel: the proxy answers 403.
  const { proxy, ses } = await throughProxy(t, 'proxy-connect-refused', { connectPorts: [origin.port === 1 ? 2 : 1] })
  const r = await collect(net.request({ url: `https://127.0.0.1:${origin.port}/`, session: ses }))
  t.is(r.error && r.error.message, 'net::ERR_TUNNEL_CONNECTION_FAILED')
  t.deepEqual(proxy.seen.map((s) => s.method), ['CONNECT'], 'the proxy was asked for the tunnel')
})

test('should go direct with mode direct after a proxy config, once connections are closed', async (t) => {
  const srv = await recordingServer(t)
  const { proxy, ses } = await throughProxy(t, 'proxy-then-direct')
  await collect(net.request({ url: srv.url, session: ses }))
  t.is(srv.seen[0].headers.via, proxy.via)
  await ses.setProxy({ mode: 'direct', proxyRules: `http://127.0.0.1:${proxy.port}` })
  await ses.closeAllConnections()
  const r = await collect(net.request({ url: srv.url, session: ses }))
  t.is(r.body, 'from origin')
  t.is(srv.seen[1].headers.via, undefined, 'not through the proxy')
})

test('should never proxy loopback destinations without <-loopback>', async (t) => {
  const srv = await recordingServer(t)
  const proxy = await startForwardProxy(t)
  const ses = session.fromPartition('proxy-implicit-bypass')
  await ses.setProxy({ proxyRules: `127.0.0.1:${proxy.port}` })
  const r = await collect(net.request({ url: srv.url, session: ses }))
  t.is(r.body, 'from origin')
  t.is(srv.seen[0].headers.via, undefined)
  t.deepEqual(proxy.seen, [], 'the proxy saw nothing')
})

test('should reject setProxy with an invalid mode with Electron\'s message', async (t) => {
  const ses = session.fromPartition('proxy-invalid-mode')
  await t.throwsAsync(ses.setProxy({ mode: 'bogus' }), {
    instanceOf: Error,
    message: 'Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system'
  })
  // Modes not implemented yet are accepted (and resolve as DIRECT).
  for (const mode of ['system', 'auto_detect', 'pac_script']) {
    await t.notThrowsAsync(ses.setProxy({ mode }))
    t.is(await ses.resolveProxy('http://example.com/'), 'DIRECT', mode)
  }
})

test('should resolve proxies as Electron\'s spec does', async (t) => {
  const ses = session.fromPartition('proxy-resolve')
  t.is(await ses.resolveProxy('http://example.com/'), 'DIRECT', 'no config is direct')
  await ses.setProxy({ proxyRules: 'http=myproxy:80' })
  t.is(await ses.resolveProxy('http://example.com/'), 'PROXY myproxy:80')
  t.is(await ses.resolveProxy('https://example.com/'), 'DIRECT')
  t.is(await ses.resolveProxy('http://localhost/'), 'DIRECT', 'implicit loopback bypass')
  await ses.setProxy({ proxyRules: 'http=myproxy:80', proxyBypassRules: '<-loopback>' })
  t.is(await ses.resolveProxy('http://localhost'), 'PROXY myproxy:80')
  await ses.setProxy({ mode: 'direct', proxyRules: 'http=myproxy:80' })
  t.is(await ses.resolveProxy('http://example.com/'), 'DIRECT')
  await ses.setProxy({ proxyRules: 'http://a:1,socks5://b:2,direct://', proxyBypassRules: '<local>' })
  t.is(await ses.resolveProxy('http://example.com/'), 'PROXY a:1;SOCKS5 b:2;DIRECT')
  t.is(await ses.resolveProxy('http://example/'), 'DIRECT', '<local> matches dotless names')
  await ses.setProxy({ proxyRules: 'http=a:1;https=b:2' })
  t.is(await ses.resolveProxy('https://example.com/'), 'PROXY b:2')
})

test('should not let an https origin behind a tunnel ask for proxy credentials (net::ERR_UNEXPECTED_PROXY_AUTH)', async (t) => {
  // A site that answers 407 inside the tunnel would otherwise get a proxy-password prompt of
  // its own making; Chromium has no proxy auth for tunnelled requests.
  const origin = await serveHttps(t, (req, res) => {
    res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="fake proxy"' })
    res.end('give me your proxy password')
  })
  const { ses } = await throughProxy(t, 'proxy-origin-407', { connectPorts: [origin.port] })
  const request = net.request({ url: `https://127.0.0.1:${origin.port}/`, session: ses })
  const { logins, events } = answerLogins(request, [[USER, PASS]])
  const r = await collect(request, { events })
  t.deepEqual(logins, [], 'no login for the origin\'s 407')
  t.is(r.error && r.error.message, 'net::ERR_UNEXPECTED_PROXY_AUTH')
  t.is(r.response, null)
})

test('should keep credentials answered for one proxy from the proxy setProxy() switched to meanwhile', async (t) => {
  const srv = await recordingServer(t)
  const asking = await startForwardProxy(t, { user: USER, pass: PASS, keepAlive: true })
  const other = await startForwardProxy(t, { keepAlive: true })
  const ses = session.fromPartition('proxy-switch-during-login')
  await useProxy(ses, asking.port)
  const request = net.request({ url: `${srv.url}/x`, session: ses })
  const logins = []
  request.on('login', async (authInfo, respond) => {
    logins.push(authInfo.port)
    await useProxy(ses, other.port)
    respond(USER, PASS)
  })
  const r = await collect(request)
  t.is(r.error, null)
  t.deepEqual(logins, [asking.port])
  t.is(other.seen.length, 1, 'the retry went to the new proxy')
  t.is(other.seen[0].auth, undefined, 'without the credentials meant for the old one')
})

test('should fail with net::ERR_NO_SUPPORTED_PROXIES rather than go direct when no configured proxy is supported', async (t) => {
  const srv = await recordingServer(t)
  const ses = session.fromPartition('proxy-quic-only')
  await ses.setProxy({ proxyRules: 'quic://127.0.0.1:9050', proxyBypassRules: '<-loopback>' })
  const r = await collect(net.request({ url: srv.url, session: ses }))
  t.is(r.error && r.error.message, 'net::ERR_NO_SUPPORTED_PROXIES')
  t.is(srv.seen.length, 0, 'nothing left without the proxy')
  await ses.setProxy({ proxyRules: 'quic://127.0.0.1:9050,direct://', proxyBypassRules: '<-loopback>' })
  const direct = await collect(net.request({ url: srv.url, session: ses }))
  t.is(direct.body, 'from origin', 'an explicit direct:// still goes direct')
})
