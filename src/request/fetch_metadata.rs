//! Fetch metadata request headers (`Sec-Fetch-Site/Mode/User/Dest`) as Chromium computes them
//! for a browser-process request (reference §8.1; Chromium `sec_header_helpers.cc`).

use std::borrow::Cow;

use url::{Origin, Url};

use crate::errors::NetError;
use crate::wire::headers::{self, EngineHeader, HeaderList};

/// Whether `url` is potentially trustworthy (https, or a loopback host): only such URLs get
/// `Sec-Fetch-*` headers.
pub fn potentially_trustworthy(url: &Url) -> bool {
  if url.scheme() == "https" || url.scheme() == "wss" {
    return true;
  }
  match url.host() {
    Some(url::Host::Domain(d)) => {
      let d = d.trim_end_matches('.').to_ascii_lowercase();
      d == "localhost" || d.ends_with(".localhost")
    }
    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    None => false,
  }
}

/// `Sec-Fetch-Site` values, ordered from best to worst.
#[allow(clippy::enum_variant_names)] // the variants spell the header's values
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Site {
  None,
  SameOrigin,
  SameSite,
  CrossSite,
}

impl Site {
  fn as_str(self) -> &'static str {
    match self {
      Site::None => "none",
      Site::SameOrigin => "same-origin",
      Site::SameSite => "same-site",
      Site::CrossSite => "cross-site",
    }
  }
}

/// The registrable domain ("site") of a host: eTLD+1 by the public suffix list, or the host
/// itself for IP literals and hosts that are a public suffix.
fn registrable_domain(host: &str) -> String {
  let host = host.trim_end_matches('.').to_ascii_lowercase();
  match psl::domain_str(&host) {
    Some(d) => d.to_string(),
    None => host,
  }
}

/// How `target` relates to the request's initiator.
pub fn site_for(initiator: Option<&Origin>, target: &Url) -> Site {
  let Some(initiator) = initiator else {
    return Site::None;
  };
  let target_origin = target.origin();
  if *initiator == target_origin {
    return Site::SameOrigin;
  }
  match (initiator, &target_origin) {
    (Origin::Tuple(s1, h1, _), Origin::Tuple(s2, h2, _))
      if s1 == s2 && registrable_domain(&h1.to_string()) == registrable_domain(&h2.to_string()) =>
    {
      Site::SameSite
    }
    _ => Site::CrossSite,
  }
}

/// The initiator: the `origin` option, else the caller's `Origin` header, else none. A value
/// that does not parse is an opaque origin (cross-site to everything).
pub fn initiator(
  origin_option: Option<&str>,
  user: &[(String, String)],
  url: &Url,
) -> Option<Origin> {
  let raw = origin_option.or_else(|| headers::get(user, "origin"))?;
  Some(match parse_origin(raw, url) {
    Some(origin) => origin,
    None => Url::parse("data:,").map(|u| u.origin()).ok()?,
  })
}

/// The origin of `raw`, an origin or URL; None when it does not parse. `net.request(url)`
/// passes the URL's own origin (reference §1.2), recognised here without parsing it again
/// (parsing it twice a request took ~6 % of an engine thread's time on many small requests):
/// `raw` spelled exactly as the URL's scheme and authority has the URL's scheme, host and port.
fn parse_origin(raw: &str, url: &Url) -> Option<Origin> {
  if url.has_host() && raw == &url[..url::Position::BeforePath] {
    return Some(url.origin());
  }
  Url::parse(raw).ok().map(|u| u.origin())
}

/// `Sec-Fetch-Dest` values Chromium accepts from a caller.
const KNOWN_DESTS: [&str; 21] = [
  "audio",
  "audioworklet",
  "document",
  "embed",
  "empty",
  "fencedframe",
  "font",
  "frame",
  "iframe",
  "image",
  "manifest",
  "object",
  "paintworklet",
  "report",
  "script",
  "serviceworker",
  "style",
  "track",
  "video",
  "worker",
  "xslt",
];

fn is_sec_fetch(name: &str) -> bool {
  name.len() >= 10 && name[..10].eq_ignore_ascii_case("sec-fetch-")
}

/// The caller's headers as they go out: most often exactly as given.
pub type CallerHeaders<'a> = Cow<'a, [(String, String)]>;

/// Applies the fetch-metadata rules to one hop. `site` is the worst value over the redirect
/// chain so far. Returns the caller's headers as they go out (Chromium rewrites or drops some
/// of them) and the headers the engine adds after them.
pub fn apply<'a>(
  user: &'a [(String, String)],
  target: &Url,
  site: Site,
  has_initiator: bool,
) -> Result<(CallerHeaders<'a>, Vec<EngineHeader>), NetError> {
  let mode = headers::get(user, "sec-fetch-mode").map(str::to_string);
  if mode.as_deref() == Some("cors") && !has_initiator {
    // Chromium's URL loader factory refuses a CORS request without an initiator.
    return Err(NetError::ERR_INVALID_ARGUMENT);
  }
  let trustworthy = potentially_trustworthy(target);
  // The usual case, on every hop of every request: nothing of the caller's to rewrite or drop.
  let kept = if user.iter().any(|(n, _)| is_sec_fetch(n)) {
    Cow::Owned(rewrite(user, trustworthy))
  } else {
    Cow::Borrowed(user)
  };
  if !trustworthy {
    return Ok((kept, Vec::new()));
  }
  let mut added: Vec<EngineHeader> = Vec::with_capacity(3);
  added.push(("Sec-Fetch-Site", site.as_str().into()));
  if mode.is_none() {
    added.push(("Sec-Fetch-Mode", "no-cors".into()));
  }
  if !headers::has(user, "sec-fetch-dest") {
    added.push(("Sec-Fetch-Dest", "empty".into()));
  }
  Ok((kept, added))
}

