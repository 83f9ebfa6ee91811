//! Property tests for every parser the engine owns: arbitrary input never panics, and what the
//! parsers return keeps their invariants. Bounded (`PROPTEST_CASES`, default 20,000 per
//! property) so they run in CI with `cargo test`.

use bytes::BytesMut;
use proptest::prelude::*;

use crate::errors::{classify, NetError};
use crate::request::auth;
use crate::request::fetch_metadata;
use crate::request::redirect;
use crate::request::referrer;
use crate::wire::headers::{self, BodySize, EngineHeaders};
use crate::wire::http1::body::{Decoder, Framing};
use crate::wire::http1::head_scan::HeadScan;
use crate::wire::http1::{request_head, response_head};
use classification::{leaf, wrap, wrapper, STAGES};

fn config() -> ProptestConfig {
  let cases = std::env::var("PROPTEST_CASES")
    .ok()
    .and_then(|v| v.parse().ok())
    .unwrap_or(20_000);
  ProptestConfig::with_cases(cases)
}

/// Bytes that look like an HTTP response head often enough to reach deep parser states.
fn head_like() -> impl Strategy<Value = Vec<u8>> {
  let line = prop_oneof![
    Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
    Just(b"HTTP/1.0 301 \r\n".to_vec()),
    Just(b"Content-Length: 5\r\n".to_vec()),
    Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
    Just(b" folded\r\n".to_vec()),
    Just(b"\r\n".to_vec()),
    Just(b"\r".to_vec()),
    Just(b"\n".to_vec()),
    Just(b"X-A: 1\r".to_vec()),
    Just(b"Location: /a\r\n".to_vec()),
    Just(b"Location: /b\n".to_vec()),
    Just(b"Content-Length: 5, 6\r\n".to_vec()),
    Just(b"Bad Name: x\r\n".to_vec()),
    Just(b"\0".to_vec()),
    prop::collection::vec(any::<u8>(), 0..40),
  ];
  prop::collection::vec(line, 0..12).prop_map(|parts| parts.concat())
}

/// Chunked bodies, mostly well-formed, with the size-line variants Chromium's
/// `HttpChunkedDecoder` accepts and refuses (white space, signs, `0x`, extensions, overflow).
fn chunked_like() -> impl Strategy<Value = Vec<u8>> {
  let size = prop_oneof![
    Just("3".to_string()),
    Just("03".to_string()),
    Just("3  ".to_string()),
    Just(" 3".to_string()),
    Just("3\t".to_string()),
    Just("+3".to_string()),
    Just("0x3".to_string()),
    Just("3;ext=\"a;b\"".to_string()),
    Just("".to_string()),
    Just("8000000000000000".to_string()),
    Just("7fffffffffffffff".to_string()),
  ];
  let eol = prop_oneof![Just("\r\n"), Just("\n"), Just("\r\r\n")];
  let chunk = (size, eol.clone(), "[a-z]{3}", eol.clone())
    .prop_map(|(size, e1, data, e2)| format!("{size}{e1}{data}{e2}"));
  (
    prop::collection::vec(chunk, 0..4),
    eol,
    prop::option::of("X-T: 1\r\n"),
    any::<bool>(),
  )
    .prop_map(|(chunks, eol, trailer, end)| {
      let mut body = chunks.concat();
      if end {
        body.push_str(&format!("0{eol}{}{eol}", trailer.unwrap_or_default()));
      }
      body.into_bytes()
    })
}

/// Feeds `input` to a chunked decoder in pieces cut at `cuts` (the rest in one), taking at most
/// `take` bytes at a time; returns the body, whether it ended, what was left over, and the
/// error if one came.
fn run_chunked(
  input: &[u8],
  cuts: &[usize],
  take: usize,
) -> (Vec<u8>, bool, Vec<u8>, Option<NetError>) {
  let mut decoder = Decoder::new(Framing::Chunked);
  let mut buf = BytesMut::new();
  let mut out = Vec::new();
  let mut rest = input;
  let pieces = cuts
    .iter()
    .map(|&cut| cut.min(input.len()))
    .chain([usize::MAX]);
  for cut in pieces {
    let n = cut.min(rest.len());
    buf.extend_from_slice(&rest[..n]);
    rest = &rest[n..];
    loop {
      match decoder.decode(&mut buf, take) {
        Ok(Some(data)) => out.extend_from_slice(&data),
        Ok(None) => break,
        Err(e) => return (out, false, Vec::new(), Some(e)),
      }
    }
  }
  let done = decoder.is_done();
  (out, done, buf.to_vec(), decoder.at_eof().err())
}

