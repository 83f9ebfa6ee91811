'use strict'

// net.fetch / ses.fetch (reference §11) over ClientRequest, built as Electron's
// lib/browser/api/net-fetch.ts builds it: a WHATWG Request normalises the arguments, its fields
// become ClientRequest options and headers, and the response becomes a WHATWG Response (Node's
// global Request, Response and Headers). Where we go further than Electron (the request body
// streamed, Response.url and redirected set, the response body pulled with backpressure) the
// README's "Differences from Electron" says so.
// The response skips IncomingMessage: the ClientRequest hands its head, body chunks and end to
// the FetchJob (kResponseFactory), which puts them straight into the Response's body stream.
// A Node Readable between the two cost a stream, listeners and a pause/resume round per chunk
// (docs/PERFORMANCE.md, "net.fetch speed").

const errors = require('./errors')
const { splitRawHeaders, DISCARD_DUPLICATES } = require('./incoming-message')
const { parseUrlString } = require('./options')

// What the response body stream queues ahead of its reader, in bytes. Once the queue is full the
// engine gets no credit for the next chunk, so it stops reading the socket (reference §5).
const BODY_STRATEGY = { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength }
// Fetch standard: a response with one of these statuses has a null body.
const NULL_BODY_STATUSES = [101, 204, 205, 304]
// A stream body yields to the event loop after this many bytes taken at once (see sendStream).
const UPLOAD_YIELD_BYTES = 1024 * 1024

// Loaded on first use: client-request.js requires session.js, which requires this module.
let ClientRequest = null
let kResponseFactory = null
function newClientRequest (options) {
  if (ClientRequest === null) ({ ClientRequest, kResponseFactory } = require('./client-request'))
  return new ClientRequest(options)
}

// A response body nobody can read any more (the stream was garbage-collected while paused, so
// no read was pending) aborts its request: otherwise the request would stay in flight, holding
// its connection, for as long as the process lives. Only a paused body can be collected (the
// job holds its controller strongly otherwise), so a body is registered when it first pauses:
// most never do, and a registration per fetch made every scavenge ~5x slower on W1 (V8's weak
// cells, old-space garbage pointing at young streams).
const collected = new FinalizationRegistry((job) => job.stop())

function fetchWithSession (input, init, session) {
  return new Promise((resolve, reject) => {
    let request
    let streamed
    try {
      streamed = hasStreamBody(input, init)
      request = isPlainUrl(input, init) ? plainGet(input) : new Request(input, init)
    } catch (error) {
      reject(error)
      return
    }
    new FetchJob(request, session, resolve, reject).send(init, streamed)
  })
}

// One fetch() call, from the Request to the end of the response body.
class FetchJob {
  constructor (request, session, resolve, reject) {
    // Kept until the fetch is over: the Request owns the AbortController behind its signal.
    this.request = request
    this.session = session
    // Dropped once settled, so that nothing here keeps the Response reachable.
    this.settle = { resolve, reject }
    this.client = null
    // Every URL the request went to, as the Fetch standard's URL list (Response.url, redirected).
    this.urlList = [request.url]
    this.uploadReader = null
    // The body stream's controller: held strongly while the stream waits for data (a read may
    // be pending), only weakly while it is paused with a full queue (nothing can be pending).
    this.controller = null
    this.controllerRef = null
    // A body chunk has arrived that the engine has not been given credit to follow yet.
    this.owed = false
    // A null-body response (HEAD, 204, 304...): its bytes are read to the end and dropped.
    this.discarding = false
    // Set once nothing more happens: the body ended, failed or was cancelled, or the fetch failed.
    this.done = false
    // The signal's listener, made only when there is a signal.
    this.onAbort = null
  }

