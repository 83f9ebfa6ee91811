'use strict'

// PAC scripts (`setProxy({ mode: 'pac_script', pacScript })`, reference §10): loading from
// http, data: and file: URLs, the sandbox, the helpers, Chromium's DIRECT fallback, caching and
// forceReloadProxyConfig. Everything runs on 127.0.0.1; since Chromium never lets a PAC script
// proxy loopback destinations, requests meant for the PAC's proxy name hosts under `.invalid`:
// the proxy receives them (and answers 502, as it cannot reach them), while a direct attempt
// fails with net::ERR_NAME_NOT_RESOLVED.

const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const test = require('ava')
const { net, session } = require('..')
const { listen, recordingServer, collect } = require('./helpers/listen')
const { startForwardProxy } = require('./helpers/forward-proxy')

let partitions = 0
const freshSession = () => session.fromPartition(`pac-${process.pid}-${++partitions}`)

// A node:http server answering every request with `script()` (re-read each time) and counting
// the fetches; `status`/`delay` shape the answer.
async function pacServer (t, script, { status = 200, delay = 0 } = {}) {
  const pac = { fetches: 0 }
  const srv = await listen(t, (req, res) => {
    pac.fetches++
    setTimeout(() => {
      res.writeHead(status, { 'Content-Type': 'application/x-ns-proxy-autoconfig' })
      res.end(typeof script === 'function' ? script() : script)
    }, delay)
  })
  pac.url = srv.url + '/proxy.pac'
  return pac
}

async function withScript (script) {
  const ses = freshSession()
  await ses.setProxy({ pacScript: 'data:application/x-ns-proxy-autoconfig,' + encodeURIComponent(script) })
  return ses
}

test('should keep libuv\'s thread pool free while resolveProxy waits for a PAC script to load', async (t) => {
  // The PAC server holds its answer until a crypto job (libuv's pool) has completed, or 2 s.
  let release
  const released = new Promise((resolve) => { release = resolve })
  const fallback = setTimeout(release, 2000)
  t.teardown(() => clearTimeout(fallback))
  const srv = await listen(t, async (req, res) => {
    await released
    res.writeHead(200, { 'Content-Type': 'application/x-ns-proxy-autoconfig' })
    res.end('function FindProxyForURL (url, host) { return "PROXY slow.invalid:1" }')
  })
  const ses = freshSession()
  await ses.setProxy({ pacScript: srv.url + '/proxy.pac' })
  const order = []
  // More lookups than the pool has threads (4 unless UV_THREADPOOL_SIZE says otherwise).
  const lookups = Array.from({ length: 16 }, () =>
    ses.resolveProxy('http://example.com/').then((answer) => { order.push('lookup'); return answer }))
  await new Promise((resolve, reject) => crypto.pbkdf2('x', 'y', 1, 8, 'sha256', (err) => err ? reject(err) : resolve()))
  order.push('pool job')
  release()
  t.deepEqual(await Promise.all(lookups), Array(16).fill('PROXY slow.invalid:1'))
  t.deepEqual(order, ['pool job', ...Array(16).fill('lookup')])
})

test("Electron's spec: allows configuring proxy settings with pacScript", async (t) => {
  const pac = await pacServer(t, 'function FindProxyForURL(url, host) { return "PROXY myproxy:8132"; }')
  const ses = freshSession()
  await ses.setProxy({ pacScript: pac.url })
  t.is(await ses.resolveProxy('https://google.com'), 'PROXY myproxy:8132')
  await ses.setProxy({ mode: 'pac_script', pacScript: pac.url })
  t.is(await ses.resolveProxy('https://google.com'), 'PROXY myproxy:8132')
})

test("Electron's spec: reload proxy configuration", async (t) => {
  let proxyPort = 8132
  const pac = await pacServer(t, () => `function FindProxyForURL(url, host) { return "PROXY myproxy:${proxyPort}"; }`)
  const ses = freshSession()
  await ses.setProxy({ mode: 'pac_script', pacScript: pac.url })
  t.is(await ses.resolveProxy('https://google.com'), 'PROXY myproxy:8132')
  proxyPort = 8133
  await ses.forceReloadProxyConfig()
  t.is(await ses.resolveProxy('https://google.com'), 'PROXY myproxy:8133')
  t.is(pac.fetches, 2, 'the script was fetched again')
})

test('pac_script without a script, and a PAC URL answering 404, mean DIRECT', async (t) => {
  const ses = freshSession()
  await ses.setProxy({ mode: 'pac_script' })
  t.is(await ses.resolveProxy('http://example.com/'), 'DIRECT')
  const pac = await pacServer(t, 'function FindProxyForURL() { return "PROXY p:1" }', { status: 404 })
  await ses.setProxy({ pacScript: pac.url })
  t.is(await ses.resolveProxy('http://example.com/'), 'DIRECT')
  t.is(pac.fetches, 1)
})

