'use strict'

// An undici-style `request(url, options)`: resolves with { statusCode, headers, body } once the
// response head has arrived, whatever the status (as undici's does); `body` is the response
// stream with undici's one-shot readers `text()`, `json()`, `arrayBuffer()`, `bytes()` and
// `blob()`. Rejects with the request's `net::ERR_*` error, or the signal's reason.

const consumers = require('node:stream/consumers')
const { Readable } = require('node:stream')
const { TransportRequest, engineHeaders } = require('./transport-request')

// `options`: method, headers, body (string, Buffer / Uint8Array, Node Readable or async
// iterable), signal, and any net.request option (session, redirect, useSessionCookies...).
function request (url, options = {}) {
  return new Promise((resolve, reject) => {
    const { body, signal, headers, ...rest } = options
    if (signal && signal.aborted) return reject(abortReason(signal))
    let req
    try {
      req = new TransportRequest({ ...rest, url: String(url), headers: engineHeaders(headers) })
    } catch (error) {
      return reject(error)
    }
    const onAbort = () => {
      const reason = abortReason(signal)
      // The body first, so that a read in progress fails with the reason.
      if (req.res) req.res.destroy(reason)
      req.destroy()
      reject(reason)
    }
    if (signal) {
      signal.addEventListener('abort', onAbort, { once: true })
      req.once('close', () => signal.removeEventListener('abort', onAbort))
    }
    req.once('error', reject)
    req.once('response', (response) => {
      resolve({ statusCode: response.statusCode, headers: response.headers, body: withReaders(response) })
    })
    if (body === undefined || body === null) {
      req.end()
    } else if (typeof body === 'string' || body instanceof Uint8Array) {
      req.end(body)
    } else {
      const source = typeof body.pipe === 'function' ? body : Readable.from(body)
      source.once('error', (error) => req.destroy(error))
      source.pipe(req)
    }
  })
}

function abortReason (signal) {
  return signal.reason !== undefined ? signal.reason : new DOMException('This operation was aborted', 'AbortError')
}

// undici's body mixin on the stream itself, over node:stream/consumers (each reads the whole
// body, so only one of them, once).
function withReaders (body) {
  body.text = () => consumers.text(body)
  body.json = () => consumers.json(body)
  body.arrayBuffer = () => consumers.arrayBuffer(body)
  body.bytes = async () => new Uint8Array(await consumers.arrayBuffer(body))
  body.blob = () => consumers.blob(body)
  return body
}

module.exports = { request }
