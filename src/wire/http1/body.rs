//! Response body framing for HTTP/1.x (RFC 9112 §6.3) and the chunked decoder.
//!
//! The decoder works on the connection's read buffer in place and says, when the peer closes,
//! which of Chromium's errors the truncation is: a cut chunked body is
//! `ERR_INCOMPLETE_CHUNKED_ENCODING`, a short `Content-Length` body `ERR_CONTENT_LENGTH_MISMATCH`.

use bytes::{Bytes, BytesMut};

use super::response_head::ResponseHead;
use crate::errors::NetError;

/// How the end of a response body is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
  /// No body (HEAD, 1xx, 204, 304).
  Empty,
  Length(u64),
  Chunked,
  /// Read until the server closes; the connection cannot be reused.
  UntilClose,
}

/// Picks the framing of a response to `method` (RFC 9112 §6.3, in its order of precedence).
pub fn framing(method: &str, head: &ResponseHead) -> Result<Framing, NetError> {
  // A head cut off by the close: what arrived is the whole response, with no body (Chromium's
  // `HttpStreamParser::HandleReadHeaderResult` goes straight to the end of the body). Reading
  // "until close" finds the close at once, and keeps the connection out of the pool.
  if head.truncated {
    return Ok(Framing::UntilClose);
  }
  if method.eq_ignore_ascii_case("HEAD") || head.status == 204 || head.status == 304 {
    return Ok(Framing::Empty);
  }
  let te: Vec<&str> = head.values("transfer-encoding").collect();
  if !te.is_empty() {
    // Transfer-Encoding overrides Content-Length (§6.3 rule 3); only a final `chunked` frames.
    let last = te
      .iter()
      .flat_map(|v| v.split(','))
      .map(str::trim)
      .rfind(|s| !s.is_empty())
      .unwrap_or("");
    return Ok(if last.eq_ignore_ascii_case("chunked") {
      Framing::Chunked
    } else {
      Framing::UntilClose
    });
  }
  // Chromium takes the first value (`HttpResponseHeaders::GetContentLength`) and ignores one it
  // cannot parse (the body then runs to the close); differing copies were refused with the
  // head (`response_head::parse_head`).
  let length = head
    .values("content-length")
    .next()
    .and_then(|v| v.split(',').next())
    .map(str::trim)
    .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
    .and_then(|v| v.parse::<u64>().ok())
    // Chromium parses it as a signed 64-bit number.
    .filter(|&n| n <= i64::MAX as u64);
  Ok(match length {
    Some(0) => Framing::Empty,
    Some(n) => Framing::Length(n),
    None => Framing::UntilClose,
  })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
  Size,
  Data(u64),
  DataEnd,
  Trailers,
  Done,
}

/// Longest chunk-size or trailer line (with extensions) before the encoding is invalid
/// (`HttpChunkedDecoder::kMaxLineBufLen`, net/http/http_chunked_decoder.cc).
const MAX_CHUNK_LINE: usize = 16384;

/// Incremental body decoder for one response.
#[derive(Debug)]
pub struct Decoder {
  framing: Framing,
  remaining: u64,
  chunk: ChunkState,
}

impl Decoder {
  pub fn new(framing: Framing) -> Decoder {
    let remaining = match framing {
      Framing::Length(n) => n,
      _ => 0,
    };
    Decoder {
      framing,
      remaining,
      chunk: ChunkState::Size,
    }
  }

  pub fn is_done(&self) -> bool {
    match self.framing {
      Framing::Empty => true,
      Framing::Length(_) => self.remaining == 0,
      Framing::Chunked => self.chunk == ChunkState::Done,
      Framing::UntilClose => false,
    }
  }

  /// Body bytes still expected, when the framing says (a `Content-Length` body).
  pub fn remaining_hint(&self) -> Option<u64> {
    match self.framing {
      Framing::Length(_) => Some(self.remaining),
      _ => None,
    }
  }

  /// How many body bytes may be read straight into a buffer of the caller's: an identity body
  /// (no framing inside it) says how many are left; a chunked one cannot.
  pub fn direct_limit(&self) -> Option<u64> {
    match self.framing {
      Framing::Length(_) => Some(self.remaining),
      Framing::UntilClose => Some(u64::MAX),
      Framing::Empty | Framing::Chunked => None,
    }
  }

