'use strict'

const errors = require('./errors')

// Electron's IncomingMessage (lib/browser/api/net-client-request.ts): a Readable whose data is
// pulled from the engine one chunk at a time, so a consumer that does not read stops the
// socket (reference §5 backpressure).

const { Readable } = require('node:stream')

const kStatusCode = Symbol('statusCode')
const kStatusMessage = Symbol('statusMessage')
const kHttpVersion = Symbol('httpVersion')
const kRawHeaders = Symbol('rawHeaders')
const kJoinedHeaders = Symbol('joinedHeaders')
const kQueue = Symbol('queue')
const kShouldPush = Symbol('shouldPush')
const kRequest = Symbol('request')
const kResumeArmed = Symbol('resumeArmed')
const kParked = Symbol('parked')

// Chromium keeps only the first value of these (net::HttpResponseHeaders, reference §5).
const DISCARD_DUPLICATES = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host',
  'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards',
  'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent'
])

class IncomingMessage extends Readable {
  // `joinedHeaders` is the engine's one-string form of rawHeaders (src/binding/bridge.rs), split on
  // first use: most consumers never look at the headers.
  constructor (statusCode, statusMessage, httpVersion, joinedHeaders, request) {
    super()
    this[kStatusCode] = statusCode
    this[kStatusMessage] = statusMessage
    this[kHttpVersion] = httpVersion
    this[kJoinedHeaders] = joinedHeaders
    this[kRawHeaders] = null
    this[kQueue] = []
    this[kShouldPush] = false
    this[kRequest] = request
    // The engine sends the first chunk without being asked; each later one needs a resume.
    this[kResumeArmed] = false
    this[kParked] = false
  }

  get statusCode () { return this[kStatusCode] }
  get statusMessage () { return this[kStatusMessage] }
  get httpVersion () { return this[kHttpVersion] }
  get httpVersionMajor () { return Number(this[kHttpVersion].split('.')[0]) }
  get httpVersionMinor () { return Number(this[kHttpVersion].split('.')[1]) }

  // Built afresh on every access, as Electron does.
  get headers () {
    const grouped = new Map()
    const raw = this._rawHeaderList()
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i].toLowerCase()
      if (!grouped.has(key)) grouped.set(key, [])
      grouped.get(key).push(raw[i + 1])
    }
    const headers = {}
    // Keys come out sorted: Electron's C++ passes them through a std::map.
    for (const key of [...grouped.keys()].sort()) {
      const values = grouped.get(key)
      if (key === 'set-cookie') {
        headers[key] = values
      } else if (DISCARD_DUPLICATES.has(key)) {
        headers[key] = values[0]
      } else {
        headers[key] = values.join(', ')
      }
    }
    return headers
  }

  get rawHeaders () {
    return this._rawHeaderList().slice()
  }

  _rawHeaderList () {
    if (this[kRawHeaders] === null) this[kRawHeaders] = splitRawHeaders(this[kJoinedHeaders])
    return this[kRawHeaders]
  }

  get trailers () {
    throw errors.trailersUnsupported()
  }

  get rawTrailers () {
    throw errors.trailersUnsupported()
  }

  // Called by ClientRequest for every body chunk (null at the end), with the body bytes received
  // so far.
  _storeInternalData (chunk, received) {
    if (chunk !== null) this.emit('download-progress', received)
    this[kQueue].push(chunk)
    if (chunk !== null) this[kResumeArmed] = true
    this._pushInternalData()
  }

  _pushInternalData () {
    const queue = this[kQueue]
    while (this[kShouldPush] && queue.length > 0) {
      this[kShouldPush] = this.push(queue.shift())
    }
    if (this[kShouldPush] && this[kResumeArmed] && queue.length === 0) {
      // Reset before resuming: each resume lets exactly one more chunk come.
      this[kResumeArmed] = false
      this[kParked] = false
      this[kRequest]._readMore()
    } else if (!this[kShouldPush] && this[kResumeArmed] && !this[kParked]) {
      // Full, and nobody reads: the body now waits for the app, not the network. Like a paused
      // node:http socket, it must not keep Node alive by itself (the next read takes it back).
      this[kParked] = true
      this[kRequest]._park()
    }
  }

  _read () {
    this[kShouldPush] = true
    this._pushInternalData()
  }

  _destroy (error, callback) {
    // What is still queued will never be read.
    this[kQueue] = []
    this[kRequest]._responseDestroyed()
    callback(error)
  }
}

// The engine joins rawHeaders with NUL, which no header name or value can contain.
function splitRawHeaders (joined) {
  return joined === '' ? [] : joined.split('\0')
}

module.exports = { IncomingMessage, splitRawHeaders, DISCARD_DUPLICATES }
