//! Naming a bad certificate chain as Chromium does.
//!
//! webpki stops at its first failure (for an expired leaf that no trusted root signed, that is
//! the date), while Chromium computes every status flag and reports the most serious one
//! (`net/cert/cert_status_flags.cc` `MapCertStatusToNetError`: INVALID, REVOKED,
//! AUTHORITY_INVALID, COMMON_NAME_INVALID, ..., DATE_INVALID). So the flags are found one by one:
//! the chain is checked again at an instant when all of its certificates are valid (what remains
//! is about the authority or the name), the name on its own, and the dates on their own.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_name, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

use crate::errors::{classify_tls, NetError};

/// The verdict without a verify proc: what `request.verificationResult`/`errorCode` show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultVerdict {
  pub result: Result<(), NetError>,
  /// The chain ends at one of the system's roots (not an extra CA): `isIssuedByKnownRoot`.
  pub known_root: bool,
}

#[derive(Debug)]
pub struct ChromiumOrderVerifier {
  roots: Arc<RootCertStore>,
  all: Arc<WebPkiServerVerifier>,
  system: Arc<WebPkiServerVerifier>,
}

/// Chromium's order of the flags this verifier can find, most serious first.
const PRECEDENCE: [NetError; 5] = [
  NetError::ERR_CERT_INVALID,
  NetError::ERR_CERT_REVOKED,
  NetError::ERR_CERT_AUTHORITY_INVALID,
  NetError::ERR_CERT_COMMON_NAME_INVALID,
  NetError::ERR_CERT_DATE_INVALID,
];

impl ChromiumOrderVerifier {
  pub fn new(
    all: Arc<RootCertStore>,
    system: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
  ) -> ChromiumOrderVerifier {
    let build = |roots: Arc<RootCertStore>| -> Arc<WebPkiServerVerifier> {
      let verifier = if roots.is_empty() {
        // webpki refuses an empty store; one with only the extra CA's certificates, or none,
        // still has to answer (everything is untrusted).
        WebPkiServerVerifier::builder_with_provider(Arc::new(placeholder_roots()), provider.clone())
      } else {
        WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
      };
      verifier.build().expect("a non-empty root store builds")
    };
    ChromiumOrderVerifier {
      roots: all.clone(),
      all: build(all),
      system: build(system),
    }
  }

  /// The verifier a handshake runs: `defer` lets every chain through (its verdict is decided
  /// after the handshake, see [`super::TrustHook`]); signatures are checked either way.
  pub fn for_handshake(self: &Arc<Self>, defer: bool) -> Arc<dyn ServerCertVerifier> {
    Arc::new(Handshake {
      inner: self.clone(),
      defer,
    })
  }

  /// Chromium's name for what is wrong with `end_entity` + `intermediates` for `name` at `now`.
  pub fn verdict(
    &self,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    name: &ServerName<'_>,
    now: UnixTime,
  ) -> Result<(), NetError> {
    let Err(at_now) = self
      .all
      .verify_server_cert(end_entity, intermediates, name, &[], now)
    else {
      return Ok(());
    };
    let mut flags = vec![classify_tls(&at_now)];
    // The chain again when its dates are fine: what fails then is the authority or the name.
    let at_instant = valid_instant(end_entity, intermediates).map(|instant| {
      self
        .all
        .verify_server_cert(end_entity, intermediates, name, &[], instant)
    });
    match at_instant {
      Some(Ok(_)) => {}
      Some(Err(e)) if classify_tls(&e) != NetError::ERR_CERT_DATE_INVALID => {
        flags.push(classify_tls(&e))
      }
      // No instant makes the chain valid (a window that ends before it starts): webpki cannot
      // say whether a trusted root issued it, so the issuer names decide.
      _ => {
        if !self.names_an_anchor(end_entity, intermediates) {
          flags.push(NetError::ERR_CERT_AUTHORITY_INVALID);
        }
      }
    }
    if let Ok(parsed) = ParsedCertificate::try_from(end_entity) {
      if verify_server_name(&parsed, name).is_err() {
        flags.push(NetError::ERR_CERT_COMMON_NAME_INVALID);
      }
    }
    if !dates_cover(end_entity, intermediates, now) {
      flags.push(NetError::ERR_CERT_DATE_INVALID);
    }
    Err(most_serious(&flags))
  }

  /// Whether a certificate of the chain names one of the trusted roots as its issuer (used only
  /// when the dates keep webpki from building the path).
  fn names_an_anchor(
    &self,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
  ) -> bool {
    std::iter::once(end_entity).chain(intermediates).any(|der| {
      let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return false;
      };
      // An anchor's subject is the Name's contents, without its SEQUENCE header.
      let issuer = cert.issuer().as_raw();
      self.roots.roots.iter().any(|anchor| {
        let subject: &[u8] = anchor.subject.as_ref();
        issuer.len() > subject.len()
          && issuer.len() - subject.len() <= 4
          && issuer.ends_with(subject)
      })
    })
  }

  /// The verdict and `isIssuedByKnownRoot` for a chain presented in a handshake (leaf first).
  pub fn default_verdict(
    &self,
    chain: &[CertificateDer<'_>],
    name: &ServerName<'_>,
    now: UnixTime,
  ) -> DefaultVerdict {
    let Some((end_entity, intermediates)) = chain.split_first() else {
      return DefaultVerdict {
        result: Err(NetError::ERR_CERT_INVALID),
        known_root: false,
      };
    };
    let result = self.verdict(end_entity, intermediates, name, now);
    let at = valid_instant(end_entity, intermediates).unwrap_or(now);
    let known_root = match self
      .system
      .verify_server_cert(end_entity, intermediates, name, &[], at)
    {
      Ok(_) => true,
      Err(Error::InvalidCertificate(
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
      )) => true,
      Err(_) => false,
    };
    DefaultVerdict { result, known_root }
  }
}

