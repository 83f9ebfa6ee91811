'use strict'

// The `electron-net` command (bin/electron-net.js), run as a child process against servers on
// 127.0.0.1: what it prints, what it writes, how it exits and what the servers received.

const { certs, serveHttps, serveHttp2 } = require('./helpers/tls') // first: sets NODE_EXTRA_CA_CERTS for the children
const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const https = require('node:https')
const os = require('node:os')
const path = require('node:path')
const test = require('ava')
const { listen, recordingServer, serve } = require('./helpers/listen')
const { rawServer } = require('./helpers/raw-server')
const { startForwardProxy, freePort } = require('./helpers/forward-proxy')
const { startSocksServer } = require('./helpers/socks-server')
const pkg = require('../package.json')

const BIN = path.join(__dirname, '..', 'bin', 'electron-net.js')

// One child process at a time (test.serial): each loads the addon and starts its engine.

// The machine's proxy variables would reach the CLI's session (system settings): none here.
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy', 'auto_proxy', 'ftp_proxy', 'SOCKS_SERVER', 'SOCKS_VERSION']
function childEnv (extra = {}) {
  const env = { ...process.env, ...extra }
  for (const name of PROXY_VARIABLES) {
    delete env[name]
    delete env[name.toUpperCase()]
  }
  return env
}

// Runs the CLI; resolves with { code, signal, stdout (Buffer), stderr (string) }. `input` is
// written to its stdin, which is then closed unless `holdStdin`.
function cli (args, { input, env, holdStdin = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env) })
    const out = []
    const err = []
    child.stdout.on('data', (c) => out.push(c))
    child.stderr.on('data', (c) => err.push(c))
    const killer = setTimeout(() => child.kill('SIGKILL'), 30000)
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() })
    })
    child.stdin.on('error', () => {})
    if (holdStdin) child.stdin.write(input)
    else child.stdin.end(input)
    child.on('close', () => child.stdin.destroy())
  })
}

function tempFile (t, name, content) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-net-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, name)
  if (content !== undefined) fs.writeFileSync(file, content)
  return file
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i))

test.serial('should print the body byte for byte on stdout and exit 0', async (t) => {
  const srv = await recordingServer(t, (req, res) => res.end(ALL_BYTES))
  const r = await cli([`${srv.url}/bytes?x=1`])
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.stdout, ALL_BYTES)
  t.is(r.stderr, '')
  t.is(srv.seen.length, 1)
  t.is(srv.seen[0].method, 'GET')
  t.is(srv.seen[0].url, '/bytes?x=1')
})

test.serial('should assume http:// for a URL without a scheme, as curl does', async (t) => {
  const srv = await recordingServer(t)
  const r = await cli([`127.0.0.1:${srv.server.address().port}/plain`])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.toString(), 'ok')
  t.is(srv.seen[0].url, '/plain')
})

test.serial('should send -d values joined with & as a form POST, with -H and -A headers', async (t) => {
  const srv = await recordingServer(t)
  const r = await cli(['-d', 'a=1', '--data', 'b=2', '-H', 'X-One: 1', '--header', 'X-Two: two', '-A', 'my-agent/1.0', srv.url])
  t.is(r.code, 0, r.stderr)
  const seen = srv.seen[0]
  t.is(seen.method, 'POST')
  t.is(seen.body.toString(), 'a=1&b=2')
  t.is(seen.headers['content-type'], 'application/x-www-form-urlencoded')
  t.is(seen.headers['content-length'], '7')
  t.is(seen.headers['x-one'], '1')
  t.is(seen.headers['x-two'], 'two')
  t.is(seen.headers['user-agent'], 'my-agent/1.0')
})

test.serial('should read -d @file without its newlines and keep a Content-Type given with -H', async (t) => {
  const srv = await recordingServer(t)
  const file = tempFile(t, 'form.txt', 'name=x\r\nvalue=y\n')
  const r = await cli(['-X', 'PUT', '-d', `@${file}`, '-d', 'z=1', '-H', 'Content-Type: text/plain', srv.url])
  t.is(r.code, 0, r.stderr)
  t.is(srv.seen[0].method, 'PUT')
  t.is(srv.seen[0].body.toString(), 'name=xvalue=y&z=1')
  t.is(srv.seen[0].headers['content-type'], 'text/plain')
})

