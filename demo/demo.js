'use strict'

// `npm run demo`: a loopback server and four requests, printing what a user sees.
// No internet needed; exits by itself once the last request has closed.

const http = require('node:http')
const { net } = require('..')

const DOWNLOAD_SIZE = 8 * 1024 * 1024

const server = http.createServer((req, res) => {
  if (req.url === '/hello') {
    res.setHeader('Content-Type', 'text/plain')
    res.end('Hello from the loopback server\n')
  } else if (req.url === '/upload') {
    let received = 0
    req.on('data', (chunk) => { received += chunk.length })
    req.on('end', () => res.end(`received ${received} bytes (${req.headers['transfer-encoding']})\n`))
  } else if (req.url === '/download') {
    res.setHeader('Content-Length', DOWNLOAD_SIZE)
    const chunk = Buffer.alloc(64 * 1024, 'z')
    let sent = 0
    const pump = () => {
      while (sent < DOWNLOAD_SIZE) {
        sent += chunk.length
        if (!res.write(chunk)) return res.once('drain', pump)
      }
      res.end()
    }
    pump()
  } else {
    res.statusCode = 404
    res.end('nothing here\n')
  }
})

function log (label, ...args) {
  console.log(`  [${label}]`, ...args)
}

// Runs one request, printing its events; resolves on the request's last event.
function run (title, options, send, onResponse) {
  console.log(`\n${title}`)
  return new Promise((resolve) => {
    const request = net.request(options)
    for (const name of ['finish', 'close', 'abort']) request.on(name, () => log('request', name))
    request.on('error', (error) => { log('request', 'error', error.message); resolve() })
    request.on('response', (response) => {
      log('request', 'response', response.statusCode, response.statusMessage, `HTTP/${response.httpVersion}`)
      log('response', 'headers', JSON.stringify(response.headers))
      onResponse(response)
      response.on('end', () => log('response', 'end'))
      response.on('close', () => { log('response', 'close'); resolve() })
    })
    send(request)
  })
}

function printBody (response) {
  response.setEncoding('utf8')
  response.on('data', (text) => log('response', 'data', JSON.stringify(text)))
}

function progressBar (response) {
  const total = Number(response.headers['content-length'])
  let last = -1
  response.on('download-progress', (current) => {
    const percent = Math.floor((current / total) * 100)
    if (percent === last) return
    last = percent
    const filled = Math.round(percent / 5)
    process.stdout.write(`\r  [download] [${'#'.repeat(filled)}${' '.repeat(20 - filled)}] ${percent}%`)
    if (current >= total) process.stdout.write('\n')
  })
  response.resume()
}

server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`
  console.log(`electron-net-rs demo against ${base}`)

  await run('1. GET', `${base}/hello`, (r) => r.end(), printBody)

  await run('2. chunked POST with upload progress', { method: 'POST', url: `${base}/upload` }, (request) => {
    request.chunkedEncoding = true
    request.on('upload-progress', (position) => log('request', 'upload-progress', position))
    const chunk = Buffer.alloc(256 * 1024, 'u')
    let left = 16
    const pump = () => {
      while (left > 0) {
        left--
        if (!request.write(chunk)) return request.once('drain', pump)
      }
      request.end()
    }
    pump()
  }, printBody)

  await run('3. a non-2xx response', `${base}/missing`, (r) => r.end(), printBody)

  await run('4. download with a progress bar', `${base}/download`, (r) => r.end(), progressBar)

  server.close()
})
