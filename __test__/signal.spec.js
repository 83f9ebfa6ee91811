'use strict'

// Node's `signal` option on net.request / new ClientRequest: an abort of the signal is
// request.abort() (reference §2.5, §4 E–H): 'abort' then 'close', never 'error'; a live response
// only closes. The request stops listening to the signal once it is over.

const http = require('node:http')
const { getEventListeners } = require('node:events')
const test = require('ava')
const { net, ClientRequest, inflightCount } = require('..')
const { listen } = require('./helpers/listen')

const R_EVENTS = ['response', 'finish', 'abort', 'error', 'close']
const S_EVENTS = ['data', 'end', 'error', 'close', 'aborted']

// The request's (R:) and response's (S:) events in order, consecutive 'data' counted once.
function record (request) {
  const events = []
  for (const name of R_EVENTS) {
    request.on(name, (arg) => {
      events.push(`R:${name}`)
      if (name !== 'response') return
      for (const s of S_EVENTS) {
        arg.on(s, () => {
          if (s === 'data' && events.at(-1) === 'S:data') return
          events.push(`S:${s}`)
        })
      }
    })
  }
  return events
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const within = (promise, ms) => Promise.race([promise, sleep(ms).then(() => null)])
const abortListeners = (signal) => getEventListeners(signal, 'abort').length

// Ends the request; resolves with its response once the first body chunk came.
function firstData (request) {
  return new Promise((resolve) => {
    request.on('response', (response) => response.once('data', () => resolve(response)))
    request.end()
  })
}

// A server that counts the connections it accepted and hands each request to `handler` with a
// promise for its socket's 'close'.
async function watchedServer (t, handler) {
  const srv = await listen(t, (req, res) => {
    const closed = new Promise((resolve) => req.socket.once('close', resolve))
    handler(req, res, closed)
  })
  srv.connections = 0
  srv.server.on('connection', () => { srv.connections++ })
  return srv
}

// Resolves with the first request `watchedServer` gets, as { req, res, closed }.
function firstRequest (t) {
  let arrived
  const seen = new Promise((resolve) => { arrived = resolve })
  return { seen, handler: (req, res, closed) => arrived({ req, res, closed }) }
}

// A server that sends the head of a 1 MiB body and its first bytes, then holds the rest; `seen`
// as firstRequest's.
async function midBodyServer (t) {
  const { seen, handler } = firstRequest(t)
  const srv = await watchedServer(t, (req, res, closed) => {
    res.writeHead(200, { 'content-length': 1024 * 1024 })
    res.write('first part')
    handler(req, res, closed)
  })
  return { seen, srv }
}

test('should abort before end() when the signal aborts: abort, close, nothing sent', async (t) => {
  const srv = await watchedServer(t, (req, res) => res.end('never asked'))
  const controller = new AbortController()
  const request = net.request({ url: srv.url, signal: controller.signal })
  const events = record(request)
  controller.abort()
  // Ignored once aborted, as after abort().
  request.end()
  await sleep(200)
  t.deepEqual(events, ['R:abort', 'R:close'])
  t.is(srv.connections, 0, 'the server never saw a connection')
  t.is(abortListeners(controller.signal), 0)
})

// Serial: inflightCount() counts every request of the process.
test.serial('should close the connection when the signal aborts after the request is sent, before the response', async (t) => {
  const { seen, handler } = firstRequest(t)
  // Never answers.
  const srv = await watchedServer(t, handler)
  const controller = new AbortController()
  const request = net.request({ url: srv.url, signal: controller.signal })
  const events = record(request)
  request.end()
  const { closed } = await seen
  t.is(await within(closed, 100), null, 'the connection is open while the server thinks')
  t.is(abortListeners(controller.signal), 1, 'the request follows the signal while in flight')
  controller.abort()
  t.not(await within(closed, 2000), null, 'the server saw the socket close')
  await sleep(50)
  t.deepEqual(events, ['R:finish', 'R:close', 'R:abort'])
  t.is(abortListeners(controller.signal), 0)
  t.is(inflightCount(), 0)
})

test('should abort a response mid-body as abort() does: abort, then the response only closes', async (t) => {
  const { seen, srv } = await midBodyServer(t)
  const controller = new AbortController()
  const request = net.request({ url: srv.url, signal: controller.signal })
  const events = record(request)
  await firstData(request)
  const { closed } = await seen
  controller.abort(new Error('not surfaced'))
  t.not(await within(closed, 2000), null, 'the server saw the socket close')
  await sleep(50)
  // Reference §4 H: no 'end', 'error' or 'aborted' on the response; 'abort' before its 'close'.
  t.deepEqual(events, ['R:finish', 'R:close', 'R:response', 'S:data', 'R:abort', 'S:close'])
  t.is(abortListeners(controller.signal), 0)
})

for (const [name, make] of [
  ['net.request', (options) => net.request(options)],
  ['new ClientRequest', (options) => new ClientRequest(options)]
]) {
  test(`${name}: should abort at once, on the next ticks, with an already-aborted signal`, async (t) => {
    const srv = await watchedServer(t, (req, res) => res.end('never asked'))
    const signal = AbortSignal.abort(new Error('the reason is not an error event'))
    const request = make({ url: srv.url, signal })
    // Listeners added right after construction still see every event.
    const events = record(request)
    t.deepEqual(events, [])
    const writeError = await new Promise((resolve) => request.end('body', resolve))
    t.is(writeError.code, 'ERR_STREAM_DESTROYED')
    await sleep(200)
    t.deepEqual(events, ['R:abort', 'R:close'])
    t.is(srv.connections, 0, 'the server never saw a connection')
    t.is(abortListeners(signal), 0)
  })
}

test('should abort when AbortSignal.timeout() fires while waiting for the response', async (t) => {
  const { seen, handler } = firstRequest(t)
  const srv = await watchedServer(t, handler)
  const request = net.request({ url: srv.url, signal: AbortSignal.timeout(100) })
  const events = record(request)
  const aborted = new Promise((resolve) => request.once('abort', resolve))
  request.end()
  const { closed } = await seen
  t.not(await within(aborted, 5000), null, 'the timeout aborted the request')
  t.not(await within(closed, 2000), null, 'the server saw the socket close')
  await sleep(50)
  t.deepEqual(events, ['R:finish', 'R:close', 'R:abort'])
})

test('should leave a signal alone once the request completed: no listener left, no later abort', async (t) => {
  const srv = await listen(t, (req, res) => res.end('done'))
  const controller = new AbortController()
  const { signal } = controller
  // Requests five at a time over one long-lived signal: each listens while in flight only.
  const BATCH = 5
  let mostListening = 0
  let finished = 0
  const events = []
  for (let round = 0; round < 4; round++) {
    await Promise.all(Array.from({ length: BATCH }, () => new Promise((resolve, reject) => {
      const request = net.request({ url: srv.url, signal })
      events.push(record(request))
      request.on('error', reject)
      request.on('response', (response) => {
        mostListening = Math.max(mostListening, abortListeners(signal))
        response.resume()
        response.on('close', () => { finished++; resolve() })
      })
      request.end()
    })))
    t.is(abortListeners(signal), 0, `listeners left after round ${round}`)
  }
  t.is(finished, 4 * BATCH)
  t.is(mostListening, BATCH, 'every request in flight was listening')
  controller.abort()
  await sleep(50)
  for (const e of events) t.false(e.includes('R:abort'), e.join())
})

test('should take its listener off the signal when the request fails', async (t) => {
  // A port that refuses: listen, then close.
  const closedServer = http.createServer()
  await new Promise((resolve) => closedServer.listen(0, '127.0.0.1', resolve))
  const { port } = closedServer.address()
  await new Promise((resolve) => closedServer.close(resolve))

  const controller = new AbortController()
  const errors = await Promise.all(Array.from({ length: 5 }, () => new Promise((resolve) => {
    const request = net.request({ url: `http://127.0.0.1:${port}/`, signal: controller.signal })
    request.on('error', resolve)
    request.end()
  })))
  for (const error of errors) t.is(error.message, 'net::ERR_CONNECTION_REFUSED')
  t.is(abortListeners(controller.signal), 0)
})

test('should take its listener off the signal on abort() and when a body fails mid-way', async (t) => {
  const srv = await listen(t, (req, res) => {
    if (req.url === '/cut') {
      res.writeHead(200, { 'content-length': 1000 })
      res.write('partial')
      setTimeout(() => res.socket.destroy(), 20)
      return
    }
    res.writeHead(200)
    res.write('part')
  })
  const controller = new AbortController()
  const { signal } = controller

  const aborted = net.request({ url: srv.url, signal })
  aborted.end()
  await new Promise((resolve) => aborted.on('response', resolve))
  t.is(abortListeners(signal), 1)
  aborted.abort()
  t.is(abortListeners(signal), 0, 'abort() took the listener off')

  const cut = net.request({ url: `${srv.url}/cut`, signal })
  const failure = await new Promise((resolve) => {
    cut.on('error', resolve)
    cut.on('response', (response) => { response.on('error', () => {}); response.resume() })
    cut.end()
  })
  t.is(failure.message, 'net::ERR_CONTENT_LENGTH_MISMATCH')
  t.is(abortListeners(signal), 0)
})

test.serial('should take its listener off the signal when the app destroys the response', async (t) => {
  const { seen, srv } = await midBodyServer(t)
  const controller = new AbortController()
  const request = net.request({ url: srv.url, signal: controller.signal })
  const events = record(request)
  const response = await firstData(request)
  response.destroy()
  t.is(abortListeners(controller.signal), 0)
  const { closed } = await seen
  t.not(await within(closed, 2000), null, 'the server saw the socket close')
  controller.abort()
  await sleep(50)
  t.deepEqual(events, ['R:finish', 'R:close', 'R:response', 'S:data', 'S:close'])
  t.is(inflightCount(), 0)
})

test('should refuse a signal that is not an AbortSignal with Node\'s TypeError', (t) => {
  const url = 'http://127.0.0.1:1/'
  const values = [{}, 1, 'x', 'a string longer than twenty-eight characters', true, Symbol('s'), () => {},
    function named () {}, Object.create(null), new EventTarget(), [1]]
  for (const signal of values) {
    // The same text as Node's http.request for the same value.
    let expected
    try {
      http.request({ host: '127.0.0.1', port: 1, signal }).destroy()
      t.fail(`node:http accepted ${String(signal)}`)
    } catch (error) {
      expected = error.message
    }
    for (const make of [(o) => net.request(o), (o) => new ClientRequest(o)]) {
      const error = t.throws(() => make({ url, signal }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
      t.is(error.message, expected)
    }
  }
  t.throws(() => net.request({ url, signal: {} }), {
    message: 'The "signal" argument must be an instance of AbortSignal. Received an instance of Object'
  })
  // Node only looks for `aborted`; without the listener methods we refuse it too.
  t.throws(() => net.request({ url, signal: { aborted: false } }), {
    instanceOf: TypeError,
    message: 'The "signal" argument must be an instance of AbortSignal. Received an instance of Object'
  })
})

test('should ignore a falsy signal, as node:http does', async (t) => {
  const srv = await listen(t, (req, res) => res.end('ok'))
  for (const signal of [null, undefined, false, 0, '']) {
    const status = await new Promise((resolve, reject) => {
      const request = net.request({ url: srv.url, signal }, (response) => { response.resume(); resolve(response.statusCode) })
      request.on('error', reject)
      request.end()
    })
    t.is(status, 200)
  }
})
