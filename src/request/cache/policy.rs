//! When the cache may answer, when it must ask the server, and what it may keep: RFC 9111 as
//! the `http-cache-semantics` crate applies it for a private (single-user) cache, with the
//! cache modes of the `cache` option as Chromium maps them onto load flags
//! (`net/http/http_cache_transaction.cc`).

use std::time::SystemTime;

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_cache_semantics::{BeforeRequest, CacheOptions, CachePolicy};

use super::entry::StoredHead;
use crate::wire::header_block::HeaderBlock;

/// The `cache` option (Electron's, fetch's `RequestInit.cache`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
  /// Fresh entries answer; stale ones are revalidated.
  Default,
  /// Neither read nor written (`LOAD_DISABLE_CACHE`).
  NoStore,
  /// Not read, but the response is stored (`LOAD_BYPASS_CACHE`).
  Reload,
  /// Every entry is revalidated (`LOAD_VALIDATE_CACHE`).
  NoCache,
  /// Any matching entry answers, however stale (`LOAD_SKIP_CACHE_VALIDATION`).
  ForceCache,
  /// Like `ForceCache`, and a miss fails with `net::ERR_CACHE_MISS` (`LOAD_ONLY_FROM_CACHE`).
  OnlyIfCached,
}

impl Mode {
  pub fn parse(mode: Option<&str>) -> Mode {
    match mode {
      Some("no-store") => Mode::NoStore,
      Some("reload") => Mode::Reload,
      Some("no-cache") => Mode::NoCache,
      Some("force-cache") => Mode::ForceCache,
      Some("only-if-cached") => Mode::OnlyIfCached,
      _ => Mode::Default,
    }
  }

  pub fn reads(self) -> bool {
    !matches!(self, Mode::NoStore | Mode::Reload)
  }

  pub fn writes(self) -> bool {
    self != Mode::NoStore
  }
}

/// Request headers that make the caller's request its own conditional or partial one: such a
/// request goes to the network untouched and its response is not stored (ours; Chromium
/// validates external conditionals against its entry, see README).
const CALLER_CONDITIONALS: [&str; 6] = [
  "range",
  "if-none-match",
  "if-modified-since",
  "if-match",
  "if-unmodified-since",
  "if-range",
];

/// Whether the cache takes part in this request at all.
pub fn applies(method: &str, user: &[(String, String)]) -> bool {
  method == "GET"
    && !user.iter().any(|(n, _)| {
      CALLER_CONDITIONALS
        .iter()
        .any(|c| n.eq_ignore_ascii_case(c))
    })
}

/// Methods whose success invalidates what the cache holds for the URL (RFC 9111 §4.4).
pub fn invalidates(method: &str, status: u16) -> bool {
  !matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE") && status < 400
}

fn options() -> CacheOptions {
  CacheOptions {
    shared: false,
    ..CacheOptions::default()
  }
}

fn header_map<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> HeaderMap {
  let mut map = HeaderMap::new();
  for (n, v) in pairs {
    if let (Ok(n), Ok(v)) = (
      HeaderName::from_bytes(n.as_bytes()),
      HeaderValue::from_str(v),
    ) {
      map.append(n, v);
    }
  }
  map
}

fn request_parts(url: &str, headers: HeaderMap) -> Option<http::request::Parts> {
  let mut parts = http::Request::get(url).body(()).ok()?.into_parts().0;
  parts.method = Method::GET;
  parts.headers = headers;
  Some(parts)
}

fn response_parts(status: u16, headers: HeaderMap) -> Option<http::response::Parts> {
  let mut parts = http::Response::new(()).into_parts().0;
  parts.status = StatusCode::from_u16(status).ok()?;
  parts.headers = headers;
  Some(parts)
}

