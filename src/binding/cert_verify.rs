//! `ses.setCertificateVerifyProc` on the N-API side: a per-session threadsafe function that
//! runs the JS proc (`lib/certificate.js` builds Electron's `request` and the one-time
//! callback), and the answers coming back through `certVerifyDone`.
//!
//! The threadsafe function is created on the session's JS thread and is weak (unreferenced): a
//! verification only runs for a request in flight, and that request already keeps Node alive.
//! Each call carries its answer's sender to the JS thread, where it waits in a thread-local table
//! under an id until `certVerifyDone(id, code)`. When the environment goes (worker exit, jest
//! reload), the table is emptied: dropping a sender fails its request with `net::ERR_ABORTED`
//! (`request::trust`); a call after that finds the threadsafe function closing, which drops the
//! sender too. Nothing here can outlive its environment's JS values.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use tokio::sync::oneshot;

use crate::binding::session::NativeSession;
use crate::request::trust::certificate::{CertificateInfo, Principal};
use crate::request::trust::{VerifyProc, VerifyRequest};

/// Electron's `CertPrincipal` object.
#[napi(object)]
pub struct JsPrincipal {
  pub common_name: String,
  pub organizations: Vec<String>,
  pub organization_units: Vec<String>,
  pub locality: String,
  pub state: String,
  pub country: String,
}

/// One certificate of a chain (JS links `issuerCert`).
#[napi(object)]
pub struct JsCertificate {
  pub data: String,
  pub issuer: JsPrincipal,
  pub issuer_name: String,
  pub subject: JsPrincipal,
  pub subject_name: String,
  pub serial_number: String,
  pub valid_start: f64,
  pub valid_expiry: f64,
  pub fingerprint: String,
}

/// What the JS dispatcher gets: the request's fields and the id to answer with.
#[napi(object)]
pub struct JsVerifyRequest {
  pub id: u32,
  pub hostname: String,
  pub certificate: Vec<JsCertificate>,
  pub validated_certificate: Vec<JsCertificate>,
  pub is_issued_by_known_root: bool,
  pub verification_result: String,
  pub error_code: i32,
}

type Pending = (VerifyRequest, oneshot::Sender<i32>);
type VerifyFn = ThreadsafeFunction<Pending, (), JsVerifyRequest, Status, false, true, 0>;

thread_local! {
  static WAITING: RefCell<(u32, HashMap<u32, oneshot::Sender<i32>>)> = RefCell::new((0, HashMap::new()));
}

struct JsVerifyProc {
  tsfn: VerifyFn,
}

impl VerifyProc for JsVerifyProc {
  fn call(&self, request: VerifyRequest) -> oneshot::Receiver<i32> {
    let (tx, rx) = oneshot::channel();
    // A closing function drops the value, and with it the sender.
    self
      .tsfn
      .call((request, tx), ThreadsafeFunctionCallMode::NonBlocking);
    rx
  }
}

fn principal(p: Principal) -> JsPrincipal {
  JsPrincipal {
    common_name: p.common_name,
    organizations: p.organizations,
    organization_units: p.organization_units,
    locality: p.locality,
    state: p.state,
    country: p.country,
  }
}

fn certificate(c: CertificateInfo) -> JsCertificate {
  JsCertificate {
    data: c.data,
    issuer_name: c.issuer.display_name(),
    subject_name: c.subject.display_name(),
    issuer: principal(c.issuer),
    subject: principal(c.subject),
    serial_number: c.serial_number,
    valid_start: c.valid_start,
    valid_expiry: c.valid_expiry,
    fingerprint: c.fingerprint,
  }
}

/// On the JS thread: parks the sender and makes the dispatcher's argument.
fn to_js((request, tx): Pending) -> JsVerifyRequest {
  let id = WAITING.with(|w| {
    let mut w = w.borrow_mut();
    w.0 = w.0.wrapping_add(1);
    let id = w.0;
    w.1.insert(id, tx);
    id
  });
  JsVerifyRequest {
    id,
    hostname: request.hostname,
    certificate: request.certificate.into_iter().map(certificate).collect(),
    validated_certificate: request.validated.into_iter().map(certificate).collect(),
    is_issued_by_known_root: request.is_issued_by_known_root,
    verification_result: request.verification_result,
    error_code: request.error_code,
  }
}

/// The environment is being torn down: every verification waiting for JS fails.
pub fn forget() {
  let waiting = WAITING.with(|w| std::mem::take(&mut w.borrow_mut().1));
  drop(waiting);
}

/// The proc's answer for verification `id` (`lib/certificate.js`, once per id).
#[napi(catch_unwind)]
pub fn cert_verify_done(id: u32, code: i32) {
  if let Some(tx) = WAITING.with(|w| w.borrow_mut().1.remove(&id)) {
    let _ = tx.send(code);
  }
}

#[napi]
impl NativeSession {
  /// `ses.setCertificateVerifyProc`: `dispatch` (from `lib/certificate.js`) runs the user's proc,
  /// `null` restores the default verification.
  #[napi(catch_unwind)]
  pub fn set_certificate_verify_proc(
    &self,
    dispatch: Option<Function<JsVerifyRequest, ()>>,
  ) -> napi::Result<()> {
    let proc: Option<Arc<dyn VerifyProc>> = match dispatch {
      Some(dispatch) => {
        let tsfn: VerifyFn = dispatch
          .build_threadsafe_function::<Pending>()
          .callee_handled::<false>()
          .weak::<true>()
          .build_callback(|ctx| Ok(to_js(ctx.value)))?;
        Some(Arc::new(JsVerifyProc { tsfn }))
      }
      None => None,
    };
    self.inner.set_certificate_verify_proc(proc);
    Ok(())
  }

  /// `ses.setSSLConfig`, validated by `lib/session.js`: `min_tls13`/`max_tls12` from
  /// `minVersion`/`maxVersion`, suites by IANA number.
  #[napi(catch_unwind)]
  pub fn set_ssl_config(&self, min_tls13: bool, max_tls12: bool, disabled_cipher_suites: Vec<u32>) {
    let mut disabled: Vec<u16> = disabled_cipher_suites.iter().map(|&n| n as u16).collect();
    disabled.sort_unstable();
    disabled.dedup();
    self.inner.set_ssl_config(crate::wire::tls::TlsSettings {
      min_tls13,
      max_tls12,
      disabled_suites: disabled,
    });
  }
}
