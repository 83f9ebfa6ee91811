'use strict'

// Property-based: random URLs, options, header names/values and methods thrown at the
// constructor and setHeader. Every input has ONE expected outcome, computed by an oracle from
// the reference (§1.3 validation order and texts, §2.2 setHeader, §3 restricted headers):
// Electron's exact error (class and text), or a request that a raw local server receives with
// the URL path, method and headers intact. Over-rejection fails as surely as under-rejection.
// Every request that reaches the server is also checked byte by byte: no NUL, bare CR or bare
// LF anywhere in the head, so no caller input can inject a header or split the request.

const url = require('node:url')
const fc = require('fast-check')
const test = require('ava')
const { net } = require('..')
const { rawServer } = require('./helpers/raw-server')

const RUNS = Number(process.env.FUZZ_RUNS || 150)

// RFC 7230 token: what Electron's header-name check (net::HttpUtil::IsValidHeaderName) accepts.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

// Headers Chromium's URL loader refuses with net::ERR_INVALID_ARGUMENT (reference §3).
function restricted (name, value) {
  const lower = name.toLowerCase()
  const tokens = String(value).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
  return ['content-length', 'host', 'trailer', 'te', 'upgrade', 'cookie2', 'keep-alive', 'transfer-encoding', 'set-cookie'].includes(lower) ||
    lower.startsWith('proxy-') ||
    (lower === 'connection' && tokens.some((x) => x !== 'close' && x !== 'keep-alive')) ||
    (['x-http-method', 'x-http-method-override', 'x-method-override'].includes(lower) &&
      tokens.some((x) => ['connect', 'trace', 'track'].includes(x))) ||
    (lower === 'accept-encoding' && tokens.some((x) => x === 'dcb' || x === 'dcz'))
}

// Headers that are also request parameters (referrer, initiator, fetch metadata; reference
// §2.3, §8): the engine may rewrite or drop them by design, so the intact-on-the-wire oracle
// does not apply. Inputs that set them are discarded.
const PARAMETER_HEADER = /^(referer|origin|sec-fetch-.*)$/i

// The error setHeader (and an options `headers` entry) must throw, or null (§2.2).
function headerError (name, value) {
  if (typeof name !== 'string') return { type: TypeError, message: '`name` should be a string in setHeader(name, value)' }
  if (value == null) return { type: Error, message: `\`value\` required in setHeader("${name}", value)` }
  if (!TOKEN.test(name)) return { type: Error, message: `Invalid header name: '${name}'` }
  if (/[\0\r\n]/.test(String(value))) return { type: Error, message: `Invalid value for header '${name}': '${value}'` }
  return null
}

const INVALID_URL = { type: TypeError, message: 'Invalid URL' }
const ONLY_HTTP = { type: Error, message: 'ClientRequest only supports http: and https: protocols' }
const INVALID_ARGUMENT = { async: 'net::ERR_INVALID_ARGUMENT' }

// Runs the request against the raw server; resolves with { error } or { status } and the head
// the server received for it (null when nothing arrived).
function send (srv, request) {
  const before = srv.requests.length
  const head = () => (srv.requests.length > before ? srv.requests.at(-1).head : null)
  return new Promise((resolve) => {
    request.on('error', (error) => resolve({ error, head: head() }))
    request.on('response', (response) => {
      response.resume()
      response.on('end', () => resolve({ status: response.statusCode, head: head() }))
      response.on('error', (error) => resolve({ error, head: head() }))
    })
    request.end()
  })
}

// The head as bytes (latin1): CRLF line ends only, no NUL, no bare CR or LF.
function wireIsClean (head) {
  if (head.includes('\0')) return false
  for (let i = 0; i < head.length; i++) {
    if (head[i] === '\r' && head[i + 1] !== '\n') return false
    if (head[i] === '\n' && head[i - 1] !== '\r') return false
  }
  return head.endsWith('\r\n\r\n')
}

function parseHead (head) {
  const lines = head.split('\r\n')
  return { requestLine: lines[0], headers: lines.slice(1).filter(Boolean) }
}

// The header line as the server sees it: `name: String(value)`, UTF-8 bytes read as latin1.
const wireLine = (name, value) => `${name}: ${Buffer.from(String(value)).toString('latin1')}`

