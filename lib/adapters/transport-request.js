'use strict'

// The request the adapters hand to other HTTP libraries: a ClientRequest that behaves as
// node:http's does where those libraries rely on it, which Electron's does not:
// - destroy() aborts the request (Electron's ClientRequest is an autoDestroy Writable, destroyed
//   after 'finish' while the request goes on, so destroy() cannot mean abort there);
// - a body of unknown size is streamed: the first STREAM_AFTER bytes are held, and a body that
//   ends within them goes out with Content-Length (as Electron sends a buffered body), a longer
//   one chunked (Electron has to be told which before the first write, http.request users never
//   say);
// - the response is a node:http-like IncomingMessage (./node-response.js), and the request
//   closes once the response has ended or failed, as http.ClientRequest does.

const { Writable } = require('node:stream')
const { ClientRequest } = require('../client-request')
const { netError } = require('../errors')
const { nodeResponse } = require('./node-response')

// Bytes held before a body of unknown length is sent chunked: a JSON or form body goes out in
// one piece with Content-Length, a file or stream starts moving without waiting for its end.
const STREAM_AFTER = 64 * 1024

// Headers the engine writes itself and refuses from a caller (Chromium's unsafe request headers,
// src/request/headers.rs): the libraries add them for node:http (Content-Length above all), so
// they are dropped rather than failing the request with net::ERR_INVALID_ARGUMENT.
const ENGINE_OWNED = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'keep-alive'])

// A plain header object (got's, axios' toJSON) as net.request headers: engine-owned and empty
// (undefined, null, false) values left out, arrays joined as one field.
function engineHeaders (headers) {
  const out = {}
  for (const [name, value] of Object.entries(headers || {})) {
    if (value === undefined || value === null || value === false) continue
    if (ENGINE_OWNED.has(name.toLowerCase())) continue
    out[name] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return out
}

const kInner = Symbol('inner')
const kHeld = Symbol('held')
const kHeldBytes = Symbol('heldBytes')
const kStreaming = Symbol('streaming')
const kDone = Symbol('done')
const kMethod = Symbol('method')

class TransportRequest extends Writable {
  // `options`: net.request options (url, method, headers, session, redirect...). Invalid ones
  // throw here, synchronously, with Electron's messages.
  constructor (options) {
    // Not autoDestroy: destroyed means aborted here, and the request outlives its body.
    super({ autoDestroy: false })
    const inner = new ClientRequest(options)
    this[kInner] = inner
    this[kHeld] = []
    this[kHeldBytes] = 0
    this[kStreaming] = false
    this[kDone] = false
    this[kMethod] = String(options.method || 'GET').toUpperCase()
    // Every URL the request went to; the last one is the response's `responseUrl`.
    this.urlList = [String(options.url)]
    // node:http's name for the response, which axios reads as `request.res`.
    this.res = null

    inner.on('response', (message) => this._onResponse(message))
    inner.on('error', (error) => this._fail(error))
    inner.on('redirect', (statusCode, method, redirectUrl, headers) => {
      this.urlList.push(redirectUrl)
      this.emit('redirect', statusCode, method, redirectUrl, headers)
    })
    inner.on('upload-progress', (position, total) => this.emit('upload-progress', position, total))
    // Unanswered, the 401 / 407 is delivered, as with no listener on the ClientRequest.
    inner.on('login', (authInfo, callback) => {
      if (!this.emit('login', authInfo, callback)) callback()
    })
  }

  // Follows the redirect being reported by 'redirect' (redirect: 'manual'; see ClientRequest).
  followRedirect () {
    this[kInner].followRedirect()
  }

  // node:http's idle timeout: 'timeout' after `ms` without network activity; unhandled, the
  // request fails with net::ERR_TIMED_OUT.
  setTimeout (ms, callback) {
    if (callback) this.once('timeout', callback)
    const inner = this[kInner]
    inner.removeAllListeners('timeout')
    inner.setTimeout(ms, () => {
      if (!this.emit('timeout')) this._fail(netError('ERR_TIMED_OUT'))
    })
    return this
  }

  abort () {
    this.destroy()
  }

  _write (chunk, encoding, callback) {
    if (this[kStreaming]) {
      this[kInner].write(chunk, callback)
      return
    }
    this[kHeld].push(chunk)
    this[kHeldBytes] += chunk.length
    if (this[kHeldBytes] <= STREAM_AFTER) return callback()
    // Too much to hold: from now on the body goes out chunked as it comes.
    this[kStreaming] = true
    const inner = this[kInner]
    inner.chunkedEncoding = true
    const held = this._takeHeld()
    inner.write(held, callback)
  }

  _final (callback) {
    const inner = this[kInner]
    if (this[kStreaming]) {
      inner.end(() => callback())
      return
    }
    // Nothing written: the engine decides, as for net.request, whether an empty body is sent.
    const held = this._takeHeld()
    if (held.length === 0) inner.end(() => callback())
    else inner.end(held, () => callback())
  }

  _takeHeld () {
    const held = this[kHeld]
    this[kHeld] = []
    this[kHeldBytes] = 0
    return held.length === 1 ? held[0] : Buffer.concat(held)
  }

  _destroy (error, callback) {
    if (!this[kDone]) {
      this[kDone] = true
      this[kInner].abort()
    }
    callback(error)
  }

  _onResponse (message) {
    const response = nodeResponse(message, this[kMethod], this[kInner].getHeader('accept-encoding') !== undefined,
      this.urlList[this.urlList.length - 1])
    this.res = response
    // The body has ended, failed or been destroyed (which cancels the request in flight,
    // lib/client-request.js): the request is over, as node:http's closes then.
    response.once('close', () => {
      this[kDone] = true
      if (!this.destroyed) this.destroy()
    })
    this.emit('response', response)
  }

  _fail (error) {
    if (this[kDone] && this.destroyed) return
    this[kDone] = true
    this.destroy(error)
  }
}

module.exports = { TransportRequest, engineHeaders }