proptest! {
  #![proptest_config(config())]

  #[test]
  fn response_head_capture_never_panics(input in head_like()) {
    if let Ok(response_head::Parsed::Complete(head, used)) = response_head::parse(&input) {
      prop_assert!(used <= input.len());
      prop_assert!(head.minor_version <= 1);
      for (name, value) in head.headers.iter() {
        prop_assert!(crate::wire::syntax::is_token(name));
        prop_assert!(!value.contains(['\r', '\n', '\0']));
        prop_assert!(!value.starts_with([' ', '\t']) && !value.ends_with([' ', '\t']));
      }
    }
  }

  /// A head split across reads at arbitrary points gives what it gives in one read: the same
  /// head and length, the same error, or the same "not complete yet"; and a head cut off by a
  /// close parses without panicking.
  #[test]
  fn response_head_splits_do_not_change_the_result(
    input in head_like(),
    cuts in prop::collection::vec(0usize..64, 0..12),
  ) {
    let whole = response_head::parse(&input);
    let mut scan = HeadScan::default();
    let mut at: usize = 0;
    let mut split = Ok(response_head::Parsed::Partial);
    for cut in cuts.into_iter().chain([usize::MAX]) {
      at = at.saturating_add(cut).min(input.len());
      match scan.find_end(&input[..at]) {
        Ok(None) => {}
        Ok(Some(end)) => {
          split = response_head::parse_head(&input[..end], false)
            .map(|head| response_head::Parsed::Complete(head, end));
          break;
        }
        Err(e) => {
          split = Err(e);
          break;
        }
      }
    }
    prop_assert_eq!(&split, &whole);
    if let Ok(response_head::Parsed::Partial) = whole {
      if scan.found_status_line() {
        if let Ok(head) = response_head::parse_head(&input, true) {
          prop_assert!(head.truncated);
        }
      }
    }
  }

  /// A chunked body split across reads at arbitrary points, and taken out in pieces of any
  /// size, gives the same bytes, the same end and the same error as in one read.
  #[test]
  fn chunked_body_splits_do_not_change_the_result(
    input in prop_oneof![
      chunked_like(),
      prop::collection::vec(any::<u8>(), 0..200),
    ],
    cuts in prop::collection::vec(1usize..40, 0..12),
    take in 1usize..20,
  ) {
    let one_read = run_chunked(&input, &[], usize::MAX);
    let split = run_chunked(&input, &cuts, take);
    prop_assert_eq!(split, one_read);
  }

  #[test]
  fn body_decoder_never_panics_and_never_invents_bytes(
    framing in prop_oneof![
      Just(Framing::Chunked),
      Just(Framing::UntilClose),
      Just(Framing::Empty),
      (0u64..200).prop_map(Framing::Length),
    ],
    input in prop_oneof![
      prop::collection::vec(any::<u8>(), 0..300),
      "([0-9a-fA-F]{1,3}(;x=y)?\r\n[a-z]{0,20}\r\n){0,5}(0\r\n(X: y\r\n)?\r\n)?".prop_map(String::into_bytes),
    ],
    cuts in prop::collection::vec(1usize..50, 0..10),
  ) {
    let mut decoder = Decoder::new(framing);
    let mut buf = BytesMut::new();
    let mut fed = 0;
    let mut out = 0usize;
    let mut pieces: Vec<&[u8]> = Vec::new();
    let mut rest = input.as_slice();
    for cut in cuts {
      let n = cut.min(rest.len());
      pieces.push(&rest[..n]);
      rest = &rest[n..];
    }
    pieces.push(rest);
    'feed: for piece in pieces {
      buf.extend_from_slice(piece);
      fed += piece.len();
      loop {
        match decoder.decode(&mut buf, 7) {
          Ok(Some(data)) => out += data.len(),
          Ok(None) => break,
          Err(_) => break 'feed,
        }
      }
      let _ = decoder.settle(&mut buf);
    }
    let _ = decoder.at_eof();
    prop_assert!(out <= fed);
    if let Framing::Length(n) = framing {
      prop_assert!(out as u64 <= n);
    }
  }

  #[test]
  fn auth_challenge_parsing_never_panics(values in prop::collection::vec(
    prop_oneof![
      "(Basic|Digest|NTLM|basic) ?(realm=\"[^\"]{0,10}\")?(, ?[a-z]{1,6}=\"?[a-zA-Z0-9 ,=]{0,10}\"?){0,4}",
      any::<String>(),
    ],
    0..3,
  )) {
    let challenges = auth::parse_challenges(values.iter().map(String::as_str));
    for ch in &challenges {
      prop_assert_eq!(ch.scheme.clone(), ch.scheme.to_ascii_lowercase());
    }
    if let Some(ch) = auth::choose(&challenges) {
      if let Some(mut answer) = auth::Answer::for_challenge(&ch) {
        let creds = auth::Credentials { username: "u".into(), password: "p".into() };
        let _ = answer.header_value(&creds, "GET", "/x");
      }
    }
  }

  #[test]
  fn error_classification_matches_the_table(
    leaf in leaf(),
    wrappers in prop::collection::vec(wrapper(), 0..4),
    stage in 0usize..5,
  ) {
    let (stage, wrappers) = leaf.situation(STAGES[stage], wrappers);
    let (err, innermost_io) = wrap(leaf.build(), &wrappers);
    let expected = leaf.expected(innermost_io, stage);
    let named = classify(err.as_ref(), stage);
    prop_assert_eq!(named, expected, "{:?} in {:?} at {:?}", leaf, wrappers, stage);
    prop_assert!(named.code < 0);
  }

  #[test]
  fn redirect_location_resolution_never_panics(
    status in prop_oneof![Just(301u16), Just(302), Just(303), Just(307), Just(308), 100u16..600],
    location in prop_oneof![
      "(https?|file|data|about|ftp)://[a-z.]{0,10}(:[0-9]{0,6})?(/[a-z%.]{0,8}){0,3}(\\?[a-z=&]{0,8})?(#[a-z]{0,5})?",
      "(/|\\.\\./|//)?[a-zA-Z0-9/?#%.:@\\[\\]-]{0,30}",
      any::<String>(),
    ],
    method in prop_oneof![Just("GET"), Just("POST"), Just("HEAD"), Just("PUT")],
    hops in 0u32..25,
  ) {
    let base = url::Url::parse("http://a.example:8080/dir/page?q=1#frag").unwrap();
    if let Ok(Some(plan)) = redirect::plan(status, Some(&location), &base, method, hops) {
      prop_assert!(hops < redirect::MAX_REDIRECTS);
      prop_assert!(!plan.url.cannot_be_a_base() || plan.url.scheme() != "http");
      let _ = redirect::check_target(&plan.url);
      let kept = redirect::next_headers(
        &[("Authorization".into(), "x".into()), ("X-A".into(), "1".into())], &base, &plan);
      if plan.url.origin() != base.origin() {
        prop_assert!(kept.iter().all(|(n, _)| !n.eq_ignore_ascii_case("authorization")));
      }
    }
  }

  #[test]
  fn referrer_and_fetch_metadata_never_panic(
    referer in any::<String>(),
    origin in any::<String>(),
    policy in any::<String>(),
  ) {
    let target = url::Url::parse("https://b.example/x").unwrap();
    let policy = referrer::parse_policy(Some(&policy));
    let _ = referrer::check_initial(policy, &referer, &target);
    let _ = referrer::for_redirect(policy, &referer, &target);
    let initiator = fetch_metadata::initiator(Some(&origin), &[], &target);
    let site = fetch_metadata::site_for(initiator.as_ref(), &target);
    let _ = fetch_metadata::apply(&[("Sec-Fetch-Dest".into(), referer.clone())], &target, site, true);
  }

  #[test]
  fn only_token_methods_pass(method in any::<String>()) {
    let head = request_head::encode::<&str, &str>(&method, "/", &[]);
    prop_assert_eq!(head.is_ok(), crate::request::headers::check_method(&method).is_ok());
    if let Ok(head) = head {
      prop_assert_eq!(String::from_utf8_lossy(&head).matches('\n').count(), 2);
    }
  }

  #[test]
  fn nothing_that_passes_the_wire_check_can_inject_a_header(
    headers in prop::collection::vec((any::<String>(), any::<String>()), 0..6),
  ) {
    let engine = EngineHeaders::default();
    let wire = request_head::compose("a.example", "POST", BodySize::Known(1), false, &engine, &headers);
    let head = request_head::encode("POST", "/", &wire);
    prop_assert_eq!(head.is_ok(), headers::check_wire_safe(&headers).is_ok());
    if let Ok(head) = head {
      let text = String::from_utf8_lossy(&head);
      // One request line, one line per header, then the blank line: no extra line breaks.
      prop_assert_eq!(text.matches("\r\n").count(), wire.len() + 2);
      prop_assert_eq!(text.matches('\n').count(), wire.len() + 2);
    }
  }
}

