//! Electron's `Certificate` object, from DER (`shell/common/gin_converters/net_converter.cc`
//! `Converter<scoped_refptr<net::X509Certificate>>::ToV8`): `data` PEM, `issuer`/`subject`
//! principals and their display names, `serialNumber` as upper-case hex of the DER integer,
//! `validStart`/`validExpiry` in seconds, `fingerprint` as `sha256/<base64>`
//! (`net::HashValue::ToString`). Parsed with `x509-parser`; hashed with ring.

use base64::Engine;
use rustls::pki_types::CertificateDer;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

/// Chromium's `CertPrincipal`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
  pub common_name: String,
  pub organizations: Vec<String>,
  pub organization_units: Vec<String>,
  pub locality: String,
  pub state: String,
  pub country: String,
}

impl Principal {
  /// `CertPrincipal::GetDisplayName`: the common name, else the first organization, else the
  /// first unit.
  pub fn display_name(&self) -> String {
    if !self.common_name.is_empty() {
      return self.common_name.clone();
    }
    self
      .organizations
      .first()
      .or(self.organization_units.first())
      .cloned()
      .unwrap_or_default()
  }
}

/// One certificate of a chain; `issuerCert` is the next one of the chain (JS links them).
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateInfo {
  pub data: String,
  pub issuer: Principal,
  pub subject: Principal,
  pub serial_number: String,
  pub valid_start: f64,
  pub valid_expiry: f64,
  pub fingerprint: String,
}

/// SHA-256 of the DER bytes.
pub fn sha256(der: &[u8]) -> [u8; 32] {
  let digest = ring::digest::digest(&ring::digest::SHA256, der);
  let mut out = [0; 32];
  out.copy_from_slice(digest.as_ref());
  out
}

/// `X509Certificate::GetPEMEncoded`: 64-character lines.
pub fn pem(der: &[u8]) -> String {
  let b64 = base64::engine::general_purpose::STANDARD.encode(der);
  let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 60);
  out.push_str("-----BEGIN CERTIFICATE-----\n");
  for line in b64.as_bytes().chunks(64) {
    out.push_str(std::str::from_utf8(line).unwrap_or_default());
    out.push('\n');
  }
  out.push_str("-----END CERTIFICATE-----\n");
  out
}

fn principal(name: &X509Name<'_>) -> Principal {
  let text = |attr: &x509_parser::x509::AttributeTypeAndValue<'_>| -> String {
    attr
      .as_str()
      .map(str::to_string)
      .unwrap_or_else(|_| String::from_utf8_lossy(attr.attr_value().data).into_owned())
  };
  let all = |iter: &mut dyn Iterator<Item = &x509_parser::x509::AttributeTypeAndValue<'_>>| {
    iter.map(text).collect::<Vec<_>>()
  };
  let first = |iter: &mut dyn Iterator<Item = &x509_parser::x509::AttributeTypeAndValue<'_>>| {
    iter.next().map(text).unwrap_or_default()
  };
  Principal {
    common_name: first(&mut name.iter_common_name()),
    organizations: all(&mut name.iter_organization()),
    organization_units: all(&mut name.iter_organizational_unit()),
    locality: first(&mut name.iter_locality()),
    state: first(&mut name.iter_state_or_province()),
    country: first(&mut name.iter_country()),
  }
}

/// The certificate's fields; `None` when it does not parse (the chain stops there).
pub fn describe(der: &CertificateDer<'_>) -> Option<CertificateInfo> {
  let (_, cert) = X509Certificate::from_der(der).ok()?;
  let validity = cert.validity();
  Some(CertificateInfo {
    data: pem(der),
    issuer: principal(cert.issuer()),
    subject: principal(cert.subject()),
    serial_number: cert
      .raw_serial()
      .iter()
      .map(|b| format!("{b:02X}"))
      .collect(),
    valid_start: validity.not_before.timestamp() as f64,
    valid_expiry: validity.not_after.timestamp() as f64,
    fingerprint: format!(
      "sha256/{}",
      base64::engine::general_purpose::STANDARD.encode(sha256(der))
    ),
  })
}

/// A chain (leaf first), up to the first certificate that does not parse.
pub fn describe_chain(chain: &[CertificateDer<'_>]) -> Vec<CertificateInfo> {
  chain.iter().map_while(describe).collect()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn pem_lines_are_64_characters() {
    let text = pem(&[7u8; 100]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
    assert_eq!(lines[1].len(), 64);
    assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
    assert!(text.ends_with('\n'));
  }

  #[test]
  fn display_name_falls_back_like_chromium() {
    let mut p = Principal {
      organizations: vec!["Org".into()],
      organization_units: vec!["Unit".into()],
      ..Principal::default()
    };
    assert_eq!(p.display_name(), "Org");
    p.organizations.clear();
    assert_eq!(p.display_name(), "Unit");
    p.common_name = "CN".into();
    assert_eq!(p.display_name(), "CN");
  }

  #[test]
  fn garbage_is_not_a_certificate() {
    assert!(describe(&CertificateDer::from(vec![1, 2, 3])).is_none());
  }
}
