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
//!
//! As in Chromium's `SpdySessionPool` (its request map), whoever waits is woken by any new
//! session to the server, not only by the connection it waited for, and when that connection
//! fails or turns out HTTP/1.1 the waiters are let go at once: one of them then connects while
//! the others go on waiting, within their 300 ms.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::wire::origin::Target;

/// Chromium's `kHTTP2ThrottleMs`.
pub const THROTTLE: Duration = Duration::from_millis(300);

#[derive(Default)]
pub struct H2Throttle {
  known: Mutex<HashMap<Target, Known>>,
  /// Numbers the connects that others wait for.
  claims: std::sync::atomic::AtomicU64,
}

/// A server known to speak h2.
struct Known {
  /// The connect others wait for, if one is under way (its claim's number).
  connecting: Option<u64>,
  /// Ticks when a session to the server may be ready, or the connect waited for is done.
  news: watch::Sender<()>,
}

/// What a new connection to a server should do first.
pub enum Claim<'a> {
  /// The server is not known to speak h2: connect.
  Unknown,
  /// Connect; the ones that come meanwhile wait for this connect (until the guard is dropped).
  Mine(Connecting<'a>),
  /// Another connect is under way: wait for news (`wait`), then look for a session.
  Wait(watch::Receiver<()>),
}

/// Held while this connect is the one others wait for.
pub struct Connecting<'a> {
  throttle: &'a H2Throttle,
  target: Target,
  claim: u64,
}

impl Drop for Connecting<'_> {
  fn drop(&mut self) {
    let mut known = lock(&self.throttle.known);
    if let Some(k) = known.get_mut(&self.target) {
      if k.connecting == Some(self.claim) {
        k.connecting = None;
        k.news.send_replace(());
      }
    }
  }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
  m.lock().unwrap_or_else(|p| p.into_inner())
}

impl H2Throttle {
  /// A connection to `target` negotiated h2 and its session can be used: those waiting look.
  pub fn learn(&self, target: &Target) {
    let mut known = lock(&self.known);
    match known.get(target) {
      Some(k) => k.news.send_replace(()),
      None => {
        let (news, _) = watch::channel(());
        known.insert(
          target.clone(),
          Known {
            connecting: None,
            news,
          },
        );
      }
    }
  }

  /// A connection to `target` negotiated HTTP/1.1: the server no longer speaks h2 (or never
  /// did), and new connections to it need not wait for one another. Those waiting are let go
  /// (their channel closes).
  pub fn forget(&self, target: &Target) {
    lock(&self.known).remove(target);
  }

  /// Before a new connection to `target`: whether to connect now (and be the connect others
  /// wait for) or wait for the one under way. Taken under one lock, so two requests never both
  /// see no connect under way and both connect.
  pub fn claim(&self, target: &Target) -> Claim<'_> {
    let mut known = lock(&self.known);
    let Some(k) = known.get_mut(target) else {
      return Claim::Unknown;
    };
    if k.connecting.is_some() {
      return Claim::Wait(k.news.subscribe());
    }
    let claim = self
      .claims
      .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    k.connecting = Some(claim);
    Claim::Mine(Connecting {
      throttle: self,
      target: target.clone(),
      claim,
    })
  }
}

/// Waits for news on `news` until `deadline` (the end of this request's 300 ms); false when
/// the time ran out.
pub async fn wait(mut news: watch::Receiver<()>, deadline: Instant) -> bool {
  // An error (the server forgotten) is news too: the next claim says connect.
  tokio::time::timeout_at(deadline, news.changed())
    .await
    .is_ok()
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::wire::origin::Origin;

  fn target() -> Target {
    Target {
      origin: Origin {
        https: true,
        host: "example.test".into(),
        port: 443,
      },
      proxy: None,
    }
  }

  fn waits(claim: Claim<'_>) -> watch::Receiver<()> {
    match claim {
      Claim::Wait(news) => news,
      _ => panic!("expected to wait"),
    }
  }

  fn is_mine(claim: &Claim<'_>) -> bool {
    matches!(claim, Claim::Mine(_))
  }

  #[tokio::test(start_paused = true)]
  async fn an_unknown_server_is_never_waited_for() {
    let throttle = H2Throttle::default();
    assert!(matches!(throttle.claim(&target()), Claim::Unknown));
    assert!(matches!(throttle.claim(&target()), Claim::Unknown));
  }

  #[tokio::test(start_paused = true)]
  async fn one_connect_at_a_time_to_a_known_server() {
    let throttle = H2Throttle::default();
    throttle.learn(&target());
    let first = throttle.claim(&target());
    assert!(is_mine(&first));
    let news = waits(throttle.claim(&target()));
    // Its connect is done: the waiter wakes, and the next claim is free to connect.
    drop(first);
    assert!(wait(news, Instant::now() + THROTTLE).await);
    assert!(is_mine(&throttle.claim(&target())));
  }

  #[tokio::test(start_paused = true)]
  async fn any_new_session_wakes_the_waiters() {
    let throttle = H2Throttle::default();
    throttle.learn(&target());
    let _first = throttle.claim(&target());
    let news = waits(throttle.claim(&target()));
    // Another connection (one whose wait ran out) made a session meanwhile.
    throttle.learn(&target());
    let started = Instant::now();
    assert!(wait(news, started + THROTTLE).await);
    assert_eq!(started.elapsed(), Duration::ZERO);
  }

  #[tokio::test(start_paused = true)]
  async fn a_wait_ends_after_the_throttle() {
    let throttle = H2Throttle::default();
    throttle.learn(&target());
    let _first = throttle.claim(&target());
    let news = waits(throttle.claim(&target()));
    let started = Instant::now();
    assert!(!wait(news, started + THROTTLE).await);
    assert!(started.elapsed() >= THROTTLE);
  }

  #[tokio::test(start_paused = true)]
  async fn a_server_that_answers_http1_lets_the_waiters_go() {
    let throttle = H2Throttle::default();
    throttle.learn(&target());
    let first = throttle.claim(&target());
    let news = waits(throttle.claim(&target()));
    throttle.forget(&target());
    assert!(wait(news, Instant::now() + THROTTLE).await);
    assert!(matches!(throttle.claim(&target()), Claim::Unknown));
    // The old guard's end does not touch a server learned again since.
    throttle.learn(&target());
    let second = throttle.claim(&target());
    drop(first);
    assert!(is_mine(&second));
    assert!(matches!(throttle.claim(&target()), Claim::Wait(_)));
  }
}
