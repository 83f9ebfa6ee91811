'use strict'

// Chromium's --host-resolver-rules, set as Electron apps set it (app.commandLine.appendSwitch)
// or on the command line: where connections go changes, the names requests carry do not.
// Each ava test file runs in its own process, so the switch set here touches no other file.

const test = require('ava')
const path = require('node:path')
const { certs, serveHttps } = require('./helpers/tls')
const { app, net, session } = require('..')
const { recordingServer, collect } = require('./helpers/listen')
const { startForwardProxy } = require('./helpers/forward-proxy')
const { runNode } = require('./helpers/child')

const RULES = 'host-resolver-rules'

// The switch is per process: tests that set it run one at a time, each on its own session
// (new sessions read the rules, and a connection pooled by another test is never reused).
let partitions = 0
const freshSession = () => session.fromPartition(`host-rules-${++partitions}`)
const withRules = (rules) => app.commandLine.appendSwitch(RULES, rules)
test.afterEach.always(() => app.commandLine.removeSwitch(RULES))

test.serial('should connect a mapped name to the rule\'s address and port, keeping the URL\'s Host', async (t) => {
  const server = await recordingServer(t)
  withRules(`MAP *.mapped.test 127.0.0.1:${server.port}`)
  const r = await collect(net.request({ url: 'http://www.mapped.test/where?x=1', session: freshSession() }))
  t.is(r.response.statusCode, 200)
  t.is(server.seen.length, 1)
  t.is(server.seen[0].url, '/where?x=1')
  t.is(server.seen[0].headers.host, 'www.mapped.test')
})

test.serial('should apply the rules to sessions made before the switch was set, for new connections', async (t) => {
  const server = await recordingServer(t)
  const ses = freshSession()
  const before = await collect(net.request({ url: 'http://late.test/', session: ses }))
  t.is(before.error?.message, 'net::ERR_NAME_NOT_RESOLVED')
  withRules(`MAP late.test 127.0.0.1:${server.port}`)
  const after = await collect(net.request({ url: 'http://late.test/', session: ses }))
  t.is(after.response.statusCode, 200)
  t.is(server.seen[0].headers.host, 'late.test')
  app.commandLine.removeSwitch(RULES)
  const removed = await collect(net.request({ url: 'http://late.test/other', session: freshSession() }))
  t.is(removed.error?.message, 'net::ERR_NAME_NOT_RESOLVED')
  t.is(server.seen.length, 1)
})

test.serial('should fail ~NOTFOUND and EXCLUDEd names, and map the rest with the first matching rule', async (t) => {
  const server = await recordingServer(t)
  withRules(`MAP blocked.test ~NOTFOUND, EXCLUDE *.invalid, MAP * 127.0.0.1:${server.port}, MAP never.test 10.255.255.1`)
  const ses = freshSession()
  const blocked = await collect(net.request({ url: 'http://blocked.test/', session: ses }))
  t.is(blocked.error?.message, 'net::ERR_NAME_NOT_RESOLVED')
  const excluded = await collect(net.request({ url: 'http://name.invalid/', session: ses }))
  t.is(excluded.error?.message, 'net::ERR_NAME_NOT_RESOLVED')
  const mapped = await collect(net.request({ url: 'http://never.test/', session: ses }))
  t.is(mapped.response.statusCode, 200)
  t.deepEqual(server.seen.map((r) => r.headers.host), ['never.test'])
})

test.serial('should match a pattern with a port against host:port only', async (t) => {
  const server = await recordingServer(t)
  withRules(`MAP ported.test:8081 127.0.0.1:${server.port}`)
  const ses = freshSession()
  const other = await collect(net.request({ url: 'http://ported.test:8082/', session: ses }))
  t.is(other.error?.message, 'net::ERR_NAME_NOT_RESOLVED')
  const matched = await collect(net.request({ url: 'http://ported.test:8081/', session: ses }))
  t.is(matched.response.statusCode, 200)
  t.is(server.seen[0].headers.host, 'ported.test:8081')
})

test.serial('should resolve mapped names in resolveHost, and fail ~NOTFOUND ones', async (t) => {
  withRules('MAP api.mapped.test 127.0.0.1, MAP gone.test ~NOTFOUND')
  const ses = freshSession()
  t.deepEqual(await ses.resolveHost('api.mapped.test'), { endpoints: [{ address: '127.0.0.1', family: 'ipv4' }] })
  await t.throwsAsync(ses.resolveHost('gone.test'), { message: 'net::ERR_NAME_NOT_RESOLVED' })
})