test('data: (percent-encoded and base64) and file: scripts load', async (t) => {
  const script = 'function FindProxyForURL(url, host) { return "PROXY a:1; SOCKS5 b:2; DIRECT" }'
  const expected = 'PROXY a:1;SOCKS5 b:2;DIRECT'
  const ses = await withScript(script)
  t.is(await ses.resolveProxy('http://example.com/'), expected)
  await ses.setProxy({ pacScript: 'data:application/x-ns-proxy-autoconfig;base64,' + Buffer.from(script).toString('base64') })
  t.is(await ses.resolveProxy('http://example.com/'), expected)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pac-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'proxy.pac')
  fs.writeFileSync(file, script)
  await ses.setProxy({ pacScript: require('node:url').pathToFileURL(file).href })
  t.is(await ses.resolveProxy('http://example.com/'), expected)
})

test('lookups made while the script downloads wait for it', async (t) => {
  const pac = await pacServer(t, 'function FindProxyForURL() { return "PROXY late:1" }', { delay: 300 })
  const ses = freshSession()
  await ses.setProxy({ pacScript: pac.url })
  t.is(await ses.resolveProxy('http://example.com/'), 'PROXY late:1')
  t.is(pac.fetches, 1)
})

test('the helpers answer as Chromiums do (seen through resolveProxy)', async (t) => {
  const ses = await withScript(`
    function FindProxyForURL(url, host) {
      if (isPlainHostName(host)) return 'PROXY plain:1';
      if (dnsDomainIs(host, '.corp.test')) return 'PROXY corp:2';
      if (shExpMatch(url, 'http://*.shexp.test/special/*')) return 'PROXY shexp:3';
      if (isInNet(host, '10.0.0.0', '255.0.0.0')) return 'PROXY ten:4';
      if (host == 'resolve.test') return 'PROXY ' + dnsResolve('localhost') + ':5';
      if (host == 'nowhere.test') return 'PROXY ' + dnsResolve('no-such-host.invalid') + ':6';
      if (host == 'levels.a.b.test') return 'PROXY levels' + dnsDomainLevels(host) + ':7';
      if (host == 'local.test') return localHostOrDomainIs('www', 'www.local.test') ? 'PROXY local:8' : 'DIRECT';
      if (host == 'ex.test') return 'PROXY ' + sortIpAddressList('10.0.0.2;::1;10.0.0.1').split(';')[1] + ':9';
      if (host == 'version.test') return 'PROXY v' + getClientVersion() + ':10';
      return 'DIRECT';
    }`)
  const cases = {
    'http://intranet/': 'PROXY plain:1',
    'http://www.corp.test/': 'PROXY corp:2',
    'http://corp.test/': 'DIRECT',
    'http://a.shexp.test/special/x': 'PROXY shexp:3',
    'http://a.shexp.test/other/x': 'DIRECT',
    'http://10.9.8.7/': 'PROXY ten:4',
    'http://11.9.8.7/': 'DIRECT',
    'http://resolve.test/': 'PROXY 127.0.0.1:5',
    'http://nowhere.test/': 'PROXY null:6',
    'http://levels.a.b.test/': 'PROXY levels3:7',
    'http://local.test/': 'PROXY local:8',
    'http://ex.test/': 'PROXY 10.0.0.1:9',
    'http://version.test/': 'PROXY v1.0:10'
  }
  for (const [url, expected] of Object.entries(cases)) t.is(await ses.resolveProxy(url), expected, url)
})

test('the script gets the URL sanitized as Chromium does', async (t) => {
  const ses = await withScript(`
    function FindProxyForURL(url, host) {
      return 'PROXY ' + (url == 'https://strip.test:8443/' ? 'stripped' : url == 'http://strip.test/a?b' ? 'kept' : 'other') +
        ':' + (host == 'strip.test' ? 1 : 2);
    }`)
  t.is(await ses.resolveProxy('https://user:pass@strip.test:8443/secret/path?q=1#frag'), 'PROXY stripped:1')
  t.is(await ses.resolveProxy('http://user:pass@strip.test/a?b#frag'), 'PROXY kept:1')
})

test('the script sees ECMAScript and the PAC helpers only', async (t) => {
  const ses = await withScript(`
    function FindProxyForURL(url, host) {
      return 'PROXY ' + [typeof require, typeof process, typeof globalThis.fetch, typeof setTimeout,
        typeof Buffer, typeof JSON, typeof shExpMatch].join('-') + ':1';
    }`)
  t.is(await ses.resolveProxy('http://example.com/'),
    'PROXY undefined-undefined-undefined-undefined-undefined-object-function:1')
})

