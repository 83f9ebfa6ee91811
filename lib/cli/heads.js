'use strict'

// Request and response heads as text lines, for -i / -I (stdout) and -v (stderr).

const http = require('node:http')

// IncomingMessage's httpVersion ('1.1', '2.0') as curl writes it ('HTTP/1.1', 'HTTP/2').
function protocolName (version) {
  return version === '2.0' ? 'HTTP/2' : `HTTP/${version}`
}

// A final response as received: its status line and rawHeaders (original case and order,
// duplicates apart).
function responseHead (response) {
  const status = `${protocolName(response.httpVersion)} ${response.statusCode}`
  const lines = [response.statusMessage ? `${status} ${response.statusMessage}` : status]
  const raw = response.rawHeaders
  for (let i = 0; i < raw.length; i += 2) lines.push(`${raw[i]}: ${raw[i + 1]}`)
  return lines
}

// A redirect's head, as far as Electron's 'redirect' event tells it: the status code and the
// headers with lower-case names (each value kept). The event has neither the reason phrase nor
// the HTTP version: the standard phrase and HTTP/1.1 stand in (README, "Command line").
function redirectHead (statusCode, headers) {
  const phrase = http.STATUS_CODES[statusCode]
  const lines = [`HTTP/1.1 ${statusCode}${phrase ? ' ' + phrase : ''}`]
  for (const [name, values] of Object.entries(headers)) {
    for (const value of [].concat(values)) lines.push(`${name}: ${value}`)
  }
  return lines
}

// A request's head as the CLI hands it to the engine: request line (absolute form through an
// HTTP proxy, as the engine sends it there), Host, then `headers` ([{ name, value }]).
function requestHead (method, url, { version = '1.1', viaHttpProxy = false, headers = [] } = {}) {
  const target = viaHttpProxy && url.protocol === 'http:' ? url.href : url.pathname + url.search
  const lines = [`${method} ${target} ${protocolName(version)}`, `Host: ${url.host}`]
  for (const { name, value } of headers) lines.push(`${name}: ${value}`)
  return lines
}

module.exports = { responseHead, redirectHead, requestHead, protocolName }