  // `init` is read here only: a Response can outlive the fetch by far, and must not keep the
  // caller's init (and its body) alive. `streamed`: the body is a stream (hasStreamBody).
  send (init, streamed) {
    const request = this.request
    const signal = request.signal
    if (signal !== null && signal.aborted) {
      const reason = abortReason(signal)
      return this.refuse(reason, reason)
    }
    // Chromium serves other schemes only through Electron's protocol module, which we do not
    // have. The Request's URL is serialized, its scheme lower-case.
    if (!request.url.startsWith('http:') && !request.url.startsWith('https:')) {
      return this.refuse(errors.netError('ERR_UNKNOWN_URL_SCHEME'))
    }
    if (signal !== null) {
      this.onAbort = () => this.abortBySignal()
      signal.addEventListener('abort', this.onAbort, { once: true })
    }

    const origin = request.headers.get('origin') ?? undefined
    // `same-origin` needs an origin: without one it becomes `include`, so a plain fetch sends and
    // stores cookies (reference §11).
    const credentials = request.credentials === 'same-origin' && !origin ? 'include' : request.credentials
    let client
    try {
      client = newClientRequest({
        session: this.session,
        method: request.method,
        url: request.url,
        origin,
        credentials,
        cache: request.cache,
        // '' is the default policy.
        referrerPolicy: request.referrerPolicy || undefined,
        redirect: request.redirect,
        // Electron's priority names only (lib/options.js ignores any other value, such as the
        // Fetch standard's 'high', 'low' and 'auto'). bypassCustomProtocolHandlers has nothing
        // to bypass here (README).
        priority: init == null ? undefined : init.priority
      })
      // `cors` is the Request default, but Chromium refuses mode cors without an initiator.
      if (request.mode !== 'cors' || origin) {
        client.setHeader('Sec-Fetch-Mode', request.mode)
      }
      for (const [name, value] of request.headers) client.setHeader(name, value)
    } catch (error) {
      return this.refuse(error, error)
    }
    this.client = client
    client.on('redirect', (statusCode, method, url) => { this.urlList.push(url) })
    client[kResponseFactory] = (statusCode, statusMessage, httpVersion, joinedHeaders) =>
      this.onResponse(statusCode, statusMessage, joinedHeaders)
    client.on('error', (error) => this.fail(error))

    if (request.body === null) {
      client.end()
    } else if (streamed) {
      this.sendStream(request.body)
    } else {
      this.sendFixed()
    }
  }

  // A body of known length (string, bytes, Blob, FormData, URLSearchParams, as the Request
  // encoded it) goes out in one piece with Content-Length, as Electron sends it.
  async sendFixed () {
    let body
    try {
      body = Buffer.from(await this.request.arrayBuffer())
    } catch (error) {
      if (!this.done) this.failAndAbort(error)
      return
    }
    if (this.done) return
    if (body.length === 0) this.client.end()
    else this.client.end(body)
  }

  // A ReadableStream (or async iterable) body goes out chunked as it is produced, one chunk at a
  // time: the next is read only once the request has taken the last one (write() returned
  // true, or 'drain'), so a slow connection slows the producer.
  async sendStream (stream) {
    const client = this.client
    client.chunkedEncoding = true
    let reader
    try {
      reader = stream.getReader()
    } catch (error) {
      this.failAndAbort(error)
      return
    }
    this.uploadReader = reader
    // Bytes written since the loop last let the event loop run. A stream that produces at once
    // and a request that takes each chunk at once (its upload window has room) would otherwise
    // keep this loop in microtasks for ever: the events that end the request (the response
    // complete, an error) could never be delivered, and a body that never ends would be read
    // for ever.
    let sinceYield = 0
    try {
      for (;;) {
        const { done, value } = await reader.read()
        // Over: aborted, failed, or the whole response has arrived already (nothing waits for
        // the rest of the body, which the stream is cancelled for).
        if (this.done || client.destroyed) break
        if (done) {
          client.end()
          break
        }
        // Fetch standard: anything else than a Uint8Array is a TypeError.
        if (!(value instanceof Uint8Array)) throw errors.fetchBodyChunkNotBytes()
        if (value.byteLength === 0) continue
        // Writable takes a Uint8Array as a Buffer over the same memory.
        if (!client.write(value)) {
          sinceYield = 0
          await drained(client)
        } else if ((sinceYield += value.byteLength) >= UPLOAD_YIELD_BYTES) {
          sinceYield = 0
          await new Promise(setImmediate)
        }
      }
    } catch (error) {
      // The body stream failed (or gave a non-byte chunk): the request cannot go on.
      if (!this.done) this.failAndAbort(error)
    } finally {
      this.uploadReader = null
      try {
        reader.releaseLock()
      } catch {
        // A read still pending (the stream was cancelled under it): the lock goes with it.
      }
    }
  }

  // Made by the ClientRequest for the response head instead of an IncomingMessage
  // (kResponseFactory): the job itself takes the body chunks (`_storeInternalData`) and
  // failures (`destroy`), and feeds them to the Response's body stream.
  onResponse (statusCode, statusMessage, joinedHeaders) {
    // Aborted meanwhile: ignored, as Electron ignores it.
    if (this.done) return this
    const nullBody = NULL_BODY_STATUSES.includes(statusCode) || this.request.method === 'HEAD'
    let response
    try {
      // The Response constructor refuses a status outside 200-599 with a RangeError, which
      // the fetch rejects with.
      response = new Response(nullBody ? null : new ReadableStream(this, BODY_STRATEGY), {
        status: statusCode,
        statusText: isomorphic(statusMessage)
      })
      // Appended to the Response's own Headers: cheaper than passing them to the constructor
      // (which converts the init to a list first), and still checked by Headers.
      appendHeaders(response.headers, joinedHeaders)
    } catch (error) {
      this.failAndAbort(error)
      return this
    }
    describeResponse(response, responseUrl(this.urlList), this.urlList.length > 1)
    if (nullBody) {
      // Whatever the server sent is not anybody's: read it to the end so that the request
      // finishes (and its connection can be reused).
      this.discarding = true
      this.finish()
    }
    const { resolve } = this.settle
    this.settle = null
    resolve(response)
    return this
  }

