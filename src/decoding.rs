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
  /// `deflate` is zlib-wrapped by the RFC but raw in some servers; Chromium accepts both.
  sniffed: bool,
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
    })
  }

  /// Decodes one piece of the body; may return nothing until more input arrives.
  pub async fn feed(&mut self, input: &[u8]) -> Result<Bytes, NetError> {
    if !self.sniffed {
      self.sniffed = true;
      if let Inner::Zlib(_) = self.inner {
        // A zlib stream starts with a CMF byte of method 8 whose header is a multiple of 31.
        let zlib = input.len() >= 2
          && input[0] & 0x0f == 8
          && (u16::from(input[0]) << 8 | u16::from(input[1])) % 31 == 0;
        if !zlib {
          self.inner = Inner::Deflate(DeflateDecoder::new(Vec::new()));
        }
      }
    }
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
    let result: std::io::Result<Vec<u8>> = each!(&mut self.inner, d => async {
      d.shutdown().await?;
      Ok(std::mem::take(d.get_mut()))
    }.await);
    result
      .map(Bytes::from)
      .map_err(|_| NetError::ERR_CONTENT_DECODING_FAILED)
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use async_compression::tokio::write::GzipEncoder;

  async fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzipEncoder::new(Vec::new());
    enc.write_all(data).await.unwrap();
    enc.shutdown().await.unwrap();
    enc.into_inner()
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
