//! Request-header policy: which headers and methods a caller may send (Chromium's URL loader
//! checks, reference §3), and the headers a `cache` mode adds. How headers are put on the wire
//! is `wire::headers`.

use crate::errors::NetError;
use crate::wire::headers::EngineHeader;
use crate::wire::syntax;

/// Headers a caller may not set (Chromium's `IsRequestHeaderSafe`, reference §3): the URL loader
/// refuses such a request with `ERR_INVALID_ARGUMENT` before anything is sent.
const UNSAFE_NAMES: [&str; 9] = [
  "content-length",
  "host",
  "trailer",
  "te",
  "upgrade",
  "cookie2",
  "keep-alive",
  "transfer-encoding",
  "set-cookie",
];

const METHOD_OVERRIDES: [&str; 3] = [
  "x-http-method",
  "x-http-method-override",
  "x-method-override",
];

fn tokens(value: &str) -> impl Iterator<Item = String> + '_ {
  syntax::list_items(value).map(str::to_ascii_lowercase)
}

pub fn check_request_headers_safe(headers: &[(String, String)]) -> Result<(), NetError> {
  for (name, value) in headers {
    let lower = name.to_ascii_lowercase();
    let unsafe_header = UNSAFE_NAMES.contains(&lower.as_str())
      || lower.starts_with("proxy-")
      || (lower == "connection" && tokens(value).any(|t| t != "close" && t != "keep-alive"))
      || (METHOD_OVERRIDES.contains(&lower.as_str())
        && tokens(value).any(|t| t == "connect" || t == "trace" || t == "track"))
      || (lower == "accept-encoding" && tokens(value).any(|t| t == "dcb" || t == "dcz"));
    if unsafe_header {
      return Err(NetError::ERR_INVALID_ARGUMENT);
    }
  }
  Ok(())
}

/// A method must be a token (RFC 9110 §9.1), as Chromium's URL loader requires; anything else
/// could break the request line.
pub fn check_method(method: &str) -> Result<(), NetError> {
  if syntax::is_token(method) {
    Ok(())
  } else {
    Err(NetError::ERR_INVALID_ARGUMENT)
  }
}

/// The request headers of a `cache` mode (reference §8.4), as Chromium's
/// `HttpNetworkTransaction::BuildRequestHeaders` writes them for the load flags: `reload`
/// (LOAD_BYPASS_CACHE) asks caches on the way to bypass themselves, `no-cache`
/// (LOAD_VALIDATE_CACHE) to revalidate. They go before the caller's headers, so a caller header of
/// the same name replaces one of them where it stands.
pub fn cache_mode_headers(cache: Option<&str>) -> Vec<EngineHeader> {
  let pairs: &[(&'static str, &'static str)] = match cache {
    Some("reload") => &[("Pragma", "no-cache"), ("Cache-Control", "no-cache")],
    Some("no-cache") => &[("Cache-Control", "max-age=0")],
    _ => &[],
  };
  pairs.iter().map(|&(n, v)| (n, v.into())).collect()
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::test_support::{eh, h, owned};
  use crate::wire::headers::{BodySize, EngineHeaders};
  use crate::wire::http1::request_head::compose as compose_h1;

  #[test]
  fn cache_modes_add_chromium_headers_that_the_caller_can_replace() {
    assert_eq!(
      cache_mode_headers(Some("reload")),
      eh(&[("Pragma", "no-cache"), ("Cache-Control", "no-cache")])
    );
    assert_eq!(
      cache_mode_headers(Some("no-cache")),
      eh(&[("Cache-Control", "max-age=0")])
    );
    for other in [
      None,
      Some("default"),
      Some("no-store"),
      Some("force-cache"),
      Some("only-if-cached"),
    ] {
      assert!(cache_mode_headers(other).is_empty(), "{other:?}");
    }
    let engine = EngineHeaders {
      first: cache_mode_headers(Some("reload")),
      last: vec![],
    };
    let list = owned(compose_h1(
      "a",
      "GET",
      BodySize::None,
      false,
      &engine,
      &h(&[("X-A", "1"), ("cache-control", "max-age=5")]),
    ));
    assert_eq!(
      list,
      h(&[
        ("Host", "a"),
        ("Connection", "keep-alive"),
        ("Pragma", "no-cache"),
        ("cache-control", "max-age=5"),
        ("X-A", "1")
      ])
    );
  }

  #[test]
  fn restricted_headers_follow_chromium() {
    for (n, v) in [
      ("Content-Length", "1"),
      ("HOST", "a"),
      ("Trailer", "x"),
      ("te", "trailers"),
      ("Upgrade", "websocket"),
      ("Cookie2", "a"),
      ("Keep-Alive", "5"),
      ("Transfer-Encoding", "chunked"),
      ("Set-Cookie", "a=1"),
      ("Proxy-Authorization", "x"),
      ("Connection", "upgrade"),
      ("X-HTTP-Method-Override", "TRACE"),
      ("Accept-Encoding", "gzip, dcb"),
    ] {
      assert_eq!(
        check_request_headers_safe(&h(&[(n, v)])),
        Err(NetError::ERR_INVALID_ARGUMENT),
        "{n}: {v}"
      );
    }
    for (n, v) in [
      ("Connection", "close"),
      ("Connection", "keep-alive"),
      ("X-HTTP-Method", "GET"),
      ("Accept-Encoding", "gzip"),
    ] {
      assert_eq!(
        check_request_headers_safe(&h(&[(n, v)])),
        Ok(()),
        "{n}: {v}"
      );
    }
  }

  #[test]
  fn methods_must_be_tokens() {
    assert_eq!(check_method("PATCH"), Ok(()));
    assert_eq!(check_method("M-SEARCH"), Ok(()));
    assert_eq!(
      check_method("GET / HTTP/1.1\r\nX: y"),
      Err(NetError::ERR_INVALID_ARGUMENT)
    );
    assert_eq!(check_method(""), Err(NetError::ERR_INVALID_ARGUMENT));
  }
}
