'use strict'

// Event orders of reference §4, scenarios A–I and Q, observed on the request (R:) and the
// response (S:), including anything emitted after the last expected event.

const test = require('ava')
const { net } = require('..')
const { listen } = require('./helpers/listen')
const { rawServer } = require('./helpers/raw-server')

const R_EVENTS = ['response', 'finish', 'abort', 'error', 'close', 'redirect', 'login']
const S_EVENTS = ['data', 'end', 'error', 'close', 'aborted']

function record (request) {
  const events = []
  const errors = {}
  for (const name of R_EVENTS) {
    request.on(name, (arg) => {
      events.push(`R:${name}`)
      if (name === 'error') errors.request = arg
      if (name === 'response') {
        for (const s of S_EVENTS) {
          arg.on(s, (e) => {
            if (s === 'data' && events.at(-1) === 'S:data') return
            events.push(`S:${s}`)
            if (s === 'error') errors.response = e
          })
        }
      }
    })
  }
  return { events, errors }
}

const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function until (condition) {
  const deadline = Date.now() + 10_000
  while (!condition() && Date.now() < deadline) await settle(5)
}

// Waits until `events` holds as many as `expected` (a loaded machine may take well over a
// fixed delay to deliver them), then a while longer to catch any emitted after the last
// expected one, and compares.
async function expectEvents (t, events, expected) {
  await until(() => events.length >= expected.length)
  await settle(100)
  t.deepEqual(events, expected)
}

test('A: should order a successful exchange finish, close, response, data, end, close', async (t) => {
  const srv = await listen(t, (req, res) => res.end('body'))
  const request = net.request(srv.url)
  const { events } = record(request)
  request.end()
  await expectEvents(t, events, ['R:finish', 'R:close', 'R:response', 'S:data', 'S:end', 'S:close'])
})

test('A: should give the response to the optional callback', async (t) => {
  const srv = await listen(t, (req, res) => { res.statusCode = 404; res.end() })
  const status = await new Promise((resolve) => net.request(srv.url, (response) => resolve(response.statusCode)).end())
  t.is(status, 404)
})

test('B: should order a failure before the headers finish, close, error', async (t) => {
  const request = net.request('http://127.0.0.1:1/')
  const { events, errors } = record(request)
  request.end()
  await expectEvents(t, events, ['R:finish', 'R:close', 'R:error'])
  t.is(errors.request.message, 'net::ERR_CONNECTION_REFUSED')
  t.is(errors.request.code, undefined, 'Electron\'s errors have no code')
})

test('C: should order a failure during a chunked upload error, close', async (t) => {
  const request = net.request({ method: 'POST', url: 'http://127.0.0.1:1/' })
  request.chunkedEncoding = true
  const { events, errors } = record(request)
  request.write('first chunk')
  await expectEvents(t, events, ['R:error', 'R:close'])
  t.is(errors.request.message, 'net::ERR_CONNECTION_REFUSED')
})

test('D: should order a failure mid-body with the request\'s error first and the same Error', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'))
  const request = net.request(srv.url)
  const { events, errors } = record(request)
  request.end()
  await expectEvents(t, events, ['R:finish', 'R:close', 'R:response', 'S:data', 'R:error', 'S:error', 'S:close'])
  t.is(errors.request.message, 'net::ERR_CONTENT_LENGTH_MISMATCH')
  t.is(errors.request, errors.response)
})

test('E: should order abort() before any write abort, close, and send nothing', async (t) => {
  let connections = 0
  const srv = await listen(t, (req, res) => res.end())
  srv.server.on('connection', () => connections++)
  const request = net.request(srv.url)
  const { events } = record(request)
  request.abort()
  const results = []
  request.write('late', (err) => results.push(err && err.code))
  request.end()
  await expectEvents(t, events, ['R:abort', 'R:close'])
  t.deepEqual(results, ['ERR_STREAM_DESTROYED'])
  t.is(connections, 0)
})

