'use strict'

// net.resolveHost / ses.resolveHost, the session's host cache (shared with its requests),
// clearHostResolverCache, and net.isOnline / net.online (reference §11; Electron's
// spec/api-net-spec.ts and api-session-spec.ts 'resolveHost'; Chromium's
// net/dns/host_resolver_manager.cc for literals, localhost and the cache).
//
// No network: names are IP literals, localhost, `.invalid` (RFC 6761: never resolves), and a
// name the system resolves from the hosts file (the machine's own name), looked up only here.

const dns = require('node:dns')
const fs = require('node:fs')
const os = require('node:os')
const test = require('ava')
require('./helpers/user-data')
const { net, session } = require('..')
const { listen, collect } = require('./helpers/listen')

const LOOPBACK_BOTH = [{ address: '::1', family: 'ipv6' }, { address: '127.0.0.1', family: 'ipv4' }]
const LOOPBACK_V4 = [{ address: '127.0.0.1', family: 'ipv4' }]
const LOOPBACK_V6 = [{ address: '::1', family: 'ipv6' }]

let partitions = 0
const freshSession = () => session.fromPartition(`dns-${process.pid}-${++partitions}`)

// A name the system resolver knows without the network: the machine's name, else one from the
// hosts file. null when there is none (the cache tests then only log).
let systemNamePromise = null
function systemName () {
  if (!systemNamePromise) systemNamePromise = findSystemName()
  return systemNamePromise
}
async function findSystemName () {
  const candidates = [os.hostname()]
  try {
    for (const line of fs.readFileSync('/etc/hosts', 'utf8').split('\n')) {
      const fields = line.replace(/#.*/, '').trim().split(/\s+/)
      candidates.push(...fields.slice(1))
    }
  } catch {}
  for (const name of candidates) {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name) || /(^|\.)localhost$/i.test(name)) continue
    try {
      const addresses = await dns.promises.lookup(name, { all: true })
      if (addresses.length > 0) {
        return {
          name,
          endpoints: addresses.map(({ address, family }) => ({ address, family: family === 6 ? 'ipv6' : 'ipv4' })),
          loopbackOnly: addresses.every(({ address }) => address === '::1' || address.startsWith('127.'))
        }
      }
    } catch {}
  }
  return null
}

const sorted = (endpoints) => [...endpoints].sort((a, b) => (a.family + a.address).localeCompare(b.family + b.address))

async function rejectsWith (t, promise, name) {
  const error = await t.throwsAsync(promise)
  t.is(error.message, `net::${name}`)
  t.is(error.constructor, Error)
  t.false('code' in error, 'no code property (reference §9)')
}

test('should resolve localhost and *.localhost to ::1 then 127.0.0.1, each family per queryType', async (t) => {
  for (const host of ['localhost', 'LOCALHOST', 'localhost.', 'app.localhost', 'a.b.Localhost']) {
    t.deepEqual(await net.resolveHost(host), { endpoints: LOOPBACK_BOTH }, host)
    t.deepEqual(await net.resolveHost(host, { queryType: 'A' }), { endpoints: LOOPBACK_V4 }, host)
    t.deepEqual(await net.resolveHost(host, { queryType: 'AAAA' }), { endpoints: LOOPBACK_V6 }, host)
  }
  // Local, so even localOnly with an empty cache answers.
  t.deepEqual(await freshSession().resolveHost('localhost', { source: 'localOnly' }), { endpoints: LOOPBACK_BOTH })
})

test('should resolve IP literals to themselves, and only in their own family', async (t) => {
  t.deepEqual(await net.resolveHost('127.0.0.1'), { endpoints: LOOPBACK_V4 })
  t.deepEqual(await net.resolveHost('127.0.0.1', { queryType: 'A' }), { endpoints: LOOPBACK_V4 })
  t.deepEqual(await net.resolveHost('::1'), { endpoints: LOOPBACK_V6 })
  t.deepEqual(await net.resolveHost('[::1]'), { endpoints: LOOPBACK_V6 })
  t.deepEqual(await net.resolveHost('[::1]', { queryType: 'AAAA' }), { endpoints: LOOPBACK_V6 })
  // The URL standard's IPv4 forms, as Chromium parses a literal.
  t.deepEqual(await net.resolveHost('127.1'), { endpoints: LOOPBACK_V4 })
  t.deepEqual(await net.resolveHost('0x7f000001'), { endpoints: LOOPBACK_V4 })
  t.deepEqual(await net.resolveHost('2001:DB8:0::1'), { endpoints: [{ address: '2001:db8::1', family: 'ipv6' }] })
  // Only in the family asked for (Chromium's ResolveAsIP).
  await rejectsWith(t, net.resolveHost('127.0.0.1', { queryType: 'AAAA' }), 'ERR_NAME_NOT_RESOLVED')
  await rejectsWith(t, net.resolveHost('::1', { queryType: 'A' }), 'ERR_NAME_NOT_RESOLVED')
  // Literals need no cache: localOnly answers them.
  t.deepEqual(await freshSession().resolveHost('127.0.0.1', { source: 'localOnly' }), { endpoints: LOOPBACK_V4 })
})