test.serial('should check the certificate against the URL\'s name, not the mapped address', async (t) => {
  const server = await serveHttps(t, (req, res) => res.end(req.headers.host))
  withRules(`MAP *.tls.test 127.0.0.1:${server.port}`)
  // The server's certificate names 127.0.0.1 and localhost only.
  const r = await collect(net.request({ url: 'https://www.tls.test/', session: freshSession() }))
  t.is(r.error?.message, 'net::ERR_CERT_COMMON_NAME_INVALID')
  t.truthy(certs)
})

test.serial('should find the auto_detect PAC script at http://wpad/wpad.dat through the rules', async (t) => {
  const proxy = await startForwardProxy(t)
  const wpad = await recordingServer(t, (req, res) => {
    res.setHeader('Content-Type', 'application/x-ns-proxy-autoconfig')
    res.end(`function FindProxyForURL (url, host) {
      return host === 'via-proxy.test' ? 'PROXY 127.0.0.1:${proxy.port}' : 'DIRECT'
    }`)
  })
  withRules(`MAP wpad 127.0.0.1:${wpad.port}`)
  const ses = freshSession()
  await ses.setProxy({ mode: 'auto_detect' })
  t.is(await ses.resolveProxy('http://via-proxy.test/x'), `PROXY 127.0.0.1:${proxy.port}`)
  t.is(await ses.resolveProxy('http://elsewhere.test/'), 'DIRECT')
  t.is(wpad.seen.length, 1)
  t.is(wpad.seen[0].url, '/wpad.dat')
  t.is(wpad.seen[0].headers.host, 'wpad')

  // The request goes to the proxy the script named; the proxy (node:http, which knows nothing
  // of our rules) cannot resolve the name and answers 502.
  const r = await collect(net.request({ url: 'http://via-proxy.test/through', session: ses }))
  t.is(r.response.statusCode, 502)
  t.deepEqual(proxy.seen.map((s) => s.target), ['http://via-proxy.test/through'])
})

test.serial('should go direct under auto_detect when wpad does not resolve', async (t) => {
  const server = await recordingServer(t)
  withRules(`MAP wpad ~NOTFOUND, MAP site.test 127.0.0.1:${server.port}`)
  const ses = freshSession()
  await ses.setProxy({ mode: 'auto_detect' })
  t.is(await ses.resolveProxy('http://site.test/'), 'DIRECT')
  const r = await collect(net.request({ url: 'http://site.test/', session: ses }))
  t.is(r.response.statusCode, 200)
})

test.serial('should warn once about each rule that does not parse, and apply the others', async (t) => {
  const server = await recordingServer(t)
  const warnings = []
  const onWarning = (w) => { if (w.name === 'HostResolverRulesWarning') warnings.push(w.message) }
  process.on('warning', onWarning)
  t.teardown(() => process.off('warning', onWarning))
  const rules = `bogus, MAP half.test, MAP ok.test 127.0.0.1:${server.port}`
  withRules(rules)
  const r = await collect(net.request({ url: 'http://ok.test/', session: freshSession() }))
  t.is(r.response.statusCode, 200)
  await new Promise((resolve) => setImmediate(resolve))
  t.deepEqual(warnings, ['Failed parsing rule: bogus', 'Failed parsing rule: MAP half.test'])
})

test.serial('app.commandLine should keep switches as Electron\'s does, with its argument errors', (t) => {
  const { commandLine } = app
  t.false(commandLine.hasSwitch('some-switch'))
  t.is(commandLine.getSwitchValue('some-switch'), '')
  commandLine.appendSwitch('some-switch', 'value')
  t.true(commandLine.hasSwitch('some-switch'))
  t.is(commandLine.getSwitchValue('some-switch'), 'value')
  commandLine.appendSwitch('flag-only')
  t.true(commandLine.hasSwitch('flag-only'))
  t.is(commandLine.getSwitchValue('flag-only'), '')
  commandLine.removeSwitch('some-switch')
  t.false(commandLine.hasSwitch('some-switch'))
  t.throws(() => commandLine.appendSwitch(42), { instanceOf: TypeError, message: 'Error processing argument at index 0, conversion failure from ' })
  t.throws(() => commandLine.hasSwitch(), { instanceOf: TypeError, message: 'Error processing argument at index 0, conversion failure from undefined' })
})

test('should read --host-resolver-rules from the process\'s own arguments, as Electron does', async (t) => {
  const server = await recordingServer(t)
  const fixture = path.join(__dirname, 'fixtures', 'host-rules-argv.js')
  const result = await runNode([fixture, `--host-resolver-rules=MAP argv.test 127.0.0.1:${server.port}`])
  t.is(result.code, 0, result.stderr)
  t.deepEqual(result.output, { status: 200, switchValue: `MAP argv.test 127.0.0.1:${server.port}` })
  t.is(server.seen[0].headers.host, 'argv.test')
})
