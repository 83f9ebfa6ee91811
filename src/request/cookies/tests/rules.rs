//! cookie_util (net/cookies/cookie_util.cc) and ComputeSameSiteContext.
use crate::request::cookies::canonical::Time;
use crate::request::cookies::rules::*;
use crate::request::cookies::same_site::{
  context_for_request, context_for_response, SameSiteContext,
};
use url::Url;

fn u(s: &str) -> Url {
  Url::parse(s).unwrap()
}

fn ymd(y: i64, m: i64, d: i64, h: i64, mi: i64, s: i64) -> Time {
  // 1970-01-01 based, via the same civil algorithm checked against known values below.
  let t = parse_expiration_time(&format!(
    "{d} {} {y} {h}:{mi}:{s}",
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
      [(m - 1) as usize]
  ))
  .unwrap();
  t
}

#[test]
fn expiration_dates_in_many_shapes() {
  assert_eq!(
    parse_expiration_time("Thu, 01 Jan 1970 00:00:00 GMT"),
    Some(Time(0))
  );
  assert_eq!(
    parse_expiration_time("Sun, 09 Sep 2001 01:46:40 GMT"),
    Some(Time(1_000_000_000_000_000))
  );
  let t = ymd(2001, 9, 9, 1, 46, 40);
  for s in [
    "Sunday, 09-Sep-01 01:46:40 GMT",
    "Sep 9 2001 1:46:40",
    "9 September 2001 01:46:40 +0000",
    "\"Sun, 09-Sep-2001 01:46:40 GMT\"",
    "2001 Sep 09 01:46:40",
  ] {
    assert_eq!(parse_expiration_time(s), Some(t), "{s}");
  }
  // Two-digit years: 70-99 → 19xx, 00-69 → 20xx.
  assert_eq!(
    parse_expiration_time("1 Jan 69 00:00:00"),
    parse_expiration_time("1 Jan 2069 00:00:00")
  );
  assert_eq!(parse_expiration_time("1 Jan 70 00:00:00"), Some(Time(0)));
  for bad in [
    "",
    "Sep 2001 01:46:40",
    "9 2001 01:46:40",
    "9 Sep 2001",
    "31 Apr 2001 00:00:00",
    "9 Sep 2001 24:00:00",
    "0 Sep 2001 1:1:1",
    "9 Sep 2001 1:1:60",
  ] {
    assert_eq!(parse_expiration_time(bad), None, "{bad}");
  }
}

#[test]
fn domain_attribute_rules() {
  let url = u("https://www.example.com/a/b");
  assert_eq!(
    cookie_domain_with_string(&url, "").as_deref(),
    Some("www.example.com")
  );
  assert_eq!(
    cookie_domain_with_string(&url, "example.com").as_deref(),
    Some(".example.com")
  );
  assert_eq!(
    cookie_domain_with_string(&url, ".EXAMPLE.com").as_deref(),
    Some(".example.com")
  );
  assert_eq!(
    cookie_domain_with_string(&url, "www.example.com").as_deref(),
    Some(".www.example.com")
  );
  assert_eq!(cookie_domain_with_string(&url, "other.com"), None);
  assert_eq!(
    cookie_domain_with_string(&url, "com"),
    None,
    "public suffix"
  );
  assert_eq!(
    cookie_domain_with_string(&url, "x.www.example.com"),
    None,
    "not a superdomain"
  );
  assert_eq!(cookie_domain_with_string(&url, "exa%6dple.com"), None);
  // Private registries count as public suffixes.
  assert_eq!(
    cookie_domain_with_string(&u("https://a.github.io/"), "github.io"),
    None
  );
  // An IP host only gets a host cookie, and only for itself.
  let ip = u("http://127.0.0.1:8080/");
  assert_eq!(
    cookie_domain_with_string(&ip, "127.0.0.1").as_deref(),
    Some("127.0.0.1")
  );
  assert_eq!(
    cookie_domain_with_string(&ip, ".127.0.0.1").as_deref(),
    Some("127.0.0.1")
  );
  assert_eq!(cookie_domain_with_string(&ip, "0.0.1"), None);
  // A host without a registrable domain: exact match only, as a host cookie.
  let lh = u("http://localhost/");
  assert_eq!(
    cookie_domain_with_string(&lh, "localhost").as_deref(),
    Some("localhost")
  );
  assert_eq!(cookie_domain_with_string(&lh, "other"), None);
}

