'use strict'

// Electron's ClientRequest (lib/common/api/net-client-request.ts) over the Rust engine.
// It is a Writable created with autoDestroy, so the event orders of reference §4 come out of
// Node's stream rules: 'close' follows 'finish', usually before 'response'.

const { Writable } = require('node:stream')
const { parseOptions, validateHeader } = require('./options')
const { IncomingMessage, splitRawHeaders } = require('./incoming-message')
const errors = require('./errors')
const { netError } = errors
const bridge = require('./bridge')
const { EventKind } = bridge
const sessionModule = require('./session')

const kOptions = Symbol('options')
const kHeaders = Symbol('headers')
const kHeadersLocked = Symbol('headersLocked')
const kChunked = Symbol('chunked')
const kStarted = Symbol('started')
const kAborted = Symbol('aborted')
const kBody = Symbol('body')
const kNative = Symbol('native')
const kId = Symbol('id')
const kResponse = Symbol('response')
const kPendingWrite = Symbol('pendingWrite')
const kUploadProgress = Symbol('uploadProgress')
const kFollowRedirect = Symbol('followRedirect')
const kTimeout = Symbol('timeout')
const kSignal = Symbol('signal')
const kSettled = Symbol('settled')
// lib/fetch.js reads a response without an IncomingMessage: a function (statusCode,
// statusMessage, httpVersion, joinedHeaders, request) making the object that stands in for it.
// That object has IncomingMessage's side of the bargain with ClientRequest:
// `_storeInternalData(chunk, received)` for every body chunk (null at the end), `destroy(error)`,
// and `_readMore()` / `_park()` called back on the request for backpressure.
const kResponseFactory = Symbol('responseFactory')

// Chromium refuses these `Sec-Fetch-Dest` values unless the mode is `navigate` (reference §8.1).
const NAVIGATION_DESTS = ['document', 'frame', 'iframe', 'fencedframe']

class ClientRequest extends Writable {
  constructor (options, callback) {
    super({ autoDestroy: true })
    const parsed = parseOptions(options, (s) => s instanceof sessionModule.Session)
    this[kOptions] = parsed
    this[kHeaders] = parsed.headers
    this[kHeadersLocked] = false
    this[kChunked] = undefined
    this[kStarted] = false
    this[kAborted] = false
    this[kBody] = []
    this[kNative] = null
    this[kId] = 0
    this[kResponse] = null
    this[kPendingWrite] = null
    this[kUploadProgress] = null
    this[kFollowRedirect] = null
    this[kTimeout] = null
    this[kSignal] = null
    // The engine is done with the request (its end or error delivered, or cancelled from JS).
    this[kSettled] = false
    this[kResponseFactory] = null
    if (callback) this.once('response', callback)
    if (typeof options === 'object' && options !== null && options.timeout > 0) {
      this.setTimeout(options.timeout)
    }
    if (parsed.signal !== null) this._followSignal(parsed.signal)
  }

  // Node's `signal` option (an extension Electron lacks): its abort is abort(), so 'abort' and
  // 'close' fire and no 'error' (the signal's reason is not surfaced). Followed until the
  // request is over: aborted, failed, or its response closed (read to the end or destroyed).
  _followSignal (signal) {
    if (signal.aborted) {
      // As abort() before end(): the events come on the next ticks, nothing is sent.
      this.abort()
      return
    }
    const onAbort = () => {
      this[kSignal] = null
      this.abort()
    }
    this[kSignal] = { signal, onAbort }
    signal.addEventListener('abort', onAbort, { once: true })
  }

  // Many requests may share one long-lived signal: each must take its listener away when it is
  // over, or the signal would keep them all (and their responses) alive.
  _unfollowSignal () {
    const followed = this[kSignal]
    if (followed === null) return
    this[kSignal] = null
    followed.signal.removeEventListener('abort', followed.onAbort)
  }

  get chunkedEncoding () {
    return this[kChunked] || false
  }

  set chunkedEncoding (value) {
    // Electron lets this succeed after a buffered write and silently drops what was written
    // (reference §2.1, docs≠code); we refuse it instead, so no data is ever lost silently.
    if (this[kStarted] || this[kHeadersLocked]) {
      throw errors.chunkedEncodingAfterStart()
    }
    if (this[kChunked] !== undefined) {
      throw errors.chunkedEncodingTwice()
    }
    this[kChunked] = !!value
  }

  setHeader (name, value) {
    if (this[kHeadersLocked]) throw errors.setHeaderAfterSent()
    validateHeader(name, value)
    this[kHeaders].set(name.toLowerCase(), { name, value })
  }

  getHeader (name) {
    if (name == null) throw errors.nameRequired('getHeader')
    const header = this[kHeaders].get(name.toLowerCase())
    return header && header.value
  }

  removeHeader (name) {
    if (name == null) throw errors.nameRequired('removeHeader')
    if (this[kHeadersLocked]) throw errors.removeHeaderAfterSent()
    this[kHeaders].delete(name.toLowerCase())
  }

