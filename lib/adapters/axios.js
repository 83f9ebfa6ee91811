'use strict'

// An axios adapter (https://axios-http.com/docs/req_config, `adapter`): axios builds the config,
// transforms the request data and parses the response; this sends the request through the
// engine, as axios' own node:http adapter (lib/adapters/http.js) would through node:http, and
// settles with the same response shape and AxiosError codes. axios itself is not a dependency:
// its classes (AxiosError, CanceledError, AxiosHeaders) and URL building (getUri) are taken
// from the axios the caller passes, or require('axios') at the first request.

const http = require('node:http')
const { Readable, Transform, pipeline } = require('node:stream')
const { TransportRequest, engineHeaders } = require('./transport-request')

function axiosAdapter (options = {}) {
  const { axios: givenAxios, ...requestDefaults } = options
  let axios = givenAxios || null
  return function electronNetAdapter (config) {
    // Resolved from this package's place in node_modules: pass `axios` when that finds another
    // copy (an ESM import of axios is a different copy from require's, with other classes).
    if (axios === null) axios = require('axios')
    return new Promise((resolve, reject) => {
      const exchange = new AxiosExchange(axios, requestDefaults, config, resolve, reject)
      exchange.start().catch((error) => exchange.fail(error))
    })
  }
}

// One adapter call: the request, the response and the promise's settlement.
class AxiosExchange {
  constructor (axios, requestDefaults, config, resolve, reject) {
    this.axios = axios
    this.requestDefaults = requestDefaults
    this.config = config
    this.resolve = resolve
    this.reject = reject
    this.request = null
    this.settled = false
    this.cleanups = []
  }

  async start () {
    const { axios, config } = this
    const { AxiosError } = axios
    let url, headers, body
    try {
      url = new URL(axios.getUri(config))
      headers = axiosHeaders(config.headers)
      body = await requestBody(config.data, headers, AxiosError, config)
    } catch (error) {
      return this.fail(error, AxiosError.ERR_BAD_REQUEST)
    }
    if (this.settled) return
    // Basic credentials, sent with the first request: `auth` first, else the URL's own, as
    // axios' http adapter does (node:http turns them into this header).
    let auth = config.auth ? `${config.auth.username || ''}:${config.auth.password || ''}` : null
    if (auth === null && (url.username || url.password)) {
      auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
    }
    url.username = ''
    url.password = ''
    if (auth !== null) {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name]
      headers.Authorization = 'Basic ' + Buffer.from(auth).toString('base64')
    }
    const maxBodyLength = config.maxBodyLength
    if (Buffer.isBuffer(body) && maxBodyLength > -1 && body.length > maxBodyLength) {
      return this.fail(new AxiosError('Request body larger than maxBodyLength limit', AxiosError.ERR_BAD_REQUEST, config))
    }

    // maxRedirects decides each hop ('manual'); left unset, the engine's own limit applies.
    const counted = typeof config.maxRedirects === 'number'
    let request
    try {
      request = new TransportRequest({
        ...this.requestDefaults,
        method: config.method,
        url: url.href,
        headers,
        redirect: counted ? 'manual' : 'follow'
      })
    } catch (error) {
      return this.fail(error, AxiosError.ERR_BAD_REQUEST)
    }
    this.request = request
    this.watchCancellation()
    this.watchTimeout()
    if (counted) request.on('redirect', (...args) => this.onRedirect(...args))
    if (typeof config.onUploadProgress === 'function') this.reportUpload(config.onUploadProgress)
    request.on('response', (response) => this.onResponse(response))
    request.on('error', (error) => this.fail(error))

