'use strict'

// ses.cookies: get / set / remove / flushStore and the 'changed' event (reference §7.2, issue
// 18 "Cookies"). Nothing here goes on the wire: cookies-requests.spec.js covers requests and
// cookies-persist.spec.js the disk. Every test uses an in-memory partition of its own (ava runs
// the tests of a file at once), except where the default session itself is the point.
//
// Test list → where it comes from (E-session = Electron spec/api-session-spec.ts 'ses.cookies'
// and 'domain matching'; E-net-session = spec/api-net-session-spec.ts; I18 = the list;
// C = Chromium net/cookies, file named in the test):
//  1  E-session 'sets cookies'                                        → persistent cookie
//  2  E-session 'sets session cookies'                                → session cookie
//  3  E-session 'sets cookies without name'
//  4  E-session 'sets cookies with samesite=<each>' (×4)
//  5  E-session 'fails to set cookies with samesite=garbage'
//  6  E-session 'gets cookies without url'
//  7  E-session 'rejects when setting a cookie with missing required fields' (url '')
//  8  E-session 'rejects when setting a cookie with an invalid URL'
//  9  E-session 'rejects when setting a cookie with an invalid ASCII control character'
// 10  E-session 'should overwrite previous cookies'
// 11  E-session 'should remove cookies'
// 12  E-session 'emits a changed event when a cookie is added or removed'
// 13  E-session 'emits overwrite and inserted events when a cookie is overwritten with a new value'
// 14  E-session 'emits inserted-no-value-change-overwrite when ... overwritten with the same value'
// 15  E-session 'emits expired-overwrite when a cookie is overwritten by an already-expired cookie'
// 16  E-session 'ses.cookies.flushStore() flushes the cookies to disk' (default session)
// 17  E-session 'domain matching' (all ten cases, one test each)
// 18  E-net-session 'should be able correctly filter out cookies that are secure'
// 19  E-net-session 'throws when an invalid domain is passed'
// 20  E-net-session 'should be able correctly filter out cookies that are session'
// 21  E-net-session 'should be able correctly filter out cookies that are httpOnly'
// 22  I18/§7.2 the Cookie object: exact keys in Electron's order, with and without expirationDate
// 23  I18/§7.2 set() defaults: host-only, path '/', secure false, httpOnly false, sameSite 'lax'
// 24  I18/§7.2 secure defaults to true exactly for sameSite 'no_restriction'
// 25  I18/§7.2 domain given → '.domain' domain cookie; an IP equal to the host → host-only (C cookie_util.cc GetCookieDomainWithString)
// 26  I18 path default = the URL's directory (C cookie_util.cc CanonPathWithString); a given path is kept
// 27  I18 expirationDate kept with its fraction; capped at 400 days (C canonical_cookie.cc ValidateAndAdjustExpiryDate)
// 28  §7.2 expirationDate 0 is the epoch: set() resolves and stores nothing
// 29  E C++ electron_api_cookies.cc Cookies::Set: url not a string → "Missing required option 'url'", checked before sameSite
// 30  §7.2 rejection text = 'Failed to set cookie - ' + reason (+ Chromium's debug string)
// 31  I18 Secure from a URL that may not set it (http://example.com) rejected; loopback may (C CanonicalCookie::IsSetPermittedInContext)
// 32  I18 public suffixes refused as Domain (C GetCookieDomainWithString + registry)
// 33  I18 __Secure- / __Host- prefixes (C cookie_util.cc IsCookiePrefixValid)
// 34  I18 name+value over 4096 bytes rejected (C ParsedCookie::IsValidCookieNameValuePair)
// 35  §7.2 get({url}): path match, Secure only for secure/trustworthy URLs, httpOnly included, domain cookies for subdomains
// 36  §7.2 get filters name / path (exact) / domain combined
// 37  §7.2 remove(url, name): only that name for that URL; resolves without an event when nothing matched
// 38  I18 'changed' for an identical set: overwrite then inserted-no-change-overwrite
// 39  I18 'changed' arguments: an Event (preventDefault, defaultPrevented), the full Cookie, the cause, removed
// 40  I18 'changed' cause 'expired' when a cookie's time passes (C CookieMonster GarbageCollectExpired)
// 41  I18 'changed' cause 'evicted': 181 cookies on one host evict the 31 least recently used (C cookie_monster.cc kDomainMaxCookies 180, kDomainPurgeCookies 30)
// 42  §7.2 an already-expired set with nothing to overwrite: resolves, no event, nothing stored
// 43  sessions keep their cookies and events apart; ses.cookies is one EventEmitter per session
// 44  flushStore() on an in-memory session resolves (a no-op)
// Skipped: E-session 'should get cookies' needs a BrowserWindow load (its net.request form is in
// cookies-requests.spec.js); 'should set cookie for standard scheme' needs protocol.registerSchemesAsPrivileged,
// which this package does not have; 'should survive an app restart for persistent partition' is in
// cookies-persist.spec.js.