// Checks what a throwing call did against the oracle; returns a message describing a mismatch.
function checkThrown (expected, error) {
  if (!expected || !expected.type) return `unexpected throw: ${error && error.message}`
  if (!(error instanceof expected.type) || error.message !== expected.message) {
    return `threw ${error && error.constructor.name} ${JSON.stringify(error && error.message)}, expected ${expected.type.name} ${JSON.stringify(expected.message)}`
  }
  return null
}

// Checks an outcome: `expected` is a thrown error, { async } (a net:: error, nothing sent) or
// { target, host, lines } (sent intact). Throws with a description on mismatch, so fast-check
// reports the input.
async function expectOutcome (srv, expected, makeRequest) {
  let request
  try {
    request = makeRequest()
  } catch (error) {
    const mismatch = checkThrown(expected, error)
    if (mismatch) throw new Error(mismatch)
    return
  }
  if (expected.type) throw new Error(`accepted, expected ${expected.type.name} ${JSON.stringify(expected.message)}`)
  const result = await send(srv, request)
  if (expected.async) {
    if (!result.error || result.error.message !== expected.async) throw new Error(`got ${result.error ? result.error.message : result.status}, expected ${expected.async}`)
    if (result.head !== null) throw new Error('a refused request reached the server')
    return
  }
  if (result.error) throw new Error(`failed with ${result.error.message}, expected a request`)
  if (result.head === null) throw new Error('nothing reached the server')
  if (!wireIsClean(result.head)) throw new Error(`NUL, bare CR or bare LF on the wire: ${JSON.stringify(result.head)}`)
  const { requestLine, headers } = parseHead(result.head)
  const method = expected.method || 'GET'
  if (expected.target !== undefined && requestLine !== `${method} ${expected.target} HTTP/1.1`) {
    throw new Error(`request line ${JSON.stringify(requestLine)}, expected ${JSON.stringify(`${method} ${expected.target} HTTP/1.1`)}`)
  }
  if (expected.host !== undefined && !headers.includes(`Host: ${expected.host}`)) throw new Error(`no Host: ${expected.host}`)
  for (const line of expected.lines || []) {
    if (!headers.includes(line)) throw new Error(`header line ${JSON.stringify(line.slice(0, 200))} missing`)
  }
  // Nothing but our own lines besides what the engine adds.
  if (expected.lines) {
    const own = headers.filter((h) => !ENGINE_HEADERS.test(h) || expected.lines.includes(h))
    const extra = own.filter((h) => !expected.lines.includes(h))
    if (extra.length) throw new Error(`unexpected header lines ${JSON.stringify(extra)}`)
  }
}

const ENGINE_HEADERS = /^(Host|Connection|User-Agent|Accept-Encoding|Accept-Language|Sec-Fetch-Site|Sec-Fetch-Mode|Sec-Fetch-Dest|Content-Length): /

// ---------------------------------------------------------------------------------------------
// Generators

const nasty = fc.constantFrom('\r', '\n', '\0', ' ', '\t', 'é', '日', '\u2028', '\ufeff', '\x7f', '%', '%0A', '%00', '#', '?', '/', '\\', '"', '<', '>', '`', '{', '}', '|', '^', "'", '..', '.', ':', '@', '[', ']')
const nastyString = fc.oneof(
  fc.string(),
  fc.fullUnicodeString({ maxLength: 20 }),
  fc.array(fc.oneof(nasty, fc.char()), { maxLength: 20 }).map((a) => a.join('')),
  fc.constantFrom('a\r\nX-Injected: 1', 'x\nSet-Cookie: a=b', 'y\rZ: 1', 'nul\0byte', '\t tab ', 'é', ' ', '')
)
// Up to ~64 KiB, with one dangerous character (or none) at a random position.
const huge = fc.tuple(fc.integer({ min: 1, max: 64 * 1024 }), fc.option(fc.nat()), fc.constantFrom('\r', '\n', '\0', '\r\nX-Injected: 1', 'é', '\t', ' '))
  .map(([length, at, bad]) => {
    const s = 'v'.repeat(length)
    if (at === null) return s
    const i = at % length
    return s.slice(0, i) + bad + s.slice(i)
  })
