'use strict'

// axios and got with this package as their transport (axiosAdapter, gotRequest), and the
// undici-style request(): redirects followed by the engine, bodies sent and received intact,
// network errors carrying net::ERR_*, HTTP errors as each library reports them, streams both
// ways, and the session's settings (proxy) applying. Every server is a node:http one on
// 127.0.0.1; the proof that a request went through the engine is what the server saw
// (Chromium's Sec-Fetch-* headers, which neither node:http nor axios/got send, or a proxy hop).

const crypto = require('node:crypto')
const zlib = require('node:zlib')
const { Readable } = require('node:stream')
const test = require('ava')
const axios = require('axios')
const { session, axiosAdapter, gotRequest, request, inflightCount } = require('..')
const { listen, recordingServer } = require('./helpers/listen')
const { startForwardProxy, freePort } = require('./helpers/forward-proxy')

// got 14 is ESM only.
const gotModule = import('got')

async function gotClient (options) {
  const { default: got } = await gotModule
  // No retries: a test sees the first outcome.
  return got.extend({ request: gotRequest(options), retry: { limit: 0 } })
}

function axiosClient (options) {
  return axios.create({ adapter: axiosAdapter({ axios, ...options }) })
}

// 1 MiB of random bytes, and their digest.
const BIG = crypto.randomBytes(1024 * 1024)
const digest = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex')

// /start redirects (302) to /middle, which redirects (301) to /final: a text body. Anything else
// is recorded too. /missing is a 404 with a body; /big streams BIG in 64 KiB writes; /gzip is a
// gzip-encoded text.
const GZIP_TEXT = 'decoded once, not twice '.repeat(100)
async function site (t) {
  return recordingServer(t, (req, res) => {
    const path = new URL(req.url, 'http://x').pathname
    if (path === '/start') {
      res.writeHead(302, { Location: '/middle' })
      res.end('redirect body')
    } else if (path === '/middle') {
      res.writeHead(301, { Location: '/final' })
      res.end()
    } else if (path === '/final') {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end('final body')
    } else if (path === '/missing') {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('no such thing')
    } else if (path === '/big') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': BIG.length })
      let offset = 0
      const pump = () => {
        while (offset < BIG.length) {
          const chunk = BIG.subarray(offset, offset + 65536)
          offset += chunk.length
          if (!res.write(chunk)) return res.once('drain', pump)
        }
        res.end()
      }
      pump()
    } else if (path === '/gzip') {
      const encoded = zlib.gzipSync(GZIP_TEXT)
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip', 'Content-Length': encoded.length })
      res.end(encoded)
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ ok: true }))
    }
  })
}

const paths = (srv) => srv.seen.map((r) => r.url)

// The engine's own request headers (Chromium's fetch metadata): the request went through it.
function sentByEngine (t, headers) {
  t.is(headers['sec-fetch-mode'], 'no-cors')
  t.is(headers['sec-fetch-site'], 'none')
}

// The server got `payload` POSTed as JSON, exactly those bytes, through the engine.
function sentAsJson (t, seen, payload) {
  t.is(seen.method, 'POST')
  t.is(seen.body.toString('utf8'), JSON.stringify(payload))
  t.is(seen.headers['content-type'], 'application/json')
  t.is(seen.headers['content-length'], String(Buffer.byteLength(JSON.stringify(payload))))
  sentByEngine(t, seen.headers)
}