const { EventEmitter } = require('node:events')
const test = require('ava')
require('./helpers/user-data')
const { session } = require('..')

const url = 'http://127.0.0.1'
let partitions = 0
// An in-memory session no other test uses.
const fresh = (name) => session.fromPartition(`cookies-${name}-${++partitions}`)
const inSeconds = (s) => Date.now() / 1000 + s

// Runs `action` and resolves with the 'changed' events it caused, as { cause, name, value,
// removed }: waits for `count` of them (at most 2 s), then 50 ms more so that an extra event
// would show.
async function changes (cookies, action, count) {
  const seen = []
  let reached
  const enough = new Promise((resolve) => { reached = resolve })
  const listener = (event, cookie, cause, removed) => {
    seen.push({ cause, name: cookie.name, value: cookie.value, removed })
    if (seen.length === count) reached()
  }
  cookies.on('changed', listener)
  try {
    await action()
    if (count > 0) await Promise.race([enough, new Promise((resolve) => setTimeout(resolve, 2000))])
    await new Promise((resolve) => setTimeout(resolve, 50))
    return seen
  } finally {
    cookies.removeListener('changed', listener)
  }
}

const byName = (list) => list.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

test('1 should set a persistent cookie (E-session "sets cookies")', async (t) => {
  const { cookies } = fresh('persistent')
  await cookies.set({ url, name: '1', value: '1', expirationDate: inSeconds(120) })
  const [c] = await cookies.get({ url })
  t.is(c.name, '1')
  t.is(c.value, '1')
  t.is(c.session, false)
  t.is(typeof c.expirationDate, 'number')
})

test('2 should set a session cookie (E-session "sets session cookies")', async (t) => {
  const { cookies } = fresh('session')
  await cookies.set({ url, name: '2', value: '1' })
  const [c] = await cookies.get({ url })
  t.is(c.name, '2')
  t.is(c.value, '1')
  t.is(c.session, true)
  t.false('expirationDate' in c)
})

test('3 should set a cookie without a name (E-session "sets cookies without name")', async (t) => {
  const { cookies } = fresh('no-name')
  await cookies.set({ url, value: '3' })
  const [c] = await cookies.get({ url })
  t.is(c.name, '')
  t.is(c.value, '3')
})

for (const sameSite of ['unspecified', 'no_restriction', 'lax', 'strict']) {
  test(`4 should set a cookie with sameSite=${sameSite} (E-session)`, async (t) => {
    const { cookies } = fresh(`samesite-${sameSite}`)
    await cookies.set({ url, value: 'hithere', sameSite })
    const [c] = await cookies.get({ url })
    t.is(c.name, '')
    t.is(c.value, 'hithere')
    t.is(c.sameSite, sameSite)
  })
}

test('5 should reject sameSite=garbage with Electron\'s text (E-session)', async (t) => {
  const { cookies } = fresh('samesite-garbage')
  await t.throwsAsync(cookies.set({ url, value: 'hithere', sameSite: 'garbage' }), {
    instanceOf: Error,
    message: "Failed to convert 'garbage' to an appropriate cookie same site value"
  })
  t.deepEqual(await cookies.get({}), [])
})

test('6 should get cookies by domain without a url (E-session "gets cookies without url")', async (t) => {
  const { cookies } = fresh('no-url')
  await cookies.set({ url, name: '1', value: '1', expirationDate: inSeconds(120) })
  const cs = await cookies.get({ domain: '127.0.0.1' })
  t.true(cs.some((c) => c.name === '1' && c.value === '1'))
})

