'use strict'

// The servers, in processes of their own: nginx from Debian when present (one worker, files on
// disk), else the Rust (hyper) server, for GETs; the Rust sink for uploads (it answers with the
// byte count, so uploads are checked, and drops the bytes in the kernel: see sink.rs).

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')

const RUST_BIN = path.join(__dirname, '..', 'rust', 'target', 'release')

function buildRust () {
  const r = spawnSync('cargo', ['build', '--release', '--quiet', '--manifest-path', path.join(__dirname, '..', 'rust', 'Cargo.toml')], { stdio: 'inherit' })
  if (r.status !== 0) throw new Error('building the Rust bench helpers failed')
}

function startRustServer (name) {
  const child = spawn(path.join(RUST_BIN, name), { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve) => {
    readline.createInterface({ input: child.stdout }).once('line', (port) => {
      resolve({ port: Number(port), stop: () => child.kill() })
    })
  })
}

function hasNginx () {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0
}

// Below Linux's ephemeral range (32768+), so a client connection of an earlier run cannot hold
// the port; a few tries cover a port some other program listens on.
async function startNginx () {
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = await tryNginx(20000 + Math.floor(Math.random() * 12000))
    if (server) return server
  }
  throw new Error('nginx did not start (see its messages above)')
}

async function tryNginx (port) {
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
  }
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
    stop: () => { child.kill('SIGQUIT'); fs.rmSync(dir, { recursive: true, force: true }) }
  }
}

async function startServers () {
  buildRust()
  const sink = await startRustServer('sink')
  const files = hasNginx() ? await startNginx() : await startRustServer('server')
  return {
    kind: `${files.nginx ? 'nginx (1 worker)' : 'Rust (hyper) server'} for GETs, Rust sink (bytes dropped in the kernel) for uploads`,
    base: `http://127.0.0.1:${files.port}`,
    upload: `http://127.0.0.1:${sink.port}/upload`,
    stop: () => { sink.stop(); files.stop() }
  }
}

module.exports = { startServers, RUST_BIN }