#[test]
fn default_path_and_path_match() {
  assert_eq!(canon_path(&u("http://a.com/x/y/z"), ""), "/x/y");
  assert_eq!(canon_path(&u("http://a.com/x"), ""), "/");
  assert_eq!(canon_path(&u("http://a.com/"), "rel"), "/");
  assert_eq!(canon_path(&u("http://a.com/x/y"), "/p/"), "/p/");
  assert!(is_on_path("/", "/anything"));
  assert!(is_on_path("/a", "/a"));
  assert!(is_on_path("/a", "/a/b"));
  assert!(is_on_path("/a/", "/a/b"));
  assert!(!is_on_path("/a", "/ab"));
  assert!(!is_on_path("/a/b", "/a"));
}

#[test]
fn domain_match() {
  assert!(is_domain_match("a.com", "a.com"));
  assert!(!is_domain_match("a.com", "x.a.com"));
  assert!(is_domain_match(".a.com", "a.com"));
  assert!(is_domain_match(".a.com", "x.a.com"));
  assert!(!is_domain_match(".a.com", "xa.com"));
}

#[test]
fn prefixes_are_case_insensitive() {
  assert_eq!(prefix_of("__secure-x"), Prefix::Secure);
  assert_eq!(prefix_of("__HOST-x"), Prefix::Host);
  assert_eq!(prefix_of("__Hostx"), Prefix::None);
  let https = u("https://a.com/");
  assert!(is_prefix_valid(Prefix::Host, &https, true, "", "/"));
  assert!(!is_prefix_valid(Prefix::Host, &https, true, "a.com", "/"));
  assert!(!is_prefix_valid(Prefix::Host, &https, true, "", "/x"));
  assert!(!is_prefix_valid(
    Prefix::Secure,
    &u("http://localhost/"),
    true,
    "",
    ""
  ));
}

#[test]
fn keys_are_registrable_domains() {
  assert_eq!(key_for(".www.example.co.uk"), "example.co.uk");
  assert_eq!(key_for("127.0.0.1"), "127.0.0.1");
  assert_eq!(key_for("localhost"), "localhost");
  assert_eq!(key_for("a.b.localhost"), "a.b.localhost");
}

#[test]
fn same_site_contexts() {
  let a = u("https://a.com/");
  let sub = u("https://x.a.com/p");
  let b = u("https://b.com/");
  let http_a = u("http://a.com/");
  assert_eq!(
    context_for_request(std::slice::from_ref(&a), &a, None),
    SameSiteContext::SameSiteStrict
  );
  assert_eq!(
    context_for_request(&[a.clone(), sub.clone()], &a, None),
    SameSiteContext::SameSiteStrict
  );
  assert_eq!(
    context_for_request(&[a.clone(), b.clone()], &a, None),
    SameSiteContext::CrossSite
  );
  // Schemeful: http and https of the same domain are cross-site.
  assert_eq!(
    context_for_request(&[a.clone(), http_a.clone()], &a, None),
    SameSiteContext::CrossSite
  );
  // A cross-site initiator makes the request cross-site; a same-site one keeps it strict.
  assert_eq!(
    context_for_request(std::slice::from_ref(&a), &a, Some(&b.origin())),
    SameSiteContext::CrossSite
  );
  assert_eq!(
    context_for_request(std::slice::from_ref(&a), &a, Some(&sub.origin())),
    SameSiteContext::SameSiteStrict
  );
  assert_eq!(
    context_for_request(std::slice::from_ref(&a), &a, Some(&u("data:,x").origin())),
    SameSiteContext::CrossSite
  );
  // Back on the first site after a cross-site hop: still strict (redirect chain not considered).
  assert_eq!(
    context_for_request(&[a.clone(), b.clone(), a.clone()], &a, None),
    SameSiteContext::SameSiteStrict
  );
  assert_eq!(
    context_for_response(std::slice::from_ref(&a), &a, None),
    SameSiteContext::SameSiteLax
  );
  assert_eq!(
    context_for_response(&[a.clone(), b.clone()], &a, None),
    SameSiteContext::CrossSite
  );
  // Loopback: 127.0.0.1 and localhost are different sites; ports do not matter.
  let ip = u("http://127.0.0.1:1/");
  assert_eq!(
    context_for_request(&[ip.clone(), u("http://127.0.0.1:2/")], &ip, None),
    SameSiteContext::SameSiteStrict
  );
  assert_eq!(
    context_for_request(&[ip.clone(), u("http://localhost:1/")], &ip, None),
    SameSiteContext::CrossSite
  );
}