test('F: should order abort() during a chunked upload abort, close, after the server saw the headers', async (t) => {
  let sawHeaders
  const headersSeen = new Promise((resolve) => { sawHeaders = resolve })
  const srv = await listen(t, (req) => sawHeaders(req.headers['transfer-encoding']))
  const request = net.request({ method: 'POST', url: srv.url })
  request.chunkedEncoding = true
  const { events } = record(request)
  request.write('chunk')
  t.is(await headersSeen, 'chunked')
  request.abort()
  await expectEvents(t, events, ['R:abort', 'R:close'])
})

test('G: should order abort() after end() and before headers finish, close, abort', async (t) => {
  const srv = await rawServer(t, () => {})
  const request = net.request(srv.url)
  const { events } = record(request)
  request.end()
  await settle(50)
  request.abort()
  await expectEvents(t, events, ['R:finish', 'R:close', 'R:abort'])
})

test('H: should order abort() after the response started response, abort, then the response\'s close only', async (t) => {
  const srv = await listen(t, (req, res) => res.write('first part'))
  const request = net.request(srv.url)
  const { events } = record(request)
  request.on('response', (response) => response.once('data', () => request.abort()))
  request.end()
  await expectEvents(t, events, ['R:finish', 'R:close', 'R:response', 'S:data', 'R:abort', 'S:close'])
})

test('I: should still emit abort, once, after completion', async (t) => {
  const srv = await listen(t, (req, res) => res.end('x'))
  const request = net.request(srv.url)
  const { events } = record(request)
  request.on('response', (response) => response.resume())
  request.end()
  await until(() => events.includes('S:close'))
  request.abort()
  request.abort()
  await expectEvents(t, events, ['R:finish', 'R:close', 'R:response', 'S:data', 'S:end', 'S:close', 'R:abort'])
})

test('Q: should report the sec-fetch-dest rule as error, close without finish', async (t) => {
  const srv = await listen(t, (req, res) => res.end())
  const request = net.request({ url: srv.url, headers: { 'sec-fetch-dest': 'document' } })
  const { events, errors } = record(request)
  request.end()
  await expectEvents(t, events, ['R:error', 'R:close'])
  t.true(errors.request instanceof TypeError)
})

test('should emit Node\'s write after end error after end()', async (t) => {
  const srv = await listen(t, (req, res) => res.end())
  const request = net.request(srv.url)
  const errors = []
  request.on('error', (e) => errors.push(e.code))
  request.end()
  request.write('late')
  await until(() => errors.length > 0)
  await settle(100)
  t.deepEqual(errors, ['ERR_STREAM_WRITE_AFTER_END'])
})

test('should emit nothing on the request after a completed exchange', async (t) => {
  const srv = await listen(t, (req, res) => res.end('done'))
  const request = net.request(srv.url)
  const { events } = record(request)
  request.on('response', (response) => response.resume())
  request.end()
  await until(() => events.includes('S:close'))
  await settle(300)
  t.is(events.filter((e) => e === 'R:close').length, 1)
  t.is(events.at(-1), 'S:close')
})

// More than 8 requests in flight: the engine then holds its wake-ups of the JS thread until it
// runs out of work (ARCHITECTURE.md, Events). A response that completes while 16 others wait
// must still be delivered, and every one of them in order once they are answered.
test('should deliver a response while 16 others wait, then theirs, each in order', async (t) => {
  const held = []
  const srv = await listen(t, (req, res) => {
    if (req.url === '/quick') return res.end('quick')
    held.push(res)
  })
  const start = (path) => {
    const request = net.request(`${srv.url}${path}`)
    const { events } = record(request)
    const closed = new Promise((resolve) => request.on('response', (r) => r.on('close', resolve)))
    request.end()
    return closed.then(() => events)
  }
  const success = ['R:finish', 'R:close', 'R:response', 'S:data', 'S:end', 'S:close']
  const waiting = Array.from({ length: 16 }, (_, i) => start(`/held/${i}`))
  while (held.length < 16) await new Promise((resolve) => setTimeout(resolve, 5))
  t.deepEqual(await start('/quick'), success)
  t.is(held.length, 16)
  for (const res of held) res.end('late')
  for (const events of await Promise.all(waiting)) t.deepEqual(events, success)
})
