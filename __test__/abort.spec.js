'use strict'

// abort() closes the connection, as Chromium does (reference §12): in scenarios F, G and H of
// reference §4 the server sees its socket close right after the abort, and not before.

const { serveHttp2 } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const http2 = require('node:http2')
const test = require('ava')
const { net } = require('..')
const { listen } = require('./helpers/listen')

// A server whose handler gets each request with a promise for its socket's 'close'.
async function watchedServer (t, handler) {
  return listen(t, (req, res) => {
    const closed = new Promise((resolve) => req.socket.once('close', () => resolve(Date.now())))
    handler(req, res, closed)
  })
}

const within = (promise, ms) => Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(null), ms))])

test('F: should close the connection when abort() is called during a chunked upload', async (t) => {
  let arrived
  const seen = new Promise((resolve) => { arrived = resolve })
  const srv = await watchedServer(t, (req, res, closed) => {
    req.once('data', () => arrived({ closed }))
  })
  const request = net.request({ method: 'POST', url: srv.url })
  request.chunkedEncoding = true
  request.on('error', () => {})
  request.write('first chunk')
  const { closed } = await seen
  t.is(await within(closed, 100), null, 'the connection is open while the upload goes on')
  const abortedAt = Date.now()
  request.abort()
  const closedAt = await within(closed, 2000)
  t.not(closedAt, null, 'the server saw the socket close')
  t.true(closedAt >= abortedAt)
})

test('G: should close the connection when abort() is called before the response head', async (t) => {
  let arrived
  const seen = new Promise((resolve) => { arrived = resolve })
  // Never answers.
  const srv = await watchedServer(t, (req, res, closed) => arrived({ closed }))
  const request = net.request(srv.url)
  request.end()
  const { closed } = await seen
  t.is(await within(closed, 100), null, 'the connection is open while the server thinks')
  const abortedAt = Date.now()
  request.abort()
  const closedAt = await within(closed, 2000)
  t.not(closedAt, null, 'the server saw the socket close')
  t.true(closedAt >= abortedAt)
})

test('H: should close the connection when abort() is called after the response started', async (t) => {
  let arrived
  const seen = new Promise((resolve) => { arrived = resolve })
  const srv = await watchedServer(t, (req, res, closed) => {
    res.writeHead(200, { 'content-length': 1024 * 1024 })
    res.write('first part')
    arrived({ closed })
  })
  const request = net.request(srv.url)
  const response = await new Promise((resolve) => { request.on('response', resolve); request.end() })
  await new Promise((resolve) => response.once('data', resolve))
  const { closed } = await seen
  t.is(await within(closed, 100), null, 'the connection is open mid-body')
  const abortedAt = Date.now()
  request.abort()
  const closedAt = await within(closed, 2000)
  t.not(closedAt, null, 'the server saw the socket close')
  t.true(closedAt >= abortedAt)
})

test('H: should reset the stream over HTTP/2 when abort() is called after the response started', async (t) => {
  let arrived
  const seen = new Promise((resolve) => { arrived = resolve })
  const { url } = await serveHttp2(t, (req, res) => {
    const closed = new Promise((resolve) => req.stream.once('close', () => resolve(req.stream.rstCode)))
    res.writeHead(200)
    res.write('first part')
    arrived({ closed })
  })
  const request = net.request(`${url}/`)
  const response = await new Promise((resolve) => { request.on('response', resolve); request.end() })
  await new Promise((resolve) => response.once('data', resolve))
  const { closed } = await seen
  t.is(await within(closed, 100), null, 'the stream is open mid-body')
  request.abort()
  // The connection is shared by every request to the origin: only this stream ends.
  t.is(await within(closed, 2000), http2.constants.NGHTTP2_CANCEL)
})