for (const [title, bad] of [['7 an empty url (E-session "missing required fields")', ''], ['8 an invalid URL (E-session)', 'asdf']]) {
  test(`${title} should reject with the invalid Domain text`, async (t) => {
    const { cookies } = fresh('bad-url')
    const error = await t.throwsAsync(cookies.set({ url: bad, name: '1', value: '1' }), { instanceOf: Error })
    t.true(error.message.startsWith('Failed to set cookie - The cookie was set with an invalid Domain attribute.'), error.message)
  })
}

test('9 should reject a value with a control character or ";" (E-session "invalid ASCII control character")', async (t) => {
  const { cookies } = fresh('control')
  for (const details of [
    { url, name: 'BadCookie', value: 'test;test' },
    { url, name: 'BadCookie', value: 'a\x01b' },
    { url, name: 'Bad;Name', value: 'v' }
  ]) {
    const error = await t.throwsAsync(cookies.set(details), { instanceOf: Error })
    t.true(error.message.startsWith('Failed to set cookie - The cookie contains ASCII control characters'), error.message)
  }
  t.deepEqual(await cookies.get({}), [], 'nothing was stored')
})

test('10 should overwrite a previous cookie (E-session)', async (t) => {
  const { cookies } = fresh('overwrite')
  const name = 'DidOverwrite'
  for (const value of ['No', 'Yes']) {
    await cookies.set({ url, name, value, expirationDate: inSeconds(120) })
    const list = await cookies.get({ url })
    t.true(list.some((c) => c.name === name && c.value === value))
  }
  t.is((await cookies.get({ url })).length, 1, 'one cookie, not two')
})

test('11 should remove a cookie (E-session)', async (t) => {
  const { cookies } = fresh('remove')
  await cookies.set({ url, name: '2', value: '2', expirationDate: inSeconds(120) })
  const result = await cookies.remove(url, '2')
  t.is(result, undefined)
  t.false((await cookies.get({ url })).some((c) => c.name === '2'))
})

test('12 should emit changed for an insert (inserted) and a remove (explicit) (E-session)', async (t) => {
  const { cookies } = fresh('changed')
  const set = await changes(cookies, () => cookies.set({ url, name: 'foo', value: 'bar', expirationDate: inSeconds(120) }), 1)
  const removed = await changes(cookies, () => cookies.remove(url, 'foo'), 1)
  t.deepEqual(set, [{ cause: 'inserted', name: 'foo', value: 'bar', removed: false }])
  t.deepEqual(removed, [{ cause: 'explicit', name: 'foo', value: 'bar', removed: true }])
})

test('13 should emit overwrite then inserted for a new value (E-session)', async (t) => {
  const { cookies } = fresh('changed-overwrite')
  await cookies.set({ url, name: 'foo', value: 'bar' })
  const seen = await changes(cookies, () => cookies.set({ url, name: 'foo', value: 'baz' }), 2)
  t.deepEqual(seen, [
    { cause: 'overwrite', name: 'foo', value: 'bar', removed: true },
    { cause: 'inserted', name: 'foo', value: 'baz', removed: false }
  ])
})

test('14 should emit overwrite then inserted-no-value-change-overwrite for a new expiry only (E-session)', async (t) => {
  const { cookies } = fresh('changed-same-value')
  const now = Date.now() / 1000
  await cookies.set({ url, name: 'foo', value: 'bar', expirationDate: now + 120 })
  const seen = await changes(cookies, () => cookies.set({ url, name: 'foo', value: 'bar', expirationDate: now + 240 }), 2)
  t.deepEqual(seen, [
    { cause: 'overwrite', name: 'foo', value: 'bar', removed: true },
    { cause: 'inserted-no-value-change-overwrite', name: 'foo', value: 'bar', removed: false }
  ])
})

test('15 should emit only expired-overwrite when an already-expired cookie overwrites one (E-session)', async (t) => {
  const { cookies } = fresh('changed-expired-overwrite')
  const now = Date.now() / 1000
  await cookies.set({ url, name: 'foo', value: 'bar', expirationDate: now + 120 })
  const seen = await changes(cookies, () => cookies.set({ url, name: 'foo', value: 'bar', expirationDate: now - 10 }), 1)
  t.deepEqual(seen, [{ cause: 'expired-overwrite', name: 'foo', value: 'bar', removed: true }])
  t.deepEqual(await cookies.get({ url }), [], 'the cookie is gone')
})

