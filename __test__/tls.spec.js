'use strict'

const { certs } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const https = require('node:https')
const http2 = require('node:http2')
const tls = require('node:tls')
const test = require('ava')
const { net } = require('..')
const { collect } = require('./helpers/listen')
const { observe, expectHealthy, expectEvents, KINDS: FAULT_KINDS, ORDERS } = require('./helpers/raw-server')

// Listens on 127.0.0.1; teardown destroys open connections (our pool keeps them alive, and
// an HTTP/2 server's close() waits for its sessions).
async function serve (t, server) {
  const open = new Set()
  const track = (x) => { open.add(x); x.on('close', () => open.delete(x)) }
  server.on('connection', track)
  server.on('secureConnection', track)
  server.on('session', track)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => {
    for (const x of open) x.destroy()
    server.close(() => resolve())
  }))
  return `https://127.0.0.1:${server.address().port}`
}

function httpsServer (t, cert, handler = (req, res) => res.end(`tls ${req.httpVersion}`)) {
  return serve(t, https.createServer({ ...cert }, handler))
}

test('should trust a CA from NODE_EXTRA_CA_CERTS and speak HTTP/1.1 over TLS', async (t) => {
  const url = await httpsServer(t, certs.valid)
  const r = await collect(net.request(url))
  t.is(r.error, null)
  t.is(r.body, 'tls 1.1')
  t.is(r.response.httpVersion, '1.1')
})

const failures = [
  ['an untrusted self-signed certificate', certs.selfSigned, 'net::ERR_CERT_AUTHORITY_INVALID'],
  ['an expired certificate', certs.expired, 'net::ERR_CERT_DATE_INVALID'],
  ['a certificate for another name', certs.wrongName, 'net::ERR_CERT_COMMON_NAME_INVALID']
]
const KINDS = {
  GET: {},
  'buffered POST': { method: 'POST', body: 'x'.repeat(1000) },
  'chunked POST': { method: 'POST', body: 'x'.repeat(1000), chunked: true }
}
for (const [what, cert, message] of failures) {
  for (const [kind, { method, body, chunked }] of Object.entries(KINDS)) {
    test(`should refuse ${what} with ${message} (${kind})`, async (t) => {
      let reached = false
      const url = await httpsServer(t, cert, (req, res) => { reached = true; res.end() })
      const r = await observe(net.request({ url, method }), { body, chunked })
      t.is(r.error && r.error.message, message)
      t.is(r.errors, 1, 'one error')
      expectEvents(t, r, chunked ? ORDERS.failedDuringUpload : ORDERS.failedBeforeHeaders)
      t.false(reached)
      // The process is healthy: a good TLS request right after succeeds.
      const good = await httpsServer(t, certs.valid)
      t.is((await collect(net.request(good))).body, 'tls 1.1')
    })
  }
}

// Handshake failures below TLS: each against every body kind, with one exact error, Electron's
// event order (B, or C for a chunked upload that never got a connection), one 'close' and nothing
// after it, and a healthy process afterwards.
const HANDSHAKE_FAILURES = [
  ['a server that only speaks TLS 1.0', 'net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH',
    () => https.createServer({ ...certs.valid, minVersion: 'TLSv1', maxVersion: 'TLSv1' }, (req, res) => res.end())],
  ['plain HTTP on an https URL', 'net::ERR_SSL_PROTOCOL_ERROR',
    () => require('node:net').createServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))],
  ['a server that closes during the handshake', 'net::ERR_CONNECTION_CLOSED',
    () => require('node:net').createServer((s) => s.once('data', () => s.end()))]
]
for (const [what, message, makeServer] of HANDSHAKE_FAILURES) {
  for (const [kind, make] of Object.entries(FAULT_KINDS)) {
    test(`should fail ${what} with ${message} (${kind})`, async (t) => {
      const url = await serve(t, makeServer())
      const { options, body, chunked } = make()
      const r = await observe(net.request({ ...options, url }), { body, chunked })
      t.is(r.error && r.error.message, message)
      t.is(r.errors, 1, 'one error')
      expectEvents(t, r, chunked ? ORDERS.failedDuringUpload : ORDERS.failedBeforeHeaders)
      await expectHealthy(t)
      const good = await httpsServer(t, certs.valid)
      t.is((await collect(net.request(good))).body, 'tls 1.1')
    })
  }
}

