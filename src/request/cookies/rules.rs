//! Chromium's cookie_util (net/cookies/cookie_util.cc): domains, paths, prefixes, the lenient
//! `Expires` date parser, and which URLs may see Secure cookies.

use super::canonical::Time;
use url::Url;

/// Registrable domain (eTLD+1, private registries included) of a host, or `None` for an IP
/// address, a bare public suffix or a host whose TLD the list does not know.
/// Chromium: `registry_controlled_domains::GetDomainAndRegistry(host, INCLUDE_PRIVATE_REGISTRIES)`
/// returns "" in those cases (unknown registries are excluded), so `psl`'s default `*` rule must
/// not count.
pub fn registrable_domain(host: &str) -> Option<&str> {
  let host = host.strip_prefix('.').unwrap_or(host);
  if host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok() {
    return None;
  }
  let d = psl::domain(host.as_bytes())?;
  if !d.suffix().is_known() {
    return None;
  }
  std::str::from_utf8(d.as_bytes()).ok()
}

/// `CookieMonster::GetKey`: the eTLD+1 of a cookie domain (or the host itself), without a dot.
/// Cookies are grouped, limited and evicted per key.
pub fn key_for(domain: &str) -> String {
  match registrable_domain(domain) {
    Some(d) => d.to_string(),
    None => domain.strip_prefix('.').unwrap_or(domain).to_string(),
  }
}

/// `cookie_util::DomainIsHostOnly`.
pub fn domain_is_host_only(domain: &str) -> bool {
  !domain.starts_with('.')
}

fn is_cookieable_network_scheme(scheme: &str) -> bool {
  matches!(scheme, "http" | "https" | "ws" | "wss")
}

/// `cookie_util::GetEffectiveDomain`.
fn effective_domain(scheme: &str, host: &str) -> String {
  if is_cookieable_network_scheme(scheme) {
    registrable_domain(host).unwrap_or("").to_string()
  } else {
    host.strip_prefix('.').unwrap_or(host).to_string()
  }
}

fn host_is_ip(url: &Url) -> bool {
  matches!(
    url.host(),
    Some(url::Host::Ipv4(_)) | Some(url::Host::Ipv6(_))
  )
}

/// `CanonicalizeHost` for a Domain attribute: lower case, IDNA, IPv4 normalised; a leading dot
/// is kept. `None` when the host does not canonicalise.
pub fn canonicalize_host(domain: &str) -> Option<String> {
  let (dot, rest) = match domain.strip_prefix('.') {
    Some(rest) => (".", rest),
    None => ("", domain),
  };
  if rest.is_empty() {
    return (!dot.is_empty()).then(|| dot.to_string());
  }
  let host = url::Host::parse(rest).ok()?;
  Some(format!("{dot}{host}"))
}

/// `cookie_util::GetCookieDomainWithString`: the cookie's domain for a Domain attribute value
/// (`""` = none) set from `url`: the host itself for a host-only cookie, `.domain` for a domain
/// cookie; `None` when the attribute is refused (another site, a public suffix, an IP that is not
/// the host, `%`).
pub fn cookie_domain_with_string(url: &Url, domain: &str) -> Option<String> {
  let url_host = url.host_str().unwrap_or("");
  // An empty penultimate label is not a valid host (rfc6265bis §5.1.2).
  if url_host.ends_with("..") {
    return None;
  }
  if domain.is_empty()
    || (host_is_ip(url)
      && (url_host.eq_ignore_ascii_case(domain)
        || (domain.starts_with('.') && url_host.eq_ignore_ascii_case(&domain[1..]))))
  {
    return Some(url_host.to_string());
  }
  if domain.contains('%') {
    return None;
  }
  let mut cookie_domain = canonicalize_host(domain)?;
  if cookie_domain.is_empty() {
    return None;
  }
  if !cookie_domain.starts_with('.') {
    cookie_domain.insert(0, '.');
  }
  let url_registrable = effective_domain(url.scheme(), url_host);
  if url_registrable.is_empty() {
    // IP addresses, intranet hosts and public suffixes only get a host cookie, and only when the
    // attribute names the host exactly.
    let normalized = domain
      .strip_prefix('.')
      .unwrap_or(domain)
      .to_ascii_lowercase();
    return (url_host == normalized).then(|| url_host.to_string());
  }
  if url_registrable != effective_domain(url.scheme(), &cookie_domain) {
    return None;
  }
  // `url_host` must be `cookie_domain` or one of its subdomains.
  let ok = if url_host.len() < cookie_domain.len() {
    cookie_domain[1..] == *url_host
  } else {
    url_host.ends_with(cookie_domain.as_str())
  };
  ok.then_some(cookie_domain)
}

