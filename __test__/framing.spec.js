'use strict'

// HTTP/1.1 response framing as Chromium applies it: how a response head is found, assembled and
// checked, and how a chunked body is read. Each case cites the Chromium file it follows. Every
// case runs against a GET, a buffered POST and a chunked POST, and asserts the exact result,
// Electron's event order (reference §4) and that a normal request right after succeeds.

const { certs } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS
const path = require('node:path')
const tls = require('node:tls')
const test = require('ava')
const { net } = require('..')
const { serve } = require('./helpers/listen')
const { runNode } = require('./helpers/child')
const { rawServer, observe, expectHealthy, expectEvents, expectOutcome, KINDS, ORDERS } = require('./helpers/raw-server')

const chunkedHead = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
const line16k = 'x'.repeat(16 * 1024 - 8)

// [title, response, expected: { error, partial? } | { status, body, headers? }]; `partial` (the
// body delivered before the failure) marks a failure after 'response' (scenario D).
const CASES = [
  // net/http/http_chunked_decoder.cc, HttpChunkedDecoder::ParseChunkSize: `^\X+[ ]*$` (after
  // dropping chunk extensions), fitting a signed 64-bit integer; anything else is
  // ERR_INVALID_CHUNKED_ENCODING.
  ['sends a chunk size with leading white space', chunkedHead + ' 5\r\nhello\r\n0\r\n\r\n',
    { error: 'net::ERR_INVALID_CHUNKED_ENCODING', partial: '' }],
  ['sends a chunk size with a trailing tab', chunkedHead + '5\t\r\nhello\r\n0\r\n\r\n',
    { error: 'net::ERR_INVALID_CHUNKED_ENCODING', partial: '' }],
  ['sends a chunk size with a sign', chunkedHead + '+5\r\nhello\r\n0\r\n\r\n',
    { error: 'net::ERR_INVALID_CHUNKED_ENCODING', partial: '' }],
  ['sends a chunk size with a 0x prefix', chunkedHead + '0x5\r\nhello\r\n0\r\n\r\n',
    { error: 'net::ERR_INVALID_CHUNKED_ENCODING', partial: '' }],
  ['sends a chunk size over 2^63 - 1', chunkedHead + '2\r\nok\r\n8000000000000000\r\nhello\r\n0\r\n\r\n',
    { error: 'net::ERR_INVALID_CHUNKED_ENCODING', partial: 'ok' }],
  ['sends an empty chunk-size line', chunkedHead + '2\r\nok\r\n\r\nhello\r\n0\r\n\r\n',
    { error: 'net::ERR_INVALID_CHUNKED_ENCODING', partial: 'ok' }],
  ['sends chunk sizes with trailing spaces, leading zeros and extensions',
    chunkedHead + '5   \r\nhello\r\n0006;name="a;b" \r\n world\r\n0 ; last\r\nX-Trailer: 1\r\n\r\n',
    { status: 200, body: 'hello world' }],
  ['sends a chunk-size line of 16 KiB (extensions)', chunkedHead + `2;${line16k}\r\nok\r\n0\r\n\r\n`,
    { status: 200, body: 'ok' }],
  ['sends a chunk-size line over 16 KiB', chunkedHead + `2;${line16k}xxxxxxxxx\r\nok\r\n0\r\n\r\n`,
    { error: 'net::ERR_INVALID_CHUNKED_ENCODING', partial: '' }],
  // net/http/http_stream_parser.cc, HttpStreamParser::ParseResponseHeaders (HttpUtil::
  // HeadersContainMultipleCopiesOfField): differing copies are a response-smuggling risk;
  // identical ones are fine.
  ['sends two different Location headers',
    'HTTP/1.1 200 OK\r\nLocation: /a\r\nContent-Length: 2\r\nLocation: /b\r\n\r\nok',
    { error: 'net::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION' }],
  ['sends the same Location header twice',
    'HTTP/1.1 200 OK\r\nLocation: /a\r\nContent-Length: 2\r\nLocation: /a\r\n\r\nok',
    { status: 200, body: 'ok', headers: { location: '/a' } }],
  ['sends two different Content-Disposition headers',
    'HTTP/1.1 200 OK\r\nContent-Disposition: inline\r\nContent-Disposition: attachment\r\nContent-Length: 2\r\n\r\nok',
    { error: 'net::ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION' }],
  // net/http/http_util.cc, HttpUtil::AssembleRawHeaders: the status line ends at the first CR or
  // LF, header lines at any run of CR and LF, so a bare CR ends a line.
  ['ends header lines with a bare CR',
    'HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\nContent-Length: 2\r\n\r\nok',
    { status: 200, body: 'ok', headers: { 'x-a': '1', 'x-b': '2' } }],
  ['ends the status line with a bare CR',
    'HTTP/1.1 200 Fine\rX-A: 1\r\nContent-Length: 2\r\n\r\nok',
    { status: 200, body: 'ok', statusMessage: 'Fine', headers: { 'x-a': '1' } }],
  // net/http/http_response_headers.cc, HttpResponseHeaders::TryToCreate refuses a head with a NUL.
  ['sends a NUL in a header value', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok',
    { error: 'net::ERR_INVALID_HTTP_RESPONSE' }]
]

