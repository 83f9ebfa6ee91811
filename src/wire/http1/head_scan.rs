//! Finding where a response head ends, incrementally, as Chromium's
//! `HttpStreamParser::FindAndParseResponseHeaders` does with `HttpUtil::LocateStartOfStatusLine`
//! and `HttpUtil::LocateEndOfHeaders` (`net/http/http_stream_parser.cc`, `net/http/http_util.cc`).
//!
//! The search state is carried from one read to the next, so a head that arrives a byte at a
//! time costs linear work: every byte is looked at once, and the head is parsed once, when it is
//! complete. (Chromium restarts the search three bytes before the new data; carrying the two
//! bits of state the search has is the same thing, exactly.)

use crate::errors::NetError;

/// Chromium refuses response heads larger than this (`HttpStreamParser::kMaxHeaderBufSize`,
/// `net::ERR_RESPONSE_HEADERS_TOO_BIG`).
pub const MAX_HEAD_BYTES: usize = 256 * 1024;

/// Bytes of junk Chromium skips before the status line (`LocateStartOfStatusLine`'s `slop`).
const SLOP: usize = 4;

/// Once this many bytes arrived and none of the first [`SLOP`] + 1 positions starts with "http",
/// Chromium takes the response for HTTP/0.9 ("4 bytes of junk" + "http"), which it refuses on a
/// port that is not the scheme's default; we refuse HTTP/0.9 everywhere.
const NO_STATUS_LINE_AFTER: usize = 8;

/// Where the search for the end of the head got to in the bytes received so far.
#[derive(Debug, Clone, Default)]
pub struct HeadScan {
  /// Offset of the status line ("http", case-insensitive) once found.
  start: Option<usize>,
  /// Bytes before this were searched already.
  pos: usize,
  /// Where the last line feed before `pos` is, if any: all `LocateEndOfHeadersHelper` needs
  /// to know of what it searched.
  last_lf: Option<usize>,
  /// Bytes looked at by the end-of-head search, for the tests that check the work is linear.
  #[cfg(test)]
  pub examined: usize,
}

/// `HttpUtil::LocateStartOfStatusLine`: "http" (any case) at one of the first five offsets.
pub fn locate_start(buf: &[u8]) -> Option<usize> {
  if buf.len() < 4 {
    return None;
  }
  (0..=SLOP.min(buf.len() - 4)).find(|&i| buf[i..i + 4].eq_ignore_ascii_case(b"http"))
}

impl HeadScan {
  /// Looks at the bytes of `buf` not searched yet (`buf` holds what earlier calls saw, plus
  /// what arrived since). Returns the length of the head (status line and header lines with
  /// their terminators, and any junk before the status line) once its end arrived.
  pub fn find_end(&mut self, buf: &[u8]) -> Result<Option<usize>, NetError> {
    if self.start.is_none() {
      match locate_start(buf) {
        Some(start) => {
          self.start = Some(start);
          self.pos = start;
        }
        None if buf.len() >= NO_STATUS_LINE_AFTER => {
          return Err(NetError::ERR_INVALID_HTTP_RESPONSE)
        }
        None => return Ok(None),
      }
    }
    // `LocateEndOfHeadersHelper`: two line feeds in a row end the head; a carriage return may
    // stand between them only right after the first (`\n\n`, `\n\r\n`; `\r\n\r\n` so too).
    // Only line feeds matter, so the search jumps from one to the next.
    for i in memchr::memchr_iter(b'\n', &buf[self.pos..]).map(|i| i + self.pos) {
      let ends = self
        .last_lf
        .is_some_and(|lf| i == lf + 1 || (i == lf + 2 && buf[lf + 1] == b'\r'));
      if ends {
        #[cfg(test)]
        {
          self.examined += i + 1 - self.pos;
        }
        let end = i + 1;
        if end > MAX_HEAD_BYTES {
          return Err(NetError::ERR_RESPONSE_HEADERS_TOO_BIG);
        }
        *self = HeadScan::default();
        return Ok(Some(end));
      }
      self.last_lf = Some(i);
    }
    #[cfg(test)]
    {
      self.examined += buf.len().saturating_sub(self.pos);
    }
    self.pos = buf.len();
    // Chromium stops growing its buffer here (`HandleReadHeaderResult`).
    if buf.len() >= MAX_HEAD_BYTES {
      return Err(NetError::ERR_RESPONSE_HEADERS_TOO_BIG);
    }
    Ok(None)
  }