test('16 should resolve flushStore() on the default session (E-session "flushes the cookies to disk")', async (t) => {
  const { cookies } = session.defaultSession
  await cookies.set({ url, name: 'flush-default', value: 'bar' })
  t.is(await cookies.flushStore(), undefined)
  await cookies.remove(url, 'flush-default')
})

// E-session 'domain matching': set, then get({ domain }) finds exactly that cookie or nothing.
const domainCases = [
  ['should match exact domain', { url: 'http://example.com', name: 'exactMatch', value: 'value1', domain: 'example.com' }, 'example.com', true],
  ['should match subdomain when filter has leading dot', { url: 'http://sub.example.com', name: 'subdomainMatch', value: 'value2', domain: '.example.com' }, 'sub.example.com', true],
  ['should match subdomain when filter has no leading dot (host-only normalization)', { url: 'http://sub.example.com', name: 'hostOnlyNormalization', value: 'value3', domain: 'example.com' }, 'sub.example.com', true],
  ['should not match unrelated domain', { url: 'http://example.com', name: 'noMatch', value: 'value4', domain: 'example.com' }, 'other.com', false],
  ['should match domain with a leading dot in both cookie and filter', { url: 'http://example.com', name: 'leadingDotBoth', value: 'value5', domain: '.example.com' }, '.example.com', true],
  ['should handle case insensitivity in domain', { url: 'http://example.com', name: 'caseInsensitive', value: 'value7', domain: 'Example.com' }, 'example.com', true],
  ['should handle IP address matching', { url: 'http://127.0.0.1', name: 'ipExactMatch', value: 'value8', domain: '127.0.0.1' }, '127.0.0.1', true],
  ['should not match different IP addresses', { url: 'http://127.0.0.1', name: 'ipMismatch', value: 'value9', domain: '127.0.0.1' }, '127.0.0.2', false]
]
for (const [title, details, domain, match] of domainCases) {
  test(`17 ${title} (E-session domain matching)`, async (t) => {
    const { cookies } = fresh('domain')
    await cookies.set(details)
    const found = await cookies.get({ domain })
    if (match) {
      t.is(found.length, 1)
      t.is(found[0].name, details.name)
      t.is(found[0].value, details.value)
    } else {
      t.deepEqual(found, [])
    }
  })
}

test('17 should handle complex subdomain matching properly (E-session domain matching)', async (t) => {
  const { cookies } = fresh('domain-complex')
  await cookies.set({ url: 'http://a.b.example.com', name: 'complexSubdomain', value: 'value11', domain: '.example.com' })
  const names = async (domain) => (await cookies.get({ domain })).map((c) => c.name)
  t.deepEqual(await names('a.b.example.com'), ['complexSubdomain'])
  t.deepEqual(await names('b.example.com'), ['complexSubdomain'])
  t.deepEqual(await names('example.com'), ['complexSubdomain'])
  t.deepEqual(await names('otherexample.com'), [])
})

test('17 should handle multiple cookies with different domains (E-session domain matching)', async (t) => {
  const { cookies } = fresh('domain-multiple')
  await cookies.set({ url: 'http://example.com', name: 'cookie1', value: 'domain1', domain: 'example.com' })
  await cookies.set({ url: 'http://other.com', name: 'cookie2', value: 'domain2', domain: 'other.com' })
  t.deepEqual((await cookies.get({ domain: 'example.com' })).map((c) => c.name), ['cookie1'])
  t.deepEqual((await cookies.get({ domain: 'other.com' })).map((c) => c.name), ['cookie2'])
  t.is((await cookies.get({})).length, 2)
})

// E-net-session: two cookies differing in one attribute, filtered both ways.
for (const [attribute, first, second] of [
  ['secure', { secure: true }, { secure: false }],
  ['session', {}, { expirationDate: Math.round(Date.now() / 1000) + 10000 }],
  ['httpOnly', { httpOnly: true }, { httpOnly: false }]
]) {
  test(`${{ secure: 18, session: 20, httpOnly: 21 }[attribute]} should filter out cookies that are ${attribute} (E-net-session)`, async (t) => {
    const { cookies } = fresh(`filter-${attribute}`)
    await Promise.all([
      cookies.set({ url: 'https://electronjs.org', domain: 'electronjs.org', name: 'cookie1', value: '1', ...first }),
      cookies.set({ url: 'https://electronjs.org', domain: 'electronjs.org', name: 'cookie2', value: '2', ...second })
    ])
    t.deepEqual((await cookies.get({ [attribute]: true })).map((c) => c.name), ['cookie1'])
    t.deepEqual((await cookies.get({ [attribute]: false })).map((c) => c.name), ['cookie2'])
  })
}