test.serial('should send --data-binary @file byte for byte with its Content-Length', async (t) => {
  const srv = await recordingServer(t)
  const content = Buffer.concat([ALL_BYTES, Buffer.from('\r\nline\n')])
  const file = tempFile(t, 'body.bin', content)
  const r = await cli(['--data-binary', `@${file}`, srv.url])
  t.is(r.code, 0, r.stderr)
  t.deepEqual(srv.seen[0].body, content)
  t.is(srv.seen[0].headers['content-length'], String(content.length))
  t.is(srv.seen[0].headers['transfer-encoding'], undefined)
})

test.serial('should stream --data-binary @- from stdin, chunked', async (t) => {
  const srv = await recordingServer(t)
  const input = Buffer.concat([ALL_BYTES, Buffer.from('from stdin\n')])
  const r = await cli(['--data-binary', '@-', srv.url], { input })
  t.is(r.code, 0, r.stderr)
  t.is(srv.seen[0].method, 'POST')
  t.deepEqual(srv.seen[0].body, input)
  t.is(srv.seen[0].headers['transfer-encoding'], 'chunked')
})

test.serial('should URL-encode --data-urlencode content', async (t) => {
  const srv = await recordingServer(t)
  const r = await cli(['--data-urlencode', 'q=a b&c', '--data-urlencode', 'plain!', srv.url])
  t.is(r.code, 0, r.stderr)
  t.is(srv.seen[0].body.toString(), 'q=a%20b%26c&plain%21')
})

test.serial('should exit 26 when the file to upload cannot be read, sending nothing', async (t) => {
  const srv = await recordingServer(t)
  const missing = tempFile(t, 'missing.bin')
  const r = await cli(['--data-binary', `@${missing}`, srv.url])
  t.is(r.code, 26)
  t.is(r.stderr, `electron-net: can't read data from file '${missing}' (ENOENT)\n`)
  t.is(srv.seen.length, 0)
})

test.serial('should write the body to the -o file and nothing to stdout', async (t) => {
  const srv = await listen(t, (req, res) => res.end(ALL_BYTES))
  const file = tempFile(t, 'out.bin')
  const r = await cli(['-o', file, srv.url])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.length, 0)
  t.deepEqual(fs.readFileSync(file), ALL_BYTES)
  const dash = await cli(['-o', '-', srv.url])
  t.deepEqual(dash.stdout, ALL_BYTES, '-o - is stdout')
})

test.serial('should exit 23 when the -o file cannot be written', async (t) => {
  const srv = await listen(t, (req, res) => res.end('body'))
  const file = path.join(tempFile(t, 'no-such-dir'), 'out.bin')
  const r = await cli(['-o', file, srv.url])
  t.is(r.code, 23)
  t.regex(r.stderr, /^electron-net: failed writing the body to '.*out\.bin' \(ENOENT\)\n$/)
})

// A server with a redirect: /moved answers 302 to /target.
async function redirectingServer (t) {
  return recordingServer(t, (req, res) => {
    if (req.url === '/moved') {
      res.writeHead(302, { Location: '/target', 'X-Hop': 'first' })
      res.end('moved body')
    } else if (req.url.startsWith('/loop')) {
      const n = Number(req.url.slice('/loop'.length) || 0)
      res.writeHead(302, { Location: `/loop${n + 1}` })
      res.end()
    } else {
      res.end('target body')
    }
  })
}

test.serial('should not follow a redirect without -L, and print its head with -i', async (t) => {
  const srv = await redirectingServer(t)
  const r = await cli(['-i', `${srv.url}/moved`])
  t.is(r.code, 0, r.stderr)
  t.deepEqual(srv.seen.map((s) => s.url), ['/moved'], 'one request')
  const text = r.stdout.toString()
  t.true(text.startsWith('HTTP/1.1 302 Found\r\n'), text)
  t.true(text.includes('\r\nlocation: /target\r\n'), text)
  t.true(text.includes('\r\nx-hop: first\r\n'), text)
  t.true(text.endsWith('\r\n\r\n'), 'the head only: the redirect body is not delivered')
  t.is(r.stderr, '')
})

test.serial('should follow redirects with -L and print the final body', async (t) => {
  const srv = await redirectingServer(t)
  const r = await cli(['-L', `${srv.url}/moved`])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.toString(), 'target body')
  t.deepEqual(srv.seen.map((s) => s.url), ['/moved', '/target'])
})

