//! Making a `CanonicalCookie` and deciding access: Chromium's `CanonicalCookie::Create`,
//! `CreateSanitizedCookie`, `IsCanonical`, `ParseExpiration` (net/cookies/canonical_cookie.cc)
//! and `CookieBase::IncludeForRequestURL` / `IsSetPermittedInContext` (net/cookies/cookie_base.cc).

use super::canonical::{CanonicalCookie, Priority, SameSite, SourceScheme, Time};
use super::parse::{self, ParsedCookie, MAX_ATTRIBUTE_VALUE};
use super::rules::{self, AccessScheme};
use super::same_site::SameSiteContext;
use super::status::{Exclusion, Status, Warning};
use url::Url;

/// rfc6265bis: Expires / Max-Age are capped at 400 days after creation
/// (`ValidateAndAdjustExpiryDate`).
pub const MAX_EXPIRY_MICROS: i64 = 400 * 86_400 * 1_000_000;

/// `CanonicalCookie::ValidateAndAdjustExpiryDate`.
pub fn cap_expiry(expiry: Option<Time>, creation: Time) -> Option<Time> {
  let max = Time(creation.0.saturating_add(MAX_EXPIRY_MICROS));
  expiry.map(|e| e.min(max))
}

/// `base::StringToInt64`: `(perfect, value)`; on overflow the value saturates.
fn string_to_i64(s: &str) -> (bool, i64) {
  let b = s.as_bytes();
  let mut i = 0;
  let mut ok = true;
  while i < b.len() && b[i].is_ascii_whitespace() {
    ok = false;
    i += 1;
  }
  let negative = b.get(i) == Some(&b'-');
  if negative || b.get(i) == Some(&b'+') {
    i += 1;
  }
  let start = i;
  let mut v: i64 = 0;
  while i < b.len() && b[i].is_ascii_digit() {
    let d = i64::from(b[i] - b'0');
    let next = v.checked_mul(10).and_then(|v| {
      if negative {
        v.checked_sub(d)
      } else {
        v.checked_add(d)
      }
    });
    match next {
      Some(n) => v = n,
      None => return (false, if negative { i64::MIN } else { i64::MAX }),
    }
    i += 1;
  }
  (ok && i == b.len() && i > start, v)
}

/// `CanonicalCookie::ParseExpiration`: Max-Age wins over Expires; Max-Age <= 0 is "the earliest
/// representable time" (already expired); an unparseable Max-Age falls back to Expires.
/// (Chromium also corrects Expires by the server's `Date` clock skew; we have no server time.)
pub fn parse_expiration(pc: &ParsedCookie, now: Time) -> Option<Time> {
  if let Some(max_age) = pc.max_age() {
    match string_to_i64(max_age) {
      (true, v) if v <= 0 => return Some(Time(i64::MIN)),
      (true, v) => return Some(Time(now.0.saturating_add(v.saturating_mul(1_000_000)))),
      (false, i64::MIN) => return Some(Time(i64::MIN)),
      (false, i64::MAX) => return Some(Time(i64::MAX)),
      _ => {}
    }
  }
  let expires = pc.expires().filter(|e| !e.is_empty())?;
  rules::parse_expiration_time(expires)
}

/// `CanonicalCookie::Create` for one `Set-Cookie` line from `url`.
pub fn create(url: &Url, line: &str, creation: Time) -> Result<CanonicalCookie, Status> {
  let mut status = Status::include();
  let pc = ParsedCookie::parse(line, &mut status).ok_or(status)?;
  let domain = rules::cookie_domain_with_string(url, pc.domain().unwrap_or(""));
  if domain.is_none() {
    status.exclude(Exclusion::InvalidDomain);
  }
  let path = rules::canon_path(url, pc.path().unwrap_or(""));
  let prefix = rules::prefix_of(pc.name());
  let mut prefix_ok = rules::is_prefix_valid(
    prefix,
    url,
    pc.is_secure(),
    pc.domain().unwrap_or(""),
    pc.path().unwrap_or(""),
  );
  if pc.name().is_empty() {
    prefix_ok = !rules::has_hidden_prefix_name(pc.value());
  }
  if !prefix_ok {
    status.exclude(Exclusion::InvalidPrefix);
  }
  // Partitioned is only valid on a Secure cookie from a trustworthy URL. Electron's `net` has no
  // partition key, so a valid Partitioned cookie is stored unpartitioned.
  if pc.is_partitioned()
    && (rules::access_scheme(url) == AccessScheme::NonCryptographic || !pc.is_secure())
  {
    status.exclude(Exclusion::InvalidPartitioned);
  }
  if !status.is_include() {
    return Err(status);
  }
  let source_scheme = if pc.is_secure() || rules::scheme_is_cryptographic(url) {
    SourceScheme::Secure
  } else {
    SourceScheme::NonSecure
  };
  let expiry = cap_expiry(parse_expiration(&pc, creation), creation);
  let cc = CanonicalCookie {
    name: pc.name().to_string(),
    value: pc.value().to_string(),
    domain: domain.unwrap_or_default(),
    path,
    creation,
    expiry,
    last_access: creation,
    last_update: creation,
    secure: pc.is_secure(),
    http_only: pc.is_http_only(),
    same_site: pc.same_site(),
    priority: pc.priority(),
    source_scheme,
    source_port: rules::source_port(url, pc.is_secure()),
  };
  if !is_canonical(&cc) {
    return Err(Status::with(Exclusion::FailureToStore));
  }
  Ok(cc)
}

