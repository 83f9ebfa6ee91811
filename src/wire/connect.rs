//! Opening a TCP connection to a host: every resolved address is tried, staggered as RFC 8305
//! ("Happy Eyeballs v2") and Chromium do it, so one address that never answers does not stall
//! the request.
//!
//! Chromium's `TransportConnectJob` (net/socket/transport_connect_job.cc) tries the IPv6
//! addresses first and starts on the IPv4 ones if no IPv6 connection is up after
//! `kIPv6FallbackTime` (300 ms); within a family it goes on to the next address as soon as one
//! fails. RFC 8305 §5 generalises this: addresses alternate between families (§4), and the
//! next attempt starts when the previous one fails or after a "Connection Attempt Delay"
//! (250 ms recommended), whichever comes first, earlier attempts still running. We do the
//! latter with Chromium's 300 ms. There is no timeout of our own per attempt: an address that
//! never answers runs until the OS gives up on it (~2 min on Linux), as in Chromium (whose job
//! gives up after 4 min), or until the request's own `timeout`.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::net::TcpStream;

use crate::errors::{classify_io, NetError, Stage};
use crate::wire::resolve::{resolve_endpoint, HostResolve};

/// How long an attempt runs alone before the next address is tried beside it (Chromium's
/// `TransportConnectJob::kIPv6FallbackTime`; RFC 8305 §5 recommends 250 ms).
pub const ATTEMPT_DELAY: Duration = Duration::from_millis(300);

/// Resolves `host` through `resolver` (the session's, with its host cache) and connects to it
/// (see the module's comment for the order).
pub async fn connect_tcp(
  resolver: &dyn HostResolve,
  host: &str,
  port: u16,
) -> Result<TcpStream, NetError> {
  let (resolved, port) = resolve_endpoint(resolver, host, port).await?;
  // set_port keeps an IPv6 address's scope (a link-local answer).
  let with_port = |&addr: &SocketAddr| {
    let mut addr = addr;
    addr.set_port(port);
    addr
  };
  let stream = match resolved.as_slice() {
    // One address (an IP literal, most names): no list to build.
    [one] => connect_any(&[with_port(one)], ATTEMPT_DELAY).await?,
    many => {
      let addrs = interleave_families(many.iter().map(with_port).collect());
      connect_any(&addrs, ATTEMPT_DELAY).await?
    }
  };
  // Chromium disables Nagle on every socket; small heads must not wait for an ACK.
  let _ = stream.set_nodelay(true);
  Ok(stream)
}

/// RFC 8305 §4: the resolver's order, but alternating between address families, starting with
/// the family of its first answer (which the system's RFC 6724 sorting makes IPv6 where it
/// works, as Chromium's IPv6-first order does).
pub fn interleave_families(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
  let Some(first) = addrs.first() else {
    return addrs;
  };
  let first_v6 = first.is_ipv6();
  if addrs.iter().all(|a| a.is_ipv6() == first_v6) {
    return addrs;
  }
  let (preferred, other): (Vec<_>, Vec<_>) =
    addrs.into_iter().partition(|a| a.is_ipv6() == first_v6);
  let mut out = Vec::with_capacity(preferred.len() + other.len());
  let (mut preferred, mut other) = (preferred.into_iter(), other.into_iter());
  loop {
    match (preferred.next(), other.next()) {
      (None, None) => return out,
      (a, b) => out.extend(a.into_iter().chain(b)),
    }
  }
}

