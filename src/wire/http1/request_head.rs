//! An HTTP/1.1 request head: its header list in Chromium's order, and the bytes, with every
//! header name spelled exactly as given and in the given order (Electron sends the caller's
//! spelling: hyper would lower- or title-case it).

use crate::wire::headers::{merge, BodySize, EngineHeaders, WireHeader};

/// The header block of an HTTP/1.1 request, in Chromium's order (reference §2.3): `Host`,
/// `Connection`, body framing, the engine's first headers, the caller's headers (one that names
/// an earlier header replaces it where it stands), then the engine's last headers. To an http
/// proxy without a tunnel (`via_proxy`) `Proxy-Connection` takes `Connection`'s place
/// (reference §8.5, `HttpNetworkTransaction::BuildRequestHeaders`).
pub fn compose<'a>(
  host: &'a str,
  method: &str,
  body: BodySize,
  via_proxy: bool,
  engine: &'a EngineHeaders,
  user: &'a [(String, String)],
) -> Vec<WireHeader<'a>> {
  let mut list: Vec<WireHeader<'a>> = Vec::with_capacity(user.len() + 10);
  list.push(("Host", host.into()));
  let connection = if via_proxy {
    "Proxy-Connection"
  } else {
    "Connection"
  };
  list.push((connection, "keep-alive".into()));
  match body {
    BodySize::Known(n) => list.push(("Content-Length", n.to_string().into())),
    // Chromium sends `Content-Length: 0` for a bodyless POST or PUT only (reference §2.4).
    BodySize::None if method == "POST" || method == "PUT" => {
      list.push(("Content-Length", "0".into()))
    }
    BodySize::None => {}
    BodySize::Chunked => list.push(("Transfer-Encoding", "chunked".into())),
  }
  merge(&mut list, engine, user);
  list
}

/// Serialises `METHOD target HTTP/1.1` and `headers` into one buffer ready for the socket.
/// The caller has already refused names and values that could break the framing
/// (see `wire::headers::check_wire_safe`).
pub fn encode<N: AsRef<str>, V: AsRef<str>>(
  method: &str,
  target: &str,
  headers: &[(N, V)],
) -> Vec<u8> {
  let size = method.len()
    + target.len()
    + 13
    + headers
      .iter()
      .map(|(n, v)| n.as_ref().len() + v.as_ref().len() + 4)
      .sum::<usize>()
    + 2;
  let mut out = Vec::with_capacity(size);
  out.extend_from_slice(method.as_bytes());
  out.push(b' ');
  out.extend_from_slice(target.as_bytes());
  out.extend_from_slice(b" HTTP/1.1\r\n");
  for (name, value) in headers {
    out.extend_from_slice(name.as_ref().as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_ref().as_bytes());
    out.extend_from_slice(b"\r\n");
  }
  out.extend_from_slice(b"\r\n");
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn keeps_spelling_and_order() {
    let headers = vec![
      ("Host".to_string(), "a.com".to_string()),
      ("x-lower".to_string(), "1".to_string()),
      ("X-UPPER".to_string(), "2".to_string()),
    ];
    let head = encode("GET", "/p?q=1", &headers);
    assert_eq!(
      head,
      b"GET /p?q=1 HTTP/1.1\r\nHost: a.com\r\nx-lower: 1\r\nX-UPPER: 2\r\n\r\n".to_vec()
    );
  }
}
