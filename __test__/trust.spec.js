'use strict'
/* eslint-disable n/no-callback-literal -- Electron's verify callback takes a net error code */

// Session trust and TLS settings (reference §10): ses.setCertificateVerifyProc with Electron's
// request and Certificate objects (spec/api-session-spec.ts "ses.setCertificateVerifyProc"),
// ses.setSSLConfig (spec "ses.setSSLConfig()"), and the name of a certificate with several faults
// as Chromium's MapCertStatusToNetError gives it (net/cert/cert_status_flags.cc). Real node:https
// servers on 127.0.0.1 with certificates made at test time (helpers/tls.js).

const { certs } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const https = require('node:https')
const crypto = require('node:crypto')
const test = require('ava')
const { net, session, inflightCount } = require('..')
const { collect } = require('./helpers/listen')

async function serve (t, options, handler = (req, res) => res.end('ok')) {
  const server = https.createServer(options, handler)
  const open = new Set()
  server.on('secureConnection', (s) => { open.add(s); s.on('close', () => open.delete(s)) })
  let handshakes = 0
  let resumed = 0
  server.on('secureConnection', (s) => { handshakes++; if (s.isSessionReused()) resumed++ })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => {
    for (const s of open) s.destroy()
    server.close(() => resolve())
  }))
  return { url: `https://127.0.0.1:${server.address().port}/`, handshakes: () => handshakes, resumed: () => resumed }
}

let partitions = 0
const freshSession = () => session.fromPartition(`trust-${process.pid}-${++partitions}`)
const get = (url, ses) => collect(net.request({ url, session: ses }))

// --- Certificate error precedence (no proc) --------------------------------------------------

const PRECEDENCE = [
  ['untrusted and expired', certs.untrustedExpired, 'net::ERR_CERT_AUTHORITY_INVALID'],
  ['trusted and expired', certs.expired, 'net::ERR_CERT_DATE_INVALID'],
  ['untrusted with the wrong name', certs.untrustedWrongName, 'net::ERR_CERT_AUTHORITY_INVALID'],
  ['trusted with the wrong name', certs.wrongName, 'net::ERR_CERT_COMMON_NAME_INVALID'],
  ['trusted, expired and with the wrong name', certs.expiredWrongName, 'net::ERR_CERT_COMMON_NAME_INVALID']
]
for (const [what, cert, expected] of PRECEDENCE) {
  test(`a certificate ${what} fails with ${expected}, as Chromium orders the faults`, async (t) => {
    const { url } = await serve(t, cert)
    t.is((await get(url, freshSession())).error?.message, expected)
  })
  test(`the verify proc sees ${expected} for a certificate ${what}`, async (t) => {
    const { url } = await serve(t, cert)
    const ses = freshSession()
    const seen = []
    ses.setCertificateVerifyProc((request, callback) => { seen.push(request); callback(-3) })
    t.is((await get(url, ses)).error?.message, expected)
    t.is(seen.length, 1)
    t.is(seen[0].verificationResult, expected)
    t.is(seen[0].errorCode, { 'net::ERR_CERT_AUTHORITY_INVALID': -202, 'net::ERR_CERT_DATE_INVALID': -201, 'net::ERR_CERT_COMMON_NAME_INVALID': -200 }[expected])
  })
}

// --- setCertificateVerifyProc ----------------------------------------------------------------

test('setCertificateVerifyProc refuses anything but null or a function with Electron\'s TypeError', (t) => {
  const ses = freshSession()
  for (const value of [1, 'x', {}, undefined, true]) {
    t.throws(() => ses.setCertificateVerifyProc(value), { instanceOf: TypeError, message: 'Must pass null or function' })
  }
  t.notThrows(() => ses.setCertificateVerifyProc(null))
  t.notThrows(() => ses.setCertificateVerifyProc(() => {}))
})