  /// Whether a status line started in what was received (a head cut off by the peer's close
  /// is then parsed as it is, over plain HTTP; see `Connection::read_head`).
  pub fn found_status_line(&self) -> bool {
    self.start.is_some()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn end_of(buf: &[u8]) -> Option<usize> {
    HeadScan::default().find_end(buf).unwrap()
  }

  #[test]
  fn line_feeds_end_the_head_as_in_chromium() {
    assert_eq!(end_of(b"HTTP/1.1 200 OK\r\n\r\nbody"), Some(19));
    assert_eq!(end_of(b"HTTP/1.1 200 OK\n\nbody"), Some(17));
    assert_eq!(end_of(b"HTTP/1.1 200 OK\n\r\nbody"), Some(18));
    // Carriage returns alone never end a line for this search.
    assert_eq!(end_of(b"HTTP/1.1 200 OK\r\r\r\r"), None);
    assert_eq!(end_of(b"HTTP/1.1 200 OK\n\r\r\nX: 1\r\n\r\n"), Some(27));
    // Up to four bytes of junk before the status line.
    assert_eq!(end_of(b"\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"), Some(23));
    assert_eq!(
      HeadScan::default().find_end(b"hello, no status line\n"),
      Err(NetError::ERR_INVALID_HTTP_RESPONSE)
    );
    assert_eq!(end_of(b"hell"), None);
  }

  #[test]
  fn every_split_finds_the_same_end() {
    let raw = b"xHTTP/1.1 200 OK\r\nA: 1\n\r\nB: 2\r\n\r\nrest";
    let whole = end_of(raw);
    for cut in 0..raw.len() {
      let mut scan = HeadScan::default();
      let first = scan.find_end(&raw[..cut]).unwrap();
      let found = first.or_else(|| scan.find_end(raw).unwrap());
      assert_eq!(found, whole, "cut at {cut}");
    }
  }

  /// A 200 KiB head arriving one byte per read: each byte is searched once, so the work is
  /// linear (re-searching from the start each time would look at ~20 billion bytes).
  #[test]
  fn a_head_arriving_byte_by_byte_is_searched_once() {
    let mut raw = b"HTTP/1.1 200 OK\r\n".to_vec();
    while raw.len() < 200 * 1024 {
      raw.extend_from_slice(b"X-Filler: 0123456789abcdef0123456789abcdef\r\n");
    }
    raw.extend_from_slice(b"\r\n");
    let mut scan = HeadScan::default();
    let mut found = None;
    let mut examined = 0;
    for n in 1..=raw.len() {
      if let Some(end) = scan.find_end(&raw[..n]).unwrap() {
        found = Some(end);
        break;
      }
      // The search resumes where the last one stopped (once "HTTP" is there to start from).
      assert_eq!(scan.pos, if n < 4 { 0 } else { n });
      examined = scan.examined;
    }
    assert_eq!(found, Some(raw.len()));
    assert!(examined < raw.len(), "examined {examined} bytes");
  }

  #[test]
  fn too_big_without_an_end_or_with_a_late_one() {
    let mut big = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
    big.resize(MAX_HEAD_BYTES, b'a');
    assert_eq!(
      HeadScan::default().find_end(&big),
      Err(NetError::ERR_RESPONSE_HEADERS_TOO_BIG)
    );
    big.extend_from_slice(b"\r\n\r\n");
    assert_eq!(
      HeadScan::default().find_end(&big),
      Err(NetError::ERR_RESPONSE_HEADERS_TOO_BIG)
    );
    big.truncate(MAX_HEAD_BYTES - 8);
    big.extend_from_slice(b"\r\n\r\n");
    assert_eq!(end_of(&big), Some(MAX_HEAD_BYTES - 4));
  }
}
