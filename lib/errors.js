'use strict'

const { missingAddonMessage } = require('./native-target')

// Every error text users see, in one place. Electron's texts are matched exactly (reference §1-§3,
// §9; Electron's spec files assert them), so they are never written anywhere else in lib/.

const util = require('node:util')

// A network failure: a plain Error whose message is `net::ERR_<NAME>`, no `code` (reference §9).
// `name` is Chromium's name, as the engine reports it.
function netError (name) {
  return new Error(`net::${name}`)
}

// ClientRequest's state and header methods (reference §2).
const chunkedEncodingAfterStart = () => new Error('chunkedEncoding can only be set before the request is started')
const chunkedEncodingTwice = () => new Error('chunkedEncoding can only be set once')
const setHeaderAfterSent = () => new Error('Can\'t set headers after they are sent')
const removeHeaderAfterSent = () => new Error('Can\'t remove headers after they are sent')
const nameRequired = (method) => new Error(`\`name\` is required for ${method}(name)`)
const headerNameNotString = () => new TypeError('`name` should be a string in setHeader(name, value)')
const headerValueRequired = (name) => new Error('`value` required in setHeader("' + name + '", value)')
const invalidHeaderName = (name) => new Error(`Invalid header name: '${name}'`)
const invalidHeaderValue = (name, value) => new Error(`Invalid value for header '${name}': '${value}'`)
const navigationNeedsNavigateMode = () => new TypeError('sec-fetch-dest of \'document\', \'frame\', \'iframe\' or \'fencedframe\' requires sec-fetch-mode \'navigate\'')

// Redirects (reference §6).
const redirectPolicyError = () => new Error('Attempted to redirect, but redirect policy was \'error\'')
const redirectCancelled = () => new Error('Redirect was cancelled')
const notWaitingForRedirect = () => new Error('followRedirect() called, but was not waiting for a redirect')

// net.fetch (reference §11): Electron's abort error when the signal has no reason, and the
// Fetch standard's TypeError for a request body chunk that is not bytes (Node's fetch text).
const fetchAborted = () => new DOMException('The operation was aborted.', 'AbortError')
const fetchBodyChunkNotBytes = () => new TypeError('Received non-Uint8Array chunk')

// IncomingMessage.
const trailersUnsupported = () => new Error('HTTP trailers are not supported')

// net.request options (reference §1).
const unescapedPath = () => new TypeError('Request path contains unescaped characters')
const invalidRedirectMode = () => new Error('redirect mode should be one of follow, error or manual')
const headersNotObject = () => new TypeError('headers must be an object')
const notASession = () => new TypeError('`session` should be an instance of the Session class')
const partitionNotString = () => new TypeError('`partition` should be a string')
const unsupportedProtocol = () => new Error('ClientRequest only supports http: and https: protocols')
const sameOriginNeedsOrigin = () => new Error('credentials: same-origin requires origin to be set')

// The `signal` option is Node's (http.request), so a wrong one fails as Node's does: its
// ERR_INVALID_ARG_TYPE TypeError, text and code (lib/internal/errors.js).
function signalNotAbortSignal (value) {
  const error = new TypeError(`The "signal" argument must be an instance of AbortSignal. Received ${describeReceived(value)}`)
  error.code = 'ERR_INVALID_ARG_TYPE'
  return error
}

// Node's determineSpecificType (lib/internal/errors.js, as in Node 20.20): how its argument
// errors name the value they got.
function describeReceived (value) {
  if (value === null || value === undefined) return String(value)
  switch (typeof value) {
    case 'bigint':
      return `type bigint (${value}n)`
    case 'number':
      return `type number (${Object.is(value, -0) ? '-0' : String(value)})`
    case 'boolean':
    case 'symbol':
      return `type ${typeof value} (${String(value)})`
    case 'function':
      return `function ${value.name}`
    case 'object':
      if (value.constructor && 'name' in value.constructor) return `an instance of ${value.constructor.name}`
      return util.inspect(value, { depth: -1 })
    default: {
      const text = value.length > 28 ? `${value.slice(0, 25)}...` : value
      return `type string (${text.includes("'") ? JSON.stringify(text) : `'${text}'`})`
    }
  }
}

// ses.cookies (reference §7.2). A rejected set carries Electron's text as the cookie store
// builds it ('Failed to set cookie - ' + reasons + Chromium's status), src/request/cookies.
const cookieMissingUrl = () => new Error('Missing required option \'url\'')
const cookieBadSameSite = (value) => new Error(`Failed to convert '${value}' to an appropriate cookie same site value`)
const cookieSetFailed = (text) => new Error(text)
// flushStore() of a persistent session whose file cannot be written: the reason names the
// file (src/request/cookies/persist.rs); the cookies stay in memory.
const cookieStoreNotWritten = (reason) => new Error(String(reason))

// Sessions (reference §10).
const sessionConstructor = () => new TypeError('Session objects are created by session.fromPartition()')
const invalidProxyMode = () => new Error('Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system')
const partitionArgumentNotString = () => new TypeError('Must pass partition as a string')
const emptySessionPath = () => new TypeError('An empty path was specified')
const relativeSessionPath = () => new TypeError('An absolute path was not provided')
const userDataPathTooLate = () => new Error('setUserDataPath() must be called before the first session is created')

// Session trust and TLS settings (reference §10; Electron's electron_api_session.cc, gin's
// Arguments::ThrowError and gin_helper/callback.cc).
const mustPassNullOrFunction = () => new TypeError('Must pass null or function')
const insufficientArguments = () => new TypeError('Insufficient number of arguments.')
// gin names the value only when it is a string (V8TypeAsString): '' for objects and numbers.
const conversionFailure = (index, value) => new TypeError(`Error processing argument at index ${index}, conversion failure from ${
  value === undefined ? 'undefined' : value === null ? 'null' : typeof value === 'string' ? value : ''}`)
// Electron's ClearData when both filters are given.
const originsAndExcludeOrigins = () => new Error("Cannot provide both 'origins' and 'excludeOrigins'")
const oneTimeCallbackCalledTwice = () => new TypeError('One-time callback was called more than once')

// The package itself is incomplete: no native addon for this platform loaded (the texts name the
// missing prebuilt package and local build, lib/native-target.js). `cause` is the loader's error.
const addonMissing = (cause) => new Error(missingAddonMessage(), { cause })

module.exports = {
  netError,
  addonMissing,
  mustPassNullOrFunction,
  insufficientArguments,
  conversionFailure,
  oneTimeCallbackCalledTwice,
  originsAndExcludeOrigins,
  chunkedEncodingAfterStart,
  chunkedEncodingTwice,
  setHeaderAfterSent,
  removeHeaderAfterSent,
  nameRequired,
  headerNameNotString,
  headerValueRequired,
  invalidHeaderName,
  invalidHeaderValue,
  navigationNeedsNavigateMode,
  redirectPolicyError,
  redirectCancelled,
  notWaitingForRedirect,
  fetchAborted,
  fetchBodyChunkNotBytes,
  trailersUnsupported,
  unescapedPath,
  invalidRedirectMode,
  headersNotObject,
  notASession,
  partitionNotString,
  unsupportedProtocol,
  sameOriginNeedsOrigin,
  signalNotAbortSignal,
  sessionConstructor,
  invalidProxyMode,
  partitionArgumentNotString,
  emptySessionPath,
  relativeSessionPath,
  userDataPathTooLate,
  cookieMissingUrl,
  cookieBadSameSite,
  cookieSetFailed,
  cookieStoreNotWritten
}