/// `MapCertStatusToNetError` over the flags found (an unknown name comes after the known ones).
pub fn most_serious(flags: &[NetError]) -> NetError {
  PRECEDENCE
    .iter()
    .find(|e| flags.contains(e))
    .or(flags.first())
    .copied()
    .unwrap_or(NetError::ERR_CERT_INVALID)
}

/// The validity windows (seconds since the epoch) of the certificates that parse.
fn windows<'a>(certs: impl Iterator<Item = &'a CertificateDer<'a>>) -> Vec<(i64, i64)> {
  certs
    .filter_map(|der| {
      let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
      let validity = cert.validity();
      Some((
        validity.not_before.timestamp(),
        validity.not_after.timestamp(),
      ))
    })
    .collect()
}

/// An instant when every certificate of the chain is valid (the middle of the common window), or
/// the middle of the leaf's own window when they have none in common.
fn valid_instant(
  end_entity: &CertificateDer<'_>,
  intermediates: &[CertificateDer<'_>],
) -> Option<UnixTime> {
  let all = windows(std::iter::once(end_entity).chain(intermediates));
  let leaf = *all.first()?;
  let start = all.iter().map(|w| w.0).max()?;
  let end = all.iter().map(|w| w.1).min()?;
  let (start, end) = if start <= end { (start, end) } else { leaf };
  let middle = start + (end - start) / 2;
  Some(UnixTime::since_unix_epoch(Duration::from_secs(
    middle.max(0) as u64,
  )))
}

/// Whether `now` is inside the window of every certificate of the chain.
fn dates_cover(
  end_entity: &CertificateDer<'_>,
  intermediates: &[CertificateDer<'_>],
  now: UnixTime,
) -> bool {
  let now = now.as_secs() as i64;
  windows(std::iter::once(end_entity).chain(intermediates))
    .iter()
    .all(|(start, end)| *start <= now && now <= *end)
}

/// The error a handshake fails with for `e`: the rustls variant that [`classify_tls`] names the
/// same way.
fn as_rustls(e: NetError) -> Error {
  let cert = match e {
    NetError::ERR_CERT_AUTHORITY_INVALID => CertificateError::UnknownIssuer,
    NetError::ERR_CERT_COMMON_NAME_INVALID => CertificateError::NotValidForName,
    NetError::ERR_CERT_DATE_INVALID => CertificateError::Expired,
    NetError::ERR_CERT_REVOKED => CertificateError::Revoked,
    _ => CertificateError::BadEncoding,
  };
  Error::InvalidCertificate(cert)
}

/// A store with one made-up anchor, which signs nothing.
fn placeholder_roots() -> RootCertStore {
  let mut roots = RootCertStore::empty();
  roots.roots.push(rustls::pki_types::TrustAnchor {
    subject: rustls::pki_types::Der::from_slice(b"\x30\x00"),
    subject_public_key_info: rustls::pki_types::Der::from_slice(b"\x30\x00"),
    name_constraints: None,
  });
  roots
}

#[derive(Debug)]
struct Handshake {
  inner: Arc<ChromiumOrderVerifier>,
  defer: bool,
}

impl ServerCertVerifier for Handshake {
  fn verify_server_cert(
    &self,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    _ocsp_response: &[u8],
    now: UnixTime,
  ) -> Result<ServerCertVerified, Error> {
    if self.defer {
      return Ok(ServerCertVerified::assertion());
    }
    self
      .inner
      .verdict(end_entity, intermediates, server_name, now)
      .map(|()| ServerCertVerified::assertion())
      .map_err(as_rustls)
  }

  fn verify_tls12_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, Error> {
    self.inner.all.verify_tls12_signature(message, cert, dss)
  }

  fn verify_tls13_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, Error> {
    self.inner.all.verify_tls13_signature(message, cert, dss)
  }

  fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
    self.inner.all.supported_verify_schemes()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn precedence_is_chromiums() {
    use NetError as E;
    let pick = |flags: &[NetError]| most_serious(flags);
    assert_eq!(
      pick(&[E::ERR_CERT_DATE_INVALID, E::ERR_CERT_AUTHORITY_INVALID]),
      E::ERR_CERT_AUTHORITY_INVALID
    );
    assert_eq!(
      pick(&[E::ERR_CERT_DATE_INVALID, E::ERR_CERT_COMMON_NAME_INVALID]),
      E::ERR_CERT_COMMON_NAME_INVALID
    );
    assert_eq!(
      pick(&[
        E::ERR_CERT_COMMON_NAME_INVALID,
        E::ERR_CERT_AUTHORITY_INVALID
      ]),
      E::ERR_CERT_AUTHORITY_INVALID
    );
    assert_eq!(
      pick(&[E::ERR_CERT_AUTHORITY_INVALID, E::ERR_CERT_INVALID]),
      E::ERR_CERT_INVALID
    );
    assert_eq!(pick(&[E::ERR_CERT_DATE_INVALID]), E::ERR_CERT_DATE_INVALID);
  }

  #[test]
  fn handshake_errors_name_back_to_the_same_error() {
    for e in PRECEDENCE {
      assert_eq!(classify_tls(&as_rustls(e)), e);
    }
  }
}
