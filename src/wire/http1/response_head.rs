//! Raw capture of an HTTP/1.x response head: status line and header lines exactly as received
//! (original case, original order, duplicates kept apart), which hyper's `HeaderMap` cannot give.
//! This is the only module that parses a response head.

use std::borrow::Cow;

use super::head_scan::locate_start;
#[cfg(test)]
use super::head_scan::HeadScan;
use crate::errors::NetError;
use crate::wire::header_block::HeaderBlock;
use crate::wire::syntax::lists_token;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
  /// Minor version of HTTP/1.x: 0 or 1.
  pub minor_version: u8,
  pub status: u16,
  /// Reason phrase as received, trimmed; `""` when there is none.
  pub reason: String,
  /// The header lines in wire order, names in their original case.
  pub headers: HeaderBlock,
  /// The peer closed the connection before the head ended; over plain HTTP Chromium delivers
  /// what arrived as the response, with no body (`HttpStreamParser::HandleReadHeaderResult`).
  pub truncated: bool,
}

impl ResponseHead {
  /// Values of every header called `name` (case-insensitive), in wire order.
  pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    self.headers.values(name)
  }
}

/// Outcome of trying to parse a head from the bytes received so far.
#[cfg(test)]
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
  /// The head and the number of bytes it used.
  Complete(ResponseHead, usize),
  /// More bytes are needed.
  Partial,
}

/// Parses a response head from `buf` in one go (the connection does it incrementally, with a
/// [`HeadScan`] kept across reads, then [`parse_head`]).
#[cfg(test)]
pub fn parse(buf: &[u8]) -> Result<Parsed, NetError> {
  match HeadScan::default().find_end(buf)? {
    Some(end) => Ok(Parsed::Complete(parse_head(&buf[..end], false)?, end)),
    None => Ok(Parsed::Partial),
  }
}

/// Parses a whole head as Chromium assembles and parses one (`HttpUtil::AssembleRawHeaders`,
/// `HttpResponseHeaders::Parse`, `HttpStreamParser::ParseResponseHeaders`). `truncated`: the
/// peer closed before the head ended (it is then all that was received).
///
/// - Any NUL byte fails the response with `ERR_INVALID_HTTP_RESPONSE`
///   (`HttpResponseHeaders::TryToCreate`).
/// - The status line ends at the first CR or LF; each header line at any run of CR and LF, so a
///   bare CR ends a line too (`AssembleRawHeaders` tokenizes on `[\r\n]+`).
/// - A line starting with a space or tab continues the previous line when that one could be
///   continued (it had a non-empty name before a colon): joined with one space.
/// - Lines without a colon, with an empty name, or whose name is not a token after trimming,
///   are skipped; values are trimmed of spaces and tabs (`HttpUtil::HeadersIterator`).
/// - Differing copies of `Location` or `Content-Disposition`, or of `Content-Length` when the
///   body is not chunked, fail the response (response smuggling; see [`check_duplicates`]).
pub fn parse_head(head: &[u8], truncated: bool) -> Result<ResponseHead, NetError> {
  if head.contains(&0) {
    return Err(NetError::ERR_INVALID_HTTP_RESPONSE);
  }
  let start = locate_start(head).ok_or(NetError::ERR_INVALID_HTTP_RESPONSE)?;
  let head = &head[start..];
  let status_end = memchr::memchr2(b'\r', b'\n', head).unwrap_or(head.len());
  let (minor_version, status, reason) = status_line(&head[..status_end])?;
  let rest = &head[status_end..];
  let line_count = memchr::memchr_iter(b'\n', rest).count();
  let mut headers = HeaderBlock::with_capacity(line_count, rest.len());
  // The logical line being assembled: a slice of the head, or a copy once a continuation was
  // joined to it.
  let mut pending: Option<(Cow<[u8]>, Option<usize>)> = None;
  let mut continuable = false;
  for segment in lines(rest) {
    match pending.as_mut() {
      Some((line, _)) if continuable && is_lws(segment[0]) => {
        let line = line.to_mut();
        line.push(b' ');
        line.extend_from_slice(trim_lws(segment));
      }
      _ => {
        if let Some((line, colon)) = pending.take() {
          push_line(&mut headers, &line, colon);
        }
        let colon = memchr::memchr(b':', segment);
        continuable = is_continuable(segment, colon);
        pending = Some((Cow::Borrowed(segment), colon));
      }
    }
  }
  if let Some((line, colon)) = pending {
    push_line(&mut headers, &line, colon);
  }
  let head = ResponseHead {
    minor_version,
    status,
    reason,
    headers,
    truncated,
  };
  check_duplicates(&head)?;
  Ok(head)
}