  // The body stream's underlying source (start, pull, cancel): it gets each chunk as the
  // engine delivers it, and lets the engine read one more (the request's _readMore) only when
  // the stream wants more. While its queue is full and nobody reads, the request is parked:
  // the engine stops reading the socket and the request stops keeping Node alive.
  start (controller) {
    this.holdStrongly(controller)
  }

  pull (controller) {
    if (this.done) return
    this.holdStrongly(controller)
    if (this.owed) {
      this.owed = false
      this.client._readMore()
    }
  }

  // Fetch standard: cancelling the body terminates the fetch.
  cancel () {
    this.stop()
  }

  // ClientRequest's call for every body chunk (null at the end), IncomingMessage's interface.
  _storeInternalData (chunk) {
    if (this.discarding) {
      if (chunk !== null) this.client._readMore()
      return
    }
    if (this.done) return
    const controller = this.currentController()
    if (chunk === null) {
      if (controller !== null) controller.close()
      this.finish()
      return
    }
    if (controller === null) return
    // The engine sends the next chunk only once given credit for it, which pull() gives when the
    // stream asks for more: inside enqueue() (or right after it) while the queue has room, else
    // once the reader has taken enough of it.
    this.owed = true
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    if (this.owed && controller.desiredSize <= 0) {
      this.client._park()
      this.holdWeakly(controller)
    }
  }

  // ClientRequest's call when the request fails (with the net::ERR_* error: the body errors
  // with it) or is aborted (no error: the fetch is over already).
  destroy (error) {
    if (error) this.fail(error)
  }

  holdStrongly (controller) {
    this.controller = controller
  }

  holdWeakly (controller) {
    this.controller = null
    if (this.controllerRef === null) {
      this.controllerRef = new WeakRef(controller)
      // The controller goes with its stream (each holds the other), so it stands for it.
      collected.register(controller, this, this)
    }
  }

  currentController () {
    if (this.done) return null
    if (this.controller !== null) return this.controller
    return this.controllerRef === null ? null : (this.controllerRef.deref() ?? null)
  }

  // The body was cancelled, or garbage-collected unread: the request is aborted, quietly.
  stop () {
    if (this.done) return
    this.finish()
    this.client.abort()
  }

  // The signal fired: the fetch rejects (or its body errors) with the signal's reason, and the
  // request is aborted, at whatever stage it is.
  abortBySignal () {
    if (!this.done) this.failAndAbort(abortReason(this.request.signal))
  }

  // The fetch fails before any request exists; the Request's body is cancelled (with
  // `cancelReason`), as nothing will read it.
  refuse (error, cancelReason) {
    const body = this.request.body
    this.fail(error)
    cancelQuietly(body, cancelReason)
  }

  failAndAbort (error) {
    this.fail(error)
    if (this.client !== null) this.client.abort()
  }

  // Ends the fetch with `error`: the promise rejects if it has not resolved, the body stream
  // errors if it is being read, and a body still being uploaded is cancelled with it.
  fail (error) {
    if (this.done) return
    this.reject(error)
    const controller = this.currentController()
    if (controller !== null) controller.error(error)
    this.finish(error)
  }

  reject (error) {
    if (this.settle === null) return
    const { reject } = this.settle
    this.settle = null
    reject(error)
  }

  // Nothing more will happen: let go of what the fetch held, and stop reading a request body
  // still being sent (cancelled with `reason`).
  finish (reason) {
    this.done = true
    this.controller = null
    if (this.controllerRef !== null) collected.unregister(this)
    this.controllerRef = null
    const signal = this.request.signal
    if (signal !== null) signal.removeEventListener('abort', this.onAbort)
    this.request = null
    if (this.uploadReader !== null) this.uploadReader.cancel(reason).catch(() => {})
  }
}

// `fetch(url)` with a string or URL and no init, the most common call: what `new Request(url)`
// gives, without building one (its AbortController, Headers and WebIDL conversions are a good
// part of a small fetch's cost). A Request is still built for anything else.
function isPlainUrl (input, init) {
  return init == null && (typeof input === 'string' || input instanceof URL)
}

