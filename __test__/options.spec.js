'use strict'

// Constructor options, URL building and header methods: Electron's exact texts and order
// (reference §1.2–1.4, §2.1–2.2). Where a request is started, a local server checks the URL.

const test = require('ava')
const { net, session, ClientRequest } = require('..')
const { listen, collect } = require('./helpers/listen')

// The URL a request was built with, read back through what the server receives.
async function sentUrl (t, options) {
  let seen
  const srv = await listen(t, (req, res) => { seen = `${req.headers.host}${req.url}`; res.end() })
  const r = await collect(net.request({ ...options, host: undefined, hostname: '127.0.0.1', port: srv.port }))
  t.is(r.error, null)
  return seen
}

test('should reject a string that is not a URL with Node\'s TypeError', (t) => {
  const error = t.throws(() => net.request('not a url'), { instanceOf: TypeError, message: 'Invalid URL' })
  t.is(error.code, 'ERR_INVALID_URL')
})

test('should validate in Electron\'s order with Electron\'s texts', (t) => {
  const cases = [
    [{ path: '/a b', redirect: 'bogus' }, TypeError, 'Request path contains unescaped characters'],
    [{ redirect: 'bogus', headers: 5 }, Error, 'redirect mode should be one of follow, error or manual'],
    [{ headers: 'x', session: {} }, TypeError, 'headers must be an object'],
    [{ headers: { 'bad name': 'x' }, session: {} }, Error, 'Invalid header name: \'bad name\''],
    [{ headers: { 'X-A': 'a\nb' } }, Error, 'Invalid value for header \'X-A\': \'a\nb\''],
    [{ headers: { 'X-A': null } }, Error, '`value` required in setHeader("X-A", value)'],
    [{ session: {}, url: 'ftp://x' }, TypeError, '`session` should be an instance of the Session class'],
    [{ partition: 5, url: 'ftp://x' }, TypeError, '`partition` should be a string'],
    [{ url: 'http://[bad' }, TypeError, 'Invalid URL'],
    [{ url: 'ftp://example.com/' }, Error, 'ClientRequest only supports http: and https: protocols'],
    [{ url: 'file://bar' }, Error, 'ClientRequest only supports http: and https: protocols'],
    [{ url: 'http://a/', credentials: 'same-origin' }, Error, 'credentials: same-origin requires origin to be set']
  ]
  for (const [options, type, message] of cases) {
    const error = t.throws(() => net.request(options), { message }, JSON.stringify(options))
    t.true(error instanceof type)
  }
})

test('should accept what Electron accepts', (t) => {
  t.notThrows(() => net.request({ url: 'http://a/', headers: null }))
  t.notThrows(() => net.request({ url: 'http://a/', headers: undefined, partition: '' }))
  t.notThrows(() => net.request({ url: 'http://a/', credentials: 'same-origin', origin: 'http://a' }))
  t.notThrows(() => net.request({ url: 'http://a/', credentials: 'unknown-value' }))
  t.notThrows(() => net.request({ url: 'http://a/', session: session.defaultSession, partition: 5 }))
  t.notThrows(() => net.request({ url: 'http://a/a b' }), 'path is not checked when url is present')
  t.true(net.request('http://a/') instanceof ClientRequest)
})

test('should build the URL from its parts as Electron does', (t) => {
  const { buildUrl } = require('../lib/options')
  t.is(buildUrl({}), 'http://localhost/')
  t.is(buildUrl({ hostname: '127.0.0.1', port: 8080 }), 'http://127.0.0.1:8080/')
  t.is(buildUrl({ host: 'example.com:81', hostname: 'x', port: 99, path: '/a?b=1#h' }), 'http://example.com:81/a?b=1#h')
  t.is(buildUrl({ protocol: 'https', hostname: 'a.com', path: 'x/y' }), 'https://a.com/x/y')
  t.is(buildUrl({ hostname: '::1', port: 80 }), 'http://[::1]:80/')
  t.is(buildUrl({ hostname: 'a.com', path: '//evil.com/x?q' }), 'http://a.com/x?q')
  t.is(buildUrl({ hostname: 'a.com', path: '/a/../é' }), 'http://a.com/%C3%A9')
  t.is(buildUrl({ hostname: 'a.com', port: 0, path: '' }), 'http://a.com/')
})

test('should send the request to the URL built from hostname, port and path', async (t) => {
  const seen = await sentUrl(t, { path: '/a/../b?c=1#frag' })
  t.regex(seen, /^127\.0\.0\.1:\d+\/b\?c=1$/, 'the fragment is never sent')
})

test('should upper-case the method', async (t) => {
  let method
  const srv = await listen(t, (req, res) => { method = req.method; res.end() })
  await collect(net.request({ url: srv.url, method: 'patch' }))
  t.is(method, 'PATCH')
})