/// Strategies and the expected-name table for `error_classification_matches_the_table`. The
/// table is written out from Chromium's mapping (`net/base/net_errors_posix.cc` MapSystemError,
/// `net/socket/ssl_client_socket_impl.cc` for certificates and handshakes, reference §12), not
/// derived from `errors.rs`, so a change to the classifier has to change this table too.
mod classification {
  use std::error::Error as StdError;
  use std::fmt;
  use std::io::{self, ErrorKind};
  use std::sync::{Arc, OnceLock};

  use proptest::prelude::*;
  use rustls::pki_types::{ServerName, UnixTime};
  use rustls::{AlertDescription, CertificateError, Error as TlsError, InvalidMessage, OtherError};
  use rustls::{PeerIncompatible, PeerMisbehaved};

  use crate::errors::{NetError, Stage};

  pub const STAGES: [Stage; 5] = [
    Stage::Connect,
    Stage::Tls,
    Stage::SendRequest,
    Stage::ReadHeaders,
    Stage::ReadBody,
  ];

  const ALL_NET_ERRORS: &[NetError] = &[
    NetError::ERR_FAILED,
    NetError::ERR_ABORTED,
    NetError::ERR_INVALID_ARGUMENT,
    NetError::ERR_TIMED_OUT,
    NetError::ERR_CONNECTION_CLOSED,
    NetError::ERR_CONNECTION_RESET,
    NetError::ERR_CONNECTION_REFUSED,
    NetError::ERR_NAME_NOT_RESOLVED,
    NetError::ERR_SSL_PROTOCOL_ERROR,
    NetError::ERR_CERT_AUTHORITY_INVALID,
    NetError::ERR_EMPTY_RESPONSE,
    NetError::ERR_RESPONSE_HEADERS_TOO_BIG,
    NetError::ERR_INCOMPLETE_CHUNKED_ENCODING,
    NetError::ERR_CONTENT_LENGTH_MISMATCH,
    NetError::ERR_INVALID_HTTP_RESPONSE,
    NetError::ERR_HTTP2_PROTOCOL_ERROR,
    NetError::ERR_TOO_MANY_REDIRECTS,
    NetError::ERR_UNSAFE_REDIRECT,
  ];