test('should reject a name that does not resolve with net::ERR_NAME_NOT_RESOLVED', async (t) => {
  await rejectsWith(t, net.resolveHost('name-that-does-not-exist.invalid'), 'ERR_NAME_NOT_RESOLVED')
  await rejectsWith(t, freshSession().resolveHost('nothing.invalid', { queryType: 'A' }), 'ERR_NAME_NOT_RESOLVED')
  // Not host names at all: refused without a lookup, as Chromium does.
  for (const host of ['', 'a b', 'a..b', 'exa$mple.com', '-.x', 'x'.repeat(64)]) {
    await rejectsWith(t, net.resolveHost(host), 'ERR_NAME_NOT_RESOLVED')
  }
})

test('should filter a system answer by queryType', async (t) => {
  const found = await systemName()
  if (!found) return t.pass('no name the system resolves offline')
  const s = freshSession()
  const { endpoints } = await s.resolveHost(found.name)
  t.deepEqual(sorted(endpoints), sorted(found.endpoints))
  for (const [queryType, family] of [['A', 'ipv4'], ['AAAA', 'ipv6']]) {
    const want = found.endpoints.filter((e) => e.family === family)
    if (want.length === 0) {
      await rejectsWith(t, s.resolveHost(found.name, { queryType }), 'ERR_NAME_NOT_RESOLVED')
    } else {
      const got = await s.resolveHost(found.name, { queryType })
      t.deepEqual(sorted(got.endpoints), sorted(want), queryType)
    }
  }
})

test('should ignore option values Electron does not know, and options that are not an object', async (t) => {
  const options = [
    { queryType: 'MX', source: 'everywhere', cacheUsage: 'sometimes', secureDnsPolicy: 'maybe' },
    { queryType: 'a', source: 'LOCALONLY', cacheUsage: 'Disallowed' },
    { queryType: 4, source: null, cacheUsage: {} },
    { queryType: new String('A') }, // eslint-disable-line no-new-wrappers
    'A',
    7,
    null,
    undefined,
    () => {}
  ]
  for (const o of options) {
    t.deepEqual(await freshSession().resolveHost('localhost', o), { endpoints: LOOPBACK_BOTH }, String(o))
  }
  // A known value next to unknown ones still counts.
  t.deepEqual(await net.resolveHost('localhost', { queryType: 'A', source: 'nope' }), { endpoints: LOOPBACK_V4 })
})

test('should throw gin\'s TypeError, synchronously, when host is not a string', (t) => {
  const ses = session.fromPartition('dns-types')
  for (const [host, named] of [[42, ''], [{}, ''], [['localhost'], ''], [true, ''], [null, 'null'], [undefined, 'undefined']]) {
    t.throws(() => ses.resolveHost(host), {
      instanceOf: TypeError,
      message: `Error processing argument at index 0, conversion failure from ${named}`
    })
    t.throws(() => net.resolveHost(host), { instanceOf: TypeError })
  }
  // net.resolveHost passes both arguments on, as Electron's net.ts does.
  t.throws(() => net.resolveHost(), {
    instanceOf: TypeError,
    message: 'Error processing argument at index 0, conversion failure from undefined'
  })
  t.throws(() => ses.resolveHost(), { instanceOf: TypeError, message: 'Insufficient number of arguments.' })
})

