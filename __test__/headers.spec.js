'use strict'

// Request headers as they reach the server (reference §2.3, §3), read from the raw bytes of the
// request head, and response headers as the user sees them (§5).

const test = require('ava')
const { net } = require('..')
const { rawServer } = require('./helpers/raw-server')
const { listen, collect } = require('./helpers/listen')

function headerLines (head) {
  return head.split('\r\n').slice(1).filter(Boolean)
}

test('should put the caller\'s headers on the wire in order, spelled exactly as set', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
  const request = net.request({ url: `${srv.url}/p`, headers: { 'x-lower': 'a', 'X-UPPER': 'b' } })
  request.setHeader('X-mIxEd-CaSe', 'c')
  request.setHeader('x-num', 42)
  request.setHeader('X-List', ['1', '2'])
  await collect(request)
  const lines = headerLines(srv.requests[0].head)
  const own = lines.filter((l) => /^x-/i.test(l))
  t.deepEqual(own, ['x-lower: a', 'X-UPPER: b', 'X-mIxEd-CaSe: c', 'x-num: 42', 'X-List: 1,2'])
  t.is(srv.requests[0].head.split('\r\n')[0], 'GET /p HTTP/1.1')
  t.regex(lines[0], /^Host: 127\.0\.0\.1:\d+$/)
  t.is(lines[1], 'Connection: keep-alive')
})

test('should let a caller header replace Chromium\'s where it stands', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
  await collect(net.request({ url: srv.url, headers: { 'user-agent': 'mine/1.0', connection: 'close' } }))
  const lines = headerLines(srv.requests[0].head)
  t.is(lines[1], 'connection: close')
  t.is(lines.filter((l) => /^user-agent:/i.test(l)).length, 1)
  t.true(lines.includes('user-agent: mine/1.0'))
})

test('should send no Accept header (Chromium adds none)', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
  await collect(net.request(srv.url))
  t.false(/\r\naccept:/i.test(srv.requests[0].head))
})

const restricted = [
  ['Content-Length', '5'], ['Host', 'evil.test'], ['Trailer', 'x'], ['TE', 'trailers'], ['Upgrade', 'h2c'],
  ['Cookie2', 'a'], ['Keep-Alive', '300'], ['Transfer-Encoding', 'chunked'], ['Connection', 'upgrade'],
  ['Set-Cookie', 'a=b'], ['Proxy-Authorization', 'Basic x'], ['X-HTTP-Method-Override', 'TRACE'],
  ['Accept-Encoding', 'gzip, dcb']
]
for (const [name, value] of restricted) {
  test(`should fail a request with restricted header ${name}: ${value} and send nothing`, async (t) => {
    let connections = 0
    const srv = await listen(t, (req, res) => res.end())
    srv.server.on('connection', () => connections++)
    const request = net.request(srv.url)
    t.notThrows(() => request.setHeader(name, value), 'setHeader does not check the list')
    const r = await collect(request)
    t.is(r.error.message, 'net::ERR_INVALID_ARGUMENT')
    t.deepEqual(r.events, ['R:finish', 'R:close', 'R:error'])
    t.is(connections, 0)
  })
}

test('should expose status, reason, version and raw headers exactly as received', async (t) => {
  const srv = await rawServer(t, (s) => s.end(
    'HTTP/1.1 418 I\'m a Teapot\r\n' +
    'X-B: 1\r\nSet-Cookie: a=1\r\nx-b: 2\r\nSET-COOKIE: b=2\r\nContent-Type: text/plain\r\n' +
    'content-type: text/html\r\nCookie: c=1\r\nCookie: d=2\r\nContent-Length: 2\r\n\r\nok'))
  const r = await collect(net.request(srv.url))
  const res = r.response
  t.is(res.statusCode, 418)
  t.is(res.statusMessage, 'I\'m a Teapot')
  t.is(res.httpVersion, '1.1')
  t.is(res.httpVersionMajor, 1)
  t.is(res.httpVersionMinor, 1)
  t.deepEqual(res.rawHeaders, [
    'X-B', '1', 'Set-Cookie', 'a=1', 'x-b', '2', 'SET-COOKIE', 'b=2', 'Content-Type', 'text/plain',
    'content-type', 'text/html', 'Cookie', 'c=1', 'Cookie', 'd=2', 'Content-Length', '2'
  ])
  t.deepEqual(res.headers, {
    'content-length': '2',
    'content-type': 'text/plain',
    cookie: 'c=1, d=2',
    'set-cookie': ['a=1', 'b=2'],
    'x-b': '1, 2'
  })
  t.deepEqual(Object.keys(res.headers), ['content-length', 'content-type', 'cookie', 'set-cookie', 'x-b'])
  t.throws(() => res.trailers, { message: 'HTTP trailers are not supported' })
  t.throws(() => res.rawTrailers, { message: 'HTTP trailers are not supported' })
})

test('should report a single Set-Cookie as an array and HTTP/1.0 as 1.0', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.0 200 OK\r\nSet-Cookie: only=1\r\n\r\nbody'))
  const r = await collect(net.request(srv.url))
  t.deepEqual(r.response.headers['set-cookie'], ['only=1'])
  t.is(r.response.httpVersion, '1.0')
  t.is(r.response.httpVersionMinor, 0)
  t.is(r.body, 'body')
})

test('should report an empty reason phrase as an empty statusMessage', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n'))
  const r = await collect(net.request(srv.url))
  t.is(r.response.statusMessage, '')
})

test('should deliver a 401 without WWW-Authenticate, and a 500, as normal responses', async (t) => {
  const srv = await listen(t, (req, res) => { res.statusCode = req.url === '/a' ? 401 : 500; res.end('nope') })
  for (const [path, status] of [['/a', 401], ['/b', 500]]) {
    const r = await collect(net.request(srv.url + path))
    t.is(r.response.statusCode, status)
    t.is(r.body, 'nope')
    t.deepEqual(r.events, ['R:finish', 'R:close', 'R:response', 'S:end', 'S:close'])
  }
})
