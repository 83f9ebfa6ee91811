'use strict'

const errors = require('./errors')

// Session: what a request needs from Electron's session (reference §10). Each Session owns a
// NativeSession (its connection pool, auth cache, user agent, proxy configuration and cookie
// store; the HTTP cache joins it in a later version).

const path = require('node:path')
const bridge = require('./bridge')
const { Cookies } = require('./cookies')
const { userDataRoot, partitionDirectory } = require('./storage-path')
const certificate = require('./certificate')
const { fetchWithSession } = require('./fetch')
const commandLine = require('./command-line')

const kNative = Symbol('native')
const kPartition = Symbol('partition')
const kNativeId = Symbol('nativeId')
const kStoragePath = Symbol('storagePath')
const kCookies = Symbol('cookies')

// Sessions by partition ('' is the default session) and, for fromPath, by 'path:' + directory.
const sessions = new Map()
// By native id, for the engine's session events (cookie changes).
const byNativeId = new Map()

bridge.setSessionEvents({
  _onNativeEvent (kind, sessionId) {
    const session = byNativeId.get(sessionId)
    if (kind === bridge.EventKind.COOKIES_CHANGED && session && session[kCookies]) {
      session[kCookies]._emitChanges()
    }
  }
})

// A persistent session's cookies still waiting for their batch are written when this thread's
// process (or worker) exits, as Chromium writes them at shutdown (the environment's cleanup hook
// does it too, src/binding/env.rs, but not on every way out of the main thread). One hook per
// thread, whatever the number of copies of this module (jest loads one per test file). The
// listener is the native function bound, not a closure: any closure made here keeps this
// module's scope, and so an abandoned copy, alive.
const kExitFlush = Symbol.for('electron-net-rs.cookiesFlushAtExit')
function flushAtExit () {
  if (process[kExitFlush]) return
  process[kExitFlush] = true
  process.once('exit', bridge.binding().cookiesFlushAll.bind(null))
}

const kSystemProxy = Symbol('systemProxy')

// The host-resolver-rules switch (lib/command-line.js) applies to every session of this load,
// for their later connections. Rules that do not parse are skipped with a warning, once per
// rule string (Chromium logs "Failed parsing rule").
let warnedRules = null
function applyHostResolverRules (native, rules) {
  const rejected = native.setHostResolverRules(rules)
  if (rejected.length > 0 && warnedRules !== rules) {
    warnedRules = rules
    for (const rule of rejected) process.emitWarning(`Failed parsing rule: ${rule}`, 'HostResolverRulesWarning')
  }
}
commandLine.onHostResolverRules((rules) => {
  for (const session of sessions.values()) applyHostResolverRules(session[kNative], rules)
})

// The variables Chromium's Linux proxy service reads (src/request/system_proxy.rs), each looked
// up as its base::Environment does: as written, then in the other case (http_proxy, then
// HTTP_PROXY). From this thread's process.env, which a worker may have of its own.
const SYSTEM_PROXY_VARIABLES = ['auto_proxy', 'all_proxy', 'http_proxy', 'https_proxy', 'ftp_proxy',
  'SOCKS_SERVER', 'SOCKS_VERSION', 'no_proxy']
function systemProxyEnv () {
  const found = []
  for (const name of SYSTEM_PROXY_VARIABLES) {
    const other = name[0] === name[0].toLowerCase() ? name.toUpperCase() : name.toLowerCase()
    const value = process.env[name] ?? process.env[other]
    if (value !== undefined) found.push(name, value)
  }
  return found
}

const PROXY_MODES = ['direct', 'auto_detect', 'pac_script', 'fixed_servers', 'system']

// A ProxyConfig field as Electron's gin dictionary reads it: only a string counts.
function stringField (config, name) {
  const value = config == null ? undefined : config[name]
  return typeof value === 'string' ? value : undefined
}

class Session {
  constructor (partition, token, storagePath) {
    if (token !== kPartition) {
      throw errors.sessionConstructor()
    }
    this[kPartition] = partition
    this[kStoragePath] = storagePath
    // Its TLS trusts NODE_EXTRA_CA_CERTS as this thread sees it now (a worker's process.env is
    // its own copy, which the native side cannot read).
    const binding = bridge.binding()
    this[kNative] = new binding.NativeSession(partition, process.env.NODE_EXTRA_CA_CERTS,
      storagePath === null ? undefined : storagePath, bridge.loadId())
    // Requests name their session by this id (cheaper to pass than the object, src/binding/session.rs).
    this[kNativeId] = this[kNative].id
    byNativeId.set(this[kNativeId], this)
    if (storagePath !== null) flushAtExit()
    // Electron's sessions use the system's proxy settings until setProxy says otherwise.
    this[kSystemProxy] = true
    this[kNative].setProxy('system', '', '', '', systemProxyEnv())
    const rules = commandLine.hostResolverRules()
    if (rules !== '') applyHostResolverRules(this[kNative], rules)
  }

