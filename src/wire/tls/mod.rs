//! TLS client configuration: rustls with the system's roots plus `NODE_EXTRA_CA_CERTS`, the
//! session's `setSSLConfig` settings, and where the certificate verdict is decided.
//!
//! Node's convention (https://nodejs.org/api/cli.html#node_extra_ca_certsfile): certificates in
//! the file are trusted in addition to the system store. A session takes the file named by
//! `NODE_EXTRA_CA_CERTS` as its thread's `process.env` has it when the session is created
//! (`lib/session.js` passes it): a worker thread's `process.env` is its own copy, which the
//! process environment does not see. ALPN offers h2 then http/1.1, as Chromium does.
//!
//! Trust (docs/ARCHITECTURE.md "Where trust is decided"): every config verifies with
//! [`verify::ChromiumOrderVerifier`], which names a bad chain as Chromium's
//! `MapCertStatusToNetError` would. Each [`TlsConfigs`] holds two configs: `enforcing` fails the
//! handshake on a bad chain (no verify proc: the fast path), `deferring` lets the handshake finish
//! and leaves the decision to [`TrustHook`], which the pool awaits before it uses the connection
//! (a session with `setCertificateVerifyProc`: the proc runs on the JS thread, and rustls's
//! verifier cannot wait for it). Signatures (`verify_tls12/13_signature`) are always rustls's.

pub mod settings;
pub mod stream;
pub mod verify;

use std::ffi::OsString;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::errors::NetError;
pub use settings::TlsSettings;
pub use stream::TlsStream;
pub use verify::{ChromiumOrderVerifier, DefaultVerdict};

/// What a session's TLS connections use, for one (extra CA file, settings) pair.
pub struct TlsConfigs {
  /// `None`: the settings leave nothing to offer (every cipher suite disabled): every https
  /// request fails with `net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH`.
  pub enforcing: Option<Arc<ClientConfig>>,
  pub deferring: Option<Arc<ClientConfig>>,
  pub verifier: Arc<ChromiumOrderVerifier>,
}

/// The session's decision on a certificate chain once the handshake is done (`request::trust`
/// implements it: the verify proc, its cache). The future must end when its request is dropped.
pub trait TrustHook: Send + Sync {
  /// Whether connections must be verified by [`TrustHook::decide`] (a verify proc is set).
  fn deferred(&self) -> bool;
  /// The verdict on `chain` (leaf first) for `hostname`, given the default one.
  fn decide(
    &self,
    hostname: &str,
    chain: Vec<CertificateDer<'static>>,
    default: DefaultVerdict,
  ) -> Pin<Box<dyn Future<Output = Result<(), NetError>> + Send>>;
}

type Key = (Option<OsString>, TlsSettings);

/// Configs built so far: loading the system's roots takes milliseconds, and sessions with the
/// same extra CA file and settings share them.
static CONFIGS: Mutex<Vec<(Key, Arc<TlsConfigs>)>> = Mutex::new(Vec::new());

/// Roots loaded so far, by extra CA file (the system's part is shared by all).
static ROOTS: Mutex<Vec<(Option<OsString>, Arc<Roots>)>> = Mutex::new(Vec::new());

/// The trust anchors: all of them, and the system's alone (`isIssuedByKnownRoot`).
pub struct Roots {
  pub all: Arc<RootCertStore>,
  pub system: Arc<RootCertStore>,
}

/// The configs trusting the system's roots and the certificates in `extra_ca` (a PEM file),
/// with `settings` applied.
pub fn client_configs(extra_ca: Option<OsString>, settings: &TlsSettings) -> Arc<TlsConfigs> {
  let key = (extra_ca, settings.clone());
  let mut configs = CONFIGS.lock().unwrap_or_else(|p| p.into_inner());
  if let Some((_, config)) = configs.iter().find(|(k, _)| *k == key) {
    return config.clone();
  }
  let roots = roots(&key.0);
  let config = Arc::new(build_configs(&roots, settings));
  configs.push((key, config.clone()));
  config
}

fn roots(extra_ca: &Option<OsString>) -> Arc<Roots> {
  let mut all = ROOTS.lock().unwrap_or_else(|p| p.into_inner());
  if let Some((_, roots)) = all.iter().find(|(path, _)| path == extra_ca) {
    return roots.clone();
  }
  let system = match all.first() {
    Some((_, roots)) => roots.system.clone(),
    None => {
      let mut system = RootCertStore::empty();
      // Unreadable individual system certificates are skipped, as Chromium and Node do.
      system.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
      Arc::new(system)
    }
  };
  let mut with_extra = (*system).clone();
  if let Some(path) = extra_ca {
    with_extra.add_parsable_certificates(read_pem_certs(path));
  }
  let roots = Arc::new(Roots {
    all: Arc::new(with_extra),
    system,
  });
  all.push((extra_ca.clone(), roots.clone()));
  roots
}

fn build_configs(roots: &Roots, settings: &TlsSettings) -> TlsConfigs {
  let provider = Arc::new(settings.provider());
  let verifier = Arc::new(ChromiumOrderVerifier::new(
    roots.all.clone(),
    roots.system.clone(),
    provider.clone(),
  ));
  let build = |defer: bool| -> Option<Arc<ClientConfig>> {
    let builder = ClientConfig::builder_with_provider(provider.clone())
      .with_protocol_versions(&settings.versions())
      // No usable version and suite left (e.g. every suite disabled).
      .ok()?;
    let mut config = builder
      .dangerous()
      .with_custom_certificate_verifier(verifier.for_handshake(defer))
      .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Some(Arc::new(config))
  };
  TlsConfigs {
    enforcing: build(false),
    deferring: build(true),
    verifier,
  }
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