  const KINDS: &[ErrorKind] = &[
    ErrorKind::NotFound,
    ErrorKind::PermissionDenied,
    ErrorKind::ConnectionRefused,
    ErrorKind::ConnectionReset,
    ErrorKind::HostUnreachable,
    ErrorKind::NetworkUnreachable,
    ErrorKind::ConnectionAborted,
    ErrorKind::NotConnected,
    ErrorKind::AddrInUse,
    ErrorKind::AddrNotAvailable,
    ErrorKind::NetworkDown,
    ErrorKind::BrokenPipe,
    ErrorKind::WouldBlock,
    ErrorKind::InvalidInput,
    ErrorKind::InvalidData,
    ErrorKind::TimedOut,
    ErrorKind::WriteZero,
    ErrorKind::Interrupted,
    ErrorKind::Unsupported,
    ErrorKind::UnexpectedEof,
    ErrorKind::OutOfMemory,
    ErrorKind::Other,
  ];

  /// The name an OS-level error of `kind` gets at `stage` (Chromium's MapSystemError).
  pub fn io_name(kind: ErrorKind, stage: Stage) -> NetError {
    match (kind, stage) {
      (ErrorKind::ConnectionRefused, _) => NetError::ERR_CONNECTION_REFUSED,
      // EPIPE, and a socket that takes no more bytes mid-request, are resets.
      (ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::WriteZero, _) => {
        NetError::ERR_CONNECTION_RESET
      }
      (ErrorKind::ConnectionAborted, _) => NetError::ERR_CONNECTION_ABORTED,
      (ErrorKind::TimedOut, Stage::Connect) => NetError::ERR_CONNECTION_TIMED_OUT,
      (ErrorKind::TimedOut, _) => NetError::ERR_TIMED_OUT,
      (ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable, _) => {
        NetError::ERR_ADDRESS_UNREACHABLE
      }
      (ErrorKind::AddrNotAvailable, _) => NetError::ERR_ADDRESS_INVALID,
      (ErrorKind::NetworkDown, _) => NetError::ERR_INTERNET_DISCONNECTED,
      (ErrorKind::UnexpectedEof, _) => NetError::ERR_CONNECTION_CLOSED,
      (_, Stage::Tls) => NetError::ERR_SSL_PROTOCOL_ERROR,
      (_, Stage::Connect) => NetError::ERR_CONNECTION_FAILED,
      _ => NetError::ERR_FAILED,
    }
  }

