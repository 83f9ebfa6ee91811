'use strict'

const zlib = require('node:zlib')
const test = require('ava')
const { net, session } = require('..')
const { listen, collect } = require('./helpers/listen')

// Echoes the request head it received as JSON.
async function echoServer (t) {
  return listen(t, (req, res) => {
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ headers: req.headers, rawHeaders: req.rawHeaders }))
  })
}

async function received (request) {
  const r = await collect(request)
  if (r.error) throw r.error
  return JSON.parse(r.body).headers
}

test('should send Sec-Fetch-* defaults with no initiator for the object form', async (t) => {
  const srv = await echoServer(t)
  const h = await received(net.request({ url: srv.url }))
  t.is(h['sec-fetch-site'], 'none')
  t.is(h['sec-fetch-mode'], 'no-cors')
  t.is(h['sec-fetch-dest'], 'empty')
  t.is(h['sec-fetch-user'], undefined)
})

test('should make the string form same-origin with its own URL', async (t) => {
  const srv = await echoServer(t)
  const h = await received(net.request(srv.url))
  t.is(h['sec-fetch-site'], 'same-origin')
})

test('should compute Sec-Fetch-Site from the origin option or an Origin header', async (t) => {
  const srv = await echoServer(t)
  t.is((await received(net.request({ url: srv.url, origin: srv.url })))['sec-fetch-site'], 'same-origin')
  t.is((await received(net.request({ url: srv.url, origin: 'https://not-exists.com' })))['sec-fetch-site'], 'cross-site')
  t.is((await received(net.request({ url: srv.url, headers: { Origin: srv.url } })))['sec-fetch-site'], 'same-origin')
})