test('19 should reject a domain the URL is not in (E-net-session "throws when an invalid domain is passed")', async (t) => {
  const { cookies } = fresh('invalid-domain')
  await t.throwsAsync(cookies.set({ url: 'https://electronjs.org', domain: 'wssss.iamabaddomain.fun', name: 'cookie1' }), {
    instanceOf: Error,
    message: /The cookie was set with an invalid Domain attribute/
  })
})

test('22 should give the Cookie object Electron\'s keys in Electron\'s order', async (t) => {
  const { cookies } = fresh('keys')
  await cookies.set({ url, name: 's', value: '1' })
  await cookies.set({ url, name: 'p', value: '2', expirationDate: inSeconds(3600) })
  const [p, s] = byName(await cookies.get({ url }))
  t.deepEqual(Object.keys(s), ['name', 'value', 'domain', 'hostOnly', 'path', 'secure', 'httpOnly', 'session', 'sameSite'])
  t.deepEqual(Object.keys(p), ['name', 'value', 'domain', 'hostOnly', 'path', 'secure', 'httpOnly', 'session', 'expirationDate', 'sameSite'])
})

test('23 should apply set()\'s defaults: host-only, path /, not secure, not httpOnly, session, sameSite lax', async (t) => {
  const { cookies } = fresh('defaults')
  await cookies.set({ url: 'http://127.0.0.1/', name: 'd', value: 'v' })
  t.deepEqual(await cookies.get({ url }), [{
    name: 'd',
    value: 'v',
    domain: '127.0.0.1',
    hostOnly: true,
    path: '/',
    secure: false,
    httpOnly: false,
    session: true,
    sameSite: 'lax'
  }])
  await cookies.set({ url: 'http://127.0.0.1/', value: 'only a value' })
  const unnamed = (await cookies.get({ name: '' }))[0]
  t.is(unnamed.value, 'only a value', 'name defaults to \'\'')
  await cookies.set({ url: 'http://127.0.0.1/', name: 'no-value' })
  t.is((await cookies.get({ name: 'no-value' }))[0].value, '', 'value defaults to \'\'')
})

test('24 should default secure to true exactly when sameSite is no_restriction', async (t) => {
  const { cookies } = fresh('secure-default')
  for (const sameSite of ['unspecified', 'no_restriction', 'lax', 'strict']) {
    await cookies.set({ url: 'https://example.com', name: sameSite, value: '1', sameSite })
  }
  await cookies.set({ url: 'https://example.com', name: 'given', value: '1', sameSite: 'lax', secure: true })
  const secure = Object.fromEntries((await cookies.get({})).map((c) => [c.name, c.secure]))
  t.deepEqual(secure, { unspecified: false, no_restriction: true, lax: false, strict: false, given: true })
})

test('25 should make a domain cookie of a given domain and a host-only cookie of an IP equal to the host', async (t) => {
  const { cookies } = fresh('domain-kinds')
  await cookies.set({ url: 'http://www.example.com/', name: 'dom', value: '1', domain: 'example.com' })
  await cookies.set({ url: 'http://www.example.com/', name: 'host', value: '1' })
  await cookies.set({ url: 'http://127.0.0.1/', name: 'ip', value: '1', domain: '127.0.0.1' })
  const got = Object.fromEntries((await cookies.get({})).map((c) => [c.name, [c.domain, c.hostOnly]]))
  t.deepEqual(got, {
    dom: ['.example.com', false],
    host: ['www.example.com', true],
    ip: ['127.0.0.1', true]
  })
})

test('26 should default the path to the URL\'s directory and keep a given path', async (t) => {
  const { cookies } = fresh('paths')
  await cookies.set({ url: 'http://example.com/a/b/c', name: 'deep', value: '1' })
  await cookies.set({ url: 'http://example.com/a', name: 'top', value: '1' })
  await cookies.set({ url: 'http://example.com', name: 'bare', value: '1' })
  await cookies.set({ url: 'http://example.com/a/b/c', name: 'given', value: '1', path: '/x' })
  const paths = Object.fromEntries((await cookies.get({})).map((c) => [c.name, c.path]))
  t.deepEqual(paths, { deep: '/a/b', top: '/', bare: '/', given: '/x' })
})

