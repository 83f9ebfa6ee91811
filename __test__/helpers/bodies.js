'use strict'

// Bodies for tests: a recognisable pattern, and a request run to the end of its body.

const { once } = require('node:events')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Resolves with `promise`, or rejects after `ms` naming `what` (a hang becomes a failure that
// says what hung, not an ava timeout).
function within (promise, ms, what) {
  let timer
  const limit = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
  })
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}

// A body in which every 4-byte word is its own offset (xor `seed`): a lost, doubled or reordered
// piece shows. Any size (a last partial word is cut from a full one).
function pattern (size, seed) {
  const b = Buffer.alloc(size + 3)
  for (let i = 0; i < size; i += 4) b.writeUInt32LE((i ^ seed) >>> 0, i)
  return b.subarray(0, size)
}

// GETs `url` with `net` and resolves with the status, the whole body (a Buffer), how many chunks
// it came in and the largest; rejects on the request's or the response's error.
// `pauseEvery` (bytes) pauses the response for `pauseMs` each time that much more has arrived:
// a server in the test's own process then fills the socket's buffers meanwhile, so the reads
// after it come back full however busy the machine is (the recycled-block path needs that).
function download (net, url, { pauseEvery = 0, pauseMs = 50 } = {}) {
  return new Promise((resolve, reject) => {
    const request = net.request(url)
    request.on('error', reject)
    request.on('response', (response) => {
      const chunks = []
      let sincePause = 0
      response.on('data', (c) => {
        chunks.push(c)
        sincePause += c.length
        if (pauseEvery && sincePause >= pauseEvery) {
          sincePause = 0
          response.pause()
          setTimeout(() => response.resume(), pauseMs)
        }
      })
      response.on('error', reject)
      response.on('end', () => resolve({
        status: response.statusCode,
        body: Buffer.concat(chunks),
        chunks: chunks.length,
        max: Math.max(0, ...chunks.map((c) => c.length))
      }))
    })
    request.end()
  })
}

// Writes `chunk` to a chunked request over and over, waiting for 'drain' whenever write() asks,
// until `more` bytes went after `answered` (the server's answer) resolved, or the request failed;
// then ends it. Resolves with the bytes written and the outcome: 'finish', the error's message,
// or 'open' if neither came within `ms` of end().
async function uploadPastAnswer (request, answered, { chunk = Buffer.alloc(64 * 1024, 'u'), more = 8 * 1024 * 1024, ms = 5000 } = {}) {
  let answer = false
  answered.then(() => { answer = true })
  const settled = new Promise((resolve) => {
    request.once('finish', () => resolve('finish'))
    request.once('error', (e) => resolve(e.message))
  })
  let written = 0
  let after = 0
  while (after < more && !request.destroyed) {
    const ready = request.write(chunk)
    written += chunk.length
    if (answer) after += chunk.length
    if (!ready) await within(Promise.race([once(request, 'drain'), settled]), ms, `the drain after ${written} bytes`)
  }
  if (!request.destroyed) request.end()
  return { written, outcome: await Promise.race([settled, sleep(ms).then(() => 'open')]) }
}

// POSTs a chunked body to `url` past the server's answer (`uploadPastAnswer`), checks that the
// request settled ('finish' or a net::ERR_* error) instead of hanging, and resolves with the
// bytes written, the outcome and the collected result (response, body, events).
async function postPastAnswer (t, url, answered) {
  const { net } = require('../..')
  const { collect } = require('./listen')
  const request = net.request({ method: 'POST', url })
  request.chunkedEncoding = true
  const events = []
  const done = collect(request, { end: false, events })
  const { written, outcome } = await uploadPastAnswer(request, answered)
  t.not(outcome, 'open', `neither 'finish' nor 'error' after end(); events: ${events}`)
  t.true(outcome === 'finish' || /^net::ERR_/.test(outcome), outcome)
  return { written, outcome, r: await within(done, 5000, 'the response') }
}

module.exports = { sleep, within, pattern, download, uploadPastAnswer, postPastAnswer }
