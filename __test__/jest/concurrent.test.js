'use strict'

// A POST, then two requests in flight at the same time, through the package as jest loads it.

const { test, expect } = require('@jest/globals')
const { net } = require('../../index.js')
const { useServer } = require('./support')

// Echoes method, path and body; /slow answers after 200 ms so that both requests overlap.
const server = useServer((req, res, body) => {
  const answer = () => res.end(`${req.method} ${req.url} ${body}`)
  if (req.url.startsWith('/slow')) setTimeout(answer, 200)
  else answer()
})

test('a POST delivers its body to the server and reads the echo', async () => {
  const request = net.request({ method: 'POST', url: `${server.url}/post` })
  request.setHeader('content-type', 'text/plain')
  const r = await server.run(request, { body: 'payload from jest' })
  expect(r.error).toBeNull()
  expect(r.response.statusCode).toBe(200)
  expect(r.body).toBe('POST /post payload from jest')
  const seen = server.seen.find((s) => s.url === '/post')
  expect(seen.body).toBe('payload from jest')
  expect(seen.headers['content-type']).toBe('text/plain')
})

test('two requests in flight at once each get their own response', async () => {
  const [a, b] = await Promise.all([
    server.run(net.request(`${server.url}/slow/a`)),
    server.run(net.request({ method: 'PUT', url: `${server.url}/slow/b` }), { body: 'bee' })
  ])
  expect([a.error, b.error]).toEqual([null, null])
  expect(a.body).toBe('GET /slow/a ')
  expect(b.body).toBe('PUT /slow/b bee')
  expect(server.seen.filter((s) => s.url.startsWith('/slow')).map((s) => s.url).sort())
    .toEqual(['/slow/a', '/slow/b'])
})