    if (body instanceof Readable || (body && typeof body.pipe === 'function')) {
      body.once('error', (error) => request.destroy(error))
      body.pipe(request)
    } else {
      request.end(body || undefined)
    }
  }

  // axios' signal / cancelToken: an Event (a signal's abort) or no reason becomes a
  // CanceledError, a cancelToken's reason (already a CanceledError) is passed on.
  watchCancellation () {
    const { config, axios } = this
    const abort = (reason) => {
      this.fail(!reason || reason.type ? new axios.CanceledError(null, config, this.request) : reason)
    }
    if (config.cancelToken) {
      config.cancelToken.subscribe(abort)
      this.cleanups.push(() => config.cancelToken.unsubscribe(abort))
    }
    if (config.signal) {
      if (config.signal.aborted) return abort()
      config.signal.addEventListener('abort', abort)
      this.cleanups.push(() => config.signal.removeEventListener('abort', abort))
    }
  }

  // `timeout`: the whole exchange, from sending to settling (the body read in full, except for
  // responseType 'stream'), as axios' fetch and xhr adapters count it.
  watchTimeout () {
    const { config, axios } = this
    const ms = parseInt(config.timeout, 10)
    if (!(ms > 0)) return
    const timer = setTimeout(() => {
      const transitional = config.transitional || {}
      const message = config.timeoutErrorMessage || `timeout of ${ms}ms exceeded`
      const code = transitional.clarifyTimeoutError ? axios.AxiosError.ETIMEDOUT : axios.AxiosError.ECONNABORTED
      this.fail(new axios.AxiosError(message, code, config, this.request))
    }, ms)
    this.cleanups.push(() => clearTimeout(timer))
  }

  onRedirect (statusCode, method, redirectUrl, headers) {
    const { config, axios, request } = this
    const hops = request.urlList.length - 1
    if (config.maxRedirects === 0) {
      // axios with maxRedirects: 0 resolves with the redirect itself (settle then applies
      // validateStatus); its body is not available, the engine never reads it.
      const response = this.response(statusCode, http.STATUS_CODES[statusCode] || '', flattenRedirectHeaders(headers))
      request.res = { responseUrl: request.urlList[hops - 1] }
      response.data = config.responseType === 'stream' ? Readable.from([]) : config.responseType === 'arraybuffer' ? Buffer.alloc(0) : ''
      this.settle(response)
      request.destroy()
      return
    }
    if (hops > config.maxRedirects) {
      this.fail(new axios.AxiosError('Maximum number of redirects exceeded', axios.AxiosError.ERR_FR_TOO_MANY_REDIRECTS, config, request))
      return
    }
    request.followRedirect()
  }

  reportUpload (onUploadProgress) {
    let last = 0
    this.request.on('upload-progress', (loaded, total) => {
      onUploadProgress(progressEvent(loaded, total, loaded - last, { upload: true }))
      last = loaded
    })
  }

  response (status, statusText, headers) {
    return {
      status,
      statusText,
      headers: new this.axios.AxiosHeaders(headers),
      config: this.config,
      request: this.request
    }
  }

  onResponse (message) {
    if (this.settled) return message.destroy()
    const { config, axios } = this
    const response = this.response(message.statusCode, message.statusMessage || http.STATUS_CODES[message.statusCode] || '', message.headers)
    const maxContentLength = config.maxContentLength
    const tooLong = () => new axios.AxiosError(`maxContentLength size of ${maxContentLength} exceeded`,
      axios.AxiosError.ERR_BAD_RESPONSE, config, this.request)
    if (typeof config.onDownloadProgress === 'function') {
      const total = Number(message.headers['content-length']) || undefined
      let last = 0
      message.on('download-progress', (loaded) => {
        config.onDownloadProgress(progressEvent(loaded, total, loaded - last, { download: true }))
        last = loaded
      })
    }
    if (config.responseType === 'stream') {
      response.data = maxContentLength > -1 ? limited(message, maxContentLength, tooLong) : message
      this.settle(response)
      return
    }
    const chunks = []
    let received = 0
    message.on('data', (chunk) => {
      chunks.push(chunk)
      received += chunk.length
      if (maxContentLength > -1 && received > maxContentLength) {
        this.fail(tooLong())
        message.destroy()
      }
    })
    message.on('error', (error) => this.fail(error, undefined, response))
    message.on('end', () => {
      let data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
      if (config.responseType !== 'arraybuffer') {
        const encoding = config.responseEncoding || 'utf8'
        data = data.toString(encoding)
        if (encoding === 'utf8' && data.charCodeAt(0) === 0xfeff) data = data.slice(1)
      }
      response.data = data
      this.settle(response)
    })
  }

  // axios' settle (lib/core/settle.js): validateStatus decides between resolve and reject.
  settle (response) {
    const { validateStatus } = this.config
    if (!response.status || !validateStatus || validateStatus(response.status)) {
      this.finish()
      this.resolve(response)
    } else {
      const { AxiosError } = this.axios
      const code = response.status >= 400 && response.status < 500 ? AxiosError.ERR_BAD_REQUEST : AxiosError.ERR_BAD_RESPONSE
      // The request is left alone: with responseType 'stream' the error's response.data is
      // still readable.
      this.finish()
      this.reject(new AxiosError(`Request failed with status code ${response.status}`, code, this.config, this.request, response))
    }
  }

  // Rejects once with an AxiosError: one of ours as is, any other error wrapped with
  // AxiosError.from, so that its message (net::ERR_* for a network failure) is the AxiosError's
  // and the original is its `cause`. The request is aborted if still in flight.
  fail (error, code, response) {
    if (this.settled) return
    const { AxiosError } = this.axios
    if (!(error instanceof AxiosError)) {
      const networkFailure = typeof error.message === 'string' && error.message.startsWith('net::')
      error = AxiosError.from(error, code || (networkFailure ? AxiosError.ERR_NETWORK : undefined), this.config, this.request, response)
    }
    this.finish()
    if (this.request) this.request.destroy()
    this.reject(error)
  }

  finish () {
    this.settled = true
    for (const cleanup of this.cleanups.splice(0)) cleanup()
  }
}