test.serial('should exit 47 after --max-redirs redirects', async (t) => {
  const srv = await redirectingServer(t)
  const r = await cli(['-L', '--max-redirs', '2', `${srv.url}/loop`])
  t.is(r.code, 47)
  t.deepEqual(srv.seen.map((s) => s.url), ['/loop', '/loop1', '/loop2'])
  t.is(r.stderr, `electron-net: net::ERR_TOO_MANY_REDIRECTS (more than 2) (${srv.url}/loop)\n`)
})

test.serial('should print the status line and headers as received before the body with -i', async (t) => {
  const srv = await listen(t, (req, res) => {
    res.writeHead(201, 'Made It', [['X-Mixed-Case', 'a'], ['x-dup', '1'], ['X-Dup', '2'], ['Content-Length', '4']])
    res.end('body')
  })
  const r = await cli(['-i', srv.url])
  t.is(r.code, 0, r.stderr)
  const text = r.stdout.toString()
  const [head, body] = text.split('\r\n\r\n')
  const lines = head.split('\r\n')
  t.is(lines[0], 'HTTP/1.1 201 Made It')
  t.deepEqual(lines.slice(1, 5), ['X-Mixed-Case: a', 'x-dup: 1', 'X-Dup: 2', 'Content-Length: 4'])
  t.is(body, 'body')
})

test.serial('should send HEAD and print the head only with -I', async (t) => {
  const srv = await recordingServer(t, (req, res) => {
    res.writeHead(200, { 'Content-Length': 11, 'X-Answer': 'yes' })
    res.end(req.method === 'HEAD' ? undefined : 'hello world')
  })
  const r = await cli(['-I', srv.url])
  t.is(r.code, 0, r.stderr)
  t.is(srv.seen[0].method, 'HEAD')
  const text = r.stdout.toString()
  t.true(text.startsWith('HTTP/1.1 200 OK\r\n'), text)
  t.true(text.includes('\r\nX-Answer: yes\r\n'))
  t.true(text.endsWith('\r\n\r\n'))
  t.false(text.includes('hello'))
})

// 401 with a Basic challenge unless the right credentials come.
async function protectedServer (t) {
  return recordingServer(t, (req, res) => {
    if (req.headers.authorization === 'Basic ' + Buffer.from('alice:s3cret').toString('base64')) {
      res.end('welcome')
    } else {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="cli"' })
      res.end('denied')
    }
  })
}

test.serial('should answer a 401 Basic challenge with -u user:pass', async (t) => {
  const srv = await protectedServer(t)
  const r = await cli(['-u', 'alice:s3cret', srv.url])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.toString(), 'welcome')
  t.is(srv.seen.length, 2)
  t.is(srv.seen[0].headers.authorization, undefined, 'the challenge first')
  t.is(srv.seen[1].headers.authorization, 'Basic ' + Buffer.from('alice:s3cret').toString('base64'))
})

test.serial('should deliver the 401 when the -u credentials are refused, and exit 22 with -f', async (t) => {
  const srv = await protectedServer(t)
  const plain = await cli(['-u', 'alice:wrong', srv.url])
  t.is(plain.code, 0, plain.stderr)
  t.is(plain.stdout.toString(), 'denied')
  const failing = await cli(['-f', '-u', 'alice:wrong', srv.url])
  t.is(failing.code, 22)
  t.is(failing.stdout.length, 0)
  t.is(failing.stderr, `electron-net: The requested URL returned error: 401 (${srv.url}/)\n`)
})

test.serial('should exit 22 on a 404 with -f, without the body, and 0 without -f', async (t) => {
  const srv = await listen(t, (req, res) => { res.writeHead(404); res.end('not here') })
  const failing = await cli(['-f', `${srv.url}/missing`])
  t.is(failing.code, 22)
  t.is(failing.stdout.length, 0)
  t.is(failing.stderr, `electron-net: The requested URL returned error: 404 (${srv.url}/missing)\n`)
  const silent = await cli(['-sf', `${srv.url}/missing`])
  t.is(silent.code, 22)
  t.is(silent.stderr, '', '-s silences the message')
  const shown = await cli(['-sSf', `${srv.url}/missing`])
  t.regex(shown.stderr, /returned error: 404/, '-S shows it again')
  const plain = await cli([`${srv.url}/missing`])
  t.is(plain.code, 0)
  t.is(plain.stdout.toString(), 'not here')
})

