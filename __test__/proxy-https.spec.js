'use strict'

const { certs, serveHttp2, serveHttps } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const test = require('ava')
const { net, session } = require('..')
const { recordingServer, collect } = require('./helpers/listen')
const { startForwardProxy, answerLogins } = require('./helpers/forward-proxy')

const USER = 'user'
const PASS = 'pass'

// An HTTPS proxy (TLS to the proxy, certificate from the test CA) and a session using it; the
// servers are on 127.0.0.1, so `<-loopback>` (reference §10).
async function throughHttpsProxy (t, partition, options = {}) {
  const proxy = await startForwardProxy(t, { tls: certs.valid, ...options })
  const ses = session.fromPartition(partition)
  await ses.setProxy({ proxyRules: `https://127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  return { proxy, ses }
}

test('resolveProxy reports an https:// proxy as HTTPS', async (t) => {
  const ses = session.fromPartition('https-proxy-resolve')
  await ses.setProxy({ proxyRules: 'https://proxy.test:8443', proxyBypassRules: '<-loopback>' })
  t.is(await ses.resolveProxy('http://example.com/'), 'HTTPS proxy.test:8443')
})

test('http origin: the request in absolute form inside TLS to the proxy', async (t) => {
  const srv = await recordingServer(t, (req, res) => res.end('from origin'))
  const { proxy, ses } = await throughHttpsProxy(t, 'https-proxy-http')
  const r = await collect(net.request({ url: `${srv.url}/p?q=1`, session: ses }))
  t.is(r.error, null)
  t.is(r.body, 'from origin')
  t.deepEqual(proxy.seen, [{ method: 'GET', target: `${srv.url}/p?q=1`, auth: undefined }])
  t.is(proxy.connections, 1, 'one TLS connection to the proxy')
  t.is(srv.seen[0].headers.via, proxy.via)
})

test('https origin: CONNECT inside TLS to the proxy, TLS to the origin inside that', async (t) => {
  const seen = []
  const origin = await serveHttps(t, (req, res) => { seen.push(req.headers); res.end(`tls ${req.httpVersion}`) })
  const { proxy, ses } = await throughHttpsProxy(t, 'https-proxy-connect')
  const r = await collect(net.request({ url: `https://127.0.0.1:${origin.port}/`, session: ses }))
  t.is(r.error, null)
  t.is(r.body, 'tls 1.1')
  t.deepEqual(proxy.seen, [{ method: 'CONNECT', target: `127.0.0.1:${origin.port}`, auth: undefined }])
  t.is(seen[0].via, undefined, 'the tunnel passes the request through')
})

test('https origin: HTTP/2 through the tunnel of an HTTPS proxy', async (t) => {
  const { port } = await serveHttp2(t, (req, res) => res.end(`h${req.httpVersion}`))
  const { proxy, ses } = await throughHttpsProxy(t, 'https-proxy-h2')
  const r = await collect(net.request({ url: `https://127.0.0.1:${port}/`, session: ses }))
  t.is(r.error, null)
  t.is(r.response.httpVersion, '2.0')
  t.is(proxy.seen[0].method, 'CONNECT')
})

test('proxy auth through an HTTPS proxy: login with isProxy, then the credentials (absolute form)', async (t) => {
  const srv = await recordingServer(t, (req, res) => res.end('from origin'))
  const { proxy, ses } = await throughHttpsProxy(t, 'https-proxy-auth', { user: USER, pass: PASS })
  const request = net.request({ url: `${srv.url}/a`, session: ses })
  const { logins, events } = answerLogins(request, [[USER, PASS]])
  const r = await collect(request, { events })
  t.deepEqual(logins, [{ isProxy: true, scheme: 'basic', host: '127.0.0.1', port: proxy.port, realm: proxy.realm }])
  t.is(r.body, 'from origin')
  t.is(proxy.seen.at(-1).auth, 'Basic ' + Buffer.from(`${USER}:${PASS}`).toString('base64'))
  t.is(srv.seen.length, 1)
  t.is(srv.seen[0].headers['proxy-authorization'], undefined)
})

test('proxy auth through an HTTPS proxy: a 407 to CONNECT, then the tunnel with credentials', async (t) => {
  const seen = []
  const origin = await serveHttps(t, (req, res) => { seen.push(req.headers); res.end('secure') })
  const { proxy, ses } = await throughHttpsProxy(t, 'https-proxy-auth-connect', { user: USER, pass: PASS, scheme: 'Digest' })
  const request = net.request({ url: `https://127.0.0.1:${origin.port}/`, session: ses })
  const { logins, events } = answerLogins(request, [[USER, PASS]])
  const r = await collect(request, { events })
  t.deepEqual(logins, [{ isProxy: true, scheme: 'digest', host: '127.0.0.1', port: proxy.port, realm: proxy.realm }])
  t.is(r.error, null)
  t.is(r.body, 'secure')
  t.deepEqual(proxy.seen.map((s) => s.method), ['CONNECT', 'CONNECT'])
  t.truthy(proxy.seen[1].auth && proxy.seen[1].auth.startsWith('Digest '))
  t.is(seen[0]['proxy-authorization'], undefined, 'proxy credentials never reach the origin')
})

for (const [name, cert] of [['untrusted', certs.selfSigned], ['wrong-name', certs.wrongName], ['expired', certs.expired]]) {
  test(`an HTTPS proxy with an ${name} certificate fails with net::ERR_PROXY_CERTIFICATE_INVALID`, async (t) => {
    const srv = await recordingServer(t)
    const { proxy, ses } = await throughHttpsProxy(t, `https-proxy-bad-cert-${name}`, { tls: cert })
    for (const url of [srv.url, 'https://127.0.0.1:1/']) {
      const r = await collect(net.request({ url, session: ses }))
      t.is(r.error && r.error.message, 'net::ERR_PROXY_CERTIFICATE_INVALID', url)
    }
    t.deepEqual(proxy.seen, [], 'nothing was sent to it')
    t.is(srv.seen.length, 0)
  })
}

test('an HTTPS proxy with a bad certificate falls back to the next proxy of the list', async (t) => {
  const srv = await recordingServer(t)
  const bad = await startForwardProxy(t, { tls: certs.selfSigned })
  const good = await startForwardProxy(t)
  const ses = session.fromPartition('https-proxy-cert-fallback')
  await ses.setProxy({ proxyRules: `https://127.0.0.1:${bad.port},http://127.0.0.1:${good.port}`, proxyBypassRules: '<-loopback>' })
  const r = await collect(net.request({ url: srv.url, session: ses }))
  t.is(r.body, 'ok')
  t.is(good.seen.length, 1)
  t.is(srv.seen[0].headers.via, good.via)
})

test('an http:// proxy is not spoken to with TLS, an https:// one is', async (t) => {
  // The same TLS proxy named as http://: what it reads is not a TLS handshake, so it closes.
  const srv = await recordingServer(t)
  const tlsProxy = await startForwardProxy(t, { tls: certs.valid })
  const ses = session.fromPartition('https-proxy-scheme')
  await ses.setProxy({ proxyRules: `http://127.0.0.1:${tlsProxy.port}`, proxyBypassRules: '<-loopback>' })
  const plain = await collect(net.request({ url: srv.url, session: ses }))
  t.truthy(plain.error, 'plain HTTP to a TLS port fails')
  t.deepEqual(tlsProxy.seen, [])
})
