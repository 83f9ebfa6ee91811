'use strict'

const crypto = require('node:crypto')
const test = require('ava')
const { net, session } = require('..')
const { listen, collect } = require('./helpers/listen')

const USER = 'user'
const PASS = 'pa:ss wörd'

function basicOk (header) {
  return header === 'Basic ' + Buffer.from(`${USER}:${PASS}`).toString('base64')
}

const REALM = 'the realm'
const OPAQUE = 'xyz'

// An RFC 7616 Digest verifier (qop=auth), written from the RFC rather than from our client. It
// checks the response against the request the server really received (its method and target,
// §3.4.6 `uri`) and that the client echoed the challenge's realm, nonce, opaque and algorithm.
function digestOk (header, req, algorithm, nonce) {
  if (!header || !header.startsWith('Digest ')) return false
  const params = {}
  for (const m of header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) params[m[1]] = m[2] ?? m[3]
  const hash = (s) => crypto.createHash(algorithm === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex')
  const ha1 = hash(`${USER}:${REALM}:${PASS}`)
  const ha2 = hash(`${req.method}:${req.url}`)
  const expected = hash(`${ha1}:${nonce}:${params.nc}:${params.cnonce}:auth:${ha2}`)
  return params.username === USER &&
    params.realm === REALM &&
    params.uri === req.url &&
    params.nonce === nonce &&
    params.opaque === OPAQUE &&
    params.algorithm === algorithm &&
    params.qop === 'auth' &&
    /^[0-9a-f]{8}$/.test(params.nc) &&
    !!params.cnonce &&
    params.response === expected
}

// Requires `scheme` auth on every path; records what each request carried.
async function authServer (t, scheme = 'Basic', algorithm = 'MD5') {
  const seen = []
  const nonce = crypto.randomBytes(8).toString('hex')
  const srv = await listen(t, (req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const auth = req.headers.authorization
      seen.push({ url: req.url, auth, body: Buffer.concat(chunks).toString() })
      const ok = scheme === 'Basic' ? basicOk(auth) : digestOk(auth, req, algorithm, nonce)
      if (ok) return res.end('authenticated')
      const challenge = scheme === 'Basic'
        ? `Basic realm="${REALM}"`
        : `Digest realm="${REALM}", qop="auth", algorithm=${algorithm}, nonce="${nonce}", opaque="${OPAQUE}"`
      res.writeHead(401, { 'WWW-Authenticate': challenge })
      res.end('unauthenticated')
    })
  })
  return { ...srv, seen }
}

test('should emit login with authInfo and retry with Basic credentials', async (t) => {
  const srv = await authServer(t)
  const request = net.request({ url: `${srv.url}/a`, partition: 'auth-basic' })
  let info
  const events = []
  request.on('login', (authInfo, callback) => { events.push('R:login'); info = authInfo; callback(USER, PASS) })
  const r = await collect(request, { events })
  t.deepEqual(info, { isProxy: false, scheme: 'basic', host: '127.0.0.1', port: srv.port, realm: 'the realm' })
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:login', 'R:response', 'S:end', 'S:close'])
  t.is(r.response.statusCode, 200)
  t.is(r.body, 'authenticated')
})

for (const algorithm of ['MD5', 'SHA-256']) {
  test(`should answer a Digest ${algorithm} challenge`, async (t) => {
    const srv = await authServer(t, 'Digest', algorithm)
    const request = net.request({ url: `${srv.url}/dir/page?x=1`, partition: `auth-digest-${algorithm}` })
    let scheme
    request.on('login', (authInfo, callback) => { scheme = authInfo.scheme; callback(USER, PASS) })
    const r = await collect(request)
    t.is(scheme, 'digest')
    t.is(r.response.statusCode, 200)
    t.is(r.body, 'authenticated')
  })
}