test.serial('should send the request through an http proxy given with -x, loopback included', async (t) => {
  const srv = await recordingServer(t)
  const proxy = await startForwardProxy(t)
  const r = await cli(['-x', `http://127.0.0.1:${proxy.port}`, `${srv.url}/via?x=1`])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.toString(), 'ok')
  t.deepEqual(proxy.seen.map((s) => [s.method, s.target]), [['GET', `${srv.url}/via?x=1`]])
  t.is(srv.seen[0].headers.via, proxy.via)
})

test.serial('should answer the proxy\'s 407 with --proxy-user, and with credentials in the -x URL', async (t) => {
  const srv = await recordingServer(t)
  const proxy = await startForwardProxy(t, { user: 'pu', pass: 'pp' })
  const expected = 'Basic ' + Buffer.from('pu:pp').toString('base64')
  const r = await cli(['-x', `127.0.0.1:${proxy.port}`, '-U', 'pu:pp', srv.url])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.toString(), 'ok')
  t.is(proxy.seen.at(-1).auth, expected)
  const inUrl = await cli(['-x', `http://pu:pp@127.0.0.1:${proxy.port}`, srv.url])
  t.is(inUrl.code, 0, inUrl.stderr)
  t.is(proxy.seen.at(-1).auth, expected)
})

test.serial('should tunnel through a socks5:// proxy given with -x', async (t) => {
  const srv = await recordingServer(t)
  const socks = await startSocksServer(t)
  const r = await cli(['-x', `socks5://127.0.0.1:${socks.port}`, `${srv.url}/socks`])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.toString(), 'ok')
  t.is(socks.seen.length, 1)
  t.is(socks.seen[0].version, 5)
  t.is(socks.seen[0].port, srv.server.address().port)
})

test.serial('should exit 5 with net::ERR_PROXY_CONNECTION_FAILED when the proxy cannot be reached', async (t) => {
  const srv = await recordingServer(t)
  const port = await freePort()
  const r = await cli(['-x', `127.0.0.1:${port}`, srv.url])
  t.is(r.code, 5)
  t.is(r.stderr, `electron-net: net::ERR_PROXY_CONNECTION_FAILED (${srv.url}/)\n`)
  t.is(srv.seen.length, 0)
})

test.serial('should give up after --max-time and exit 28 with net::ERR_TIMED_OUT', async (t) => {
  // Answers the head, then never sends the body.
  const srv = await listen(t, (req, res) => { res.writeHead(200, { 'Content-Length': 10 }); res.write('part') })
  const r = await cli(['--max-time', '2', srv.url])
  t.is(r.code, 28)
  t.is(r.stdout.toString(), 'part')
  t.is(r.stderr, `electron-net: net::ERR_TIMED_OUT (${srv.url}/)\n`)
})

test.serial('should count reading the body from stdin in --max-time', async (t) => {
  const srv = await recordingServer(t)
  const r = await cli(['-m', '1', '-d', '@-', srv.url], { input: 'never ends', holdStdin: true })
  t.is(r.code, 28)
  t.is(r.stderr, `electron-net: net::ERR_TIMED_OUT (${srv.url}/)\n`)
  t.is(srv.seen.length, 0, 'nothing sent')
})

test.serial('should exit 7 with net::ERR_CONNECTION_REFUSED for a closed port', async (t) => {
  const port = await freePort()
  const r = await cli([`http://127.0.0.1:${port}/x`])
  t.is(r.code, 7)
  t.is(r.stdout.length, 0)
  t.is(r.stderr, `electron-net: net::ERR_CONNECTION_REFUSED (http://127.0.0.1:${port}/x)\n`)
  const silent = await cli(['-s', `http://127.0.0.1:${port}/x`])
  t.is(silent.code, 7)
  t.is(silent.stderr, '')
})

test.serial('should exit 6 with net::ERR_NAME_NOT_RESOLVED for an unknown host', async (t) => {
  const r = await cli(['http://no-such-host.electron-net-rs.invalid/'])
  t.is(r.code, 6)
  t.is(r.stderr, 'electron-net: net::ERR_NAME_NOT_RESOLVED (http://no-such-host.electron-net-rs.invalid/)\n')
})