/// The policy of a stored entry, rebuilt from what it kept.
fn stored_policy(head: &StoredHead) -> Option<CachePolicy> {
  let req = request_parts(
    &head.key,
    header_map(
      head
        .vary_request
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str())),
    ),
  )?;
  let res = response_parts(
    head.status,
    header_map(head.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
  )?;
  Some(CachePolicy::new_options(
    &req,
    &res,
    head.response_time,
    options(),
  ))
}

/// What to do with a stored entry for this request.
#[derive(Debug, PartialEq, Eq)]
pub enum Use {
  /// Answer from the entry.
  Serve,
  /// Ask the server with these conditional headers; a 304 answers from the entry.
  Validate(Vec<(&'static str, String)>),
  /// The entry does not answer this request (another `Vary` variant, or no validator).
  Ignore,
}

/// Decides how the entry `head` serves a request with headers `user` in `mode`, at `now`.
pub fn decide(head: &StoredHead, user: &[(String, String)], mode: Mode, now: SystemTime) -> Use {
  let Some(policy) = stored_policy(head) else {
    return Use::Ignore;
  };
  let Some(req) = request_parts(
    &head.key,
    header_map(user.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
  ) else {
    return Use::Ignore;
  };
  let matches = match policy.before_request(&req, now) {
    BeforeRequest::Fresh(_) => {
      if mode != Mode::NoCache {
        return Use::Serve;
      }
      true
    }
    BeforeRequest::Stale { matches, .. } => matches,
  };
  if !matches {
    return Use::Ignore;
  }
  if matches!(mode, Mode::ForceCache | Mode::OnlyIfCached) {
    return Use::Serve;
  }
  let validators = validators(head);
  if validators.is_empty() {
    Use::Ignore
  } else {
    Use::Validate(validators)
  }
}

/// The conditional headers that revalidate `head` (Chromium sends both when it has both).
fn validators(head: &StoredHead) -> Vec<(&'static str, String)> {
  let mut out = Vec::new();
  if let Some(etag) = head.header("etag") {
    out.push(("If-None-Match", etag.to_string()));
  }
  if let Some(date) = head.header("last-modified") {
    out.push(("If-Modified-Since", date.to_string()));
  }
  out
}

/// Whether a response is worth storing, and the entry if so: storable for a private cache, and
/// of use later without the network deciding anew (fresh for a while, or revalidatable).
/// Responses with neither freshness nor a validator are not kept (ours: Chromium keeps them, for
/// `force-cache` and `only-if-cached` alone; skipping them keeps uncacheable traffic off the disk).
pub fn to_store(
  url: &str,
  user: &[(String, String)],
  status: u16,
  status_text: &str,
  http_version: &str,
  received: &HeaderBlock,
  response_time: SystemTime,
) -> Option<StoredHead> {
  if !may_store(received.iter()) {
    return None;
  }
  let req = request_parts(
    url,
    header_map(user.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
  )?;
  let res_headers = header_map(received.iter());
  let res = response_parts(status, res_headers.clone())?;
  let policy = CachePolicy::new_options(&req, &res, response_time, options());
  if !policy.is_storable() {
    return None;
  }
  let revalidatable = res_headers.contains_key("etag") || res_headers.contains_key("last-modified");
  if !revalidatable && policy.time_to_live(response_time).is_zero() {
    return None;
  }
  let vary_request = res_headers
    .get_all("vary")
    .iter()
    .filter_map(|v| v.to_str().ok())
    .flat_map(|v| v.split(','))
    .map(|n| n.trim().to_ascii_lowercase())
    .filter(|n| !n.is_empty())
    .filter_map(|name| {
      user
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        .map(|(_, v)| (name, v.clone()))
    })
    .collect();
  Some(StoredHead {
    key: url.to_string(),
    status,
    status_text: status_text.to_string(),
    http_version: http_version.to_string(),
    headers: received
      .iter()
      .filter(|(n, _)| !is_cookie_header(n))
      .map(|(n, v)| (n.to_string(), v.to_string()))
      .collect(),
    vary_request,
    response_time,
  })
}

/// Whether a response may be worth storing at all, judged cheaply from its header names: with
/// none of these it has neither freshness nor a validator (see [`to_store`]), which is the case
/// of most API responses, so they cost no more than this scan.
/// A `no-store` in `Cache-Control` settles it at once too.
fn may_store<'a>(headers: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
  let mut relevant = false;
  for (name, value) in headers {
    if name.eq_ignore_ascii_case("cache-control")
      && value
        .split(',')
        .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
    {
      return false;
    }
    relevant |= ["cache-control", "expires", "etag", "last-modified"]
      .iter()
      .any(|c| name.eq_ignore_ascii_case(c));
  }
  relevant
}

fn is_cookie_header(name: &str) -> bool {
  name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// Headers a 304 does not replace in the stored response (Chromium's `kNonUpdatedHeaders` and
/// `kNonUpdatedHeaderPrefixes`, net/http/http_response_headers.cc).
const NON_UPDATED: [&str; 19] = [
  "connection",
  "proxy-connection",
  "keep-alive",
  "www-authenticate",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-location",
  "content-md5",
  "etag",
  "content-encoding",
  "content-range",
  "content-type",
  "content-length",
  "x-frame-options",
  "x-xss-protection",
];
const NON_UPDATED_PREFIXES: [&str; 2] = ["x-content-", "x-webkit-"];

fn updatable(name: &str) -> bool {
  let lower = name.to_ascii_lowercase();
  !NON_UPDATED.contains(&lower.as_str())
    && !NON_UPDATED_PREFIXES.iter().any(|p| lower.starts_with(p))
    && !is_cookie_header(&lower)
}

/// The stored head updated by a 304's headers (Chromium's `HttpResponseHeaders::Update`: each
/// updatable header of the 304 replaces every line of that name, in place of the first).
pub fn merge_304<'a>(
  head: &StoredHead,
  not_modified: impl Iterator<Item = (&'a str, &'a str)>,
  response_time: SystemTime,
) -> StoredHead {
  let mut headers = head.headers.clone();
  let mut replaced: Vec<String> = Vec::new();
  for (name, value) in not_modified {
    if !updatable(name) {
      continue;
    }
    let lower = name.to_ascii_lowercase();
    if replaced.contains(&lower) {
      headers.push((name.to_string(), value.to_string()));
      continue;
    }
    replaced.push(lower);
    match headers
      .iter()
      .position(|(n, _)| n.eq_ignore_ascii_case(name))
    {
      Some(at) => {
        headers[at].1 = value.to_string();
        let mut i = at + 1;
        while i < headers.len() {
          if headers[i].0.eq_ignore_ascii_case(name) {
            headers.remove(i);
          } else {
            i += 1;
          }
        }
      }
      None => headers.push((name.to_string(), value.to_string())),
    }
  }
  StoredHead {
    headers,
    response_time,
    ..head.clone()
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::Duration;

  const URL: &str = "http://a.test/x";

  fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list
      .iter()
      .map(|(n, v)| (n.to_string(), v.to_string()))
      .collect()
  }

  fn stored(headers: &[(&str, &str)], user: &[(&str, &str)], at: SystemTime) -> Option<StoredHead> {
    let received: HeaderBlock = headers.iter().copied().collect();
    to_store(URL, &pairs(user), 200, "OK", "1.1", &received, at)
  }

  fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
  }

  #[test]
  fn fresh_entries_serve_and_stale_ones_revalidate() {
    let head = stored(
      &[("Cache-Control", "max-age=60"), ("ETag", "\"v1\"")],
      &[],
      now(),
    )
    .unwrap();
    assert_eq!(decide(&head, &[], Mode::Default, now()), Use::Serve);
    let later = now() + Duration::from_secs(61);
    assert_eq!(
      decide(&head, &[], Mode::Default, later),
      Use::Validate(vec![("If-None-Match", "\"v1\"".into())])
    );
    assert_eq!(decide(&head, &[], Mode::ForceCache, later), Use::Serve);
    assert_eq!(decide(&head, &[], Mode::OnlyIfCached, later), Use::Serve);
    assert!(matches!(
      decide(&head, &[], Mode::NoCache, now()),
      Use::Validate(_)
    ));
  }

  #[test]
  fn no_store_private_and_uncacheable_responses() {
    assert!(stored(&[("Cache-Control", "no-store, max-age=60")], &[], now()).is_none());
    // A private cache keeps `private` responses.
    assert!(stored(&[("Cache-Control", "private, max-age=60")], &[], now()).is_some());
    // Neither freshness nor validators: of no use later.
    assert!(stored(&[("Content-Type", "text/plain")], &[], now()).is_none());
    // A validator alone is enough (revalidated every time: no-cache).
    let head = stored(
      &[
        ("Cache-Control", "no-cache"),
        ("Last-Modified", "Tue, 01 Jan 2030 00:00:00 GMT"),
      ],
      &[],
      now(),
    )
    .unwrap();
    assert_eq!(
      decide(&head, &[], Mode::Default, now()),
      Use::Validate(vec![(
        "If-Modified-Since",
        "Tue, 01 Jan 2030 00:00:00 GMT".into()
      )])
    );
  }

  #[test]
  fn vary_picks_the_variant() {
    let head = stored(
      &[("Cache-Control", "max-age=60"), ("Vary", "Accept")],
      &[("Accept", "text/html")],
      now(),
    )
    .unwrap();
    assert_eq!(head.vary_request, pairs(&[("accept", "text/html")]));
    assert_eq!(
      decide(
        &head,
        &pairs(&[("accept", "text/html")]),
        Mode::Default,
        now()
      ),
      Use::Serve
    );
    assert_eq!(
      decide(
        &head,
        &pairs(&[("Accept", "image/png")]),
        Mode::Default,
        now()
      ),
      Use::Ignore
    );
    assert_eq!(
      decide(
        &head,
        &pairs(&[("Accept", "image/png")]),
        Mode::OnlyIfCached,
        now()
      ),
      Use::Ignore
    );
  }

  #[test]
  fn cookies_are_not_kept() {
    let head = stored(
      &[("Cache-Control", "max-age=60"), ("Set-Cookie", "a=b")],
      &[],
      now(),
    )
    .unwrap();
    assert_eq!(head.header("set-cookie"), None);
  }

  #[test]
  fn a_304_updates_what_chromium_updates() {
    let head = stored(
      &[
        ("Cache-Control", "max-age=0"),
        ("ETag", "\"1\""),
        ("X-A", "old"),
        ("Content-Type", "text/plain"),
        ("X-A", "old2"),
      ],
      &[],
      now(),
    )
    .unwrap();
    let merged = merge_304(
      &head,
      [
        ("x-a", "new"),
        ("Content-Type", "text/html"),
        ("Cache-Control", "max-age=30"),
        ("Set-Cookie", "c=d"),
      ]
      .into_iter(),
      now(),
    );
    assert_eq!(
      merged.headers,
      pairs(&[
        ("Cache-Control", "max-age=30"),
        ("ETag", "\"1\""),
        ("X-A", "new"),
        ("Content-Type", "text/plain")
      ])
    );
  }

  #[test]
  fn only_get_without_caller_conditionals() {
    assert!(applies("GET", &[]));
    assert!(!applies("POST", &[]));
    assert!(!applies("HEAD", &[]));
    assert!(!applies("GET", &pairs(&[("Range", "bytes=0-1")])));
    assert!(!applies("GET", &pairs(&[("If-None-Match", "x")])));
    assert!(invalidates("POST", 200));
    assert!(!invalidates("POST", 500));
    assert!(!invalidates("GET", 200));
  }
}