for (const [title, response, expected] of CASES) {
  for (const [kind, make] of Object.entries(KINDS)) {
    test(`should handle a server that ${title} (${kind})`, async (t) => {
      const srv = await rawServer(t, (s) => s.end(response))
      const { options, body, chunked } = make()
      const r = await observe(net.request({ ...options, url: srv.url }), { body, chunked })
      expectOutcome(t, r, expected)
      await expectHealthy(t)
    })
  }
}

// net/http/http_stream_parser.cc, HttpStreamParser::FindAndParseResponseHeaders: the search for
// the end of the head carries over from one read to the next, so a large head arriving a byte or
// two at a time costs linear work. The server runs in a child with the request, on its JS thread,
// which then reads the head in as many reads as the server made writes (~170,000): re-parsing
// the head from its start on every read took 25 s there, and is stopped at 15 s.
test.serial('should read a 250 KiB head that arrives one or two bytes per write in a few seconds', async (t) => {
  t.timeout(30000)
  const run = await runNode([path.join(__dirname, 'fixtures', 'slow-head.js')])
  t.truthy(run.output, `no result (killed: ${run.killed}, ${run.exitedAt - run.startedAt} ms) ${run.stderr}`)
  if (!run.output) return
  const { status, last, body, ms, reads, error } = run.output
  t.is(error, undefined)
  t.is(status, 200)
  t.is(last, 'v'.repeat(40), 'the last header line arrived')
  t.is(body, 'ok')
  t.true(reads > 50000, `the head came in ${reads} reads`)
  t.log(`${run.output.bytes} bytes in ${reads} reads, ${ms} ms`)
})

// net/http/http_stream_parser.cc, HttpStreamParser::HandleReadHeaderResult: a head cut off by
// the close is delivered over http (the whole buffer parsed as the head, no body) but is
// ERR_RESPONSE_HEADERS_TRUNCATED over https, where the truncation could be an attack.
test('should fail a head cut off by the close over https with net::ERR_RESPONSE_HEADERS_TRUNCATED', async (t) => {
  const server = tls.createServer({ ...certs.valid }, (s) => {
    s.on('error', () => {})
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B'))
  })
  const { port } = await serve(t, server, 'secureConnection')
  const r = await observe(net.request(`https://127.0.0.1:${port}/`))
  t.is(r.error && r.error.message, 'net::ERR_RESPONSE_HEADERS_TRUNCATED')
  expectEvents(t, r, ORDERS.failedBeforeHeaders)
})

test('should deliver a head cut off by the close over http with no body, even if it announced one', async (t) => {
  const srv = await rawServer(t, (s) => s.end('HTTP/1.1 201 Created\r\nContent-Length: 10\r\nX-A: 1\r\nX-B: 2'))
  const r = await observe(net.request(srv.url))
  t.is(r.error, null)
  t.is(r.response.statusCode, 201)
  t.is(r.response.headers['x-a'], '1')
  t.is(r.response.headers['x-b'], '2')
  t.is(r.body, '')
  expectEvents(t, r, ORDERS.success)
  await expectHealthy(t)
})