test.serial('should exit 52 for an empty reply and 56 for a reset mid-body', async (t) => {
  const empty = await rawServer(t, (socket) => socket.end())
  const r = await cli([empty.url])
  t.is(r.code, 52)
  t.is(r.stderr, `electron-net: net::ERR_EMPTY_RESPONSE (${empty.url}/)\n`)
  const reset = await rawServer(t, (socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome')
    setTimeout(() => socket.resetAndDestroy(), 50)
  })
  const r2 = await cli([reset.url])
  t.is(r2.code, 56)
  t.is(r2.stdout.toString(), 'some')
  t.is(r2.stderr, `electron-net: net::ERR_CONNECTION_RESET (${reset.url}/)\n`)
})

test.serial('should exit 60 for an untrusted certificate, and accept it with -k', async (t) => {
  const { port } = await serve(t, https.createServer({ ...certs.selfSigned }, (req, res) => res.end('secret')), 'secureConnection')
  const url = `https://127.0.0.1:${port}/`
  const r = await cli([url])
  t.is(r.code, 60)
  t.is(r.stderr, `electron-net: net::ERR_CERT_AUTHORITY_INVALID (${url})\n`)
  const insecure = await cli(['-k', url])
  t.is(insecure.code, 0, insecure.stderr)
  t.is(insecure.stdout.toString(), 'secret')
})

test.serial('should fetch https URLs with certificates the system trusts', async (t) => {
  const { port } = await serveHttps(t, (req, res) => res.end('over tls'))
  const r = await cli([`https://127.0.0.1:${port}/`])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.toString(), 'over tls')
})

test.serial('should name HTTP/2 in the -i status line and the -v request line', async (t) => {
  const srv = await serveHttp2(t, (req, res) => {
    res.setHeader('x-over', 'h2')
    res.end('two')
  })
  const r = await cli(['-i', '-v', `${srv.url}/h2`])
  t.is(r.code, 0, r.stderr)
  const [head, body] = r.stdout.toString().split('\r\n\r\n')
  t.is(head.split('\r\n')[0], 'HTTP/2 200')
  t.true(head.split('\r\n').includes('x-over: h2'))
  t.is(body, 'two')
  t.true(r.stderr.includes('> GET /h2 HTTP/2\n'), r.stderr)
  t.true(r.stderr.includes('< HTTP/2 200\n'), r.stderr)
})

test.serial('should print the request head as sent and the response head as received with -v', async (t) => {
  let received = null
  const srv = await listen(t, (req, res) => {
    received = { line: `${req.method} ${req.url} HTTP/${req.httpVersion}`, raw: req.rawHeaders }
    req.resume()
    res.writeHead(200, 'Fine', [['X-Served', 'yes'], ['Content-Length', '2']])
    res.end('ok')
  })
  const port = srv.server.address().port
  const r = await cli(['-v', '-H', 'X-Asked: 1', '-A', 'agent/2', '-d', 'k=v', `${srv.url}/path?q=1`])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.toString(), 'ok', 'the body stays on stdout')
  const lines = r.stderr.split('\n')
  const sent = lines.filter((l) => l.startsWith('>'))
  t.deepEqual(sent, [
    '> POST /path?q=1 HTTP/1.1',
    `> Host: 127.0.0.1:${port}`,
    '> Content-Length: 3',
    '> X-Asked: 1',
    '> User-Agent: agent/2',
    '> Content-Type: application/x-www-form-urlencoded',
    '>'
  ])
  // What -v shows was sent: the request line, and its headers in the order the server got them.
  t.is(sent[0], `> ${received.line}`)
  const wire = []
  for (let i = 0; i < received.raw.length; i += 2) wire.push(`> ${received.raw[i]}: ${received.raw[i + 1]}`)
  const shown = sent.slice(1, -1)
  t.deepEqual(wire.filter((l) => shown.includes(l)), shown, 'each shown header was on the wire, in that order')
  const answer = lines.filter((l) => l.startsWith('<'))
  t.is(answer[0], '< HTTP/1.1 200 Fine')
  t.true(answer.includes('< X-Served: yes'))
  t.true(answer.includes('< Content-Length: 2'))
  t.is(answer.at(-1), '<')
  t.true(lines.some((l) => l.startsWith('* the engine also sends')), 'says which headers it cannot show')
})

test.serial('should say in -v which proxy a request goes through, with an absolute-form request line', async (t) => {
  const srv = await recordingServer(t)
  const proxy = await startForwardProxy(t)
  const r = await cli(['-v', '-x', `127.0.0.1:${proxy.port}`, `${srv.url}/p`])
  t.is(r.code, 0, r.stderr)
  t.true(r.stderr.includes(`* proxy for this URL: PROXY 127.0.0.1:${proxy.port}\n`), r.stderr)
  t.true(r.stderr.includes(`> GET ${srv.url}/p HTTP/1.1\n`), r.stderr)
})

