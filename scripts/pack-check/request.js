'use strict'

// Run by scripts/pack-check.sh inside a project that installed the packed package: one real
// request through it to a node:http server on 127.0.0.1, then what the user can check: the body
// came back, and the addon was the prebuilt one from the platform package. Exits non-zero on any
// failure.

const assert = require('node:assert')
const http = require('node:http')
const path = require('node:path')
const { net } = require('electron-net-rs')

const expectedPackage = process.argv[2] // e.g. electron-net-rs-linux-x64-gnu
const token = `pack-check ${process.pid} ${Date.now()}`

const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'text/plain')
  res.end(`${req.method} ${req.url} ${req.headers['x-pack-check']}`)
})

function get (url) {
  return new Promise((resolve, reject) => {
    const request = net.request(url)
    request.setHeader('x-pack-check', token)
    request.on('response', (response) => {
      const chunks = []
      response.on('data', (chunk) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString() }))
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end()
  })
}

async function main () {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  let response
  try {
    response = await get(`http://127.0.0.1:${port}/hello`)
  } finally {
    server.close()
  }
  assert.strictEqual(response.status, 200)
  assert.strictEqual(response.body, `GET /hello ${token}`)
  const addons = Object.keys(require.cache).filter((file) => file.endsWith('.node'))
  assert.strictEqual(addons.length, 1, `one addon loaded: ${addons}`)
  assert.strictEqual(path.basename(path.dirname(addons[0])), expectedPackage,
    `the addon came from the platform package: ${addons[0]}`)
  console.log(`request ok: ${response.status} '${response.body}', addon ${path.relative(process.cwd(), addons[0])}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
