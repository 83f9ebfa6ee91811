'use strict'

// Idle keep-alive connections are closed at their idle deadline, by the pool itself, without a
// new request to their origin. The deadline (30 s by default) is shortened for this file with
// ELECTRON_NET_RS_IDLE_TIMEOUT_MS, which the engine reads once, before its first pooled
// connection: set here before the module is loaded.

process.env.ELECTRON_NET_RS_IDLE_TIMEOUT_MS = '600'

const test = require('ava')
const http = require('node:http')
const { serve, collect } = require('./helpers/listen')
const { net } = require('..')

async function keepAliveServer (t) {
  const server = http.createServer((req, res) => res.end('ok'))
  // The server would keep the connection for a minute: only our side can end it sooner.
  server.keepAliveTimeout = 60000
  const sockets = []
  server.on('connection', (socket) => {
    const entry = { socket, closedAt: null }
    sockets.push(entry)
    socket.on('close', () => { entry.closedAt = Date.now() })
  })
  const { port } = await serve(t, server)
  return { url: `http://127.0.0.1:${port}`, sockets }
}

test('an idle connection is closed at its idle deadline without a new request', async (t) => {
  const s = await keepAliveServer(t)
  const r = await collect(net.request(s.url))
  t.is(r.body, 'ok')
  const idleSince = Date.now()
  for (let i = 0; i < 100 && s.sockets[0].closedAt === null; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  t.is(s.sockets.length, 1)
  t.not(s.sockets[0].closedAt, null, 'our side closed the idle connection')
  const after = s.sockets[0].closedAt - idleSince
  // Not before the deadline (less timer slack), and not long after it on a loaded machine.
  t.true(after >= 500, `closed ${after} ms after going idle`)
  t.true(after < 3000, `closed ${after} ms after going idle`)
})

test('a connection used again before its deadline is reused, and closes a deadline after its last use', async (t) => {
  const s = await keepAliveServer(t)
  await collect(net.request(s.url))
  await new Promise((resolve) => setTimeout(resolve, 150))
  await collect(net.request(s.url))
  await new Promise((resolve) => setTimeout(resolve, 150))
  const last = await collect(net.request(s.url))
  const idleSince = Date.now()
  t.is(last.body, 'ok')
  t.is(s.sockets.length, 1, 'every request went on the one connection')
  for (let i = 0; i < 100 && s.sockets[0].closedAt === null; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  const after = s.sockets[0].closedAt - idleSince
  t.true(after >= 500 && after < 3000, `closed ${after} ms after its last use`)
})

test('after the idle close, the next request opens a new connection and succeeds', async (t) => {
  const s = await keepAliveServer(t)
  await collect(net.request(s.url))
  for (let i = 0; i < 100 && s.sockets[0].closedAt === null; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  const r = await collect(net.request(s.url))
  t.is(r.body, 'ok')
  t.is(s.sockets.length, 2)
})

// A connection watched while idle (after 250 ms) joins tokio's reactor for the watch and leaves
// it when the next request takes it: the JS thread then goes on reading it itself.
test('a connection watched while idle is reused, and read on the JS thread again', async (t) => {
  const jsThreadReads = () => require('../lib/bridge').binding().jsThreadReadCount()
  const s = await keepAliveServer(t)
  for (let i = 0; i < 8; i++) {
    const before = jsThreadReads()
    const r = await collect(net.request(s.url))
    t.is(r.body, 'ok')
    if (i > 0) t.true(jsThreadReads() > before, `request ${i} was read on the JS thread`)
    // Alternately past and before the 250 ms after which an idle connection is watched.
    await new Promise((resolve) => setTimeout(resolve, i % 2 ? 50 : 300))
  }
  t.is(s.sockets.length, 1, 'every request went on the one connection')
})