  // Any write, even write(''), counts as the first write and locks the headers (§2.2).
  write (chunk, encoding, callback) {
    if (!this.destroyed && !this.writableEnded) this[kHeadersLocked] = true
    return super.write(chunk, encoding, callback)
  }

  _write (chunk, encoding, callback) {
    if (!this[kChunked]) {
      // Buffered mode: everything is held until end(), then sent with Content-Length.
      this[kBody].push(chunk)
      callback()
      return
    }
    if (!this[kStarted]) {
      const error = this._startRequest(null)
      if (error) return callback(error)
    }
    // Accepted at once while the engine's upload window (4 MiB) has room; otherwise the callback
    // waits until the engine has handed the chunk to the socket (WRITE_ACK). A chunk taken is
    // upload activity: it re-arms the timeout as a socket write would in Node.
    this._armTimeout()
    const taken = this[kNative].requestWrite(this[kId], chunk)
    if (taken === 1) {
      callback()
    } else if (taken === 0) {
      this[kPendingWrite] = callback
    } else {
      // The request is over: nothing takes the chunk. Completed through the event loop, so that
      // a source that writes whenever a write completes cannot keep the process in nextTick
      // callbacks, away from the event that ends the request (an ERROR batched behind a
      // WRITE_ACK waits for setImmediate).
      setImmediate(callback)
    }
  }

  _final (callback) {
    if (this[kChunked]) {
      if (!this[kStarted]) {
        // chunkedEncoding with no write: an empty chunked body (Electron crashes here, §2.1).
        const error = this._startRequest(null)
        if (error) return callback(error)
      }
      // A request whose exchange is over (a server that answered before the body was all sent)
      // has nothing left to acknowledge the end: it is done at once.
      if (this[kNative].requestFinish(this[kId])) this[kPendingWrite] = callback
      else callback()
      return
    }
    const chunks = this[kBody]
    this[kBody] = []
    const body = chunks.length === 0 ? null : Buffer.concat(chunks)
    callback(this._startRequest(body) || undefined)
  }

  // Starts the native request; returns an Error instead of throwing so that every start
  // failure surfaces as an 'error' event (the reference's recommendation, §2.4).
  _startRequest (body) {
    this[kStarted] = true
    this[kHeadersLocked] = true
    const options = this[kOptions]
    const dest = this.getHeader('sec-fetch-dest')
    if (NAVIGATION_DESTS.includes(String(dest)) && String(this.getHeader('sec-fetch-mode')) !== 'navigate') {
      return errors.navigationNeedsNavigateMode()
    }
    const session = options.session || sessionModule.fromPartition(options.partition)
    const flatHeaders = []
    for (const { name, value } of this[kHeaders].values()) {
      flatHeaders.push(name, String(value))
    }
    // Events reach `_onNativeEvent` (a method, so no closure is allocated per request).
    const started = bridge.startRequest(
      this, sessionModule.nativeIdOf(session), options.method, options.url, flatHeaders,
      !!this[kChunked], options.native, body
    )
    if (typeof started !== 'number') return started
    this[kId] = started
    // Set only once started: the engine's functions take the request's id from here on.
    this[kNative] = bridge.binding()
    this._armTimeout()
    return null
  }

  // IncomingMessage asks for each next body chunk through this (backpressure, reference §5).
  _readMore () {
    if (this[kNative]) this[kNative].requestRead(this[kId])
  }

  // IncomingMessage's body is full and unread: the request stops keeping Node alive until the
  // next _readMore.
  _park () {
    if (this[kNative]) this[kNative].requestPark(this[kId])
  }

  _onNativeEvent (kind, a, b, c, d) {
    if (kind === EventKind.END || kind === EventKind.ERROR) {
      this[kSettled] = true
      this._clearTimeout()
    } else {
      this._armTimeout()
    }
    switch (kind) {
      case EventKind.RESPONSE: {
        const factory = this[kResponseFactory]
        const response = factory === null ? new IncomingMessage(a, b, c, d, this) : factory(a, b, c, d, this)
        this[kResponse] = response
        this.emit('response', response)
        break
      }
      case EventKind.DATA:
        if (this[kResponse]) this[kResponse]._storeInternalData(a, b)
        break
      case EventKind.END: {
        if (this[kResponse]) this[kResponse]._storeInternalData(null)
        // The response is complete while a chunked upload still waits for the engine to take a
        // chunk: the exchange is over and nothing will take it. The write is done with, as
        // Chromium stops reading a body once the request completes (later writes and end()
        // complete at once: the engine drops them).
        const callback = this[kPendingWrite]
        this[kPendingWrite] = null
        if (callback) callback()
        break
      }
      case EventKind.ERROR: {
        const error = netError(a)
        if (this[kResponse]) this[kResponse].destroy(error)
        this._die(error)
        break
      }
      case EventKind.UPLOAD_PROGRESS:
        this[kUploadProgress] = { active: true, started: true, current: a, total: b }
        this.emit('upload-progress', a, b)
        break
      case EventKind.WRITE_ACK: {
        const callback = this[kPendingWrite]
        this[kPendingWrite] = null
        if (callback) callback()
        break
      }
      case EventKind.REDIRECT:
        this._onRedirect(a, b, c, d)
        break
      case EventKind.LOGIN:
        this._onLogin(a)
        break
    }
  }

