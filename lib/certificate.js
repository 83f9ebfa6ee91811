'use strict'

// Electron's `Certificate` and the `request` a certificate verify proc gets (reference §10;
// shell/common/gin_converters/net_converter.cc, shell/browser/net/cert_verifier_client.cc).
// The engine parses the chain (src/request/trust/certificate.rs); here the certificates are
// linked through `issuerCert` and the proc gets its one-time callback.

const errors = require('./errors')
const bridge = require('./bridge')

// chain[i] with issuerCert = chain[i + 1], ...; the last one has none (Electron sets issuerCert
// from the certificate's intermediates, so a lone or self-signed certificate has none).
function linkChain (chain, i = 0) {
  if (i >= chain.length) return undefined
  const c = chain[i]
  const cert = {
    data: c.data,
    issuer: c.issuer,
    issuerName: c.issuerName,
    subject: c.subject,
    subjectName: c.subjectName,
    serialNumber: c.serialNumber,
    validStart: c.validStart,
    validExpiry: c.validExpiry,
    fingerprint: c.fingerprint
  }
  const issuer = linkChain(chain, i + 1)
  if (issuer) cert.issuerCert = issuer
  return cert
}

// The dispatcher the native session calls for each verification (on this thread).
function dispatcher (proc) {
  return (info) => {
    const request = {
      hostname: info.hostname,
      certificate: linkChain(info.certificate),
      validatedCertificate: linkChain(info.validatedCertificate),
      isIssuedByKnownRoot: info.isIssuedByKnownRoot,
      verificationResult: info.verificationResult,
      errorCode: info.errorCode
    }
    let called = false
    // Electron's callback is a gin OnceCallback<void(int)>: a second call throws, and an
    // argument that is not an int32 throws too (after using up the callback). Where Electron's
    // request would then wait forever, ours fails with net::ERR_FAILED.
    const callback = function (code) {
      if (called) throw errors.oneTimeCallbackCalledTwice()
      called = true
      if (arguments.length === 0) {
        bridge.binding().certVerifyDone(info.id, -2)
        throw errors.insufficientArguments()
      }
      if (typeof code !== 'number' || (code | 0) !== code) {
        bridge.binding().certVerifyDone(info.id, -2)
        throw errors.conversionFailure(0, code)
      }
      bridge.binding().certVerifyDone(info.id, code)
    }
    proc(request, callback)
  }
}

module.exports = { dispatcher }
