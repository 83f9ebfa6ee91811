//! TLS client configuration: rustls with the system's roots plus `NODE_EXTRA_CA_CERTS`.
//!
//! Node's convention (https://nodejs.org/api/cli.html#node_extra_ca_certsfile): certificates in
//! the file are trusted in addition to the system store. The variable and the file are read
//! once, when the process makes its first TLS connection ([`client_config`] is built lazily),
//! so a process may set it any time before its first https request. ALPN offers h2 then
//! http/1.1, as Chromium does.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();

/// The process-wide client config (sessions share it until per-session TLS settings exist).
pub fn client_config() -> Arc<ClientConfig> {
  CONFIG.get_or_init(|| Arc::new(build_config())).clone()
}

fn build_config() -> ClientConfig {
  let mut roots = RootCertStore::empty();
  // Unreadable individual system certificates are skipped, as Chromium and Node do.
  let native = rustls_native_certs::load_native_certs();
  roots.add_parsable_certificates(native.certs);
  if let Some(path) = std::env::var_os("NODE_EXTRA_CA_CERTS") {
    roots.add_parsable_certificates(read_pem_certs(&path));
  }
  let provider = Arc::new(rustls::crypto::ring::default_provider());
  let mut config = ClientConfig::builder_with_provider(provider)
    .with_safe_default_protocol_versions()
    .expect("ring supports the default protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
  config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
  config
}

/// Certificates from a PEM file; a missing or malformed file adds nothing (Node only warns).
fn read_pem_certs(path: &std::ffi::OsStr) -> Vec<CertificateDer<'static>> {
  let Ok(bytes) = std::fs::read(path) else {
    return Vec::new();
  };
  rustls_pemfile::certs(&mut bytes.as_slice())
    .filter_map(Result::ok)
    .collect()
}