test('should take the caller\'s Sec-Fetch-Mode, -Dest and -User as Chromium does', async (t) => {
  const srv = await echoServer(t)
  const h = await received(net.request({
    url: srv.url,
    headers: { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document', 'Sec-Fetch-User': '?1' }
  }))
  t.is(h['sec-fetch-mode'], 'navigate')
  t.is(h['sec-fetch-dest'], 'document')
  t.is(h['sec-fetch-user'], '?1')
  const other = await received(net.request({ url: srv.url, headers: { 'Sec-Fetch-User': '?0', 'Sec-Fetch-Dest': 'bogus' } }))
  t.is(other['sec-fetch-user'], undefined)
  t.is(other['sec-fetch-dest'], 'empty')
})

const DEST_ERROR = 'sec-fetch-dest of \'document\', \'frame\', \'iframe\' or \'fencedframe\' requires sec-fetch-mode \'navigate\''

// Reference §8.1 / §2.4: Electron throws in some body modes; we always report an 'error' event
// (README), with no 'finish' and nothing sent.
for (const mode of ['bodyless', 'buffered', 'chunked']) {
  test(`should fail a navigation destination without navigate mode with Electron's TypeError (${mode})`, async (t) => {
    let hits = 0
    const srv = await listen(t, (req, res) => { hits++; res.end() })
    for (const dest of ['document', 'frame', 'iframe', 'fencedframe']) {
      for (const fetchMode of [undefined, 'no-cors', 'cors', 'bogus']) {
        const headers = { 'Sec-Fetch-Dest': dest }
        if (fetchMode) headers['Sec-Fetch-Mode'] = fetchMode
        const request = net.request({ method: 'POST', url: srv.url, origin: srv.url, headers })
        const r = await collect(request, {
          body: mode === 'bodyless' ? undefined : 'payload',
          chunked: mode === 'chunked'
        })
        const label = `${dest} / ${fetchMode}`
        t.deepEqual(r.events, ['R:error', 'R:close'], label)
        t.true(r.error instanceof TypeError, label)
        t.is(r.error.message, DEST_ERROR, label)
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
    t.is(hits, 0, 'nothing reached the server')
  })
}

test('should let navigation destinations through in navigate mode', async (t) => {
  const srv = await echoServer(t)
  for (const dest of ['document', 'frame', 'iframe', 'fencedframe']) {
    const h = await received(net.request({ url: srv.url, headers: { 'Sec-Fetch-Dest': dest, 'Sec-Fetch-Mode': 'navigate' } }))
    t.is(h['sec-fetch-dest'], dest)
    t.is(h['sec-fetch-mode'], 'navigate')
  }
})

// Reference §8.1: Chromium does not overwrite a caller's Sec-Fetch-Mode, even an unknown one.
test('should send an unknown Sec-Fetch-Mode verbatim', async (t) => {
  const srv = await echoServer(t)
  const h = await received(net.request({ url: srv.url, headers: { 'Sec-Fetch-Mode': 'Bogus-Mode' } }))
  t.is(h['sec-fetch-mode'], 'Bogus-Mode')
  t.is(h['sec-fetch-dest'], 'empty')
})

test('should refuse cors mode without an initiator with net::ERR_INVALID_ARGUMENT', async (t) => {
  let hits = 0
  const srv = await listen(t, (req, res) => { hits++; res.end() })
  const r = await collect(net.request({ url: srv.url, headers: { 'Sec-Fetch-Mode': 'cors' } }))
  t.is(r.error.message, 'net::ERR_INVALID_ARGUMENT')
  t.is(hits, 0)
})

test('should send no Referer unless the caller sets one', async (t) => {
  const srv = await echoServer(t)
  t.is((await received(net.request(srv.url))).referer, undefined)
})

test('should keep a same-origin Referer and refuse one the default policy would change', async (t) => {
  const srv = await echoServer(t)
  const same = await received(net.request({ url: srv.url, headers: { Referer: `${srv.url}/page?q=1` } }))
  t.is(same.referer, `${srv.url}/page?q=1`)
  const r = await collect(net.request({ url: srv.url, headers: { Referer: 'https://www.electronjs.org/docs' } }))
  t.is(r.error.message, 'net::ERR_BLOCKED_BY_CLIENT')
})

test('should send any Referer under unsafe-url', async (t) => {
  const srv = await echoServer(t)
  const h = await received(net.request({ url: srv.url, referrerPolicy: 'unsafe-url', headers: { Referer: 'https://www.electronjs.org/' } }))
  t.is(h.referer, 'https://www.electronjs.org/')
})

// What each policy does to the caller's Referer (reference §8.2; Chromium
// URLRequestJob::ComputeReferrerForPolicy): the request goes out only when the policy would keep
// the referrer exactly as given, otherwise it fails with net::ERR_BLOCKED_BY_CLIENT and nothing
// reaches the server. `full` is a referrer with a path, `bare` one that is already an origin.
// The downgrade rows are https -> http://127.0.0.1: loopback is potentially trustworthy but not
// cryptographic, so Chromium treats it as a downgrade.
const POLICIES = ['no-referrer', 'no-referrer-when-downgrade', 'origin', 'origin-when-cross-origin',
  'same-origin', 'strict-origin', 'strict-origin-when-cross-origin', 'unsafe-url', '']
const SENT = 'sent'
const BLOCKED = 'net::ERR_BLOCKED_BY_CLIENT'
//                        no-ref   nrwd     origin   owco     same-o   strict-o sowco    unsafe   ''
const REFERRER_TABLE = {
  'same-origin full': [BLOCKED, SENT, BLOCKED, SENT, SENT, BLOCKED, SENT, SENT, SENT],
  'same-origin bare': [BLOCKED, SENT, SENT, SENT, SENT, SENT, SENT, SENT, SENT],
  'cross-origin full': [BLOCKED, SENT, BLOCKED, BLOCKED, BLOCKED, BLOCKED, BLOCKED, SENT, BLOCKED],
  'cross-origin bare': [BLOCKED, SENT, SENT, SENT, BLOCKED, SENT, SENT, SENT, SENT],
  'downgrade full': [BLOCKED, BLOCKED, BLOCKED, BLOCKED, BLOCKED, BLOCKED, BLOCKED, SENT, BLOCKED],
  'downgrade bare': [BLOCKED, BLOCKED, SENT, SENT, BLOCKED, BLOCKED, BLOCKED, SENT, BLOCKED]
}

function referrerFor (scenario, srv) {
  return {
    'same-origin full': `${srv.url}/page?q=1`,
    'same-origin bare': `${srv.url}/`,
    'cross-origin full': 'http://other.test/path?q=1',
    'cross-origin bare': 'http://other.test/',
    'downgrade full': 'https://other.test/path?q=1',
    'downgrade bare': 'https://other.test/'
  }[scenario]
}

for (const [scenario, row] of Object.entries(REFERRER_TABLE)) {
  test(`should apply every referrer policy to a ${scenario} Referer`, async (t) => {
    const seen = []
    const srv = await listen(t, (req, res) => { seen.push(req.headers.referer); res.end('ok') })
    const referrer = referrerFor(scenario, srv)
    for (const [i, policy] of POLICIES.entries()) {
      const before = seen.length
      const r = await collect(net.request({ url: `${srv.url}/target`, referrerPolicy: policy, headers: { Referer: referrer } }))
      if (row[i] === SENT) {
        t.is(r.error, null, `${policy || "''"}: ${r.error && r.error.message}`)
        t.deepEqual(seen.slice(before), [referrer], `${policy || "''"}: the server got the Referer as given`)
      } else {
        t.is(r.error && r.error.message, row[i], `${policy || "''"}`)
        t.deepEqual(r.events, ['R:finish', 'R:close', 'R:error'], `${policy || "''"}`)
        t.is(seen.length, before, `${policy || "''"}: nothing reached the server`)
      }
    }
  })
}

test('should reduce the Referer per policy on a cross-origin redirect', async (t) => {
  const landed = []
  const target = await listen(t, (req, res) => { landed.push(req.headers.referer); res.end('landed') })
  const srv = await listen(t, (req, res) => {
    res.writeHead(302, { Location: `${target.url}/landing` })
    res.end()
  })
  const full = `${srv.url}/page?secret=1`
  const origin = `${srv.url}/`
  // [the Referer the caller sets (one the first, same-origin hop lets through), what the
  // cross-origin target receives]
  const expected = {
    'no-referrer-when-downgrade': [full, full],
    origin: [origin, origin],
    'origin-when-cross-origin': [full, origin],
    'same-origin': [full, undefined],
    'strict-origin': [origin, origin],
    'strict-origin-when-cross-origin': [full, origin],
    'unsafe-url': [full, full],
    '': [full, origin]
  }
  for (const [policy, [sent, want]] of Object.entries(expected)) {
    const before = landed.length
    const r = await collect(net.request({ url: `${srv.url}/start`, referrerPolicy: policy, headers: { Referer: sent } }))
    t.is(r.body, 'landed', policy)
    t.is(landed.length, before + 1, policy)
    t.is(landed.at(-1), want, policy || "''")
  }
  // no-referrer refuses any Referer before the first hop.
  const r = await collect(net.request({ url: `${srv.url}/start`, referrerPolicy: 'no-referrer', headers: { Referer: origin } }))
  t.is(r.error.message, BLOCKED)
})

test('should send the session\'s User-Agent unless the caller sets one', async (t) => {
  const srv = await echoServer(t)
  const ses = session.fromPartition('semantics-ua')
  t.regex(ses.getUserAgent(), /^Mozilla\/5\.0 \(.+\) AppleWebKit\/537\.36 \(KHTML, like Gecko\) electron-net-rs\//)
  ses.setUserAgent('my-agent/1.0', 'en-US,fr,de')
  t.is(ses.getUserAgent(), 'my-agent/1.0')
  const h = await received(net.request({ url: srv.url, session: ses }))
  t.is(h['user-agent'], 'my-agent/1.0')
  t.is(h['accept-language'], 'en-US,fr;q=0.9,de;q=0.8')
  const own = await received(net.request({ url: srv.url, session: ses, headers: { 'User-Agent': 'mine' } }))
  t.is(own['user-agent'], 'mine')
})

test('should ask for compressed bodies and decode them transparently', async (t) => {
  const body = 'compressible '.repeat(1000)
  const encoders = {
    gzip: zlib.gzipSync,
    deflate: zlib.deflateSync,
    br: zlib.brotliCompressSync
  }
  let acceptEncoding
  const srv = await listen(t, (req, res) => {
    acceptEncoding = req.headers['accept-encoding']
    const coding = req.url.slice(1)
    const encoded = encoders[coding](Buffer.from(body))
    res.writeHead(200, { 'Content-Encoding': coding, 'Content-Length': encoded.length })
    res.end(encoded)
  })
  for (const coding of Object.keys(encoders)) {
    const r = await collect(net.request(`${srv.url}/${coding}`))
    t.is(r.body, body, coding)
    t.is(r.response.headers['content-encoding'], coding)
  }
  t.is(acceptEncoding, 'gzip, deflate, br, zstd')
})

test('should pass the bytes through when the caller sets Accept-Encoding', async (t) => {
  const encoded = zlib.gzipSync(Buffer.from('hello'))
  const srv = await listen(t, (req, res) => {
    res.writeHead(200, { 'Content-Encoding': 'gzip' })
    res.end(encoded)
  })
  const request = net.request({ url: srv.url, headers: { 'Accept-Encoding': 'gzip' } })
  const chunks = []
  await new Promise((resolve) => {
    request.on('response', (res) => {
      res.on('data', (c) => chunks.push(c))
      res.on('end', resolve)
    })
    request.end()
  })
  t.deepEqual(Buffer.concat(chunks), encoded)
})

test('should fail a corrupt compressed body with net::ERR_CONTENT_DECODING_FAILED', async (t) => {
  const srv = await listen(t, (req, res) => {
    res.writeHead(200, { 'Content-Encoding': 'gzip' })
    res.end('this is not gzip')
  })
  const r = await collect(net.request(srv.url))
  t.is(r.error.message, 'net::ERR_CONTENT_DECODING_FAILED')
})

for (const coding of ['br', 'zstd']) {
  test(`should fail a corrupt ${coding} body with net::ERR_CONTENT_DECODING_FAILED`, async (t) => {
    const srv = await listen(t, (req, res) => {
      res.writeHead(200, { 'Content-Encoding': coding })
      res.end(`this is not ${coding} at all`)
    })
    const r = await collect(net.request(srv.url))
    t.is(r.response.statusCode, 200)
    t.deepEqual(r.events, ['R:finish', 'R:close', 'R:response', 'R:error', 'S:error', 'S:close'])
    t.is(r.error.message, 'net::ERR_CONTENT_DECODING_FAILED')
  })
}

// HEAD answers, 204s and empty bodies often carry Content-Encoding; there is nothing to decode.
test('should deliver an empty encoded body as empty, not as a decoding error', async (t) => {
  const srv = await listen(t, (req, res) => {
    const [, status, coding] = req.url.split('/')
    res.writeHead(Number(status), { 'Content-Encoding': coding, ...(status === '200' ? { 'Content-Length': 0 } : {}) })
    res.end()
  })
  for (const coding of ['gzip', 'deflate', 'br', 'zstd']) {
    for (const [method, status] of [['GET', 200], ['HEAD', 200], ['GET', 204]]) {
      const r = await collect(net.request({ method, url: `${srv.url}/${status}/${coding}` }))
      const label = `${method} ${status} ${coding}`
      t.is(r.error, null, `${label}: ${r.error && r.error.message}`)
      t.is(r.response && r.response.statusCode, status, label)
      t.is(r.body, '', label)
    }
  }
})

test('should ask for identity when the caller sends Range', async (t) => {
  const srv = await echoServer(t)
  const h = await received(net.request({ url: srv.url, headers: { Range: 'bytes=0-1' } }))
  t.is(h['accept-encoding'], 'identity')
})

// Reference §8.4 / §2.3 step 3: the cache modes' request headers come after the body framing and
// before the caller's headers; a caller header of the same name replaces Chromium's in place.
test('should send the cache mode\'s request headers', async (t) => {
  const srv = await echoServer(t)
  const expected = {
    default: {},
    'no-store': {},
    reload: { pragma: 'no-cache', 'cache-control': 'no-cache' },
    'no-cache': { 'cache-control': 'max-age=0' },
    'force-cache': {},
    // only-if-cached sends nothing when the cache has no entry (http-cache.spec.js H6).
    bogus: {}
  }
  for (const [cache, want] of Object.entries(expected)) {
    const h = await received(net.request({ url: srv.url, cache }))
    t.deepEqual({ pragma: h.pragma, 'cache-control': h['cache-control'] }, { pragma: undefined, 'cache-control': undefined, ...want }, cache)
  }
  const r = await collect(net.request({ url: srv.url, cache: 'reload', headers: { 'X-First': '1', 'cache-control': 'max-age=60' } }))
  const raw = JSON.parse(r.body).rawHeaders
  const names = raw.filter((_, i) => i % 2 === 0)
  t.deepEqual(raw.slice(0, 6), ['Host', `127.0.0.1:${srv.port}`, 'Connection', 'keep-alive', 'Pragma', 'no-cache'])
  t.is(names.indexOf('cache-control'), 3, 'the caller\'s value stands where Chromium\'s would')
  t.is(raw[7], 'max-age=60')
  t.is(names.filter((n) => n.toLowerCase() === 'cache-control').length, 1)
  t.true(names.indexOf('X-First') > names.indexOf('cache-control'))
  const own = await received(net.request({ url: srv.url, cache: 'no-cache', headers: { 'Cache-Control': 'no-transform' } }))
  t.is(own['cache-control'], 'no-transform')
})

test('should never send priority over HTTP/1.1', async (t) => {
  const srv = await echoServer(t)
  const h = await received(net.request({ url: srv.url, priority: 'highest' }))
  t.is(h.priority, undefined)
})

// A server that redirects /start to `to` and echoes the request head elsewhere.
async function redirectingEcho (t, headers = {}) {
  const seen = []
  const srv = await listen(t, (req, res) => {
    seen.push({ url: req.url, headers: req.headers })
    const to = new URL(req.url, 'http://x').searchParams.get('to')
    if (to) {
      res.writeHead(302, { Location: to, ...headers })
      return res.end()
    }
    res.end('ok')
  })
  return { ...srv, seen }
}

test('should reduce the Referer to the origin on a cross-origin redirect', async (t) => {
  const target = await redirectingEcho(t)
  const srv = await redirectingEcho(t)
  const referer = `${srv.url}/page?secret=1`
  const r = await collect(net.request({ url: `${srv.url}/start?to=${encodeURIComponent(target.url + '/landing')}`, headers: { Referer: referer } }))
  t.is(r.body, 'ok')
  t.is(srv.seen[0].headers.referer, referer)
  t.is(target.seen[0].headers.referer, `${srv.url}/`)
})

test('should apply a Referrer-Policy sent with the redirect', async (t) => {
  const target = await redirectingEcho(t)
  const srv = await redirectingEcho(t, { 'Referrer-Policy': 'no-referrer' })
  await collect(net.request({ url: `${srv.url}/start?to=${encodeURIComponent(target.url + '/x')}`, headers: { Referer: `${srv.url}/p` } }))
  t.is(target.seen[0].headers.referer, undefined)
})

test('should recompute Sec-Fetch-Site over the redirect chain', async (t) => {
  const target = await redirectingEcho(t)
  const srv = await redirectingEcho(t)
  await collect(net.request({ url: `${srv.url}/start?to=${encodeURIComponent(target.url + '/x')}`, origin: srv.url }))
  t.is(srv.seen[0].headers['sec-fetch-site'], 'same-origin')
  // Another port of the same host: same site, not same origin.
  t.is(target.seen[0].headers['sec-fetch-site'], 'same-site')
})

test('should set Origin to null on a cross-origin redirect', async (t) => {
  const target = await redirectingEcho(t)
  const srv = await redirectingEcho(t)
  await collect(net.request({ url: `${srv.url}/start?to=${encodeURIComponent(target.url + '/x')}`, headers: { Origin: srv.url } }))
  t.is(srv.seen[0].headers.origin, srv.url)
  t.is(target.seen[0].headers.origin, 'null')
})