// The config's headers (an AxiosHeaders) as net.request headers.
function axiosHeaders (headers) {
  const plain = headers && typeof headers.toJSON === 'function' ? headers.toJSON(true) : headers
  return engineHeaders(plain)
}

// config.data after axios' transformRequest, as the adapter sends it: bytes (Content-Length),
// or a stream. Web bodies (FormData, Blob, URLSearchParams) are serialized by Node's Response,
// which also gives their Content-Type (a FormData's carries the multipart boundary).
async function requestBody (data, headers, AxiosError, config) {
  if (data === undefined || data === null) return null
  if (Buffer.isBuffer(data)) return data
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data)
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  if (typeof data.pipe === 'function') {
    // The form-data package: a stream that knows its own headers (its boundary).
    if (typeof data.getHeaders === 'function') Object.assign(headers, engineHeaders(data.getHeaders()))
    return data
  }
  if (data instanceof FormData || data instanceof Blob || data instanceof URLSearchParams) {
    const encoded = new Response(data)
    const type = encoded.headers.get('content-type')
    const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')
    if (type && (data instanceof FormData || !hasType)) {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name]
      headers['Content-Type'] = type
    }
    return Buffer.from(await encoded.arrayBuffer())
  }
  throw new AxiosError('Data after transformation must be a string, an ArrayBuffer, a Buffer, or a Stream',
    AxiosError.ERR_BAD_REQUEST, config)
}

// 'redirect' headers (lower-case names, every value in an array) as response headers.
function flattenRedirectHeaders (headers) {
  const flat = {}
  for (const [name, values] of Object.entries(headers)) flat[name] = name === 'set-cookie' ? values : values.join(', ')
  return flat
}

// axios' progress event shape (AxiosProgressEvent).
function progressEvent (loaded, total, bytes, direction) {
  return {
    loaded,
    total,
    progress: total ? Math.min(loaded / total, 1) : undefined,
    bytes,
    lengthComputable: total !== undefined,
    ...direction
  }
}

// A response stream that fails with `tooLong()` past `limit` bytes (maxContentLength).
function limited (message, limit, tooLong) {
  let received = 0
  const guard = new Transform({
    transform (chunk, encoding, callback) {
      received += chunk.length
      callback(received > limit ? tooLong() : null, chunk)
    }
  })
  return pipeline(message, guard, () => {})
}

module.exports = { axiosAdapter }
