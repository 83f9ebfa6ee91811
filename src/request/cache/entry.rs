//! What a cache entry keeps besides its body, and how it is written down: the response head as
//! received (original spelling and order, so a cached response's `rawHeaders` are the network
//! one's), the request headers its `Vary` names, and when it was received.
//!
//! On disk an entry is one file (see [`super::disk`]):
//! `MAGIC | u32 head length | head | body | u64 body length | u32 CRC-32 of all before it`,
//! integers little-endian. The checksum covers the whole file, so a torn or altered entry is
//! found before any of it is delivered.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Identifies the format; a file that does not start with it is not an entry.
pub const MAGIC: &[u8; 8] = b"ENRSHC01";
/// The length of the fixed parts after the body: body length and checksum.
pub const TRAILER: usize = 12;

#[derive(Clone, Debug, PartialEq)]
pub struct StoredHead {
  /// The cache key: the URL without its fragment.
  pub key: String,
  pub status: u16,
  pub status_text: String,
  pub http_version: String,
  /// As received, `Set-Cookie` left out (Chromium does not keep cookies in the cache).
  pub headers: Vec<(String, String)>,
  /// The request headers the response's `Vary` names, as the request that stored it had them.
  pub vary_request: Vec<(String, String)>,
  /// When the response was received (its request was sent, for freshness).
  pub response_time: SystemTime,
}

impl StoredHead {
  pub fn header(&self, name: &str) -> Option<&str> {
    self
      .headers
      .iter()
      .find(|(n, _)| n.eq_ignore_ascii_case(name))
      .map(|(_, v)| v.as_str())
  }

  pub fn encode(&self) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    put_str(&mut out, &self.key);
    out.extend_from_slice(&self.status.to_le_bytes());
    put_str(&mut out, &self.status_text);
    put_str(&mut out, &self.http_version);
    let millis = self
      .response_time
      .duration_since(UNIX_EPOCH)
      .unwrap_or_default()
      .as_millis() as u64;
    out.extend_from_slice(&millis.to_le_bytes());
    put_list(&mut out, &self.headers);
    put_list(&mut out, &self.vary_request);
    out
  }

  /// `None` for anything that is not exactly an encoded head.
  pub fn decode(bytes: &[u8]) -> Option<StoredHead> {
    let mut r = Reader(bytes);
    let key = r.string()?;
    let status = u16::from_le_bytes(r.take(2)?.try_into().ok()?);
    let status_text = r.string()?;
    let http_version = r.string()?;
    let millis = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
    let headers = r.list()?;
    let vary_request = r.list()?;
    if !r.0.is_empty() {
      return None;
    }
    Some(StoredHead {
      key,
      status,
      status_text,
      http_version,
      headers,
      vary_request,
      response_time: UNIX_EPOCH + Duration::from_millis(millis),
    })
  }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
  out.extend_from_slice(&(s.len() as u32).to_le_bytes());
  out.extend_from_slice(s.as_bytes());
}

fn put_list(out: &mut Vec<u8>, list: &[(String, String)]) {
  out.extend_from_slice(&(list.len() as u32).to_le_bytes());
  for (n, v) in list {
    put_str(out, n);
    put_str(out, v);
  }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
  fn take(&mut self, n: usize) -> Option<&'a [u8]> {
    if self.0.len() < n {
      return None;
    }
    let (head, rest) = self.0.split_at(n);
    self.0 = rest;
    Some(head)
  }

  fn u32(&mut self) -> Option<usize> {
    Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
  }

  fn string(&mut self) -> Option<String> {
    let n = self.u32()?;
    String::from_utf8(self.take(n)?.to_vec()).ok()
  }

  fn list(&mut self) -> Option<Vec<(String, String)>> {
    let n = self.u32()?;
    // Each pair takes at least 8 bytes: a count beyond that is corrupt, not a reason to allocate.
    if n > self.0.len() / 8 {
      return None;
    }
    let mut list = Vec::with_capacity(n);
    for _ in 0..n {
      list.push((self.string()?, self.string()?));
    }
    Some(list)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn head() -> StoredHead {
    StoredHead {
      key: "http://a.test/x?y".into(),
      status: 200,
      status_text: "OK".into(),
      http_version: "1.1".into(),
      headers: vec![("ETag".into(), "\"1\"".into()), ("X-A".into(), "b".into())],
      vary_request: vec![("accept".into(), "text/html".into())],
      response_time: UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
    }
  }

  #[test]
  fn round_trips() {
    let h = head();
    assert_eq!(StoredHead::decode(&h.encode()), Some(h));
  }

  #[test]
  fn refuses_every_truncation_and_extra_bytes() {
    let bytes = head().encode();
    for n in 0..bytes.len() {
      assert_eq!(StoredHead::decode(&bytes[..n]), None, "{n}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(StoredHead::decode(&longer), None);
  }

  #[test]
  fn refuses_a_huge_count_without_allocating() {
    let mut bytes = Vec::new();
    put_str(&mut bytes, "k");
    bytes.extend_from_slice(&200u16.to_le_bytes());
    put_str(&mut bytes, "");
    put_str(&mut bytes, "1.1");
    bytes.extend_from_slice(&0u64.to_le_bytes());
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(StoredHead::decode(&bytes), None);
  }
}