  /// `n` body bytes were read directly (see [`Decoder::direct_limit`]).
  pub fn took_direct(&mut self, n: usize) {
    if let Framing::Length(_) = self.framing {
      self.remaining -= n as u64;
    }
  }

  /// Whether the connection can carry another request once the body is done.
  pub fn reusable(&self) -> bool {
    self.framing != Framing::UntilClose
  }

  /// Takes as much body as `buf` holds, up to `max` bytes. Returns `None` when `buf` holds no
  /// body bytes right now (either more must be read, or the body is done).
  pub fn decode(&mut self, buf: &mut BytesMut, max: usize) -> Result<Option<Bytes>, NetError> {
    if max == 0 && self.framing != Framing::Chunked {
      return Ok(None);
    }
    match self.framing {
      Framing::Empty => Ok(None),
      Framing::UntilClose => {
        if buf.is_empty() {
          return Ok(None);
        }
        let n = buf.len().min(max);
        Ok(Some(buf.split_to(n).freeze()))
      }
      Framing::Length(_) => {
        if self.remaining == 0 || buf.is_empty() {
          return Ok(None);
        }
        let n = (buf.len() as u64).min(self.remaining).min(max as u64) as usize;
        self.remaining -= n as u64;
        Ok(Some(buf.split_to(n).freeze()))
      }
      Framing::Chunked => self.decode_chunked(buf, max),
    }
  }

  fn decode_chunked(&mut self, buf: &mut BytesMut, max: usize) -> Result<Option<Bytes>, NetError> {
    loop {
      match self.chunk {
        ChunkState::Done => return Ok(None),
        ChunkState::Size => {
          let Some(line) = take_line(buf)? else {
            return Ok(None);
          };
          let size = chunk_size(&line).ok_or(NetError::ERR_INVALID_CHUNKED_ENCODING)?;
          self.chunk = if size == 0 {
            ChunkState::Trailers
          } else {
            ChunkState::Data(size)
          };
        }
        ChunkState::Data(left) => {
          if buf.is_empty() || max == 0 {
            return Ok(None);
          }
          let n = (buf.len() as u64).min(left).min(max as u64) as usize;
          let data = buf.split_to(n).freeze();
          self.chunk = if left == n as u64 {
            ChunkState::DataEnd
          } else {
            ChunkState::Data(left - n as u64)
          };
          return Ok(Some(data));
        }
        ChunkState::DataEnd => {
          let Some(line) = take_line(buf)? else {
            return Ok(None);
          };
          if !line.is_empty() {
            return Err(NetError::ERR_INVALID_CHUNKED_ENCODING);
          }
          self.chunk = ChunkState::Size;
        }
        ChunkState::Trailers => {
          // Trailers are read and dropped: Electron does not expose them (§5).
          let Some(line) = take_line(buf)? else {
            return Ok(None);
          };
          if line.is_empty() {
            self.chunk = ChunkState::Done;
          }
        }
      }
    }
  }

  /// Consumes framing bytes already buffered (chunk terminators, the last chunk, trailers)
  /// without taking body data, so the end of a body is seen without waiting for the consumer.
  /// Returns whether the body is complete.
  pub fn settle(&mut self, buf: &mut BytesMut) -> Result<bool, NetError> {
    self.decode(buf, 0)?;
    Ok(self.is_done())
  }

  /// The peer closed the connection: fine for until-close bodies, a truncation otherwise.
  pub fn at_eof(&self) -> Result<(), NetError> {
    if self.is_done() || self.framing == Framing::UntilClose {
      return Ok(());
    }
    Err(crate::errors::closed_during_body(
      self.framing == Framing::Chunked,
    ))
  }
}

/// Takes one line off `buf`, without its terminator: up to a line feed, less one carriage return
/// before it (`HttpChunkedDecoder::ScanForChunkRemaining`). A line longer than
/// [`MAX_CHUNK_LINE`] is invalid however it arrives (Chromium only counts a line's bytes that
/// had to wait for more: the same bytes in one read or several should mean the same).
fn take_line(buf: &mut BytesMut) -> Result<Option<Vec<u8>>, NetError> {
  match buf.iter().position(|&b| b == b'\n') {
    Some(pos) if pos > MAX_CHUNK_LINE + 1 => Err(NetError::ERR_INVALID_CHUNKED_ENCODING),
    Some(pos) => {
      let mut line = buf.split_to(pos + 1).to_vec();
      line.pop();
      if line.last() == Some(&b'\r') {
        line.pop();
      }
      if line.len() > MAX_CHUNK_LINE {
        return Err(NetError::ERR_INVALID_CHUNKED_ENCODING);
      }
      Ok(Some(line))
    }
    None if buf.len() > MAX_CHUNK_LINE + 1 => Err(NetError::ERR_INVALID_CHUNKED_ENCODING),
    None => Ok(None),
  }
}