test('27 should keep expirationDate with its fraction and cap it at 400 days', async (t) => {
  const { cookies } = fresh('expiry')
  const exact = Math.floor(Date.now() / 1000) + 3600 + 0.5
  await cookies.set({ url, name: 'exact', value: '1', expirationDate: exact })
  const before = Date.now() / 1000
  await cookies.set({ url, name: 'far', value: '1', expirationDate: before + 1000 * 86400 })
  const after = Date.now() / 1000
  const got = Object.fromEntries((await cookies.get({})).map((c) => [c.name, c.expirationDate]))
  t.is(got.exact, exact)
  t.true(got.far >= before + 400 * 86400 - 1 && got.far <= after + 400 * 86400 + 1, `far: ${got.far - before} s from now`)
})

test('28 should treat expirationDate 0 as the epoch: resolved, nothing stored', async (t) => {
  const { cookies } = fresh('epoch')
  t.is(await cookies.set({ url, name: 'test', value: '11111', expirationDate: 0 }), undefined)
  t.deepEqual(await cookies.get({}), [])
})

test('29 should reject a missing or non-string url with "Missing required option \'url\'" before looking at sameSite', async (t) => {
  const { cookies } = fresh('missing-url')
  for (const details of [{ name: 'a', value: 'b' }, { url: 5, name: 'a' }, { sameSite: 'garbage' }, {}]) {
    await t.throwsAsync(cookies.set(details), { instanceOf: Error, message: "Missing required option 'url'" })
  }
})

test('30 should start every set() rejection with "Failed to set cookie - " and the reason', async (t) => {
  const { cookies } = fresh('reject-text')
  const error = await t.throwsAsync(cookies.set({ url: 'http://example.com', domain: 'example.org', name: 'x' }))
  t.regex(error.message, /^Failed to set cookie - The cookie was set with an invalid Domain attribute\./)
})

test('31 should refuse Secure from a URL that may not set it, and accept it from https and loopback', async (t) => {
  const { cookies } = fresh('secure-origin')
  for (const details of [
    { url: 'http://example.com', name: 'a', secure: true },
    { url: 'http://example.com', name: 'b', sameSite: 'no_restriction' }
  ]) {
    await t.throwsAsync(cookies.set(details), {
      message: /^Failed to set cookie - The cookie was Secure, but the URL was not allowed to access Secure cookies\./
    })
  }
  await cookies.set({ url: 'https://example.com', name: 'https', secure: true })
  await cookies.set({ url: 'http://127.0.0.1', name: 'ip', secure: true })
  await cookies.set({ url: 'http://localhost', name: 'localhost', secure: true })
  t.deepEqual(byName(await cookies.get({})).map((c) => [c.name, c.secure]), [['https', true], ['ip', true], ['localhost', true]])
})

test('32 should refuse a public suffix as Domain', async (t) => {
  const { cookies } = fresh('public-suffix')
  for (const [from, domain] of [['http://foo.co.uk', 'co.uk'], ['http://foo.example.com', 'com'], ['http://a.github.io', 'github.io']]) {
    await t.throwsAsync(cookies.set({ url: from, name: 'x', value: '1', domain }), {
      message: /^Failed to set cookie - The cookie was set with an invalid Domain attribute\./
    }, `${domain} from ${from}`)
  }
  await cookies.set({ url: 'http://foo.example.co.uk', name: 'ok', value: '1', domain: 'example.co.uk' })
  t.deepEqual((await cookies.get({})).map((c) => c.domain), ['.example.co.uk'])
})

test('33 should apply the __Secure- and __Host- prefix rules', async (t) => {
  const { cookies } = fresh('prefixes')
  const prefixError = { message: /^Failed to set cookie - The cookie was set with an invalid __Host- or __Secure- prefix\./ }
  const https = 'https://example.com/dir/page'
  await t.throwsAsync(cookies.set({ url: https, name: '__Secure-a', value: '1', secure: false }), prefixError)
  await t.throwsAsync(cookies.set({ url: https, name: '__Host-b', value: '1', secure: true, domain: 'example.com', path: '/' }), prefixError, '__Host- with a Domain')
  await t.throwsAsync(cookies.set({ url: https, name: '__Host-c', value: '1', secure: true, path: '/dir' }), prefixError, '__Host- with a path other than /')
  await cookies.set({ url: https, name: '__Secure-ok', value: '1', secure: true })
  await cookies.set({ url: https, name: '__Host-ok', value: '1', secure: true, path: '/' })
  t.deepEqual(byName(await cookies.get({})).map((c) => c.name), ['__Host-ok', '__Secure-ok'])
})