  // The default session, `persist:` partitions and fromPath sessions are on disk (reference §10).
  isPersistent () {
    return this[kStoragePath] !== null
  }

  // Where a persistent session keeps its data: the user-data directory for the default session,
  // <userData>/Partitions/<name> for `persist:<name>`, the path itself for fromPath; null for an
  // in-memory session. Its cookies live in `Cookies` there (SQLite).
  get storagePath () {
    return this[kStoragePath]
  }

  get cookies () {
    if (!this[kCookies]) this[kCookies] = new Cookies(this[kNativeId], bridge.binding())
    return this[kCookies]
  }

  // Electron's clearStorageData: of the storages we have, only cookies ('cookies', or no
  // `storages` at all). With `origin`, the cookies a request to that origin would carry.
  clearStorageData (options) {
    const storages = options && Array.isArray(options.storages) ? options.storages.map((s) => String(s).toLowerCase()) : null
    const origin = options && typeof options.origin === 'string' ? options.origin : undefined
    return this._clearCookies(storages === null || storages.includes('cookies'), origin === undefined ? undefined : originHost(origin))
  }

  // Electron's clearData: `dataTypes` absent means all of them; `origins` are matched by
  // registrable domain for cookies (reference §10). Of the data types, cookies and the HTTP
  // cache exist here; the cache is cleared whole even when `origins` names some (README).
  // `excludeOrigins` keeps those origins' cookies and clears the rest (Chromium's preserve mode);
  // giving it with `origins` throws Electron's error.
  clearData (options) {
    const dataTypes = options && Array.isArray(options.dataTypes) ? options.dataTypes : null
    const origins = options && Array.isArray(options.origins) ? options.origins : null
    const excluded = options && Array.isArray(options.excludeOrigins) ? options.excludeOrigins : null
    if (origins !== null && excluded !== null) throw errors.originsAndExcludeOrigins()
    const clearCookies = dataTypes === null || dataTypes.includes('cookies')
    const clearCache = dataTypes === null || dataTypes.includes('cache')
    // Resolves on a later task, with nothing to clear too, as Electron's promise does.
    const work = [new Promise((resolve) => setImmediate(resolve))]
    if (clearCache) work.push(this.clearCache())
    if (clearCookies && excluded !== null && excluded.length > 0) {
      const kept = excluded.map((o) => originHost(String(o)))
      work.push(new Promise((resolve) => setImmediate(() => {
        bridge.binding().cookiesClearExcept(this[kNativeId], kept)
        resolve()
      })))
    } else if (clearCookies) {
      const hosts = origins === null ? [undefined] : origins.map((o) => originHost(String(o)))
      for (const host of hosts) work.push(this._clearCookies(true, host))
    }
    return Promise.all(work).then(() => {})
  }

  // Electron's clearCache: every entry of this session's HTTP cache (on disk for a persistent
  // session) is deleted.
  clearCache () {
    return bridge.binding().httpCacheClear(this[kNativeId]).then(() => {})
  }

  // Electron's getCacheSize: the bytes this session's HTTP cache takes.
  getCacheSize () {
    return bridge.binding().httpCacheSize(this[kNativeId])
  }

  _clearCookies (clear, host) {
    return new Promise((resolve) => setImmediate(() => {
      if (clear) bridge.binding().cookiesClear(this[kNativeId], host)
      resolve()
    }))
  }

  setUserAgent (userAgent, acceptLanguages) {
    this[kNative].setUserAgent(String(userAgent), acceptLanguages == null ? undefined : String(acceptLanguages))
  }

  getUserAgent () {
    return this[kNative].getUserAgent()
  }

  // Electron's ses.fetch (reference §11, lib/fetch.js): a WHATWG fetch over this session.
  fetch (input, init) {
    return fetchWithSession(input, init, this)
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
    this[kSystemProxy] = mode === 'system'
    this[kNative].setProxy(mode, stringField(config, 'proxyRules') || '', stringField(config, 'proxyBypassRules') || '',
      pacScript, mode === 'system' ? systemProxyEnv() : undefined)
    return new Promise((resolve) => setImmediate(resolve))
  }

