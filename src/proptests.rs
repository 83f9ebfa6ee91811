//! Property tests for every parser the engine owns: arbitrary input never panics, and what the
//! parsers return keeps their invariants. Bounded (`PROPTEST_CASES`, default 20,000 per
//! property) so they run in CI with `cargo test`.

use bytes::BytesMut;
use proptest::prelude::*;

use crate::auth;
use crate::errors::{classify, NetError, Stage};
use crate::fetch_metadata;
use crate::headers::{self, BodySize, EngineHeaders};
use crate::http1::body::{Decoder, Framing};
use crate::http1::{request_head, response_head};
use crate::redirect;
use crate::referrer;

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
    prop::collection::vec(any::<u8>(), 0..40),
  ];
  prop::collection::vec(line, 0..12).prop_map(|parts| parts.concat())
}

proptest! {
  #![proptest_config(config())]

  #[test]
  fn response_head_capture_never_panics(input in head_like()) {
    if let Ok(response_head::Parsed::Complete(head, used)) = response_head::parse(&input) {
      prop_assert!(used <= input.len());
      prop_assert!(head.minor_version <= 1);
      for (name, value) in &head.headers {
        prop_assert!(!name.is_empty());
        prop_assert!(!value.contains('\r') && !value.contains('\n'));
      }
    }
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
  fn error_classification_always_names_a_net_error(kind in 0usize..40, stage in 0usize..5, wrap in any::<bool>()) {
    use std::io::ErrorKind::*;
    let kinds = [
      NotFound, PermissionDenied, ConnectionRefused, ConnectionReset, HostUnreachable,
      NetworkUnreachable, ConnectionAborted, NotConnected, AddrInUse, AddrNotAvailable,
      NetworkDown, BrokenPipe, AlreadyExists, WouldBlock, InvalidInput, InvalidData, TimedOut,
      WriteZero, Interrupted, Unsupported, UnexpectedEof, OutOfMemory, Other,
    ];
    let stages = [Stage::Connect, Stage::Tls, Stage::SendRequest, Stage::ReadHeaders, Stage::ReadBody];
    let io = std::io::Error::from(kinds[kind % kinds.len()]);
    let err = if wrap { std::io::Error::other(io) } else { io };
    let named: NetError = classify(&err, stages[stage]);
    prop_assert!(named.name.starts_with("ERR_"));
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
    let initiator = fetch_metadata::initiator(Some(&origin), &[]);
    let site = fetch_metadata::site_for(initiator.as_ref(), &target);
    let _ = fetch_metadata::apply(&[("Sec-Fetch-Dest".into(), referer.clone())], &target, site, true);
  }

  #[test]
  fn only_token_methods_pass(method in any::<String>()) {
    if headers::check_method(&method).is_ok() {
      let head = request_head::encode(&method, "/", &[]);
      prop_assert_eq!(String::from_utf8_lossy(&head).matches('\n').count(), 2);
    }
  }

  #[test]
  fn nothing_that_passes_the_wire_check_can_inject_a_header(
    headers in prop::collection::vec((any::<String>(), any::<String>()), 0..6),
  ) {
    if headers::check_wire_safe(&headers).is_ok() {
      let wire = headers::compose_h1("a.example", "POST", BodySize::Known(1), &EngineHeaders::default(), &headers);
      let head = request_head::encode("POST", "/", &wire);
      let text = String::from_utf8_lossy(&head);
      // One request line, one line per header, then the blank line: no extra line breaks.
      prop_assert_eq!(text.matches("\r\n").count(), wire.len() + 2);
      prop_assert_eq!(text.matches('\n').count(), wire.len() + 2);
    }
  }
}
