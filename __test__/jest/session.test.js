'use strict'

// A request through a non-default session, through the package as jest loads it.

const { test, expect } = require('@jest/globals')
const { net, session } = require('../../index.js')
const { useServer } = require('./support')

const server = useServer((req, res) => res.end(`ua=${req.headers['user-agent']}`))

test('a request on session.fromPartition() uses that session\'s user agent', async () => {
  const ses = session.fromPartition('jest-suite')
  ses.setUserAgent('jest-suite-agent/1.0')
  const r = await server.run(net.request({ url: `${server.url}/ua`, session: ses }))
  expect(r.error).toBeNull()
  expect(r.response.statusCode).toBe(200)
  expect(r.body).toBe('ua=jest-suite-agent/1.0')
  expect(server.seen.map((s) => s.headers['user-agent'])).toEqual(['jest-suite-agent/1.0'])
})

test('the default session is not affected by the partition\'s user agent', async () => {
  const r = await server.run(net.request(`${server.url}/default`))
  expect(r.error).toBeNull()
  expect(r.body).not.toBe('ua=jest-suite-agent/1.0')
})