/// The size on a chunk-size line, as `HttpChunkedDecoder::ParseChunkSize` reads it
/// (net/http/http_chunked_decoder.cc): chunk extensions after `;` are ignored, then trailing
/// spaces (only spaces) are, and what is left must be hex digits only (no leading white space,
/// sign or `0x`) of a number that fits a signed 64-bit integer. An empty line is a missing
/// chunk size.
fn chunk_size(line: &[u8]) -> Option<u64> {
  let size = line.split(|&b| b == b';').next().unwrap_or(&[]);
  let end = size.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
  let digits = &size[..end];
  if digits.is_empty() {
    return None;
  }
  digits.iter().try_fold(0u64, |n, &b| {
    let digit = (b as char).to_digit(16)?;
    n.checked_mul(16)
      .and_then(|n| n.checked_add(u64::from(digit)))
      .filter(|&n| n <= i64::MAX as u64)
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  fn head(headers: &[(&str, &str)], status: u16) -> ResponseHead {
    ResponseHead {
      minor_version: 1,
      status,
      reason: String::new(),
      headers: headers.iter().copied().collect(),
      truncated: false,
    }
  }

  fn decode_all(dec: &mut Decoder, input: &[u8]) -> Result<Vec<u8>, NetError> {
    let mut buf = BytesMut::from(input);
    let mut out = Vec::new();
    while let Some(b) = dec.decode(&mut buf, 3)? {
      out.extend_from_slice(&b);
    }
    Ok(out)
  }

  #[test]
  fn framing_rules() {
    assert_eq!(
      framing("HEAD", &head(&[("Content-Length", "5")], 200)),
      Ok(Framing::Empty)
    );
    assert_eq!(framing("GET", &head(&[], 204)), Ok(Framing::Empty));
    assert_eq!(
      framing("GET", &head(&[("content-length", "5")], 200)),
      Ok(Framing::Length(5))
    );
    assert_eq!(
      framing(
        "GET",
        &head(
          &[("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
          200
        )
      ),
      Ok(Framing::Chunked)
    );
    assert_eq!(framing("GET", &head(&[], 200)), Ok(Framing::UntilClose));
    assert_eq!(
      framing(
        "GET",
        &head(&[("Content-Length", "5"), ("Content-Length", "5")], 200)
      ),
      Ok(Framing::Length(5))
    );
    assert_eq!(
      framing("GET", &head(&[("Content-Length", "-1")], 200)),
      Ok(Framing::UntilClose)
    );
    assert_eq!(
      framing("GET", &head(&[("Content-Length", "abc")], 200)),
      Ok(Framing::UntilClose)
    );
  }

  #[test]
  fn chunked_body_decodes_across_pieces() {
    let mut dec = Decoder::new(Framing::Chunked);
    let out = decode_all(
      &mut dec,
      b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
    )
    .unwrap();
    assert_eq!(out, b"hello world");
    assert!(dec.is_done());
    assert_eq!(dec.at_eof(), Ok(()));
  }

  #[test]
  fn truncated_bodies_name_their_framing() {
    let mut chunked = Decoder::new(Framing::Chunked);
    decode_all(&mut chunked, b"5\r\nhel").unwrap();
    assert_eq!(
      chunked.at_eof(),
      Err(NetError::ERR_INCOMPLETE_CHUNKED_ENCODING)
    );
    let mut length = Decoder::new(Framing::Length(10));
    assert_eq!(decode_all(&mut length, b"hello").unwrap(), b"hello");
    assert_eq!(length.at_eof(), Err(NetError::ERR_CONTENT_LENGTH_MISMATCH));
  }

  #[test]
  fn bad_chunk_size_is_invalid_chunked_encoding() {
    let mut dec = Decoder::new(Framing::Chunked);
    assert_eq!(
      decode_all(&mut dec, b"zz\r\nhello\r\n"),
      Err(NetError::ERR_INVALID_CHUNKED_ENCODING)
    );
    let mut dec = Decoder::new(Framing::Chunked);
    assert_eq!(
      decode_all(&mut dec, b"2\r\nhello\r\n"),
      Err(NetError::ERR_INVALID_CHUNKED_ENCODING)
    );
  }

  #[test]
  fn settle_sees_the_last_chunk_without_taking_data() {
    let mut dec = Decoder::new(Framing::Chunked);
    let mut buf = BytesMut::from(&b"3\r\nabc\r\n0\r\n\r\n"[..]);
    assert_eq!(dec.settle(&mut buf), Ok(false));
    assert_eq!(&dec.decode(&mut buf, 10).unwrap().unwrap()[..], b"abc");
    assert_eq!(dec.settle(&mut buf), Ok(true));
    let mut dec = Decoder::new(Framing::Chunked);
    let mut buf = BytesMut::from(&b"3\r\nabc\r\n4\r\n"[..]);
    assert_eq!(&dec.decode(&mut buf, 10).unwrap().unwrap()[..], b"abc");
    assert_eq!(dec.settle(&mut buf), Ok(false));
    assert_eq!(&dec.decode(&mut buf, 10).unwrap(), &None);
  }

  #[test]
  fn length_body_stops_at_length() {
    let mut dec = Decoder::new(Framing::Length(4));
    let mut buf = BytesMut::from(&b"abcdEXTRA"[..]);
    let mut out = Vec::new();
    while let Some(b) = dec.decode(&mut buf, 1024).unwrap() {
      out.extend_from_slice(&b);
    }
    assert_eq!(out, b"abcd");
    assert!(dec.is_done());
    assert_eq!(&buf[..], b"EXTRA");
  }

  fn chunked(input: &[u8]) -> Result<Vec<u8>, NetError> {
    let mut dec = Decoder::new(Framing::Chunked);
    decode_all(&mut dec, input)
  }

  /// What `HttpChunkedDecoder::ParseChunkSize` (net/http/http_chunked_decoder.cc) accepts:
  /// `^\X+[ ]*$` before any `;`, fitting a signed 64-bit integer.
  #[test]
  fn chunk_sizes_are_read_as_chromium_reads_them() {
    let invalid = Err(NetError::ERR_INVALID_CHUNKED_ENCODING);
    assert_eq!(chunked(b"5   \r\nhello\r\n0\r\n\r\n").unwrap(), b"hello");
    assert_eq!(
      chunked(b"5 ;a=b\r\nhello\r\n0;x\r\n\r\n").unwrap(),
      b"hello"
    );
    assert_eq!(chunked(b"0005\nhello\n0\n\n").unwrap(), b"hello");
    assert_eq!(
      chunked(b"00000000000000000000005\r\nhello\r\n").unwrap(),
      b"hello"
    );
    assert!(chunked(b"7fffffffffffffff\r\nab").is_ok());
    for bad in [
      &b" 5\r\nhello\r\n"[..],
      b"\t5\r\nhello\r\n",
      b"5\t\r\nhello\r\n",
      b"+5\r\nhello\r\n",
      b"-5\r\nhello\r\n",
      b"0x5\r\nhello\r\n",
      b"5\r\r\nhello\r\n",
      b"\r\nhello\r\n",
      b";ext\r\nhello\r\n",
      b"8000000000000000\r\nab",
      b"10000000000000000\r\nab",
      b"5\r\nhello\r\n 0\r\n\r\n",
    ] {
      assert_eq!(chunked(bad), invalid, "{:?}", String::from_utf8_lossy(bad));
    }
  }

  #[test]
  fn chunk_lines_up_to_16_kib_are_accepted() {
    let mut ok = b"5;".to_vec();
    ok.resize(MAX_CHUNK_LINE, b'x');
    ok.extend_from_slice(b"\r\nhello\r\n0\r\n\r\n");
    assert_eq!(chunked(&ok).unwrap(), b"hello");
    let mut long = b"5;".to_vec();
    long.resize(MAX_CHUNK_LINE + 1, b'x');
    long.extend_from_slice(b"\r\nhello\r\n0\r\n\r\n");
    assert_eq!(chunked(&long), Err(NetError::ERR_INVALID_CHUNKED_ENCODING));
    long.truncate(MAX_CHUNK_LINE + 5);
    assert_eq!(chunked(&long), Err(NetError::ERR_INVALID_CHUNKED_ENCODING));
  }
}