test('requests go through the proxy the script names, DIRECT ones do not', async (t) => {
  const proxy = await startForwardProxy(t)
  const srv = await recordingServer(t)
  const ses = await withScript(`
    function FindProxyForURL(url, host) {
      if (host == 'direct.invalid') return 'DIRECT';
      return 'PROXY 127.0.0.1:${proxy.port}';
    }`)
  const viaProxy = await collect(net.request({ url: 'http://via-proxy.invalid/path?q=1', session: ses }))
  t.is(viaProxy.error, null)
  t.is(viaProxy.response.statusCode, 502, "the proxy's answer: it cannot reach the origin")
  t.deepEqual(proxy.seen.map((s) => s.target), ['http://via-proxy.invalid/path?q=1'])

  const direct = await collect(net.request({ url: 'http://direct.invalid/', session: ses }))
  t.is(direct.error && direct.error.message, 'net::ERR_NAME_NOT_RESOLVED')
  // Loopback is never given to the script (Chromium's implicit bypass): direct, and it works.
  t.is(await ses.resolveProxy(srv.url), 'DIRECT')
  const local = await collect(net.request({ url: srv.url + '/local', session: ses }))
  t.is(local.body, 'ok')
  t.is(srv.seen.length, 1)
  t.is(proxy.seen.length, 1, 'the proxy saw only the proxied request')
})

for (const [name, script] of [
  ['throws', 'function FindProxyForURL() { throw new Error("boom") }'],
  ['has a syntax error', 'function FindProxyForURL( { return "PROXY p:1" }'],
  ['returns a non-string', 'function FindProxyForURL() { return 42 }'],
  ['defines no FindProxyForURL', 'var x = 1'],
  ['loops forever at load', 'for (;;) {}\nfunction FindProxyForURL() { return "PROXY p:1" }'],
  ['loops forever when called', 'function FindProxyForURL() { for (;;) { try { while (true) {} } catch (e) {} } }'],
  ['exhausts memory', 'function FindProxyForURL() { var a = []; for (;;) a.push(new Array(1e5).fill(1)) }'],
  ['recurses without end', 'function FindProxyForURL() { return (function f () { return f() })() }']
]) {
  test(`a script that ${name} means DIRECT, in bounded time`, async (t) => {
    const ses = await withScript(script)
    const start = Date.now()
    t.is(await ses.resolveProxy('http://example.invalid/'), 'DIRECT')
    t.true(Date.now() - start < 10000, 'cut off by the time limit')
    const r = await collect(net.request({ url: 'http://example.invalid/', session: ses }))
    t.is(r.error && r.error.message, 'net::ERR_NAME_NOT_RESOLVED', 'the request went direct')
  })
}

test('answers are cached per sanitized URL until the config is reloaded', async (t) => {
  const pac = await pacServer(t, 'var calls = 0; function FindProxyForURL(url, host) { calls++; return "PROXY p" + calls + ":1" }')
  const ses = freshSession()
  await ses.setProxy({ pacScript: pac.url })
  t.is(await ses.resolveProxy('https://a.test/x'), 'PROXY p1:1')
  t.is(await ses.resolveProxy('https://a.test/y?z'), 'PROXY p1:1', 'same origin: the cached answer')
  t.is(await ses.resolveProxy('https://b.test/'), 'PROXY p2:1')
  t.is(await ses.resolveProxy('http://a.test/x'), 'PROXY p3:1')
  t.is(await ses.resolveProxy('http://a.test/x'), 'PROXY p3:1')
  await ses.forceReloadProxyConfig()
  t.is(await ses.resolveProxy('https://a.test/x'), 'PROXY p1:1', 'a fresh script, nothing cached')
  t.is(pac.fetches, 2)
})

test('a process with a PAC config and nothing in flight exits', (t) => {
  const code = `
    const { session } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const ses = session.fromPartition('exit')
    ses.setProxy({ pacScript: 'data:,' + encodeURIComponent('function FindProxyForURL() { return "PROXY p:1" }') })
      .then(() => ses.resolveProxy('http://example.com/'))
      .then((answer) => { console.log(answer) })`
  const run = spawnSync(process.execPath, ['-e', code], { timeout: 20000, encoding: 'utf8' })
  t.is(run.signal, null, 'exited by itself')
  t.is(run.status, 0, run.stderr)
  t.is(run.stdout.trim(), 'PROXY p:1')
})
