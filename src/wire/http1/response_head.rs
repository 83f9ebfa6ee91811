//! Raw capture of an HTTP/1.x response head: status line and header lines exactly as received
//! (original case, original order, duplicates kept apart), which hyper's `HeaderMap` cannot give.
//! This is the only module that parses a response head.

use crate::errors::NetError;
use crate::wire::header_block::HeaderBlock;

/// Chromium refuses response heads larger than this (`HttpStreamParser::kMaxHeaderBufSize`).
pub const MAX_HEAD_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
  /// Minor version of HTTP/1.x: 0 or 1.
  pub minor_version: u8,
  pub status: u16,
  /// Reason phrase as received, trimmed; `""` when there is none.
  pub reason: String,
  /// The header lines in wire order, names in their original case.
  pub headers: HeaderBlock,
}

impl ResponseHead {
  /// Values of every header called `name` (case-insensitive), in wire order.
  pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    self.headers.values(name)
  }
}

/// Header slots of the first parse attempt; a head with more is parsed again with 4x as many.
const FIRST_ATTEMPT: usize = 64;

/// Outcome of trying to parse a head from the bytes received so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
  /// The head and the number of bytes it used.
  Complete(ResponseHead, usize),
  /// More bytes are needed.
  Partial,
}

/// Parses a response head from `buf`. Fails with `ERR_INVALID_HTTP_RESPONSE` for bytes that are
/// not an HTTP/1.x head and with `ERR_RESPONSE_HEADERS_TOO_BIG` past [`MAX_HEAD_BYTES`].
pub fn parse(buf: &[u8]) -> Result<Parsed, NetError> {
  // The first attempt's slots live on the stack: as a 2 KiB heap block they missed glibc's
  // per-thread cache every time (~5 % of an engine thread at 64 requests in flight, bench W2).
  let mut on_stack = [httparse::EMPTY_HEADER; FIRST_ATTEMPT];
  let mut on_heap = Vec::new();
  let mut capacity = FIRST_ATTEMPT;
  loop {
    let storage: &mut [httparse::Header] = if capacity == FIRST_ATTEMPT {
      &mut on_stack
    } else {
      on_heap.resize(capacity, httparse::EMPTY_HEADER);
      &mut on_heap
    };
    let mut response = httparse::Response::new(storage);
    let mut config = httparse::ParserConfig::default();
    // Chromium accepts both of these (it joins folded lines and trims names).
    config.allow_obsolete_multiline_headers_in_responses(true);
    config.allow_spaces_after_header_name_in_responses(true);
    // Chromium skips header lines it cannot parse instead of failing the response.
    config.ignore_invalid_headers_in_responses(true);
    match config.parse_response(&mut response, buf) {
      Ok(httparse::Status::Complete(used)) => {
        if used > MAX_HEAD_BYTES {
          return Err(NetError::ERR_RESPONSE_HEADERS_TOO_BIG);
        }
        let mut headers = HeaderBlock::with_capacity(response.headers.len(), used);
        for h in response.headers.iter() {
          push_unfolded(&mut headers, h.name, h.value);
        }
        let head = ResponseHead {
          minor_version: response.version.unwrap_or(1),
          status: response.code.unwrap_or(0),
          reason: response.reason.unwrap_or("").trim().to_string(),
          headers,
        };
        return Ok(Parsed::Complete(head, used));
      }
      Ok(httparse::Status::Partial) => {
        if buf.len() > MAX_HEAD_BYTES {
          return Err(NetError::ERR_RESPONSE_HEADERS_TOO_BIG);
        }
        return Ok(Parsed::Partial);
      }
      Err(httparse::Error::TooManyHeaders) if capacity < 16 * 1024 => capacity *= 4,
      Err(httparse::Error::TooManyHeaders) => return Err(NetError::ERR_RESPONSE_HEADERS_TOO_BIG),
      Err(_) => return Err(NetError::ERR_INVALID_HTTP_RESPONSE),
    }
  }
}

/// Joins obsolete folded lines (RFC 9112 §5.2) with one space, as Chromium does, and decodes
/// the value leniently: bytes that are not UTF-8 become U+FFFD rather than failing the response.
fn push_unfolded(headers: &mut HeaderBlock, name: &str, value: &[u8]) {
  let text = String::from_utf8_lossy(value);
  if !text.contains(['\r', '\n']) {
    return headers.push(name, text.trim());
  }
  let joined = text
    .split(['\r', '\n'])
    .map(str::trim)
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
  headers.push(name, &joined);
}

#[cfg(test)]
mod tests {
  use super::*;

  fn complete(buf: &[u8]) -> (ResponseHead, usize) {
    match parse(buf).expect("parses") {
      Parsed::Complete(h, n) => (h, n),
      Parsed::Partial => panic!("partial"),
    }
  }

  #[test]
  fn keeps_case_order_and_duplicates() {
    let raw = b"HTTP/1.1 200 OK\r\nX-B: 1\r\nset-Cookie: a=1\r\nX-B: 2\r\n\r\nbody";
    let (h, used) = complete(raw);
    assert_eq!(&raw[used..], b"body");
    assert_eq!(h.status, 200);
    assert_eq!(h.reason, "OK");
    let flat: Vec<(&str, &str)> = h.headers.iter().collect();
    assert_eq!(
      flat,
      vec![("X-B", "1"), ("set-Cookie", "a=1"), ("X-B", "2")]
    );
    assert_eq!(h.values("x-b").collect::<Vec<_>>(), vec!["1", "2"]);
  }

  #[test]
  fn partial_head_asks_for_more() {
    assert_eq!(
      parse(b"HTTP/1.1 200 OK\r\nX-A: 1\r\n").unwrap(),
      Parsed::Partial
    );
  }

  #[test]
  fn empty_reason_and_http_1_0() {
    let (h, _) = complete(b"HTTP/1.0 204 \r\n\r\n");
    assert_eq!(h.minor_version, 0);
    assert_eq!(h.reason, "");
  }

  #[test]
  fn garbage_is_an_invalid_response() {
    assert_eq!(
      parse(b"hello world\r\n\r\n"),
      Err(NetError::ERR_INVALID_HTTP_RESPONSE)
    );
    assert_eq!(
      parse(b"HTTP/1.1 abc OK\r\n\r\n"),
      Err(NetError::ERR_INVALID_HTTP_RESPONSE)
    );
  }

  #[test]
  fn oversized_head_is_refused() {
    let mut big = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', MAX_HEAD_BYTES));
    assert_eq!(parse(&big), Err(NetError::ERR_RESPONSE_HEADERS_TOO_BIG));
    big.extend_from_slice(b"\r\n\r\n");
    assert_eq!(parse(&big), Err(NetError::ERR_RESPONSE_HEADERS_TOO_BIG));
  }

  #[test]
  fn many_headers_are_accepted() {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..500 {
      head.extend_from_slice(format!("X-{i}: {i}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    let (h, _) = complete(&head);
    assert_eq!(h.headers.len(), 500);
  }

  #[test]
  fn malformed_header_lines_are_skipped() {
    let (h, _) = complete(b"HTTP/1.1 200 OK\r\nNo colon here\r\nX-A: 1\r\n\r\n");
    assert_eq!(h.values("x-a").collect::<Vec<_>>(), vec!["1"]);
  }

  #[test]
  fn folded_lines_are_joined() {
    let (h, _) = complete(b"HTTP/1.1 200 OK\r\nX-F: a\r\n  b\r\n\r\n");
    assert_eq!(h.values("x-f").collect::<Vec<_>>(), vec!["a b"]);
  }
}
