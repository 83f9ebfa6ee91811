//! Redirect rules as pure functions (reference §6): which responses redirect, where to, with
//! which method and body, and which headers survive the hop. The hop loop asks JS whether to
//! follow (the `'redirect'` event) and then applies these rules.

use url::Url;

use crate::errors::NetError;

/// Chromium follows at most 20 redirects; the 21st fails (`URLRequest::kMaxRedirects`).
pub const MAX_REDIRECTS: u32 = 20;

/// How the next hop differs from the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
  pub url: Url,
  pub method: String,
  /// The body is dropped (and with it the `Content-*` headers).
  pub drop_body: bool,
}

/// Returns the next hop when `status` + `location` make a redirect, `None` for a response to be
/// delivered as-is (a 300, or a redirect status without a usable `Location`).
pub fn plan(
  status: u16,
  location: Option<&str>,
  current: &Url,
  method: &str,
  followed_so_far: u32,
) -> Result<Option<Plan>, NetError> {
  if !matches!(status, 301 | 302 | 303 | 307 | 308) {
    return Ok(None);
  }
  let Some(location) = location.map(str::trim).filter(|l| !l.is_empty()) else {
    return Ok(None);
  };
  if followed_so_far >= MAX_REDIRECTS {
    return Err(NetError::ERR_TOO_MANY_REDIRECTS);
  }
  let mut url = current
    .join(location)
    .map_err(|_| NetError::ERR_INVALID_REDIRECT)?;
  // A target without a fragment inherits the current one (RFC 9110 §10.2.2, Chromium).
  if url.fragment().is_none() {
    if let Some(fragment) = current.fragment() {
      url.set_fragment(Some(fragment));
    }
  }
  let new_method = redirect_method(status, method);
  let drop_body = new_method != method;
  Ok(Some(Plan {
    url,
    method: new_method,
    drop_body,
  }))
}

/// Chromium's `RedirectUtil::ComputeMethodForRedirect`.
fn redirect_method(status: u16, method: &str) -> String {
  match status {
    301 | 302 if method == "POST" => "GET".to_string(),
    303 if method != "HEAD" => "GET".to_string(),
    _ => method.to_string(),
  }
}

/// Schemes a redirect from http(s) may never reach (Chromium's `IsSafeRedirectTarget`: about:,
/// file:, filesystem:, blob:, data: and the WebUI schemes; reference §6).
const UNSAFE_SCHEMES: [&str; 8] = [
  "about",
  "file",
  "filesystem",
  "blob",
  "data",
  "chrome",
  "chrome-untrusted",
  "devtools",
];

/// http(s) targets are followed; the unsafe schemes fail with `ERR_UNSAFE_REDIRECT`; any other
/// scheme (ftp:, custom ones) has no loader here and fails with `ERR_UNKNOWN_URL_SCHEME`, as
/// Electron's restart through another loader factory does (reference §6 "Other schemes").
pub fn check_target(url: &Url) -> Result<(), NetError> {
  match url.scheme() {
    "http" | "https" => Ok(()),
    s if UNSAFE_SCHEMES.contains(&s) => Err(NetError::ERR_UNSAFE_REDIRECT),
    _ => Err(NetError::ERR_UNKNOWN_URL_SCHEME),
  }
}

/// Headers that carry credentials: never sent to another origin after a redirect (as the Fetch
/// standard, curl and reqwest's `remove_sensitive_headers` do).
const SENSITIVE: [&str; 3] = ["authorization", "cookie", "proxy-authorization"];

/// Headers that describe the body, dropped when the method change drops the body.
const BODY_HEADERS: [&str; 5] = [
  "content-length",
  "content-type",
  "content-encoding",
  "content-language",
  "content-location",
];

fn same_origin(a: &Url, b: &Url) -> bool {
  a.origin() == b.origin()
}

