'use strict'

// Electron's IncomingMessage as libraries written for node:http expect it. They write to it
// (got sets `statusMessage`, `url`, `request`..., which are getter-only on Electron's) and they
// read its headers to decide how to decode the body. So its status and headers become own
// writable properties, and when the engine has already decoded the body its headers describe
// the bytes delivered, as node:http consumers (and axios' own adapter, which deletes
// `content-encoding` after decoding) expect: no `content-encoding`, no `content-length` of the
// encoded size (got would fail the body for not matching it).

// Codings the engine decodes when it wrote Accept-Encoding itself (src/request/decoding.rs:
// one coding only; stacked ones arrive as sent).
const ENGINE_DECODES = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'zstd'])
const DROPPED_WHEN_DECODED = new Set(['content-encoding', 'content-length'])

function decodedByEngine (headers, method, statusCode, callerAcceptEncoding) {
  if (callerAcceptEncoding || method === 'HEAD' || statusCode === 204 || statusCode === 304) return false
  const coding = headers['content-encoding']
  return typeof coding === 'string' && ENGINE_DECODES.has(coding.trim().toLowerCase())
}

function own (value) {
  return { value, writable: true, configurable: true, enumerable: true }
}

// `method`: the request's; `callerAcceptEncoding`: whether the caller sent its own
// Accept-Encoding (the engine then passes the body through as the server sent it);
// `responseUrl`: the URL the response came from, after the engine's redirects (the name
// follow-redirects gives it, which axios users read as `response.request.res.responseUrl`).
function nodeResponse (message, method, callerAcceptEncoding, responseUrl) {
  const statusCode = message.statusCode
  let headers = message.headers
  let rawHeaders = message.rawHeaders
  if (decodedByEngine(headers, method, statusCode, callerAcceptEncoding)) {
    headers = { ...headers }
    for (const name of DROPPED_WHEN_DECODED) delete headers[name]
    const kept = []
    for (let i = 0; i < rawHeaders.length; i += 2) {
      if (!DROPPED_WHEN_DECODED.has(rawHeaders[i].toLowerCase())) kept.push(rawHeaders[i], rawHeaders[i + 1])
    }
    rawHeaders = kept
  }
  Object.defineProperties(message, {
    statusCode: own(statusCode),
    statusMessage: own(message.statusMessage),
    headers: own(headers),
    rawHeaders: own(rawHeaders),
    // node:http's flag for a body received in full (mimic-response, used by got, reads it).
    complete: own(false),
    responseUrl: own(responseUrl)
  })
  message.once('end', () => { message.complete = true })
  return message
}

module.exports = { nodeResponse }
