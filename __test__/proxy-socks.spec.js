'use strict'

const { serveHttp2, serveHttps } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const test = require('ava')
const { net, session } = require('..')
const { recordingServer, collect } = require('./helpers/listen')
const { startSocksServer } = require('./helpers/socks-server')
const { freePort } = require('./helpers/forward-proxy')

// The proxies and servers are on 127.0.0.1, which Chromium never proxies unless the bypass rules
// say `<-loopback>` (reference §10).
async function withRules (partition, proxyRules) {
  const ses = session.fromPartition(partition)
  await ses.setProxy({ proxyRules, proxyBypassRules: '<-loopback>' })
  return ses
}

const fetchBody = (url, ses) => collect(net.request({ url, session: ses }))

test('SOCKS5: http origin in origin form, the host name sent for the proxy to resolve', async (t) => {
  const srv = await recordingServer(t, (req, res) => res.end('plain'))
  const socks = await startSocksServer(t)
  const ses = await withRules('socks5-http', `socks5://127.0.0.1:${socks.port}`)
  const r = await fetchBody(`http://localhost:${srv.port}/path?q=1`, ses)
  t.is(r.error, null)
  t.is(r.body, 'plain')
  t.is(srv.seen[0].url, '/path?q=1', 'origin form, as on a direct connection')
  t.is(srv.seen[0].headers['proxy-connection'], undefined)
  t.like(socks.seen[0], { version: 5, addressType: 'domain', host: 'localhost', port: srv.port })
  t.deepEqual(socks.seen[0].methods, [0], 'only "no authentication" is offered')
})

test('SOCKS5: an IP-literal host is sent as a domain name too (Chromium)', async (t) => {
  const srv = await recordingServer(t)
  const socks = await startSocksServer(t)
  const ses = await withRules('socks5-ip', `socks5://127.0.0.1:${socks.port}`)
  const r = await fetchBody(srv.url, ses)
  t.is(r.body, 'ok')
  t.like(socks.seen[0], { version: 5, addressType: 'domain', host: '127.0.0.1' })
})

test('SOCKS4: the name is resolved locally and its IPv4 address sent (no SOCKS4a)', async (t) => {
  const srv = await recordingServer(t)
  const socks = await startSocksServer(t)
  const ses = await withRules('socks4-http', `socks4://127.0.0.1:${socks.port}`)
  const r = await fetchBody(`http://localhost:${srv.port}/four`, ses)
  t.is(r.error, null)
  t.is(r.body, 'ok')
  t.is(srv.seen[0].url, '/four')
  t.like(socks.seen[0], { version: 4, socks4a: false, addressType: 'ipv4', host: '127.0.0.1', port: srv.port, userId: '' })
})

test('`socks=` rules mean SOCKS v4', async (t) => {
  const srv = await recordingServer(t)
  const socks = await startSocksServer(t)
  const ses = await withRules('socks-equals', `socks=127.0.0.1:${socks.port}`)
  const r = await fetchBody(srv.url, ses)
  t.is(r.body, 'ok')
  t.is(socks.seen[0].version, 4)
})

for (const version of [4, 5]) {
  test(`SOCKS${version}: TLS to an https origin through the relay`, async (t) => {
    const origin = await serveHttps(t, (req, res) => res.end(`tls ${req.httpVersion} ${req.url}`))
    const socks = await startSocksServer(t)
    const ses = await withRules(`socks${version}-https`, `socks${version}://127.0.0.1:${socks.port}`)
    const r = await fetchBody(`https://localhost:${origin.port}/s`, ses)
    t.is(r.error, null)
    t.is(r.body, 'tls 1.1 /s')
    t.like(socks.seen[0], version === 4 ? { addressType: 'ipv4', host: '127.0.0.1' } : { addressType: 'domain', host: 'localhost' })
  })

  test(`SOCKS${version}: HTTP/2 to an https origin when ALPN chooses it`, async (t) => {
    const { port } = await serveHttp2(t, (req, res) => res.end(`h${req.httpVersion}`))
    const socks = await startSocksServer(t)
    const ses = await withRules(`socks${version}-h2`, `socks${version}://127.0.0.1:${socks.port}`)
    const r = await fetchBody(`https://127.0.0.1:${port}/`, ses)
    t.is(r.error, null)
    t.is(r.response.httpVersion, '2.0')
    t.is(r.body, 'h2.0')
    t.is(socks.seen.length, 1)
  })
}