/// The caller's headers for the next hop (Chromium's `RedirectInfo` + our security rule).
pub fn next_headers(
  headers: &[(String, String)],
  from: &Url,
  plan: &Plan,
) -> Vec<(String, String)> {
  let cross_origin = !same_origin(from, &plan.url);
  headers
    .iter()
    .filter(|(name, _)| {
      let lower = name.to_ascii_lowercase();
      if plan.drop_body && (BODY_HEADERS.contains(&lower.as_str()) || lower == "origin") {
        return false;
      }
      !(cross_origin && SENSITIVE.contains(&lower.as_str()))
    })
    .map(|(name, value)| {
      if cross_origin && name.eq_ignore_ascii_case("origin") {
        (name.clone(), "null".to_string())
      } else {
        (name.clone(), value.clone())
      }
    })
    .collect()
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::test_support::{h, url};

  #[test]
  fn method_rules_follow_chromium() {
    let base = url("http://a.com/x");
    let p = |status, method| plan(status, Some("/y"), &base, method, 0).unwrap().unwrap();
    assert_eq!(p(301, "POST").method, "GET");
    assert!(p(301, "POST").drop_body);
    assert_eq!(p(302, "PUT").method, "PUT");
    assert_eq!(p(303, "PUT").method, "GET");
    assert_eq!(p(303, "HEAD").method, "HEAD");
    assert_eq!(p(307, "POST").method, "POST");
    assert!(!p(308, "POST").drop_body);
  }

  #[test]
  fn non_redirects_are_delivered() {
    let base = url("http://a.com/x");
    assert_eq!(plan(300, Some("/y"), &base, "GET", 0), Ok(None));
    assert_eq!(plan(302, None, &base, "GET", 0), Ok(None));
    assert_eq!(plan(302, Some(""), &base, "GET", 0), Ok(None));
    assert_eq!(plan(200, Some("/y"), &base, "GET", 0), Ok(None));
  }

  #[test]
  fn the_21st_redirect_fails() {
    let base = url("http://a.com/x");
    assert!(plan(302, Some("/y"), &base, "GET", 19).unwrap().is_some());
    assert_eq!(
      plan(302, Some("/y"), &base, "GET", 20),
      Err(NetError::ERR_TOO_MANY_REDIRECTS)
    );
  }

  #[test]
  fn location_is_resolved_and_fragment_copied() {
    let base = url("http://a.com/dir/x#frag");
    let p = plan(302, Some("../y?q=1"), &base, "GET", 0)
      .unwrap()
      .unwrap();
    assert_eq!(p.url.as_str(), "http://a.com/y?q=1#frag");
    let p = plan(302, Some("http://b.com/#own"), &base, "GET", 0)
      .unwrap()
      .unwrap();
    assert_eq!(p.url.as_str(), "http://b.com/#own");
  }

  #[test]
  fn bad_location_is_an_invalid_redirect() {
    let base = url("http://a.com/");
    assert_eq!(
      plan(302, Some("http://[::1"), &base, "GET", 0),
      Err(NetError::ERR_INVALID_REDIRECT)
    );
  }

  #[test]
  fn unsafe_schemes_are_refused() {
    for target in [
      "file:///etc/passwd",
      "data:text/plain,x",
      "about:blank",
      "blob:http://a/x",
      "filesystem:http://a/temporary/x",
      "chrome://settings",
      "devtools://devtools/x",
    ] {
      assert_eq!(
        check_target(&url(target)),
        Err(NetError::ERR_UNSAFE_REDIRECT),
        "{target}"
      );
    }
    for target in ["ftp://a/", "myapp://open", "mailto:a@b.c"] {
      assert_eq!(
        check_target(&url(target)),
        Err(NetError::ERR_UNKNOWN_URL_SCHEME),
        "{target}"
      );
    }
    assert_eq!(check_target(&url("https://b.com/")), Ok(()));
    assert_eq!(check_target(&url("http://b.com/")), Ok(()));
  }

  #[test]
  fn credentials_never_cross_origins() {
    let from = url("http://a.com/");
    let headers = h(&[
      ("Authorization", "Basic x"),
      ("Cookie", "a=1"),
      ("X-Keep", "1"),
      ("Origin", "http://a.com"),
    ]);
    let cross = plan(307, Some("http://b.com/"), &from, "GET", 0)
      .unwrap()
      .unwrap();
    assert_eq!(
      next_headers(&headers, &from, &cross),
      h(&[("X-Keep", "1"), ("Origin", "null")])
    );
    let same = plan(307, Some("/other"), &from, "GET", 0).unwrap().unwrap();
    assert_eq!(next_headers(&headers, &from, &same), headers);
    let other_port = plan(307, Some("http://a.com:8080/"), &from, "GET", 0)
      .unwrap()
      .unwrap();
    assert_eq!(next_headers(&headers, &from, &other_port).len(), 2);
  }

  #[test]
  fn body_headers_go_with_the_body() {
    let from = url("http://a.com/");
    // Chromium's `RedirectUtil::UpdateHttpRequest` list, in mixed spellings.
    let headers = h(&[
      ("Content-Type", "text/plain"),
      ("content-length", "7"),
      ("CONTENT-ENCODING", "gzip"),
      ("Content-Language", "en"),
      ("Content-Location", "/x"),
      ("Origin", "http://a.com"),
      ("X-Keep", "1"),
      ("Content-Disposition", "inline"),
    ]);
    let kept = h(&[("X-Keep", "1"), ("Content-Disposition", "inline")]);
    for (status, method) in [(301, "POST"), (302, "POST"), (303, "POST"), (303, "PUT")] {
      let p = plan(status, Some("/y"), &from, method, 0).unwrap().unwrap();
      assert!(p.drop_body, "{status} {method}");
      assert_eq!(p.method, "GET");
      assert_eq!(next_headers(&headers, &from, &p), kept, "{status} {method}");
    }
    // The method is kept: so are the body and every header that describes it.
    for (status, method) in [(307, "POST"), (308, "PUT"), (301, "PUT"), (303, "HEAD")] {
      let keep = plan(status, Some("/y"), &from, method, 0).unwrap().unwrap();
      assert!(!keep.drop_body, "{status} {method}");
      assert_eq!(
        next_headers(&headers, &from, &keep),
        headers,
        "{status} {method}"
      );
    }
  }
}
