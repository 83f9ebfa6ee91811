//! New connections to a server known to speak HTTP/2 wait for one already under way, as
//! Chromium's do (`HttpStreamFactory::Job::DoInitConnectionImpl`: a job for a server that
//! `HttpServerProperties` says supports h2 waits up to `kHTTP2ThrottleMs`, 300 ms, while another
//! job's connection to it is being made, then uses its session). Without it, a burst of requests
//! after the shared connection went away (closed by the server when idle, GOAWAY,
//! `closeAllConnections()`) opened a TLS connection each, and kept only one.
//!
//! A server is known once a connection to it negotiated h2; it stays known for the session's
//! life (Chromium keeps its server properties across `closeAllConnections()`). Before that, as
//! in Chromium, a first burst connects in parallel.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;

use crate::wire::origin::Target;

/// Chromium's `kHTTP2ThrottleMs`.
const THROTTLE: Duration = Duration::from_millis(300);

#[derive(Default)]
pub struct H2Throttle {
  known: Mutex<HashSet<Target>>,
  /// A connection being made to a known server; its sender is dropped when that is done.
  connecting: Mutex<HashMap<Target, watch::Receiver<()>>>,
}

/// Held while this connect is the one others wait for.
pub struct Connecting<'a> {
  throttle: &'a H2Throttle,
  target: Target,
  done: watch::Sender<()>,
}

impl Drop for Connecting<'_> {
  fn drop(&mut self) {
    let mut connecting = lock(&self.throttle.connecting);
    if connecting
      .get(&self.target)
      .is_some_and(|rx| rx.same_channel(&self.done.subscribe()))
    {
      connecting.remove(&self.target);
    }
  }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
  m.lock().unwrap_or_else(|p| p.into_inner())
}

impl H2Throttle {
  /// A connection to `target` negotiated h2.
  pub fn learn(&self, target: &Target) {
    let mut known = lock(&self.known);
    if !known.contains(target) {
      known.insert(target.clone());
    }
  }

  /// A connection to `target` negotiated HTTP/1.1: the server no longer speaks h2 (or never
  /// did), and new connections to it need not wait for one another.
  pub fn forget(&self, target: &Target) {
    lock(&self.known).remove(target);
  }

  /// Before a new connection to `target`: when the server is known to speak h2 and another
  /// connection to it is being made, waits until that one is done (at most 300 ms) and returns
  /// true; the caller then looks for its session first.
  pub async fn wait_for_pending(&self, target: &Target) -> bool {
    if !lock(&self.known).contains(target) {
      return false;
    }
    let Some(mut pending) = lock(&self.connecting).get(target).cloned() else {
      return false;
    };
    // Ends when the other connect is done (its sender dropped), or after the throttle.
    let _ = tokio::time::timeout(THROTTLE, pending.changed()).await;
    true
  }

  /// Marks a connection to a known h2 server as being made (others wait for it), unless one
  /// already is.
  pub fn connecting(&self, target: &Target) -> Option<Connecting<'_>> {
    if !lock(&self.known).contains(target) {
      return None;
    }
    let mut connecting = lock(&self.connecting);
    if connecting
      .get(target)
      .is_some_and(|rx| rx.has_changed().is_ok())
    {
      return None;
    }
    let (done, rx) = watch::channel(());
    connecting.insert(target.clone(), rx);
    Some(Connecting {
      throttle: self,
      target: target.clone(),
      done,
    })
  }
}