/// Chromium's URL path canonicalisation (`url::CanonicalizePath`): percent-encoding and
/// dot-segment removal.
fn canonicalize_path(path: &str) -> String {
  let mut u = Url::parse("http://h/").expect("static URL");
  u.set_path(path);
  u.path().to_string()
}

/// What `ses.cookies.set` passes to `CreateSanitizedCookie` (creation and last access null,
/// priority default).
pub struct Sanitized<'a> {
  pub name: &'a str,
  pub value: &'a str,
  pub domain: &'a str,
  pub path: &'a str,
  pub expiry: Option<Time>,
  pub secure: bool,
  pub http_only: bool,
  pub same_site: SameSite,
}

/// `CanonicalCookie::CreateSanitizedCookie`. `now` stands in for the null creation time
/// (Chromium uses `Time::Now()` for the expiry cap; the store sets the creation time).
pub fn create_sanitized(url: &Url, d: &Sanitized, now: Time) -> Result<CanonicalCookie, Status> {
  let mut status = Status::include();
  if parse::parse_token_string(d.name) != d.name
    || parse::parse_value_string(d.value) != d.value
    || parse::parse_value_string(d.path) != d.path
  {
    status.exclude(Exclusion::DisallowedCharacter);
  }
  parse::is_valid_name_value_pair(d.name, d.value, &mut status);
  let mut domain_ok = true;
  if parse::parse_value_string(d.domain) != d.domain || !parse::is_valid_value(d.domain) {
    status.exclude(Exclusion::InvalidDomain);
    domain_ok = false;
  }
  if d.domain.len() > MAX_ATTRIBUTE_VALUE {
    status.exclude(Exclusion::AttributeValueExceedsMaxSize);
    domain_ok = false;
  }
  let domain_attribute = if domain_ok { d.domain } else { "" };
  let url_host = url.host_str().unwrap_or("");
  let mut cookie_domain = None;
  if !rules::domain_is_host_only(url_host) {
    status.exclude(Exclusion::InvalidDomain);
  } else {
    cookie_domain = rules::cookie_domain_with_string(url, domain_attribute);
    if cookie_domain.is_none() {
      status.exclude(Exclusion::InvalidDomain);
    }
  }
  let source_scheme = if d.secure || rules::scheme_is_cryptographic(url) {
    SourceScheme::Secure
  } else {
    SourceScheme::NonSecure
  };
  if d.secure && !rules::scheme_is_cryptographic(url) {
    status.warn(Warning::TentativelyAllowingSecureSourceScheme);
  }
  let cookie_path = rules::canon_path(url, d.path);
  let encoded_path = canonicalize_path(&cookie_path);
  if !d.path.is_empty() {
    if cookie_path != d.path {
      status.exclude(Exclusion::FailureToStore);
    } else if encoded_path.len() > MAX_ATTRIBUTE_VALUE {
      status.exclude(Exclusion::AttributeValueExceedsMaxSize);
    }
  }
  let prefix = rules::prefix_of(d.name);
  if !rules::is_prefix_valid(prefix, url, d.secure, domain_attribute, &cookie_path) {
    status.exclude(Exclusion::InvalidPrefix);
  }
  if d.name.is_empty() && rules::has_hidden_prefix_name(d.value) {
    status.exclude(Exclusion::InvalidPrefix);
  }
  if !status.is_include() {
    return Err(status);
  }
  Ok(CanonicalCookie {
    name: d.name.to_string(),
    value: d.value.to_string(),
    domain: cookie_domain.unwrap_or_default(),
    path: encoded_path,
    creation: now,
    expiry: cap_expiry(d.expiry, now),
    // Chromium's null last-access time: older than any real access.
    last_access: Time(0),
    last_update: now,
    secure: d.secure,
    http_only: d.http_only,
    same_site: d.same_site,
    priority: Priority::Medium,
    source_scheme,
    source_port: rules::source_port(url, d.secure),
  })
}

