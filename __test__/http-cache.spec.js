'use strict'

// The HTTP cache (issue 21, RFC 9111 as Chromium's HttpCache applies it): node:http servers on
// 127.0.0.1 that count what reaches them, so every test asserts what went over the network
// and what the caller saw. In-memory partitions unless the test is about the disk.
//
//  H1  a fresh response is served from the cache: same status, rawHeaders, body and events
//  H2  a stale entry is revalidated with If-None-Match; a 304 delivers the stored body with
//      the 304's headers merged in (Chromium's HttpResponseHeaders::Update)
//  H3  Last-Modified revalidates with If-Modified-Since; a 200 replaces the entry
//  H4  Vary: another Accept is another variant
//  H5  no-store is not kept, private is (a private cache), neither freshness nor validator: not kept
//  H6  the cache modes: no-store, reload, no-cache, force-cache, only-if-cached (ERR_CACHE_MISS)
//  H7  a POST to the URL invalidates its entry
//  H8  fromPartition(name, { cache: false }) turns it off
//  H9  getCacheSize and clearCache, in memory and on disk
//  H10 a persistent session's cache survives its process; a damaged entry is refetched, never delivered
//  H11 a body aborted part-way is not stored
//  H12 Set-Cookie is not replayed from the cache
//  H13 a gzip body is stored encoded and decoded on every hit
//  H14 a caller's own conditional request goes to the server untouched
//  H15 clearData clears the cache when dataTypes is absent or names it

const test = require('ava')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
require('./helpers/user-data')
const { net, session } = require('..')
const { recordingServer, collect } = require('./helpers/listen')
const { runNode } = require('./helpers/child')

const tempDir = (name) => fs.mkdtempSync(path.join(os.tmpdir(), `electron-net-rs-test-${name}-`))

let partitions = 0
const fresh = (options) => session.fromPartition(`http-cache-${process.pid}-${++partitions}`, options)

const get = (ses, url, extra = {}) => collect(net.request({ url, session: ses, ...extra }))

test('H1 should serve a fresh response from the cache as the network one', async (t) => {
  const srv = await recordingServer(t, (req, res) => {
    res.setHeader('Cache-Control', 'max-age=600')
    res.setHeader('X-Spelled-This-Way', 'yes')
    res.end('cached body')
  })
  const ses = fresh()
  const first = await get(ses, srv.url + '/a')
  const second = await get(ses, srv.url + '/a')
  t.is(srv.seen.length, 1)
  t.is(second.body, 'cached body')
  t.is(second.response.statusCode, 200)
  t.is(second.response.statusMessage, first.response.statusMessage)
  t.deepEqual(second.response.rawHeaders, first.response.rawHeaders)
  t.deepEqual(second.events, first.events)
  // Another URL is another entry.
  await get(ses, srv.url + '/b')
  t.is(srv.seen.length, 2)
})

test('H2 should revalidate a stale entry with its ETag and deliver the stored body on a 304', async (t) => {
  const srv = await recordingServer(t, (req, res, body, n) => {
    if (req.headers['if-none-match'] === '"v1"') {
      res.writeHead(304, { ETag: '"v1"', 'Cache-Control': 'max-age=0', 'X-Round': String(n), 'Content-Type': 'text/html' })
      return res.end()
    }
    res.writeHead(200, { ETag: '"v1"', 'Cache-Control': 'max-age=0', 'X-Round': String(n), 'Content-Type': 'text/plain' })
    res.end('version one')
  })
  const ses = fresh()
  await get(ses, srv.url)
  const second = await get(ses, srv.url)
  t.is(srv.seen.length, 2)
  t.is(srv.seen[1].headers['if-none-match'], '"v1"')
  t.is(second.response.statusCode, 200)
  t.is(second.body, 'version one')
  // Updated by the 304, except what Chromium never updates (Content-Type).
  t.is(second.response.headers['x-round'], '2')
  t.is(second.response.headers['content-type'], 'text/plain')
  const third = await get(ses, srv.url)
  t.is(srv.seen[2].headers['if-none-match'], '"v1"')
  t.is(third.response.headers['x-round'], '3')
  t.is(third.body, 'version one')
})

