'use strict'

// A real HTTP proxy for the tests: Debian's tinyproxy (`apt-get install tinyproxy`), run in the
// foreground on a free 127.0.0.1 port with a generated config, stopped when the ava test ends.
// `log()` is what it printed so far (LogLevel Info names each request it served).

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const BINARY = process.env.TINYPROXY || 'tinyproxy'

function freePort () {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

// Options: `auth: [user, pass]` turns on `BasicAuth`; `connectPorts` lists the ports CONNECT may
// reach (tinyproxy allows every port when there is no `ConnectPort` line).
async function startTinyproxy (t, { auth, connectPorts = [] } = {}) {
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-net-rs-tinyproxy-'))
  const conf = path.join(dir, 'tinyproxy.conf')
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    'Allow 127.0.0.1',
    'LogLevel Info',
    'MaxClients 50',
    ...connectPorts.map((p) => `ConnectPort ${p}`)
  ]
  if (auth) lines.push(`BasicAuth ${auth[0]} ${auth[1]}`)
  fs.writeFileSync(conf, lines.join('\n') + '\n')
  const child = spawn(BINARY, ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk
      if (output.includes('Accepting connections')) resolve()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', (e) => reject(new Error(`cannot run ${BINARY} (Debian: apt-get install tinyproxy): ${e.message}`)))
    child.on('exit', (code) => reject(new Error(`tinyproxy exited (${code}): ${output}`)))
  })
  t.teardown(() => {
    child.kill()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  await ready
  return { port, log: () => output }
}

module.exports = { startTinyproxy, freePort }
