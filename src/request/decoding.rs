//! Transparent decoding of `Content-Encoding: gzip | deflate | br | zstd` bodies, done only when
//! the engine wrote `Accept-Encoding` itself (a caller's own header turns it off and the bytes
//! pass through). Like Chromium, the response headers still show what came over the wire.

use std::io;

use async_compression::codecs::{
  BrotliDecoder, DecodeV2, DeflateDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder,
};
use async_compression::core::util::{PartialBuffer, WriteBuffer};
use bytes::{Buf, Bytes};

use crate::config::TUNING;
use crate::errors::NetError;

/// The `Accept-Encoding` Chromium sends (reference §8.5): brotli and zstd only to https or
/// localhost URLs, `identity` when the caller asks for a range.
pub fn accept_encoding(secure_or_local: bool, has_range: bool) -> &'static str {
  if has_range {
    "identity"
  } else if secure_or_local {
    "gzip, deflate, br, zstd"
  } else {
    "gzip, deflate"
  }
}

enum Codec {
  Gzip(GzipDecoder),
  Zlib(ZlibDecoder),
  Deflate(DeflateDecoder),
  Brotli(BrotliDecoder),
  Zstd(ZstdDecoder),
}

impl Codec {
  fn get(&mut self) -> &mut dyn DecodeV2 {
    match self {
      Codec::Gzip(d) => d,
      Codec::Zlib(d) => d,
      Codec::Deflate(d) => d,
      Codec::Brotli(d) => d,
      Codec::Zstd(d) => d,
    }
  }

  /// Writes out what the codec holds for input it has already taken.
  fn drain(&mut self, out: &mut WriteBuffer<'_>) -> io::Result<bool> {
    match self {
      // zstd's `flush` drains too, but only `decode` notices the frame ending there, which its
      // `finish` then insists on.
      Codec::Zstd(d) => d.decode(&mut PartialBuffer::new(&[][..]), out),
      other => other.get().flush(out).map(|_| false),
    }
  }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
  Decoding,
  /// The stream has ended (the codec said so, or the input did): checking it is complete.
  Finishing,
  Done,
}

/// Decodes a body in steps of at most [`TUNING.decoded_step`] bytes: [`ContentDecoder::push`] a piece
/// of the body when [`ContentDecoder::wants_input`] says so, [`ContentDecoder::end_input`] at
/// its end, and take the decoded bytes with [`ContentDecoder::pull`], one step at a time.
pub struct ContentDecoder {
  codec: Codec,
  stage: Stage,
  /// Body bytes given and not decoded yet.
  input: Bytes,
  /// The body has ended: no more input comes.
  input_ended: bool,
  /// The last step filled its buffer: the codec may hold more output without new input.
  full: bool,
  /// `deflate` is zlib-wrapped by the RFC but raw in some servers; Chromium accepts both. Set
  /// once the first two bytes have been seen and the choice made.
  sniffed: bool,
  /// The first bytes of a `deflate` body until there are two to sniff: the network may hand
  /// them over one at a time.
  head: Vec<u8>,
  /// Any body byte has arrived. An empty body (a HEAD, a 204 or 304, `Content-Length: 0`) with a
  /// `Content-Encoding` is an empty body, not a corrupt stream: Chromium's `FilterSourceStream`
  /// ends cleanly when upstream ends before any input.
  had_input: bool,
}

impl ContentDecoder {
  /// A decoder for a `Content-Encoding` value, or `None` for identity or an unknown coding
  /// (passed through untouched, as Chromium does).
  pub fn for_encoding(value: &str) -> Option<ContentDecoder> {
    let codings: Vec<String> = value
      .split(',')
      .map(|c| c.trim().to_ascii_lowercase())
      .filter(|c| !c.is_empty() && c != "identity")
      .collect();
    // Only a single coding is decoded; stacked codings are rare and passed through.
    let [coding] = codings.as_slice() else {
      return None;
    };
    let codec = match coding.as_str() {
      "gzip" | "x-gzip" => Codec::Gzip(GzipDecoder::new()),
      "deflate" => Codec::Zlib(ZlibDecoder::new()),
      "br" => Codec::Brotli(BrotliDecoder::new()),
      "zstd" => Codec::Zstd(ZstdDecoder::new()),
      _ => return None,
    };
    Some(ContentDecoder {
      codec,
      stage: Stage::Decoding,
      input: Bytes::new(),
      input_ended: false,
      full: false,
      sniffed: false,
      head: Vec::new(),
      had_input: false,
    })
  }

  /// Whether the next step needs more of the body (else [`ContentDecoder::pull`] has more).
  pub fn wants_input(&self) -> bool {
    self.stage == Stage::Decoding && !self.input_ended && self.input.is_empty() && !self.full
  }