test('34 should refuse a name and value longer than 4096 bytes together', async (t) => {
  const { cookies } = fresh('size')
  await t.throwsAsync(cookies.set({ url, name: 'n', value: 'v'.repeat(4096) }), {
    message: /^Failed to set cookie - The cookie exceeded the name\/value pair size limit\./
  })
  await cookies.set({ url, name: 'n', value: 'v'.repeat(4095) })
  t.is((await cookies.get({ name: 'n' }))[0].value.length, 4095)
})

test('35 should start get({ url }) from what a request to the URL would carry', async (t) => {
  const { cookies } = fresh('get-url')
  await cookies.set({ url: 'http://example.com/a', name: 'a', value: '1', path: '/a' })
  await cookies.set({ url: 'https://example.com/', name: 'sec', value: '1', secure: true })
  await cookies.set({ url: 'http://example.com/', name: 'ho', value: '1', httpOnly: true })
  await cookies.set({ url: 'http://example.com/', name: 'dom', value: '1', domain: 'example.com' })
  await cookies.set({ url: 'http://strict.example.com/', name: 'st', value: '1', sameSite: 'strict' })
  const names = async (u) => byName(await cookies.get({ url: u })).map((c) => c.name)
  t.deepEqual(await names('http://example.com/a'), ['a', 'dom', 'ho'])
  t.deepEqual(await names('http://example.com/a/b'), ['a', 'dom', 'ho'])
  t.deepEqual(await names('http://example.com/ab'), ['dom', 'ho'], '/a is not a prefix path of /ab')
  t.deepEqual(await names('https://example.com/'), ['dom', 'ho', 'sec'])
  t.deepEqual(await names('http://sub.example.com/'), ['dom'], 'a domain cookie reaches subdomains, host-only ones do not')
  t.deepEqual(await names('http://strict.example.com/'), ['dom', 'st'], 'every SameSite context is allowed')
  t.deepEqual(await names('http://other.com/'), [])
})

test('36 should filter by name, exact path and domain together', async (t) => {
  const { cookies } = fresh('get-filters')
  await cookies.set({ url: 'http://example.com/', name: 'x', value: 'root' })
  await cookies.set({ url: 'http://example.com/', name: 'x', value: 'deep', path: '/deep' })
  await cookies.set({ url: 'http://example.com/', name: 'y', value: 'root' })
  await cookies.set({ url: 'http://other.com/', name: 'x', value: 'other' })
  const values = async (filter) => (await cookies.get(filter)).map((c) => c.value).sort()
  t.deepEqual(await values({ name: 'x' }), ['deep', 'other', 'root'])
  t.deepEqual(await values({ name: 'x', path: '/deep' }), ['deep'])
  t.deepEqual(await values({ path: '/de' }), [], 'path is an exact match')
  t.deepEqual(await values({ name: 'x', domain: 'example.com' }), ['deep', 'root'])
  t.deepEqual(await values({ name: 'x', domain: 'example.com', path: '/' }), ['root'])
  t.deepEqual(await values({ url: 'http://example.com/deep', name: 'x' }), ['deep', 'root'])
})

test('37 should remove only the named cookie of that URL and resolve when nothing matches', async (t) => {
  const { cookies } = fresh('remove-scope')
  await cookies.set({ url: 'http://example.com/', name: 'a', value: '1' })
  await cookies.set({ url: 'http://example.com/', name: 'b', value: '1' })
  await cookies.set({ url: 'http://other.com/', name: 'a', value: '1' })
  await cookies.remove('http://example.com/', 'a')
  t.deepEqual(byName(await cookies.get({})).map((c) => `${c.domain} ${c.name}`), ['other.com a', 'example.com b'])
  const none = await changes(cookies, () => cookies.remove('http://example.com/', 'nothing-by-this-name'), 0)
  t.deepEqual(none, [], 'no event when nothing was removed')
})

