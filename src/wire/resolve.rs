//! Turning a host name into addresses for a connection: what the session's resolver already
//! knows (an IP literal, `localhost`, its host cache: `request/host_resolver.rs`), else the
//! system's resolver (`getaddrinfo`), whose answer the session's resolver then remembers.
//!
//! wire knows nothing of sessions: a pool is given a [`HostResolve`] and every connection it
//! opens (to an origin or to a proxy) asks it. The system lookup itself lives here, as it is I/O.
//! Every source of `resolveHost` ends up in [`system_lookup_blocking`] (directly on libuv's
//! pool, or on the runtime's blocking pool for a connection): there is no DNS client of our own
//! (README, Differences).

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, OnceLock};

use crate::errors::{resolve_failed, NetError};

/// A host's addresses (port 0), in the resolver's order, without duplicates, never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addrs {
  /// One address (an IP literal): no allocation.
  One(SocketAddr),
  Shared(Arc<[SocketAddr]>),
}

impl Addrs {
  pub fn as_slice(&self) -> &[SocketAddr] {
    match self {
      Addrs::One(addr) => std::slice::from_ref(addr),
      Addrs::Shared(addrs) => addrs,
    }
  }
}

/// Which addresses a lookup wants: Chromium's `DnsQueryType` for address queries
/// (`UNSPECIFIED`: both A and AAAA; `resolveHost`'s `queryType` picks one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
  Unspecified,
  V4,
  V6,
}

impl Family {
  pub fn admits(self, addr: &SocketAddr) -> bool {
    match self {
      Family::Unspecified => true,
      Family::V4 => addr.is_ipv4(),
      Family::V6 => addr.is_ipv6(),
    }
  }

  /// Chromium's answer for `localhost` and `*.localhost` (`ResolveLocalHostname`: `::1` then
  /// `127.0.0.1`, kept to the family asked for), shared so a connection to it allocates nothing.
  pub fn loopback(self) -> Addrs {
    static BOTH: OnceLock<Arc<[SocketAddr]>> = OnceLock::new();
    let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, 0));
    let v4 = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    match self {
      Family::Unspecified => Addrs::Shared(BOTH.get_or_init(|| Arc::new([v6, v4])).clone()),
      Family::V4 => Addrs::One(v4),
      Family::V6 => Addrs::One(v6),
    }
  }
}

/// How a connection's host becomes addresses (the session's resolver and its host cache).
pub trait HostResolve: Send + Sync {
  /// Where a connection to `host:port` really goes (the session's host mapping rules):
  /// `Ok(None)` as asked, else the host and port to resolve and connect to instead; an error
  /// fails the connection as a failed lookup would.
  fn map_endpoint(&self, _host: &str, _port: u16) -> Result<Option<(String, u16)>, NetError> {
    Ok(None)
  }
  /// The answer that needs no lookup (an IP literal, `localhost`, a name that cannot resolve,
  /// a fresh cache entry); `None`: ask the system. Called once per new connection: cheap.
  fn known(&self, host: &str) -> Option<Result<Addrs, NetError>>;
  /// What the system answered for `host` (both families), for later connections and
  /// `resolveHost`.
  fn learned(&self, host: &str, answer: &Result<Addrs, NetError>);
}

/// Where a connection to `host:port` goes: the host mapping rules applied
/// ([`HostResolve::map_endpoint`]), then the addresses of the host they name and the port to
/// connect to.
pub async fn resolve_endpoint(
  resolver: &dyn HostResolve,
  host: &str,
  port: u16,
) -> Result<(Addrs, u16), NetError> {
  match resolver.map_endpoint(host, port)? {
    Some((mapped, port)) => Ok((resolve(resolver, &mapped).await?, port)),
    None => Ok((resolve(resolver, host).await?, port)),
  }
}