  /// Whether everything has been decoded and taken.
  pub fn is_done(&self) -> bool {
    self.stage == Stage::Done && self.input.is_empty()
  }

  /// The next piece of the body (once [`ContentDecoder::wants_input`]).
  pub fn push(&mut self, mut input: Bytes) {
    self.had_input |= !input.is_empty();
    if !self.sniffed && matches!(self.codec, Codec::Zlib(_)) {
      if self.head.len() + input.len() < 2 {
        self.head.extend_from_slice(&input);
        return;
      }
      if !self.head.is_empty() {
        let mut joined = std::mem::take(&mut self.head);
        joined.extend_from_slice(&input);
        input = Bytes::from(joined);
      }
      self.sniff(&input[..2]);
    }
    self.sniffed = true;
    if self.input.is_empty() {
      self.input = input;
    } else {
      // Not how it is used (input is given only when wanted), but never lose any.
      let mut joined = self.input.to_vec();
      joined.extend_from_slice(&input);
      self.input = Bytes::from(joined);
    }
  }

  /// The body has ended: the steps from now on finish the stream (a truncated or corrupt one
  /// fails).
  pub fn end_input(&mut self) {
    self.input_ended = true;
    if !self.had_input {
      self.stage = Stage::Done;
      return;
    }
    if !self.sniffed && matches!(self.codec, Codec::Zlib(_)) {
      // A body shorter than a zlib header: decide on what there is.
      let head = std::mem::take(&mut self.head);
      self.sniff(&head);
      self.input = Bytes::from(head);
    }
    self.sniffed = true;
  }

  /// Chooses zlib or raw deflate for a `deflate` body from its first bytes.
  fn sniff(&mut self, head: &[u8]) {
    self.sniffed = true;
    // A zlib stream starts with a CMF byte of method 8 whose header is a multiple of 31
    // (RFC 1950 §2.2).
    let zlib = head.len() >= 2
      && head[0] & 0x0f == 8
      && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
    if !zlib {
      self.codec = Codec::Deflate(DeflateDecoder::new());
    }
  }

  /// One step: up to `max` decoded bytes, or `None` when the step needs more input
  /// ([`ContentDecoder::wants_input`]) or the stream is done.
  pub fn pull(&mut self, max: usize) -> Result<Option<Bytes>, NetError> {
    self
      .step(max.max(1))
      .map_err(|_| NetError::ERR_CONTENT_DECODING_FAILED)
  }

  fn step(&mut self, max: usize) -> io::Result<Option<Bytes>> {
    if self.wants_input() || self.is_done() {
      return Ok(None);
    }
    // Sized for what the input is likely to give, up to a full step.
    let size = if self.full {
      max
    } else {
      max.min(
        self
          .input
          .len()
          .saturating_mul(8)
          .max(TUNING.decoded_min_step),
      )
    };
    let mut buf = vec![0u8; size];
    let mut out = WriteBuffer::new_initialized(&mut buf);
    self.full = false;
    loop {
      if self.stage != Stage::Done && out.has_no_spare_space() {
        self.full = true;
        break;
      }
      let before = out.written_len();
      match self.stage {
        Stage::Decoding if !self.input.is_empty() => {
          let mut input = PartialBuffer::new(&self.input[..]);
          let ended = self.codec.get().decode(&mut input, &mut out)?;
          let used = input.written_len();
          self.input.advance(used);
          if ended {
            self.stage = Stage::Finishing;
          } else if used == 0 && out.written_len() == before && !out.has_no_spare_space() {
            // Room to write and input to read, yet no progress: never spin on it.
            return Err(io::ErrorKind::InvalidData.into());
          }
        }
        Stage::Decoding => {
          if self.codec.drain(&mut out)? {
            self.stage = Stage::Finishing;
          } else if out.has_no_spare_space() {
            // The codec may hold more: the next step takes it.
            continue;
          } else if self.input_ended {
            self.stage = Stage::Finishing;
          } else {
            // All decoded: the next step needs more of the body.
            break;
          }
        }
        Stage::Finishing => {
          if self.codec.get().finish(&mut out)? {
            self.stage = Stage::Done;
          } else if out.written_len() == before && !out.has_no_spare_space() {
            // The body ended before the stream did.
            return Err(io::ErrorKind::UnexpectedEof.into());
          }
        }
        Stage::Done => {
          if !self.input.is_empty() {
            // Bytes after the end of the stream.
            return Err(io::ErrorKind::InvalidData.into());
          }
          break;
        }
      }
    }
    let n = out.written_len();
    if n == 0 {
      return Ok(None);
    }
    buf.truncate(n);
    // A step's buffer is not kept for a few bytes in it.
    Ok(Some(if n < size / 4 {
      Bytes::copy_from_slice(&buf)
    } else {
      Bytes::from(buf)
    }))
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use async_compression::tokio::write::{
    BrotliEncoder, DeflateEncoder, GzipEncoder, ZlibEncoder, ZstdEncoder,
  };
  use tokio::io::AsyncWriteExt;

  async fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzipEncoder::new(Vec::new());
    enc.write_all(data).await.unwrap();
    enc.shutdown().await.unwrap();
    enc.into_inner()
  }

