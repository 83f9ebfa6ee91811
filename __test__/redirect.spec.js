'use strict'

const test = require('ava')
const { net } = require('..')
const { listen, collect } = require('./helpers/listen')

// A server that records every request it receives and answers by path:
// /to/<status>?url  -> redirect with that status to `url`; anything else -> 200 echo.
async function redirectServer (t) {
  const seen = []
  const srv = await listen(t, (req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() })
      const m = req.url.match(/^\/to\/(\d+)\?(.*)$/)
      if (m) {
        res.writeHead(Number(m[1]), { Location: decodeURIComponent(m[2]), 'X-Cookie': 'a', 'x-cookie': 'b' })
        res.end('redirecting')
        return
      }
      if (req.url.startsWith('/loop/')) {
        const n = Number(req.url.slice(6))
        res.writeHead(302, { Location: `/loop/${n + 1}` })
        res.end()
        return
      }
      res.end(`final ${req.method} ${req.url}`)
    })
  })
  return { ...srv, seen }
}

test('should follow a redirect and report it with Electron\'s arguments', async (t) => {
  const srv = await redirectServer(t)
  const request = net.request(`${srv.url}/to/301?/done`)
  let args
  request.on('redirect', (...a) => { args = a })
  const r = await collect(request)
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:redirect', 'R:response', 'S:end', 'S:close'])
  t.is(r.body, 'final GET /done')
  t.is(args[0], 301)
  t.is(args[1], 'GET')
  t.is(args[2], `${srv.url}/done`)
  t.deepEqual(args[3]['x-cookie'], ['a', 'b'])
  t.deepEqual(args[3].location, ['/done'])
})

// Chromium drops the body and every header describing it when the method changes
// (reference §6; RedirectUtil::UpdateHttpRequest). Content-Length is the engine's own.
const BODY_HEADERS = {
  'Content-Type': 'text/plain',
  'Content-Encoding': 'identity',
  'Content-Language': 'en',
  'Content-Location': '/payload'
}

for (const [status, method] of [[301, 'POST'], [302, 'POST'], [303, 'POST'], [303, 'PUT']]) {
  test(`should turn a ${method} into a GET without body on ${status} and drop the Content-* headers`, async (t) => {
    const srv = await redirectServer(t)
    const request = net.request({ method, url: `${srv.url}/to/${status}?/done` })
    for (const [name, value] of Object.entries(BODY_HEADERS)) request.setHeader(name, value)
    request.setHeader('X-Kept', 'yes')
    let redirectMethod
    request.on('redirect', (s, m) => { redirectMethod = m })
    const r = await collect(request, { body: 'payload' })
    t.is(redirectMethod, 'GET')
    t.is(r.body, 'final GET /done')
    t.is(srv.seen[0].headers['content-type'], 'text/plain', 'the first hop carried them')
    t.is(srv.seen[0].headers['content-length'], '7')
    t.is(srv.seen[1].method, 'GET')
    t.is(srv.seen[1].body, '')
    for (const name of [...Object.keys(BODY_HEADERS), 'Content-Length', 'Transfer-Encoding']) {
      t.is(srv.seen[1].headers[name.toLowerCase()], undefined, name)
    }
    t.is(srv.seen[1].headers['x-kept'], 'yes')
  })
}

for (const status of [307, 308]) {
  test(`should keep method and re-send the body on ${status}`, async (t) => {
    const srv = await redirectServer(t)
    const request = net.request({ method: 'POST', url: `${srv.url}/to/${status}?/done` })
    request.setHeader('Content-Type', 'text/plain')
    const r = await collect(request, { body: 'payload' })
    t.is(r.body, 'final POST /done')
    t.is(srv.seen[1].body, 'payload')
    t.is(srv.seen[1].headers['content-type'], 'text/plain')
  })
}

test('should fail a 307 of a chunked body, which cannot be replayed', async (t) => {
  const srv = await redirectServer(t)
  const request = net.request({ method: 'POST', url: `${srv.url}/to/307?/done` })
  const r = await collect(request, { body: 'payload', chunked: true })
  t.is(r.error.message, 'net::ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED')
  t.is(srv.seen.length, 1)
})

test('should follow in manual mode only when followRedirect() is called synchronously', async (t) => {
  const srv = await redirectServer(t)
  const followed = net.request({ url: `${srv.url}/to/302?${encodeURIComponent('/to/307?/done')}`, redirect: 'manual' })
  const redirects = []
  followed.on('redirect', (status, method, url) => { redirects.push([status, method, url]); followed.followRedirect() })
  const r = await collect(followed)
  // Reference §4 K: the same order as follow mode (J), one 'redirect' per hop.
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:redirect', 'R:redirect', 'R:response', 'S:end', 'S:close'])
  t.deepEqual(redirects, [[302, 'GET', `${srv.url}/to/307?/done`], [307, 'GET', `${srv.url}/done`]])
  t.is(r.body, 'final GET /done')
  t.is(srv.seen.length, 3)

  const cancelled = net.request({ url: `${srv.url}/to/302?/done`, redirect: 'manual' })
  let deferredError
  cancelled.on('redirect', () => setImmediate(() => {
    try { cancelled.followRedirect() } catch (e) { deferredError = e }
  }))
  const c = await collect(cancelled)
  t.deepEqual(c.events, ['R:finish', 'R:close', 'R:redirect', 'R:error'])
  t.is(c.error.message, 'Redirect was cancelled')
  t.is(deferredError.message, 'followRedirect() called, but was not waiting for a redirect')
})

