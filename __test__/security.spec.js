'use strict'

// Credentials go only where they belong: 'login' credentials are scoped to the protection space
// (origin + realm) that asked, sent pre-emptively only below the challenged path, never to
// another origin on a redirect; and no credential ever reaches a log line.

const { execFile } = require('node:child_process')
const path = require('node:path')
const test = require('ava')
const { net } = require('..')
const { listen, collect } = require('./helpers/listen')

const basic = (user, pass) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')

// A server whose protection spaces are given by `realms`: { '/prefix/': [realm, user, pass] }.
// Paths under no prefix need no auth. Records the Authorization each request carried.
async function realmServer (t, realms) {
  const seen = []
  const srv = await listen(t, (req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization })
    const space = Object.entries(realms).find(([prefix]) => req.url.startsWith(prefix))
    if (!space) return res.end('open')
    const [realm, user, pass] = space[1]
    if (req.headers.authorization === basic(user, pass)) return res.end(`in ${realm}`)
    res.writeHead(401, { 'WWW-Authenticate': `Basic realm="${realm}"` })
    res.end('unauthenticated')
  })
  return { ...srv, seen }
}

// Runs a request, answering each 'login' with `answer(authInfo)` ([user, pass] or undefined).
async function withLogin (options, answer) {
  const logins = []
  const request = net.request(options)
  request.on('login', (authInfo, reply) => {
    logins.push(authInfo)
    const creds = answer(authInfo)
    if (creds) reply(creds[0], creds[1])
    else reply()
  })
  const r = await collect(request)
  return { ...r, logins }
}

let partitions = 0
const freshPartition = () => `security-${process.pid}-${partitions++}`

test('should emit a new \'login\' for another realm on the same origin, not reuse the cached credentials', async (t) => {
  const srv = await realmServer(t, { '/a/': ['A', 'alice', 'pass-a'], '/b/': ['B', 'bob', 'pass-b'] })
  const partition = freshPartition()
  const first = await withLogin({ url: `${srv.url}/a/page`, partition }, () => ['alice', 'pass-a'])
  t.is(first.body, 'in A')
  t.deepEqual(first.logins.map((i) => i.realm), ['A'])

  const second = await withLogin({ url: `${srv.url}/b/page`, partition }, (info) => info.realm === 'B' ? ['bob', 'pass-b'] : undefined)
  t.is(second.body, 'in B')
  t.is(second.logins.length, 1, 'one login for realm B')
  t.is(second.logins[0].realm, 'B')
  t.is(second.logins[0].host, '127.0.0.1')
  t.is(second.logins[0].port, srv.port)
  // Realm A's credentials never went to /b/.
  const toB = srv.seen.filter((s) => s.url.startsWith('/b/'))
  t.false(toB.some((s) => s.auth === basic('alice', 'pass-a')), JSON.stringify(toB))
  t.deepEqual(toB.map((s) => s.auth), [undefined, basic('bob', 'pass-b')])
})

test('should send cached \'login\' credentials pre-emptively only below the challenged path', async (t) => {
  const srv = await realmServer(t, { '/dir/': ['R', 'carol', 'pass-c'] })
  const partition = freshPartition()
  const first = await withLogin({ url: `${srv.url}/dir/page`, partition }, () => ['carol', 'pass-c'])
  t.is(first.body, 'in R')
  srv.seen.length = 0

  // Below /dir/: sent pre-emptively, no second 'login', no 401 round trip.
  const below = await withLogin({ url: `${srv.url}/dir/sub/other`, partition }, () => t.fail('no login expected'))
  t.is(below.body, 'in R')
  t.deepEqual(srv.seen, [{ url: '/dir/sub/other', auth: basic('carol', 'pass-c') }])
  srv.seen.length = 0

  // Outside the prefix (same origin): not sent.
  for (const outside of ['/other', '/', '/dirx/page', '/DIR/page']) {
    const r = await withLogin({ url: `${srv.url}${outside}`, partition }, () => undefined)
    t.is(r.error, null)
  }
  t.deepEqual(srv.seen.map((s) => s.auth), [undefined, undefined, undefined, undefined], JSON.stringify(srv.seen))
})

test('should not send \'login\' credentials to another origin on a redirect', async (t) => {
  const other = await listen(t, (req, res) => {
    other.seen.push({ url: req.url, auth: req.headers.authorization })
    res.end('on B')
  })
  other.seen = []
  const srv = await realmServer(t, { '/': ['A', 'dave', 'pass-d'] })
  srv.server.removeAllListeners('request')
  srv.server.on('request', (req, res) => {
    srv.seen.push({ url: req.url, auth: req.headers.authorization })
    if (req.headers.authorization !== basic('dave', 'pass-d')) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="A"' })
      return res.end()
    }
    // 127.0.0.1 -> localhost: another origin (another host, and another port).
    res.writeHead(302, { Location: `http://localhost:${other.port}/landing` })
    res.end()
  })
  const partition = freshPartition()
  const r = await withLogin({ url: `${srv.url}/start`, partition }, () => ['dave', 'pass-d'])
  t.is(r.error, null)
  t.is(r.body, 'on B')
  t.deepEqual(srv.seen.map((s) => s.auth), [undefined, basic('dave', 'pass-d')])
  t.deepEqual(other.seen, [{ url: '/landing', auth: undefined }])

  // Nor later, pre-emptively, to that other origin.
  const again = await withLogin({ url: `http://localhost:${other.port}/again`, partition }, () => undefined)
  t.is(again.body, 'on B')
  t.is(other.seen.at(-1).auth, undefined)
})

test('should write no credential to stdout or stderr', async (t) => {
  const URL_PASS = 'url-secret-7Hq2'
  const LOGIN_PASS = 'login-secret-9Zx4'
  const srv = await listen(t, (req, res) => {
    const ok = [basic('u', URL_PASS), basic('l', LOGIN_PASS)].includes(req.headers.authorization)
    if (!ok) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="R"' })
      return res.end('no')
    }
    if (req.url === '/redirect') {
      res.writeHead(302, { Location: '/done' })
      return res.end()
    }
    res.end('yes')
  })
  const fixture = path.join(__dirname, 'fixtures', 'credentials.js')
  const r = await new Promise((resolve) => {
    execFile(process.execPath, [fixture, srv.url, URL_PASS, LOGIN_PASS], {
      timeout: 15000,
      // Every switch that could make the engine or Node say more.
      env: { ...process.env, RUST_LOG: 'trace', RUST_BACKTRACE: 'full', NODE_DEBUG: 'net,http,tls,stream' }
    }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }))
  })
  t.is(r.code, 0, r.stderr)
  const output = JSON.parse(r.stdout.trim().split('\n').at(-1))
  // The requests really used the credentials (so a leak had the chance to happen).
  t.deepEqual(output.results, ['yes', 'yes', 'yes', 'net::ERR_CONNECTION_REFUSED'])
  for (const secret of [URL_PASS, LOGIN_PASS, Buffer.from(`u:${URL_PASS}`).toString('base64'), Buffer.from(`l:${LOGIN_PASS}`).toString('base64')]) {
    t.false(r.stdout.includes(secret), `stdout has ${secret}`)
    t.false(r.stderr.includes(secret), `stderr has ${secret}`)
  }
})