test('should route a string URL through the default session with its origin as initiator', async (t) => {
  let site
  const srv = await listen(t, (req, res) => { site = req.headers['sec-fetch-site']; res.end() })
  await collect(net.request(srv.url))
  t.is(site, 'same-origin')
})

test('should send each request to its own URL when one URL repeats between others', async (t) => {
  // The last URL parsed is remembered (lib/options.js, src/binding/requests.rs): a repeat must not leak
  // into the next, different URL, nor an invalid one pass because the previous one was valid.
  const seen = []
  const srv = await listen(t, (req, res) => { seen.push(req.url); res.end() })
  const paths = ['/a', '/a', '/b?x=1', '/a', '/b?x=1', '/b?x=2', '/b?x=2']
  for (const path of paths) t.is((await collect(net.request(srv.url + path))).error, null)
  t.deepEqual(seen, paths)
  t.throws(() => net.request('http://[::1'), { instanceOf: TypeError, message: 'Invalid URL' })
})

test('should treat a URL object as an options bag with no own properties', (t) => {
  const request = net.request(new URL('http://example.com/'))
  t.true(request instanceof ClientRequest)
})

test('should apply setHeader\'s checks in Electron\'s order and texts', (t) => {
  const request = net.request('http://127.0.0.1:1/')
  t.throws(() => request.setHeader(5, 'x'), { instanceOf: TypeError, message: '`name` should be a string in setHeader(name, value)' })
  t.throws(() => request.setHeader('X-A'), { message: '`value` required in setHeader("X-A", value)' })
  t.throws(() => request.setHeader('X A', 'v'), { message: 'Invalid header name: \'X A\'' })
  t.throws(() => request.setHeader('X-A', 'a\r\nb: c'), { message: 'Invalid value for header \'X-A\': \'a\r\nb: c\'' })
  t.throws(() => request.setHeader('X-A', 'a\0'), { message: 'Invalid value for header \'X-A\': \'a\0\'' })
  t.throws(() => request.getHeader(), { message: '`name` is required for getHeader(name)' })
  t.throws(() => request.removeHeader(null), { message: '`name` is required for removeHeader(name)' })
})

test('should return header values as given, case-insensitively, at any time', (t) => {
  const request = net.request({ url: 'http://127.0.0.1:1/', headers: { 'X-Num': 5 } })
  request.on('error', () => {})
  request.setHeader('X-List', ['a', 'b'])
  t.is(request.getHeader('x-num'), 5)
  t.deepEqual(request.getHeader('X-LIST'), ['a', 'b'])
  request.removeHeader('x-list')
  t.is(request.getHeader('x-list'), undefined)
  request.write('')
  t.is(request.getHeader('X-Num'), 5)
  t.throws(() => request.setHeader('X-B', 'v'), { message: 'Can\'t set headers after they are sent' })
  t.throws(() => request.removeHeader('x-num'), { message: 'Can\'t remove headers after they are sent' })
  t.throws(() => request.removeHeader(), { message: '`name` is required for removeHeader(name)' }, 'the name check comes first')
  request.abort()
})

test('should lock the headers with the write end(chunk) performs', (t) => {
  const request = net.request('http://127.0.0.1:1/')
  request.on('error', () => {})
  request.end('body')
  t.throws(() => request.setHeader('X-B', 'v'), { message: 'Can\'t set headers after they are sent' })
  request.abort()
})

test('should apply the chunkedEncoding rules', (t) => {
  const request = net.request('http://127.0.0.1:1/')
  request.on('error', () => {})
  t.false(request.chunkedEncoding)
  request.chunkedEncoding = 'yes'
  t.true(request.chunkedEncoding)
  t.throws(() => { request.chunkedEncoding = false }, { message: 'chunkedEncoding can only be set once' })
  const started = net.request('http://127.0.0.1:1/')
  started.on('error', () => {})
  started.end()
  t.throws(() => { started.chunkedEncoding = true }, { message: 'chunkedEncoding can only be set before the request is started' })
  const buffered = net.request('http://127.0.0.1:1/')
  buffered.write('data')
  t.throws(() => { buffered.chunkedEncoding = true }, { message: 'chunkedEncoding can only be set before the request is started' },
    'we refuse rather than silently drop the buffered bytes as Electron does')
  buffered.abort()
  request.abort()
})

test('should keep the first position but the last spelling of a header given twice', async (t) => {
  let raw
  const srv = await listen(t, (req, res) => { raw = req.rawHeaders; res.end() })
  await collect(net.request({ url: srv.url, headers: { 'x-first': '1', 'X-Second': '2', 'X-FIRST': '3' } }))
  const names = raw.filter((_, i) => i % 2 === 0)
  t.true(names.indexOf('X-FIRST') < names.indexOf('X-Second'))
  t.is(raw[raw.indexOf('X-FIRST') + 1], '3')
  t.false(names.includes('x-first'))
})