// Requests end asynchronously in the engine after their last event; waits (bounded) for none
// to be left in flight. The count is the process's: tests that check it are serial (ava runs
// those before the others, one at a time).
async function noneInFlight (t) {
  for (let i = 0; i < 200 && inflightCount() !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.is(inflightCount(), 0, 'no request left in flight')
}

async function sessionThroughProxy (t, partition) {
  const proxy = await startForwardProxy(t)
  const ses = session.fromPartition(partition)
  // 127.0.0.1 is never proxied unless the bypass rules say `<-loopback>` (reference §10).
  await ses.setProxy({ proxyRules: `http://127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  return { proxy, ses }
}

test('should give the transports to ESM code as named imports (got is ESM only)', async (t) => {
  const esm = await import('../index.js')
  for (const name of ['axiosAdapter', 'gotRequest', 'request', 'inflightCount', 'net', 'session']) {
    t.is(typeof esm[name], typeof require('..')[name], name)
  }
})

// axios

test('axios: should follow a 302 → 301 → 200 chain in the engine and resolve with the final body', async (t) => {
  const srv = await site(t)
  const response = await axiosClient().get(`${srv.url}/start`, { params: { q: 'a b' } })
  t.is(response.status, 200)
  t.is(response.data, 'final body')
  t.is(response.headers['content-type'], 'text/plain')
  t.deepEqual(paths(srv), ['/start?q=a+b', '/middle', '/final'])
  for (const seen of srv.seen) sentByEngine(t, seen.headers)
  t.is(response.request.res.responseUrl, `${srv.url}/final`)
})

test('axios: should POST a JSON body as exactly those bytes with its Content-Type', async (t) => {
  const srv = await site(t)
  const payload = { name: 'électron', list: [1, 2, 3] }
  const response = await axiosClient().post(`${srv.url}/echo`, payload)
  t.deepEqual(response.data, { ok: true }, 'the JSON answer is parsed')
  sentAsJson(t, srv.seen[0], payload)
})

test('axios: should send a FormData body as multipart with its boundary', async (t) => {
  const srv = await site(t)
  const form = new FormData()
  form.append('field', 'value')
  form.append('file', new Blob(['file contents']), 'name.txt')
  await axiosClient().post(`${srv.url}/form`, form)
  const [seen] = srv.seen
  const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(seen.headers['content-type'])[1]
  const body = seen.body.toString()
  t.true(body.startsWith(`--${boundary}\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue\r\n`))
  t.true(body.includes('filename="name.txt"'))
  t.true(body.includes('\r\n\r\nfile contents\r\n'))
  t.true(body.endsWith(`--${boundary}--\r\n`))
})

test('axios: should reject a refused connection with an AxiosError whose message is net::ERR_CONNECTION_REFUSED', async (t) => {
  const port = await freePort()
  const error = await t.throwsAsync(axiosClient().get(`http://127.0.0.1:${port}/`))
  t.true(axios.isAxiosError(error))
  t.true(error instanceof axios.AxiosError)
  t.is(error.message, 'net::ERR_CONNECTION_REFUSED')
  t.is(error.code, 'ERR_NETWORK')
  t.is(error.cause.message, 'net::ERR_CONNECTION_REFUSED')
  t.is(error.response, undefined)
})

test('axios: should reject a 404 as validateStatus says, with the response body, and resolve it when validateStatus accepts it', async (t) => {
  const srv = await site(t)
  const client = axiosClient()
  const error = await t.throwsAsync(client.get(`${srv.url}/missing`))
  t.is(error.message, 'Request failed with status code 404')
  t.is(error.code, 'ERR_BAD_REQUEST')
  t.is(error.response.status, 404)
  t.is(error.response.data, 'no such thing')
  const accepted = await client.get(`${srv.url}/missing`, { validateStatus: () => true })
  t.is(accepted.status, 404)
  t.is(accepted.statusText, 'Not Found')
  t.is(accepted.data, 'no such thing')
})

test.serial('axios: should stream a download with responseType stream, and give arraybuffer bodies as Buffers', async (t) => {
  const srv = await site(t)
  const client = axiosClient()
  const streamed = await client.get(`${srv.url}/big`, { responseType: 'stream' })
  t.is(streamed.status, 200)
  t.is(typeof streamed.data.pipe, 'function')
  const chunks = []
  for await (const chunk of streamed.data) chunks.push(chunk)
  t.true(chunks.length > 1, 'the body came in pieces')
  t.is(digest(Buffer.concat(chunks)), digest(BIG))
  const buffered = await client.get(`${srv.url}/big`, { responseType: 'arraybuffer' })
  t.true(Buffer.isBuffer(buffered.data))
  t.is(digest(buffered.data), digest(BIG))
  await noneInFlight(t)
})

test.serial('axios: should report download progress, and reject past maxContentLength aborting the request', async (t) => {
  const srv = await site(t)
  const client = axiosClient()
  const progress = []
  await client.get(`${srv.url}/big`, { responseType: 'arraybuffer', onDownloadProgress: (event) => progress.push(event) })
  t.true(progress.length > 1)
  t.is(progress[progress.length - 1].loaded, BIG.length)
  t.is(progress[progress.length - 1].total, BIG.length)
  const error = await t.throwsAsync(client.get(`${srv.url}/big`, { maxContentLength: 100000 }))
  t.is(error.message, 'maxContentLength size of 100000 exceeded')
  t.is(error.code, 'ERR_BAD_RESPONSE')
  await noneInFlight(t)
})

test('axios: should upload a stream chunked, and report upload progress', async (t) => {
  const srv = await site(t)
  const progress = []
  await axiosClient().put(`${srv.url}/upload`, Readable.from([BIG.subarray(0, 500000), BIG.subarray(500000)]), {
    headers: { 'Content-Type': 'application/octet-stream' },
    onUploadProgress: (event) => progress.push(event.loaded)
  })
  const [seen] = srv.seen
  t.is(seen.headers['transfer-encoding'], 'chunked')
  t.is(digest(seen.body), digest(BIG))
  t.true(progress.length > 0)
  t.is(progress[progress.length - 1], BIG.length)
})

test('axios: should deliver a gzip body decoded once, without its Content-Encoding', async (t) => {
  const srv = await site(t)
  const response = await axiosClient().get(`${srv.url}/gzip`)
  t.is(response.data, GZIP_TEXT)
  t.is(response.headers['content-encoding'], undefined)
  t.is(response.headers['content-length'], undefined, 'the encoded length does not describe the body')
})

test.serial('axios: should resolve the redirect itself with maxRedirects 0, and reject past maxRedirects', async (t) => {
  const srv = await site(t)
  const client = axiosClient()
  const redirect = await client.get(`${srv.url}/start`, { maxRedirects: 0, validateStatus: (s) => s < 400 })
  t.is(redirect.status, 302)
  t.is(redirect.headers.location, '/middle')
  t.deepEqual(paths(srv), ['/start'], 'the redirect was not followed')
  const error = await t.throwsAsync(client.get(`${srv.url}/start`, { maxRedirects: 1 }))
  t.is(error.code, 'ERR_FR_TOO_MANY_REDIRECTS')
  t.deepEqual(paths(srv), ['/start', '/start', '/middle'])
  const followed = await client.get(`${srv.url}/start`, { maxRedirects: 2 })
  t.is(followed.data, 'final body')
  await noneInFlight(t)
})

test('axios: should send requests through the session given to the adapter (its proxy)', async (t) => {
  const srv = await site(t)
  const { proxy, ses } = await sessionThroughProxy(t, 'adapters-axios-proxy')
  const response = await axiosClient({ session: ses }).get(`${srv.url}/final`)
  t.is(response.data, 'final body')
  t.deepEqual(proxy.seen, [{ method: 'GET', target: `${srv.url}/final`, auth: undefined }])
  t.is(srv.seen[0].headers.via, proxy.via)
})

test.serial('axios: should reject with ECONNABORTED on timeout and CanceledError on abort, leaving nothing in flight', async (t) => {
  const hung = await listen(t, () => {}) // never answers
  const client = axiosClient()
  const timedOut = await t.throwsAsync(client.get(hung.url, { timeout: 200 }))
  t.is(timedOut.code, 'ECONNABORTED')
  t.is(timedOut.message, 'timeout of 200ms exceeded')
  const controller = new AbortController()
  const pending = client.get(hung.url, { signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  const canceled = await t.throwsAsync(pending)
  t.true(axios.isCancel(canceled))
  t.is(canceled.code, 'ERR_CANCELED')
  await noneInFlight(t)
})

test('axios: should send auth as Basic credentials and never put them in the URL', async (t) => {
  const srv = await site(t)
  await axiosClient().get(`${srv.url}/final`, { auth: { username: 'ann', password: 'pässword' } })
  t.is(srv.seen[0].headers.authorization, 'Basic ' + Buffer.from('ann:pässword').toString('base64'))
  t.is(srv.seen[0].url, '/final')
})

// got

test('got: should follow a 302 → 301 → 200 chain in the engine, got seeing only the final response', async (t) => {
  const srv = await site(t)
  const got = await gotClient()
  const response = await got(`${srv.url}/start`)
  t.is(response.statusCode, 200)
  t.is(response.body, 'final body')
  t.deepEqual(paths(srv), ['/start', '/middle', '/final'], 'each hop requested once: no double following')
  for (const seen of srv.seen) sentByEngine(t, seen.headers)
  t.deepEqual(response.redirectUrls, [], 'got did not follow anything itself')
  t.is(response.responseUrl, `${srv.url}/final`)
})

test('got: should POST a JSON body as exactly those bytes with its Content-Type', async (t) => {
  const srv = await site(t)
  const got = await gotClient()
  const payload = { name: 'électron', nested: { a: [true, null] } }
  const answer = await got.post(`${srv.url}/echo`, { json: payload }).json()
  t.deepEqual(answer, { ok: true })
  sentAsJson(t, srv.seen[0], payload)
})

test.serial('got: should fail a refused connection with a RequestError whose message is net::ERR_CONNECTION_REFUSED', async (t) => {
  const { RequestError } = await gotModule
  const got = await gotClient()
  const port = await freePort()
  const error = await t.throwsAsync(got(`http://127.0.0.1:${port}/`))
  t.true(error instanceof RequestError)
  t.is(error.message, 'net::ERR_CONNECTION_REFUSED')
  t.is(error.cause.message, 'net::ERR_CONNECTION_REFUSED')
  t.is(error.code, 'ECONNREFUSED', 'node:http\'s code, which got\'s retry looks for')
  await noneInFlight(t)
})

test('got: should retry a GET whose connection was reset, as got retries ECONNRESET', async (t) => {
  const srv = await recordingServer(t, (req, res, body, n) => {
    if (n === 1) req.socket.destroy()
    else res.end('second time lucky')
  })
  const { default: got } = await gotModule
  const retrying = got.extend({ request: gotRequest(), retry: { limit: 1, backoffLimit: 50 } })
  const response = await retrying(`${srv.url}/flaky`)
  t.is(response.body, 'second time lucky')
  t.is(response.retryCount, 1)
  t.is(srv.seen.length, 2)
})

test('got: should throw an HTTPError for a 404 with its body, and return it with throwHttpErrors false', async (t) => {
  const { HTTPError } = await gotModule
  const srv = await site(t)
  const got = await gotClient()
  const error = await t.throwsAsync(got(`${srv.url}/missing`))
  t.true(error instanceof HTTPError)
  t.is(error.response.statusCode, 404)
  t.is(error.response.body, 'no such thing')
  const response = await got(`${srv.url}/missing`, { throwHttpErrors: false })
  t.is(response.statusCode, 404)
  t.is(response.statusMessage, 'Not Found')
})

test.serial('got: should stream a download and a chunked upload', async (t) => {
  const srv = await site(t)
  const got = await gotClient()
  const chunks = []
  for await (const chunk of got.stream(`${srv.url}/big`)) chunks.push(chunk)
  t.is(digest(Buffer.concat(chunks)), digest(BIG))
  await got.post(`${srv.url}/upload`, { body: Readable.from([BIG.subarray(0, 300000), BIG.subarray(300000)]) })
  const upload = srv.seen[1]
  t.is(upload.headers['transfer-encoding'], 'chunked', 'a body of unknown length is not held back')
  t.is(digest(upload.body), digest(BIG))
  await noneInFlight(t)
})

test('got: should decode a gzip body once, whether got or the engine decodes it', async (t) => {
  const srv = await site(t)
  const got = await gotClient()
  // got asks for compression itself: the engine passes the body through, got decodes it.
  const byGot = await got(`${srv.url}/gzip`)
  t.is(byGot.body, GZIP_TEXT)
  t.is(srv.seen[0].headers['accept-encoding'], 'gzip, deflate, br')
  // decompress: false: the engine asks and decodes, and the headers got sees say so.
  const byEngine = await got(`${srv.url}/gzip`, { decompress: false })
  t.is(byEngine.body, GZIP_TEXT)
  t.is(byEngine.headers['content-encoding'], undefined)
})

test('got: should send requests through the session given to gotRequest (its proxy)', async (t) => {
  const srv = await site(t)
  const { proxy, ses } = await sessionThroughProxy(t, 'adapters-got-proxy')
  const got = await gotClient({ session: ses })
  t.is((await got(`${srv.url}/final`)).body, 'final body')
  t.deepEqual(proxy.seen, [{ method: 'GET', target: `${srv.url}/final`, auth: undefined }])
  t.is(srv.seen[0].headers.via, proxy.via)
})

test('got: should work with got\'s cache option, which calls the transport as http.request(options, callback)', async (t) => {
  let answered = 0
  const srv = await listen(t, (req, res) => {
    answered++
    res.writeHead(200, { 'Cache-Control': 'max-age=60' })
    res.end(`answer ${answered}`)
  })
  // The session's own HTTP cache off, so that only got's can answer the second time.
  const got = await gotClient({ cache: 'no-store' })
  const cached = got.extend({ cache: new Map() })
  const first = await cached(`${srv.url}/cacheable`)
  const second = await cached(`${srv.url}/cacheable`)
  t.is(first.body, 'answer 1')
  t.false(first.isFromCache)
  t.is(second.body, 'answer 1')
  t.true(second.isFromCache, 'got\'s cache answered')
  t.is(answered, 1)
})

test.serial('got: should abort the engine request on got\'s timeout', async (t) => {
  const { TimeoutError } = await gotModule
  let closed
  const requestClosed = new Promise((resolve) => { closed = resolve })
  const hung = await listen(t, (req) => req.socket.on('close', closed)) // never answers
  const got = await gotClient()
  const error = await t.throwsAsync(got(hung.url, { timeout: { request: 200 } }))
  t.true(error instanceof TimeoutError)
  await requestClosed
  t.pass('the server saw the connection closed')
  await noneInFlight(t)
})

test('axios and got: should fail a body cut short with the engine\'s net::ERR_* error', async (t) => {
  const { ReadError } = await gotModule
  const srv = await listen(t, (req, res) => {
    res.writeHead(200, { 'Content-Length': 100000 })
    res.write(Buffer.alloc(1000))
    setTimeout(() => res.socket.destroy(), 20)
  })
  const axiosError = await t.throwsAsync(axiosClient().get(srv.url))
  t.is(axiosError.message, 'net::ERR_CONTENT_LENGTH_MISMATCH')
  t.is(axiosError.code, 'ERR_NETWORK')
  const got = await gotClient()
  const gotError = await t.throwsAsync(got(srv.url))
  t.true(gotError instanceof ReadError)
  t.is(gotError.message, 'net::ERR_CONTENT_LENGTH_MISMATCH')
})

// request()

test('request: should resolve with status, headers and a body with text() after the engine followed redirects', async (t) => {
  const srv = await site(t)
  const { statusCode, headers, body } = await request(`${srv.url}/start`)
  t.is(statusCode, 200)
  t.is(headers['content-type'], 'text/plain')
  t.is(await body.text(), 'final body')
  t.deepEqual(paths(srv), ['/start', '/middle', '/final'])
  t.is(body.responseUrl, `${srv.url}/final`)
})

test('request: should send a streamed body and read the answer with json(); a 404 resolves', async (t) => {
  const srv = await site(t)
  const { statusCode, body } = await request(`${srv.url}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: Readable.from([BIG])
  })
  t.is(statusCode, 200)
  t.deepEqual(await body.json(), { ok: true })
  t.is(digest(srv.seen[0].body), digest(BIG))
  const missing = await request(`${srv.url}/missing`)
  t.is(missing.statusCode, 404)
  t.is(Buffer.from(await missing.body.arrayBuffer()).toString(), 'no such thing')
})

test.serial('request: should reject with net::ERR_CONNECTION_REFUSED, and with the signal\'s reason on abort', async (t) => {
  const port = await freePort()
  const refused = await t.throwsAsync(request(`http://127.0.0.1:${port}/`))
  t.is(refused.message, 'net::ERR_CONNECTION_REFUSED')
  const hung = await listen(t, () => {})
  const controller = new AbortController()
  const pending = request(hung.url, { signal: controller.signal })
  const reason = new Error('changed my mind')
  setTimeout(() => controller.abort(reason), 50)
  t.is(await t.throwsAsync(pending), reason)
  // While the body is read: the read fails with the reason.
  const trickle = await listen(t, (req, res) => { res.writeHead(200); res.write('first part') })
  const reading = new AbortController()
  const { body } = await request(trickle.url, { signal: reading.signal })
  const text = body.text()
  setTimeout(() => reading.abort(reason), 50)
  t.is(await t.throwsAsync(text), reason)
  await noneInFlight(t)
})
