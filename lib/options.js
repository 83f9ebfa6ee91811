'use strict'

const errors = require('./errors')

// Option parsing and validation for ClientRequest, in Electron's order and with its exact
// error texts (reference §1.2–1.4, Electron's lib/common/api/net-client-request.ts).

const url = require('node:url')

// RFC 7230 token (Electron uses net::HttpUtil::IsValidHeaderName, which accepts the same set).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// net::HttpUtil::IsValidHeaderValue refuses NUL, CR and LF only.
const INVALID_VALUE = /[\0\r\n]/

const REDIRECT_MODES = ['follow', 'error', 'manual']
const CREDENTIALS = ['include', 'omit', 'same-origin']
const CACHE_MODES = ['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached']
const PRIORITIES = ['throttled', 'idle', 'lowest', 'low', 'medium', 'highest']
const REFERRER_POLICIES = [
  '', 'no-referrer', 'no-referrer-when-downgrade', 'origin', 'origin-when-cross-origin',
  'unsafe-url', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'
]

function validateHeader (name, value) {
  if (typeof name !== 'string') {
    throw errors.headerNameNotString()
  }
  if (value == null) {
    throw errors.headerValueRequired(name)
  }
  if (!TOKEN.test(name)) {
    throw errors.invalidHeaderName(name)
  }
  if (INVALID_VALUE.test(String(value))) {
    throw errors.invalidHeaderValue(name, value)
  }
}

// §1.4: the URL when `url` is absent, joined with Node's legacy url.format as Electron does.
function buildUrl (options) {
  const urlObj = { protocol: options.protocol || 'http:' }
  if (options.host) {
    urlObj.host = options.host
  } else {
    urlObj.hostname = options.hostname || 'localhost'
    if (options.port) urlObj.port = options.port
  }
  if (options.path && / /.test(options.path)) {
    throw errors.unescapedPath()
  }
  // Only pathname, search and hash of `path` are kept: an authority inside it is dropped.
  const parsed = new URL(options.path || '/', 'http://electron-net-rs.invalid')
  urlObj.pathname = parsed.pathname
  urlObj.search = parsed.search
  urlObj.hash = parsed.hash
  return url.format(urlObj)
}

function pick (value, allowed) {
  return typeof value === 'string' && allowed.includes(value) ? value : undefined
}

// `new URL(text)` as far as parseOptions (and lib/fetch.js) reads it: href, protocol, origin (the
// initiator), and whether it carries a user name or password.
// The last result is kept: an app tends to request the same URL again and again (a polling
// loop, a retry), and parsing it is ~5 % of the JS thread's time per request at 64 requests in
// flight (bench W2).
let lastUrlText = null
let lastUrl = null
function parseUrlString (text) {
  if (text !== lastUrlText) {
    const parsed = new URL(text)
    lastUrl = Object.freeze({
      href: parsed.href,
      protocol: parsed.protocol,
      origin: parsed.origin,
      hasCredentials: parsed.username !== '' || parsed.password !== ''
    })
    lastUrlText = text
  }
  return lastUrl
}

// Node's `signal` option (http.request): ignored when falsy, as Node does; otherwise it must
// look like an AbortSignal. Node's own check (validateAbortSignal) only wants `aborted`, and a
// value without the listener methods then throws later, from inside Node; we refuse it here.
function abortSignalOf (signal) {
  if (!signal) return null
  if (typeof signal !== 'object' || !('aborted' in signal) ||
    typeof signal.addEventListener !== 'function' || typeof signal.removeEventListener !== 'function') {
    throw errors.signalNotAbortSignal(signal)
  }
  return signal
}

// Returns everything ClientRequest needs; throws Electron's errors in Electron's order (§1.3).
function parseOptions (optionsIn, isSession) {
  // §1.2: a string is parsed with `new URL` (Node's 'Invalid URL' TypeError) and the URL's own
  // origin becomes the request's initiator.
  const options = typeof optionsIn === 'string' ? parseUrlString(optionsIn) : { ...optionsIn }
  let urlStr = options.url || options.href
  urlStr = urlStr ? String(urlStr) : buildUrl(options)

  const redirect = options.redirect || 'follow'
  if (!REDIRECT_MODES.includes(redirect)) {
    throw errors.invalidRedirectMode()
  }
  if (options.headers != null && typeof options.headers !== 'object') {
    throw errors.headersNotObject()
  }
  // Keyed by lower-cased name: a later spelling replaces the value and the name, but keeps the
  // first key's position (Map insertion order).
  const headers = new Map()
  for (const [name, value] of Object.entries(options.headers || {})) {
    validateHeader(name, value)
    headers.set(name.toLowerCase(), { name, value })
  }

  let session = null
  let partition = ''
  if (options.session) {
    if (!isSession(options.session)) {
      throw errors.notASession()
    }
    session = options.session
  } else if (options.partition) {
    if (typeof options.partition !== 'string') {
      throw errors.partitionNotString()
    }
    partition = options.partition
  }

  const protocol = typeof optionsIn === 'string' ? options.protocol : parseUrlString(urlStr).protocol
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw errors.unsupportedProtocol()
  }

  const credentials = pick(options.credentials, CREDENTIALS)
  const origin = typeof options.origin === 'string' ? options.origin : undefined
  if (credentials === 'same-origin' && !origin) {
    throw errors.sameOriginNeedsOrigin()
  }

  const referrerPolicy = typeof options.referrerPolicy === 'string' &&
    REFERRER_POLICIES.includes(options.referrerPolicy.toLowerCase())
    ? options.referrerPolicy.toLowerCase()
    : undefined

  // Positional, as src/binding/requests.rs (options_from_list) reads it; flags as strings.
  // (`redirect` is handled in JS.)
  const native = [
    credentials,
    pick(options.cache, CACHE_MODES),
    pick(options.priority, PRIORITIES),
    // Only forwarded when the key is present; an explicit undefined means false (§1.2).
    'priorityIncremental' in options ? String(!!options.priorityIncremental) : undefined,
    referrerPolicy,
    origin,
    // Read by truthiness (reference §1.2); only matters while `credentials` is unset.
    options.useSessionCookies ? 'true' : undefined
  ]
  return {
    signal: abortSignalOf(options.signal),
    method: String(options.method || 'GET').toUpperCase(),
    url: urlStr,
    headers,
    session,
    partition,
    redirect,
    // Only what differs from the defaults crosses into native code (less to convert per request).
    native: native.some((v) => v !== undefined) ? native : undefined
  }
}

module.exports = { parseOptions, validateHeader, buildUrl, parseUrlString }