/// The caller's headers as Chromium sends them: Sec-Fetch ones dropped where fetch metadata
/// does not apply, else rewritten or dropped one by one.
fn rewrite(user: &[(String, String)], trustworthy: bool) -> HeaderList {
  if !trustworthy {
    return user
      .iter()
      .filter(|(n, _)| !is_sec_fetch(n))
      .cloned()
      .collect();
  }
  let mut kept = Vec::with_capacity(user.len());
  for (name, value) in user {
    if name.eq_ignore_ascii_case("sec-fetch-user") && value != "?1" {
      continue;
    }
    if name.eq_ignore_ascii_case("sec-fetch-site") {
      // Always computed by Chromium, never taken from the caller.
      continue;
    }
    if name.eq_ignore_ascii_case("sec-fetch-dest") && !KNOWN_DESTS.contains(&value.as_str()) {
      kept.push((name.clone(), "empty".to_string()));
      continue;
    }
    kept.push((name.clone(), value.clone()));
  }
  kept
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::test_support::{eh, h, url};

  #[test]
  fn an_origin_matching_the_url_gives_what_parsing_it_gives() {
    let cases = [
      ("http://127.0.0.1:8080", "http://127.0.0.1:8080/1k"),
      ("https://a.com", "https://a.com/x?y"),
      ("http://[::1]:81", "http://[::1]:81/"),
      ("http://a.com", "http://u:p@a.com/"),
      ("http://u:p@a.com", "http://u:p@a.com/"),
      ("http:", "http://a.com/"),
      ("http://a.co", "http://a.com/"),
      ("HTTP://A.COM", "http://a.com/"),
      ("http://a.com/path", "http://a.com/path/more"),
      ("::bad", "http://a.com/"),
    ];
    for (raw, target) in cases {
      let parsed = Url::parse(raw).ok().map(|u| u.origin());
      assert_eq!(
        parse_origin(raw, &url(target)),
        parsed,
        "{raw} for {target}"
      );
    }
  }

  #[test]
  fn trustworthy_urls() {
    assert!(potentially_trustworthy(&url("https://a.com/")));
    assert!(potentially_trustworthy(&url("http://127.0.0.5/")));
    assert!(potentially_trustworthy(&url("http://[::1]/")));
    assert!(potentially_trustworthy(&url("http://app.localhost/")));
    assert!(!potentially_trustworthy(&url("http://a.com/")));
  }

  #[test]
  fn site_relations() {
    let target = url("https://www.a.com/x");
    assert_eq!(site_for(None, &target), Site::None);
    assert_eq!(
      site_for(Some(&url("https://www.a.com/y").origin()), &target),
      Site::SameOrigin
    );
    assert_eq!(
      site_for(Some(&url("https://b.a.com").origin()), &target),
      Site::SameSite
    );
    assert_eq!(
      site_for(Some(&url("http://www.a.com").origin()), &target),
      Site::CrossSite
    );
    assert_eq!(
      site_for(Some(&url("https://not-exists.com").origin()), &target),
      Site::CrossSite
    );
    let opaque = initiator(Some("::bad"), &[], &Url::parse("http://a.test/").unwrap());
    assert_eq!(site_for(opaque.as_ref(), &target), Site::CrossSite);
  }

  #[test]
  fn defaults_on_a_trustworthy_url() {
    let (kept, added) = apply(&[], &url("http://127.0.0.1/"), Site::None, false).unwrap();
    assert!(kept.is_empty());
    assert_eq!(
      added,
      eh(&[
        ("Sec-Fetch-Site", "none"),
        ("Sec-Fetch-Mode", "no-cors"),
        ("Sec-Fetch-Dest", "empty")
      ])
    );
  }

  #[test]
  fn caller_values_are_kept_rewritten_or_dropped() {
    let user = h(&[
      ("sec-fetch-mode", "navigate"),
      ("sec-fetch-dest", "bogus"),
      ("sec-fetch-user", "?0"),
    ]);
    let (kept, added) = apply(&user, &url("http://127.0.0.1/"), Site::SameOrigin, true).unwrap();
    assert_eq!(
      kept,
      h(&[("sec-fetch-mode", "navigate"), ("sec-fetch-dest", "empty")])
    );
    assert_eq!(added, eh(&[("Sec-Fetch-Site", "same-origin")]));
  }

  #[test]
  fn plain_http_elsewhere_gets_none() {
    let user = h(&[("sec-fetch-dest", "image"), ("X-A", "1")]);
    let (kept, added) = apply(&user, &url("http://a.com/"), Site::None, false).unwrap();
    assert_eq!(kept, h(&[("X-A", "1")]));
    assert!(added.is_empty());
  }

  #[test]
  fn headers_with_nothing_to_rewrite_go_out_as_given_without_a_copy() {
    let user = h(&[("X-A", "1"), ("Accept", "*/*")]);
    for target in ["http://127.0.0.1/", "http://a.com/"] {
      let (kept, _) = apply(&user, &url(target), Site::None, false).unwrap();
      assert!(matches!(kept, Cow::Borrowed(_)), "{target}");
      assert_eq!(kept, user);
    }
  }

  #[test]
  fn cors_without_initiator_is_refused() {
    let user = h(&[("Sec-Fetch-Mode", "cors")]);
    assert_eq!(
      apply(&user, &url("http://127.0.0.1/"), Site::None, false),
      Err(NetError::ERR_INVALID_ARGUMENT)
    );
  }
}
