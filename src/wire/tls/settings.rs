//! `ses.setSSLConfig` on rustls: versions and disabled cipher suites.
//!
//! Chromium's floor is TLS 1.2 and rustls has only 1.2 and 1.3, so the versions map one to one.
//! `disabledCipherSuites` removes TLS 1.2 suites only: Chromium hands the list to BoringSSL's
//! cipher string (`SSLClientSocketImpl::Init`), which configures TLS 1.0-1.2 suites; TLS 1.3
//! suites cannot be turned off there. A number rustls does not implement changes nothing.

use rustls::crypto::CryptoProvider;
use rustls::SupportedProtocolVersion;

/// What `setSSLConfig` set; the default offers TLS 1.2 and 1.3 with every suite.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
  /// `minVersion: 'tls1.3'`.
  pub min_tls13: bool,
  /// `maxVersion: 'tls1.2'`.
  pub max_tls12: bool,
  /// IANA numbers, sorted, as Electron sorts them.
  pub disabled_suites: Vec<u16>,
}

impl TlsSettings {
  /// The versions to offer, highest first; empty when min is above max (every https request then
  /// fails with `net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH`).
  pub fn versions(&self) -> Vec<&'static SupportedProtocolVersion> {
    let mut versions = Vec::with_capacity(2);
    if !self.max_tls12 {
      versions.push(&rustls::version::TLS13);
    }
    if !self.min_tls13 {
      versions.push(&rustls::version::TLS12);
    }
    versions
  }

  /// ring's provider without the disabled TLS 1.2 suites.
  pub fn provider(&self) -> CryptoProvider {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites.retain(|suite| {
      suite.tls13().is_some()
        || self
          .disabled_suites
          .binary_search(&u16::from(suite.suite()))
          .is_err()
    });
    provider
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn disabling_removes_tls12_suites_only() {
    let settings = TlsSettings {
      // ECDHE-ECDSA-AES128-GCM-SHA256, TLS_AES_128_GCM_SHA256, and one rustls lacks.
      disabled_suites: vec![0x009c, 0x1301, 0xc02b],
      ..TlsSettings::default()
    };
    let suites: Vec<u16> = settings
      .provider()
      .cipher_suites
      .iter()
      .map(|s| u16::from(s.suite()))
      .collect();
    assert!(!suites.contains(&0xc02b));
    assert!(
      suites.contains(&0x1301),
      "TLS 1.3 suites stay, as in Chromium"
    );
    assert!(suites.contains(&0xc02c));
  }

  #[test]
  fn versions_follow_min_and_max() {
    let both = TlsSettings::default().versions();
    assert_eq!(both.len(), 2);
    let only13 = TlsSettings {
      min_tls13: true,
      ..TlsSettings::default()
    };
    assert_eq!(only13.versions().len(), 1);
    assert_eq!(
      only13.versions()[0].version,
      rustls::ProtocolVersion::TLSv1_3
    );
    let none = TlsSettings {
      min_tls13: true,
      max_tls12: true,
      ..TlsSettings::default()
    };
    assert!(none.versions().is_empty());
  }
}
