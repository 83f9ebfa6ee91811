//! The SOCKS handshake on a connection to a SOCKS proxy, as Chromium's `SOCKSConnectJob` does it
//! (`net/socket/socks_connect_job.cc`, `socks_client_socket.cc` for v4,
//! `socks5_client_socket.cc` for v5). The bytes are `tokio-socks`'s; which address is sent and
//! which error each failure becomes are Chromium's:
//!
//! - v4 resolves the origin's name here (IPv4 only: SOCKS4 has no room for IPv6) and sends the
//!   first address; a failed lookup fails the request, never falling back to SOCKS4a.
//! - v5 offers only "no authentication" and always sends the origin's host as a domain name
//!   (IP literals too), so the proxy resolves it; a host over 255 bytes cannot be sent.
//! - Any refusal is `ERR_SOCKS_CONNECTION_FAILED`, except v4's reply 92, which Chromium reports as
//!   `ERR_SOCKS_CONNECTION_HOST_UNREACHABLE`. The proxy closing during the handshake is
//!   `ERR_CONNECTION_CLOSED` for v4 and `ERR_SOCKS_CONNECTION_FAILED` for v5.
//! - The handshake has 30 seconds (`kSOCKSConnectJobTimeout`), then `ERR_TIMED_OUT`.
//!
//! After the handshake the stream is like a direct connection to the origin.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_socks::tcp::{Socks4Stream, Socks5Stream};
use tokio_socks::{Error as SocksError, TargetAddr};

use crate::errors::{classify_io, NetError, Stage};
use crate::wire::origin::{Origin, ProxyKind};
use crate::wire::resolve::{resolve_endpoint, HostResolve};

/// Chromium's `kSOCKSConnectJobTimeout`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens a relay to `origin` through the SOCKS proxy on `tcp`.
pub async fn handshake(
  tcp: TcpStream,
  version: ProxyKind,
  origin: &Origin,
  resolver: &dyn HostResolve,
) -> Result<TcpStream, NetError> {
  let relay = async {
    match version {
      ProxyKind::Socks4 => {
        let target = socks4_target(resolver, origin).await?;
        Socks4Stream::connect_with_socket(tcp, target)
          .await
          .map(Socks4Stream::into_inner)
          .map_err(|e| socks4_error(&e))
      }
      _ => {
        let target = socks5_target(origin)?;
        Socks5Stream::connect_with_socket(tcp, target)
          .await
          .map(Socks5Stream::into_inner)
          .map_err(|e| socks5_error(&e))
      }
    }
  };
  tokio::time::timeout(HANDSHAKE_TIMEOUT, relay)
    .await
    .unwrap_or(Err(NetError::ERR_TIMED_OUT))
}

/// The first IPv4 address of the origin (Chromium's `SOCKSClientSocket::DoResolveHost` asks for
/// A records only, through the session's resolver).
async fn socks4_target(
  resolver: &dyn HostResolve,
  origin: &Origin,
) -> Result<TargetAddr<'static>, NetError> {
  // The host mapping rules change only the address: the port sent stays the origin's, as
  // Chromium's SOCKS4 socket writes its destination's port.
  let (addrs, _) = resolve_endpoint(resolver, &origin.host, origin.port).await?;
  let v4 = addrs
    .as_slice()
    .iter()
    .find(|a| a.is_ipv4())
    .ok_or(NetError::ERR_NAME_NOT_RESOLVED)?;
  Ok(TargetAddr::Ip(SocketAddr::new(v4.ip(), origin.port)))
}

/// The origin's host as a domain name, whatever it is (`SOCKS5ClientSocket::
/// BuildHandshakeWriteBuffer` always writes address type 3).
fn socks5_target(origin: &Origin) -> Result<TargetAddr<'_>, NetError> {
  // Its length must fit in one byte (`DoGreetWrite`).
  if origin.host.len() > 255 {
    return Err(NetError::ERR_SOCKS_CONNECTION_FAILED);
  }
  Ok(TargetAddr::Domain(origin.host.as_str().into(), origin.port))
}

