'use strict'

// Certificates generated at test time with the openssl CLI: a CA that the engine trusts through
// NODE_EXTRA_CA_CERTS (Node's convention), leaves signed by it (valid, expired, wrong name) and a
// self-signed one. Requiring this module sets NODE_EXTRA_CA_CERTS for this process, which the
// engine reads when its first TLS connection is made: require it before making any request.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-net-rs-tls-'))
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

function openssl (...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
}

function read (name) {
  return fs.readFileSync(path.join(dir, name))
}

openssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=electron-net-rs test CA',
  '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')

function leaf (name, { san = 'IP:127.0.0.1,DNS:localhost', days = '2', selfSigned = false } = {}) {
  const ext = `${name}.cnf`
  fs.writeFileSync(path.join(dir, ext), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`)
  if (selfSigned) {
    openssl('req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', days, '-subj', '/CN=127.0.0.1',
      '-addext', `subjectAltName=${san}`)
  } else {
    openssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=127.0.0.1')
    // A negative validity puts notAfter before now: an expired certificate.
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', days, '-extfile', ext)
  }
  return { key: read(`${name}.key`), cert: read(`${name}.pem`) }
}

const certs = {
  ca: read('ca.pem'),
  valid: leaf('valid'),
  expired: leaf('expired', { days: '-1' }),
  wrongName: leaf('wrong-name', { san: 'DNS:somewhere-else.test' }),
  selfSigned: leaf('self-signed', { selfSigned: true })
}

process.env.NODE_EXTRA_CA_CERTS = path.join(dir, 'ca.pem')

// A node:http2 TLS server on 127.0.0.1 with the test CA's certificate.
async function serveHttp2 (t, handler) {
  const http2 = require('node:http2')
  const { serve } = require('./listen')
  const { server, port } = await serve(t, http2.createSecureServer({ ...certs.valid }, handler), 'session')
  return { server, port, url: `https://127.0.0.1:${port}` }
}

module.exports = { certs, serveHttp2 }
