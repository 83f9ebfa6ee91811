'use strict'

const errors = require('./errors')

// Session: what a request needs from Electron's session (reference §10). Each Session owns a
// NativeSession (its connection pool, auth cache, user agent and proxy configuration; cookies
// and the HTTP cache join it in later versions).

const os = require('node:os')
const path = require('node:path')
const bridge = require('./bridge')
const certificate = require('./certificate')

const kNative = Symbol('native')
const kPartition = Symbol('partition')
const kNativeId = Symbol('nativeId')

const sessions = new Map()

const PROXY_MODES = ['direct', 'auto_detect', 'pac_script', 'fixed_servers', 'system']

// A ProxyConfig field as Electron's gin dictionary reads it: only a string counts.
function stringField (config, name) {
  const value = config == null ? undefined : config[name]
  return typeof value === 'string' ? value : undefined
}

class Session {
  constructor (partition, token) {
    if (token !== kPartition) {
      throw errors.sessionConstructor()
    }
    this[kPartition] = partition
    // Its TLS trusts NODE_EXTRA_CA_CERTS as this thread sees it now (a worker's process.env is
    // its own copy, which the native side cannot read).
    this[kNative] = new (bridge.binding().NativeSession)(partition, process.env.NODE_EXTRA_CA_CERTS)
    // Requests name their session by this id (cheaper to pass than the object, src/binding/session.rs).
    this[kNativeId] = this[kNative].id
  }

  isPersistent () {
    return this[kPartition].startsWith('persist:')
  }

  // Where a `persist:` partition keeps its data (Electron: <userData>/Partitions/<name>);
  // null for in-memory sessions. Nothing is written there yet.
  get storagePath () {
    if (!this.isPersistent()) return null
    const name = this[kPartition].slice('persist:'.length)
    return path.join(os.homedir(), '.electron-net-rs', 'Partitions', encodeURIComponent(name))
  }

  setUserAgent (userAgent, acceptLanguages) {
    this[kNative].setUserAgent(String(userAgent), acceptLanguages == null ? undefined : String(acceptLanguages))
  }

  getUserAgent () {
    return this[kNative].getUserAgent()
  }

  // Electron's closeAllConnections (reference §10): pooled connections close and requests in
  // flight fail with net::ERR_ABORTED. Resolves on a later task, as Electron's promise does.
  closeAllConnections () {
    this[kNative].closeAllConnections()
    return new Promise((resolve) => setImmediate(resolve))
  }

  // Electron's setProxy (reference §10): with no `mode`, `pac_script` when `pacScript` is
  // non-empty, else `fixed_servers`; an unknown mode rejects with Electron's message. Requests
  // started after the promise resolves (on a later task) use the new config.
  setProxy (config) {
    const pacScript = stringField(config, 'pacScript') || ''
    let mode = stringField(config, 'mode')
    if (mode === undefined) {
      mode = pacScript ? 'pac_script' : 'fixed_servers'
    } else if (!PROXY_MODES.includes(mode)) {
      return Promise.reject(errors.invalidProxyMode())
    }
    this[kNative].setProxy(mode, stringField(config, 'proxyRules') || '', stringField(config, 'proxyBypassRules') || '')
    return new Promise((resolve) => setImmediate(resolve))
  }

  // PAC-style: 'DIRECT', 'PROXY host:port', ... joined with ';' ('' for a URL that does not
  // parse), resolved on a later task as Electron's promise is.
  resolveProxy (url) {
    const result = this[kNative].resolveProxy(String(url))
    return new Promise((resolve) => setImmediate(() => resolve(result)))
  }

  // Electron's setCertificateVerifyProc (reference §10): null restores the default; anything
  // else but a function throws. Cached verdicts and pooled connections are forgotten.
  setCertificateVerifyProc (proc) {
    if (arguments.length === 0) throw errors.insufficientArguments()
    if (proc !== null && typeof proc !== 'function') throw errors.mustPassNullOrFunction()
    this[kNative].setCertificateVerifyProc(proc === null ? null : certificate.dispatcher(proc))
  }

  // Electron's setSSLConfig: minVersion and maxVersion 'tls1.2' or 'tls1.3' (what its converter
  // accepts; its docs also list 'tls1' and 'tls1.1', which it refuses), disabledCipherSuites an
  // array of IANA numbers (TLS 1.2 suites; see README "Differences"). Anything else throws gin's
  // conversion error. Later connections use it; pooled ones are not used again.
  setSSLConfig (config) {
    if (arguments.length === 0) throw errors.insufficientArguments()
    const fail = () => errors.conversionFailure(0, config)
    if (config === null || (typeof config !== 'object' && typeof config !== 'function')) throw fail()
    // A value that is not a string is skipped, as gin's Dictionary::Get leaves it.
    const version = (name) => {
      const value = config[name]
      if (typeof value !== 'string') return undefined
      if (value !== 'tls1.2' && value !== 'tls1.3') throw fail()
      return value
    }
    const min = version('minVersion')
    const max = version('maxVersion')
    let suites = []
    if ('disabledCipherSuites' in config) {
      if (!Array.isArray(config.disabledCipherSuites)) throw fail()
      // V8's IntegerValue, then the uint16 Electron stores.
      suites = config.disabledCipherSuites.map((n) => (Math.trunc(Number(n)) || 0) & 0xffff)
    }
    this[kNative].setSslConfig(min === 'tls1.3', max === 'tls1.2', suites)
  }

  clearAuthCache () {
    this[kNative].clearAuthCache()
    return new Promise((resolve) => setImmediate(resolve))
  }
}

// Electron reads `options` ({ cache }) only the first time a partition is used (reference
// §10); nothing in it has an effect yet, as there is no HTTP cache.
function fromPartition (partition = '') {
  if (typeof partition !== 'string') throw errors.partitionArgumentNotString()
  let session = sessions.get(partition)
  if (!session) {
    session = new Session(partition, kPartition)
    sessions.set(partition, session)
  }
  return session
}

function nativeIdOf (session) {
  return session[kNativeId]
}

const session = {
  fromPartition,
  get defaultSession () {
    return fromPartition('')
  }
}

module.exports = { Session, session, fromPartition, nativeIdOf }
