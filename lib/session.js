'use strict'

const errors = require('./errors')

// Session: what a request needs from Electron's session (reference §10). Each Session owns a
// NativeSession (its connection pool, auth cache, user agent and proxy configuration; cookies
// and the HTTP cache join it in later versions).

const os = require('node:os')
const path = require('node:path')
const bridge = require('./bridge')

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
