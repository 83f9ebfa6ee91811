'use strict'

// mode: 'system', which is also every session's configuration until setProxy: the environment's
// proxy variables, as Chromium's Linux proxy service reads them (src/request/system_proxy.rs).
// process.env is this test file's own (ava runs each file apart).

const test = require('ava')
const { net, session } = require('..')
const { listen, collect } = require('./helpers/listen')
const { startForwardProxy } = require('./helpers/forward-proxy')

const VARIABLES = ['auto_proxy', 'all_proxy', 'http_proxy', 'https_proxy', 'ftp_proxy', 'SOCKS_SERVER', 'SOCKS_VERSION', 'no_proxy']

function setEnv (vars) {
  for (const name of VARIABLES) {
    delete process.env[name]
    delete process.env[name.toUpperCase()]
    delete process.env[name.toLowerCase()]
  }
  Object.assign(process.env, vars)
}

let partitions = 0
function freshSession () {
  return session.fromPartition(`system-proxy-${++partitions}`)
}

test.afterEach.always(() => setEnv({}))

test.serial('a new session uses the environment\'s proxies, per scheme, credentials dropped', async (t) => {
  setEnv({ http_proxy: 'http://user:secret@proxy.test:3128/', HTTPS_PROXY: 'https://tls.test' })
  const ses = freshSession()
  t.is(await ses.resolveProxy('http://example.test/'), 'PROXY proxy.test:3128')
  // The scheme written is dropped, as Chromium does: an http proxy on port 80.
  t.is(await ses.resolveProxy('https://example.test/'), 'PROXY tls.test:80')
  t.is(await ses.resolveProxy('http://127.0.0.1/'), 'DIRECT')
})

test.serial('lower case wins over upper case; all_proxy over the per-scheme ones', async (t) => {
  setEnv({ http_proxy: 'low.test:1', HTTP_PROXY: 'up.test:2' })
  t.is(await freshSession().resolveProxy('http://example.test/'), 'PROXY low.test:1')
  setEnv({ HTTP_PROXY: 'up.test:2' })
  t.is(await freshSession().resolveProxy('http://example.test/'), 'PROXY up.test:2')
  setEnv({ all_proxy: 'all.test:9', http_proxy: 'p.test:1' })
  t.is(await freshSession().resolveProxy('https://example.test/'), 'PROXY all.test:9')
})

test.serial('SOCKS_SERVER and SOCKS_VERSION; no_proxy matches suffixes', async (t) => {
  setEnv({ SOCKS_SERVER: 's.test:1080', no_proxy: 'corp.test,10.0.0.0/8' })
  const ses = freshSession()
  t.is(await ses.resolveProxy('https://example.test/'), 'SOCKS5 s.test:1080')
  t.is(await ses.resolveProxy('https://www.corp.test/'), 'DIRECT')
  t.is(await ses.resolveProxy('https://mycorp.test/'), 'DIRECT')
  t.is(await ses.resolveProxy('http://10.1.2.3/'), 'DIRECT')
  setEnv({ SOCKS_SERVER: 's.test', SOCKS_VERSION: '4' })
  t.is(await freshSession().resolveProxy('http://example.test/'), 'SOCKS s.test:1080')
})

test.serial('setProxy({ mode: \'system\' }) and forceReloadProxyConfig read the environment again', async (t) => {
  setEnv({})
  const ses = freshSession()
  t.is(await ses.resolveProxy('http://example.test/'), 'DIRECT')
  setEnv({ http_proxy: 'later.test:8080' })
  // Read when the session was made: nothing changes by itself.
  t.is(await ses.resolveProxy('http://example.test/'), 'DIRECT')
  await ses.forceReloadProxyConfig()
  t.is(await ses.resolveProxy('http://example.test/'), 'PROXY later.test:8080')
  await ses.setProxy({ mode: 'direct' })
  t.is(await ses.resolveProxy('http://example.test/'), 'DIRECT')
  setEnv({ http_proxy: 'again.test:1' })
  await ses.setProxy({ mode: 'system' })
  t.is(await ses.resolveProxy('http://example.test/'), 'PROXY again.test:1')
})

test.serial('a request goes through the environment\'s proxy', async (t) => {
  const origin = await listen(t, (req, res) => res.end('from origin'))
  const proxy = await startForwardProxy(t)
  // Loopback is never proxied unless the bypass list says <-loopback>.
  setEnv({ http_proxy: `http://127.0.0.1:${proxy.port}`, no_proxy: '<-loopback>' })
  const ses = freshSession()
  const r = await collect(net.request({ url: `${origin.url}/via-env`, session: ses }))
  t.is(r.body, 'from origin')
  t.true(proxy.seen.some((s) => s.target === `${origin.url}/via-env`), JSON.stringify(proxy.seen))
})

test.serial('auto_proxy names a PAC script', async (t) => {
  const script = 'function FindProxyForURL (url, host) { return "PROXY from-pac.test:1" }'
  setEnv({ auto_proxy: 'data:application/x-ns-proxy-autoconfig,' + encodeURIComponent(script) })
  t.is(await freshSession().resolveProxy('http://example.test/'), 'PROXY from-pac.test:1')
})
