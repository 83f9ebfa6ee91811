//! TLS client configuration: rustls with the system's roots plus `NODE_EXTRA_CA_CERTS`.
//!
//! Node's convention (https://nodejs.org/api/cli.html#node_extra_ca_certsfile): certificates in
//! the file are trusted in addition to the system store. A session takes the file named by
//! `NODE_EXTRA_CA_CERTS` as its thread's `process.env` has it when the session is created
//! (`lib/session.js` passes it): a worker thread's `process.env` is its own copy, which the
//! process environment does not see. ALPN offers h2 then http/1.1, as Chromium does.

use std::ffi::OsString;
use std::sync::{Arc, Mutex};

use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// Configs built so far, by extra CA file: loading the system's roots takes milliseconds, and
/// sessions trusting the same file share one config.
static CONFIGS: Mutex<Vec<(Option<OsString>, Arc<ClientConfig>)>> = Mutex::new(Vec::new());

/// The client config trusting the system's roots and the certificates in `extra_ca` (a PEM file).
pub fn client_config(extra_ca: Option<OsString>) -> Arc<ClientConfig> {
  let mut configs = CONFIGS.lock().unwrap_or_else(|p| p.into_inner());
  if let Some((_, config)) = configs.iter().find(|(path, _)| *path == extra_ca) {
    return config.clone();
  }
  let config = Arc::new(build_config(extra_ca.as_deref()));
  configs.push((extra_ca, config.clone()));
  config
}

fn build_config(extra_ca: Option<&std::ffi::OsStr>) -> ClientConfig {
  let mut roots = RootCertStore::empty();
  // Unreadable individual system certificates are skipped, as Chromium and Node do.
  let native = rustls_native_certs::load_native_certs();
  roots.add_parsable_certificates(native.certs);
  if let Some(path) = extra_ca {
    roots.add_parsable_certificates(read_pem_certs(path));
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
