//! A session's TLS settings (`ses.setSSLConfig`) and the extra CA file it trusts, and the changes
//! `setCertificateVerifyProc`/`setSSLConfig` make to a session.

use std::ffi::OsString;
use std::sync::{Arc, Mutex};

use crate::request::session::SessionInner;
use crate::request::trust::VerifyProc;
use crate::wire::tls::{client_configs, TlsConfigs, TlsSettings};

pub struct TlsState {
  extra_ca: Option<OsString>,
  settings: Mutex<TlsSettings>,
}

impl TlsState {
  pub fn new(extra_ca: Option<OsString>) -> TlsState {
    TlsState {
      extra_ca,
      settings: Mutex::new(TlsSettings::default()),
    }
  }

  /// The configs for the current settings (shared with sessions that have the same).
  pub fn configs(&self) -> Arc<TlsConfigs> {
    let settings = self.settings.lock().unwrap_or_else(|p| p.into_inner());
    client_configs(self.extra_ca.clone(), &settings)
  }
}

impl SessionInner {
  /// `ses.setCertificateVerifyProc`: later connections are verified by `proc` (or by default),
  /// cached verdicts are forgotten, and no pooled connection is used again.
  pub fn set_certificate_verify_proc(&self, proc: Option<Arc<dyn VerifyProc>>) {
    self.trust.set_proc(proc);
    self.pool.forget_pooled();
  }

  /// `ses.setSSLConfig` (already validated by `lib/session.js`).
  pub fn set_ssl_config(&self, settings: TlsSettings) {
    *self.tls.settings.lock().unwrap_or_else(|p| p.into_inner()) = settings;
    self.pool.set_tls(self.tls.configs());
  }
}
