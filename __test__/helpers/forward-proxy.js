'use strict'

// The tests' HTTP proxy, on node:http (no binary to install). It forwards plain-http requests
// sent in absolute form, adding `Via: <proxy.via>`, and opens a TCP tunnel for CONNECT.
// `seen` records each request's method, target (as received) and Proxy-Authorization.
//
// Options:
// - `user`, `pass`: credentials required, with `scheme` 'Basic' (default) or 'Digest'. A request
//   without the right ones gets a 407 with `Proxy-Authenticate` for realm `proxy.realm`.
// - `connectPorts`: the only ports CONNECT may reach (every port when not given); any other
//   answers 403, as tinyproxy's `ConnectPort` rule does. Credentials are checked first.
// - `keepAlive`: false (default) behaves as tinyproxy did for these tests: every connection
//   carries one request, and a refusal is an HTML page with `Connection: close` whose body ends
//   with the connection. true keeps plain-http connections open across requests and refusals
//   (a 407 with a Content-Length), as a keep-alive proxy does.
// - `tls`: { key, cert } (e.g. `certs.valid` from helpers/tls.js): an HTTPS proxy, listening
//   with TLS (node:https); everything above works the same inside the TLS connection.
// `connections` counts the connections accepted (TCP, or TLS handshakes done with `tls`).

const crypto = require('node:crypto')
const http = require('node:http')
const https = require('node:https')
const net = require('node:net')
const { serve } = require('./listen')

const REALM = 'test proxy'

// Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own: never forwarded.
const HOP_BY_HOP = ['connection', 'proxy-connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authorization', 'proxy-authenticate']

function forwardable (headers) {
  const out = { ...headers }
  for (const token of (headers.connection || '').split(',')) delete out[token.trim().toLowerCase()]
  for (const name of HOP_BY_HOP) delete out[name]
  return out
}

function digestParams (header) {
  const params = {}
  for (const m of header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) params[m[1]] = m[2] ?? m[3]
  return params
}

// RFC 7616 (MD5, qop=auth), checked against the method and `uri` the client signed; `uri` must be
// what Chromium signs for a proxy: `host:port` for CONNECT, the path for a plain-http request.
function digestOk (header, method, uri, user, pass, nonce) {
  if (!header || !header.startsWith('Digest ')) return false
  const p = digestParams(header)
  const md5 = (s) => crypto.createHash('md5').update(s).digest('hex')
  const ha1 = md5(`${user}:${REALM}:${pass}`)
  const ha2 = md5(`${method}:${p.uri}`)
  return p.username === user && p.realm === REALM && p.nonce === nonce && p.uri === uri &&
    p.qop === 'auth' && p.response === md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`)
}

// A refusal closing the connection, as tinyproxy writes one: no Content-Length, the page ends
// with the connection.
function refuseAndClose (socket, status, headers = {}) {
  const title = `${status} ${http.STATUS_CODES[status]}`
  const lines = [`HTTP/1.1 ${title}`, 'Content-Type: text/html', 'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)]
  socket.end(`${lines.join('\r\n')}\r\n\r\n<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`)
}

async function startForwardProxy (t, { user, pass, scheme = 'Basic', connectPorts, keepAlive = false, tls } = {}) {
  const seen = []
  const proxy = { port: 0, seen, realm: REALM, via: '', connections: 0 }
  const nonce = crypto.randomBytes(8).toString('hex')
  const challenge = scheme === 'Basic'
    ? `Basic realm="${REALM}"`
    : `Digest realm="${REALM}", qop="auth", algorithm=MD5, nonce="${nonce}"`
  // Without `user` every request is let through (and its Proxy-Authorization still recorded).
  const authorized = (header, method, uri) => user === undefined || (scheme === 'Basic'
    ? header === 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')
    : digestOk(header, method, uri, user, pass, nonce))

  const handler = (req, res) => {
    const auth = req.headers['proxy-authorization']
    seen.push({ method: req.method, target: req.url, auth })
    const refuse = (status, headers) => {
      if (!keepAlive) return refuseAndClose(req.socket, status, headers)
      const body = `${status} ${http.STATUS_CODES[status]}`
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain', 'Content-Length': body.length })
      res.end(body)
    }
    let target
    try { target = new URL(req.url) } catch { return refuse(400) } // not absolute form
    if (!authorized(auth, req.method, target.pathname + target.search)) {
      return refuse(407, { 'Proxy-Authenticate': challenge })
    }
    const headers = forwardable(req.headers)
    headers.via = (headers.via ? `${headers.via}, ` : '') + proxy.via
    // A connection of its own for each request (`agent: false`): nothing pooled across tests.
    const upstream = http.request(target, { method: req.method, headers, agent: false }, (up) => {
      const answer = forwardable(up.headers)
      if (!keepAlive) answer.connection = 'close'
      res.writeHead(up.statusCode, up.statusMessage, answer)
      up.pipe(res)
    })
    upstream.on('error', () => res.headersSent ? res.destroy() : refuse(502))
    req.pipe(upstream)
  }
  const server = tls ? https.createServer({ ...tls }, handler) : http.createServer(handler)
  server.on(tls ? 'secureConnection' : 'connection', () => { proxy.connections++ })
  server.on('connect', (req, socket, head) => {
    const auth = req.headers['proxy-authorization']
    seen.push({ method: 'CONNECT', target: req.url, auth })
    if (!authorized(auth, 'CONNECT', req.url)) return refuseAndClose(socket, 407, { 'Proxy-Authenticate': challenge })
    const colon = req.url.lastIndexOf(':')
    const [host, port] = [req.url.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), Number(req.url.slice(colon + 1))]
    if (connectPorts && !connectPorts.includes(port)) return refuseAndClose(socket, 403)
    const upstream = net.connect(port, host, () => {
      socket.write('HTTP/1.1 200 Connection established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    const close = () => { upstream.destroy(); socket.destroy() }
    upstream.on('error', close)
    socket.on('error', close)
  })
  const { port } = await serve(t, server, tls ? 'secureConnection' : 'connection')
  proxy.port = port
  proxy.via = `1.1 127.0.0.1:${port} (electron-net-rs test proxy)`
  return proxy
}

// A port nothing listens on (it was free a moment ago): an unreachable proxy.
function freePort () {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

// Answers a request's 'login' events with each credential pair of `answers` in turn (`null`:
// callback() without credentials), recording each authInfo and the event.
function answerLogins (request, answers) {
  const logins = []
  const events = []
  request.on('login', (authInfo, respond) => {
    events.push('R:login')
    logins.push(authInfo)
    const answer = answers[logins.length - 1]
    if (answer) respond(answer[0], answer[1])
    else respond()
  })
  return { logins, events }
}

module.exports = { startForwardProxy, freePort, answerLogins }
