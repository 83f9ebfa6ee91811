'use strict'

// Cookies on the wire (reference §7.1 matrix, §6 "Cookies" across redirects, §7.2; issue 18
// "Requests" and the RFC 6265bis rules as Chromium applies them). node:http servers on
// 127.0.0.1; `localhost` names the same servers as another *site* (Chromium's schemeful site of
// http://localhost:P is http://localhost, of http://127.0.0.1:P is http://127.0.0.1; ports do
// not count). Each test has an in-memory partition of its own.
//
// Test list → where it comes from (E-net-session = Electron spec/api-net-session-spec.ts,
// E-net = spec/api-net-spec.ts, I18 = the list, C = Chromium, file named in the test):
//  R1  E-net-session 'should not use the sessions cookie store by default' (sends none)
//  R2  §7.1 / I18 the default stores none; Set-Cookie still in response.headers (E-net 'should be able to receive cookies')
//  R3  E-net-session 'when {useSessionCookies|credentials include} should be able to use the sessions cookie store'
//      (+ §7.1 { useSessionCookies: false, credentials: 'include' } and an unrecognised credentials value)
//  R4  E-net-session '... with set-cookie' (deep-equal Cookie, sameSite 'unspecified')
//  R5  E-net-session '... with same-site Lax / Strict cookies' (second request gets same=site)
//  R6  E-net-session '... safely across redirects' (127.0.0.1 → localhost, no_restriction cookies)
//  R7  E-net 'when {"credentials":"omit"} should not send cookies' / 'should not store cookies' (pending
//      there), and §7.1: omit wins over useSessionCookies
//  R8  §7.1 credentials 'same-origin': cookies only while the URL is same-origin with `origin` [I]
//  R9  E-net-session 'should be able to set cookie header line' + §7.1 the caller's Cookie header sent as given while cookies are off
//  R10 §6 Set-Cookie on a redirect response is stored, and the next hop carries it
//  R11 §6 cookies are looked up again for each hop (path-scoped cookies)
//  R12 §6 SameSite across a redirect to another site: lax / strict / unspecified not sent, no_restriction sent
//  R13 I18 the `origin` option decides the request's initiator: a cross-site origin sends only no_restriction,
//      a same-site origin on another port sends all (C cookie_util.cc ComputeSameSiteContextForRequest)
//  R14 §7.1 Secure cookies go to http://127.0.0.1 and http://localhost; a Secure Set-Cookie from them is kept
//  R15 I18 HttpOnly from a response is visible in ses.cookies.get
//  R16 I18 Max-Age and Expires (Max-Age wins; Max-Age=0 and a past Expires delete)
//  R17 C canonical_cookie.cc CookieSorter: longer paths first, then older first, in the Cookie header
//  R18 C SameSite on set: a cross-site hop's Set-Cookie without SameSite=None is not stored
//  R19 I18 a Set-Cookie for another domain or a public suffix is ignored; the response's other cookies are kept
//  R20 I18 'changed' fires with 'inserted' for a cookie a response set
//  R21 I18 a Set-Cookie with Path is sent only under that path; the default path is the URL's directory
// Skipped: E-net-session 'should share credentials with WebContents' (auth, no WebContents);
// E-session 'should get cookies' is R4 in net.request form.

const test = require('ava')
require('./helpers/user-data')
const { net, session } = require('..')
const { listen, collect } = require('./helpers/listen')

let partitions = 0
const fresh = (name) => session.fromPartition(`cookie-requests-${name}-${++partitions}`)

// A server that records the Cookie header of each request ({ path, cookie }, cookie undefined
// when absent) and answers with handler(req, res). `url` names it as 127.0.0.1, `local` as
// localhost: two sites.
async function cookieServer (t, handler = (req, res) => res.end()) {
  const seen = []
  const srv = await listen(t, (req, res) => {
    seen.push({ path: req.url, cookie: req.headers.cookie })
    handler(req, res)
  })
  return { ...srv, seen, local: `http://localhost:${srv.port}` }
}

const run = (options, extra) => collect(net.request(options), extra)

test('R1 should send no cookies by default (E-net-session)', async (t) => {
  const srv = await cookieServer(t)
  const ses = fresh('default-send')
  await ses.cookies.set({ url: srv.url, name: 'wild_cookie', value: `${Date.now()}` })
  const r = await run({ url: srv.url, session: ses })
  t.is(r.error, null)
  t.deepEqual(srv.seen, [{ path: '/', cookie: undefined }])
})