/// `SOCKSClientSocket::DoHandshakeReadComplete`.
fn socks4_error(e: &SocksError) -> NetError {
  match e {
    // Reply 92: "request rejected because SOCKS server cannot connect to identd", which
    // Chromium takes as its `kServerResponseNotReachable`.
    SocksError::IdentdAuthFailure => NetError::ERR_SOCKS_CONNECTION_HOST_UNREACHABLE,
    SocksError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
      NetError::ERR_CONNECTION_CLOSED
    }
    SocksError::Io(io) => classify_io(io, Stage::SendRequest),
    _ => NetError::ERR_SOCKS_CONNECTION_FAILED,
  }
}

/// `SOCKS5ClientSocket::DoGreetReadComplete` / `DoHandshakeReadComplete`: every reply code but
/// success, an unexpected version or method, and a close are the same error.
fn socks5_error(e: &SocksError) -> NetError {
  match e {
    SocksError::Io(io) if io.kind() != std::io::ErrorKind::UnexpectedEof => {
      classify_io(io, Stage::SendRequest)
    }
    _ => NetError::ERR_SOCKS_CONNECTION_FAILED,
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::wire::silent_server::{assert_gave_up_after, SilentServer};

  #[test]
  fn errors_are_named_as_chromium_names_them() {
    let eof = || SocksError::Io(std::io::ErrorKind::UnexpectedEof.into());
    assert_eq!(
      socks4_error(&SocksError::IdentdAuthFailure),
      NetError::ERR_SOCKS_CONNECTION_HOST_UNREACHABLE
    );
    for e in [
      SocksError::GeneralSocksServerFailure,
      SocksError::InvalidUserIdAuthFailure,
      SocksError::UnknownError,
      SocksError::InvalidResponseVersion,
    ] {
      assert_eq!(
        socks4_error(&e),
        NetError::ERR_SOCKS_CONNECTION_FAILED,
        "{e}"
      );
    }
    assert_eq!(socks4_error(&eof()), NetError::ERR_CONNECTION_CLOSED);
    // v5: host unreachable is no different from any other refusal.
    for e in [
      SocksError::HostUnreachable,
      SocksError::ConnectionRefused,
      SocksError::NoAcceptableAuthMethods,
      SocksError::InvalidReservedByte,
      eof(),
    ] {
      assert_eq!(
        socks5_error(&e),
        NetError::ERR_SOCKS_CONNECTION_FAILED,
        "{e}"
      );
    }
  }

  /// Knows IP literals only: the handshake under test never looks a name up.
  struct Literals;

  impl HostResolve for Literals {
    fn known(&self, host: &str) -> Option<Result<crate::wire::resolve::Addrs, NetError>> {
      let ip = host.parse().ok()?;
      Some(Ok(crate::wire::resolve::Addrs::One(SocketAddr::new(ip, 0))))
    }
    fn learned(&self, _: &str, _: &Result<crate::wire::resolve::Addrs, NetError>) {}
  }

  /// A proxy that accepts the connection and never answers the greeting: the handshake gives
  /// up after Chromium's 30 s with `ERR_TIMED_OUT`, not before, for both versions. The clock is
  /// tokio's paused one, which jumps to the next timer while every task waits on the socket.
  #[tokio::test(start_paused = true)]
  async fn a_silent_proxy_times_out_after_30_seconds() {
    let proxy = SilentServer::start().await;
    let origin = Origin {
      https: false,
      host: "127.0.0.1".into(),
      port: 8080,
    };
    for version in [ProxyKind::Socks4, ProxyKind::Socks5] {
      let tcp = TcpStream::connect(proxy.addr).await.unwrap();
      let started = tokio::time::Instant::now();
      let result = handshake(tcp, version, &origin, &Literals).await;
      assert_eq!(result.err(), Some(NetError::ERR_TIMED_OUT), "{version:?}");
      assert_gave_up_after(started, HANDSHAKE_TIMEOUT, &format!("{version:?}"));
    }
  }

  #[test]
  fn socks5_sends_names_and_ip_literals_as_domain_names() {
    let origin = |host: &str| Origin {
      https: false,
      host: host.into(),
      port: 80,
    };
    let o = origin("127.0.0.1");
    assert!(matches!(socks5_target(&o), Ok(TargetAddr::Domain(h, 80)) if h == "127.0.0.1"));
    assert_eq!(
      socks5_target(&origin(&"a".repeat(256))).err(),
      Some(NetError::ERR_SOCKS_CONNECTION_FAILED)
    );
  }
}