  /// `data` encoded with `coding` by an encoder independent of our decoder.
  async fn encode(coding: &str, data: &[u8]) -> Vec<u8> {
    macro_rules! run {
      ($enc:expr) => {{
        let mut enc = $enc;
        enc.write_all(data).await.unwrap();
        enc.shutdown().await.unwrap();
        enc.into_inner()
      }};
    }
    match coding {
      "gzip" => run!(GzipEncoder::new(Vec::new())),
      "zlib" => run!(ZlibEncoder::new(Vec::new())),
      "raw-deflate" => run!(DeflateEncoder::new(Vec::new())),
      "br" => run!(BrotliEncoder::new(Vec::new())),
      "zstd" => run!(ZstdEncoder::new(Vec::new())),
      _ => unreachable!("{coding}"),
    }
  }

  /// Decodes `input` fed in `piece`-byte slices, as the network would hand it over, in steps
  /// of at most `max` bytes; returns the output and the number of steps.
  fn decode_in_steps(
    encoding: &str,
    input: &[u8],
    piece: usize,
    max: usize,
  ) -> Result<(Vec<u8>, usize), NetError> {
    let mut dec = ContentDecoder::for_encoding(encoding).expect("a decoder");
    let mut out = Vec::new();
    let mut steps = 0;
    let mut take = |dec: &mut ContentDecoder| -> Result<(), NetError> {
      while let Some(step) = dec.pull(max)? {
        assert!(
          !step.is_empty() && step.len() <= max,
          "a step of {}",
          step.len()
        );
        out.extend_from_slice(&step);
        steps += 1;
      }
      Ok(())
    };
    for chunk in input.chunks(piece) {
      assert!(dec.wants_input() || dec.is_done());
      dec.push(Bytes::copy_from_slice(chunk));
      take(&mut dec)?;
    }
    dec.end_input();
    take(&mut dec)?;
    assert!(dec.is_done());
    Ok((out, steps))
  }

  async fn decode(encoding: &str, input: &[u8], piece: usize) -> Result<Vec<u8>, NetError> {
    decode_in_steps(encoding, input, piece, TUNING.decoded_step).map(|(out, _)| out)
  }

  /// A bomb: a small body that decodes to `len` zeros.
  async fn bomb(coding: &str, len: usize) -> Vec<u8> {
    macro_rules! run {
      ($enc:expr) => {{
        let mut enc = $enc;
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..len / zeros.len() {
          enc.write_all(&zeros).await.unwrap();
        }
        enc.shutdown().await.unwrap();
        enc.into_inner()
      }};
    }
    use async_compression::Level;
    match coding {
      "gzip" => run!(GzipEncoder::with_quality(Vec::new(), Level::Best)),
      "deflate" => run!(ZlibEncoder::with_quality(Vec::new(), Level::Best)),
      "br" => run!(BrotliEncoder::with_quality(Vec::new(), Level::Precise(4))),
      "zstd" => run!(ZstdEncoder::with_quality(Vec::new(), Level::Default)),
      _ => unreachable!("{coding}"),
    }
  }

  #[tokio::test]
  async fn a_bomb_decodes_in_bounded_steps_each_only_when_pulled() {
    const LEN: usize = 16 * 1024 * 1024;
    for coding in ["gzip", "deflate", "br", "zstd"] {
      let body = bomb(coding, LEN).await;
      assert!(body.len() < LEN / 500, "{coding}: {} bytes", body.len());
      // All of it in one piece, as one network read can hand over a whole bomb.
      let mut dec = ContentDecoder::for_encoding(coding).unwrap();
      dec.push(Bytes::from(body.clone()));
      let first = dec.pull(TUNING.decoded_step).unwrap().unwrap();
      assert!(first.len() <= TUNING.decoded_step, "{coding}");
      assert!(first.iter().all(|&b| b == 0));
      // A step that filled its buffer is followed by full ones.
      assert_eq!(
        dec.pull(TUNING.decoded_step).unwrap().unwrap().len(),
        TUNING.decoded_step
      );
      // The rest waits, in the codec and the input, for the next pulls: nothing asks for input.
      assert!(!dec.wants_input() && !dec.is_done(), "{coding}");
      // Every step stays within its bound, whatever the piece sizes, and all of it comes out.
      for (piece, max) in [
        (body.len(), TUNING.decoded_step),
        (4096, TUNING.decoded_step),
        (977, 100_000),
      ] {
        let (out, steps) = decode_in_steps(coding, &body, piece, max).unwrap();
        assert_eq!(out.len(), LEN, "{coding} in {piece}-byte pieces");
        assert!(out.iter().all(|&b| b == 0));
        assert!(steps >= LEN / max, "{coding}: {steps} steps");
      }
    }
  }