test('should cancel a manual redirect nobody listens for', async (t) => {
  const srv = await redirectServer(t)
  const r = await collect(net.request({ url: `${srv.url}/to/302?/done`, redirect: 'manual' }))
  t.is(r.error.message, 'Redirect was cancelled')
  t.is(srv.seen.length, 1)
})

test('should fail in error mode without a redirect event', async (t) => {
  const srv = await redirectServer(t)
  const r = await collect(net.request({ url: `${srv.url}/to/302?/done`, redirect: 'error' }))
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:error'])
  t.is(r.error.message, 'Attempted to redirect, but redirect policy was \'error\'')
})

test('should stop with abort() inside the redirect handler and no error', async (t) => {
  const srv = await redirectServer(t)
  const request = net.request(`${srv.url}/to/302?/done`)
  request.on('redirect', () => request.abort())
  const events = []
  for (const name of ['finish', 'close', 'abort', 'redirect', 'error', 'response']) request.on(name, () => events.push(name))
  request.end()
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.deepEqual(events, ['finish', 'close', 'redirect', 'abort'])
  t.is(srv.seen.length, 1)
})

test('should throw from followRedirect() outside a redirect', (t) => {
  const request = net.request('http://127.0.0.1:1/')
  t.throws(() => request.followRedirect(), { message: 'followRedirect() called, but was not waiting for a redirect' })
})

test('should never send Authorization or Cookie to another origin', async (t) => {
  const other = await redirectServer(t)
  const srv = await redirectServer(t)
  const request = net.request(`${srv.url}/to/307?${encodeURIComponent(other.url + '/landing')}`)
  request.setHeader('Authorization', 'Bearer secret')
  request.setHeader('Cookie', 'session=secret')
  request.setHeader('X-Other', 'kept')
  const r = await collect(request)
  t.is(r.body, 'final GET /landing')
  t.is(srv.seen[0].headers.authorization, 'Bearer secret')
  t.is(other.seen[0].headers.authorization, undefined)
  t.is(other.seen[0].headers.cookie, undefined)
  t.is(other.seen[0].headers['x-other'], 'kept')
})

test('should keep Authorization on a same-origin redirect', async (t) => {
  const srv = await redirectServer(t)
  const request = net.request(`${srv.url}/to/302?/landing`)
  request.setHeader('Authorization', 'Bearer secret')
  await collect(request)
  t.is(srv.seen[1].headers.authorization, 'Bearer secret')
})

for (const target of ['file:///etc/passwd', 'data:text/plain,hi', 'about:blank', 'blob:http://a/b']) {
  test(`should refuse a redirect to ${target.split(':')[0]}: with net::ERR_UNSAFE_REDIRECT`, async (t) => {
    const srv = await redirectServer(t)
    const r = await collect(net.request(`${srv.url}/to/302?${encodeURIComponent(target)}`))
    t.deepEqual(r.events, ['R:finish', 'R:close', 'R:redirect', 'R:error'])
    t.is(r.error.message, 'net::ERR_UNSAFE_REDIRECT')
  })
}

// Reference §6 / §4 O: the unsafe-target check runs after 'redirect', and only if the redirect
// is followed; error mode fails first, with no 'redirect' event.
test('should refuse a file: target in manual mode only after followRedirect()', async (t) => {
  const srv = await redirectServer(t)
  const target = encodeURIComponent('file:///etc/passwd')
  const followed = net.request({ url: `${srv.url}/to/302?${target}`, redirect: 'manual' })
  let args
  followed.on('redirect', (...a) => { args = a; followed.followRedirect() })
  const f = await collect(followed)
  t.deepEqual(f.events, ['R:finish', 'R:close', 'R:redirect', 'R:error'])
  t.is(f.error.message, 'net::ERR_UNSAFE_REDIRECT')
  t.deepEqual(args.slice(0, 3), [302, 'GET', 'file:///etc/passwd'])

  const notFollowed = net.request({ url: `${srv.url}/to/302?${target}`, redirect: 'manual' })
  notFollowed.on('redirect', () => {})
  const n = await collect(notFollowed)
  t.deepEqual(n.events, ['R:finish', 'R:close', 'R:redirect', 'R:error'])
  t.is(n.error.message, 'Redirect was cancelled')
  t.is(srv.seen.length, 2)
})