/// `cookie_util::CanonPathWithString`: a Path attribute starting with `/` is taken verbatim;
/// otherwise the default path of RFC 6265 §5.1.4 (the URL path up to, not including, its last `/`).
pub fn canon_path(url: &Url, path: &str) -> String {
  if path.starts_with('/') {
    return path.to_string();
  }
  let url_path = url.path();
  match url_path.rfind('/') {
    None | Some(0) => "/".to_string(),
    Some(i) => url_path[..i].to_string(),
  }
}

/// `cookie_util::IsDomainMatch`.
pub fn is_domain_match(domain: &str, host: &str) -> bool {
  if host == domain {
    return true;
  }
  let Some(bare) = domain.strip_prefix('.') else {
    return false;
  };
  bare == host || (host.len() > domain.len() && host.ends_with(domain))
}

/// `cookie_util::IsOnPath` (RFC 6265 §5.1.4 path-match).
pub fn is_on_path(cookie_path: &str, url_path: &str) -> bool {
  if cookie_path.is_empty() || !url_path.starts_with(cookie_path) {
    return false;
  }
  cookie_path.len() == url_path.len()
    || cookie_path.ends_with('/')
    || url_path.as_bytes()[cookie_path.len()] == b'/'
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
  None,
  Secure,
  Host,
}

/// `cookie_util::GetCookiePrefix`: case-insensitive.
pub fn prefix_of(name: &str) -> Prefix {
  let starts = |p: &str| {
    name.len() >= p.len() && name.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
  };
  if starts("__Secure-") {
    Prefix::Secure
  } else if starts("__Host-") {
    Prefix::Host
  } else {
    Prefix::None
  }
}

/// `cookie_util::IsCookiePrefixValid`, with the raw Domain and Path attribute values.
pub fn is_prefix_valid(prefix: Prefix, url: &Url, secure: bool, domain: &str, path: &str) -> bool {
  let cryptographic = scheme_is_cryptographic(url);
  match prefix {
    Prefix::None => true,
    Prefix::Secure => secure && cryptographic,
    Prefix::Host => {
      secure
        && cryptographic
        && path == "/"
        && (domain.is_empty() || (host_is_ip(url) && url.host_str() == Some(domain)))
    }
  }
}

/// `CanonicalCookie::HasHiddenPrefixName`: a nameless cookie whose value looks like a prefixed name.
pub fn has_hidden_prefix_name(value: &str) -> bool {
  let v = value.trim_start_matches([' ', '\t']);
  prefix_of(v) != Prefix::None
}

pub fn scheme_is_cryptographic(url: &Url) -> bool {
  matches!(url.scheme(), "https" | "wss")
}

/// `cookie_util::ProvisionalAccessScheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessScheme {
  NonCryptographic,
  /// http to localhost, `*.localhost`, 127/8 or ::1 (`net::IsLocalhost`).
  Trustworthy,
  Cryptographic,
}

pub fn access_scheme(url: &Url) -> AccessScheme {
  if scheme_is_cryptographic(url) {
    AccessScheme::Cryptographic
  } else if crate::request::fetch_metadata::potentially_trustworthy(url) {
    AccessScheme::Trustworthy
  } else {
    AccessScheme::NonCryptographic
  }
}

