'use strict'

// A small forward proxy on node:http, for what tinyproxy cannot show: it answers rejected
// credentials with another 407 (tinyproxy sends a 401 with WWW-Authenticate) and it can ask for
// Digest (tinyproxy only has Basic). Plain-http requests are forwarded with node:http; CONNECT
// opens a TCP tunnel. `seen` records each request's method, target and Proxy-Authorization.

const crypto = require('node:crypto')
const http = require('node:http')
const net = require('node:net')
const { serve } = require('./listen')

const REALM = 'node proxy'

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

async function startForwardProxy (t, { user, pass, scheme = 'Basic' } = {}) {
  const seen = []
  const nonce = crypto.randomBytes(8).toString('hex')
  const challenge = scheme === 'Basic'
    ? `Basic realm="${REALM}"`
    : `Digest realm="${REALM}", qop="auth", algorithm=MD5, nonce="${nonce}"`
  // Without `user` every request is let through (and its Proxy-Authorization still recorded).
  const authorized = (header, method, uri) => user === undefined || (scheme === 'Basic'
    ? header === 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')
    : digestOk(header, method, uri, user, pass, nonce))

  const server = http.createServer((req, res) => {
    const auth = req.headers['proxy-authorization']
    seen.push({ method: req.method, target: req.url, auth })
    const target = new URL(req.url)
    if (!authorized(auth, req.method, target.pathname + target.search)) {
      res.writeHead(407, { 'Proxy-Authenticate': challenge, 'Content-Type': 'text/plain' })
      return res.end('proxy auth required')
    }
    const headers = { ...req.headers, via: '1.1 node-proxy' }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const upstream = http.request(target, { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => { res.writeHead(502); res.end() })
    req.pipe(upstream)
  })
  server.on('connect', (req, socket, head) => {
    const auth = req.headers['proxy-authorization']
    seen.push({ method: 'CONNECT', target: req.url, auth })
    if (!authorized(auth, 'CONNECT', req.url)) {
      socket.end(`HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: ${challenge}\r\nContent-Length: 0\r\n\r\n`)
      return
    }
    const [host, port] = [req.url.slice(0, req.url.lastIndexOf(':')), req.url.slice(req.url.lastIndexOf(':') + 1)]
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    const close = () => { upstream.destroy(); socket.destroy() }
    upstream.on('error', close)
    socket.on('error', close)
  })
  const { port } = await serve(t, server)
  return { port, seen, realm: REALM }
}

module.exports = { startForwardProxy }