/// `CanonicalCookie::IsCanonical` (the expiry cap is applied at creation, so not re-checked).
pub fn is_canonical(cc: &CanonicalCookie) -> bool {
  if parse::parse_token_string(&cc.name) != cc.name
    || parse::parse_value_string(&cc.value) != cc.value
    || !parse::is_valid_name(&cc.name)
    || !parse::is_valid_value(&cc.value)
  {
    return false;
  }
  if rules::canonicalize_host(&cc.domain).unwrap_or_default() != cc.domain {
    return false;
  }
  if !cc.path.starts_with('/') {
    return false;
  }
  match rules::prefix_of(&cc.name) {
    rules::Prefix::Host
      if !cc.secure || cc.path != "/" || cc.domain.is_empty() || cc.domain.starts_with('.') =>
    {
      return false
    }
    rules::Prefix::Secure if !cc.secure => return false,
    _ => {}
  }
  !(cc.name.is_empty() && rules::has_hidden_prefix_name(&cc.value))
}

/// `CookieBase::IncludeForRequestURL` (scheme- and port-bound cookies are off by default in
/// Chromium, so a source scheme or port mismatch is only a warning and not modelled).
/// SameSite=Lax and unspecified behave alike: the Lax-allow-unsafe window only matters for
/// top-level POST navigations.
pub fn include_for_request(
  cc: &CanonicalCookie,
  url: &Url,
  exclude_httponly: bool,
  context: SameSiteContext,
) -> Status {
  let mut status = Status::include();
  if exclude_httponly && cc.http_only {
    status.exclude(Exclusion::HttpOnly);
  }
  if rules::access_scheme(url) == AccessScheme::NonCryptographic && cc.secure {
    status.exclude(Exclusion::SecureOnly);
  }
  if !rules::is_domain_match(&cc.domain, url.host_str().unwrap_or("")) {
    status.exclude(Exclusion::DomainMismatch);
  }
  if !rules::is_on_path(&cc.path, url.path()) {
    status.exclude(Exclusion::NotOnPath);
  }
  match cc.same_site {
    SameSite::Strict if context < SameSiteContext::SameSiteStrict => {
      status.exclude(Exclusion::SameSiteStrict)
    }
    SameSite::Lax if context < SameSiteContext::SameSiteLax => {
      status.exclude(Exclusion::SameSiteLax)
    }
    SameSite::Unspecified if context < SameSiteContext::SameSiteLax => {
      status.exclude(Exclusion::SameSiteUnspecifiedTreatedAsLax)
    }
    _ => {}
  }
  if cc.same_site == SameSite::NoRestriction && !cc.secure {
    status.exclude(Exclusion::SameSiteNoneInsecure);
  }
  status
}

fn is_cookieable_scheme(url: &Url) -> bool {
  matches!(url.scheme(), "http" | "https" | "ws" | "wss")
}

/// `CookieBase::IsSetPermittedInContext`: the status, and whether `url` may set Secure cookies.
pub fn is_set_permitted(
  cc: &CanonicalCookie,
  url: &Url,
  exclude_httponly: bool,
  context: SameSiteContext,
  mut status: Status,
) -> (Status, bool) {
  if !is_cookieable_scheme(url) {
    status.exclude(Exclusion::NoncookieableScheme);
  }
  if !rules::is_domain_match(&cc.domain, url.host_str().unwrap_or("")) {
    status.exclude(Exclusion::DomainMismatch);
  }
  let allowed_secure = match rules::access_scheme(url) {
    AccessScheme::NonCryptographic => {
      if cc.secure {
        status.exclude(Exclusion::SecureOnly);
      }
      false
    }
    AccessScheme::Cryptographic => true,
    AccessScheme::Trustworthy => {
      if cc.secure {
        status.warn(Warning::SecureAccessGrantedNonCryptographic);
      }
      true
    }
  };
  if exclude_httponly && cc.http_only {
    status.exclude(Exclusion::HttpOnly);
  }
  if cc.same_site == SameSite::NoRestriction && !cc.secure {
    status.exclude(Exclusion::SameSiteNoneInsecure);
  }
  // Setting any SameSite=Strict or Lax cookie needs only a Lax context.
  if context < SameSiteContext::SameSiteLax {
    match cc.same_site {
      SameSite::Strict => status.exclude(Exclusion::SameSiteStrict),
      SameSite::Lax => status.exclude(Exclusion::SameSiteLax),
      SameSite::Unspecified => status.exclude(Exclusion::SameSiteUnspecifiedTreatedAsLax),
      SameSite::NoRestriction => {}
    }
  }
  if cc.same_site == SameSite::Unspecified && context < SameSiteContext::SameSiteLax {
    status.warn(Warning::SameSiteUnspecifiedCrossSiteContext);
  }
  if cc.same_site == SameSite::NoRestriction && !cc.secure {
    status.warn(Warning::SameSiteNoneInsecure);
  }
  (status, allowed_secure)
}
