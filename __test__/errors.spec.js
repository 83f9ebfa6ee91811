'use strict'

// Network failures reach JS as Errors named after Chromium's net errors (reference §9). The
// malformed-response cases are in faults.spec.js and the TLS ones in tls.spec.js.

const test = require('ava')
const { net } = require('..')
const { collect } = require('./helpers/listen')
const { rawServer, observe, expectHealthy, expectEvents, KINDS, ORDERS } = require('./helpers/raw-server')

test('should fail a closed port with net::ERR_CONNECTION_REFUSED', async (t) => {
  const r = await collect(net.request('http://127.0.0.1:1/'))
  t.true(r.error instanceof Error)
  t.is(r.error.message, 'net::ERR_CONNECTION_REFUSED')
  t.false('code' in r.error)
})

test('should fail an unknown host with net::ERR_NAME_NOT_RESOLVED', async (t) => {
  const r = await collect(net.request('http://no-such-host.electron-net-rs.invalid/'))
  t.is(r.error.message, 'net::ERR_NAME_NOT_RESOLVED')
})

for (const [kind, make] of Object.entries(KINDS)) {
  test(`should fail a reset during the response body with net::ERR_CONNECTION_RESET (${kind})`, async (t) => {
    const srv = await rawServer(t, (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nsome')
      setTimeout(() => s.resetAndDestroy(), 50)
    })
    const { options, body, chunked } = make()
    const r = await observe(net.request({ ...options, url: srv.url }), { body, chunked })
    t.is(r.response && r.response.statusCode, 200)
    t.is(r.body, 'some')
    t.is(r.error && r.error.message, 'net::ERR_CONNECTION_RESET')
    t.is(r.errors, 1, 'one error')
    // Scenario D: no S 'end', S 'close' last, one R 'close', nothing after.
    expectEvents(t, r, ORDERS.failedMidBody)
    await expectHealthy(t)
  })
}

test('should fail a reset before the response with net::ERR_CONNECTION_RESET', async (t) => {
  const srv = await rawServer(t, (s) => s.resetAndDestroy())
  const r = await collect(net.request(srv.url))
  t.is(r.error.message, 'net::ERR_CONNECTION_RESET')
})