test('should fail a file: target in error mode with the error-mode text and no redirect event', async (t) => {
  const srv = await redirectServer(t)
  const r = await collect(net.request({ url: `${srv.url}/to/302?${encodeURIComponent('file:///etc/passwd')}`, redirect: 'error' }))
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:error'])
  t.is(r.error.message, 'Attempted to redirect, but redirect policy was \'error\'')
})

// Reference §6 "Other schemes": no loader handles them, so Electron's restart fails with
// net::ERR_UNKNOWN_URL_SCHEME (not ERR_UNSAFE_REDIRECT), after the 'redirect' event.
for (const target of ['ftp://127.0.0.1/file', 'myapp://open/x']) {
  test(`should fail a redirect to ${target.split(':')[0]}: with net::ERR_UNKNOWN_URL_SCHEME`, async (t) => {
    const srv = await redirectServer(t)
    const r = await collect(net.request(`${srv.url}/to/302?${encodeURIComponent(target)}`))
    t.deepEqual(r.events, ['R:finish', 'R:close', 'R:redirect', 'R:error'])
    t.is(r.error.message, 'net::ERR_UNKNOWN_URL_SCHEME')
    t.is(srv.seen.length, 1)
  })
}

test('should fail an unparseable Location with net::ERR_INVALID_REDIRECT', async (t) => {
  const srv = await redirectServer(t)
  const r = await collect(net.request(`${srv.url}/to/302?${encodeURIComponent('http://[::1')}`))
  t.is(r.error.message, 'net::ERR_INVALID_REDIRECT')
})

test('should follow 20 redirects and fail the 21st with net::ERR_TOO_MANY_REDIRECTS', async (t) => {
  const srv = await redirectServer(t)
  const request = net.request(`${srv.url}/loop/0`)
  let redirects = 0
  request.on('redirect', () => redirects++)
  const r = await collect(request)
  t.is(redirects, 20)
  t.is(r.error.message, 'net::ERR_TOO_MANY_REDIRECTS')
  t.is(srv.seen.length, 21)
})

test('should deliver a redirect status without Location as a response', async (t) => {
  const srv = await listen(t, (req, res) => { res.writeHead(302); res.end('no location') })
  const r = await collect(net.request(srv.url))
  t.is(r.response.statusCode, 302)
  t.is(r.body, 'no location')
})

// A raw server whose first connection answers with `first` (a head and the start of a body)
// and then trickles a byte every 50 ms without ever finishing the body; any later connection
// gets a 200 'ok'. Records each request's head with the number of its connection, and when the
// first connection is closed by the client.
async function trickleServer (t, first) {
  const { rawServer } = require('./helpers/raw-server')
  let connections = 0
  const seen = []
  let firstClosed
  const closed = new Promise((resolve) => { firstClosed = resolve })
  const srv = await rawServer(t, (socket, request) => {
    const n = ++connections
    seen.push({ connection: n, head: request.head })
    if (n > 1) return socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    socket.on('close', () => firstClosed(Date.now()))
    socket.write(first)
    const trickle = setInterval(() => socket.write('x'), 50)
    socket.on('close', () => clearInterval(trickle))
    t.teardown(() => clearInterval(trickle))
  })
  return { ...srv, seen, closed }
}

// Chromium closes a stream it cannot reuse instead of reading the body of a redirect or a
// challenge it will not show (`HttpNetworkTransaction::~HttpNetworkTransaction`,
// `HttpStreamParser::CanReuseConnection`): a body that runs to the close is dropped unread, so a
// server that trickles one cannot hold the redirect. Before, the engine read it to its end:
// the redirect never happened.
for (const [name, first, login] of [
  ['a 302 whose body runs to the close', 'HTTP/1.1 302 Found\r\nLocation: /target\r\n\r\nredirecting', false],
  ['a 401 whose body runs to the close', 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="r"\r\n\r\nlog in', true],
  ['a 302 whose framed body trickles', 'HTTP/1.1 302 Found\r\nLocation: /target\r\nContent-Length: 100000\r\n\r\nredirecting', false]
]) {
  test(`should not wait for the body of ${name}, and close its connection`, async (t) => {
    const srv = await trickleServer(t, first)
    const startedAt = Date.now()
    const request = net.request(`${srv.url}/start`)
    if (login) request.on('login', (authInfo, callback) => { const user = 'user'; callback(user, 'pass') })
    const r = await Promise.race([
      collect(request),
      new Promise((resolve) => setTimeout(() => resolve({ timedOut: true }), 5000))
    ])
    const elapsed = Date.now() - startedAt
    t.falsy(r.timedOut, 'the request finished')
    t.is(r.response?.statusCode, 200)
    t.is(r.body, 'ok')
    t.true(elapsed < 2000, `${elapsed} ms`)
    t.is(srv.seen.length, 2)
    t.is(srv.seen[1].connection, 2, 'the retry went over a new connection')
    t.regex(srv.seen[1].head, login ? /\r\nAuthorization: Basic / : /^GET \/target /)
    const closedAt = await Promise.race([srv.closed, new Promise((resolve) => setTimeout(resolve, 2000))])
    t.truthy(closedAt, 'the first connection was closed')
  })
}