  // Electron's redirect handling: the listener decides synchronously (reference §2.6, §4 J–O).
  _onRedirect (statusCode, method, redirectUrl, joinedHeaders) {
    const policy = this[kOptions].redirect
    if (policy === 'error') {
      this._die(errors.redirectPolicyError())
      return
    }
    const headers = redirectHeaders(splitRawHeaders(joinedHeaders))
    let followed = policy === 'follow'
    this[kFollowRedirect] = () => { followed = true }
    try {
      this.emit('redirect', statusCode, method, redirectUrl, headers)
    } finally {
      this[kFollowRedirect] = null
      if (!this[kAborted]) {
        if (followed) {
          this[kNative].requestFollowRedirect(this[kId], true)
        } else {
          this._die(errors.redirectCancelled())
        }
      }
    }
  }

  _onLogin (authInfo) {
    let answered = false
    const callback = (username, password) => {
      if (answered || this[kAborted]) return
      answered = true
      if (typeof username === 'string' && typeof password === 'string') {
        this[kNative].requestLogin(this[kId], username, password)
      } else {
        this[kNative].requestLogin(this[kId])
      }
    }
    // No listener is the same as cancelling: the 401 is delivered (§4.1).
    if (!this.emit('login', authInfo, callback)) callback()
  }

  followRedirect () {
    if (!this[kFollowRedirect]) {
      throw errors.notWaitingForRedirect()
    }
    this[kFollowRedirect]()
  }

  abort () {
    if (!this[kAborted]) process.nextTick(() => this.emit('abort'))
    this[kAborted] = true
    this._die()
  }

  // Node assumes an ended stream emits nothing more; a request does (errors after 'finish'),
  // so those are emitted directly, as Electron does.
  _die (error) {
    if (this.destroyed && error) this.emit('error', error)
    this.destroy(error)
    this._clearTimeout()
    this._unfollowSignal()
    if (this[kNative]) {
      this[kSettled] = true
      bridge.unregister(this[kId])
      this[kNative].requestAbort(this[kId])
      if (this[kResponse]) this[kResponse].destroy(error)
    }
  }

  // The response was destroyed: read to its end (autoDestroy), or by the app before that (a
  // `for await` loop's break, a failing pipeline). Nobody will read the rest, so a request still
  // in flight is cancelled, closing its connection as abort() does, but quietly: no 'abort'
  // (the app did not call it) and no 'error', as node:http's request after `res.destroy()`.
  _responseDestroyed () {
    this._unfollowSignal()
    if (this[kSettled]) return
    this[kSettled] = true
    this._clearTimeout()
    bridge.unregister(this[kId])
    this[kNative].requestAbort(this[kId])
    // A chunked upload still going (the server answered early) cannot go on either.
    if (!this.destroyed) this.destroy()
  }

  getUploadProgress () {
    return this[kUploadProgress]
      ? { ...this[kUploadProgress] }
      : { active: false, started: false, current: 0, total: 0 }
  }

  // Node's request timeout (an extension Electron lacks): 'timeout' after `ms` without any
  // network activity; with no 'timeout' listener the request fails with net::ERR_TIMED_OUT.
  setTimeout (ms, callback) {
    if (callback) this.once('timeout', callback)
    this._clearTimeout()
    if (ms > 0) this[kTimeout] = { ms, timer: null }
    if (this[kStarted]) this._armTimeout()
    return this
  }

  _armTimeout () {
    const timeout = this[kTimeout]
    if (!timeout) return
    if (timeout.timer) clearTimeout(timeout.timer)
    timeout.timer = setTimeout(() => {
      timeout.timer = null
      if (!this.emit('timeout')) this._die(netError('ERR_TIMED_OUT'))
    }, timeout.ms)
    // The request itself keeps the process alive while in flight; the timer must not.
    timeout.timer.unref()
  }

  _clearTimeout () {
    const timeout = this[kTimeout]
    if (timeout && timeout.timer) clearTimeout(timeout.timer)
    this[kTimeout] = null
  }
}

// `'redirect'`'s responseHeaders: lower-case names, keys sorted, every value kept (§6).
function redirectHeaders (rawHeaders) {
  const grouped = {}
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = rawHeaders[i].toLowerCase()
    ;(grouped[key] || (grouped[key] = [])).push(rawHeaders[i + 1])
  }
  const sorted = {}
  for (const key of Object.keys(grouped).sort()) sorted[key] = grouped[key]
  return sorted
}

module.exports = { ClientRequest, kResponseFactory }
