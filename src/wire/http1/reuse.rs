//! Whether an HTTP/1.x connection may carry another request once a response on it is complete.

use crate::wire::http1::{body::Decoder, response_head::ResponseHead};
use crate::wire::syntax::lists_token;

/// `request`: the caller's headers as sent. A connection is reused when both sides keep it
/// alive, the body's end is known from its framing, and the framing is not suspect.
pub fn reusable(request: &[(String, String)], head: &ResponseHead, decoder: &Decoder) -> bool {
  keep_alive(request, head) && decoder.reusable() && !suspect_framing(head)
}

/// Whether the connection may carry another request after this exchange (RFC 9112 §9.3; a
/// proxy may say `Proxy-Connection: close` instead).
fn keep_alive(request: &[(String, String)], head: &ResponseHead) -> bool {
  let request_connection = request
    .iter()
    .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
    .map(|(_, v)| v.as_str());
  if lists_token(request_connection, "close")
    || lists_token(head.values("connection"), "close")
    || lists_token(head.values("proxy-connection"), "close")
  {
    return false;
  }
  head.minor_version >= 1 || lists_token(head.values("connection"), "keep-alive")
}

/// A response whose framing two parties could read differently: `Transfer-Encoding` with a
/// `Content-Length` too, or in an HTTP/1.0 response (which cannot use it). RFC 9112 §6.1: such a
/// message "ought to be handled as an error" / its framing treated as faulty, and the
/// connection closed after it, so no later response can be smuggled in behind it. (Chromium's
/// `HttpStreamParser::CanReuseConnection` does not check this; closing costs one new connection.)
fn suspect_framing(head: &ResponseHead) -> bool {
  head.values("transfer-encoding").next().is_some()
    && (head.minor_version == 0 || head.values("content-length").next().is_some())
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::wire::http1::body::{framing, Decoder};

  fn head(minor_version: u8, headers: &[(&str, &str)]) -> ResponseHead {
    ResponseHead {
      minor_version,
      status: 200,
      reason: String::new(),
      headers: headers.iter().copied().collect(),
      truncated: false,
    }
  }

  fn reused(minor_version: u8, headers: &[(&str, &str)]) -> bool {
    let head = head(minor_version, headers);
    let decoder = Decoder::new(framing("GET", &head).unwrap());
    reusable(&[], &head, &decoder)
  }

  #[test]
  fn suspect_framing_is_never_reused() {
    assert!(reused(1, &[("Content-Length", "2")]));
    assert!(reused(1, &[("Transfer-Encoding", "chunked")]));
    assert!(!reused(
      1,
      &[("Content-Length", "2"), ("Transfer-Encoding", "chunked")]
    ));
    assert!(reused(
      0,
      &[("Connection", "keep-alive"), ("Content-Length", "2")]
    ));
    assert!(!reused(
      0,
      &[
        ("Connection", "keep-alive"),
        ("Transfer-Encoding", "chunked")
      ]
    ));
    assert!(!reused(
      1,
      &[("Connection", "close"), ("Content-Length", "2")]
    ));
  }
}
