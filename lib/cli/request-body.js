'use strict'

// The request body from -d / --data-binary / --data-raw / --data-urlencode, read as curl reads
// them. One `--data-binary @file` or `@-` alone is streamed (a file with its length known, stdin
// chunked, as curl sends them); anything else is joined with '&' into one buffer.

const fs = require('node:fs')

class ReadError extends Error {
  constructor (source, cause) {
    super(`can't read data from ${source === '-' ? 'stdin' : `file '${source}'`} (${cause.code || cause.message})`)
  }
}

function readAll (stream) {
  return new Promise((resolve, reject) => {
    const chunks = []
    stream.on('data', (c) => chunks.push(c))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}

async function readSource (source, stdin) {
  try {
    return source === '-' ? await readAll(stdin) : await fs.promises.readFile(source)
  } catch (error) {
    throw new ReadError(source, error)
  }
}

// curl's URL encoding: everything but the unreserved characters of RFC 3986 §2.3.
function urlEncode (bytes) {
  return encodeURIComponent(bytes.toString()).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

async function partBytes ({ kind, value }, stdin) {
  if (kind === 'raw' || ((kind === 'ascii' || kind === 'binary') && !value.startsWith('@'))) {
    return Buffer.from(value)
  }
  if (kind === 'ascii') {
    // curl drops carriage returns and newlines from a file read with -d.
    const bytes = await readSource(value.slice(1), stdin)
    return Buffer.from(bytes.toString('latin1').replace(/[\r\n]/g, ''), 'latin1')
  }
  if (kind === 'binary') return readSource(value.slice(1), stdin)
  // --data-urlencode: content, =content, name=content, @file, name@file.
  const match = /^([^=@]*)([=@])([\s\S]*)$/.exec(value)
  if (!match) return Buffer.from(urlEncode(Buffer.from(value)))
  const [, name, sign, rest] = match
  const content = sign === '@' ? await readSource(rest, stdin) : Buffer.from(rest)
  return Buffer.from((name ? `${name}=` : '') + urlEncode(content))
}

// Resolves with null (no body), { buffer }, { file: { stream, size } } or { stdin: stream };
// rejects with ReadError.
async function requestBody (parts, stdin) {
  if (parts.length === 0) return null
  if (parts.length === 1 && parts[0].kind === 'binary' && parts[0].value.startsWith('@')) {
    const source = parts[0].value.slice(1)
    if (source === '-') return { stdin }
    // Opened now, so that a missing file fails before anything is sent.
    let fd
    try {
      fd = fs.openSync(source, 'r')
    } catch (error) {
      throw new ReadError(source, error)
    }
    const { size } = fs.fstatSync(fd)
    return { file: { stream: fs.createReadStream(null, { fd }), size, source } }
  }
  const buffers = []
  for (const part of parts) buffers.push(await partBytes(part, stdin))
  const joined = []
  buffers.forEach((b, i) => { if (i > 0) joined.push(Buffer.from('&')); joined.push(b) })
  return { buffer: Buffer.concat(joined) }
}

module.exports = { requestBody, ReadError }