/// `CanonicalCookie::GetAndAdjustPortForTrustworthyUrls`: a Secure cookie set over http on the
/// default port is recorded as if set on 443.
pub fn source_port(url: &Url, secure: bool) -> i32 {
  let port = url.port_or_known_default().map_or(-1, i32::from);
  if !secure || scheme_is_cryptographic(url) {
    return port;
  }
  if matches!(url.scheme(), "http" | "ws") && port == 80 {
    443
  } else {
    port
  }
}

const MONTHS: [&str; 12] = [
  "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn is_date_delimiter(c: char) -> bool {
  "\t !\"#$%&'()*+,-./;<=>?@[\\]^_`{|}~".contains(c)
}

/// C `atoi` of a token that starts with a digit: its leading digits.
fn leading_number(token: &str) -> i64 {
  token
    .bytes()
    .take_while(u8::is_ascii_digit)
    .fold(0i64, |n, d| {
      n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    })
}

/// `sscanf(token, "%2u:%2u:%2u")` == 3.
fn parse_hms(token: &str) -> Option<(i64, i64, i64)> {
  let b = token.as_bytes();
  let mut i = 0;
  let field = |i: &mut usize| -> Option<i64> {
    let start = *i;
    while *i < b.len() && *i - start < 2 && b[*i].is_ascii_digit() {
      *i += 1;
    }
    (*i > start).then(|| leading_number(&token[start..*i]))
  };
  let h = field(&mut i)?;
  (b.get(i) == Some(&b':')).then_some(())?;
  i += 1;
  let m = field(&mut i)?;
  (b.get(i) == Some(&b':')).then_some(())?;
  i += 1;
  let s = field(&mut i)?;
  Some((h, m, s))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
  let y = if m <= 2 { y - 1 } else { y };
  let era = y.div_euclid(400);
  let yoe = y - era * 400;
  let mp = (m + 9) % 12;
  let doy = (153 * mp + 2) / 5 + d - 1;
  let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
  match m {
    2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
    2 => 28,
    4 | 6 | 9 | 11 => 30,
    _ => 31,
  }
}

/// `cookie_util::ParseCookieExpirationTime`: the lenient date algorithm of RFC 6265 §5.1.1 as
/// Chromium runs it. Tokens split on the delimiters; the first token starting with a month's
/// three letters is the month, the first `h:m:s` the time, the first number of at most two digits
/// the day and the next of at most five the year (70-99 → 19xx, 0-69 → 20xx). `None` when a
/// field is missing or the date does not exist.
pub fn parse_expiration_time(s: &str) -> Option<Time> {
  let (mut day, mut month, mut time, mut year) = (None, None, None, None);
  for token in s.split(is_date_delimiter).filter(|t| !t.is_empty()) {
    let numerical = token.as_bytes()[0].is_ascii_digit();
    if !numerical {
      if month.is_none() {
        month = MONTHS
          .iter()
          .position(|m| {
            token.len() >= 3 && token.as_bytes()[..3].eq_ignore_ascii_case(m.as_bytes())
          })
          .map(|i| i as i64 + 1);
      }
    } else if token.contains(':') {
      if time.is_none() {
        time = parse_hms(token);
      }
    } else if day.is_none() && token.len() <= 2 {
      day = Some(leading_number(token));
    } else if year.is_none() && token.len() <= 5 {
      year = Some(leading_number(token));
    }
  }
  let (day, month, (h, mi, sec), mut year) = (day?, month?, time?, year?);
  if (70..=99).contains(&year) {
    year += 1900;
  } else if (0..=69).contains(&year) {
    year += 2000;
  }
  // base::Time::FromUTCExploded refuses values out of range and dates that do not round-trip
  // (31 April, a leap second).
  if !(1..=days_in_month(year, month)).contains(&day) || h > 23 || mi > 59 || sec > 59 {
    return None;
  }
  let secs = days_from_civil(year, month, day) * 86_400 + h * 3600 + mi * 60 + sec;
  Some(Time(secs * 1_000_000))
}
