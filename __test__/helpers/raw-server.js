'use strict'

// A raw node:net server that misbehaves on purpose. `behave(socket, request)` is called once
// the request head (and, for requests with a body, the whole body) has arrived; `request` is
// { head, body } as received. Closed when the ava test ends.

const net = require('node:net')

function headEnd (buffer) {
  const i = buffer.indexOf('\r\n\r\n')
  return i === -1 ? -1 : i + 4
}

// Length of a complete chunked body at the start of `buffer`, or -1 while incomplete.
function chunkedEnd (buffer) {
  let offset = 0
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', offset)
    if (lineEnd === -1) return -1
    const size = parseInt(buffer.subarray(offset, lineEnd).toString(), 16)
    offset = lineEnd + 2 + size + 2
    if (offset > buffer.length) return -1
    if (size === 0) return offset
  }
}

async function rawServer (t, behave, { waitForBody = true } = {}) {
  const sockets = new Set()
  const requests = []
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffer = Buffer.alloc(0)
    let answered = false
    socket.on('data', (data) => {
      if (answered) return
      buffer = Buffer.concat([buffer, data])
      const end = headEnd(buffer)
      if (end === -1) return
      const head = buffer.subarray(0, end).toString('latin1')
      const rest = buffer.subarray(end)
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)
      const chunked = /\r\ntransfer-encoding: *chunked/i.test(head)
      let bodyEnd = 0
      if (waitForBody && length) bodyEnd = rest.length >= Number(length[1]) ? Number(length[1]) : -1
      if (waitForBody && chunked) bodyEnd = chunkedEnd(rest)
      if (bodyEnd === -1) return
      answered = true
      const request = { head, body: rest.subarray(0, bodyEnd) }
      requests.push(request)
      behave(socket, request)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    return new Promise((resolve) => server.close(() => resolve()))
  })
  const { port } = server.address()
  return { port, url: `http://127.0.0.1:${port}`, requests }
}

module.exports = { rawServer }