test('R2 should store no cookies by default but still show Set-Cookie', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    res.setHeader('set-cookie', ['cookie1=1', 'cookie2=2'])
    res.end()
  })
  const ses = fresh('default-store')
  const r = await run({ url: srv.url, session: ses })
  t.deepEqual(r.response.headers['set-cookie'], ['cookie1=1', 'cookie2=2'])
  t.deepEqual(await ses.cookies.get({}), [])
})

const enabling = [
  { useSessionCookies: true },
  { credentials: 'include' },
  { useSessionCookies: false, credentials: 'include' },
  { useSessionCookies: true, credentials: 'unrecognised' }
]

for (const extra of enabling) {
  const when = JSON.stringify(extra)

  test(`R3 should use the session's cookie store when ${when} (E-net-session)`, async (t) => {
    const srv = await cookieServer(t, (req, res) => {
      res.setHeader('x-cookie', `${req.headers.cookie}`)
      res.end()
    })
    const ses = fresh('use-store')
    const value = `${Date.now()}`
    await ses.cookies.set({ url: srv.url, name: 'wild_cookie', value })
    const r = await run({ url: srv.url, session: ses, ...extra })
    t.is(r.response.headers['x-cookie'], `wild_cookie=${value}`)
  })

  test(`R4 should store a Set-Cookie when ${when} (E-net-session "with set-cookie")`, async (t) => {
    const srv = await cookieServer(t, (req, res) => {
      res.setHeader('set-cookie', 'foo=bar')
      res.end()
    })
    const ses = fresh('store')
    t.deepEqual(await ses.cookies.get({}), [])
    await run({ url: `${srv.url}/requestUrl`, session: ses, ...extra })
    t.deepEqual(await ses.cookies.get({}), [{
      name: 'foo',
      value: 'bar',
      domain: '127.0.0.1',
      hostOnly: true,
      path: '/',
      secure: false,
      httpOnly: false,
      session: true,
      sameSite: 'unspecified'
    }])
  })

  for (const mode of ['Lax', 'Strict']) {
    test(`R5 should store and send back a SameSite=${mode} cookie when ${when} (E-net-session)`, async (t) => {
      const srv = await cookieServer(t, (req, res) => {
        res.setHeader('set-cookie', `same=site; SameSite=${mode}`)
        res.setHeader('x-cookie', `${req.headers.cookie}`)
        res.end()
      })
      const ses = fresh(`samesite-${mode}`)
      const first = await run({ url: srv.url, session: ses, ...extra })
      t.is(first.response.headers['x-cookie'], 'undefined')
      t.deepEqual(await ses.cookies.get({}), [{
        name: 'same',
        value: 'site',
        domain: '127.0.0.1',
        hostOnly: true,
        path: '/',
        secure: false,
        httpOnly: false,
        session: true,
        sameSite: mode.toLowerCase()
      }])
      const second = await run({ url: srv.url, session: ses, ...extra })
      t.is(second.response.headers['x-cookie'], 'same=site')
    })
  }

  test(`R6 should look cookies up for the new site across a redirect when ${when} (E-net-session "safely across redirects")`, async (t) => {
    const target = await cookieServer(t, (req, res) => {
      res.setHeader('x-cookie', `${req.headers.cookie}`)
      res.end()
    })
    const start = await cookieServer(t, (req, res) => {
      res.writeHead(302, { 'x-cookie': `${req.headers.cookie}`, location: `${target.local}/landing` })
      res.end()
    })
    const ses = fresh('redirect-sites')
    const stamp = Date.now()
    // Cookies with lax or strict SameSite would not cross to another site: no_restriction does.
    await Promise.all([
      ses.cookies.set({ url: start.url, name: 'wild_cookie', sameSite: 'no_restriction', value: `${stamp}-127` }),
      ses.cookies.set({ url: target.local, name: 'wild_cookie', sameSite: 'no_restriction', value: `${stamp}-local` })
    ])
    const request = net.request({ url: start.url, session: ses, ...extra })
    const redirects = []
    request.on('redirect', (status, method, redirectUrl, headers) => redirects.push(headers['x-cookie'][0]))
    const r = await collect(request)
    t.deepEqual(redirects, [`wild_cookie=${stamp}-127`])
    t.is(r.response.headers['x-cookie'], `wild_cookie=${stamp}-local`)
  })
}

