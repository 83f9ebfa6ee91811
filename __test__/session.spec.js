'use strict'

const path = require('node:path')
const test = require('ava')
// Before the package: the sessions' root directory is read when the first session is made.
const { userDataDir } = require('./helpers/user-data')
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
  // As in Electron (spec/api-session-spec.ts 'returns default session as persistent').
  t.true(session.defaultSession.isPersistent())
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

test('should retry once on a new connection when a reused one closes before answering', async (t) => {
  // The second request on each connection finds it closed without a response, as a server that
  // dropped an idle keep-alive connection does.
  const seen = []
  const srv = await listen(t, (req, res) => {
    const socket = req.socket
    socket.requests = (socket.requests || 0) + 1
    seen.push(`${req.method} ${req.url} #${socket.requests}`)
    if (socket.requests > 1) return socket.destroy()
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => res.end(`answered ${req.url} ${body}`))
  })
  let connections = 0
  srv.server.on('connection', () => connections++)
  const ses = session.fromPartition('stale-retry')
  const first = await collect(net.request({ url: `${srv.url}/a`, session: ses }))
  const second = await collect(net.request({ method: 'POST', url: `${srv.url}/b`, session: ses }), { body: 'sent again' })
  t.is(first.body, 'answered /a ')
  t.is(second.error, null)
  t.is(second.body, 'answered /b sent again', 'the retry carried the whole body')
  t.deepEqual(seen, ['GET /a #1', 'POST /b #2', 'POST /b #1'])
  t.is(connections, 2)
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

test('should fail a request waiting on a slow server with net::ERR_ABORTED on closeAllConnections()', async (t) => {
  let serverSocketClosed
  const socketClosed = new Promise((resolve) => { serverSocketClosed = resolve })
  const ses = session.fromPartition('close-all-slow')
  const srv = await listen(t, (req, res) => {
    if (req.url === '/fresh') return res.end('fresh')
    // Never answers: only closeAllConnections() can end this request.
    req.socket.on('close', serverSocketClosed)
    ses.closeAllConnections()
  })
  const { events, error } = await collect(net.request({ url: `${srv.url}/slow`, session: ses }))
  // Reference §4 scenario B: the request has already finished and closed when the error comes.
  t.deepEqual(events, ['R:finish', 'R:close', 'R:error'])
  t.is(error.message, 'net::ERR_ABORTED')
  await socketClosed
  const after = await collect(net.request({ url: `${srv.url}/fresh`, session: ses }))
  t.is(after.error, null)
  t.is(after.body, 'fresh', 'a request made afterwards opens a new connection and works')
})

test('should fail a download in progress with net::ERR_ABORTED on closeAllConnections()', async (t) => {
  const srv = await listen(t, (req, res) => {
    if (req.url === '/fresh') return res.end('fresh')
    // One chunk, then silence: the response is mid-body when the connections are closed.
    res.writeHead(200, { 'content-length': 1024 * 1024 })
    res.write(Buffer.alloc(64 * 1024, 1))
  })
  const ses = session.fromPartition('close-all-download')
  const request = net.request({ url: `${srv.url}/big`, session: ses })
  let received = 0
  let responseError = null
  request.on('response', (response) => {
    response.on('error', (e) => { responseError = e })
    response.on('data', (chunk) => {
      received += chunk.length
      if (received === 64 * 1024) ses.closeAllConnections()
    })
  })
  const { events, error } = await collect(request)
  t.is(received, 64 * 1024)
  // Reference §4 scenario D: no 'end'; the response's 'close' is its last event.
  t.deepEqual(events, ['R:finish', 'R:close', 'R:response', 'R:error', 'S:error', 'S:close'])
  t.is(error.message, 'net::ERR_ABORTED')
  t.is(responseError, error, 'the response gets the same Error')
  const after = await collect(net.request({ url: `${srv.url}/fresh`, session: ses }))
  t.is(after.body, 'fresh')
})

test('should fail a paused download with net::ERR_ABORTED on closeAllConnections()', async (t) => {
  let serverSocketClosed
  const socketClosed = new Promise((resolve) => { serverSocketClosed = resolve })
  const srv = await listen(t, (req, res) => {
    req.socket.on('close', serverSocketClosed)
    res.writeHead(200, { 'content-length': 64 * 1024 * 1024 })
    res.write(Buffer.alloc(4 * 1024 * 1024, 1))
  })
  const ses = session.fromPartition('close-all-paused')
  const request = net.request({ url: srv.url, session: ses })
  const error = await new Promise((resolve) => {
    request.on('error', resolve)
    // Nobody reads this response: only the engine's read-ahead is pending.
    request.on('response', (response) => {
      response.on('error', () => {})
      setTimeout(() => ses.closeAllConnections(), 100)
    })
    request.end()
  })
  t.is(error.message, 'net::ERR_ABORTED')
  await socketClosed
  t.pass('the server saw the connection closed')
})

test('should resolve closeAllConnections() and leave other sessions\' requests alone', async (t) => {
  const srv = await listen(t, (req, res) => setTimeout(() => res.end('done'), 200))
  const pending = collect(net.request({ url: srv.url, partition: 'close-all-bystander' }))
  await new Promise((resolve) => srv.server.once('request', resolve))
  const result = await session.fromPartition('close-all-closer').closeAllConnections()
  t.is(result, undefined)
  const { error, body } = await pending
  t.is(error, null)
  t.is(body, 'done')
})

// Issue 18 "Where a session lives" and the cookie part of clearing data. Electron spec
// api-session-spec.ts: 'ses.isPersistent()', 'session.storagePage', 'session.fromPath(path)';
// electron_api_session.cc Session::FromPath for the error texts; ses.clearStorageData /
// ses.clearData as documented (docs/api/session.md) for the cookie storage.

test('should make the default session persistent with a storage path at the root (E "returns default session as persistent")', (t) => {
  t.true(session.defaultSession.isPersistent())
  t.is(typeof session.defaultSession.storagePath, 'string')
  t.is(session.defaultSession.storagePath, userDataDir)
})

test('should keep persist: partitions under <root>/Partitions/<name> and in-memory ones nowhere (E "session.storagePage")', (t) => {
  t.is(session.fromPartition('persist:x').storagePath, path.join(userDataDir, 'Partitions', 'x'))
  t.true(session.fromPartition(`persist:${Math.random()}`).isPersistent())
  t.false(session.fromPartition(`${Math.random()}`).isPersistent())
  t.is(session.fromPartition('in-memory').storagePath, null)
  t.not(session.defaultSession.storagePath, session.fromPartition('persist:two').storagePath)
  t.not(session.fromPartition('persist:one').storagePath, session.fromPartition('persist:two').storagePath)
})

test('should give one persistent Session per absolute path with fromPath (E "session.fromPath(path)")', (t) => {
  const dir = path.join(userDataDir, 'from-path')
  const ses = session.fromPath(dir)
  t.true(ses instanceof Session)
  t.is(ses.storagePath, dir)
  t.true(ses.isPersistent())
  t.is(session.fromPath(dir), ses, 'the same path gives the same object')
  t.not(session.fromPath(path.join(userDataDir, 'from-path-2')), ses)
  t.not(ses, session.defaultSession)
})

test('should throw Electron\'s TypeErrors for a relative or empty fromPath path', (t) => {
  t.throws(() => session.fromPath('relative/dir'), { instanceOf: TypeError, message: 'An absolute path was not provided' })
  t.throws(() => session.fromPath('../fixtures'), { instanceOf: TypeError, message: 'An absolute path was not provided' })
  t.throws(() => session.fromPath(''), { instanceOf: TypeError, message: 'An empty path was specified' })
})

// Two cookies (a session one and a persistent one) on each of two origins, 127.0.0.1 and
// localhost, in an in-memory session of its own. No request is made: the port is never used.
async function twoOriginsOfCookies (name) {
  const ses = session.fromPartition(`clear-${name}-${Math.random()}`)
  const ip = 'http://127.0.0.1:8123'
  const local = 'http://localhost:8123'
  for (const u of [ip, local]) {
    await ses.cookies.set({ url: u, name: 'a', value: '1' })
    await ses.cookies.set({ url: u, name: 'b', value: '1', expirationDate: Date.now() / 1000 + 600 })
  }
  const left = async () => (await ses.cookies.get({})).map((c) => `${c.domain} ${c.name}`).sort()
  return { ses, ip, local, left }
}

test('should clear cookies with clearStorageData({ storages: [\'cookies\'] }) and report them as explicit removals', async (t) => {
  const { ses, left } = await twoOriginsOfCookies('storages')
  const causes = []
  ses.cookies.on('changed', (event, cookie, cause, removed) => causes.push(`${cause} ${removed}`))
  t.is(await ses.clearStorageData({ storages: ['cookies'] }), undefined)
  t.deepEqual(await left(), [])
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.deepEqual(causes, Array(4).fill('explicit true'))
})

test('should clear only the origin\'s cookies with clearStorageData({ storages: [\'cookies\'], origin })', async (t) => {
  const { ses, ip, left } = await twoOriginsOfCookies('origin')
  await ses.clearStorageData({ storages: ['cookies'], origin: ip })
  t.deepEqual(await left(), ['localhost a', 'localhost b'])
})

test('should clear cookies with clearStorageData() and keep them for other storages', async (t) => {
  const kept = await twoOriginsOfCookies('other-storage')
  await kept.ses.clearStorageData({ storages: ['localstorage', 'cachestorage'] })
  t.is((await kept.left()).length, 4)
  const all = await twoOriginsOfCookies('all-storages')
  await all.ses.clearStorageData()
  t.deepEqual(await all.left(), [])
})

test('should clear cookies with clearData(), and with dataTypes only when cookies are named', async (t) => {
  const all = await twoOriginsOfCookies('clear-data')
  t.is(await all.ses.clearData(), undefined)
  t.deepEqual(await all.left(), [])
  const named = await twoOriginsOfCookies('clear-data-cookies')
  await named.ses.clearData({ dataTypes: ['cookies'] })
  t.deepEqual(await named.left(), [])
  const other = await twoOriginsOfCookies('clear-data-cache')
  await other.ses.clearData({ dataTypes: ['cache'] })
  t.is((await other.left()).length, 4)
})

test('should keep the cookies of excludeOrigins with clearData, and refuse it beside origins', async (t) => {
  const { ses, local, left } = await twoOriginsOfCookies('exclude-origins')
  await ses.clearData({ excludeOrigins: [local] })
  t.deepEqual(await left(), ['localhost a', 'localhost b'])
  const other = await twoOriginsOfCookies('exclude-origins-data-types')
  await other.ses.clearData({ dataTypes: ['cache'], excludeOrigins: [other.local] })
  t.is((await other.left()).length, 4)
  t.throws(() => ses.clearData({ origins: [local], excludeOrigins: [local] }),
    { instanceOf: Error, message: "Cannot provide both 'origins' and 'excludeOrigins'" })
})