test('callback(0) trusts an untrusted chain; the proc gets Electron\'s request and Certificate', async (t) => {
  const { url } = await serve(t, certs.untrustedChain)
  const ses = freshSession()
  let seen
  ses.setCertificateVerifyProc((request, callback) => { seen = request; callback(0) })
  const r = await get(url, ses)
  t.is(r.error, null)
  t.is(r.body, 'ok')
  t.is(seen.hostname, '127.0.0.1')
  t.is(seen.verificationResult, 'net::ERR_CERT_AUTHORITY_INVALID')
  t.is(seen.errorCode, -202)
  t.false(seen.isIssuedByKnownRoot)
  const c = seen.certificate
  t.is(c.subjectName, '127.0.0.1')
  t.is(c.subject.commonName, '127.0.0.1')
  t.is(c.issuerName, 'Untrusted Intermediate')
  t.deepEqual(c.issuer.organizations, ['electron-net-rs'])
  t.is(c.issuerCert.subject.commonName, 'Untrusted Intermediate')
  t.is(c.issuerCert.issuer.commonName, 'Untrusted Root')
  t.deepEqual(c.issuerCert.issuer, {
    commonName: 'Untrusted Root', organizations: ['electron-net-rs'], organizationUnits: ['tests'], locality: 'Here', state: 'State', country: 'FR'
  })
  t.is(c.issuerCert.issuerCert, undefined, 'the root was not presented')
  // The leaf as node:crypto reads it.
  const leafPem = certs.untrustedChain.cert.toString().split(/(?<=-----END CERTIFICATE-----\n)/)[0]
  const x509 = new crypto.X509Certificate(leafPem)
  t.is(c.data, leafPem)
  t.is(c.fingerprint, 'sha256/' + crypto.createHash('sha256').update(x509.raw).digest('base64'))
  t.is(c.serialNumber.replace(/^0+/, ''), x509.serialNumber.toUpperCase().replace(/^0+/, ''))
  t.is(c.validStart, Date.parse(x509.validFrom) / 1000)
  t.is(c.validExpiry, Date.parse(x509.validTo) / 1000)
  t.is(seen.validatedCertificate.fingerprint, c.fingerprint)
})

test('a valid certificate reaches the proc as net::OK with errorCode 0', async (t) => {
  const { url } = await serve(t, certs.valid)
  const ses = freshSession()
  let seen
  ses.setCertificateVerifyProc((request, callback) => { seen = request; callback(-3) })
  t.is((await get(url, ses)).body, 'ok')
  t.is(seen.verificationResult, 'net::OK')
  t.is(seen.errorCode, 0)
  t.is(seen.certificate.issuerName, 'electron-net-rs test CA')
  t.is(seen.certificate.issuerCert, undefined, 'the server presented the leaf alone')
})

test('callback(-2) rejects with net::ERR_FAILED before anything is sent', async (t) => {
  let reached = false
  const { url } = await serve(t, certs.valid, (req, res) => { reached = true; res.end() })
  const ses = freshSession()
  ses.setCertificateVerifyProc((request, callback) => callback(-2))
  const r = await get(url, ses)
  t.is(r.error?.message, 'net::ERR_FAILED')
  t.false(reached)
})

test('callback(-3) keeps the default verdict, and another code fails with that code\'s name', async (t) => {
  const bad = await serve(t, certs.untrustedChain)
  const good = await serve(t, certs.valid)
  const ses = freshSession()
  ses.setCertificateVerifyProc((request, callback) => callback(-3))
  t.is((await get(bad.url, ses)).error?.message, 'net::ERR_CERT_AUTHORITY_INVALID')
  t.is((await get(good.url, ses)).body, 'ok')
  const other = freshSession()
  other.setCertificateVerifyProc((request, callback) => callback(-201))
  t.is((await get(good.url, other)).error?.message, 'net::ERR_CERT_DATE_INVALID')
})