test('should re-send the request body with Digest credentials', async (t) => {
  const srv = await authServer(t, 'Digest', 'SHA-256')
  const request = net.request({ method: 'PUT', url: `${srv.url}/upload?id=1`, partition: 'auth-digest-body' })
  request.setHeader('Content-Type', 'text/plain')
  let logins = 0
  request.on('login', (authInfo, callback) => { logins++; callback(USER, PASS) })
  const r = await collect(request, { body: 'the digest body' })
  t.is(logins, 1)
  t.is(r.response.statusCode, 200)
  t.is(r.body, 'authenticated')
  t.deepEqual(srv.seen.map((s) => s.body), ['the digest body', 'the digest body'])
  t.is(srv.seen[0].auth, undefined)
  t.true(srv.seen[1].auth.startsWith('Digest '))
})

test('should re-send the request body with the credentials', async (t) => {
  const srv = await authServer(t)
  const request = net.request({ method: 'POST', url: `${srv.url}/upload`, partition: 'auth-body' })
  request.on('login', (authInfo, callback) => callback(USER, PASS))
  const r = await collect(request, { body: 'the body' })
  t.is(r.body, 'authenticated')
  t.deepEqual(srv.seen.map((s) => s.body), ['the body', 'the body'])
})

test('should deliver the 401 and its body when login is cancelled', async (t) => {
  const srv = await authServer(t)
  const request = net.request({ url: srv.url, partition: 'auth-cancel' })
  request.on('login', (authInfo, callback) => callback())
  const r = await collect(request)
  t.is(r.response.statusCode, 401)
  t.is(r.body, 'unauthenticated')
})

test('should deliver the 401 when nobody listens for login', async (t) => {
  const srv = await authServer(t)
  const r = await collect(net.request({ url: srv.url, partition: 'auth-nolistener' }))
  t.is(r.response.statusCode, 401)
  t.is(srv.seen.length, 1)
})

test('should ask again when the credentials are rejected', async (t) => {
  const srv = await authServer(t)
  const request = net.request({ url: srv.url, partition: 'auth-wrong' })
  let logins = 0
  request.on('login', (authInfo, callback) => {
    logins++
    if (logins === 1) callback(USER, 'wrong')
    else callback(USER, PASS)
  })
  const r = await collect(request)
  t.is(logins, 2)
  t.is(r.body, 'authenticated')
})

test('should never emit login with credentials: omit', async (t) => {
  const srv = await authServer(t)
  const request = net.request({ url: srv.url, credentials: 'omit', partition: 'auth-omit' })
  let logins = 0
  request.on('login', (authInfo, callback) => { logins++; callback(USER, PASS) })
  const r = await collect(request)
  t.is(logins, 0)
  t.is(r.response.statusCode, 401)
})

test('should send cached credentials pre-emptively until clearAuthCache()', async (t) => {
  const srv = await authServer(t)
  const ses = session.fromPartition('auth-cache')
  const first = net.request({ url: `${srv.url}/dir/one`, session: ses })
  first.on('login', (authInfo, callback) => callback(USER, PASS))
  await collect(first)

  const second = net.request({ url: `${srv.url}/dir/two`, session: ses })
  let logins = 0
  second.on('login', () => logins++)
  const r = await collect(second)
  t.is(logins, 0)
  t.is(r.body, 'authenticated')
  t.true(basicOk(srv.seen.at(-1).auth), 'the first try of the second request carried the credentials')
  t.is(srv.seen.length, 3)

  // credentials: 'omit' does not send cached credentials either.
  const omitted = await collect(net.request({ url: `${srv.url}/dir/three`, session: ses, credentials: 'omit' }))
  t.is(omitted.response.statusCode, 401)
  t.is(srv.seen.at(-1).auth, undefined)

  await ses.clearAuthCache()
  const third = net.request({ url: `${srv.url}/dir/four`, session: ses })
  third.on('login', (authInfo, callback) => { logins++; callback(USER, PASS) })
  await collect(third)
  t.is(logins, 1)
})

test('should use credentials from the URL without a login event', async (t) => {
  const srv = await authServer(t)
  const request = net.request({
    url: `http://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${srv.port}/`,
    partition: 'auth-url'
  })
  let logins = 0
  request.on('login', () => logins++)
  const r = await collect(request)
  t.is(logins, 0)
  t.is(r.body, 'authenticated')
})

