'use strict'

// HTTP/2 as Chromium speaks it: the SETTINGS and session window it announces, the header lists
// it accepts, and large bodies whose DATA frames are joined into chunks for JS.

const { serveHttp2 } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const test = require('ava')
const { net } = require('..')
const { collect } = require('./helpers/listen')

function get (url) {
  return new Promise((resolve, reject) => {
    const request = net.request(url)
    request.on('error', reject)
    request.on('response', (response) => {
      const chunks = []
      response.on('data', (c) => chunks.push(c))
      response.on('end', () => resolve({ response, chunks }))
      response.on('error', reject)
    })
    request.end()
  })
}

test('should announce Chromium\'s HTTP/2 settings and a 15 MiB session window', async (t) => {
  let seen
  const { url } = await serveHttp2(t, (req, res) => {
    const session = req.stream.session
    seen = { settings: session.remoteSettings, window: session.state.remoteWindowSize }
    res.end('ok')
  })
  const r = await collect(net.request(url))
  t.is(r.body, 'ok')
  t.is(r.response.httpVersion, '2.0')
  // Chromium's SETTINGS (net/spdy): a 6 MiB stream window, a 64 KiB HPACK table, header
  // lists up to 256 KiB, no server push; frames at the 16 KiB default.
  t.like(seen.settings, {
    initialWindowSize: 6 * 1024 * 1024,
    headerTableSize: 64 * 1024,
    maxHeaderListSize: 256 * 1024,
    enablePush: false,
    maxFrameSize: 16 * 1024
  })
  // The session window, raised from 64 KiB by the client's first WINDOW_UPDATE, less the
  // request's own bytes in flight (none: a GET's response is what the server sends).
  t.is(seen.window, 15 * 1024 * 1024)
})

test('should accept an HTTP/2 response header list larger than 16 KiB', async (t) => {
  const big = 'v'.repeat(60 * 1024)
  const { url } = await serveHttp2(t, (req, res) => {
    res.writeHead(200, { 'x-big': big })
    res.end('ok')
  })
  const r = await collect(net.request(url))
  t.is(r.error, null)
  t.is(r.body, 'ok')
  t.is(r.response.headers['x-big'], big)
})

// Each download fills a pattern that names every 4-byte position, so bytes out of place or from
// another download show; the first download's chunks are kept while the second runs, so a
// recycled block reused while a chunk of it is alive would show too.
function pattern (size, seed) {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i += 4) b.writeUInt32LE((i + seed) >>> 0, i)
  return b
}

test('should deliver large HTTP/2 bodies intact, in order, in chunks of at most 1 MiB', async (t) => {
  const size = 12 * 1024 * 1024
  // '/c': a smaller body of no declared length, joined into buffers of its own size.
  const bodies = { '/a': pattern(size, 1), '/b': pattern(size, 7), '/c': pattern(96 * 1024, 3) }
  const { url } = await serveHttp2(t, (req, res) => {
    const body = bodies[req.url]
    res.writeHead(200, req.url === '/c' ? {} : { 'content-length': body.length })
    // 16 KiB writes: DATA frames of at most the default frame size.
    let i = 0
    const slices = Array.from({ length: body.length / 16384 }, () => body.subarray(i, (i += 16384)))
    const pump = () => {
      while (slices.length) if (!res.write(slices.shift())) return res.once('drain', pump)
      res.end()
    }
    pump()
  })
  const first = await get(`${url}/a`)
  const second = await get(`${url}/b`)
  const third = await get(`${url}/c`)
  for (const [name, got] of [['/a', first], ['/b', second], ['/c', third]]) {
    t.is(got.response.httpVersion, '2.0')
    t.true(Buffer.concat(got.chunks).equals(bodies[name]), name)
    const largest = Math.max(...got.chunks.map((c) => c.length))
    t.true(largest <= 1024 * 1024, `${name}: a chunk of ${largest} bytes`)
  }
})