test('38 should emit overwrite then inserted-no-change-overwrite for an identical set', async (t) => {
  const { cookies } = fresh('changed-identical')
  await cookies.set({ url, name: 'foo', value: 'bar' })
  const seen = await changes(cookies, () => cookies.set({ url, name: 'foo', value: 'bar' }), 2)
  t.deepEqual(seen, [
    { cause: 'overwrite', name: 'foo', value: 'bar', removed: true },
    { cause: 'inserted-no-change-overwrite', name: 'foo', value: 'bar', removed: false }
  ])
})

test('39 should pass an event object, the whole Cookie, the cause and removed to changed listeners', async (t) => {
  const { cookies } = fresh('changed-args')
  let received
  const args = new Promise((resolve) => { received = resolve })
  cookies.once('changed', (...a) => received(a))
  const expirationDate = Math.floor(Date.now() / 1000) + 600
  await cookies.set({ url, name: 'n', value: 'v', httpOnly: true, expirationDate, sameSite: 'strict' })
  const [event, cookie, cause, removed] = await args
  // Electron's Event (gin_helper::internal::Event): preventDefault() and defaultPrevented.
  t.is(event.constructor.name, 'Event')
  t.is(event.defaultPrevented, false)
  event.preventDefault()
  t.is(event.defaultPrevented, true)
  t.deepEqual(cookie, {
    name: 'n',
    value: 'v',
    domain: '127.0.0.1',
    hostOnly: true,
    path: '/',
    secure: false,
    httpOnly: true,
    session: false,
    expirationDate,
    sameSite: 'strict'
  })
  t.deepEqual(await cookies.get({ url }), [cookie], 'the same object get() gives')
  t.is(cause, 'inserted')
  t.is(removed, false)
})

test('40 should emit expired when a cookie found past its expiry is dropped', async (t) => {
  const { cookies } = fresh('changed-expired')
  await cookies.set({ url, name: 'short', value: 'lived', expirationDate: inSeconds(1) })
  // Chromium drops it when a lookup finds it expired; listening from before it expires also
  // accepts a store that drops it on time.
  const seen = await changes(cookies, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1300))
    t.deepEqual(await cookies.get({ url }), [])
  }, 1)
  t.deepEqual(seen, [{ cause: 'expired', name: 'short', value: 'lived', removed: true }])
})

test('41 should evict the 31 least recently used when a host gets its 181st cookie', async (t) => {
  const { cookies } = fresh('evicted')
  for (let i = 0; i < 180; i++) await cookies.set({ url, name: `c${i}`, value: '1' })
  t.is((await cookies.get({})).length, 180, 'the limit itself is kept')
  const seen = await changes(cookies, () => cookies.set({ url, name: 'c180', value: '1' }), 32)
  const evicted = seen.filter((e) => e.cause === 'evicted')
  t.deepEqual(seen.filter((e) => e.cause !== 'evicted'), [{ cause: 'inserted', name: 'c180', value: '1', removed: false }])
  t.deepEqual(evicted.map((e) => e.name).sort(), Array.from({ length: 31 }, (_, i) => `c${i}`).sort())
  t.true(evicted.every((e) => e.removed))
  t.is((await cookies.get({})).length, 150)
})

test('42 should store nothing and emit nothing for an already-expired cookie with nothing to overwrite', async (t) => {
  const { cookies } = fresh('expired-nothing')
  const seen = await changes(cookies, () => cookies.set({ url, name: 'old', value: '1', expirationDate: inSeconds(-10) }), 0)
  t.deepEqual(seen, [])
  t.deepEqual(await cookies.get({}), [])
})

test('43 should keep each session\'s cookies and events apart', async (t) => {
  const a = fresh('apart-a')
  const b = fresh('apart-b')
  t.true(a.cookies instanceof EventEmitter)
  t.is(a.cookies, a.cookies, 'one Cookies object per session')
  t.not(a.cookies, b.cookies)
  const inB = await changes(b.cookies, () => a.cookies.set({ url, name: 'only-a', value: '1' }), 0)
  t.deepEqual(inB, [])
  t.deepEqual(await b.cookies.get({}), [])
  t.is((await a.cookies.get({})).length, 1)
})

test('44 should resolve flushStore() on an in-memory session', async (t) => {
  const { cookies } = fresh('flush-memory')
  await cookies.set({ url, name: 'a', value: '1', expirationDate: inSeconds(60) })
  t.is(await cookies.flushStore(), undefined)
  t.is((await cookies.get({})).length, 1)
})