test('should not send login credentials to another protection space', async (t) => {
  const srv = await authServer(t)
  const other = await listen(t, (req, res) => res.end(String(req.headers.authorization)))
  const ses = session.fromPartition('auth-space')
  const first = net.request({ url: srv.url, session: ses })
  first.on('login', (authInfo, callback) => callback(USER, PASS))
  await collect(first)
  const r = await collect(net.request({ url: other.url, session: ses }))
  t.is(r.body, 'undefined')
})

test('should fail a 407 from a server reached without a proxy with net::ERR_UNEXPECTED_PROXY_AUTH', async (t) => {
  const srv = await listen(t, (req, res) => {
    res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="proxy"' })
    res.end('proxy auth')
  })
  const request = net.request(srv.url)
  let logins = 0
  request.on('login', () => logins++)
  const r = await collect(request)
  t.is(r.error.message, 'net::ERR_UNEXPECTED_PROXY_AUTH')
  t.is(logins, 0)
})

test('should use server credentials with credentials: same-origin only for the origin given', async (t) => {
  const srv = await authServer(t)
  const same = net.request({ url: srv.url, credentials: 'same-origin', origin: srv.url, partition: 'auth-same-origin' })
  let logins = 0
  same.on('login', (authInfo, callback) => { logins++; callback(USER, PASS) })
  t.is((await collect(same)).response.statusCode, 200)
  const other = net.request({ url: srv.url, credentials: 'same-origin', origin: 'http://elsewhere.test', partition: 'auth-same-origin' })
  other.on('login', (authInfo, callback) => { logins++; callback(USER, PASS) })
  const r = await collect(other)
  t.is(r.response.statusCode, 401)
  t.is(logins, 1)
  t.is(srv.seen.at(-1).auth, undefined, 'cached credentials were not sent cross-origin')
})

// Reference §4.1: a success is any response that is not another 401, a redirect included; the
// credentials then go into the auth cache for their protection space.
test('should cache credentials accepted on a redirect and send them pre-emptively later', async (t) => {
  const seen = []
  const srv = await listen(t, (req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization })
    if (req.url === '/open') return res.end('open')
    if (!basicOk(req.headers.authorization)) {
      res.writeHead(401, { 'WWW-Authenticate': `Basic realm="${REALM}"` })
      return res.end('unauthenticated')
    }
    if (req.url === '/dir/login') {
      res.writeHead(302, { Location: '/open' })
      return res.end()
    }
    res.end('authenticated')
  })
  const ses = session.fromPartition('auth-redirect-cache')
  let logins = 0
  const first = net.request({ url: `${srv.url}/dir/login`, session: ses })
  first.on('login', (authInfo, callback) => { logins++; callback(USER, PASS) })
  const r1 = await collect(first)
  t.is(r1.body, 'open')
  t.is(logins, 1)

  const second = net.request({ url: `${srv.url}/dir/page`, session: ses })
  second.on('login', (authInfo, callback) => { logins++; callback(USER, PASS) })
  const r2 = await collect(second)
  t.is(r2.body, 'authenticated')
  t.is(logins, 1, 'no second login')
  t.deepEqual(seen.map((s) => s.url), ['/dir/login', '/dir/login', '/open', '/dir/page'])
  t.true(basicOk(seen.at(-1).auth), 'the first try of the second request carried the credentials')
})

// Reference §4.1 / §7.1: under credentials: 'omit' no server credentials are used, the URL's
// included; the 401 is delivered.
test('should not use credentials from the URL with credentials: omit', async (t) => {
  const srv = await authServer(t)
  const request = net.request({
    url: `http://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${srv.port}/`,
    credentials: 'omit',
    partition: 'auth-url-omit'
  })
  let logins = 0
  request.on('login', () => logins++)
  const r = await collect(request)
  t.is(logins, 0)
  t.is(r.response.statusCode, 401)
  t.is(r.body, 'unauthenticated')
  t.deepEqual(srv.seen.map((s) => s.auth), [undefined])
})