/// The status line: `HTTP/1.0` or `HTTP/1.1` ("http" in any case), spaces, a three-digit code,
/// then the end or a space and the reason phrase. Stricter than Chromium's
/// `HttpResponseHeaders::ParseStatusLine`, which takes any version and a missing or odd code
/// (as 200): anything else here is `ERR_INVALID_HTTP_RESPONSE`, as before (heads used to be parsed with httparse).
fn status_line(line: &[u8]) -> Result<(u8, u16, String), NetError> {
  let invalid = NetError::ERR_INVALID_HTTP_RESPONSE;
  if line.len() < 9 || !line[..7].eq_ignore_ascii_case(b"http/1.") {
    return Err(invalid);
  }
  let minor_version = match line[7] {
    b'0' => 0,
    b'1' => 1,
    _ => return Err(invalid),
  };
  let rest = &line[8..];
  let code_at = rest
    .iter()
    .position(|&b| b != b' ')
    .filter(|&n| n > 0)
    .ok_or(invalid)?;
  let rest = &rest[code_at..];
  if rest.len() < 3 || !rest[..3].iter().all(u8::is_ascii_digit) {
    return Err(invalid);
  }
  let status = rest[..3]
    .iter()
    .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
  let reason: &[u8] = match &rest[3..] {
    [] => b"",
    [b' ', reason @ ..] => reason,
    _ => return Err(invalid),
  };
  // Chromium trims spaces, not tabs, around the reason (`ParseStatus`); bytes that are not
  // UTF-8 are decoded leniently, as header values are.
  let reason = String::from_utf8_lossy(reason);
  Ok((minor_version, status, reason.trim_matches(' ').to_string()))
}

/// The non-empty runs of bytes between CRs and LFs.
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
  let mut start = 0;
  memchr::memchr2_iter(b'\r', b'\n', text)
    .chain([text.len()])
    .filter_map(move |end| {
      let line = &text[start..end];
      start = end + 1;
      (!line.is_empty()).then_some(line)
    })
}

fn is_lws(b: u8) -> bool {
  b == b' ' || b == b'\t'
}

fn trim_lws(mut s: &[u8]) -> &[u8] {
  while let [first, rest @ ..] = s {
    if !is_lws(*first) {
      break;
    }
    s = rest;
  }
  while let [rest @ .., last] = s {
    if !is_lws(*last) {
      break;
    }
    s = rest;
  }
  s
}

/// `IsLineSegmentContinuable`: a line a following line may continue has a non-empty name
/// before a colon, not starting with white space.
fn is_continuable(line: &[u8], colon: Option<usize>) -> bool {
  colon.is_some_and(|colon| colon > 0 && !is_lws(line[0]))
}

/// `is_tchar` as a table: a name's every byte is checked.
static TCHAR: [bool; 256] = {
  let mut table = [false; 256];
  let mut b = 0;
  while b < 256 {
    table[b] = matches!(b as u8, b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z'
      | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_'
      | b'`' | b'|' | b'~');
    b += 1;
  }
  table
};

/// One header line, kept or skipped as `HttpUtil::HeadersIterator` does. Values are decoded
/// leniently: bytes that are not UTF-8 become U+FFFD rather than failing the response.
/// `colon`: where the first colon is in `line`.
fn push_line(headers: &mut HeaderBlock, line: &[u8], colon: Option<usize>) {
  let Some(colon) = colon else {
    return;
  };
  if colon == 0 || is_lws(line[0]) {
    return;
  }
  let name = trim_lws(&line[..colon]);
  if name.is_empty() || !name.iter().all(|&b| TCHAR[b as usize]) {
    return;
  }
  // A token is ASCII.
  let name = std::str::from_utf8(name).unwrap_or_default();
  headers.push(name, &String::from_utf8_lossy(trim_lws(&line[colon + 1..])));
}