test.serial('should exit 2 on usage errors, 3 on a bad URL and 1 on an unsupported protocol', async (t) => {
  const unknown = await cli(['--no-such-flag', 'http://127.0.0.1/'])
  t.is(unknown.code, 2)
  t.regex(unknown.stderr, /^electron-net: Unknown option '--no-such-flag'[^\n]*\nelectron-net: try 'electron-net --help'\n$/)
  const none = await cli([])
  t.is(none.code, 2)
  t.regex(none.stderr, /no URL specified/)
  const badUrl = await cli(['http://[::1/'])
  t.is(badUrl.code, 3)
  t.is(badUrl.stderr, 'electron-net: bad URL (http://[::1/)\n')
  const ftp = await cli(['ftp://127.0.0.1/file'])
  t.is(ftp.code, 1)
  t.is(ftp.stderr, 'electron-net: protocol "ftp" not supported (ftp://127.0.0.1/file)\n')
  const badHeader = await cli(['-H', 'Bad Name: x', 'http://127.0.0.1:1/'])
  t.is(badHeader.code, 2)
  t.is(badHeader.stderr, 'electron-net: Invalid header name: \'Bad Name\'\n', 'Electron\'s text')
})

test.serial('should print help and version', async (t) => {
  const help = await cli(['--help'])
  t.is(help.code, 0)
  t.regex(help.stdout.toString(), /^Usage: electron-net \[options\] <url>/)
  const version = await cli(['-V'])
  t.is(version.code, 0)
  t.is(version.stdout.toString(), `electron-net-rs ${pkg.version}\n`)
})

test.serial('should declare the bin under both names, so that npx electron-net-rs runs it', (t) => {
  // npm exec runs the bin named after the package when there are several.
  t.deepEqual(pkg.bin, { 'electron-net': 'bin/electron-net.js', 'electron-net-rs': 'bin/electron-net.js' })
  t.true(fs.readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n'))
  t.truthy(fs.statSync(BIN).mode & 0o111, 'executable')
})

// A 3 MiB download and upload: enough for several bar updates.
const BIG = Buffer.alloc(3 * 1024 * 1024, 0x61)

test.serial('should draw no progress bar when stderr is not a terminal', async (t) => {
  const srv = await listen(t, (req, res) => {
    req.resume()
    req.on('end', () => res.end(BIG))
  })
  const file = tempFile(t, 'out.bin')
  const upload = tempFile(t, 'up.bin', BIG)
  const r = await cli(['-o', file, '--data-binary', `@${upload}`, srv.url])
  t.is(r.code, 0, r.stderr)
  t.is(r.stderr, '')
  t.is(fs.statSync(file).size, BIG.length)
})

function hasScript () {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

// util-linux's `script` gives the CLI a pseudo-terminal (stdout and stderr both on it).
const ptyTest = hasScript() ? test.serial : test.skip
const quote = (s) => `'${s.replace(/'/g, "'\\''")}'`

function underTerminal (args) {
  return new Promise((resolve) => {
    const command = [process.execPath, BIN, ...args].map(quote).join(' ')
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    const out = []
    child.stdout.on('data', (c) => out.push(c))
    child.on('close', (code) => resolve({ code, output: Buffer.concat(out).toString() }))
  })
}

ptyTest('should draw upload and download progress bars on a terminal (pseudo-terminal via script)', async (t) => {
  const srv = await listen(t, (req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'Content-Length': BIG.length })
      res.end(BIG)
    })
  })
  const file = tempFile(t, 'out.bin')
  const upload = tempFile(t, 'up.bin', BIG)
  const r = await underTerminal(['-o', file, '--data-binary', `@${upload}`, srv.url])
  t.is(r.code, 0, r.output)
  t.regex(r.output, /upload \[[^\]]*\] 100% 3\.0 MiB \/ 3\.0 MiB/)
  t.regex(r.output, /download \[[^\]]*\] 100% 3\.0 MiB \/ 3\.0 MiB/)
  t.is(fs.statSync(file).size, BIG.length)
  const silent = await underTerminal(['-s', '-o', file, srv.url])
  t.is(silent.code, 0)
  t.false(silent.output.includes('download'), '-s: no bar')
})