// Refusals as Chromium names them (socks_client_socket.cc, socks5_client_socket.cc,
// proxy_fallback.cc). The only proxy of the list: its own error is the request's.
const refusals = [
  ['socks4', { reply: 91 }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks4', { reply: 93 }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  // 92 is Chromium's "host unreachable", which CanFalloverToNextProxy reports as
  // ERR_ADDRESS_UNREACHABLE.
  ['socks4', { reply: 92 }, 'net::ERR_ADDRESS_UNREACHABLE'],
  ['socks4', { closeDuringHandshake: true }, 'net::ERR_CONNECTION_CLOSED'],
  ['socks5', { reply: 1 }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks5', { reply: 4 }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks5', { method: 0xff }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks5', { method: 2 }, 'net::ERR_SOCKS_CONNECTION_FAILED'],
  ['socks5', { closeDuringHandshake: true }, 'net::ERR_SOCKS_CONNECTION_FAILED']
]
for (const [scheme, options, expected] of refusals) {
  test(`${scheme} ${JSON.stringify(options)} fails with ${expected}`, async (t) => {
    const srv = await recordingServer(t)
    const socks = await startSocksServer(t, options)
    const ses = await withRules(`refusal-${scheme}-${JSON.stringify(options)}`, `${scheme}://127.0.0.1:${socks.port}`)
    const r = await fetchBody(srv.url, ses)
    t.is(r.error && r.error.message, expected)
    t.is(r.response, null)
    t.is(socks.connections, 1)
    t.is(srv.seen.length, 0, 'nothing reached the origin')
  })
}

test('an unreachable SOCKS proxy fails with net::ERR_PROXY_CONNECTION_FAILED', async (t) => {
  const ses = await withRules('socks-unreachable', `socks5://127.0.0.1:${await freePort()}`)
  const r = await fetchBody('http://127.0.0.1:1/', ses)
  t.is(r.error && r.error.message, 'net::ERR_PROXY_CONNECTION_FAILED')
})

test('a refusing SOCKS proxy falls back to the next of the list', async (t) => {
  const srv = await recordingServer(t)
  const refusing = await startSocksServer(t, { reply: 1 })
  const good = await startSocksServer(t)
  const ses = await withRules('socks-fallback', `socks5://127.0.0.1:${refusing.port},socks4://127.0.0.1:${good.port}`)
  const r = await fetchBody(srv.url, ses)
  t.is(r.body, 'ok')
  t.is(refusing.seen.length, 1)
  t.is(good.seen.length, 1, 'the second proxy carried the request')
})

test('a SOCKS4 "host unreachable" does not fall back (ERR_ADDRESS_UNREACHABLE)', async (t) => {
  const srv = await recordingServer(t)
  const unreachable = await startSocksServer(t, { reply: 92 })
  const next = await startSocksServer(t)
  const ses = await withRules('socks-no-fallback', `socks4://127.0.0.1:${unreachable.port},socks5://127.0.0.1:${next.port}`)
  const r = await fetchBody(srv.url, ses)
  t.is(r.error && r.error.message, 'net::ERR_ADDRESS_UNREACHABLE')
  t.is(next.connections, 0, 'the next proxy was not tried')
})

test('a proxy that failed is tried last by later requests, until setProxy() again', async (t) => {
  const srv = await recordingServer(t)
  const bad = await startSocksServer(t, { reply: 1 })
  const good = await startSocksServer(t)
  const rules = `socks5://127.0.0.1:${bad.port},socks5://127.0.0.1:${good.port}`
  const ses = await withRules('socks-retry-info', rules)
  const first = await fetchBody(srv.url, ses)
  t.is(first.body, 'ok')
  t.is(bad.connections, 1)
  await ses.closeAllConnections()
  const second = await fetchBody(srv.url, ses)
  t.is(second.body, 'ok')
  t.is(bad.connections, 1, 'the bad proxy saw no second connection attempt')
  t.is(good.seen.length, 2)
  // A new configuration forgets the retry info (Chromium's ResetProxyConfig).
  await ses.setProxy({ proxyRules: rules, proxyBypassRules: '<-loopback>' })
  await ses.closeAllConnections()
  const third = await fetchBody(srv.url, ses)
  t.is(third.body, 'ok')
  t.is(bad.connections, 2, 'tried first again')
})

test('a proxy that failed is bad for the session only: others still try it first', async (t) => {
  const srv = await recordingServer(t)
  const bad = await startSocksServer(t, { reply: 1 })
  const rules = `socks5://127.0.0.1:${bad.port},direct://`
  const ses = await withRules('socks-retry-a', rules)
  const other = await withRules('socks-retry-b', rules)
  t.is((await fetchBody(srv.url, ses)).body, 'ok')
  t.is((await fetchBody(srv.url, ses)).body, 'ok')
  t.is(bad.connections, 1, 'direct:// went ahead of the bad proxy')
  t.is((await fetchBody(srv.url, other)).body, 'ok')
  t.is(bad.connections, 2, 'the other session tried it')
})
