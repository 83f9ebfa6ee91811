//! A session's certificate trust: `ses.setCertificateVerifyProc` (reference §10), napi-free.
//!
//! The pool asks [`SessionTrust`] (as `wire::tls::TrustHook`) once a handshake with a proc set
//! has finished; the proc itself is behind [`VerifyProc`] (`binding/cert_verify.rs` calls the JS
//! function on its thread). Verdicts are cached per (hostname, chain) until the proc changes, as
//! Chromium's `CachingCertVerifier` does for Electron (spec "saves cached results": one call for
//! two loads); a verification in flight is not shared (two first connections at once both ask).
//!
//! What `callback(code)` means (Electron's `CertVerifierClient`): `0` trusts, `-3` keeps the
//! default verdict, `-2` is `net::ERR_FAILED`, any other code is that error; a code that
//! `net_error_list.h` does not name here (or a positive one) is `net::ERR_FAILED`. A proc that
//! never answers keeps the request waiting, as in Electron, until it is aborted (its task, and
//! with it this wait, is dropped); a proc that can no longer answer (its environment is gone, or
//! its callback was collected uncalled) fails the request with `net::ERR_ABORTED`, not cached.

pub mod certificate;
mod tls_state;

pub use tls_state::TlsState;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};

use rustls::pki_types::CertificateDer;
use tokio::sync::oneshot;

use crate::errors::NetError;
use crate::wire::tls::{DefaultVerdict, TrustHook};
use certificate::{describe_chain, sha256, CertificateInfo};

/// Electron's `request` argument of the proc.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
  pub hostname: String,
  /// The chain the server presented, leaf first (`certificate`, linked by `issuerCert`).
  pub certificate: Vec<CertificateInfo>,
  /// `validatedCertificate`: the presented chain as well (see README "Differences").
  pub validated: Vec<CertificateInfo>,
  pub is_issued_by_known_root: bool,
  /// `'net::OK'` or `'net::ERR_CERT_...'`.
  pub verification_result: String,
  /// `0` or Chromium's negative code.
  pub error_code: i32,
}

/// The JS proc. `call` hands the request over; the receiver gets the code passed to the
/// callback, or is closed when no answer can come any more.
pub trait VerifyProc: Send + Sync {
  fn call(&self, request: VerifyRequest) -> oneshot::Receiver<i32>;
}

type Key = (String, [u8; 32]);

#[derive(Default)]
struct Shared {
  /// The proc, and how many times it was set (a verdict reached under an older one is dropped).
  proc: RwLock<(Option<Arc<dyn VerifyProc>>, u64)>,
  cache: Mutex<HashMap<Key, Result<(), NetError>>>,
}

#[derive(Default)]
pub struct SessionTrust {
  shared: Arc<Shared>,
}

impl SessionTrust {
  /// `setCertificateVerifyProc(proc | null)`: forgets every cached verdict. The caller also makes
  /// the pool forget its connections.
  pub fn set_proc(&self, proc: Option<Arc<dyn VerifyProc>>) {
    let mut state = self.shared.proc.write().unwrap_or_else(|p| p.into_inner());
    state.0 = proc;
    state.1 += 1;
    self
      .shared
      .cache
      .lock()
      .unwrap_or_else(|p| p.into_inner())
      .clear();
  }
}

/// What `callback(code)` decides, given the default verdict.
pub fn verdict_for(code: i32, default: Result<(), NetError>) -> Result<(), NetError> {
  match code {
    0 => Ok(()),
    -3 => default,
    _ => Err(NetError::from_code(code).unwrap_or(NetError::ERR_FAILED)),
  }
}

