'use strict'

// got's `request` option (https://github.com/sindresorhus/got/blob/main/documentation/2-options.md#request):
// got calls it as `request(url, options)` with node:http's options and uses what it returns as
// an http.ClientRequest: it writes the body, ends it, listens for 'response' and 'error', and
// destroy()s it to cancel (timeouts, retries, the signal). got itself is not needed here.
//
// The engine follows redirects (Electron's rules), so got only ever sees the final response:
// got's own following, `maxRedirects` and `beforeRedirect` hooks do not come into play, and
// `response.redirectUrls` stays empty; `response.responseUrl` is the final URL. got's TLS,
// agent, DNS and socket options are node:http's and ignored: the session's settings apply.

const { buildUrl } = require('../options')
const { TransportRequest, engineHeaders } = require('./transport-request')

// got retries a failed request only when its `error.code` is one of Node's (got's
// `retry.errorCodes`); the engine's errors carry Chromium's name and no code (reference §9), so
// the adapter gives the common ones the code node:http would have failed with.
const NODE_CODES = new Map([
  ['net::ERR_CONNECTION_REFUSED', 'ECONNREFUSED'],
  ['net::ERR_CONNECTION_RESET', 'ECONNRESET'],
  // node:http's "socket hang up": the connection closed before a response.
  ['net::ERR_CONNECTION_CLOSED', 'ECONNRESET'],
  ['net::ERR_EMPTY_RESPONSE', 'ECONNRESET'],
  ['net::ERR_NAME_NOT_RESOLVED', 'ENOTFOUND'],
  ['net::ERR_TIMED_OUT', 'ETIMEDOUT'],
  ['net::ERR_CONNECTION_TIMED_OUT', 'ETIMEDOUT'],
  ['net::ERR_ADDRESS_UNREACHABLE', 'ENETUNREACH'],
  ['net::ERR_INTERNET_DISCONNECTED', 'ENETUNREACH']
])

function withNodeCode (error) {
  const code = NODE_CODES.get(error.message)
  if (code !== undefined && error.code === undefined) error.code = code
}

// `defaults`: net.request options for every request (session, partition, useSessionCookies,
// credentials, cache, ...). The function takes http.request's arguments — (url, options),
// (url, options, callback), (options, callback) — as got passes the first form and its `cache`
// option (cacheable-request) the last.
function gotRequest (defaults = {}) {
  return function electronNetRequest (url, options, callback) {
    if (typeof options === 'function') {
      callback = options
      options = undefined
    }
    if (typeof url !== 'string' && !(url instanceof URL)) {
      options = url
      url = undefined
    }
    options = options || {}
    const target = new URL(url !== undefined ? url : buildUrl(options))
    // got has already turned URL credentials into an Authorization header.
    target.username = ''
    target.password = ''
    const request = new TransportRequest({
      ...defaults,
      method: options.method,
      url: target.href,
      headers: engineHeaders(options.headers)
    })
    // Before got's own listener, which reads the code.
    request.on('error', withNodeCode)
    if (callback) request.once('response', callback)
    return request
  }
}

module.exports = { gotRequest }
