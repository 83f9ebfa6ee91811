'use strict'

// A TLS record that fails to decrypt, arriving in the same read as the good records before it.
// Chromium (SSLClientSocketImpl::DoPayloadRead) returns the plaintext it already decrypted and
// keeps the error for the next read: what arrived before the bad record is delivered, and a
// response it completes succeeds. A proxy between client and server holds the server's answer
// and sends it together with a forged record, so that both reach the client in one read.

const { certs, serveHttps } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const http2 = require('node:http2')
const netModule = require('node:net')
const test = require('ava')
const { net } = require('..')
const { observe, expectEvents, ORDERS } = require('./helpers/raw-server')

// An application_data record (TLS 1.3's outer type) whose AEAD tag cannot verify.
const BAD_RECORD = Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20]), Buffer.alloc(32, 0x5a)])

// A TCP relay to `port`. While `armed()` is true (the server's handler arms it before it
// answers) it holds what the server sends until the server has been quiet for 50 ms, then sends
// it with BAD_RECORD appended in one write, once. `connections` counts the client's connections.
async function tamperingRelay (t, port) {
  const relay = { armed: false, connections: 0, clients: [] }
  const sockets = new Set()
  const server = netModule.createServer((client) => {
    relay.connections++
    relay.clients.push(client)
    const upstream = netModule.connect(port, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => { client.destroy(); upstream.destroy() })
    }
    client.pipe(upstream)
    let held = null
    let timer = null
    upstream.on('data', (data) => {
      if (!relay.armed) return client.write(data)
      held = held ? Buffer.concat([held, data]) : data
      clearTimeout(timer)
      timer = setTimeout(() => {
        relay.armed = false
        client.write(Buffer.concat([held, BAD_RECORD]))
        held = null
      }, 50)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    return new Promise((resolve) => server.close(() => resolve()))
  })
  relay.url = `https://127.0.0.1:${server.address().port}`
  return relay
}

test('an HTTP/1.1 response followed by a bad TLS record in the same read is delivered, and its connection is not reused', async (t) => {
  let relay = null
  const { port } = await serveHttps(t, (req, res) => {
    if (req.url === '/first') relay.armed = true
    res.end(`answer to ${req.url}`)
  })
  relay = await tamperingRelay(t, port)
  const first = await observe(net.request(`${relay.url}/first`))
  t.is(first.error, null)
  t.is(first.body, 'answer to /first')
  expectEvents(t, first, ORDERS.success)
  const second = await observe(net.request(`${relay.url}/second`))
  t.is(second.error, null)
  t.is(second.body, 'answer to /second')
  t.is(relay.connections, 2, 'the connection that carried the bad record was not used again')
})

test('an HTTP/1.1 body cut short by a bad TLS record delivers what came before it, then fails with net::ERR_SSL_PROTOCOL_ERROR', async (t) => {
  let relay = null
  const { port } = await serveHttps(t, (req, res) => {
    relay.armed = true
    res.writeHead(200, { 'content-length': 100 })
    res.write('the first ten')
  })
  relay = await tamperingRelay(t, port)
  const r = await observe(net.request(relay.url))
  t.is(r.error && r.error.message, 'net::ERR_SSL_PROTOCOL_ERROR')
  t.is(r.response && r.response.statusCode, 200)
  t.is(r.body, 'the first ten')
  expectEvents(t, r, ORDERS.failedMidBody)
})

// A node:http2 TLS server whose close is not waited for: node:http2 never reports the close of
// a session whose socket the relay closed after a bad record, and server.close() waits for it.
async function http2Server (t, handler) {
  const server = http2.createSecureServer({ ...certs.valid }, handler)
  const sessions = new Set()
  server.on('session', (s) => sessions.add(s))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sessions) s.destroy(); server.close() })
  return server.address().port
}

test('an HTTP/2 response followed by a bad TLS record in the same read is delivered', async (t) => {
  let relay = null
  const port = await http2Server(t, (req, res) => {
    relay.armed = true
    res.end(`h2 answer to ${req.url}`)
  })
  relay = await tamperingRelay(t, port)
  const r = await observe(net.request(`${relay.url}/x`))
  t.is(r.error, null)
  t.is(r.response && r.response.httpVersion, '2.0')
  t.is(r.body, 'h2 answer to /x')
  expectEvents(t, r, ORDERS.success)
})

for (const [protocol, serve] of [
  ['HTTP/2', (t, handler) => http2Server(t, handler)],
  ['HTTP/1.1', async (t, handler) => (await serveHttps(t, handler)).port]
]) {
  test(`a bad TLS record before an ${protocol} response fails the request with net::ERR_SSL_PROTOCOL_ERROR`, async (t) => {
    let relay = null
    const port = await serve(t, (req, res) => {
      relay.clients.at(-1).write(BAD_RECORD)
      setTimeout(() => res.end('too late'), 500)
    })
    relay = await tamperingRelay(t, port)
    const r = await observe(net.request(relay.url))
    t.is(r.error && r.error.message, 'net::ERR_SSL_PROTOCOL_ERROR')
    expectEvents(t, r, ORDERS.failedBeforeHeaders)
  })
}
