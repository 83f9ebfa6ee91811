//! The request headers that go on the wire: which ones Chromium adds, in which order, and how a
//! caller's header replaces one of them (reference §2.3, §8.5).

use std::borrow::Cow;

use crate::errors::NetError;
use crate::wire::syntax;

/// Header `(name, value)` pairs in order.
pub type HeaderList = Vec<(String, String)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodySize {
  None,
  Known(u64),
  Chunked,
}

/// Refuses what could break the message framing (defence in depth: JS validates first).
pub fn check_wire_safe<N: AsRef<str>, V: AsRef<str>>(headers: &[(N, V)]) -> Result<(), NetError> {
  for (name, value) in headers {
    let (name, value) = (name.as_ref(), value.as_ref());
    let name_ok = !name.is_empty() && syntax::is_token(name);
    let value_ok = !value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0);
    if !name_ok || !value_ok {
      return Err(NetError::ERR_INVALID_ARGUMENT);
    }
  }
  Ok(())
}

pub fn find<N: AsRef<str>, V>(list: &[(N, V)], name: &str) -> Option<usize> {
  list
    .iter()
    .position(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
}

/// Headers the engine adds around the caller's: `first` go before them (cache-mode headers,
/// then auth-cache credentials), `last` after them and only where the caller did not set the same name
/// (Sec-Fetch-*, User-Agent, Accept-Encoding, Accept-Language), as Chromium orders them.
#[derive(Debug, Default, Clone)]
pub struct EngineHeaders {
  pub first: Vec<EngineHeader>,
  pub last: Vec<EngineHeader>,
}

/// A header the engine adds: its name is always one of Chromium's, and most values are fixed
/// text too, so neither costs an allocation per request.
pub type EngineHeader = (&'static str, Cow<'static, str>);

/// The engine's first headers, the caller's (one that names an earlier header replaces it
/// where it stands), then those of the engine's last headers that no one set yet.
pub fn merge<'a>(
  list: &mut Vec<WireHeader<'a>>,
  engine: &'a EngineHeaders,
  user: &'a [(String, String)],
) {
  list.extend(engine.first.iter().map(lent));
  for header in user {
    match find(list, &header.0) {
      Some(i) => list[i] = borrowed(header),
      None => list.push(borrowed(header)),
    }
  }
  for header in &engine.last {
    if find(list, header.0).is_none() {
      list.push(lent(header));
    }
  }
}

/// One header of a request head being written: borrowed from the request wherever it can be
/// (a head is composed for every request; owned copies were ~20 allocations each time).
pub type WireHeader<'a> = (&'a str, Cow<'a, str>);

fn borrowed((name, value): &(String, String)) -> WireHeader<'_> {
  (name, Cow::Borrowed(value))
}

fn lent((name, value): &EngineHeader) -> WireHeader<'_> {
  (name, Cow::Borrowed(value))
}

/// Whether the caller set `name` (case-insensitive).
pub fn has<N: AsRef<str>, V>(headers: &[(N, V)], name: &str) -> bool {
  find(headers, name).is_some()
}

/// The caller's value of `name`, if set.
pub fn get<'a, N: AsRef<str>, V: AsRef<str>>(headers: &'a [(N, V)], name: &str) -> Option<&'a str> {
  find(headers, name).map(|i| headers[i].1.as_ref())
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::test_support::{eh, h, owned};
  use crate::wire::{http1::request_head, http2};

  fn engine(last: &[(&'static str, &'static str)]) -> EngineHeaders {
    EngineHeaders {
      first: vec![],
      last: eh(last),
    }
  }

  #[test]
  fn chromium_headers_come_first_and_user_order_is_kept() {
    let list = owned(request_head::compose(
      "a.com:81",
      "GET",
      BodySize::None,
      false,
      &engine(&[("User-Agent", "UA")]),
      &h(&[("x-b", "1"), ("X-A", "2")]),
    ));
    assert_eq!(
      list,
      h(&[
        ("Host", "a.com:81"),
        ("Connection", "keep-alive"),
        ("x-b", "1"),
        ("X-A", "2"),
        ("User-Agent", "UA")
      ])
    );
  }

  #[test]
  fn caller_header_replaces_chromium_one_in_place() {
    let list = owned(request_head::compose(
      "a",
      "GET",
      BodySize::None,
      false,
      &engine(&[("User-Agent", "UA")]),
      &h(&[("connection", "close"), ("user-agent", "mine")]),
    ));
    assert_eq!(
      list,
      h(&[
        ("Host", "a"),
        ("connection", "close"),
        ("user-agent", "mine")
      ])
    );
  }

  #[test]
  fn proxy_connection_replaces_connection_through_a_proxy() {
    // Chromium sets Proxy-Connection and still merges the caller's own Connection after it.
    let list = owned(request_head::compose(
      "a",
      "GET",
      BodySize::None,
      true,
      &EngineHeaders::default(),
      &h(&[("Connection", "close")]),
    ));
    assert_eq!(
      list,
      h(&[
        ("Host", "a"),
        ("Proxy-Connection", "keep-alive"),
        ("Connection", "close")
      ])
    );
  }

  #[test]
  fn body_framing_headers() {
    let none = EngineHeaders::default();
    let post = request_head::compose("a", "POST", BodySize::None, false, &none, &[]);
    assert!(post.contains(&("Content-Length", "0".into())));
    let get = request_head::compose("a", "GET", BodySize::None, false, &none, &[]);
    assert!(!has(&get, "content-length"));
    let chunked = request_head::compose("a", "POST", BodySize::Chunked, false, &none, &[]);
    assert!(chunked.contains(&("Transfer-Encoding", "chunked".into())));
    let buffered = request_head::compose("a", "GET", BodySize::Known(0), false, &none, &[]);
    assert!(buffered.contains(&("Content-Length", "0".into())));
  }

  #[test]
  fn injection_is_refused() {
    assert!(check_wire_safe(&h(&[("X-A", "ok")])).is_ok());
    assert!(check_wire_safe(&h(&[("X-A", "a\r\nX-B: b")])).is_err());
    assert!(check_wire_safe(&h(&[("X A", "b")])).is_err());
    assert!(check_wire_safe(&h(&[("X-A", "a\0")])).is_err());
  }

  #[test]
  fn h2_drops_connection_headers_and_lower_cases() {
    let list = http2::compose(
      "POST",
      BodySize::Known(3),
      &engine(&[("User-Agent", "UA")]),
      &h(&[("Connection", "close"), ("X-A", "1")]),
    );
    assert_eq!(
      list,
      h(&[("content-length", "3"), ("x-a", "1"), ("user-agent", "UA")])
    );
  }

  #[test]
  fn h2_priority_goes_last_unless_the_caller_set_one_and_names_go_lower_case() {
    let engine = engine(&[("User-Agent", "UA")]);
    let as_sent = |user: &[(String, String)]| {
      let list = http2::wire_headers("POST", BodySize::Known(2), &engine, user, Some("u=4"));
      let map = http2::header_map(list).unwrap();
      map
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap().to_string()))
        .collect::<Vec<_>>()
    };
    assert_eq!(
      as_sent(&h(&[("X-A", "1"), ("Keep-Alive", "5")])),
      h(&[
        ("content-length", "2"),
        ("x-a", "1"),
        ("user-agent", "UA"),
        ("priority", "u=4")
      ])
    );
    assert_eq!(
      as_sent(&h(&[("Priority", "u=1")])),
      h(&[
        ("content-length", "2"),
        ("priority", "u=1"),
        ("user-agent", "UA")
      ])
    );
  }
}