/// Connects to the first of `addrs` that accepts: an attempt starts when the one before it
/// failed, or `delay` after the last one started, earlier ones still running; the first
/// connection up wins and the others are dropped (closing their sockets). If every attempt
/// fails, the error is the last failure's.
pub async fn connect_any(addrs: &[SocketAddr], delay: Duration) -> Result<TcpStream, NetError> {
  let mut last = NetError::ERR_CONNECTION_FAILED;
  if let [addr] = addrs {
    // One address (an IP literal, most names): nothing to race.
    return TcpStream::connect(*addr)
      .await
      .map_err(|e| classify_io(&e, Stage::Connect));
  }
  let mut next = addrs.iter();
  let mut attempts = FuturesUnordered::new();
  loop {
    if attempts.is_empty() {
      match next.next() {
        Some(addr) => attempts.push(TcpStream::connect(*addr)),
        None => return Err(last),
      }
    }
    let more = next.len() > 0;
    tokio::select! {
      Some(result) = attempts.next() => match result {
        Ok(stream) => return Ok(stream),
        Err(e) => {
          last = classify_io(&e, Stage::Connect);
          // A failure frees its turn at once (a refused address costs no delay).
          if let Some(addr) = next.next() {
            attempts.push(TcpStream::connect(*addr));
          }
        }
      },
      () = tokio::time::sleep(delay), if more => {
        if let Some(addr) = next.next() {
          attempts.push(TcpStream::connect(*addr));
        }
      }
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::Instant;
  use tokio::net::{TcpListener, TcpSocket};

  fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
      .enable_all()
      .build()
      .unwrap()
  }

  /// A loopback address that drops every SYN: a listener whose accept queue (backlog 0, so
  /// room for one) is already full and never drained. Loopback only.
  async fn black_hole() -> (TcpListener, Vec<TcpStream>, SocketAddr) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    // Fill the queue: connections complete until it is full; the first one that does not
    // (its SYN dropped) shows the address is black-holed.
    for _ in 0..8 {
      match tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => fillers.push(stream),
        _ => return (listener, fillers, addr),
      }
    }
    panic!("the accept queue never filled");
  }

  /// A loopback port nothing listens on (connections to it are refused).
  fn refused() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
  }

  #[test]
  fn a_black_holed_first_address_falls_back_to_the_next_after_the_delay() {
    runtime().block_on(async {
      let (_hole, _fillers, hole) = black_hole().await;
      let good = TcpListener::bind("127.0.0.1:0").await.unwrap();
      let good_addr = good.local_addr().unwrap();
      let started = Instant::now();
      let stream = connect_any(&[hole, good_addr], ATTEMPT_DELAY)
        .await
        .unwrap();
      let took = started.elapsed();
      assert_eq!(stream.peer_addr().unwrap(), good_addr);
      assert!(
        took >= ATTEMPT_DELAY - Duration::from_millis(20),
        "{took:?}"
      );
      assert!(
        took < ATTEMPT_DELAY + Duration::from_millis(1500),
        "{took:?}"
      );
    });
  }

  #[test]
  fn refused_addresses_fall_through_at_once() {
    runtime().block_on(async {
      let good = TcpListener::bind("127.0.0.1:0").await.unwrap();
      let good_addr = good.local_addr().unwrap();
      let started = Instant::now();
      let stream = connect_any(&[refused(), refused(), good_addr], ATTEMPT_DELAY)
        .await
        .unwrap();
      assert_eq!(stream.peer_addr().unwrap(), good_addr);
      assert!(
        started.elapsed() < ATTEMPT_DELAY / 2,
        "{:?}",
        started.elapsed()
      );
    });
  }

  #[test]
  fn when_every_address_fails_the_error_is_the_last_one() {
    runtime().block_on(async {
      let started = Instant::now();
      let result = connect_any(&[refused(), refused(), refused()], ATTEMPT_DELAY).await;
      assert_eq!(result.unwrap_err(), NetError::ERR_CONNECTION_REFUSED);
      assert!(started.elapsed() < ATTEMPT_DELAY / 2);
      let result = connect_any(&[refused()], ATTEMPT_DELAY).await;
      assert_eq!(result.unwrap_err(), NetError::ERR_CONNECTION_REFUSED);
      assert_eq!(
        connect_any(&[], ATTEMPT_DELAY).await.unwrap_err(),
        NetError::ERR_CONNECTION_FAILED
      );
    });
  }

  #[test]
  fn a_slow_first_attempt_keeps_running_beside_the_next() {
    // Two black holes then a good address: the third attempt starts two delays in, while the
    // first two still run.
    runtime().block_on(async {
      let (_h1, _f1, hole1) = black_hole().await;
      let (_h2, _f2, hole2) = black_hole().await;
      let good = TcpListener::bind("127.0.0.1:0").await.unwrap();
      let good_addr = good.local_addr().unwrap();
      let delay = Duration::from_millis(100);
      let started = Instant::now();
      let stream = connect_any(&[hole1, hole2, good_addr], delay)
        .await
        .unwrap();
      let took = started.elapsed();
      assert_eq!(stream.peer_addr().unwrap(), good_addr);
      assert!(took >= 2 * delay - Duration::from_millis(20), "{took:?}");
      assert!(took < 2 * delay + Duration::from_millis(1500), "{took:?}");
    });
  }

  #[test]
  fn families_alternate_from_the_first_answer() {
    let v6 = |p: u16| SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], p));
    let v4 = |p: u16| SocketAddr::from(([127, 0, 0, 1], p));
    assert_eq!(
      interleave_families(vec![v6(1), v6(2), v6(3), v4(4), v4(5)]),
      vec![v6(1), v4(4), v6(2), v4(5), v6(3)]
    );
    assert_eq!(
      interleave_families(vec![v4(1), v6(2), v6(3), v6(4)]),
      vec![v4(1), v6(2), v6(3), v6(4)]
    );
    assert_eq!(interleave_families(vec![v4(1), v4(2)]), vec![v4(1), v4(2)]);
    assert_eq!(interleave_families(vec![]), vec![]);
  }
}