test('R7 should neither send nor store cookies with credentials omit, even with useSessionCookies (E-net pending cases)', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    res.setHeader('set-cookie', 'from=response')
    res.end()
  })
  const ses = fresh('omit')
  await ses.cookies.set({ url: srv.url, name: 'kept', value: 'here' })
  await run({ url: srv.url, session: ses, credentials: 'omit' })
  await run({ url: srv.url, session: ses, credentials: 'omit', useSessionCookies: true })
  t.deepEqual(srv.seen.map((s) => s.cookie), [undefined, undefined], 'not sent')
  t.deepEqual((await ses.cookies.get({})).map((c) => c.name), ['kept'], 'not stored')
})

test('R8 should use cookies with credentials same-origin only when the URL is same-origin with origin', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    res.setHeader('set-cookie', `from=${req.url.slice(1)}`)
    res.end()
  })
  const ses = fresh('same-origin')
  await ses.cookies.set({ url: srv.url, name: 'kept', value: 'here', sameSite: 'no_restriction' })
  await run({ url: `${srv.url}/other`, session: ses, credentials: 'same-origin', origin: 'http://127.0.0.1:1' })
  t.is(srv.seen[0].cookie, undefined, 'another origin (another port): not sent')
  t.deepEqual((await ses.cookies.get({})).map((c) => c.name), ['kept'], 'and not stored')
  await run({ url: `${srv.url}/same`, session: ses, credentials: 'same-origin', origin: srv.url })
  t.is(srv.seen[1].cookie, 'kept=here')
  t.deepEqual((await ses.cookies.get({})).map((c) => c.name).sort(), ['from', 'kept'])
  t.is((await ses.cookies.get({ name: 'from' }))[0].value, 'same')
})

test('R9 should send a caller\'s Cookie header as given while cookies are off (E-net-session "set cookie header line")', async (t) => {
  const srv = await cookieServer(t)
  const ses = fresh('header-line')
  await ses.cookies.set({ url: srv.url, name: 'test', value: '11111', expirationDate: 0 })
  const request = net.request({ method: 'GET', url: srv.url, session: ses })
  request.setHeader('Cookie', 'test=12345')
  t.is(request.getHeader('Cookie'), 'test=12345')
  const r = await collect(request)
  t.is(r.response.statusCode, 200)
  // The same with a live cookie in the store: cookies are off, the store is not consulted.
  await ses.cookies.set({ url: srv.url, name: 'stored', value: '1' })
  await run({ url: srv.url, session: ses, headers: { Cookie: 'a=1; b=2' } })
  t.deepEqual(srv.seen.map((s) => s.cookie), ['test=12345', 'a=1; b=2'])
})

test('R10 should store a Set-Cookie from a redirect response and send it on the next hop', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    if (req.url === '/start') {
      res.writeHead(302, { location: '/landing', 'set-cookie': 'hop=1' })
      return res.end()
    }
    res.end()
  })
  const ses = fresh('redirect-set')
  const r = await run({ url: `${srv.url}/start`, session: ses, useSessionCookies: true })
  t.is(r.error, null)
  t.deepEqual(srv.seen, [{ path: '/start', cookie: undefined }, { path: '/landing', cookie: 'hop=1' }])
  t.deepEqual((await ses.cookies.get({})).map((c) => `${c.name}=${c.value}`), ['hop=1'])
})

test('R10 should not store a redirect\'s Set-Cookie when cookies are off', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    if (req.url === '/start') {
      res.writeHead(302, { location: '/landing', 'set-cookie': 'hop=1' })
      return res.end()
    }
    res.end()
  })
  const ses = fresh('redirect-set-off')
  await run({ url: `${srv.url}/start`, session: ses })
  t.deepEqual(srv.seen.map((s) => s.cookie), [undefined, undefined])
  t.deepEqual(await ses.cookies.get({}), [])
})

test('R11 should look the cookies up again on each hop', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    const next = { '/one/a': '/two/b', '/two/b': '/one/c' }[req.url]
    if (next) {
      res.writeHead(302, { location: next })
      return res.end()
    }
    res.end()
  })
  const ses = fresh('per-hop')
  await ses.cookies.set({ url: `${srv.url}/one/`, name: 'one', value: '1', path: '/one' })
  await ses.cookies.set({ url: `${srv.url}/two/`, name: 'two', value: '2', path: '/two' })
  await run({ url: `${srv.url}/one/a`, session: ses, useSessionCookies: true })
  t.deepEqual(srv.seen, [
    { path: '/one/a', cookie: 'one=1' },
    { path: '/two/b', cookie: 'two=2' },
    { path: '/one/c', cookie: 'one=1' }
  ])
})

