'use strict'

// HTTP/2 streams a server did not process, beyond the last stream id of its GOAWAY: sent again
// on a new connection, as Chromium does (`HttpNetworkTransaction::HandleIOError`: a stream
// `SpdySession` closed with ERR_HTTP2_SERVER_REFUSED_STREAM is resent, at most
// `kMaxRetryAttempts` = 2 times). The server is a raw one (helpers/raw-h2.js): node:http2 keeps
// open a stream it accepted, whatever GOAWAY it sends after.

const { rawH2Server } = require('./helpers/raw-h2') // first: requires helpers/tls (NODE_EXTRA_CA_CERTS)
const test = require('ava')
const { net } = require('..')
const { collect } = require('./helpers/listen')
const { within } = require('./helpers/bodies')

const SUCCESS = ['R:finish', 'R:close', 'R:response', 'S:end', 'S:close']

// A first request, answered, so that the client knows the server speaks h2 and the requests
// after it share its connection (a first burst to a server never seen connects per request).
async function warmUp (t, url) {
  const r = await within(collect(net.request(url)), 5000, 'the warm-up request')
  t.is(r.error, null)
  t.is(r.body, 'warm-up')
  t.is(r.response.httpVersion, '2.0')
}

test('should send a GET beyond the last stream id of a GOAWAY again on a new connection', async (t) => {
  const { url, connections } = await rawH2Server(t, {
    onHeaders (conn, stream) {
      const served = { 'x-served-by': `${conn.index}:${stream.id}` }
      if (conn.index > 1) return conn.respond(stream.id, 'second conn', served)
      if (stream.id === 1) return conn.respond(stream.id, 'warm-up')
      // Once both requests of the burst are here: the first is processed, the second is not.
      const burst = conn.streamIds.filter((id) => id > 1)
      if (burst.length < 2) return
      conn.goaway(burst[0])
      conn.respond(burst[0], 'first conn', { 'x-served-by': `${conn.index}:${burst[0]}` })
    }
  })
  await warmUp(t, url)
  const results = await within(Promise.all([collect(net.request(url)), collect(net.request(url))]),
    5000, 'the two requests')
  for (const r of results) {
    t.is(r.error, null)
    t.is(r.response.statusCode, 200)
    t.is(r.response.httpVersion, '2.0')
    // The resend does not show: each request has one response, and Electron's events for it.
    t.deepEqual(r.events, SUCCESS)
  }
  const answers = results.map((r) => `${r.body} from ${r.response.headers['x-served-by']}`).sort()
  t.deepEqual(answers, ['first conn from 1:3', 'second conn from 2:1'])
  t.is(connections.length, 2, 'the server accepted two TLS connections')
  // Connection 1: the warm-up and the burst; connection 2: the request sent again.
  t.deepEqual(connections.map((c) => c.streamIds), [[1, 3, 5], [1]])
  t.deepEqual(connections.map((c) => c.headersFrames), [3, 1])
})

test('should send a buffered POST beyond the last stream id of a GOAWAY again, body included', async (t) => {
  const { url, connections } = await rawH2Server(t, {
    onHeaders (conn, stream) {
      if (conn.index > 1) return
      if (stream.id === 1) return conn.respond(stream.id, 'warm-up')
      conn.goaway(1) // stream 3, the POST, was not processed
    },
    onRequest (conn, stream) {
      if (conn.index > 1) conn.respond(stream.id, `got ${stream.body}`)
    }
  })
  await warmUp(t, url)
  const request = net.request({ method: 'POST', url })
  request.write('x')
  const r = await within(collect(request), 5000, 'the POST')
  t.is(r.error, null)
  t.is(r.response.statusCode, 200)
  t.is(r.body, 'got x')
  t.deepEqual(r.events, SUCCESS)
  t.is(connections.length, 2, 'the server accepted two TLS connections')
  t.deepEqual(connections.map((c) => c.streamIds), [[1, 3], [1]])
  const resent = connections[1].streams.get(1)
  t.true(resent.ended)
  t.is(resent.body.toString(), 'x', 'the body came whole, once, on the new connection')
})

test('should fail with net::ERR_HTTP2_SERVER_REFUSED_STREAM after sending a stream 3 times to a server that refuses it every time', async (t) => {
  const { url, connections } = await rawH2Server(t, {
    onHeaders (conn) { conn.goaway(0) } // on every connection: nothing processed
  })
  const r = await within(collect(net.request(url)), 5000, 'the request')
  t.is(r.error && r.error.message, 'net::ERR_HTTP2_SERVER_REFUSED_STREAM')
  t.deepEqual(r.events, ['R:finish', 'R:close', 'R:error'])
  // The first try and Chromium's 2 resends, each on a new connection.
  t.is(connections.length, 3)
  t.deepEqual(connections.map((c) => c.headersFrames), [1, 1, 1])
})
