'use strict'

// The bench's certificates, made at start with the openssl CLI as the tests make theirs
// (__test__/helpers/tls.js): a CA and a server certificate for 127.0.0.1 signed by it, P-256
// keys. Every client trusts the CA (run.js passes its file as NODE_EXTRA_CA_CERTS; client.js
// hands it to undici and node:https as `ca`). Returns null when openssl is not installed.

const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

function makeCerts () {
  if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0) return null
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enrs-bench-tls-'))
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  openssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=electron-net-rs bench CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
  fs.writeFileSync(path.join(dir, 'server.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n')
  openssl('req', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', '2', '-extfile', 'server.cnf')
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    certFile: path.join(dir, 'server.pem'),
    keyFile: path.join(dir, 'server.key')
  }
}

module.exports = { makeCerts }