const RESTRICTED_NAMES = fc.constantFrom('Content-Length', 'host', 'Trailer', 'TE', 'Upgrade', 'Cookie2', 'Keep-Alive',
  'Transfer-Encoding', 'Set-Cookie', 'Proxy-Authorization', 'Connection', 'X-HTTP-Method-Override', 'Accept-Encoding',
  'User-Agent', 'Cookie', 'Authorization', 'Accept-Language')
const headerName = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/),
  RESTRICTED_NAMES,
  nastyString
)
const headerValue = fc.oneof(
  nastyString,
  fc.constantFrom('upgrade', 'close', 'keep-alive, close', 'TRACE', 'gzip, dcb', 'x'),
  fc.integer(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.constant(null),
  fc.constant(undefined),
  { arbitrary: huge, weight: 1 }
)

// URLs: a scheme, a host (the local server's, possibly with a character inserted, or a
// non-ASCII name under .invalid), and a path/query/fragment made of dangerous characters.
const LOCAL = '\u0001' // replaced by 127.0.0.1:<port>
const scheme = fc.oneof(
  { arbitrary: fc.constant('http://'), weight: 8 },
  { arbitrary: fc.constantFrom('HTTP://', 'https://', 'ftp://', 'file://', 'ws://', 'javascript:', 'http:', 'http:/', ''), weight: 2 }
)
const host = fc.oneof(
  { arbitrary: fc.constant(LOCAL), weight: 6 },
  // The local host and port with one character inserted somewhere in them.
  { arbitrary: fc.tuple(fc.nat(), fc.constantFrom('\r', '\n', '\t', '\0', ' ', '<', '^', '|', 'é', '%00', '%20', '日')).map(([at, c]) => ({ at, c })), weight: 3 },
  { arbitrary: fc.constantFrom('exämple.invalid', '日本.invalid', 'ÿ.electron-net-rs.invalid', 'a b.invalid', 'a\0b.invalid', 'a\r\n.invalid'), weight: 1 }
)
const pathPart = fc.oneof(
  { arbitrary: fc.array(fc.oneof(nasty, fc.char(), fc.fullUnicode()), { maxLength: 30 }).map((a) => '/' + a.join('')), weight: 8 },
  { arbitrary: fc.integer({ min: 1, max: 64 * 1024 }).map((n) => '/' + 'p'.repeat(n)), weight: 1 }
)

function buildUrlString (s, h, p, port) {
  const local = `127.0.0.1:${port}`
  let hostText
  if (h === LOCAL) hostText = local
  else if (typeof h === 'object') {
    const i = h.at % (local.length + 1)
    hostText = local.slice(0, i) + h.c + local.slice(i)
  } else hostText = h
  return s + hostText + p
}

// The outcome of requesting `str` (string argument or `url` option), from WHATWG parsing (what
// Electron's JS does with `new URL`; the engine's url crate follows the same standard).
function urlOutcome (str, port) {
  let u
  try {
    u = new URL(str)
  } catch {
    return INVALID_URL
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return ONLY_HTTP
  // The serialised path and query (an empty query keeps its '?'); the fragment is never sent.
  const href = u.href.split('#')[0]
  const target = href.slice(href.indexOf('/', u.protocol.length + 2))
  if (u.hostname === '127.0.0.1' && u.port === String(port)) {
    // The raw server speaks no TLS and never answers a ClientHello (tls.spec.js covers that).
    if (u.protocol === 'https:') return null
    return { target, host: u.host }
  }
  if (u.hostname.endsWith('.invalid')) return { async: 'net::ERR_NAME_NOT_RESOLVED' }
  return null // somewhere else on the network: not tested
}

function canStringify (v) {
  try {
    String(v)
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------

test('should answer random URLs with Electron\'s error or send the path intact', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'))
  let sent = 0
  let refused = 0
  await fc.assert(fc.asyncProperty(scheme, host, pathPart, fc.boolean(), async (s, h, p, asString) => {
    const str = buildUrlString(s, h, p, srv.port)
    const expected = urlOutcome(str, srv.port)
    fc.pre(expected !== null)
    if (expected.target !== undefined) sent++
    else refused++
    await expectOutcome(srv, expected, () => net.request(asString ? str : { url: str }))
  }), { numRuns: RUNS })
  t.log(`${sent} sent intact, ${refused} refused`)
  t.true(sent > RUNS / 4 && refused > RUNS / 10, `${sent} sent, ${refused} refused: both sides covered`)
})

test('should answer random paths (no url option) with Electron\'s error or send them intact', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'))
  const path = fc.oneof(nastyString, pathPart, fc.constantFrom('//evil.com/x?q', '/a/../é', 'x/y', '/a b', '\\\\x', '//\0'))
  await fc.assert(fc.asyncProperty(path, async (p) => {
    // §1.3 #2, §1.4: a space is refused; otherwise only pathname and search of `path` resolved
    // against a dummy base are kept.
    let expected
    if (p.includes(' ')) {
      expected = { type: TypeError, message: 'Request path contains unescaped characters' }
    } else {
      let u
      try {
        u = new URL(p || '/', 'http://electron-net-rs.invalid')
      } catch {
        expected = INVALID_URL
      }
      // Joined with the legacy url.format, as the reference says (§1.4), then sent as any URL.
      if (u) expected = urlOutcome(url.format({ protocol: 'http:', hostname: '127.0.0.1', port: srv.port, pathname: u.pathname, search: u.search }), srv.port)
    }
    await expectOutcome(srv, expected, () => net.request({ hostname: '127.0.0.1', port: srv.port, path: p }))
  }), { numRuns: RUNS })
  t.pass()
})

test('should answer random methods with a refusal or a clean request line', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'))
  const method = fc.oneof(nastyString, fc.constantFrom('get', 'patch', 'ß', 'M-SEARCH', 'A B', 'X\r\nY'))
  await fc.assert(fc.asyncProperty(method, async (m) => {
    // Upper-cased (§1.2); a method that is not a token is refused before anything is sent.
    const upper = String(m || 'GET').toUpperCase()
    fc.pre(!['CONNECT', 'TRACE', 'TRACK', 'HEAD'].includes(upper))
    const expected = TOKEN.test(upper) ? { method: upper, target: '/', host: `127.0.0.1:${srv.port}` } : INVALID_ARGUMENT
    await expectOutcome(srv, expected, () => net.request({ method: m, url: `${srv.url}/` }))
  }), { numRuns: RUNS })
  t.pass()
})

test('should answer random headers in options with Electron\'s error or send them intact', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'))
  await fc.assert(fc.asyncProperty(headerName, headerValue, async (name, value) => {
    fc.pre(!PARAMETER_HEADER.test(name))
    const error = headerError(name, value)
    const expected = error || (restricted(name, value) ? INVALID_ARGUMENT : { target: '/', lines: [wireLine(name, value)] })
    await expectOutcome(srv, expected, () => net.request({ url: `${srv.url}/`, headers: { [name]: value } }))
  }), { numRuns: RUNS })
  t.pass()
})