test('verdicts are cached (one call for two loads) and forgotten when the proc changes', async (t) => {
  const { url } = await serve(t, certs.untrustedChain)
  const ses = freshSession()
  let calls = 0
  const proc = (request, callback) => { calls++; callback(-2) }
  ses.setCertificateVerifyProc(proc)
  t.is((await get(url, ses)).error?.message, 'net::ERR_FAILED')
  t.is((await get(url + 'test', ses)).error?.message, 'net::ERR_FAILED')
  t.is(calls, 1)
  ses.setCertificateVerifyProc(proc)
  t.is((await get(url, ses)).error?.message, 'net::ERR_FAILED')
  t.is(calls, 2)
})

test('the proc is per session, and null restores the default', async (t) => {
  const { url } = await serve(t, certs.untrustedChain)
  const trusting = freshSession()
  trusting.setCertificateVerifyProc((request, callback) => callback(0))
  t.is((await get(url, trusting)).body, 'ok')
  t.is((await get(url, freshSession())).error?.message, 'net::ERR_CERT_AUTHORITY_INVALID')
  t.is((await get(url, session.defaultSession)).error?.message, 'net::ERR_CERT_AUTHORITY_INVALID')
  trusting.setCertificateVerifyProc(null)
  t.is((await get(url, trusting)).error?.message, 'net::ERR_CERT_AUTHORITY_INVALID')
})

test('a pooled connection is not used again once the proc changes', async (t) => {
  const server = await serve(t, certs.valid)
  const ses = freshSession()
  t.is((await get(server.url, ses)).body, 'ok')
  t.is((await get(server.url, ses)).body, 'ok')
  t.is(server.handshakes(), 1, 'the second request reused the connection')
  ses.setCertificateVerifyProc((request, callback) => callback(-2))
  t.is((await get(server.url, ses)).error?.message, 'net::ERR_FAILED')
  t.is(server.handshakes(), 2)
})

test('does not cancel requests in other sessions (spec)', async (t) => {
  const { url } = await serve(t, certs.untrustedChain, (req, res) => setTimeout(() => res.end('late'), 200))
  const ses1 = freshSession()
  ses1.setCertificateVerifyProc((opts, cb) => cb(0))
  const ses2 = freshSession()
  const pending = get(url, ses1)
  setTimeout(() => ses2.setCertificateVerifyProc((opts, cb) => cb(0)), 50)
  const r = await pending
  t.is(r.error, null)
  t.is(r.body, 'late')
})

