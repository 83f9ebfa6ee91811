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

// A CA the engine does not trust, and an intermediate under it (servers present leaf + intermediate).
openssl('req', '-x509', ...EC, '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=Untrusted Root/O=electron-net-rs/OU=tests/L=Here/ST=State/C=FR',
  '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
fs.writeFileSync(path.join(dir, 'intermediate.cnf'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n')
openssl('req', ...EC, '-keyout', 'other-intermediate.key', '-out', 'other-intermediate.csr', '-subj', '/CN=Untrusted Intermediate/O=electron-net-rs')
openssl('x509', '-req', '-in', 'other-intermediate.csr', '-CA', 'other-ca.pem', '-CAkey', 'other-ca.key', '-CAcreateserial',
  '-out', 'other-intermediate.pem', '-days', '2', '-extfile', 'intermediate.cnf')

// `ca`: the file stem of the CA that signs it ('ca' is trusted; 'other-ca' and
// 'other-intermediate' are not). `days: '-1'` makes it expired.
function leaf (name, { san = 'IP:127.0.0.1,DNS:localhost', days = '2', selfSigned = false, ca = 'ca' } = {}) {
  const ext = `${name}.cnf`
  fs.writeFileSync(path.join(dir, ext), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`)
  if (selfSigned) {
    openssl('req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', days, '-subj', '/CN=127.0.0.1',
      '-addext', `subjectAltName=${san}`)
  } else {
    openssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=127.0.0.1')
    // A negative validity puts notAfter before now: an expired certificate.
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
      '-out', `${name}.pem`, '-days', days, '-extfile', ext)
  }
  return { key: read(`${name}.key`), cert: read(`${name}.pem`) }
}

const certs = {
  ca: read('ca.pem'),
  valid: leaf('valid'),
  expired: leaf('expired', { days: '-1' }),
  wrongName: leaf('wrong-name', { san: 'DNS:somewhere-else.test' }),
  selfSigned: leaf('self-signed', { selfSigned: true }),
  // Two faults at once, for Chromium's precedence (net/cert/cert_status_flags.cc).
  untrustedExpired: leaf('untrusted-expired', { ca: 'other-ca', days: '-1' }),
  untrustedWrongName: leaf('untrusted-wrong-name', { ca: 'other-ca', san: 'DNS:somewhere-else.test' }),
  expiredWrongName: leaf('expired-wrong-name', { days: '-1', san: 'DNS:somewhere-else.test' }),
  // Leaf + intermediate under the untrusted root, as a server presents them.
  untrustedChain: (() => {
    const { key, cert } = leaf('untrusted-chain', { ca: 'other-intermediate' })
    return { key, cert: Buffer.concat([cert, read('other-intermediate.pem')]) }
  })(),
  otherCa: read('other-ca.pem')
}

process.env.NODE_EXTRA_CA_CERTS = path.join(dir, 'ca.pem')

// A node:http2 TLS server on 127.0.0.1 with the test CA's certificate; `options` go to
// http2.createSecureServer (e.g. `settings`).
async function serveHttp2 (t, handler, options = {}) {
  const http2 = require('node:http2')
  const { serve } = require('./listen')
  const { server, port } = await serve(t, http2.createSecureServer({ ...certs.valid, ...options }, handler), 'session')
  return { server, port, url: `https://127.0.0.1:${port}` }
}

// A node:https server on 127.0.0.1 with the test CA's valid certificate.
function serveHttps (t, handler) {
  const https = require('node:https')
  const { serve } = require('./listen')
  return serve(t, https.createServer({ ...certs.valid }, handler), 'secureConnection')
}

module.exports = { certs, serveHttp2, serveHttps }
