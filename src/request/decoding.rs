//! Transparent decoding of `Content-Encoding: gzip | deflate | br | zstd` bodies, done only when
//! the engine wrote `Accept-Encoding` itself (a caller's own header turns it off and the bytes
//! pass through). Like Chromium, the response headers still show what came over the wire.

use async_compression::tokio::write::{
  BrotliDecoder, DeflateDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder,
};
use bytes::Bytes;
use tokio::io::AsyncWriteExt;

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

enum Inner {
  Gzip(GzipDecoder<Vec<u8>>),
  Zlib(ZlibDecoder<Vec<u8>>),
  Deflate(DeflateDecoder<Vec<u8>>),
  Brotli(BrotliDecoder<Vec<u8>>),
  Zstd(ZstdDecoder<Vec<u8>>),
}

pub struct ContentDecoder {
  inner: Inner,
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

macro_rules! each {
  ($inner:expr, $d:ident => $body:expr) => {
    match $inner {
      Inner::Gzip($d) => $body,
      Inner::Zlib($d) => $body,
      Inner::Deflate($d) => $body,
      Inner::Brotli($d) => $body,
      Inner::Zstd($d) => $body,
    }
  };
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
    let inner = match coding.as_str() {
      "gzip" | "x-gzip" => Inner::Gzip(GzipDecoder::new(Vec::new())),
      "deflate" => Inner::Zlib(ZlibDecoder::new(Vec::new())),
      "br" => Inner::Brotli(BrotliDecoder::new(Vec::new())),
      "zstd" => Inner::Zstd(ZstdDecoder::new(Vec::new())),
      _ => return None,
    };
    Some(ContentDecoder {
      inner,
      sniffed: false,
      head: Vec::new(),
      had_input: false,
    })
  }

  /// Decodes one piece of the body; may return nothing until more input arrives.
  pub async fn feed(&mut self, input: &[u8]) -> Result<Bytes, NetError> {
    self.had_input |= !input.is_empty();
    if !self.sniffed && matches!(self.inner, Inner::Zlib(_)) {
      self.head.extend_from_slice(input);
      if self.head.len() < 2 {
        return Ok(Bytes::new());
      }
      let head = std::mem::take(&mut self.head);
      self.sniff(&head);
      return self.write(&head).await;
    }
    self.sniffed = true;
    self.write(input).await
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
      self.inner = Inner::Deflate(DeflateDecoder::new(Vec::new()));
    }
  }

  async fn write(&mut self, input: &[u8]) -> Result<Bytes, NetError> {
    let result: std::io::Result<Vec<u8>> = each!(&mut self.inner, d => async {
      d.write_all(input).await?;
      d.flush().await?;
      Ok(std::mem::take(d.get_mut()))
    }.await);
    result
      .map(Bytes::from)
      .map_err(|_| NetError::ERR_CONTENT_DECODING_FAILED)
  }

  /// Ends the stream; a truncated or corrupt body fails here.
  pub async fn finish(&mut self) -> Result<Bytes, NetError> {
    if !self.had_input {
      return Ok(Bytes::new());
    }
    let mut out = Vec::new();
    if !self.sniffed && matches!(self.inner, Inner::Zlib(_)) {
      // A body shorter than a zlib header: decide on what there is.
      let head = std::mem::take(&mut self.head);
      self.sniff(&head);
      out.extend_from_slice(&self.write(&head).await?);
    }
    let result: std::io::Result<Vec<u8>> = each!(&mut self.inner, d => async {
      d.shutdown().await?;
      Ok(std::mem::take(d.get_mut()))
    }.await);
    let rest = result.map_err(|_| NetError::ERR_CONTENT_DECODING_FAILED)?;
    out.extend_from_slice(&rest);
    Ok(Bytes::from(out))
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use async_compression::tokio::write::{
    BrotliEncoder, DeflateEncoder, GzipEncoder, ZlibEncoder, ZstdEncoder,
  };

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

  /// Decodes `input` fed in `piece`-byte slices, as the network would hand it over.
  async fn decode(encoding: &str, input: &[u8], piece: usize) -> Result<Vec<u8>, NetError> {
    let mut dec = ContentDecoder::for_encoding(encoding).expect("a decoder");
    let mut out = Vec::new();
    for chunk in input.chunks(piece) {
      out.extend_from_slice(&dec.feed(chunk).await?);
    }
    out.extend_from_slice(&dec.finish().await?);
    Ok(out)
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

  #[tokio::test]
  async fn an_empty_body_is_empty_for_every_coding() {
    for coding in ["gzip", "deflate", "br", "zstd"] {
      let mut dec = ContentDecoder::for_encoding(coding).unwrap();
      assert_eq!(dec.feed(b"").await, Ok(Bytes::new()), "{coding}");
      assert_eq!(dec.finish().await, Ok(Bytes::new()), "{coding}");
    }
    // One byte is not an empty body: a stream that short is corrupt.
    let mut dec = ContentDecoder::for_encoding("gzip").unwrap();
    let fed = dec.feed(b"\x1f").await;
    assert!(fed.is_err() || dec.finish().await.is_err());
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
    let mut dec = ContentDecoder::for_encoding("gzip").unwrap();
    let mut out = Vec::new();
    for piece in encoded.chunks(7) {
      out.extend_from_slice(&dec.feed(piece).await.unwrap());
    }
    out.extend_from_slice(&dec.finish().await.unwrap());
    assert_eq!(out, data);
  }

  #[tokio::test]
  async fn corrupt_body_fails_with_decoding_error() {
    let mut dec = ContentDecoder::for_encoding("gzip").unwrap();
    let fed = dec.feed(b"this is not gzip at all").await;
    let result = match fed {
      Err(e) => Err(e),
      Ok(_) => dec.finish().await,
    };
    assert_eq!(result, Err(NetError::ERR_CONTENT_DECODING_FAILED));
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