const NO_HEADERS = Object.freeze({ get: () => null, [Symbol.iterator]: () => [][Symbol.iterator]() })

// The Request constructor's checks and defaults for a URL alone, its errors word for word.
function plainGet (input) {
  const text = String(input)
  let url
  try {
    url = parseUrlString(text)
  } catch (cause) {
    throw new TypeError('Failed to parse URL from ' + text, { cause })
  }
  if (url.hasCredentials) {
    throw new TypeError('Request cannot be constructed from a URL that includes credentials: ' + text)
  }
  return {
    url: url.href,
    method: 'GET',
    headers: NO_HEADERS,
    credentials: 'same-origin',
    mode: 'cors',
    cache: 'default',
    redirect: 'follow',
    referrerPolicy: '',
    body: null,
    signal: null
  }
}

// Whether the body is a stream (sent chunked) rather than a value of known length (sent with
// Content-Length). A Request passed as `input` hides where its body came from: Node's Request
// (undici) keeps it in its internal state, which is read where it can be; otherwise the body
// is taken to be a stream.
let requestState = null
function hasStreamBody (input, init) {
  if (init != null && init.body != null) return isStreamLike(init.body)
  if (!(input instanceof Request) || input.body === null) return false
  if (requestState === null) {
    requestState = Object.getOwnPropertySymbols(input).find((s) => s.description === 'state') ?? null
  }
  const body = requestState !== null && input[requestState] && input[requestState].body
  if (body && 'source' in body) return body.source === null
  return true
}

// ReadableStream, or an async iterable such as a Node Readable (undici takes both, with
// duplex: 'half').
function isStreamLike (body) {
  if (body instanceof ReadableStream) return true
  return typeof body === 'object' && typeof body[Symbol.asyncIterator] === 'function'
}

function abortReason (signal) {
  return signal.reason ?? errors.fetchAborted()
}

function cancelQuietly (stream, reason) {
  if (stream != null && !stream.locked) stream.cancel(reason).catch(() => {})
}

// Resolves once the request takes more ('drain') or is gone ('close').
function drained (client) {
  return new Promise((resolve) => {
    const done = () => {
      client.off('drain', done)
      client.off('close', done)
      resolve()
    }
    client.on('drain', done)
    client.on('close', done)
  })
}

// Fetch standard: Response.url is the last URL of the list, without its fragment. Every URL
// there is serialized (by Request, or by the engine for a redirect), so '#' can only start the
// fragment.
function responseUrl (urlList) {
  const url = urlList[urlList.length - 1]
  const hash = url.indexOf('#')
  return hash === -1 ? url : url.slice(0, hash)
}

// The response's header lines, as Electron's net.fetch gives them (from IncomingMessage's
// `headers`): names lower-case, the first value only of the names Chromium keeps once
// (DISCARD_DUPLICATES), several Set-Cookie lines as one string, any other repeated name joined
// with ', ' (which Headers.append does).
function appendHeaders (headers, joinedHeaders) {
  if (joinedHeaders === '') return
  const raw = splitRawHeaders(joinedHeaders)
  let setCookie = null
  let seen = null
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase()
    const value = raw[i + 1]
    if (name === 'set-cookie') {
      setCookie = setCookie === null ? value : setCookie + ', ' + value
      continue
    }
    if (DISCARD_DUPLICATES.has(name)) {
      if (seen === null) seen = []
      else if (seen.includes(name)) continue
      seen.push(name)
    }
    headers.append(name, value)
  }
  if (setCookie !== null) headers.append('set-cookie', setCookie)
}

// A reason phrase as the Fetch standard exposes it (its bytes, one character per byte).
function isomorphic (text) {
  // eslint-disable-next-line no-control-regex
  return /[^\u0000-\u00ff]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text
}

// Response.url, redirected and type as a fetch sets them (the Response constructor cannot):
// own properties over the prototype's getters, carried over to clones.
function describeResponse (response, url, redirected) {
  Object.defineProperties(response, {
    url: { value: url, configurable: true },
    type: BASIC_TYPE,
    clone: CLONE
  })
  // Not redirected is what the Response constructor gives already.
  if (redirected) Object.defineProperty(response, 'redirected', REDIRECTED)
  return response
}

// A fetch without CORS gives a basic response, as Node's own fetch does.
const BASIC_TYPE = { value: 'basic', configurable: true }
const REDIRECTED = { value: true, configurable: true }
const CLONE = {
  value: function clone () {
    return describeResponse(Response.prototype.clone.call(this), this.url, this.redirected)
  },
  configurable: true,
  writable: true
}

module.exports = { fetchWithSession }
