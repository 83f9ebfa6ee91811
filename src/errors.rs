//! Chromium's network error names, and the one place that decides which name a failure gets.
//!
//! Rust never builds JS `Error`s: it reports a [`NetError`] (Chromium's `ERR_*` name and number,
//! from `net/base/net_error_list.h`) and `lib/errors.js` turns it into the `Error` users see.
//! Classification walks an error's `source()` chain, as reqwest's `error.rs` does, so the same
//! io/rustls/h2 failure gets the same name wherever it surfaced. Decisions that depend on
//! what the connection saw (a close during the head or the body, a failed name lookup) are
//! named pure functions here too; only malformed input is named by the parser that finds it
//! (`http1/response_head.rs`, `http1/body.rs`, each unit-tested there).

use std::error::Error as StdError;
use std::io;

/// A Chromium network error: the name without its `net::` prefix, and its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetError {
  pub name: &'static str,
  pub code: i32,
}

macro_rules! net_errors {
  ($($ident:ident = $code:expr;)*) => {
    impl NetError {
      $(pub const $ident: NetError = NetError { name: stringify!($ident), code: $code };)*
      /// Every error named here (a verify proc's `callback(code)` is looked up in it).
      pub const ALL: &'static [NetError] = &[$(NetError::$ident),*];
    }
  };
}

// Numbers from Chromium's net/base/net_error_list.h.
net_errors! {
  ERR_FAILED = -2;
  ERR_ABORTED = -3;
  ERR_INVALID_ARGUMENT = -4;
  ERR_TIMED_OUT = -7;
  ERR_UNEXPECTED = -9;
  ERR_BLOCKED_BY_CLIENT = -20;
  ERR_CONNECTION_CLOSED = -100;
  ERR_CONNECTION_RESET = -101;
  ERR_CONNECTION_REFUSED = -102;
  ERR_CONNECTION_ABORTED = -103;
  ERR_CONNECTION_FAILED = -104;
  ERR_NAME_NOT_RESOLVED = -105;
  ERR_INTERNET_DISCONNECTED = -106;
  ERR_SSL_PROTOCOL_ERROR = -107;
  ERR_ADDRESS_INVALID = -108;
  ERR_ADDRESS_UNREACHABLE = -109;
  ERR_SSL_VERSION_OR_CIPHER_MISMATCH = -113;
  ERR_CONNECTION_TIMED_OUT = -118;
  ERR_SOCKS_CONNECTION_FAILED = -120;
  ERR_SOCKS_CONNECTION_HOST_UNREACHABLE = -121;
  ERR_TUNNEL_CONNECTION_FAILED = -111;
  ERR_PROXY_CONNECTION_FAILED = -130;
  ERR_PROXY_CERTIFICATE_INVALID = -136;
  ERR_CERT_COMMON_NAME_INVALID = -200;
  ERR_CERT_DATE_INVALID = -201;
  ERR_CERT_AUTHORITY_INVALID = -202;
  ERR_CERT_CONTAINS_ERRORS = -203;
  ERR_CERT_NO_REVOCATION_MECHANISM = -204;
  ERR_CERT_UNABLE_TO_CHECK_REVOCATION = -205;
  ERR_CERT_REVOKED = -206;
  ERR_CERT_INVALID = -207;
  ERR_CERT_WEAK_SIGNATURE_ALGORITHM = -208;
  ERR_CERT_NON_UNIQUE_NAME = -210;
  ERR_CERT_WEAK_KEY = -211;
  ERR_CERT_NAME_CONSTRAINT_VIOLATION = -212;
  ERR_CERT_VALIDITY_TOO_LONG = -213;
  ERR_CERTIFICATE_TRANSPARENCY_REQUIRED = -214;
  ERR_CERT_SYMANTEC_LEGACY = -215;
  ERR_CERT_KNOWN_INTERCEPTION_BLOCKED = -217;
  ERR_SSL_HANDSHAKE_NOT_COMPLETED = -148;
  ERR_SSL_BAD_PEER_PUBLIC_KEY = -149;
  ERR_SSL_PINNED_KEY_NOT_IN_CERT_CHAIN = -150;
  ERR_SSL_DECRYPT_ERROR_ALERT = -153;
  ERR_SSL_SERVER_CERT_CHANGED = -156;
  ERR_SSL_UNRECOGNIZED_NAME_ALERT = -159;
  ERR_SSL_SERVER_CERT_BAD_FORMAT = -167;
  ERR_SSL_KEY_USAGE_INCOMPATIBLE = -181;
  ERR_DISALLOWED_URL_SCHEME = -301;
  ERR_UNSAFE_PORT = -312;
  ERR_INVALID_URL = -300;
  ERR_UNKNOWN_URL_SCHEME = -302;
  ERR_INVALID_REDIRECT = -303;
  ERR_TOO_MANY_REDIRECTS = -310;
  ERR_UNSAFE_REDIRECT = -311;
  ERR_INVALID_RESPONSE = -320;
  ERR_UNEXPECTED_PROXY_AUTH = -323;
  ERR_INVALID_CHUNKED_ENCODING = -321;
  ERR_EMPTY_RESPONSE = -324;
  ERR_RESPONSE_HEADERS_TOO_BIG = -325;
  ERR_RESPONSE_HEADERS_TRUNCATED = -357;
  ERR_CONTENT_DECODING_FAILED = -330;
  ERR_NO_SUPPORTED_PROXIES = -336;
  ERR_CACHE_MISS = -400;
  ERR_CACHE_READ_FAILURE = -401;
  ERR_INCOMPLETE_CHUNKED_ENCODING = -355;
  ERR_HTTP2_PROTOCOL_ERROR = -337;
  ERR_HTTP2_SERVER_REFUSED_STREAM = -351;
  ERR_HTTP2_FLOW_CONTROL_ERROR = -361;
  ERR_HTTP2_FRAME_SIZE_ERROR = -362;
  ERR_HTTP2_COMPRESSION_ERROR = -363;
  ERR_HTTP_1_1_REQUIRED = -365;
  ERR_INVALID_AUTH_CREDENTIALS = -338;
  ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH = -346;
  ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION = -349;
  ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION = -350;
  ERR_CONTENT_LENGTH_MISMATCH = -354;
  ERR_INVALID_HTTP_RESPONSE = -370;
  ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED = -25;
  ERR_DNS_CACHE_MISS = -804;
}