/// `HttpStreamParser::ParseResponseHeaders`: several copies of a header that must be single,
/// with different values, are a potential response-smuggling attack. Values are compared as
/// Chromium stores them: `Location` whole (it never coalesces it), the others split at commas
/// outside quotes (`HttpUtil::HeadersContainMultipleCopiesOfField`). `Content-Length` only
/// counts when the body is not chunked (`HttpResponseHeaders::IsChunkEncoded`: HTTP/1.1 and a
/// `chunked` in `Transfer-Encoding`).
fn check_duplicates(head: &ResponseHead) -> Result<(), NetError> {
  // One pass over the lines, as every response pays for this.
  let (mut length, mut disposition, mut location) = (Single::None, Single::None, Single::None);
  let mut chunked = false;
  for (name, value) in head.headers.iter() {
    let is = |wanted: &str| name.len() == wanted.len() && name.eq_ignore_ascii_case(wanted);
    match name.len() {
      8 if is("location") => location.see(value),
      14 if is("content-length") => split_values(value, |v| length.see(v)),
      17 if is("transfer-encoding") => {
        chunked |= lists_token(std::iter::once(value), "chunked");
      }
      19 if is("content-disposition") => split_values(value, |v| disposition.see(v)),
      _ => {}
    }
  }
  if length == Single::Differs && !(chunked && head.minor_version >= 1) {
    return Err(NetError::ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH);
  }
  if disposition == Single::Differs {
    return Err(NetError::ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION);
  }
  if location == Single::Differs {
    return Err(NetError::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION);
  }
  Ok(())
}

/// The values seen of a header that must have one.
#[derive(Debug, PartialEq, Eq)]
enum Single<'a> {
  None,
  Same(&'a str),
  Differs,
}

impl<'a> Single<'a> {
  fn see(&mut self, value: &'a str) {
    *self = match *self {
      Single::None => Single::Same(value),
      Single::Same(first) if first == value => Single::Same(first),
      _ => Single::Differs,
    };
  }
}

/// Calls `f` with each part of a header value as `HttpResponseHeaders::AddHeader` splits a
/// coalescing one: at commas outside double quotes (a backslash escapes inside them), each part
/// trimmed of spaces and tabs, empty parts kept (`HttpUtil::ValuesIterator` with
/// `ignore_empty_values = false`).
fn split_values<'a>(value: &'a str, mut f: impl FnMut(&'a str)) {
  let (mut start, mut quoted, mut escaped) = (0, false, false);
  for (i, b) in value.bytes().enumerate() {
    if escaped {
      escaped = false;
    } else if quoted && b == b'\\' {
      escaped = true;
    } else if b == b'"' {
      quoted = !quoted;
    } else if b == b',' && !quoted {
      f(value[start..i].trim_matches([' ', '\t']));
      start = i + 1;
    }
  }
  f(value[start..].trim_matches([' ', '\t']));
}

#[cfg(test)]
mod tests {
  use super::super::head_scan::MAX_HEAD_BYTES;
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

  fn lines(h: &ResponseHead) -> Vec<(&str, &str)> {
    h.headers.iter().collect()
  }

  /// `HttpUtil::AssembleRawHeaders` (net/http/http_util.cc) splits lines at any run of CR and
  /// LF: a bare CR ends the status line and header lines.
  #[test]
  fn a_bare_cr_ends_a_line_as_in_chromium() {
    let (h, used) = complete(b"HTTP/1.1 200 OK\rX-A: 1\rX-B: 2\r\n\r\nbody");
    assert_eq!(h.reason, "OK");
    assert_eq!(lines(&h), vec![("X-A", "1"), ("X-B", "2")]);
    assert_eq!(used, 33);
    // A bare CR before white space starts a continuation of the line before it.
    let (h, _) = complete(b"HTTP/1.1 200 OK\r\nX-A: 1\r 2\r\n\r\n");
    assert_eq!(lines(&h), vec![("X-A", "1 2")]);
    // Empty "lines" between CRs are no lines at all.
    let (h, _) = complete(b"HTTP/1.1 200 OK\r\nX-A: 1\r\r\r\nX-B: 2\r\n\r\n");
    assert_eq!(lines(&h), vec![("X-A", "1"), ("X-B", "2")]);
  }

