//! How many new connections to an https server are made at once, by what is known of its
//! protocol, as Chromium decides (`HttpStreamFactory::Job`, `SpdySessionPool`'s request map and
//! the socket pool's per-group limit):
//!
//! - **Known to speak HTTP/2** (a connection to it negotiated h2): one connection at a time. Others
//!   wait up to `kHTTP2ThrottleMs`, 300 ms, for it, then use its session
//!   (`HttpStreamFactory::Job::DoInitConnectionImpl`); once their time has run out they connect
//!   by themselves. Without this, a burst of requests after the shared connection went away
//!   (closed by the server when idle, GOAWAY, `closeAllConnections()`) opened a TLS connection
//!   each, and kept only one.
//! - **Not known yet** (a first burst): at most 6 connections at once, Chromium's
//!   `max_sockets_per_group`; the others wait for one of them, without a time limit, as
//!   Chromium's socket pool queues them. The first that negotiates h2 serves them all; the first
//!   that negotiates HTTP/1.1 lets them all go.
//! - **Known to speak HTTP/1.1**, and plain http (h2 is offered over TLS only): no limit. This
//!   is where we differ from Chromium, which keeps its 6 per host for HTTP/1.1 too (README,
//!   Differences).
//!
//! What is known stays for the session's life (Chromium keeps its server properties across
//! `closeAllConnections()`). Whoever waits is woken by any new session to the server and by the
//! end of any connect it could wait for, not only the one it waited for.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::wire::origin::Target;

/// Chromium's `kHTTP2ThrottleMs`.
pub const THROTTLE: Duration = Duration::from_millis(300);

/// Chromium's `max_sockets_per_group` for the normal socket pool.
pub const FIRST_BURST: usize = 6;

/// Servers remembered before those with no connect under way are forgotten: a session that
/// talks to very many https origins does not grow without bound (a server forgotten is only
/// learned again, after at most one first burst of 6).
const REMEMBERED: usize = 1024;

#[derive(Default)]
pub struct H2Throttle {
  servers: Mutex<HashMap<Target, Server>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
  Unknown,
  H2,
  Http1,
}

/// What is known of an https server, and the connects to it that others wait for.
struct Server {
  protocol: Protocol,
  /// The connects under way that count against the limit. A server is never forgotten while
  /// one is (`remembered`), so each guard finds its own count to take back.
  connecting: usize,
  /// Ticks when a session to the server may be ready, what it speaks is learned, or a connect
  /// counted against the limit is done.
  news: watch::Sender<()>,
}

impl Server {
  fn new() -> Self {
    let (news, _) = watch::channel(());
    Server {
      protocol: Protocol::Unknown,
      connecting: 0,
      news,
    }
  }

  fn tell(&self) {
    self.news.send_replace(());
  }
}

/// What a new connection to a server should do first.
pub enum Claim<'a> {
  /// Connect, with no one waiting for it.
  Free,
  /// Connect; the ones that come meanwhile may wait for this connect (until the guard drops).
  Mine(Connecting<'a>),
  /// Wait for news (`wait`), then look for a session and claim again. `throttled`: the server
  /// is known to speak h2, and the wait ends after 300 ms in all.
  Wait {
    news: watch::Receiver<()>,
    throttled: bool,
  },
}

/// Held while this connect counts against its server's limit.
pub struct Connecting<'a> {
  throttle: &'a H2Throttle,
  target: Target,
}

impl Drop for Connecting<'_> {
  fn drop(&mut self) {
    let mut servers = lock(&self.throttle.servers);
    if let Some(server) = servers.get_mut(&self.target) {
      server.connecting -= 1;
      server.tell();
    }
  }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
  m.lock().unwrap_or_else(|p| p.into_inner())
}

impl H2Throttle {
  /// A connection to `target` negotiated h2 and its session can be used: those waiting look.
  pub fn learn_h2(&self, target: &Target) {
    self.learn(target, Protocol::H2);
  }