test('should answer random setHeader calls with Electron\'s error or send the header intact', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'))
  const name = fc.oneof({ arbitrary: headerName, weight: 4 }, { arbitrary: fc.anything(), weight: 1 })
  const value = fc.oneof({ arbitrary: headerValue, weight: 4 }, { arbitrary: fc.anything(), weight: 1 })
  await fc.assert(fc.asyncProperty(name, value, async (n, v) => {
    fc.pre(typeof n !== 'string' || !PARAMETER_HEADER.test(n))
    // A value whose String() throws (e.g. { toString: [] }) has no wire form to check.
    fc.pre(v == null || canStringify(v))
    const error = headerError(n, v)
    const request = net.request(`${srv.url}/`)
    try {
      request.setHeader(n, v)
    } catch (thrown) {
      const mismatch = checkThrown(error, thrown)
      if (mismatch) throw new Error(mismatch)
      request.abort()
      return
    }
    if (error) throw new Error(`accepted, expected ${error.message}`)
    // getHeader returns exactly what was set (§2.2); the wire carries String(value).
    if (request.getHeader(n) !== v) throw new Error('getHeader did not return the value')
    const expected = restricted(n, v) ? INVALID_ARGUMENT : { target: '/', lines: [wireLine(n, v)] }
    await expectOutcome(srv, expected, () => request)
  }), { numRuns: RUNS })
  t.pass()
})

