//! `Referer` and `referrerPolicy` (reference §8.2; W3C Referrer Policy §8.3). The referrer is the
//! caller's `Referer` header; Chromium refuses (`ERR_BLOCKED_BY_CLIENT`) a request whose header
//! the policy would have changed, and on redirects reduces it for the new URL.

use url::Url;

use crate::errors::NetError;
use crate::wire::syntax;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
  NoReferrer,
  NoReferrerWhenDowngrade,
  Origin,
  OriginWhenCrossOrigin,
  SameOrigin,
  StrictOrigin,
  StrictOriginWhenCrossOrigin,
  UnsafeUrl,
}

/// Case-insensitive; `''` and unknown values mean the default (reference §1.2).
pub fn parse_policy(value: Option<&str>) -> Policy {
  match value.unwrap_or("").to_ascii_lowercase().as_str() {
    "no-referrer" => Policy::NoReferrer,
    "no-referrer-when-downgrade" => Policy::NoReferrerWhenDowngrade,
    "origin" => Policy::Origin,
    "origin-when-cross-origin" => Policy::OriginWhenCrossOrigin,
    "same-origin" => Policy::SameOrigin,
    "strict-origin" => Policy::StrictOrigin,
    "unsafe-url" => Policy::UnsafeUrl,
    _ => Policy::StrictOriginWhenCrossOrigin,
  }
}

/// The policy a `Referrer-Policy` response header names, if it names one we know: the last
/// recognised token wins (W3C Referrer Policy §11.1).
pub fn from_response_header<'a>(values: impl Iterator<Item = &'a str>) -> Option<Policy> {
  let mut found = None;
  for token in values.flat_map(syntax::list_items) {
    let policy = parse_policy(Some(token));
    if policy != Policy::StrictOriginWhenCrossOrigin
      || token.eq_ignore_ascii_case("strict-origin-when-cross-origin")
    {
      found = Some(policy);
    }
  }
  found
}

fn stripped(url: &Url) -> Url {
  let mut u = url.clone();
  u.set_fragment(None);
  let _ = u.set_username("");
  let _ = u.set_password(None);
  u
}

fn origin_only(url: &Url) -> Option<Url> {
  Url::parse(&format!("{}/", url.origin().ascii_serialization())).ok()
}

/// `GURL::SchemeIsCryptographic()`: https and wss only. A downgrade is judged by this, not by
/// "potentially trustworthy", so https -> http://127.0.0.1 or http://localhost is a downgrade too
/// (Chromium `URLRequestJob::ComputeReferrerForPolicy`, `secure_referrer_but_insecure_destination`).
fn is_cryptographic(url: &Url) -> bool {
  matches!(url.scheme(), "https" | "wss")
}

/// What `policy` lets through of `referrer` for a request to `target`.
pub fn reduce(policy: Policy, referrer: &Url, target: &Url) -> Option<Url> {
  let full = stripped(referrer);
  let same_origin = referrer.origin() == target.origin();
  let downgrade = is_cryptographic(referrer) && !is_cryptographic(target);
  match policy {
    Policy::NoReferrer => None,
    Policy::UnsafeUrl => Some(full),
    Policy::NoReferrerWhenDowngrade => (!downgrade).then_some(full),
    Policy::SameOrigin => same_origin.then_some(full),
    Policy::Origin => origin_only(referrer),
    Policy::StrictOrigin => {
      if downgrade {
        None
      } else {
        origin_only(referrer)
      }
    }
    Policy::OriginWhenCrossOrigin => {
      if same_origin {
        Some(full)
      } else {
        origin_only(referrer)
      }
    }
    Policy::StrictOriginWhenCrossOrigin => {
      if same_origin {
        Some(full)
      } else if downgrade {
        None
      } else {
        origin_only(referrer)
      }
    }
  }
}

/// Checks the caller's `Referer` for the first hop: allowed only if the policy keeps it as is.
pub fn check_initial(policy: Policy, referer: &str, target: &Url) -> Result<(), NetError> {
  let Ok(referrer) = Url::parse(referer) else {
    // Not a URL: Chromium drops such a referrer; we leave the caller's header alone.
    return Ok(());
  };
  match reduce(policy, &referrer, target) {
    Some(kept) if kept == referrer => Ok(()),
    _ => Err(NetError::ERR_BLOCKED_BY_CLIENT),
  }
}

