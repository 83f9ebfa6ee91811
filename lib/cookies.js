'use strict'

const { EventEmitter } = require('node:events')
const errors = require('./errors')

// `ses.cookies` (reference §7.2): Electron's Cookies over the session's native cookie store
// (src/binding/cookies.rs). The store is in memory (and, for a persistent session, written to
// disk in batches), so calls complete at once; the promises still settle on a later task, as
// Electron's do.

const kSession = Symbol('session')
const kNative = Symbol('native')

const SAME_SITE = ['unspecified', 'no_restriction', 'lax', 'strict']

// Electron's Cookie object, keys in Electron's order; `expirationDate` only for persistent ones.
function toCookie (c) {
  const cookie = {
    name: c.name,
    value: c.value,
    domain: c.domain,
    hostOnly: c.hostOnly,
    path: c.path,
    secure: c.secure,
    httpOnly: c.httpOnly,
    session: c.session
  }
  if (!c.session) cookie.expirationDate = c.expirationDate
  cookie.sameSite = c.sameSite
  return cookie
}

// What a gin dictionary would read of `object[key]`: only a value of the right type counts.
function field (object, key, type) {
  const value = object == null ? undefined : object[key]
  return typeof value === type ? value : undefined // eslint-disable-line valid-typeof
}

function later (fn) {
  return new Promise((resolve, reject) => setImmediate(() => {
    try {
      resolve(fn())
    } catch (err) {
      reject(err)
    }
  }))
}

class Cookies extends EventEmitter {
  constructor (sessionId, native) {
    super()
    this[kSession] = sessionId
    this[kNative] = native
    // Changes are only collected while someone listens (a store nobody watches queues nothing).
    this.on('newListener', (event) => {
      if (event === 'changed' && this.listenerCount('changed') === 0) native.cookiesListen(sessionId, true)
    })
    this.on('removeListener', (event) => {
      if (event === 'changed' && this.listenerCount('changed') === 0) native.cookiesListen(sessionId, false)
    })
  }

  get (filter) {
    const native = {
      url: field(filter, 'url', 'string'),
      name: field(filter, 'name', 'string'),
      domain: field(filter, 'domain', 'string'),
      path: field(filter, 'path', 'string'),
      secure: field(filter, 'secure', 'boolean'),
      httpOnly: field(filter, 'httpOnly', 'boolean'),
      session: field(filter, 'session', 'boolean')
    }
    return later(() => this[kNative].cookiesGet(this[kSession], native).map(toCookie))
  }

  set (details) {
    const url = field(details, 'url', 'string')
    if (url === undefined) return Promise.reject(errors.cookieMissingUrl())
    const sameSite = details.sameSite
    if (sameSite !== undefined && !SAME_SITE.includes(sameSite)) {
      return Promise.reject(errors.cookieBadSameSite(sameSite))
    }
    const native = {
      url,
      name: field(details, 'name', 'string'),
      value: field(details, 'value', 'string'),
      domain: field(details, 'domain', 'string'),
      path: field(details, 'path', 'string'),
      secure: field(details, 'secure', 'boolean'),
      httpOnly: field(details, 'httpOnly', 'boolean'),
      expirationDate: field(details, 'expirationDate', 'number'),
      sameSite
    }
    return later(() => {
      const failure = this[kNative].cookiesSet(this[kSession], native)
      if (failure != null) throw errors.cookieSetFailed(failure)
    })
  }

  remove (url, name) {
    return later(() => this[kNative].cookiesRemove(this[kSession], String(url), String(name)))
  }

  flushStore () {
    return this[kNative].cookiesFlush(this[kSession]).catch((err) => {
      throw errors.cookieStoreNotWritten(err && err.message)
    })
  }

  // The engine's poke (bridge.js): emits every change queued since the last one, in order.
  _emitChanges () {
    for (const change of this[kNative].cookiesTakeChanges(this[kSession])) {
      this.emit('changed', new Event(), toCookie(change.cookie), change.cause, change.removed)
    }
  }
}

// The first argument Electron's native emitters give their listeners (gin_helper's
// EventEmitterMixin::Emit, shell/common/gin_helper/event.cc): an `Event` whose only members are
// `preventDefault()` and `defaultPrevented`. For 'changed' nothing reads it back.
class Event {
  #prevented = false

  preventDefault () {
    this.#prevented = true
  }

  get defaultPrevented () {
    return this.#prevented
  }
}

module.exports = { Cookies }
