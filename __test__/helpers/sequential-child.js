'use strict'

// A child process for the JS-thread read specs: it makes requests in sequence (each a path of
// argv[2..], after the base URL argv[1]), prints what it got as JSON, and must then exit by
// itself. '/hang' paths are aborted 100 ms after they start.

const path = require('node:path')

const SEQUENTIAL_CHILD = `
const { net } = require(${JSON.stringify(path.join(__dirname, '..', '..'))})
const bridge = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib', 'bridge'))})
const [base, ...paths] = process.argv.slice(1)
const out = { results: [] }
function one (p) {
  return new Promise((resolve) => {
    const request = net.request(base + p)
    request.on('error', (e) => { out.results.push('error ' + e.message); resolve() })
    request.on('abort', () => { out.results.push('aborted'); resolve() })
    request.on('response', (response) => {
      let body = ''
      response.on('data', (c) => { body += c })
      response.on('close', () => { out.results.push(response.statusCode + ' ' + body); resolve() })
    })
    request.end()
    if (p === '/hang') setTimeout(() => request.abort(), 100)
  })
}
;(async () => {
  for (const p of paths) await one(p)
  out.reads = bridge.binding().jsThreadReadCount()
  out.doneAt = Date.now()
  console.log(JSON.stringify(out))
})()
`

module.exports = { SEQUENTIAL_CHILD }