test('H3 should revalidate with If-Modified-Since and replace the entry on a 200', async (t) => {
  const modified = 'Tue, 01 Jan 2030 00:00:00 GMT'
  const srv = await recordingServer(t, (req, res, body, n) => {
    res.writeHead(200, { 'Last-Modified': modified, 'Cache-Control': 'no-cache' })
    res.end('body ' + n)
  })
  const ses = fresh()
  t.is((await get(ses, srv.url)).body, 'body 1')
  const second = await get(ses, srv.url)
  t.is(srv.seen[1].headers['if-modified-since'], modified)
  t.is(second.body, 'body 2')
  t.is((await get(ses, srv.url)).body, 'body 3')
})

test('H4 should keep Vary variants apart', async (t) => {
  const srv = await recordingServer(t, (req, res) => {
    res.writeHead(200, { 'Cache-Control': 'max-age=600', Vary: 'Accept' })
    res.end('for ' + req.headers.accept)
  })
  const ses = fresh()
  const html = { headers: { Accept: 'text/html' } }
  const png = { headers: { Accept: 'image/png' } }
  t.is((await get(ses, srv.url, html)).body, 'for text/html')
  t.is((await get(ses, srv.url, html)).body, 'for text/html')
  t.is(srv.seen.length, 1)
  t.is((await get(ses, srv.url, png)).body, 'for image/png')
  t.is(srv.seen.length, 2)
})

test('H5 should store neither no-store responses nor ones without freshness or validator, and keep private ones', async (t) => {
  const srv = await recordingServer(t, (req, res) => {
    const cc = { '/no-store': 'no-store, max-age=600', '/private': 'private, max-age=600' }[req.url]
    if (cc) res.setHeader('Cache-Control', cc)
    res.end(req.url)
  })
  const ses = fresh()
  for (const p of ['/no-store', '/private', '/plain']) {
    await get(ses, srv.url + p)
    t.is((await get(ses, srv.url + p)).body, p)
  }
  t.deepEqual(srv.seen.map((s) => s.url), ['/no-store', '/no-store', '/private', '/plain', '/plain'])
})

test('H6 should apply the cache modes as Chromium does', async (t) => {
  const srv = await recordingServer(t, (req, res, body, n) => {
    res.writeHead(200, { 'Cache-Control': req.url === '/stale' ? 'max-age=0' : 'max-age=600', ETag: '"e"' })
    res.end('response ' + n)
  })
  const ses = fresh()
  // no-store: neither read nor written.
  await get(ses, srv.url + '/ns', { cache: 'no-store' })
  await get(ses, srv.url + '/ns')
  t.is(srv.seen.length, 2)
  // The entry /ns now holds is served by default; reload goes to the network and stores.
  t.is((await get(ses, srv.url + '/ns')).body, 'response 2')
  t.is((await get(ses, srv.url + '/ns', { cache: 'reload' })).body, 'response 3')
  t.is((await get(ses, srv.url + '/ns')).body, 'response 3')
  // no-cache: a fresh entry is validated all the same.
  await get(ses, srv.url + '/ns', { cache: 'no-cache' })
  t.is(srv.seen.at(-1).headers['if-none-match'], '"e"')
  t.is(srv.seen.length, 4)
  // force-cache and only-if-cached serve a stale entry without asking.
  const stale = (await get(ses, srv.url + '/stale')).body
  t.is((await get(ses, srv.url + '/stale', { cache: 'force-cache' })).body, stale)
  t.is((await get(ses, srv.url + '/stale', { cache: 'only-if-cached' })).body, stale)
  t.is(srv.seen.length, 5)
  // only-if-cached with nothing stored fails without a request.
  const miss = await get(ses, srv.url + '/never', { cache: 'only-if-cached' })
  t.is(miss.error && miss.error.message, 'net::ERR_CACHE_MISS')
  t.is(srv.seen.length, 5)
  // force-cache with nothing stored goes to the network.
  t.is((await get(ses, srv.url + '/never', { cache: 'force-cache' })).body, 'response 6')
})

