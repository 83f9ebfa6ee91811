'use strict'

// Jest glue over the ava helpers (../helpers/listen.js): a node:http server on 127.0.0.1, port
// 0, for the whole file, and a request runner that aborts whatever is still in flight when the
// file ends, so that a request that never completes fails its test (testTimeout) without
// keeping jest from exiting.

const { beforeAll, afterAll } = require('@jest/globals')
const { listen, collect, teardownScope } = require('../helpers/listen')

// Call at the top of a test file. `handler(req, res, body)` gets the request body read in
// full; `server.seen` records { method, url, headers, body } per request.
function useServer (handler) {
  const server = { url: null, port: null, seen: [] }
  const scope = teardownScope()
  const requests = new Set()
  beforeAll(async () => {
    const { url, port } = await listen(scope, (req, res) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString()
        server.seen.push({ method: req.method, url: req.url, headers: req.headers, body })
        handler(req, res, body)
      })
    })
    server.url = url
    server.port = port
  })
  afterAll(async () => {
    for (const request of requests) request.abort()
    await scope.run()
  })
  // Runs `request` to completion (collect() of ../helpers/listen.js) and resolves with
  // { events, response, body, error }.
  server.run = async (request, options) => {
    requests.add(request)
    const result = await collect(request, options)
    requests.delete(request)
    return result
  }
  return server
}

module.exports = { useServer }