/// The `Referer` value for a redirect hop, or `None` to drop the header.
pub fn for_redirect(policy: Policy, referer: &str, target: &Url) -> Option<String> {
  match Url::parse(referer) {
    Ok(referrer) => reduce(policy, &referrer, target).map(|u| u.to_string()),
    Err(_) => Some(referer.to_string()),
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::test_support::url;

  #[test]
  fn policy_names() {
    assert_eq!(parse_policy(None), Policy::StrictOriginWhenCrossOrigin);
    assert_eq!(parse_policy(Some("")), Policy::StrictOriginWhenCrossOrigin);
    assert_eq!(parse_policy(Some("UNSAFE-URL")), Policy::UnsafeUrl);
    assert_eq!(
      parse_policy(Some("bogus")),
      Policy::StrictOriginWhenCrossOrigin
    );
  }

  #[test]
  fn default_policy_keeps_same_origin_and_bare_origins() {
    let policy = Policy::StrictOriginWhenCrossOrigin;
    let target = url("http://127.0.0.1:8080/x");
    assert!(check_initial(policy, "http://127.0.0.1:8080/page?q", &target).is_ok());
    assert!(check_initial(policy, "http://a.com/", &target).is_ok());
    assert_eq!(
      check_initial(policy, "http://a.com/page", &target),
      Err(NetError::ERR_BLOCKED_BY_CLIENT)
    );
  }

  #[test]
  fn unsafe_url_sends_anything() {
    let target = url("http://127.0.0.1/");
    assert!(check_initial(Policy::UnsafeUrl, "https://www.electronjs.org/", &target).is_ok());
  }

  #[test]
  fn downgrades_are_cleared_by_strict_policies() {
    let referrer = url("https://a.com/p");
    let http = url("http://b.com/");
    assert_eq!(reduce(Policy::StrictOrigin, &referrer, &http), None);
    assert_eq!(
      reduce(Policy::NoReferrerWhenDowngrade, &referrer, &http),
      None
    );
    assert_eq!(
      reduce(Policy::Origin, &referrer, &http),
      Some(url("https://a.com/"))
    );
    assert_eq!(reduce(Policy::NoReferrer, &referrer, &http), None);
  }

  #[test]
  fn https_to_loopback_http_is_a_downgrade() {
    // Loopback is potentially trustworthy but not cryptographic: Chromium still clears.
    let referrer = url("https://a.com/p?q");
    let bare = url("https://a.com/");
    for target in [
      "http://127.0.0.1:8080/x",
      "http://localhost/x",
      "http://[::1]/",
    ] {
      let target = url(target);
      let policy = Policy::StrictOriginWhenCrossOrigin;
      assert_eq!(reduce(policy, &referrer, &target), None, "{target}");
      assert_eq!(reduce(policy, &bare, &target), None, "{target}");
      assert_eq!(
        check_initial(policy, "https://a.com/", &target),
        Err(NetError::ERR_BLOCKED_BY_CLIENT),
        "{target}"
      );
      assert_eq!(reduce(Policy::StrictOrigin, &bare, &target), None);
      assert_eq!(
        reduce(Policy::NoReferrerWhenDowngrade, &bare, &target),
        None
      );
      // unsafe-url never clears, downgrade or not.
      assert_eq!(
        reduce(Policy::UnsafeUrl, &referrer, &target),
        Some(url("https://a.com/p?q"))
      );
      assert!(check_initial(Policy::UnsafeUrl, "https://a.com/p?q", &target).is_ok());
    }
    // https -> https, and http -> http, are not downgrades.
    let https = url("https://b.com/");
    assert_eq!(
      reduce(Policy::StrictOriginWhenCrossOrigin, &referrer, &https),
      Some(bare.clone())
    );
    let http_ref = url("http://a.com/p");
    assert_eq!(
      reduce(
        Policy::StrictOriginWhenCrossOrigin,
        &http_ref,
        &url("http://127.0.0.1/")
      ),
      Some(url("http://a.com/"))
    );
    assert_eq!(
      reduce(
        Policy::StrictOrigin,
        &url("wss://a.com/"),
        &url("ws://a.com/")
      ),
      None
    );
  }

  #[test]
  fn cross_origin_policies() {
    let referrer = url("https://a.com/p#frag");
    let same = url("https://a.com/q");
    let cross = url("https://b.com/");
    assert_eq!(reduce(Policy::SameOrigin, &referrer, &cross), None);
    assert_eq!(
      reduce(Policy::SameOrigin, &referrer, &same),
      Some(url("https://a.com/p"))
    );
    assert_eq!(
      reduce(Policy::OriginWhenCrossOrigin, &referrer, &cross),
      Some(url("https://a.com/"))
    );
    assert_eq!(
      reduce(Policy::OriginWhenCrossOrigin, &referrer, &same),
      Some(url("https://a.com/p"))
    );
  }

  #[test]
  fn response_header_overrides() {
    assert_eq!(
      from_response_header(["no-referrer"].into_iter()),
      Some(Policy::NoReferrer)
    );
    assert_eq!(
      from_response_header(["bogus, origin"].into_iter()),
      Some(Policy::Origin)
    );
    assert_eq!(from_response_header(["bogus"].into_iter()), None);
  }
}