impl NetError {
  /// Chromium's `IsCertificateError`: the codes from `ERR_CERT_BEGIN` (-200) to before
  /// `ERR_CERT_END` (-219).
  pub fn is_certificate_error(self) -> bool {
    (-218..=-200).contains(&self.code)
  }

  /// The error Chromium numbers `code` (a negative `net_error_list.h` value), if named here.
  pub fn from_code(code: i32) -> Option<NetError> {
    NetError::ALL.iter().copied().find(|e| e.code == code)
  }
}

impl std::fmt::Display for NetError {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    write!(f, "net::{}", self.name)
  }
}

impl StdError for NetError {}

/// Which stage of a transaction an error happened in: the same io error means different things
/// (a reset while connecting is a refused connection, a reset while reading the body is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
  Connect,
  Tls,
  SendRequest,
  ReadHeaders,
  ReadBody,
}

impl From<NetError> for io::Error {
  fn from(e: NetError) -> io::Error {
    io::Error::other(e)
  }
}

/// Names a failure by walking its `source()` chain: an embedded [`NetError`] wins, then rustls
/// errors (certificate and handshake failures), then the innermost `io::Error`.
pub fn classify(err: &(dyn StdError + 'static), stage: Stage) -> NetError {
  let mut io_kind: Option<&io::Error> = None;
  let mut current: Option<&(dyn StdError + 'static)> = Some(err);
  while let Some(e) = current {
    if let Some(net) = e.downcast_ref::<NetError>() {
      return *net;
    }
    if let Some(tls) = e.downcast_ref::<rustls::Error>() {
      return classify_tls(tls);
    }
    if let Some(io) = e.downcast_ref::<io::Error>() {
      io_kind = Some(io);
      // `io::Error::source()` skips the wrapped error itself; look inside it.
      if let Some(inner) = io.get_ref() {
        current = Some(inner);
        continue;
      }
    }
    if let Some(h2) = e.downcast_ref::<h2::Error>() {
      // h2's errors have no `source()`: the socket error or the peer's reset is inside.
      if let Some(io) = h2.get_io() {
        // h2 keeps only the kind and text of its socket's error, so the rustls error of a bad
        // record (which over HTTP/1.1 is found and named) is lost; h2 runs over TLS only, and
        // of its layers only TLS reports bad data.
        if io.kind() == io::ErrorKind::InvalidData {
          return NetError::ERR_SSL_PROTOCOL_ERROR;
        }
        if h2_saw_the_end(io) {
          return NetError::ERR_CONNECTION_CLOSED;
        }
        current = Some(io);
        continue;
      }
      if let Some(net) = classify_h2(h2) {
        return net;
      }
    }
    current = e.source();
  }
  match io_kind {
    Some(io) => classify_io(io, stage),
    None => match stage {
      Stage::ReadBody | Stage::ReadHeaders => NetError::ERR_HTTP2_PROTOCOL_ERROR,
      _ => NetError::ERR_FAILED,
    },
  }
}

/// The peer closed the connection before the final response head was complete (Chromium's
/// `HttpStreamParser::HandleReadHeaderResult`): nothing at all is an empty response; part of a
/// head is truncated headers over https, where a truncation may be an attack. Over http
/// Chromium parses what arrived instead (`Connection::read_head`).
pub fn closed_during_head(got_bytes: bool, secure: bool) -> NetError {
  if !got_bytes {
    NetError::ERR_EMPTY_RESPONSE
  } else if secure {
    NetError::ERR_RESPONSE_HEADERS_TRUNCATED
  } else {
    // Over plain HTTP a cut-off head that has a status line is delivered as the response
    // (`Connection::read_head`); this is what is left when it cannot be.
    NetError::ERR_CONNECTION_CLOSED
  }
}

/// The peer closed the connection before a framed body was complete: the name depends on the
/// framing, as hyper's single "incomplete message" cannot tell (Chromium's `HttpStreamParser`).
pub fn closed_during_body(chunked: bool) -> NetError {
  if chunked {
    NetError::ERR_INCOMPLETE_CHUNKED_ENCODING
  } else {
    NetError::ERR_CONTENT_LENGTH_MISMATCH
  }
}

/// A host name lookup failed (`err`) or found no address (`None`). Chromium reports every
/// resolver failure as `ERR_NAME_NOT_RESOLVED` (`HostResolverSystemTask`), whatever the OS
/// error says: a refused or timed-out DNS query is not a refused or timed-out connection.
pub fn resolve_failed(err: Option<&io::Error>) -> NetError {
  let _ = err;
  NetError::ERR_NAME_NOT_RESOLVED
}

/// An HTTP/2 stream or connection ended by a RST_STREAM or GOAWAY (`None` for an h2 error that
/// carries no reason). As Chromium's `SpdySession`:
/// - the server's frames (`OnRstStream`, `OnGoAway`): HTTP_1_1_REQUIRED is
///   `ERR_HTTP_1_1_REQUIRED`; a refused stream, and a stream above the last one a graceful
///   GOAWAY (NO_ERROR) accepted, are `ERR_HTTP2_SERVER_REFUSED_STREAM` (retried elsewhere);
///   any other code is a protocol error, a GOAWAY's too (not retried);
/// - what the client itself found wrong is named by its kind (`MapFramerErrorToNetError`):
///   flow control, frame size and header compression have names of their own.
pub fn classify_h2(e: &h2::Error) -> Option<NetError> {
  use h2::Reason;
  let reason = e.reason()?;
  Some(match reason {
    Reason::HTTP_1_1_REQUIRED => NetError::ERR_HTTP_1_1_REQUIRED,
    Reason::REFUSED_STREAM if !e.is_go_away() => NetError::ERR_HTTP2_SERVER_REFUSED_STREAM,
    Reason::NO_ERROR if e.is_go_away() && e.is_remote() => {
      NetError::ERR_HTTP2_SERVER_REFUSED_STREAM
    }
    _ if e.is_remote() => NetError::ERR_HTTP2_PROTOCOL_ERROR,
    Reason::FLOW_CONTROL_ERROR => NetError::ERR_HTTP2_FLOW_CONTROL_ERROR,
    Reason::FRAME_SIZE_ERROR => NetError::ERR_HTTP2_FRAME_SIZE_ERROR,
    Reason::COMPRESSION_ERROR => NetError::ERR_HTTP2_COMPRESSION_ERROR,
    _ => NetError::ERR_HTTP2_PROTOCOL_ERROR,
  })
}

/// Whether h2 reports the end of the connection: it turns a read of 0 into a "broken pipe" of
/// its own, and its frame reader a connection that ends inside a frame into "bytes remaining
/// on stream". Chromium's `SpdySession` drains on a read of 0 with `ERR_CONNECTION_CLOSED`,
/// whatever was left unread; a real `EPIPE` from a write stays a reset.
pub(crate) fn h2_saw_the_end(io: &io::Error) -> bool {
  let text = io.to_string();
  match io.kind() {
    io::ErrorKind::BrokenPipe => text.ends_with("closed because of a broken pipe"),
    io::ErrorKind::Other => text == "bytes remaining on stream",
    _ => false,
  }
}

/// Maps an OS-level socket error the way Chromium's `MapSystemError` does.
pub fn classify_io(err: &io::Error, stage: Stage) -> NetError {
  use io::ErrorKind::*;
  match err.kind() {
    ConnectionRefused => NetError::ERR_CONNECTION_REFUSED,
    ConnectionReset => NetError::ERR_CONNECTION_RESET,
    // Chromium maps EPIPE to ERR_CONNECTION_RESET (net/base/net_errors_posix.cc).
    BrokenPipe => NetError::ERR_CONNECTION_RESET,
    // A socket that accepts no more bytes mid-request has gone away.
    WriteZero => NetError::ERR_CONNECTION_RESET,
    ConnectionAborted => NetError::ERR_CONNECTION_ABORTED,
    TimedOut if stage == Stage::Connect => NetError::ERR_CONNECTION_TIMED_OUT,
    TimedOut => NetError::ERR_TIMED_OUT,
    HostUnreachable | NetworkUnreachable => NetError::ERR_ADDRESS_UNREACHABLE,
    AddrNotAvailable => NetError::ERR_ADDRESS_INVALID,
    NetworkDown => NetError::ERR_INTERNET_DISCONNECTED,
    UnexpectedEof => NetError::ERR_CONNECTION_CLOSED,
    _ => match stage {
      Stage::Tls => NetError::ERR_SSL_PROTOCOL_ERROR,
      Stage::Connect => NetError::ERR_CONNECTION_FAILED,
      _ => NetError::ERR_FAILED,
    },
  }
}

/// Maps a rustls failure to Chromium's certificate / handshake names.
pub fn classify_tls(err: &rustls::Error) -> NetError {
  use rustls::{AlertDescription, CertificateError, Error};
  match err {
    Error::InvalidCertificate(cert) => match cert {
      CertificateError::UnknownIssuer => NetError::ERR_CERT_AUTHORITY_INVALID,
      CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
        NetError::ERR_CERT_COMMON_NAME_INVALID
      }
      CertificateError::Expired
      | CertificateError::ExpiredContext { .. }
      | CertificateError::NotValidYet
      | CertificateError::NotValidYetContext { .. } => NetError::ERR_CERT_DATE_INVALID,
      CertificateError::Revoked => NetError::ERR_CERT_REVOKED,
      // webpki's remaining chain failures (e.g. a self-signed CA certificate presented as the
      // server's) are problems of trust, which Chromium reports as an invalid authority.
      CertificateError::Other(_) => NetError::ERR_CERT_AUTHORITY_INVALID,
      _ => NetError::ERR_CERT_INVALID,
    },
    Error::AlertReceived(AlertDescription::ProtocolVersion)
    | Error::AlertReceived(AlertDescription::HandshakeFailure)
    | Error::AlertReceived(AlertDescription::InsufficientSecurity)
    | Error::PeerIncompatible(_) => NetError::ERR_SSL_VERSION_OR_CIPHER_MISMATCH,
    _ => NetError::ERR_SSL_PROTOCOL_ERROR,
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn refused_connection_is_err_connection_refused() {
    let e = io::Error::from(io::ErrorKind::ConnectionRefused);
    assert_eq!(
      classify(&e, Stage::Connect),
      NetError::ERR_CONNECTION_REFUSED
    );
  }

  #[test]
  fn broken_pipe_is_a_reset_like_chromium() {
    let e = io::Error::from(io::ErrorKind::BrokenPipe);
    assert_eq!(
      classify(&e, Stage::SendRequest),
      NetError::ERR_CONNECTION_RESET
    );
  }

  #[test]
  fn connection_reset_is_err_connection_reset_at_every_stage() {
    for stage in [
      Stage::Connect,
      Stage::Tls,
      Stage::SendRequest,
      Stage::ReadHeaders,
      Stage::ReadBody,
    ] {
      let e = io::Error::from(io::ErrorKind::ConnectionReset);
      assert_eq!(
        classify(&e, stage),
        NetError::ERR_CONNECTION_RESET,
        "{stage:?}"
      );
    }
    // Found inside the wrappers h2 and tokio-rustls put around it.
    let wrapped = io::Error::other(io::Error::from(io::ErrorKind::ConnectionReset));
    assert_eq!(
      classify(&wrapped, Stage::ReadBody),
      NetError::ERR_CONNECTION_RESET
    );
  }

  #[test]
  fn http2_resets_are_protocol_errors_unless_refused() {
    let reset = h2::Error::from(h2::Reason::INTERNAL_ERROR);
    assert_eq!(
      classify(&reset, Stage::ReadBody),
      NetError::ERR_HTTP2_PROTOCOL_ERROR
    );
    let refused = h2::Error::from(h2::Reason::REFUSED_STREAM);
    assert_eq!(
      classify(&refused, Stage::ReadHeaders),
      NetError::ERR_HTTP2_SERVER_REFUSED_STREAM
    );
  }

  #[test]
  fn a_socket_that_takes_no_more_bytes_is_a_reset() {
    let e = io::Error::from(io::ErrorKind::WriteZero);
    assert_eq!(
      classify_io(&e, Stage::SendRequest),
      NetError::ERR_CONNECTION_RESET
    );
  }

  #[test]
  fn a_close_during_the_head_depends_on_bytes_and_scheme() {
    assert_eq!(
      closed_during_head(false, false),
      NetError::ERR_EMPTY_RESPONSE
    );
    assert_eq!(
      closed_during_head(false, true),
      NetError::ERR_EMPTY_RESPONSE
    );
    assert_eq!(
      closed_during_head(true, false),
      NetError::ERR_CONNECTION_CLOSED
    );
    assert_eq!(
      closed_during_head(true, true),
      NetError::ERR_RESPONSE_HEADERS_TRUNCATED
    );
  }

  #[test]
  fn a_close_during_the_body_names_its_framing() {
    assert_eq!(
      closed_during_body(true),
      NetError::ERR_INCOMPLETE_CHUNKED_ENCODING
    );
    assert_eq!(
      closed_during_body(false),
      NetError::ERR_CONTENT_LENGTH_MISMATCH
    );
  }

  #[test]
  fn every_resolver_failure_is_name_not_resolved() {
    assert_eq!(resolve_failed(None), NetError::ERR_NAME_NOT_RESOLVED);
    for kind in [
      io::ErrorKind::ConnectionRefused,
      io::ErrorKind::TimedOut,
      io::ErrorKind::Other,
    ] {
      assert_eq!(
        resolve_failed(Some(&io::Error::from(kind))),
        NetError::ERR_NAME_NOT_RESOLVED
      );
    }
  }

  #[test]
  fn timeouts_depend_on_stage() {
    let e = io::Error::from(io::ErrorKind::TimedOut);
    assert_eq!(
      classify(&e, Stage::Connect),
      NetError::ERR_CONNECTION_TIMED_OUT
    );
    assert_eq!(classify(&e, Stage::ReadBody), NetError::ERR_TIMED_OUT);
  }

  #[test]
  fn embedded_net_error_wins_over_io_kind() {
    let e = io::Error::other(NetError::ERR_INCOMPLETE_CHUNKED_ENCODING);
    assert_eq!(
      classify(&e, Stage::ReadBody),
      NetError::ERR_INCOMPLETE_CHUNKED_ENCODING
    );
  }

  #[test]
  fn rustls_errors_inside_io_errors_are_found() {
    let unknown = io::Error::new(
      io::ErrorKind::InvalidData,
      rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
    );
    assert_eq!(
      classify(&unknown, Stage::Tls),
      NetError::ERR_CERT_AUTHORITY_INVALID
    );
    let name = io::Error::new(
      io::ErrorKind::InvalidData,
      rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName),
    );
    assert_eq!(
      classify(&name, Stage::Tls),
      NetError::ERR_CERT_COMMON_NAME_INVALID
    );
    let expired = io::Error::new(
      io::ErrorKind::InvalidData,
      rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
    );
    assert_eq!(
      classify(&expired, Stage::Tls),
      NetError::ERR_CERT_DATE_INVALID
    );
  }

  #[test]
  fn handshake_alerts_are_protocol_or_version_errors() {
    let version = rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion);
    assert_eq!(
      classify_tls(&version),
      NetError::ERR_SSL_VERSION_OR_CIPHER_MISMATCH
    );
    let other = rustls::Error::AlertReceived(rustls::AlertDescription::DecodeError);
    assert_eq!(classify_tls(&other), NetError::ERR_SSL_PROTOCOL_ERROR);
  }

  #[test]
  fn unknown_tls_io_failure_is_a_protocol_error() {
    let e = io::Error::from(io::ErrorKind::InvalidData);
    assert_eq!(classify(&e, Stage::Tls), NetError::ERR_SSL_PROTOCOL_ERROR);
  }

  #[test]
  fn display_has_the_net_prefix() {
    assert_eq!(
      NetError::ERR_EMPTY_RESPONSE.to_string(),
      "net::ERR_EMPTY_RESPONSE"
    );
  }
}