test('R12 should send only no_restriction cookies to another site after a redirect', async (t) => {
  const target = await cookieServer(t)
  const start = await cookieServer(t, (req, res) => {
    res.writeHead(302, { location: `${target.local}/landing` })
    res.end()
  })
  const ses = fresh('redirect-samesite')
  for (const [u, host] of [[start.url, 'ip'], [target.local, 'local']]) {
    for (const sameSite of ['unspecified', 'lax', 'strict', 'no_restriction']) {
      await ses.cookies.set({ url: u, name: `${host}_${sameSite}`, value: '1', sameSite })
    }
  }
  await run({ url: start.url, session: ses, useSessionCookies: true })
  const names = (cookie) => (cookie || '').split('; ').map((c) => c.split('=')[0]).sort()
  t.deepEqual(names(start.seen[0].cookie), ['ip_lax', 'ip_no_restriction', 'ip_strict', 'ip_unspecified'], 'same-site first hop: all')
  t.deepEqual(names(target.seen[0].cookie), ['local_no_restriction'], 'cross-site hop: only SameSite=None')
})

test('R13 should decide SameSite from the origin option: cross-site sends only no_restriction', async (t) => {
  const srv = await cookieServer(t)
  const ses = fresh('origin-samesite')
  for (const sameSite of ['unspecified', 'lax', 'strict', 'no_restriction']) {
    await ses.cookies.set({ url: srv.url, name: sameSite, value: '1', sameSite })
  }
  const names = (cookie) => (cookie || '').split('; ').map((c) => c.split('=')[0]).sort()
  await run({ url: srv.url, session: ses, useSessionCookies: true, origin: `http://localhost:${srv.port}` })
  await run({ url: srv.url, session: ses, useSessionCookies: true, origin: 'http://127.0.0.1:1' })
  await run({ url: srv.url, session: ses, useSessionCookies: true })
  t.deepEqual(names(srv.seen[0].cookie), ['no_restriction'], 'initiator on another site')
  t.deepEqual(names(srv.seen[1].cookie), ['lax', 'no_restriction', 'strict', 'unspecified'], 'same site, another port')
  t.deepEqual(names(srv.seen[2].cookie), ['lax', 'no_restriction', 'strict', 'unspecified'], 'no origin: same-site with its own URL')
})

test('R14 should send Secure cookies to loopback over http and keep a Secure Set-Cookie from it', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    if (req.url === '/set') res.setHeader('set-cookie', 'fromresponse=1; Secure')
    res.end()
  })
  const ses = fresh('secure-loopback')
  await ses.cookies.set({ url: srv.url, name: 'ip', value: '1', secure: true })
  await ses.cookies.set({ url: srv.local, name: 'local', value: '1', secure: true })
  await run({ url: `${srv.url}/set`, session: ses, useSessionCookies: true })
  await run({ url: `${srv.url}/again`, session: ses, useSessionCookies: true })
  await run({ url: `${srv.local}/local`, session: ses, useSessionCookies: true })
  t.deepEqual(srv.seen, [
    { path: '/set', cookie: 'ip=1' },
    { path: '/again', cookie: 'ip=1; fromresponse=1' },
    { path: '/local', cookie: 'local=1' }
  ])
  t.true((await ses.cookies.get({ name: 'fromresponse' }))[0].secure)
})

test('R15 should show an HttpOnly cookie from a response in ses.cookies.get', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    res.setHeader('set-cookie', 'h=1; HttpOnly')
    res.end()
  })
  const ses = fresh('httponly')
  await run({ url: srv.url, session: ses, useSessionCookies: true })
  const [c] = await ses.cookies.get({ url: srv.url })
  t.is(c.name, 'h')
  t.true(c.httpOnly)
  t.deepEqual((await ses.cookies.get({ httpOnly: true })).map((x) => x.name), ['h'])
})