test('H7 should forget an entry once a POST to its URL succeeds', async (t) => {
  const srv = await recordingServer(t, (req, res, body, n) => {
    res.writeHead(200, { 'Cache-Control': 'max-age=600' })
    res.end(req.method + ' ' + n)
  })
  const ses = fresh()
  await get(ses, srv.url + '/r')
  t.is((await get(ses, srv.url + '/r')).body, 'GET 1')
  await collect(net.request({ url: srv.url + '/r', method: 'POST', session: ses }), { body: 'x' })
  t.is((await get(ses, srv.url + '/r')).body, 'GET 3')
})

test('H8 should not cache in a session made with { cache: false }', async (t) => {
  const srv = await recordingServer(t, (req, res) => {
    res.writeHead(200, { 'Cache-Control': 'max-age=600' })
    res.end('x')
  })
  const ses = fresh({ cache: false })
  await get(ses, srv.url)
  await get(ses, srv.url)
  t.is(srv.seen.length, 2)
  t.is(await ses.getCacheSize(), 0)
})

async function sizeAndClear (t, ses) {
  const srv = await recordingServer(t, (req, res) => {
    res.writeHead(200, { 'Cache-Control': 'max-age=600' })
    res.end('y'.repeat(10000))
  })
  t.is(await ses.getCacheSize(), 0)
  await get(ses, srv.url)
  const size = await ses.getCacheSize()
  t.true(size > 10000 && size < 11000, String(size))
  await get(ses, srv.url)
  t.is(srv.seen.length, 1)
  t.is(await ses.clearCache(), undefined)
  t.is(await ses.getCacheSize(), 0)
  await get(ses, srv.url)
  t.is(srv.seen.length, 2)
}

test('H9 should report the cache size and clear it, in memory', async (t) => {
  await sizeAndClear(t, fresh())
})

test('H9 should report the cache size and clear it, on disk', async (t) => {
  const ses = session.fromPartition(`persist:http-cache-${process.pid}-${++partitions}`)
  await sizeAndClear(t, ses)
  t.true(fs.existsSync(path.join(ses.storagePath, 'Cache', 'Cache_Data')))
})

test('H10 should keep a persistent cache across processes and refetch a damaged entry', async (t) => {
  const srv = await recordingServer(t, (req, res, body, n) => {
    res.writeHead(200, { 'Cache-Control': 'max-age=600', 'X-Served': String(n) })
    res.end('stored ' + n)
  })
  const env = { ELECTRON_NET_RS_USER_DATA: tempDir('http-cache-h10') }
  const child = (...args) => runNode([path.join(__dirname, 'fixtures', 'cache-child.js'), ...args], env)
  const first = await child(srv.url)
  t.deepEqual(first.output, { status: 200, body: 'stored 1', header: '1', error: null }, first.stderr)
  const second = await child(srv.url, 'only-if-cached')
  t.deepEqual(second.output, { status: 200, body: 'stored 1', header: '1', error: null }, second.stderr)
  t.is(srv.seen.length, 1)
  // Damage the body of the one entry: it is neither delivered nor found any more.
  const dir = path.join(env.ELECTRON_NET_RS_USER_DATA, 'Cache', 'Cache_Data')
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.entry'))
  t.is(files.length, 1)
  const file = path.join(dir, files[0])
  const bytes = fs.readFileSync(file)
  const at = bytes.indexOf('stored 1')
  t.true(at > 0)
  bytes[at] = 'S'.charCodeAt(0)
  fs.writeFileSync(file, bytes)
  const damaged = await child(srv.url, 'only-if-cached')
  t.deepEqual(damaged.output, { status: null, body: null, header: null, error: 'net::ERR_CACHE_MISS' }, damaged.stderr)
  t.false(fs.existsSync(file))
  const refetched = await child(srv.url)
  t.deepEqual(refetched.output, { status: 200, body: 'stored 2', header: '2', error: null }, refetched.stderr)
  // A truncated entry too.
  const again = path.join(dir, fs.readdirSync(dir).filter((f) => f.endsWith('.entry'))[0])
  fs.truncateSync(again, fs.statSync(again).size - 3)
  const truncated = await child(srv.url)
  t.deepEqual(truncated.output, { status: 200, body: 'stored 3', header: '3', error: null }, truncated.stderr)
})

