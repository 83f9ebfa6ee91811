//! Test support for the handshake timeouts: a server on 127.0.0.1 that takes every connection
//! and never writes a byte, and the check that a wait ended at its timeout, not before.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub struct SilentServer {
  pub addr: SocketAddr,
  accepting: JoinHandle<()>,
}

impl SilentServer {
  pub async fn start() -> Self {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepting = tokio::spawn(async move {
      // Kept open, unanswered, until the server goes.
      let mut kept = Vec::new();
      while let Ok((socket, _)) = listener.accept().await {
        kept.push(socket);
      }
    });
    SilentServer { addr, accepting }
  }
}

impl Drop for SilentServer {
  fn drop(&mut self) {
    self.accepting.abort();
  }
}

/// Panics unless the time since `started` is `timeout` (a timer's deadline is rounded up to its
/// next millisecond, so within a second of it).
pub fn assert_gave_up_after(started: Instant, timeout: Duration, what: &str) {
  let waited = started.elapsed();
  assert!(
    waited >= timeout && waited < timeout + Duration::from_secs(1),
    "{what} gave up after {waited:?}"
  );
}
