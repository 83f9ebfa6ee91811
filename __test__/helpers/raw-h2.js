'use strict'

// A raw HTTP/2 server, framed by hand on a TLS socket (ALPN `h2`, the test CA's certificate:
// the client speaks HTTP/2 only over TLS), for what node:http2 cannot be made to do: send a
// GOAWAY whose last stream id is below a stream it has already received (`session.goaway()`
// after accepting a stream keeps that stream open), so that the client must send it again.
//
// It reads the client preface, sends an empty SETTINGS, ACKs the client's, answers PING and
// ignores PRIORITY, WINDOW_UPDATE, RST_STREAM and GOAWAY. The request's HPACK block is kept as
// bytes, not decoded: tests tell requests apart by connection and stream id. Each TLS
// connection is a `Connection` (numbered from 1) that records the HEADERS frames and the
// streams it saw; `onHeaders(conn, stream)` is called once a stream's header block is complete,
// `onRequest(conn, stream)` once its END_STREAM arrived (the body, if any, in `stream.body`).
// Answers are `conn.respond()`, `conn.goaway()`. Closed when the ava test ends.

const tls = require('node:tls')
const { certs } = require('./tls')
const { serve } = require('./listen')

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
const DATA = 0x0
const HEADERS = 0x1
const SETTINGS = 0x4
const PING = 0x6
const GOAWAY = 0x7
const CONTINUATION = 0x9
const END_STREAM = 0x1
const ACK = 0x1
const END_HEADERS = 0x4
const PADDED = 0x8
const PRIORITY = 0x20

// One frame: the 9-byte header (24-bit length, type, flags, 31-bit stream id), then `payload`.
function frame (type, flags, id, payload = Buffer.alloc(0)) {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.length, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(id & 0x7fffffff, 5)
  return Buffer.concat([head, payload])
}

// HPACK, no Huffman, no indexing: `:status 200` is static entry 8 (0x88); every other header
// is a literal without indexing with a literal name (0x00, name length, name, value length,
// value; lengths below 127).
function headerBlock (headers) {
  const parts = [Buffer.from([0x88])]
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase())
    const v = Buffer.from(String(value))
    parts.push(Buffer.from([0x00, n.length]), n, Buffer.from([v.length]), v)
  }
  return Buffer.concat(parts)
}

// A payload without its padding (PADDED: a pad-length byte first, that many bytes at the end).
function unpad (flags, payload) {
  if (!(flags & PADDED)) return payload
  return payload.subarray(1, payload.length - payload[0])
}

class Connection {
  constructor (socket, index, handlers) {
    this.socket = socket
    this.index = index
    this.handlers = handlers
    this.headersFrames = 0
    // Stream id -> { id, block (HPACK bytes), data (Buffers), body, ended, headersDone,
    // endsWithHeaders }, in the order the streams opened.
    this.streams = new Map()
    this.buffer = Buffer.alloc(0)
    this.prefaced = false
    this.continuing = null // the stream whose header block goes on in CONTINUATION frames
    socket.write(frame(SETTINGS, 0, 0))
    socket.on('data', (chunk) => this.receive(chunk))
  }

  // Stream ids in the order their HEADERS came.
  get streamIds () {
    return [...this.streams.keys()]
  }

  // GOAWAY: streams above `lastStreamId` were not processed.
  goaway (lastStreamId, code = 0) {
    const payload = Buffer.alloc(8)
    payload.writeUInt32BE(lastStreamId, 0)
    payload.writeUInt32BE(code, 4)
    this.socket.write(frame(GOAWAY, 0, 0, payload))
  }

  // A 200 with `headers` and `body`, ending the stream.
  respond (id, body, headers = {}) {
    this.socket.write(frame(HEADERS, END_HEADERS, id, headerBlock(headers)))
    this.socket.write(frame(DATA, END_STREAM, id, Buffer.from(body)))
  }

  receive (chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk])
    if (!this.prefaced) {
      if (this.buffer.length < PREFACE.length) return
      if (!this.buffer.subarray(0, PREFACE.length).equals(PREFACE)) return this.socket.destroy()
      this.prefaced = true
      this.buffer = this.buffer.subarray(PREFACE.length)
    }
    while (this.buffer.length >= 9) {
      const length = this.buffer.readUIntBE(0, 3)
      if (this.buffer.length < 9 + length) return
      const type = this.buffer[3]
      const flags = this.buffer[4]
      const id = this.buffer.readUInt32BE(5) & 0x7fffffff
      const payload = this.buffer.subarray(9, 9 + length)
      this.buffer = this.buffer.subarray(9 + length)
      this.onFrame(type, flags, id, payload)
    }
  }

  onFrame (type, flags, id, payload) {
    if (type === SETTINGS && !(flags & ACK)) return this.socket.write(frame(SETTINGS, ACK, 0))
    if (type === PING && !(flags & ACK)) return this.socket.write(frame(PING, ACK, 0, payload))
    if (type === HEADERS) {
      this.headersFrames++
      let block = unpad(flags, payload)
      if (flags & PRIORITY) block = block.subarray(5) // stream dependency and weight
      const endsWithHeaders = Boolean(flags & END_STREAM)
      const stream = { id, block, data: [], body: null, ended: false, headersDone: false, endsWithHeaders }
      this.streams.set(id, stream)
      return this.headerBlockPart(stream, flags)
    }
    if (type === CONTINUATION && this.continuing) {
      const stream = this.continuing
      stream.block = Buffer.concat([stream.block, payload])
      return this.headerBlockPart(stream, flags)
    }
    if (type === DATA && this.streams.has(id)) {
      const stream = this.streams.get(id)
      stream.data.push(Buffer.from(unpad(flags, payload)))
      if (flags & END_STREAM) this.end(stream)
    }
    // Anything else (WINDOW_UPDATE, PRIORITY, RST_STREAM, GOAWAY, ACKs) needs no answer.
  }

  headerBlockPart (stream, flags) {
    if (!(flags & END_HEADERS)) {
      this.continuing = stream
      return
    }
    this.continuing = null
    stream.headersDone = true
    if (this.handlers.onHeaders) this.handlers.onHeaders(this, stream)
    if (stream.endsWithHeaders) this.end(stream)
  }

  end (stream) {
    stream.ended = true
    stream.body = Buffer.concat(stream.data)
    if (this.handlers.onRequest) this.handlers.onRequest(this, stream)
  }
}

// Listens on 127.0.0.1, port 0. Resolves with { url, port, connections } (the `Connection`s in
// the order their TLS handshakes completed).
async function rawH2Server (t, handlers = {}) {
  const connections = []
  const server = tls.createServer({ ...certs.valid, ALPNProtocols: ['h2'] }, (socket) => {
    socket.on('error', () => {})
    if (socket.alpnProtocol !== 'h2') return socket.destroy()
    connections.push(new Connection(socket, connections.length + 1, handlers))
  })
  server.on('tlsClientError', () => {})
  // Tracks every TCP socket, handshake done or not, so that teardown leaves none open.
  const { port } = await serve(t, server, 'connection')
  return { port, url: `https://127.0.0.1:${port}`, connections }
}

module.exports = { rawH2Server, frame, PREFACE }