test('should negotiate HTTP/2 by ALPN and report httpVersion 2.0', async (t) => {
  let seen
  const server = http2.createSecureServer({ ...certs.valid }, (req, res) => {
    seen = req.headers
    res.setHeader('X-Reply', 'yes')
    res.end(`h2 ${req.httpVersion}`)
  })
  const url = await serve(t, server)
  const request = net.request({ url: `${url}/path?q=1`, priority: 'highest', headers: { 'X-Custom': 'value' } })
  const r = await collect(request)
  t.is(r.error, null)
  t.is(r.body, 'h2 2.0')
  t.is(r.response.httpVersion, '2.0')
  t.is(r.response.httpVersionMajor, 2)
  t.is(r.response.statusMessage, '')
  t.is(r.response.headers['x-reply'], 'yes')
  t.is(seen[':path'], '/path?q=1')
  t.is(seen['x-custom'], 'value')
  t.is(seen.priority, 'u=0, i')
})

test('should send priority u=4, i by default over HTTP/2 and none for lowest without incremental', async (t) => {
  const seen = []
  const server = http2.createSecureServer({ ...certs.valid }, (req, res) => { seen.push(req.headers.priority); res.end() })
  const url = await serve(t, server)
  await collect(net.request(url))
  await collect(net.request({ url, priority: 'lowest', priorityIncremental: false }))
  await collect(net.request({ url, priority: 'throttled', priorityIncremental: false }))
  t.deepEqual(seen, ['u=4, i', undefined, 'u=5'])
})

test('should upload buffered and chunked bodies over HTTP/2', async (t) => {
  const server = http2.createSecureServer({ ...certs.valid }, (req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => res.end(`${req.method} ${Buffer.concat(chunks).length}`))
  })
  const url = await serve(t, server)
  const buffered = await collect(net.request({ method: 'POST', url }), { body: 'x'.repeat(100000) })
  t.is(buffered.body, 'POST 100000')
  const chunked = await collect(net.request({ method: 'POST', url }), { body: 'y'.repeat(70000), chunked: true })
  t.is(chunked.body, 'POST 70000')
})

test('should use HTTP/1.1 when the TLS server offers no h2', async (t) => {
  const server = https.createServer({ ...certs.valid, ALPNProtocols: ['http/1.1'] },
    (req, res) => res.end(req.httpVersion))
  const url = await serve(t, server)
  const r = await collect(net.request(url))
  t.is(r.body, '1.1')
})

test('should keep TLS verification on: a raw TLS server with an unknown CA never gets a request', async (t) => {
  let data = false
  const server = tls.createServer({ ...certs.selfSigned }, (s) => s.on('data', () => { data = true }))
  const url = await serve(t, server)
  const r = await collect(net.request(url))
  t.is(r.error.message, 'net::ERR_CERT_AUTHORITY_INVALID')
  t.false(data)
})

test('should deliver a large HTTP/2 body intact, coalescing its small DATA frames', async (t) => {
  const payload = Buffer.alloc(8 * 1024 * 1024)
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 13) & 0xff
  const server = http2.createSecureServer({ ...certs.valid }, (req, res) => res.end(payload))
  const url = await serve(t, server)
  const chunks = []
  await new Promise((resolve) => {
    net.request(url, (response) => {
      response.on('data', (c) => chunks.push(c))
      response.on('end', resolve)
    }).end()
  })
  t.true(Buffer.concat(chunks).equals(payload))
  t.true(chunks.length < payload.length / (16 * 1024), `${chunks.length} chunks for 512 frames`)
})
