'use strict'

// One GET through the package as jest loads it (a module registry of its own per test file).

const { test, expect } = require('@jest/globals')
const { net } = require('../../index.js')
const { useServer } = require('./support')

const server = useServer((req, res) => {
  res.setHeader('x-served-by', 'get.test')
  res.end(`hello ${req.url}`)
})

test('a GET completes with the status, headers and body the server sent', async () => {
  const r = await server.run(net.request(`${server.url}/from-get-test?x=1`))
  expect(r.error).toBeNull()
  expect(r.response.statusCode).toBe(200)
  expect(r.response.headers['x-served-by']).toBe('get.test')
  expect(r.body).toBe('hello /from-get-test?x=1')
  expect(server.seen.map(({ method, url }) => ({ method, url })))
    .toEqual([{ method: 'GET', url: '/from-get-test?x=1' }])
})