/// The request object for `chain` and its default verdict.
pub fn request_for(
  hostname: &str,
  chain: &[CertificateDer<'_>],
  default: DefaultVerdict,
) -> VerifyRequest {
  let certificate = describe_chain(chain);
  let (verification_result, error_code) = match default.result {
    Ok(()) => ("net::OK".to_string(), 0),
    Err(e) => (e.to_string(), e.code),
  };
  VerifyRequest {
    hostname: hostname.to_string(),
    validated: certificate.clone(),
    certificate,
    is_issued_by_known_root: default.known_root,
    verification_result,
    error_code,
  }
}

fn chain_key(hostname: &str, chain: &[CertificateDer<'_>]) -> Key {
  let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
  for cert in chain {
    ctx.update(&sha256(cert));
  }
  let mut hash = [0; 32];
  hash.copy_from_slice(ctx.finish().as_ref());
  (hostname.to_ascii_lowercase(), hash)
}

impl TrustHook for SessionTrust {
  fn deferred(&self) -> bool {
    self
      .shared
      .proc
      .read()
      .unwrap_or_else(|p| p.into_inner())
      .0
      .is_some()
  }

  fn decide(
    &self,
    hostname: &str,
    chain: Vec<CertificateDer<'static>>,
    default: DefaultVerdict,
  ) -> Pin<Box<dyn Future<Output = Result<(), NetError>> + Send>> {
    let (proc, generation) = {
      let state = self.shared.proc.read().unwrap_or_else(|p| p.into_inner());
      (state.0.clone(), state.1)
    };
    // The proc was removed since the handshake began: the default verdict.
    let Some(proc) = proc else {
      return Box::pin(std::future::ready(default.result));
    };
    let key = chain_key(hostname, &chain);
    let cached = self
      .shared
      .cache
      .lock()
      .unwrap_or_else(|p| p.into_inner())
      .get(&key)
      .copied();
    if let Some(verdict) = cached {
      return Box::pin(std::future::ready(verdict));
    }
    let answer = proc.call(request_for(hostname, &chain, default));
    let shared = self.shared.clone();
    Box::pin(async move {
      let Ok(code) = answer.await else {
        return Err(NetError::ERR_ABORTED);
      };
      let verdict = verdict_for(code, default.result);
      let state = shared.proc.read().unwrap_or_else(|p| p.into_inner());
      if state.1 == generation {
        shared
          .cache
          .lock()
          .unwrap_or_else(|p| p.into_inner())
          .insert(key, verdict);
      }
      verdict
    })
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn callback_codes_mean_what_electron_says() {
    let default = Err(NetError::ERR_CERT_AUTHORITY_INVALID);
    assert_eq!(verdict_for(0, default), Ok(()));
    assert_eq!(verdict_for(-3, default), default);
    assert_eq!(verdict_for(-3, Ok(())), Ok(()));
    assert_eq!(verdict_for(-2, default), Err(NetError::ERR_FAILED));
    assert_eq!(
      verdict_for(-201, Ok(())),
      Err(NetError::ERR_CERT_DATE_INVALID)
    );
    assert_eq!(verdict_for(-9999, Ok(())), Err(NetError::ERR_FAILED));
    assert_eq!(verdict_for(5, Ok(())), Err(NetError::ERR_FAILED));
  }

  struct Counting(std::sync::atomic::AtomicUsize, i32);
  impl VerifyProc for Counting {
    fn call(&self, _request: VerifyRequest) -> oneshot::Receiver<i32> {
      self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
      let (tx, rx) = oneshot::channel();
      let _ = tx.send(self.1);
      rx
    }
  }

  fn run<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
      .build()
      .unwrap()
      .block_on(f)
  }

  #[test]
  fn verdicts_are_cached_per_host_and_chain_until_the_proc_changes() {
    let trust = SessionTrust::default();
    let proc = Arc::new(Counting(Default::default(), -2));
    trust.set_proc(Some(proc.clone()));
    let chain = vec![CertificateDer::from(vec![1u8, 2, 3])];
    let default = DefaultVerdict {
      result: Ok(()),
      known_root: false,
    };
    let ask = |host: &str| run(trust.decide(host, chain.clone(), default));
    assert_eq!(ask("a.test"), Err(NetError::ERR_FAILED));
    assert_eq!(ask("a.test"), Err(NetError::ERR_FAILED));
    assert_eq!(proc.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(ask("b.test"), Err(NetError::ERR_FAILED));
    assert_eq!(proc.0.load(std::sync::atomic::Ordering::SeqCst), 2);
    trust.set_proc(Some(proc.clone()));
    assert_eq!(ask("a.test"), Err(NetError::ERR_FAILED));
    assert_eq!(proc.0.load(std::sync::atomic::Ordering::SeqCst), 3);
    trust.set_proc(None);
    assert!(!trust.deferred());
    assert_eq!(ask("a.test"), Ok(()));
  }

  struct Gone;
  impl VerifyProc for Gone {
    fn call(&self, _request: VerifyRequest) -> oneshot::Receiver<i32> {
      oneshot::channel().1
    }
  }

  #[test]
  fn a_proc_that_cannot_answer_aborts() {
    let trust = SessionTrust::default();
    trust.set_proc(Some(Arc::new(Gone)));
    let default = DefaultVerdict {
      result: Ok(()),
      known_root: false,
    };
    let chain = vec![CertificateDer::from(vec![1u8])];
    assert_eq!(
      run(trust.decide("a.test", chain, default)),
      Err(NetError::ERR_ABORTED)
    );
  }
}
