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