/// The addresses of `host` for a connection: `resolver`'s answer, else the system's (both
/// families), which `resolver` is told.
pub async fn resolve(resolver: &dyn HostResolve, host: &str) -> Result<Addrs, NetError> {
  if let Some(answer) = resolver.known(host) {
    return answer;
  }
  let name = host.to_string();
  let answer = crate::wire::runtime::runtime()
    .spawn_blocking(move || system_lookup_blocking(&name, Family::Unspecified))
    .await
    .unwrap_or_else(|_| Err(resolve_failed(None)));
  resolver.learned(host, &answer);
  answer
}

/// The system's resolver on the calling thread, which it blocks until the answer (libuv's pool,
/// for `resolveHost`, as Node's `dns.lookup` uses it).
pub fn system_lookup_blocking(host: &str, family: Family) -> Result<Addrs, NetError> {
  use std::net::ToSocketAddrs;
  match (host, 0).to_socket_addrs() {
    Ok(addrs) => collect(addrs, family),
    Err(e) => Err(resolve_failed(Some(&e))),
  }
}

/// The answer kept to `family`, in the system's order (its RFC 6724 sorting), duplicates
/// dropped (Chromium's `AddressList::Deduplicate`). The system is asked for both families and
/// the answer filtered, rather than given a family hint: the same addresses for an address
/// query. Nothing left is `ERR_NAME_NOT_RESOLVED`, as for Chromium's wrong record type
/// (reference §9).
fn collect(addrs: impl Iterator<Item = SocketAddr>, family: Family) -> Result<Addrs, NetError> {
  let mut out: Vec<SocketAddr> = Vec::new();
  for mut addr in addrs {
    addr.set_port(0);
    if family.admits(&addr) && !out.contains(&addr) {
      out.push(addr);
    }
  }
  match out.as_slice() {
    [] => Err(resolve_failed(None)),
    [one] => Ok(Addrs::One(*one)),
    _ => Ok(Addrs::Shared(out.into())),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
  }

  #[test]
  fn answers_are_filtered_by_family_and_deduplicated_in_order() {
    let answer = || {
      vec![
        addr("[::1]:80"),
        addr("127.0.0.1:80"),
        addr("[::1]:80"),
        addr("10.0.0.1:80"),
        addr("127.0.0.1:80"),
      ]
      .into_iter()
    };
    assert_eq!(
      collect(answer(), Family::Unspecified).unwrap().as_slice(),
      &[addr("[::1]:0"), addr("127.0.0.1:0"), addr("10.0.0.1:0")]
    );
    assert_eq!(
      collect(answer(), Family::V4).unwrap().as_slice(),
      &[addr("127.0.0.1:0"), addr("10.0.0.1:0")]
    );
    assert_eq!(
      collect(answer(), Family::V6).unwrap(),
      Addrs::One(addr("[::1]:0"))
    );
    let v4_only = vec![addr("127.0.0.1:80")].into_iter();
    assert_eq!(
      collect(v4_only, Family::V6).unwrap_err(),
      NetError::ERR_NAME_NOT_RESOLVED
    );
    assert_eq!(
      collect(std::iter::empty(), Family::Unspecified).unwrap_err(),
      NetError::ERR_NAME_NOT_RESOLVED
    );
  }

  #[test]
  fn loopback_is_v6_then_v4() {
    assert_eq!(
      Family::Unspecified.loopback().as_slice(),
      &[addr("[::1]:0"), addr("127.0.0.1:0")]
    );
    assert_eq!(Family::V4.loopback().as_slice(), &[addr("127.0.0.1:0")]);
    assert_eq!(Family::V6.loopback().as_slice(), &[addr("[::1]:0")]);
  }

  #[test]
  fn the_system_resolves_ip_literals_and_fails_invalid_names() {
    assert_eq!(
      system_lookup_blocking("127.0.0.1", Family::Unspecified)
        .unwrap()
        .as_slice(),
      &[addr("127.0.0.1:0")]
    );
    assert_eq!(
      system_lookup_blocking("name.invalid", Family::Unspecified).unwrap_err(),
      NetError::ERR_NAME_NOT_RESOLVED
    );
  }
}
