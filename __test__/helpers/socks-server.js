'use strict'

// The tests' SOCKS proxy (v4, v4a and v5 CONNECT, no authentication), on node:net: written here
// because no maintained npm package serves all three and records what a client asked. `seen`
// records each handshake: { version: 4 | 5, socks4a, addressType: 'ipv4' | 'domain' | 'ipv6',
// host, port, methods (v5: the auth methods offered), userId (v4) }.
//
// Options:
// - `reply`: refuse every request with this reply code (v4: 91, 92 or 93; v5: 1 to 8) instead of
//   connecting; `method`: the v5 auth method to choose (0xff: none acceptable).
// - `closeDuringHandshake`: close the connection once the request has arrived, answering nothing.
// Granted requests are relayed to the host and port asked for (a domain name is looked up here,
// as a SOCKS4a or SOCKS5 proxy does). `connections` counts TCP connections accepted.

const net = require('node:net')
const { serve } = require('./listen')

// Reads exactly what `parse(buffer)` asks for: it returns null to wait for more bytes, else
// { value, used }.
function reader (socket) {
  let buffered = Buffer.alloc(0)
  let waiting = null
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk])
    if (waiting) waiting()
  })
  return (parse) => new Promise((resolve, reject) => {
    const attempt = () => {
      const result = parse(buffered)
      if (!result) return
      waiting = null
      buffered = buffered.subarray(result.used)
      resolve({ value: result.value, rest: buffered })
    }
    waiting = attempt
    socket.once('close', () => reject(new Error('closed')))
    attempt()
  })
}

function cString (buf, from) {
  const end = buf.indexOf(0, from)
  return end < 0 ? null : { text: buf.subarray(from, end).toString('latin1'), next: end + 1 }
}

// The v4/v4a request after the version byte: CD, DSTPORT, DSTIP, USERID\0 [, HOST\0].
function parseV4 (b) {
  if (b.length < 8) return null
  const port = b.readUInt16BE(1)
  const ip = [...b.subarray(3, 7)]
  const user = cString(b, 7)
  if (!user) return null
  // 0.0.0.x (x != 0) announces SOCKS4a: a host name follows the user id.
  if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0) {
    const host = cString(b, user.next)
    if (!host) return null
    return { value: { version: 4, socks4a: true, addressType: 'domain', host: host.text, port, userId: user.text }, used: host.next }
  }
  return { value: { version: 4, socks4a: false, addressType: 'ipv4', host: ip.join('.'), port, userId: user.text }, used: user.next }
}

// The v5 greeting after the version byte: NMETHODS, METHODS.
function parseV5Greeting (b) {
  if (b.length < 1 || b.length < 1 + b[0]) return null
  return { value: [...b.subarray(1, 1 + b[0])], used: 1 + b[0] }
}

function parseV5Request (b) {
  if (b.length < 5) return null
  const type = b[3]
  let host, at
  if (type === 1) {
    if (b.length < 10) return null
    host = [...b.subarray(4, 8)].join('.')
    at = 8
  } else if (type === 3) {
    if (b.length < 5 + b[4] + 2) return null
    host = b.subarray(5, 5 + b[4]).toString('latin1')
    at = 5 + b[4]
  } else if (type === 4) {
    if (b.length < 22) return null
    host = b.subarray(4, 20).toString('hex').match(/.{4}/g).join(':')
    at = 20
  } else {
    return { value: { command: b[1], addressType: 'unknown' }, used: b.length }
  }
  const addressType = { 1: 'ipv4', 3: 'domain', 4: 'ipv6' }[type]
  return { value: { command: b[1], addressType, host, port: b.readUInt16BE(at) }, used: at + 2 }
}

const V4_GRANTED = Buffer.from([0, 90, 0, 0, 0, 0, 0, 0])
const v5Reply = (code) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0])

async function startSocksServer (t, { reply, method = 0, closeDuringHandshake = false } = {}) {
  const proxy = { port: 0, seen: [], connections: 0 }
  const server = net.createServer(async (socket) => {
    proxy.connections++
    socket.on('error', () => {})
    const read = reader(socket)
    try {
      const { value: version } = await read((b) => b.length ? { value: b[0], used: 1 } : null)
      let asked
      if (version === 4) {
        asked = (await read(parseV4)).value
        proxy.seen.push(asked)
        if (closeDuringHandshake) return socket.destroy()
        if (reply !== undefined) return socket.end(Buffer.from([0, reply, 0, 0, 0, 0, 0, 0]))
      } else if (version === 5) {
        const { value: methods } = await read(parseV5Greeting)
        socket.write(Buffer.from([5, method]))
        if (method !== 0) return socket.end()
        const { value: request } = await read(parseV5Request)
        asked = { version: 5, methods, ...request }
        proxy.seen.push(asked)
        if (closeDuringHandshake) return socket.destroy()
        if (reply !== undefined) return socket.end(v5Reply(reply))
      } else {
        return socket.destroy()
      }
      // The client sends nothing more before the reply: the handshake reader can go.
      socket.removeAllListeners('data')
      let connected = false
      const upstream = net.connect(asked.port, asked.host, () => {
        connected = true
        socket.write(version === 4 ? V4_GRANTED : v5Reply(0))
        upstream.pipe(socket)
        socket.pipe(upstream)
      })
      const close = () => { upstream.destroy(); socket.destroy() }
      // Unreachable before the reply: a refusal (v4: 91, v5: 5, connection refused).
      upstream.on('error', () => connected ? close() : socket.end(version === 4 ? Buffer.from([0, 91, 0, 0, 0, 0, 0, 0]) : v5Reply(5)))
      socket.on('close', close)
    } catch {
      socket.destroy()
    }
  })
  const { port } = await serve(t, server)
  proxy.port = port
  return proxy
}

module.exports = { startSocksServer }