test('a proc that never calls back leaves the request waiting until it is aborted', async (t) => {
  const { url } = await serve(t, certs.valid)
  const ses = freshSession()
  let late
  let asked
  const askedPromise = new Promise((resolve) => { asked = resolve })
  ses.setCertificateVerifyProc((request, callback) => { late = callback; asked() })
  const request = net.request({ url, session: ses })
  const events = []
  for (const name of ['response', 'error', 'abort']) request.on(name, () => events.push(name))
  request.end()
  await askedPromise
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.deepEqual(events, [], 'still waiting for the proc')
  t.true(inflightCount() > 0)
  const aborted = new Promise((resolve) => request.on('abort', resolve))
  request.abort()
  await aborted
  // The request's task ended (it no longer waits for the proc).
  for (let i = 0; i < 100 && inflightCount() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.is(inflightCount(), 0)
  // Answering afterwards changes nothing, and a second answer throws as Electron's does.
  t.notThrows(() => late(0))
  t.throws(() => late(0), { instanceOf: TypeError, message: 'One-time callback was called more than once' })
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.deepEqual(events, ['abort'])
})

// --- setSSLConfig ----------------------------------------------------------------------------

test('setSSLConfig refuses versions and suites Electron\'s converter refuses', (t) => {
  const ses = freshSession()
  const failure = { instanceOf: TypeError, message: 'Error processing argument at index 0, conversion failure from ' }
  t.throws(() => ses.setSSLConfig({ minVersion: 'tls1' }), failure)
  t.throws(() => ses.setSSLConfig({ minVersion: 'tls1.1' }), failure)
  t.throws(() => ses.setSSLConfig({ maxVersion: 'tls1.1' }), failure)
  t.throws(() => ses.setSSLConfig({ maxVersion: 'TLSv1.3' }), failure)
  t.throws(() => ses.setSSLConfig({ disabledCipherSuites: 0x009c }), failure)
  t.throws(() => ses.setSSLConfig('tls1.2'), { instanceOf: TypeError, message: 'Error processing argument at index 0, conversion failure from tls1.2' })
  t.notThrows(() => ses.setSSLConfig({ minVersion: 'tls1.2', maxVersion: 'tls1.3', disabledCipherSuites: [] }))
})

const TLS13_ONLY = { ...certs.valid, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }
const TLS12_ONLY = { ...certs.valid, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }

test('maxVersion tls1.2 against a TLS 1.3-only server fails; the default works', async (t) => {
  const { url } = await serve(t, TLS13_ONLY)
  const ses = freshSession()
  t.is((await get(url, ses)).body, 'ok')
  ses.setSSLConfig({ maxVersion: 'tls1.2' })
  t.is((await get(url, ses)).error?.message, 'net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH')
  ses.setSSLConfig({})
  t.is((await get(url, ses)).body, 'ok')
})

test('minVersion tls1.3 against a TLS 1.2-only server fails; the default works', async (t) => {
  const { url } = await serve(t, TLS12_ONLY)
  const ses = freshSession()
  t.is((await get(url, ses)).body, 'ok')
  ses.setSSLConfig({ minVersion: 'tls1.3' })
  t.is((await get(url, ses)).error?.message, 'net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH')
})

test('disabling every suite a TLS 1.2 server has fails; TLS 1.3 suites cannot be disabled, as in Chromium', async (t) => {
  const { url } = await serve(t, TLS12_ONLY)
  const ses = freshSession()
  t.is((await get(url, ses)).body, 'ok')
  ses.setSSLConfig({ disabledCipherSuites: [0xc02b] }) // ECDHE-ECDSA-AES128-GCM-SHA256
  t.is((await get(url, ses)).error?.message, 'net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH')
  const tls13 = await serve(t, TLS13_ONLY)
  const other = freshSession()
  other.setSSLConfig({ disabledCipherSuites: [0x1301, 0x1302, 0x1303] })
  t.is((await get(tls13.url, other)).body, 'ok')
})

test('terminating a worker whose request waits for its verify proc harms nothing', async (t) => {
  const { runNode } = require('./helpers/child')
  const r = await runNode([require('node:path').join(__dirname, 'fixtures', 'trust-worker-terminate.js')])
  t.is(r.signal, null, `crashed: ${r.signal}\n${r.stderr}`)
  t.false(r.killed, 'still alive after 15 s')
  t.deepEqual(r.output, { stage: 'done', asked: true, main: 200 }, r.stderr)
  t.is(r.code, 0, r.stderr)
})

test('a resumed TLS session is verified by the new proc too', async (t) => {
  // Connection: close makes every request a new connection, which resumes the TLS session. TLS
  // 1.2: its ticket comes within the handshake (a TLS 1.3 ticket comes after it, and a closing
  // connection may never read it).
  const server = await serve(t, { ...certs.untrustedChain, maxVersion: 'TLSv1.2' }, (req, res) => { res.setHeader('connection', 'close'); res.end('ok') })
  // rustls keeps one ticket per server name, and every other test here talks to 127.0.0.1 at the
  // same time: this one uses localhost (also in the certificate) so that its ticket stays.
  const url = server.url.replace('127.0.0.1', 'localhost')
  const ses = freshSession()
  const seen = []
  ses.setCertificateVerifyProc((request, callback) => { seen.push(request); callback(0) })
  t.is((await get(url, ses)).body, 'ok')
  t.is((await get(url, ses)).body, 'ok')
  ses.setCertificateVerifyProc((request, callback) => { seen.push(request); callback(-2) })
  t.is((await get(url, ses)).error?.message, 'net::ERR_FAILED')
  t.is(seen.length, 2)
  t.is(seen[1].certificate.issuerName, 'Untrusted Intermediate', 'the resumed session still shows its chain')
  t.is(server.handshakes(), 3)
  t.true(server.resumed() >= 1, 'a TLS session was resumed')
})