#[cfg(test)]
pub(crate) mod h2_end_tests {
  use super::*;
  use std::future::Future;
  use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

  /// The h2 error a request gets from a real h2 client connection whose server side is `peer`
  /// (h2::Error has no public constructor for every kind).
  pub(crate) async fn h2_error_from<F, P>(peer: P) -> h2::Error
  where
    P: FnOnce(DuplexStream) -> F,
    F: Future<Output = ()> + Send + 'static,
  {
    let (client, server) = tokio::io::duplex(1 << 16);
    tokio::spawn(peer(server));
    let (sender, conn) = h2::client::handshake(client)
      .await
      .expect("the client side of the handshake only writes");
    tokio::spawn(async move {
      let _ = conn.await;
    });
    let mut sender = match sender.ready().await {
      Ok(sender) => sender,
      Err(e) => return e,
    };
    match sender.send_request(http::Request::new(()), true) {
      Ok((response, _)) => response.await.expect_err("no response comes"),
      Err(e) => e,
    }
  }

  /// Reads what the client sends until it is done.
  pub(crate) async fn drain(server: &mut DuplexStream) {
    let mut sink = [0u8; 4096];
    while matches!(server.read(&mut sink).await, Ok(n) if n > 0) {}
  }

  /// The h2 error of a request whose server sends `bytes` (after its SETTINGS) and closes.
  async fn h2_error_after(bytes: &'static [u8]) -> h2::Error {
    h2_error_from(|mut server| async move {
      let mut preface = [0u8; 24];
      let _ = server.read_exact(&mut preface).await;
      // An empty SETTINGS, then what the case sends, then the end of the connection.
      let _ = server.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await;
      let _ = server.write_all(bytes).await;
      let _ = server.shutdown().await;
      drain(&mut server).await;
    })
    .await
  }

  /// Pins the words h2 uses for the end of the connection (`h2_saw_the_end`): if an h2 update
  /// changes them, this fails rather than the name quietly becoming a reset or ERR_FAILED.
  #[tokio::test]
  async fn the_end_of_an_h2_connection_is_connection_closed() {
    let at_a_frame_boundary = h2_error_after(b"").await;
    assert_eq!(
      classify(&at_a_frame_boundary, Stage::ReadHeaders),
      NetError::ERR_CONNECTION_CLOSED,
      "{at_a_frame_boundary:?}"
    );
    // A PING frame header announcing 8 bytes, and 3 of them.
    let inside_a_frame = h2_error_after(&[0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3]).await;
    assert_eq!(
      classify(&inside_a_frame, Stage::ReadHeaders),
      NetError::ERR_CONNECTION_CLOSED,
      "{inside_a_frame:?}"
    );
  }
}
