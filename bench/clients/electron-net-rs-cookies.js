'use strict'

// The cost of cookies (issue 18): this project's net.request with `useSessionCookies: true`
// against an in-memory session holding 20 cookies for the server's host, so every request
// looks cookies up, sends a `Cookie` header of 20 pairs, and reads the responses for
// `Set-Cookie`. Not in the default run: `node run.js --clients=electron-net-rs,electron-net-rs-cookies`.
const { net, session } = require(process.env.ELECTRON_NET_RS_BENCH_PACKAGE || '../..')

const ses = session.fromPartition('bench-cookies')
let ready = null

function fill (url) {
  const origin = new URL(url).origin
  const sets = []
  for (let i = 0; i < 20; i++) {
    sets.push(ses.cookies.set({ url: origin, name: `cookie${i}`, value: `value-${i}-${'x'.repeat(16)}`, path: '/' }))
  }
  return Promise.all(sets)
}

function request (url) {
  return new Promise((resolve, reject) => {
    const req = net.request({ url, session: ses, useSessionCookies: true })
    req.on('error', reject)
    req.on('response', (response) => {
      let n = 0
      response.on('data', (chunk) => { n += chunk.length })
      response.on('end', () => resolve(n))
      response.on('error', reject)
    })
    req.end()
  })
}

async function get (url) {
  if (ready === null) ready = fill(url)
  await ready
  return request(url)
}

module.exports = { get, text: require('./electron-net-rs').text, upload: require('./electron-net-rs').upload }
