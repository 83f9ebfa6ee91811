'use strict'

// The servers, in processes of their own: nginx from Debian when present (one worker, files on
// disk), else the Rust (hyper) server, for GETs; the Rust sink for uploads (it answers with the
// byte count, so uploads are checked, and drops the bytes in the kernel: see sink.rs).
//
// The TLS workloads (W6-W11) get two more origins, TLS 1.3 with a certificate from a CA made here
// by openssl (lib/certs.js): `https`, HTTP/1.1 only (no h2 in ALPN, so every client speaks
// HTTP/1.1 there), and `h2`, where ALPN picks h2. Both also answer /proto (the protocol spoken),
// /conn (a number per connection) and /fresh/1k (1 KiB, then the server closes the connection:
// W11), logging for each /fresh/ request whether its TLS session was resumed.

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { makeCerts } = require('./certs')

const RUST_BIN = path.join(__dirname, '..', 'rust', 'target', 'release')

function buildRust () {
  const r = spawnSync('cargo', ['build', '--release', '--quiet', '--manifest-path', path.join(__dirname, '..', 'rust', 'Cargo.toml')], { stdio: 'inherit' })
  if (r.status !== 0) throw new Error('building the Rust bench helpers failed')
}

function startRustServer (name, args = []) {
  const child = spawn(path.join(RUST_BIN, name), args, { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve) => {
    readline.createInterface({ input: child.stdout }).once('line', (port) => {
      resolve({ port: Number(port), stop: () => child.kill() })
    })
  })
}

// nginx's version ([1, 22, 1]), or null when it is not installed.
function nginxVersion () {
  const r = spawnSync('nginx', ['-v'], { encoding: 'utf8' })
  if (r.status !== 0) return null
  const m = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(r.stderr + r.stdout)
  return m ? m.slice(1).map(Number) : [0, 0, 0]
}

// Below Linux's ephemeral range (32768+), so a client connection of an earlier run cannot hold
// the port; a few tries cover a port some other program listens on.
async function startNginx (version, certs) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = await tryNginx(20000 + Math.floor(Math.random() * 12000), version, certs)
    if (server) return server
  }
  throw new Error('nginx did not start (see its messages above)')
}

// The two TLS servers (ports port+1 and port+2): TLS 1.3 only, nginx's defaults otherwise (session
// tickets on, so clients may resume; 16 KiB TLS records; no sendfile under TLS).
function tlsServers (port, dir, version, certs) {
  if (!certs) return ''
  // `http2 on` replaced `listen ... http2` in nginx 1.25.1 (Debian 12 has 1.22).
  const newHttp2 = version[0] > 1 || (version[0] === 1 && (version[1] > 25 || (version[1] === 25 && version[2] >= 1)))
  const server = (listen, extra) => `
  server {
    listen ${listen};
    ${extra}
    ssl_certificate ${certs.certFile};
    ssl_certificate_key ${certs.keyFile};
    ssl_protocols TLSv1.3;
    root ${dir};
    location / { default_type application/octet-stream; add_header Cache-Control "no-store"; }
    location = /proto { default_type text/plain; add_header Cache-Control "no-store"; return 200 "$server_protocol"; }
    location = /conn { default_type text/plain; add_header Cache-Control "no-store"; return 200 "$connection"; }
    # W11: no keep-alive here, so nginx answers \`Connection: close\` and closes after the response,
    # whatever the client; the log says per request whether the TLS session was resumed.
    location /fresh/ {
      alias ${dir}/;
      default_type application/octet-stream;
      add_header Cache-Control "no-store";
      keepalive_timeout 0;
      access_log ${dir}/fresh.log resumption;
    }
  }`
  return server(`127.0.0.1:${port + 1} ssl`, '') +
    (newHttp2 ? server(`127.0.0.1:${port + 2} ssl`, 'http2 on;') : server(`127.0.0.1:${port + 2} ssl http2`, ''))
}