  /// A connection to `target` negotiated HTTP/1.1: the server does not speak h2 (or no longer
  /// does), and new connections to it need not wait for one another. Those waiting go.
  pub fn learn_http1(&self, target: &Target) {
    self.learn(target, Protocol::Http1);
  }

  fn learn(&self, target: &Target, protocol: Protocol) {
    if !target.origin.https {
      return;
    }
    let mut servers = lock(&self.servers);
    let server = remembered(&mut servers, target);
    server.protocol = protocol;
    server.tell();
  }

  /// Before a new connection to `target`: connect now, or wait for one under way. Taken under
  /// one lock, so no more connects than allowed ever see room at once.
  pub fn claim(&self, target: &Target) -> Claim<'_> {
    if !target.origin.https {
      return Claim::Free;
    }
    let mut servers = lock(&self.servers);
    let server = remembered(&mut servers, target);
    let (limit, throttled) = match server.protocol {
      Protocol::Http1 => return Claim::Free,
      Protocol::H2 => (1, true),
      Protocol::Unknown => (FIRST_BURST, false),
    };
    if server.connecting >= limit {
      return Claim::Wait {
        news: server.news.subscribe(),
        throttled,
      };
    }
    server.connecting += 1;
    Claim::Mine(Connecting {
      throttle: self,
      target: target.clone(),
    })
  }
}

/// `target`'s entry, made if new; past the bound, the servers with no connect under way are
/// forgotten first (their waiters, if any, wake and start again).
fn remembered<'m>(servers: &'m mut HashMap<Target, Server>, target: &Target) -> &'m mut Server {
  if servers.len() >= REMEMBERED && !servers.contains_key(target) {
    servers.retain(|_, s| s.connecting > 0);
  }
  servers.entry(target.clone()).or_insert_with(Server::new)
}