test('H11 should not store a body that was aborted part-way', async (t) => {
  const srv = await recordingServer(t, (req, res, body, n) => {
    res.writeHead(200, { 'Cache-Control': 'max-age=600' })
    if (n === 1) {
      res.write('x'.repeat(1024))
      return // never ends
    }
    res.end('whole')
  })
  const ses = fresh()
  await new Promise((resolve) => {
    const request = net.request({ url: srv.url, session: ses })
    request.on('response', (response) => {
      response.once('data', () => { request.abort(); resolve() })
    })
    request.end()
  })
  t.is((await get(ses, srv.url)).body, 'whole')
  t.is((await get(ses, srv.url)).body, 'whole')
  t.is(srv.seen.length, 2)
})

test('H12 should not replay Set-Cookie from the cache', async (t) => {
  const srv = await recordingServer(t, (req, res) => {
    res.writeHead(200, { 'Cache-Control': 'max-age=600', 'Set-Cookie': 'a=b' })
    res.end('c')
  })
  const ses = fresh()
  const first = await get(ses, srv.url)
  t.deepEqual(first.response.headers['set-cookie'], ['a=b'])
  const second = await get(ses, srv.url)
  t.is(srv.seen.length, 1)
  t.is(second.response.headers['set-cookie'], undefined)
})

test('H13 should store a gzip body as received and decode it on every hit', async (t) => {
  const text = 'compressible '.repeat(1000)
  const gz = zlib.gzipSync(text)
  const srv = await recordingServer(t, (req, res) => {
    res.writeHead(200, { 'Cache-Control': 'max-age=600', 'Content-Encoding': 'gzip', 'Content-Length': gz.length })
    res.end(gz)
  })
  const ses = fresh()
  t.is((await get(ses, srv.url)).body, text)
  const second = await get(ses, srv.url)
  t.is(second.body, text)
  t.is(second.response.headers['content-encoding'], 'gzip')
  t.is(srv.seen.length, 1)
  const size = await ses.getCacheSize()
  t.true(size < gz.length + 1000, String(size))
})

test('H14 should send a caller\'s own conditional request to the server and deliver its 304', async (t) => {
  const srv = await recordingServer(t, (req, res) => {
    if (req.headers['if-none-match'] === '"x"') {
      res.writeHead(304, { ETag: '"x"' })
      return res.end()
    }
    res.writeHead(200, { 'Cache-Control': 'max-age=600', ETag: '"x"' })
    res.end('full')
  })
  const ses = fresh()
  await get(ses, srv.url)
  const conditional = await get(ses, srv.url, { headers: { 'If-None-Match': '"x"' } })
  t.is(conditional.response.statusCode, 304)
  t.is(srv.seen.length, 2)
})

test('H15 should clear the cache with clearData() unless dataTypes leaves it out', async (t) => {
  const srv = await recordingServer(t, (req, res) => {
    res.writeHead(200, { 'Cache-Control': 'max-age=600' })
    res.end('z')
  })
  const ses = fresh()
  await get(ses, srv.url)
  await ses.clearData({ dataTypes: ['cookies'] })
  t.true(await ses.getCacheSize() > 0)
  await ses.clearData({ dataTypes: ['cache'] })
  t.is(await ses.getCacheSize(), 0)
  await get(ses, srv.url)
  t.true(await ses.getCacheSize() > 0)
  await ses.clearData()
  t.is(await ses.getCacheSize(), 0)
  await get(ses, srv.url)
  t.is(srv.seen.length, 3)
})