  fn time() -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_700_000_000))
  }

  /// rustls failures and the names they must get, whatever the stage.
  fn tls_table() -> Vec<(TlsError, NetError)> {
    use CertificateError as C;
    let cert = |c| TlsError::InvalidCertificate(c);
    let name = ServerName::try_from("a.example").unwrap();
    vec![
      (cert(C::UnknownIssuer), NetError::ERR_CERT_AUTHORITY_INVALID),
      (
        cert(C::Other(OtherError(Arc::new(io::Error::other("chain"))))),
        NetError::ERR_CERT_AUTHORITY_INVALID,
      ),
      (
        cert(C::NotValidForName),
        NetError::ERR_CERT_COMMON_NAME_INVALID,
      ),
      (
        cert(C::NotValidForNameContext {
          expected: name,
          presented: vec!["b.example".into()],
        }),
        NetError::ERR_CERT_COMMON_NAME_INVALID,
      ),
      (cert(C::Expired), NetError::ERR_CERT_DATE_INVALID),
      (
        cert(C::ExpiredContext {
          time: time(),
          not_after: time(),
        }),
        NetError::ERR_CERT_DATE_INVALID,
      ),
      (cert(C::NotValidYet), NetError::ERR_CERT_DATE_INVALID),
      (
        cert(C::NotValidYetContext {
          time: time(),
          not_before: time(),
        }),
        NetError::ERR_CERT_DATE_INVALID,
      ),
      (cert(C::Revoked), NetError::ERR_CERT_REVOKED),
      (cert(C::BadEncoding), NetError::ERR_CERT_INVALID),
      (cert(C::BadSignature), NetError::ERR_CERT_INVALID),
      (
        cert(C::UnhandledCriticalExtension),
        NetError::ERR_CERT_INVALID,
      ),
      (cert(C::UnknownRevocationStatus), NetError::ERR_CERT_INVALID),
      (
        TlsError::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon),
        NetError::ERR_SSL_VERSION_OR_CIPHER_MISMATCH,
      ),
      (
        TlsError::PeerIncompatible(PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig),
        NetError::ERR_SSL_VERSION_OR_CIPHER_MISMATCH,
      ),
      (
        TlsError::PeerIncompatible(PeerIncompatible::SupportedVersionsExtensionRequired),
        NetError::ERR_SSL_VERSION_OR_CIPHER_MISMATCH,
      ),
      (
        TlsError::InvalidMessage(InvalidMessage::InvalidContentType),
        NetError::ERR_SSL_PROTOCOL_ERROR,
      ),
      (
        TlsError::InvalidMessage(InvalidMessage::UnknownProtocolVersion),
        NetError::ERR_SSL_PROTOCOL_ERROR,
      ),
      (
        TlsError::InvalidMessage(InvalidMessage::MessageTooLarge),
        NetError::ERR_SSL_PROTOCOL_ERROR,
      ),
      (
        TlsError::PeerMisbehaved(PeerMisbehaved::SelectedUnofferedCipherSuite),
        NetError::ERR_SSL_PROTOCOL_ERROR,
      ),
      (TlsError::DecryptError, NetError::ERR_SSL_PROTOCOL_ERROR),
      (
        TlsError::PeerSentOversizedRecord,
        NetError::ERR_SSL_PROTOCOL_ERROR,
      ),
      (
        TlsError::NoCertificatesPresented,
        NetError::ERR_SSL_PROTOCOL_ERROR,
      ),
      (
        TlsError::General("x".into()),
        NetError::ERR_SSL_PROTOCOL_ERROR,
      ),
    ]
  }

  /// A received alert: the version and cipher refusals are a mismatch, every other alert a
  /// protocol error.
  fn alert_name(code: u8) -> NetError {
    match code {
      0x28 | 0x46 | 0x47 => NetError::ERR_SSL_VERSION_OR_CIPHER_MISMATCH,
      _ => NetError::ERR_SSL_PROTOCOL_ERROR,
    }
  }

  /// h2 errors from real HTTP/2 client connections (h2::Error has no public constructor for
  /// every kind): a peer that answers the preface with garbage, which h2 reports as a
  /// connection protocol error, and one that closes the socket at once.
  fn h2_errors() -> &'static [h2::Error] {
    static ERRORS: OnceLock<Vec<h2::Error>> = OnceLock::new();
    ERRORS.get_or_init(|| {
      use crate::errors::h2_end_tests::{drain, h2_error_from};
      use tokio::io::AsyncWriteExt;
      let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
      let one = |garbage: Option<&'static [u8]>| {
        rt.block_on(h2_error_from(move |mut server| async move {
          let Some(garbage) = garbage else {
            return drop(server);
          };
          let _ = server.write_all(garbage).await;
          drain(&mut server).await;
        }))
      };
      vec![
        one(Some(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")),
        one(None),
      ]
    })
  }

  /// The kind of the innermost io error in `err`'s chain (looking inside io errors too).
  fn io_inside(err: &(dyn StdError + 'static)) -> Option<ErrorKind> {
    let mut kind = None;
    let mut current = Some(err);
    while let Some(e) = current {
      current = e.source();
      if let Some(io) = e.downcast_ref::<io::Error>() {
        kind = Some(io.kind());
        if let Some(inner) = io.get_ref() {
          current = Some(inner);
        }
      }
      // h2's errors expose the socket error under them only through get_io().
      if let Some(io) = e.downcast_ref::<h2::Error>().and_then(h2::Error::get_io) {
        current = Some(io);
      }
    }
    kind
  }

  /// What an h2 error with neither a socket error nor a reason inside is named at each stage.
  fn h2_name(stage: Stage) -> NetError {
    match stage {
      Stage::ReadHeaders | Stage::ReadBody => NetError::ERR_HTTP2_PROTOCOL_ERROR,
      _ => NetError::ERR_FAILED,
    }
  }

  /// The innermost failure.
  #[derive(Debug, Clone)]
  pub enum Leaf {
    Net(NetError),
    Tls(usize),
    Alert(u8),
    Io(ErrorKind),
    H2(usize),
  }

  pub fn leaf() -> impl Strategy<Value = Leaf> {
    prop_oneof![
      prop::sample::select(ALL_NET_ERRORS).prop_map(Leaf::Net),
      (0..tls_table().len()).prop_map(Leaf::Tls),
      any::<u8>().prop_map(Leaf::Alert),
      prop::sample::select(KINDS).prop_map(Leaf::Io),
      (0..h2_errors().len()).prop_map(Leaf::H2),
    ]
  }

  /// How a leaf reaches the classifier: inside io errors (as tokio-rustls and h2 hand them
  /// over) or inside a library's own error type that exposes it as `source()`.
  #[derive(Debug, Clone)]
  pub enum Wrapper {
    Io(ErrorKind),
    Other,
    Context,
  }

  pub fn wrapper() -> impl Strategy<Value = Wrapper> {
    prop_oneof![
      prop::sample::select(KINDS).prop_map(Wrapper::Io),
      Just(Wrapper::Other),
      Just(Wrapper::Context),
    ]
  }

  /// An error type of some library whose `source()` is the failure it wraps.
  #[derive(Debug)]
  struct Context(Box<dyn StdError + Send + Sync>);

  impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
      write!(f, "context")
    }
  }

  impl StdError for Context {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
      Some(self.0.as_ref())
    }
  }

  /// A borrowed h2 error (they cannot be cloned), transparent to the classifier.
  #[derive(Debug)]
  struct H2Ref(&'static h2::Error);

  impl fmt::Display for H2Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
      self.0.fmt(f)
    }
  }

  impl StdError for H2Ref {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
      Some(self.0)
    }
  }

  impl Leaf {
    /// Where a leaf can really be classified: h2 errors reach the classifier from a sent
    /// request or a body being read, as themselves or inside a library's error, never inside
    /// an io error of ours.
    pub fn situation(&self, stage: Stage, wrappers: Vec<Wrapper>) -> (Stage, Vec<Wrapper>) {
      match self {
        Leaf::H2(_) => (
          if stage == Stage::ReadBody {
            Stage::ReadBody
          } else {
            Stage::ReadHeaders
          },
          wrappers
            .into_iter()
            .filter(|w| matches!(w, Wrapper::Context))
            .collect(),
        ),
        _ => (stage, wrappers),
      }
    }

    pub fn build(&self) -> Box<dyn StdError + Send + Sync> {
      match self {
        Leaf::Net(e) => Box::new(*e),
        Leaf::Tls(i) => Box::new(tls_table().swap_remove(*i).0),
        Leaf::Alert(code) => Box::new(TlsError::AlertReceived(AlertDescription::from(*code))),
        Leaf::Io(kind) => Box::new(io::Error::from(*kind)),
        Leaf::H2(i) => Box::new(H2Ref(&h2_errors()[*i])),
      }
    }

    /// The table: NetError and rustls names win through any wrapping; an io error's own kind
    /// decides; an h2 error takes the kind of the socket error inside it, else its reason's
    /// name (a reset or GOAWAY), else the kind of the innermost io wrapper, else the stage's
    /// default.
    pub fn expected(&self, innermost_io: Option<ErrorKind>, stage: Stage) -> NetError {
      match self {
        Leaf::Net(e) => *e,
        Leaf::Tls(i) => tls_table()[*i].1,
        Leaf::Alert(code) => alert_name(*code),
        Leaf::Io(kind) => io_name(*kind, stage),
        Leaf::H2(i) => {
          let error = &h2_errors()[*i];
          match (io_inside(error), error.reason()) {
            // Bad data under h2 can only be TLS's (its rustls error lost inside h2).
            (Some(ErrorKind::InvalidData), _) => NetError::ERR_SSL_PROTOCOL_ERROR,
            // h2's own words for the connection's end (a read of 0, or one inside a frame).
            (Some(_), _) if error.get_io().is_some_and(crate::errors::h2_saw_the_end) => {
              NetError::ERR_CONNECTION_CLOSED
            }
            (Some(kind), _) => io_name(kind, stage),
            (None, Some(_)) => crate::errors::classify_h2(error).expect("a reason"),
            (None, None) => innermost_io.map_or(h2_name(stage), |kind| io_name(kind, stage)),
          }
        }
      }
    }
  }

  /// Wraps `leaf` (innermost first); returns the error and the kind of the io wrapper closest
  /// to the leaf, if any.
  pub fn wrap(
    leaf: Box<dyn StdError + Send + Sync>,
    wrappers: &[Wrapper],
  ) -> (Box<dyn StdError + Send + Sync>, Option<ErrorKind>) {
    let mut err = leaf;
    let mut innermost_io = None;
    for w in wrappers {
      err = match w {
        Wrapper::Io(kind) => {
          innermost_io.get_or_insert(*kind);
          Box::new(io::Error::new(*kind, err))
        }
        Wrapper::Other => {
          innermost_io.get_or_insert(ErrorKind::Other);
          Box::new(io::Error::other(err))
        }
        Wrapper::Context => Box::new(Context(err)),
      };
    }
    (err, innermost_io)
  }
}