/// Waits for news, until `deadline` if there is one; false when the time ran out.
pub async fn wait(mut news: watch::Receiver<()>, deadline: Option<Instant>) -> bool {
  // An error (the server forgotten) is news too: the next claim makes a new start.
  match deadline {
    Some(deadline) => tokio::time::timeout_at(deadline, news.changed())
      .await
      .is_ok(),
    None => {
      let _ = news.changed().await;
      true
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::wire::origin::Origin;

  fn target(https: bool) -> Target {
    Target {
      origin: Origin {
        https,
        host: "example.test".into(),
        port: 443,
      },
      proxy: None,
    }
  }

  fn https() -> Target {
    target(true)
  }

  /// The news to wait for, and whether the wait is the 300 ms one.
  fn waits(claim: Claim<'_>) -> (watch::Receiver<()>, bool) {
    match claim {
      Claim::Wait { news, throttled } => (news, throttled),
      _ => panic!("expected to wait"),
    }
  }

  fn is_mine(claim: &Claim<'_>) -> bool {
    matches!(claim, Claim::Mine(_))
  }

  fn soon() -> Option<Instant> {
    Some(Instant::now() + THROTTLE)
  }

  #[tokio::test(start_paused = true)]
  async fn plain_http_and_http1_servers_are_never_waited_for() {
    let throttle = H2Throttle::default();
    let held: Vec<_> = (0..10).map(|_| throttle.claim(&target(false))).collect();
    assert!(held.iter().all(|c| matches!(c, Claim::Free)));
    throttle.learn_http1(&https());
    let held: Vec<_> = (0..10).map(|_| throttle.claim(&https())).collect();
    assert!(held.iter().all(|c| matches!(c, Claim::Free)));
  }

  #[tokio::test(start_paused = true)]
  async fn a_first_burst_makes_six_connects_and_the_rest_wait_without_a_time_limit() {
    let throttle = H2Throttle::default();
    let mut first: Vec<_> = (0..FIRST_BURST).map(|_| throttle.claim(&https())).collect();
    assert!(first.iter().all(is_mine));
    let (news, throttled) = waits(throttle.claim(&https()));
    assert!(!throttled);
    // One of the six fails: room for one more.
    first.pop();
    assert!(wait(news, None).await);
    let seventh = throttle.claim(&https());
    assert!(is_mine(&seventh));
    assert!(matches!(throttle.claim(&https()), Claim::Wait { .. }));
  }

  #[tokio::test(start_paused = true)]
  async fn a_first_burst_is_let_go_by_http1_and_shares_h2() {
    let throttle = H2Throttle::default();
    let _first: Vec<_> = (0..FIRST_BURST).map(|_| throttle.claim(&https())).collect();
    let (news, _) = waits(throttle.claim(&https()));
    throttle.learn_http1(&https());
    assert!(wait(news, None).await);
    assert!(matches!(throttle.claim(&https()), Claim::Free));

    let throttle = H2Throttle::default();
    let _first: Vec<_> = (0..FIRST_BURST).map(|_| throttle.claim(&https())).collect();
    let (news, _) = waits(throttle.claim(&https()));
    throttle.learn_h2(&https());
    assert!(wait(news, None).await);
  }

  #[tokio::test(start_paused = true)]
  async fn one_connect_at_a_time_to_a_known_h2_server() {
    let throttle = H2Throttle::default();
    throttle.learn_h2(&https());
    let first = throttle.claim(&https());
    assert!(is_mine(&first));
    let (news, throttled) = waits(throttle.claim(&https()));
    assert!(throttled);
    // Its connect is done: the waiter wakes, and the next claim is free to connect.
    drop(first);
    assert!(wait(news, soon()).await);
    assert!(is_mine(&throttle.claim(&https())));
  }

  #[tokio::test(start_paused = true)]
  async fn any_new_session_wakes_the_waiters() {
    let throttle = H2Throttle::default();
    throttle.learn_h2(&https());
    let _first = throttle.claim(&https());
    let (news, _) = waits(throttle.claim(&https()));
    // Another connection (one whose wait ran out) made a session meanwhile.
    throttle.learn_h2(&https());
    let started = Instant::now();
    assert!(wait(news, soon()).await);
    assert_eq!(started.elapsed(), Duration::ZERO);
  }

  #[tokio::test(start_paused = true)]
  async fn a_wait_for_a_known_h2_server_ends_after_the_throttle() {
    let throttle = H2Throttle::default();
    throttle.learn_h2(&https());
    let _first = throttle.claim(&https());
    let (news, _) = waits(throttle.claim(&https()));
    let started = Instant::now();
    assert!(!wait(news, soon()).await);
    assert!(started.elapsed() >= THROTTLE);
  }

  #[tokio::test(start_paused = true)]
  async fn a_server_that_answers_http1_lets_the_waiters_go() {
    let throttle = H2Throttle::default();
    throttle.learn_h2(&https());
    let first = throttle.claim(&https());
    let (news, _) = waits(throttle.claim(&https()));
    throttle.learn_http1(&https());
    assert!(wait(news, soon()).await);
    assert!(matches!(throttle.claim(&https()), Claim::Free));
    // Speaking h2 again: the connect still under way counts, and its end makes room.
    throttle.learn_h2(&https());
    let second = throttle.claim(&https());
    assert!(!is_mine(&second), "the old connect still counts");
    drop(first);
    assert!(is_mine(&throttle.claim(&https())));
  }

  #[test]
  fn servers_with_no_connect_under_way_are_forgotten_past_the_bound() {
    let throttle = H2Throttle::default();
    let at = |port| Target {
      origin: Origin {
        https: true,
        host: "example.test".into(),
        port,
      },
      proxy: None,
    };
    throttle.learn_h2(&at(1));
    let _busy = throttle.claim(&at(2));
    for port in 3..(REMEMBERED as u16 + 10) {
      throttle.learn_h2(&at(port));
      let _ = throttle.claim(&at(port));
    }
    let servers = lock(&throttle.servers);
    assert!(servers.len() <= REMEMBERED);
    // The connect under way is kept; a server known idle may go.
    assert_eq!(servers[&at(2)].connecting, 1);
    assert!(!servers.contains_key(&at(1)));
  }
}