test('should answer localOnly from the session\'s cache, per session, until clearHostResolverCache()', async (t) => {
  const found = await systemName()
  if (!found) return t.pass('no name the system resolves offline')
  const a = freshSession()
  const b = freshSession()
  // Nothing cached yet: Chromium's LOCAL_ONLY miss.
  await rejectsWith(t, a.resolveHost(found.name, { source: 'localOnly' }), 'ERR_DNS_CACHE_MISS')
  const resolved = await a.resolveHost(found.name)
  t.deepEqual(await a.resolveHost(found.name, { source: 'localOnly' }), resolved)
  t.deepEqual(await a.resolveHost(found.name, { source: 'localOnly', cacheUsage: 'staleAllowed' }), resolved)
  // disallowed: the cache is not consulted, and localOnly has nothing else.
  await rejectsWith(t, a.resolveHost(found.name, { source: 'localOnly', cacheUsage: 'disallowed' }), 'ERR_DNS_CACHE_MISS')
  t.deepEqual(sorted((await a.resolveHost(found.name, { cacheUsage: 'disallowed' })).endpoints), sorted(resolved.endpoints))
  // A family is its own entry.
  await rejectsWith(t, a.resolveHost(found.name, { source: 'localOnly', queryType: 'A' }), 'ERR_DNS_CACHE_MISS')
  // Another session has its own cache.
  await rejectsWith(t, b.resolveHost(found.name, { source: 'localOnly' }), 'ERR_DNS_CACHE_MISS')

  const cleared = a.clearHostResolverCache()
  t.true(cleared instanceof Promise)
  t.is(await cleared, undefined)
  await rejectsWith(t, a.resolveHost(found.name, { source: 'localOnly' }), 'ERR_DNS_CACHE_MISS')
})

test('should fill the session\'s cache from its requests\' lookups', async (t) => {
  const found = await systemName()
  // Only a name for this machine's loopback may be connected to here.
  if (!found || !found.loopbackOnly || !found.endpoints.some((e) => e.address === '127.0.0.1')) {
    return t.pass('no name the system resolves to 127.0.0.1 offline')
  }
  const srv = await listen(t, (req, res) => res.end('hi'))
  const s = freshSession()
  await rejectsWith(t, s.resolveHost(found.name, { source: 'localOnly' }), 'ERR_DNS_CACHE_MISS')
  const r = await collect(net.request({ url: `http://${found.name}:${srv.port}/`, session: s }))
  t.is(r.error, null)
  t.is(r.body, 'hi')
  const cached = await s.resolveHost(found.name, { source: 'localOnly' })
  t.deepEqual(sorted(cached.endpoints), sorted(found.endpoints))
  // closeAllConnections() leaves the cache alone.
  await s.closeAllConnections()
  t.deepEqual(await s.resolveHost(found.name, { source: 'localOnly' }), cached)
  // After clearing, the next request looks the name up again (and still connects).
  await s.clearHostResolverCache()
  await rejectsWith(t, s.resolveHost(found.name, { source: 'localOnly' }), 'ERR_DNS_CACHE_MISS')
  const again = await collect(net.request({ url: `http://${found.name}:${srv.port}/`, session: s }))
  t.is(again.body, 'hi')
  t.deepEqual(await s.resolveHost(found.name, { source: 'localOnly' }), cached)
})

test('should connect to localhost over 127.0.0.1 when nothing listens on ::1', async (t) => {
  // localhost is ::1 then 127.0.0.1 (never the OS's answer): a refused ::1 falls through at once.
  const srv = await listen(t, (req, res) => res.end(req.socket.localAddress))
  const started = Date.now()
  const r = await collect(net.request({ url: `http://localhost:${srv.port}/`, session: freshSession() }))
  t.is(r.error, null)
  t.is(r.body, '127.0.0.1')
  t.true(Date.now() - started < 250, 'no Happy Eyeballs delay after a refused address')
})

test('should fail a request to a name that does not resolve with net::ERR_NAME_NOT_RESOLVED', async (t) => {
  const r = await collect(net.request({ url: 'http://name-that-does-not-exist.invalid/', session: freshSession() }))
  t.is(r.error && r.error.message, 'net::ERR_NAME_NOT_RESOLVED')
})

test('should tell whether a non-loopback interface is up, as net.isOnline() and net.online', (t) => {
  const interfaces = os.networkInterfaces()
  const expected = Object.entries(interfaces).some(([name, addresses]) =>
    !(process.platform === 'linux' && name.startsWith('tun')) && addresses.some((a) => !a.internal))
  t.is(typeof net.isOnline(), 'boolean')
  t.is(net.isOnline(), expected)
  t.is(net.online, expected)
  t.is(typeof Object.getOwnPropertyDescriptor(net, 'online').get, 'function')
  // Cheap: a thousand calls well under a second (one interface scan a second at most).
  const started = process.hrtime.bigint()
  for (let i = 0; i < 1000; i++) net.isOnline()
  t.true(Number(process.hrtime.bigint() - started) / 1e6 < 200)
})