  /// `HttpUtil::HeadersIterator` and `IsLineSegmentContinuable` (net/http/http_util.cc).
  #[test]
  fn lines_are_kept_and_skipped_as_in_chromium() {
    let (h, _) = complete(
      b"HTTP/1.1 200 OK\r\nX-A :\t v a l \t\r\n: empty name\r\nBad Name: 1\r\nno colon\r\n cont\r\nX-B: 2\r\n\r\n",
    );
    assert_eq!(lines(&h), vec![("X-A", "v a l"), ("X-B", "2")]);
    // Continuations join with one space; the line before keeps its trailing spaces.
    let (h, _) = complete(b"HTTP/1.1 200 OK\r\nX-F: a  \r\n \t b\r\n\tc\r\n\r\n");
    assert_eq!(lines(&h), vec![("X-F", "a   b c")]);
  }

  /// `HttpResponseHeaders::TryToCreate` (net/http/http_response_headers.cc) refuses NULs.
  #[test]
  fn a_nul_in_the_head_is_an_invalid_response() {
    assert_eq!(
      parse(b"HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n"),
      Err(NetError::ERR_INVALID_HTTP_RESPONSE)
    );
  }

  /// `HttpStreamParser::ParseResponseHeaders` (net/http/http_stream_parser.cc).
  #[test]
  fn differing_copies_of_single_headers_are_refused() {
    let with = |lines: &str| parse(format!("HTTP/1.1 302 Found\r\n{lines}\r\n").as_bytes());
    assert!(with("Location: /a\r\nLocation: /a\r\n").is_ok());
    assert_eq!(
      with("Location: /a\r\nlocation: /b\r\n"),
      Err(NetError::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION)
    );
    // Location is never split at commas; compared whole.
    assert_eq!(
      with("Location: /a,/b\r\nLocation: /a\r\n"),
      Err(NetError::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION)
    );
    assert!(with("Content-Length: 5, 5\r\nContent-Length: 5\r\n").is_ok());
    assert_eq!(
      with("Content-Length: 5\r\nContent-Length: 6\r\n"),
      Err(NetError::ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH)
    );
    assert_eq!(
      with("Content-Length: 5, 05\r\n"),
      Err(NetError::ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH)
    );
    // A chunked body makes Content-Length irrelevant (`IsChunkEncoded`), but not in HTTP/1.0.
    assert!(
      with("Transfer-Encoding: chunked\r\nContent-Length: 5\r\nContent-Length: 6\r\n").is_ok()
    );
    assert_eq!(
      parse(b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
      Err(NetError::ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH)
    );
    assert!(with("Content-Disposition: attachment; filename=\"a,b\"\r\nContent-Disposition: attachment; filename=\"a,b\"\r\n").is_ok());
    assert_eq!(
      with("Content-Disposition: attachment, inline\r\n"),
      Err(NetError::ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION)
    );
  }

  #[test]
  fn a_truncated_head_parses_what_arrived() {
    let h = parse_head(b"HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B", true).unwrap();
    assert!(h.truncated);
    assert_eq!((h.status, lines(&h)), (200, vec![("X-A", "1")]));
    let h = parse_head(b"HTTP/1.1 404", true).unwrap();
    assert_eq!((h.status, h.reason.as_str()), (404, ""));
    assert_eq!(
      parse_head(b"HTTP/1.1 20", true),
      Err(NetError::ERR_INVALID_HTTP_RESPONSE)
    );
  }

  #[test]
  fn status_lines() {
    let (h, _) = complete(b"http/1.1  301   Moved  Away \t \r\n\r\n");
    assert_eq!((h.status, h.reason.as_str()), (301, "Moved  Away \t"));
    for bad in [
      &b"HTTP/1.2 200 OK\r\n\r\n"[..],
      b"HTTP/1.1 2000 OK\r\n\r\n",
      b"HTTP/1.1 200OK\r\n\r\n",
      b"HTTP/1.1\r\n\r\n",
      b"HTTP/1.1200 OK\r\n\r\n",
    ] {
      assert_eq!(parse(bad), Err(NetError::ERR_INVALID_HTTP_RESPONSE));
    }
  }
}
