'use strict'

const test = require('ava')
const { net, session, Session } = require('..')
const { listen, collect } = require('./helpers/listen')

test('should return the same Session for the same partition', (t) => {
  t.is(session.defaultSession, session.fromPartition(''))
  t.is(session.defaultSession, session.defaultSession)
  t.is(session.fromPartition('a'), session.fromPartition('a'))
  t.not(session.fromPartition('a'), session.fromPartition('b'))
  t.true(session.fromPartition('a') instanceof Session)
  t.throws(() => session.fromPartition(5), { instanceOf: TypeError, message: 'Must pass partition as a string' })
})

test('should tell persistent partitions from in-memory ones', (t) => {
  t.false(session.defaultSession.isPersistent())
  t.is(session.fromPartition('memory').storagePath, null)
  const persistent = session.fromPartition('persist:kept')
  t.true(persistent.isPersistent())
  t.is(typeof persistent.storagePath, 'string')
})

// Counts TCP connections: each session owns its own connection pool.
async function countingServer (t) {
  const srv = await listen(t, (req, res) => res.end(req.headers['user-agent']))
  let connections = 0
  srv.server.on('connection', () => connections++)
  return { ...srv, connections: () => connections }
}

test('should reuse a session\'s connection and keep sessions\' pools apart', async (t) => {
  const srv = await countingServer(t)
  const a = session.fromPartition('pool-a')
  await collect(net.request({ url: srv.url, session: a }))
  await collect(net.request({ url: srv.url, session: a }))
  t.is(srv.connections(), 1, 'the second request reused the first one\'s connection')
  await collect(net.request({ url: srv.url, partition: 'pool-b' }))
  t.is(srv.connections(), 2, 'another partition opens its own connection')
  await collect(net.request({ url: srv.url, partition: 'pool-b' }))
  t.is(srv.connections(), 2)
})

test('should route requests through the session or partition option', async (t) => {
  const srv = await countingServer(t)
  session.fromPartition('ua-a').setUserAgent('agent-a')
  session.fromPartition('ua-b').setUserAgent('agent-b')
  const viaPartition = await collect(net.request({ url: srv.url, partition: 'ua-a' }))
  const viaSession = await collect(net.request({ url: srv.url, session: session.fromPartition('ua-b'), partition: 'ua-a' }))
  const viaDefault = await collect(net.request({ url: srv.url }))
  t.is(viaPartition.body, 'agent-a')
  t.is(viaSession.body, 'agent-b', '`session` supersedes `partition`')
  t.is(viaDefault.body, session.defaultSession.getUserAgent())
})