async function tryNginx (port, version, certs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enrs-bench-nginx-'))
  fs.writeFileSync(path.join(dir, '1k'), Buffer.alloc(1024, 'k'))
  fs.writeFileSync(path.join(dir, '64k'), Buffer.alloc(64 * 1024, 'k'))
  const big = fs.openSync(path.join(dir, '256m'), 'w')
  const block = Buffer.alloc(1024 * 1024, 'm')
  for (let i = 0; i < 256; i++) fs.writeSync(big, block)
  fs.closeSync(big)
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  log_format resumption '$ssl_session_reused $request_uri';
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  server {
    listen 127.0.0.1:${port};
    root ${dir};
    # No response here may be cached (W1-W5 measure the network), except under /cached/ (fresh
    # for an hour: W1c) and /revalidate/ (ETag, revalidated every time: W1v).
    location / { default_type application/octet-stream; add_header Cache-Control "no-store"; }
    location /cached/ { alias ${dir}/; default_type application/octet-stream; add_header Cache-Control "max-age=3600"; }
    location /revalidate/ { alias ${dir}/; default_type application/octet-stream; add_header Cache-Control "no-cache"; }
  }${tlsServers(port, dir, version, certs)}
}
`)
  const child = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'inherit' })
  const state = { exited: false }
  child.once('exit', () => { state.exited = true })
  // Wait until it accepts connections, or has given up (a port already taken).
  const net = require('node:net')
  let ok = false
  for (let i = 0; i < 100 && !ok && !state.exited; i++) {
    ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true) })
      s.on('error', () => resolve(false))
    })
    if (!ok) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (!ok || state.exited) {
    child.kill('SIGKILL')
    fs.rmSync(dir, { recursive: true, force: true })
    return null
  }
  return {
    port,
    nginx: true,
    https: certs && `https://127.0.0.1:${port + 1}`,
    h2: certs && `https://127.0.0.1:${port + 2}`,
    freshLog: path.join(dir, 'fresh.log'),
    stop: () => { child.kill('SIGQUIT'); fs.rmSync(dir, { recursive: true, force: true }) }
  }
}

// Without nginx: the Rust server three times, plain, TLS with HTTP/1.1 only, and TLS with h2.
async function startRustServers (certs) {
  const plain = await startRustServer('server')
  if (!certs) return plain
  const freshLog = path.join(certs.dir, 'fresh.log')
  const https = await startRustServer('server', ['tls', certs.certFile, certs.keyFile, 'h1', freshLog])
  const h2 = await startRustServer('server', ['tls', certs.certFile, certs.keyFile, 'h2', path.join(certs.dir, 'fresh-h2.log')])
  return {
    port: plain.port,
    https: `https://127.0.0.1:${https.port}`,
    h2: `https://127.0.0.1:${h2.port}`,
    freshLog,
    stop: () => { plain.stop(); https.stop(); h2.stop() }
  }
}

async function startServers () {
  buildRust()
  // The CA and server certificate for W6-W11; without the openssl CLI those are skipped.
  const certs = makeCerts()
  const sink = await startRustServer('sink')
  const version = nginxVersion()
  const files = version ? await startNginx(version, certs) : await startRustServers(certs)
  return {
    kind: `${files.nginx ? 'nginx (1 worker; TLS 1.3, HTTP/1.1 and h2 on ports of their own)' : 'Rust (hyper) server (TLS: rustls, TLS 1.3)'} for GETs, Rust sink (bytes dropped in the kernel) for uploads`,
    base: `http://127.0.0.1:${files.port}`,
    upload: `http://127.0.0.1:${sink.port}/upload`,
    // Only with certificates (else null: run.js skips the TLS workloads and says why).
    https: files.https || null,
    h2: files.h2 || null,
    caFile: certs ? certs.caFile : null,
    freshLog: files.freshLog || null,
    tlsMissing: certs ? null : 'the openssl command is not installed (it makes the bench CA)',
    stop: () => {
      sink.stop()
      files.stop()
      if (certs) fs.rmSync(certs.dir, { recursive: true, force: true })
    }
  }
}

module.exports = { startServers, RUST_BIN }