  #[tokio::test]
  async fn zstd_br_and_deflate_round_trip_in_pieces() {
    let data = b"compressible text, compressible text; ".repeat(500);
    // `deflate` is zlib-wrapped per RFC 9110 §8.4.1.2; raw deflate is accepted too.
    for (coding, header) in [
      ("zstd", "zstd"),
      ("br", "br"),
      ("zlib", "deflate"),
      ("raw-deflate", "deflate"),
    ] {
      let encoded = encode(coding, &data).await;
      assert_ne!(encoded, data);
      // One byte at a time too: `deflate`'s zlib sniffing must wait for its two header bytes.
      for piece in [1, 7, 4096] {
        let decoded = decode(header, &encoded, piece).await;
        assert!(
          decoded.as_deref() == Ok(&data[..]),
          "{coding} in {piece}-byte pieces: {:?}",
          decoded.map(|d| d.len())
        );
      }
    }
  }

  #[test]
  fn an_empty_body_is_empty_for_every_coding() {
    for coding in ["gzip", "deflate", "br", "zstd"] {
      let mut dec = ContentDecoder::for_encoding(coding).unwrap();
      dec.push(Bytes::new());
      assert_eq!(dec.pull(TUNING.decoded_step), Ok(None), "{coding}");
      dec.end_input();
      assert_eq!(dec.pull(TUNING.decoded_step), Ok(None), "{coding}");
      assert!(dec.is_done());
    }
    // One byte is not an empty body: a stream that short is corrupt.
    for coding in ["gzip", "deflate", "br", "zstd"] {
      assert_eq!(
        decode_in_steps(coding, b"\x1f", 1, TUNING.decoded_step),
        Err(NetError::ERR_CONTENT_DECODING_FAILED),
        "{coding}"
      );
    }
  }

  #[tokio::test]
  async fn bad_zstd_and_br_bodies_fail_with_decoding_error() {
    assert_eq!(
      decode("zstd", b"this is not zstd at all", 64).await,
      Err(NetError::ERR_CONTENT_DECODING_FAILED)
    );
    assert_eq!(
      decode("br", b"this is not brotli at all", 64).await,
      Err(NetError::ERR_CONTENT_DECODING_FAILED)
    );
    // A stream cut short decodes what it can, then fails at the end.
    let data = b"0123456789abcdef".repeat(4096);
    for coding in ["zstd", "br"] {
      let encoded = encode(coding, &data).await;
      assert_eq!(
        decode(coding, &encoded[..encoded.len() / 2], 512).await,
        Err(NetError::ERR_CONTENT_DECODING_FAILED),
        "truncated {coding}"
      );
    }
  }

  #[tokio::test]
  async fn gzip_round_trip_in_pieces() {
    let data = b"hello hello hello hello".repeat(100);
    let encoded = gzip(&data).await;
    assert_eq!(decode("gzip", &encoded, 7).await, Ok(data.clone()));
    // Bytes after the end of the stream are refused, as before steps.
    let mut trailing = encoded.clone();
    trailing.extend_from_slice(b"garbage");
    assert_eq!(
      decode("gzip", &trailing, 4096).await,
      Err(NetError::ERR_CONTENT_DECODING_FAILED)
    );
  }

  #[test]
  fn corrupt_body_fails_with_decoding_error() {
    assert_eq!(
      decode_in_steps("gzip", b"this is not gzip at all", 64, TUNING.decoded_step),
      Err(NetError::ERR_CONTENT_DECODING_FAILED)
    );
  }

  #[test]
  fn identity_and_unknown_pass_through() {
    assert!(ContentDecoder::for_encoding("identity").is_none());
    assert!(ContentDecoder::for_encoding("compress").is_none());
    assert!(ContentDecoder::for_encoding("gzip, br").is_none());
    assert!(ContentDecoder::for_encoding("BR").is_some());
  }

  #[test]
  fn accept_encoding_values() {
    assert_eq!(accept_encoding(true, false), "gzip, deflate, br, zstd");
    assert_eq!(accept_encoding(false, false), "gzip, deflate");
    assert_eq!(accept_encoding(true, true), "identity");
  }
}
