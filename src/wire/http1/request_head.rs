//! An HTTP/1.1 request head: its header list in Chromium's order, and the bytes, with every
//! header name spelled exactly as given and in the given order (Electron sends the caller's
//! spelling: hyper would lower- or title-case it).

use crate::errors::NetError;
use crate::wire::headers::{check_wire_safe, merge, BodySize, EngineHeaders, WireHeader};
use crate::wire::syntax;

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

/// The head of a CONNECT request for a tunnel to `authority` (Chromium's
/// `HttpProxyClientSocket` sends `Host`, `Proxy-Connection`, `User-Agent` and any proxy
/// credentials).
pub fn connect(
  authority: &str,
  user_agent: Option<&str>,
  proxy_authorization: Option<&str>,
) -> Result<Vec<u8>, NetError> {
  let mut headers = vec![("Host", authority), ("Proxy-Connection", "keep-alive")];
  headers.extend(user_agent.map(|ua| ("User-Agent", ua)));
  headers.extend(proxy_authorization.map(|auth| ("Proxy-Authorization", auth)));
  encode("CONNECT", authority, &headers)
}

/// Serialises `METHOD target HTTP/1.1` and `headers` into one buffer ready for the socket;
/// anything that could break the message's framing (a method that is not a token, white space
/// or a control character in the target, a bad header name, CR, LF or NUL in a value) is
/// refused with `ERR_INVALID_ARGUMENT` instead (defence in depth: JS validates first).
pub fn encode<N: AsRef<str>, V: AsRef<str>>(
  method: &str,
  target: &str,
  headers: &[(N, V)],
) -> Result<Vec<u8>, NetError> {
  let target_ok = !target.is_empty() && target.bytes().all(|b| b > b' ' && b != 0x7f);
  if !syntax::is_token(method) || !target_ok {
    return Err(NetError::ERR_INVALID_ARGUMENT);
  }
  check_wire_safe(headers)?;
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
  Ok(out)
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
    let head = encode("GET", "/p?q=1", &headers).unwrap();
    assert_eq!(
      head,
      b"GET /p?q=1 HTTP/1.1\r\nHost: a.com\r\nx-lower: 1\r\nX-UPPER: 2\r\n\r\n".to_vec()
    );
  }

  #[test]
  fn refuses_what_would_break_the_framing() {
    let bad = Err(NetError::ERR_INVALID_ARGUMENT);
    assert_eq!(encode::<&str, &str>("GET /x HTTP/1.1\r\n", "/", &[]), bad);
    assert_eq!(encode::<&str, &str>("GET", "/a b", &[]), bad);
    assert_eq!(encode::<&str, &str>("GET", "/a\r\nX: 1", &[]), bad);
    assert_eq!(encode("GET", "/", &[("X", "1\r\nY: 2")]), bad);
    assert_eq!(encode("GET", "/", &[("X Y", "1")]), bad);
    assert_eq!(encode("GET", "/", &[("X", "a\0")]), bad);
  }

  #[test]
  fn connect_heads_name_the_authority() {
    let head = connect("[::1]:443", Some("UA"), Some("Basic eA==")).unwrap();
    assert_eq!(
      head,
      b"CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\nProxy-Connection: keep-alive\r\nUser-Agent: UA\r\nProxy-Authorization: Basic eA==\r\n\r\n".to_vec()
    );
    assert!(connect("a:1", Some("U\nA"), None).is_err());
  }
}