  // Electron's forceReloadProxyConfig (reference §10): a PAC script is fetched and evaluated
  // again (later requests and resolveProxy wait for it). Resolves on a later task.
  forceReloadProxyConfig () {
    // The system's settings are read again (this thread's process.env, as it is now).
    if (this[kSystemProxy]) this[kNative].setProxy('system', '', '', '', systemProxyEnv())
    else this[kNative].forceReloadProxyConfig()
    return new Promise((resolve) => setImmediate(resolve))
  }

  // PAC-style: 'DIRECT', 'PROXY host:port', ... joined with ';' ('' for a URL that does not
  // parse). Native work off the JS thread: a PAC script may have to load and answer first.
  resolveProxy (url) {
    const href = String(url)
    return new Promise((resolve) => this[kNative].resolveProxy(href, resolve))
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

  // Electron's resolveHost (reference §11): `host` must be a string (gin's conversion TypeError,
  // thrown, not rejected); `options` that is not an object, and option values Electron's
  // converters do not know, leave the defaults. Resolves with { endpoints: [{ address, family }] }
  // or rejects with net::ERR_NAME_NOT_RESOLVED (net::ERR_DNS_CACHE_MISS for `localOnly`), from
  // the session's host cache (src/request/host_resolver.rs), which its requests share.
  resolveHost (host, options) {
    if (arguments.length === 0) throw errors.insufficientArguments()
    if (typeof host !== 'string') throw errors.conversionFailure(0, host)
    const isObject = options !== null && (typeof options === 'object' || typeof options === 'function')
    // gin's Dictionary::Get: only a string converts; anything else leaves the field unset.
    const field = (name) => {
      if (!isObject) return undefined
      const value = options[name]
      return typeof value === 'string' ? value : undefined
    }
    const pending = this[kNative].resolveHost(host, field('queryType'), field('source'), field('cacheUsage'))
    return pending.then((endpoints) => ({ endpoints }), (error) => {
      throw errors.netError(error.message)
    })
  }

  // Electron's clearHostResolverCache: forgets the names requests and resolveHost looked up.
  clearHostResolverCache () {
    this[kNative].clearHostResolverCache()
    return new Promise((resolve) => setImmediate(resolve))
  }
}

// The host whose cookies `origin` names ('' when it is not a URL: matches nothing).
function originHost (origin) {
  try {
    return new URL(origin).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return ''
  }
}

// Electron reads `options` ({ cache }) only the first time a partition is used (reference
// §10): `cache: false` turns the session's HTTP cache off.
function fromPartition (partition = '', options) {
  if (typeof partition !== 'string') throw errors.partitionArgumentNotString()
  let session = sessions.get(partition)
  if (!session) {
    let storagePath = null
    if (partition === '') storagePath = userDataRoot()
    else if (partition.startsWith('persist:')) storagePath = partitionDirectory(partition.slice('persist:'.length))
    session = new Session(partition, kPartition, storagePath)
    applyOptions(session, options)
    sessions.set(partition, session)
  }
  return session
}

// Electron's session.fromPath: a persistent session kept in `dir` (absolute), the same object
// for the same directory.
function fromPath (dir, options) {
  if (typeof dir !== 'string' || dir === '') throw errors.emptySessionPath()
  if (!path.isAbsolute(dir)) throw errors.relativeSessionPath()
  const resolved = path.resolve(dir)
  const key = 'path:' + resolved
  let session = sessions.get(key)
  if (!session) {
    session = new Session('', kPartition, resolved)
    applyOptions(session, options)
    sessions.set(key, session)
  }
  return session
}

function applyOptions (session, options) {
  if (options !== null && typeof options === 'object' && options.cache === false) {
    bridge.binding().httpCacheSetEnabled(session[kNativeId], false)
  }
}

function nativeIdOf (session) {
  return session[kNativeId]
}

const session = {
  fromPartition,
  fromPath,
  // Where persistent sessions live (ours; Electron uses app.getPath('userData')). Call it before
  // the first session is created; ELECTRON_NET_RS_USER_DATA does the same from the environment.
  setUserDataPath (dir) {
    require('./storage-path').setUserDataPath(dir, sessions.size > 0)
  },
  get defaultSession () {
    return fromPartition('')
  }
}

module.exports = { Session, session, fromPartition, nativeIdOf }