test('R16 should honour Max-Age and Expires, Max-Age first, and delete with Max-Age=0 or a past Expires', async (t) => {
  const future = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600 * 1000)
  const srv = await cookieServer(t, (req, res) => {
    const lines = {
      '/set': [
        'age=1; Max-Age=60',
        `expires=1; Expires=${future.toUTCString()}`,
        `both=1; Max-Age=120; Expires=${future.toUTCString()}`,
        'gone1=1; Max-Age=60',
        'gone2=1; Max-Age=60'
      ],
      '/delete': ['gone1=1; Max-Age=0', 'gone2=1; Expires=Thu, 01 Jan 1970 00:00:01 GMT', 'never=1; Max-Age=-5']
    }[req.url]
    res.setHeader('set-cookie', lines)
    res.end()
  })
  const ses = fresh('expiry')
  const before = Date.now() / 1000
  await run({ url: `${srv.url}/set`, session: ses, useSessionCookies: true })
  const after = Date.now() / 1000
  const got = Object.fromEntries((await ses.cookies.get({})).map((c) => [c.name, c]))
  t.deepEqual(Object.keys(got).sort(), ['age', 'both', 'expires', 'gone1', 'gone2'])
  t.false(got.age.session)
  t.true(got.age.expirationDate >= Math.floor(before) + 60 - 1 && got.age.expirationDate <= after + 60 + 1, `Max-Age=60 gave ${got.age.expirationDate - before}`)
  t.is(got.expires.expirationDate, future.getTime() / 1000)
  t.true(got.both.expirationDate >= Math.floor(before) + 120 - 1 && got.both.expirationDate <= after + 120 + 1, 'Max-Age wins over Expires')
  const causes = []
  ses.cookies.on('changed', (event, cookie, cause) => causes.push(`${cookie.name} ${cause}`))
  await run({ url: `${srv.url}/delete`, session: ses, useSessionCookies: true })
  t.deepEqual((await ses.cookies.get({})).map((c) => c.name).sort(), ['age', 'both', 'expires'])
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.deepEqual(causes.sort(), ['gone1 expired-overwrite', 'gone2 expired-overwrite'])
})

test('R17 should order the Cookie header by path length, then by age', async (t) => {
  const srv = await cookieServer(t)
  const ses = fresh('order')
  await ses.cookies.set({ url: srv.url, name: 'old_root', value: '1', path: '/' })
  await ses.cookies.set({ url: srv.url, name: 'deep', value: '1', path: '/a/b' })
  await ses.cookies.set({ url: srv.url, name: 'mid', value: '1', path: '/a' })
  await ses.cookies.set({ url: srv.url, name: 'new_root', value: '1', path: '/' })
  await run({ url: `${srv.url}/a/b/c`, session: ses, useSessionCookies: true })
  t.is(srv.seen[0].cookie, 'deep=1; mid=1; old_root=1; new_root=1')
})

test('R18 should not store a cookie without SameSite=None from a cross-site hop', async (t) => {
  const target = await cookieServer(t, (req, res) => {
    res.setHeader('set-cookie', ['plain=1', 'lax=1; SameSite=Lax', 'none=1; SameSite=None; Secure'])
    res.end()
  })
  const start = await cookieServer(t, (req, res) => {
    res.writeHead(302, { location: `${target.local}/landing` })
    res.end()
  })
  const ses = fresh('cross-site-set')
  await run({ url: start.url, session: ses, useSessionCookies: true })
  t.deepEqual((await ses.cookies.get({})).map((c) => `${c.domain} ${c.name}`), ['localhost none'])
})

test('R19 should ignore a Set-Cookie for another domain or a public suffix and keep the others', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    res.setHeader('set-cookie', ['good=1', 'other=1; Domain=example.com', 'suffix=1; Domain=com', 'ip=1; Domain=127.0.0.2', 'also=1; Path=/'])
    res.end()
  })
  const ses = fresh('bad-domain')
  const r = await run({ url: srv.url, session: ses, useSessionCookies: true })
  t.is(r.error, null)
  t.deepEqual((await ses.cookies.get({})).map((c) => c.name).sort(), ['also', 'good'])
})

test('R20 should emit changed (inserted) for a cookie a response set', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    res.setHeader('set-cookie', 'evt=1; HttpOnly')
    res.end()
  })
  const ses = fresh('changed-response')
  let received
  const changed = new Promise((resolve) => { received = resolve })
  ses.cookies.once('changed', (event, cookie, cause, removed) => received({ cookie, cause, removed }))
  await run({ url: srv.url, session: ses, useSessionCookies: true })
  const { cookie, cause, removed } = await changed
  t.is(cause, 'inserted')
  t.false(removed)
  t.is(cookie.name, 'evt')
  t.true(cookie.httpOnly)
})

test('R21 should send a cookie with a Path only under that path, the default being the URL\'s directory', async (t) => {
  const srv = await cookieServer(t, (req, res) => {
    if (req.url === '/dir/page') res.setHeader('set-cookie', ['dflt=1', 'given=1; Path=/x'])
    res.end()
  })
  const ses = fresh('paths')
  for (const p of ['/dir/page', '/dir/other', '/dirt', '/x/y', '/']) {
    await run({ url: `${srv.url}${p}`, session: ses, useSessionCookies: true })
  }
  t.deepEqual(srv.seen.map((s) => `${s.path} ${s.cookie}`), [
    '/dir/page undefined',
    '/dir/other dflt=1',
    '/dirt undefined',
    '/x/y given=1',
    '/ undefined'
  ])
})