test('should answer random option bags with Electron\'s error or a request', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'))
  const options = fc.record({
    redirect: fc.oneof(fc.constantFrom('follow', 'error', 'manual', '', 'FOLLOW'), nastyString, fc.anything()),
    headers: fc.oneof(fc.constant(undefined), fc.constant(null), fc.dictionary(headerName, headerValue, { maxKeys: 3 }), fc.anything()),
    partition: fc.oneof(fc.constant(undefined), fc.string(), fc.anything()),
    credentials: fc.oneof(fc.constantFrom('include', 'omit', 'same-origin', 'Include'), fc.anything()),
    origin: fc.oneof(fc.constant(undefined), fc.constant('http://a.example'), nastyString, fc.anything()),
    referrerPolicy: fc.oneof(fc.constantFrom('', 'no-referrer', 'unsafe-url', 'ORIGIN'), fc.anything()),
    cache: fc.oneof(fc.constantFrom('default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached'), fc.anything()),
    priority: fc.oneof(fc.constantFrom('throttled', 'idle', 'lowest', 'low', 'medium', 'highest'), fc.anything()),
    priorityIncremental: fc.anything(),
    useSessionCookies: fc.anything()
  }, { requiredKeys: [] })
  await fc.assert(fc.asyncProperty(options, async (opts) => {
    const entries = opts.headers != null && typeof opts.headers === 'object' ? Object.entries(opts.headers) : []
    fc.pre(entries.every(([n, v]) => !PARAMETER_HEADER.test(n) && (v == null || canStringify(v))))
    // The oracle, in Electron's validation order (§1.3).
    const outcome = () => {
      if (!['follow', 'error', 'manual'].includes(opts.redirect || 'follow')) {
        return { type: Error, message: 'redirect mode should be one of follow, error or manual' }
      }
      if (opts.headers != null && typeof opts.headers !== 'object') return { type: TypeError, message: 'headers must be an object' }
      for (const [n, v] of entries) {
        const error = headerError(n, v)
        if (error) return error
      }
      if (opts.partition && typeof opts.partition !== 'string') return { type: TypeError, message: '`partition` should be a string' }
      if (opts.credentials === 'same-origin' && !(typeof opts.origin === 'string' && opts.origin)) {
        return { type: Error, message: 'credentials: same-origin requires origin to be set' }
      }
      if (entries.some(([n, v]) => restricted(n, v))) return INVALID_ARGUMENT
      // Later keys with the same lower-cased name replace earlier ones (§1.2).
      const byName = new Map()
      for (const [n, v] of entries) byName.set(n.toLowerCase(), wireLine(n, v))
      // The server's 204 is never stored, so only-if-cached fails without a request, unless the
      // caller's own Range or conditional header takes the request past the cache (README).
      const bypass = ['range', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range']
      if (opts.cache === 'only-if-cached' && !bypass.some((n) => byName.has(n))) return { async: 'net::ERR_CACHE_MISS' }
      // Cache modes add request headers unless the caller set the same name (§8.4).
      const cacheHeaders = { reload: [['Pragma', 'no-cache'], ['Cache-Control', 'no-cache']], 'no-cache': [['Cache-Control', 'max-age=0']] }
      // Looked up only by an own string key: a random `cache` may be an object that cannot
      // become a key, or a name such as 'toString'.
      const modeHeaders = typeof opts.cache === 'string' && Object.hasOwn(cacheHeaders, opts.cache) ? cacheHeaders[opts.cache] : []
      for (const [n, v] of modeHeaders) {
        if (!byName.has(n.toLowerCase())) byName.set(n.toLowerCase(), wireLine(n, v))
      }
      return { target: '/', lines: [...byName.values()] }
    }
    await expectOutcome(srv, outcome(), () => net.request({ ...opts, url: `${srv.url}/` }))
  }), { numRuns: RUNS })
  t.pass()
})

test('should have a wire check that catches a bare LF, a bare CR and a NUL', (t) => {
  const ok = 'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n'
  t.true(wireIsClean(ok))
  t.false(wireIsClean(ok.replace('X: 1', 'X: 1\nY: 2')))
  t.false(wireIsClean(ok.replace('X: 1', 'X: 1\rY: 2')))
  t.false(wireIsClean(ok.replace('X: 1', 'X: \0')))
})
