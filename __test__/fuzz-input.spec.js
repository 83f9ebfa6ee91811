'use strict'

// Property-based: random options, header names/values and methods thrown at the constructor and
// setHeader. Each run ends in Electron's error, or in a request a raw local server receives
// intact — never a crash, never a header injection (no CR/LF of the caller's reaches the wire).

const fc = require('fast-check')
const test = require('ava')
const { net } = require('..')
const { rawServer } = require('./helpers/raw-server')

const RUNS = Number(process.env.FUZZ_RUNS || 150)

// Errors Electron throws for bad input (reference §1.3, §2.2).
const ELECTRON_ERRORS = [
  /^Invalid header name: '/s,
  /^Invalid value for header '/s,
  /^`value` required in setHeader\(/s,
  /^`name` should be a string in setHeader\(name, value\)$/,
  /^headers must be an object$/,
  /^redirect mode should be one of follow, error or manual$/,
  /^Request path contains unescaped characters$/,
  /^Invalid URL$/,
  /^ClientRequest only supports http: and https: protocols$/,
  /^credentials: same-origin requires origin to be set$/,
  /^`session` should be an instance of the Session class$/,
  /^`partition` should be a string$/
]

const nastyString = fc.oneof(
  fc.string(),
  fc.fullUnicodeString({ maxLength: 20 }),
  fc.constantFrom('a\r\nX-Injected: 1', 'x\nSet-Cookie: a=b', 'nul\0byte', '\t tab ', 'é', ' ', ''),
  fc.string({ minLength: 2000, maxLength: 5000 })
)
const headerName = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/),
  nastyString
)
const headerValue = fc.oneof(nastyString, fc.integer(), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.constant(null))

// Runs the request against a raw server; resolves with the received head or the error.
function send (request) {
  return new Promise((resolve) => {
    request.on('error', (error) => resolve({ error }))
    request.on('response', (response) => {
      response.resume()
      response.on('end', () => resolve({ ok: true }))
      response.on('error', (error) => resolve({ error }))
    })
    request.end()
  })
}

function parseHead (head) {
  const lines = head.split('\r\n')
  return { requestLine: lines[0], headers: lines.slice(1).filter(Boolean) }
}

const ENGINE_HEADERS = /^(Host|Connection|User-Agent|Accept-Encoding|Sec-Fetch-Site|Sec-Fetch-Mode|Sec-Fetch-Dest|Content-Length):/

test('should answer random headers with Electron\'s error or send them intact', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'))
  await fc.assert(fc.asyncProperty(headerName, headerValue, async (name, value) => {
    const before = srv.requests.length
    let request
    try {
      request = net.request({ url: srv.url, headers: { [name]: value } })
    } catch (error) {
      return ELECTRON_ERRORS.some((re) => re.test(error.message))
    }
    const result = await send(request)
    if (result.error) {
      // Restricted headers fail this way, and nothing reaches the server.
      return result.error.message === 'net::ERR_INVALID_ARGUMENT' && srv.requests.length === before
    }
    const { headers } = parseHead(srv.requests.at(-1).head)
    const expected = `${name}: ${Buffer.from(String(value)).toString('latin1')}`
    const own = headers.filter((h) => !ENGINE_HEADERS.test(h))
    const replaced = headers.includes(expected)
    // Exactly our header (it may have replaced an engine header of the same name), nothing else.
    return replaced && own.every((h) => h === expected)
  }), { numRuns: RUNS })
  t.pass()
})

test('should answer random setHeader calls with Electron\'s error or accept them', (t) => {
  fc.assert(fc.property(fc.anything(), fc.anything(), (name, value) => {
    const request = net.request('http://127.0.0.1:1/')
    try {
      request.setHeader(name, value)
      return request.getHeader(name) === value
    } catch (error) {
      return ELECTRON_ERRORS.some((re) => re.test(error.message))
    }
  }), { numRuns: RUNS * 5 })
  t.pass()
})

test('should answer random methods and paths with Electron\'s error, a refusal, or a clean request line', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'))
  await fc.assert(fc.asyncProperty(nastyString, nastyString, async (method, path) => {
    const before = srv.requests.length
    let request
    try {
      request = net.request({ method, hostname: '127.0.0.1', port: srv.port, path })
    } catch (error) {
      return ELECTRON_ERRORS.some((re) => re.test(error.message))
    }
    const result = await send(request)
    if (result.error) return result.error.message === 'net::ERR_INVALID_ARGUMENT' && srv.requests.length === before
    const { requestLine } = parseHead(srv.requests.at(-1).head)
    // METHOD SP target SP HTTP/1.1, with no space or line break smuggled into either part.
    return /^[!#$%&'*+\-.^_`|~0-9A-Z]+ \S+ HTTP\/1\.1$/.test(requestLine)
  }), { numRuns: RUNS })
  t.pass()
})

test('should answer random option bags with Electron\'s error or a request', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'))
  const options = fc.record({
    redirect: fc.oneof(fc.constantFrom('follow', 'error', 'manual'), nastyString, fc.anything()),
    headers: fc.oneof(fc.constant(undefined), fc.constant(null), fc.anything()),
    partition: fc.oneof(fc.constant(undefined), fc.string(), fc.anything()),
    credentials: fc.oneof(fc.constantFrom('include', 'omit', 'same-origin'), fc.anything()),
    origin: fc.oneof(fc.constant(undefined), nastyString),
    referrerPolicy: fc.oneof(fc.constantFrom('', 'no-referrer', 'unsafe-url'), fc.anything()),
    cache: fc.anything(),
    priority: fc.anything(),
    priorityIncremental: fc.anything(),
    useSessionCookies: fc.anything()
  }, { requiredKeys: [] })
  await fc.assert(fc.asyncProperty(options, async (opts) => {
    let request
    try {
      request = net.request({ ...opts, url: srv.url })
    } catch (error) {
      return ELECTRON_ERRORS.some((re) => re.test(error.message))
    }
    const result = await send(request)
    return result.ok === true || /^net::ERR_/.test(result.error.message)
  }), { numRuns: RUNS })
  t.pass()
})
