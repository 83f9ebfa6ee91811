//! A session's host resolver: Chromium's `HostResolverManager::ResolveLocally` in front of the
//! system resolver, with the session's [`HostCache`]. `ses.resolveHost` asks it with its
//! options ([`Params`]); every connection the session's pool opens asks it through
//! [`HostResolve`] with the defaults (both families, any source, cache allowed), so requests and
//! `resolveHost` share one cache.
//!
//! The order is Chromium's (reference §11):
//! 1. an IP literal (brackets allowed) is its own answer, if the family asked for admits it,
//!    else `ERR_NAME_NOT_RESOLVED`;
//! 2. a name that is not a valid host name (`IsCanonicalizedHostCompliant`: labels of letters,
//!    digits, `-` and `_`, at most 63 bytes each, 254 in all, the last starting with a letter or
//!    digit) fails with `ERR_NAME_NOT_RESOLVED` without a lookup;
//! 3. `localhost` and `*.localhost` (any case, one trailing dot allowed) are `::1` and
//!    `127.0.0.1`, never asked of the OS (`ServeLocalhost`);
//! 4. the cache: fresh entries, any with `staleAllowed`, none with `disallowed`;
//! 5. `source: 'localOnly'` stops here with `ERR_DNS_CACHE_MISS`;
//! 6. the system resolver; its answer is stored for `host_cache_ttl` (60 s), a failure for
//!    `host_cache_negative_ttl` (0 s: not at all), whatever `cacheUsage` was.
//!
//! Literals and `localhost` never enter the cache, as in Chromium.
//!
//! Before all of it, the host mapping rules (`--host-resolver-rules`, request/host_mapping.rs)
//! may send the name elsewhere, as Chromium's `MappedHostResolver` wraps its resolver: the cache
//! then holds the mapped name.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Mutex, RwLock};
use std::time::Instant;

use crate::config::TUNING;
use crate::errors::NetError;
use crate::request::host_cache::HostCache;
use crate::request::host_mapping::HostMappingRules;
use crate::wire::resolve::{system_lookup_blocking, Addrs, Family, HostResolve};

/// `resolveHost`'s `source`. Every source but `LocalOnly` asks the system resolver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
  Any,
  System,
  Dns,
  MulticastDns,
  LocalOnly,
}

/// `resolveHost`'s `cacheUsage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUsage {
  Allowed,
  StaleAllowed,
  Disallowed,
}

/// `resolveHost`'s options, as Electron's converters read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
  pub family: Family,
  pub source: Source,
  pub cache_usage: CacheUsage,
}

impl Default for Params {
  fn default() -> Params {
    Params {
      family: Family::Unspecified,
      source: Source::Any,
      cache_usage: CacheUsage::Allowed,
    }
  }
}

impl Params {
  /// From the option strings; a value Electron's converter does not know leaves the default
  /// (its `FromV8WithLookup` fails and `gin::Dictionary::Get` keeps the field as it was).
  pub fn from_names(
    query_type: Option<&str>,
    source: Option<&str>,
    cache_usage: Option<&str>,
  ) -> Params {
    let default = Params::default();
    Params {
      family: match query_type {
        Some("A") => Family::V4,
        Some("AAAA") => Family::V6,
        _ => default.family,
      },
      source: match source {
        Some("system") => Source::System,
        Some("dns") => Source::Dns,
        Some("mdns") => Source::MulticastDns,
        Some("localOnly") => Source::LocalOnly,
        _ => default.source,
      },
      cache_usage: match cache_usage {
        Some("staleAllowed") => CacheUsage::StaleAllowed,
        Some("disallowed") => CacheUsage::Disallowed,
        _ => default.cache_usage,
      },
    }
  }
}

pub struct HostResolver {
  cache: Mutex<HostCache>,
  /// Swapped whole by `set_rules`; read once per new connection.
  rules: RwLock<HostMappingRules>,
}

impl Default for HostResolver {
  fn default() -> HostResolver {
    HostResolver::new()
  }
}

impl HostResolver {
  pub fn new() -> HostResolver {
    HostResolver {
      cache: Mutex::new(HostCache::new(TUNING.host_cache_entries)),
      rules: RwLock::new(HostMappingRules::default()),
    }
  }

  /// New host mapping rules, for the connections opened from now on (those already open stay).
  pub fn set_rules(&self, rules: HostMappingRules) {
    *self.rules.write().unwrap_or_else(|p| p.into_inner()) = rules;
  }

  fn cache(&self) -> std::sync::MutexGuard<'_, HostCache> {
    self.cache.lock().unwrap_or_else(|p| p.into_inner())
  }

  /// Steps 1-5 of the module's comment at `now`; `None`: ask the system.
  pub fn resolve_locally(
    &self,
    host: &str,
    params: &Params,
    now: Instant,
  ) -> Option<Result<Addrs, NetError>> {
    if let Some(ip) = ip_literal(host) {
      let addr = SocketAddr::new(ip, 0);
      return Some(if params.family.admits(&addr) {
        Ok(Addrs::One(addr))
      } else {
        Err(NetError::ERR_NAME_NOT_RESOLVED)
      });
    }
    if !is_canonicalized_host_compliant(host) {
      return Some(Err(NetError::ERR_NAME_NOT_RESOLVED));
    }
    if is_local_hostname(host) {
      return Some(Ok(params.family.loopback()));
    }
    let cached = {
      let cache = self.cache();
      match params.cache_usage {
        CacheUsage::Allowed => cache.lookup(host, params.family, now).cloned(),
        CacheUsage::StaleAllowed => cache.lookup_stale(host, params.family).cloned(),
        CacheUsage::Disallowed => None,
      }
    };
    if let Some(entry) = cached {
      return Some(entry.answer);
    }
    if params.source == Source::LocalOnly {
      return Some(Err(NetError::ERR_DNS_CACHE_MISS));
    }
    None
  }

  /// `ses.resolveHost`: the whole of the module's comment, blocking the calling thread while the
  /// system resolver works (run it where that is allowed: libuv's pool).
  pub fn resolve_blocking(&self, host: &str, params: &Params) -> Result<Addrs, NetError> {
    // Electron's `ResolveHost` asks for port 0; only the host of a mapping matters here.
    let mapped = self.map_endpoint(host, 0)?;
    let host = mapped.as_ref().map_or(host, |(mapped, _)| mapped.as_str());
    if let Some(answer) = self.resolve_locally(host, params, Instant::now()) {
      return answer;
    }
    let answer = system_lookup_blocking(host, params.family);
    self.remember(host, params.family, &answer, Instant::now());
    answer
  }

  /// Stores the system's answer (step 6).
  pub fn remember(
    &self,
    host: &str,
    family: Family,
    answer: &Result<Addrs, NetError>,
    now: Instant,
  ) {
    let ttl = if answer.is_ok() {
      TUNING.host_cache_ttl
    } else {
      TUNING.host_cache_negative_ttl
    };
    self.cache().set(host, family, answer.clone(), now, ttl);
  }

  /// `ses.clearHostResolverCache()`.
  pub fn clear(&self) {
    self.cache().clear();
  }
}

impl HostResolve for HostResolver {
  fn map_endpoint(&self, host: &str, port: u16) -> Result<Option<(String, u16)>, NetError> {
    // `rewrite` returns at once when there are no rules (the common case).
    let rules = self.rules.read().unwrap_or_else(|p| p.into_inner());
    rules.rewrite(host, port)
  }

  fn known(&self, host: &str) -> Option<Result<Addrs, NetError>> {
    self.resolve_locally(host, &Params::default(), Instant::now())
  }

  fn learned(&self, host: &str, answer: &Result<Addrs, NetError>) {
    self.remember(host, Family::Unspecified, answer, Instant::now());
  }
}

/// The IP address `host` spells, brackets allowed (`HostResolver::Host::
/// GetHostnameWithoutBrackets`, then `IPAddress::AssignFromIPLiteral`): IPv6 when it has a
/// colon, else IPv4 in the URL standard's forms (`127.1`, `0x7f.0.0.1`, `2130706433`), as
/// Chromium's `url::IPv4AddressToNumber` reads them.
pub fn ip_literal(host: &str) -> Option<IpAddr> {
  let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
    Some(inner) if !inner.is_empty() => inner,
    _ => host,
  };
  if host.contains(':') {
    return host.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
  }
  if let Ok(v4) = host.parse() {
    return Some(IpAddr::V4(v4));
  }
  // Only a name whose last label is a number can be another IPv4 form: the common case (a
  // domain) costs no parse.
  if !ends_in_a_number(host) {
    return None;
  }
  match url::Host::parse(host) {
    Ok(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
    _ => None,
  }
}

/// The URL standard's "ends in a number": the last label (after one trailing dot) is all
/// digits, or `0x` and hex digits.
fn ends_in_a_number(host: &str) -> bool {
  let host = host.strip_suffix('.').unwrap_or(host);
  let last = host.rsplit('.').next().unwrap_or("");
  if last.is_empty() {
    return false;
  }
  if last.bytes().all(|b| b.is_ascii_digit()) {
    return true;
  }
  match last.strip_prefix("0x").or_else(|| last.strip_prefix("0X")) {
    Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
    None => false,
  }
}

/// Chromium's `IsLocalHostname` (net/base/url_util.cc): `localhost` or a name ending in
/// `.localhost`, any case, after dropping one trailing dot.
pub fn is_local_hostname(host: &str) -> bool {
  let host = host.strip_suffix('.').unwrap_or(host).as_bytes();
  const SUFFIX: &[u8] = b".localhost";
  host.eq_ignore_ascii_case(b"localhost")
    || (host.len() >= SUFFIX.len()
      && host[host.len() - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX))
}

/// Chromium's `IsCanonicalizedHostCompliant` (net/base/url_util.cc).
pub fn is_canonicalized_host_compliant(host: &str) -> bool {
  let bytes = host.as_bytes();
  if bytes.is_empty() || bytes.len() > 254 || (bytes.len() == 254 && !host.ends_with('.')) {
    return false;
  }
  let mut in_component = false;
  let mut most_recent_component_started_alphanumeric = false;
  let mut label_size = 0usize;
  for &c in bytes {
    label_size += 1;
    if !in_component {
      most_recent_component_started_alphanumeric = c.is_ascii_alphanumeric();
      if !most_recent_component_started_alphanumeric && c != b'-' && c != b'_' {
        return false;
      }
      in_component = true;
    } else if c == b'.' {
      in_component = false;
      // An empty label, or one over 63 bytes (`label_size` counts the dot).
      if label_size > 64 || label_size == 1 {
        return false;
      }
      label_size = 0;
    } else if !c.is_ascii_alphanumeric() && c != b'-' && c != b'_' {
      return false;
    }
  }
  if label_size > 63 {
    return false;
  }
  most_recent_component_started_alphanumeric
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::Duration;

  fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
  }

  fn locally(
    resolver: &HostResolver,
    host: &str,
    params: Params,
  ) -> Option<Result<Addrs, NetError>> {
    resolver.resolve_locally(host, &params, Instant::now())
  }

  fn with(family: Family) -> Params {
    Params {
      family,
      ..Params::default()
    }
  }

  #[test]
  fn unknown_option_values_leave_the_defaults() {
    assert_eq!(Params::from_names(None, None, None), Params::default());
    assert_eq!(
      Params::from_names(Some("a"), Some("LOCALONLY"), Some("stale")),
      Params::default()
    );
    assert_eq!(
      Params::from_names(Some("AAAA"), Some("localOnly"), Some("staleAllowed")),
      Params {
        family: Family::V6,
        source: Source::LocalOnly,
        cache_usage: CacheUsage::StaleAllowed
      }
    );
    assert_eq!(
      Params::from_names(Some("A"), Some("mdns"), Some("disallowed")).family,
      Family::V4
    );
  }

  #[test]
  fn ip_literals_answer_themselves_within_the_family() {
    let r = HostResolver::new();
    for (host, want) in [
      ("127.0.0.1", "127.0.0.1:0"),
      ("127.1", "127.0.0.1:0"),
      ("0x7f.0.0.1", "127.0.0.1:0"),
      ("2130706433", "127.0.0.1:0"),
      ("::1", "[::1]:0"),
      ("[::1]", "[::1]:0"),
      ("[2001:DB8::1]", "[2001:db8::1]:0"),
      ("::ffff:1.2.3.4", "[::ffff:1.2.3.4]:0"),
    ] {
      assert_eq!(
        locally(&r, host, Params::default())
          .unwrap()
          .unwrap()
          .as_slice(),
        &[addr(want)],
        "{host}"
      );
    }
    assert_eq!(
      locally(&r, "127.0.0.1", with(Family::V6)).unwrap(),
      Err(NetError::ERR_NAME_NOT_RESOLVED)
    );
    assert_eq!(
      locally(&r, "::1", with(Family::V4)).unwrap(),
      Err(NetError::ERR_NAME_NOT_RESOLVED)
    );
    assert_eq!(
      locally(&r, "::1", with(Family::V6)).unwrap().unwrap(),
      Addrs::One(addr("[::1]:0"))
    );
    // Not literals: names (to the system), or invalid ones.
    assert!(ip_literal("1.2.3.999").is_none());
    assert!(ip_literal("example.com").is_none());
    assert!(ip_literal("[example.com]").is_none());
    assert!(ip_literal("[]").is_none());
  }

  #[test]
  fn localhost_names_are_loopback_without_a_lookup() {
    let r = HostResolver::new();
    for host in [
      "localhost",
      "LocalHost",
      "localhost.",
      "a.localhost",
      "x.y.LOCALHOST.",
    ] {
      assert_eq!(
        locally(&r, host, Params::default())
          .unwrap()
          .unwrap()
          .as_slice(),
        &[addr("[::1]:0"), addr("127.0.0.1:0")],
        "{host}"
      );
      assert_eq!(
        locally(&r, host, with(Family::V4))
          .unwrap()
          .unwrap()
          .as_slice(),
        &[addr("127.0.0.1:0")]
      );
      assert_eq!(
        locally(&r, host, with(Family::V6))
          .unwrap()
          .unwrap()
          .as_slice(),
        &[addr("[::1]:0")]
      );
    }
    // Even localOnly with nothing cached: localhost is a local source.
    let local_only = Params {
      source: Source::LocalOnly,
      ..Params::default()
    };
    assert!(locally(&r, "localhost", local_only).unwrap().is_ok());
    for host in ["localhost2", "notlocalhost", "localhost.com", "xlocalhost"] {
      assert!(!is_local_hostname(host), "{host}");
    }
    // An invalid name is refused before the localhost rule (`.localhost` has an empty label).
    assert_eq!(
      locally(&r, ".localhost", Params::default()).unwrap(),
      Err(NetError::ERR_NAME_NOT_RESOLVED)
    );
    assert!(r.cache().is_empty());
  }

  #[test]
  fn invalid_host_names_fail_without_a_lookup() {
    let r = HostResolver::new();
    let long_label = "a".repeat(64);
    let long_name = format!("{}.com", "a.".repeat(126));
    for host in [
      "",
      "a b",
      "a..b",
      ".a",
      "a.-b",
      "exa$mple.com",
      "\u{e9}t\u{e9}.fr",
      long_label.as_str(),
      long_name.as_str(),
    ] {
      assert!(!is_canonicalized_host_compliant(host), "{host:?}");
      assert_eq!(
        locally(&r, host, Params::default()).unwrap(),
        Err(NetError::ERR_NAME_NOT_RESOLVED),
        "{host:?}"
      );
    }
    for host in [
      "a",
      "a.b",
      "a.b.",
      "_srv.example",
      "-a.b",
      "a-b_c.d9",
      "a.9b",
    ] {
      assert!(is_canonicalized_host_compliant(host), "{host}");
    }
    assert!(is_canonicalized_host_compliant(&"a".repeat(63)));
  }

  #[test]
  fn the_cache_answers_by_cache_usage_and_local_only_misses_without_it() {
    let r = HostResolver::new();
    let t0 = Instant::now();
    let name = "host.test";
    let local_only = |cache_usage| Params {
      source: Source::LocalOnly,
      cache_usage,
      ..Params::default()
    };
    assert_eq!(
      r.resolve_locally(name, &local_only(CacheUsage::Allowed), t0),
      Some(Err(NetError::ERR_DNS_CACHE_MISS))
    );
    assert_eq!(r.resolve_locally(name, &Params::default(), t0), None);

    let answer = Ok(Addrs::One(addr("192.0.2.7:0")));
    r.remember(name, Family::Unspecified, &answer, t0);
    assert_eq!(
      r.resolve_locally(name, &Params::default(), t0),
      Some(answer.clone())
    );
    assert_eq!(
      r.resolve_locally(name, &local_only(CacheUsage::Allowed), t0),
      Some(answer.clone())
    );
    // What the request path asks (HostResolve) is the same entry.
    assert_eq!(r.known(name), Some(answer.clone()));
    // A family of its own: not answered from the unspecified entry.
    assert_eq!(
      r.resolve_locally(
        name,
        &Params {
          family: Family::V4,
          ..local_only(CacheUsage::Allowed)
        },
        t0
      ),
      Some(Err(NetError::ERR_DNS_CACHE_MISS))
    );
    // disallowed: never from the cache.
    assert_eq!(
      r.resolve_locally(
        name,
        &Params {
          cache_usage: CacheUsage::Disallowed,
          ..Params::default()
        },
        t0
      ),
      None
    );
    assert_eq!(
      r.resolve_locally(name, &local_only(CacheUsage::Disallowed), t0),
      Some(Err(NetError::ERR_DNS_CACHE_MISS))
    );

    // Past its TTL only staleAllowed sees it.
    let later = t0 + TUNING.host_cache_ttl + Duration::from_secs(1);
    assert_eq!(r.resolve_locally(name, &Params::default(), later), None);
    assert_eq!(
      r.resolve_locally(name, &local_only(CacheUsage::Allowed), later),
      Some(Err(NetError::ERR_DNS_CACHE_MISS))
    );
    assert_eq!(
      r.resolve_locally(name, &local_only(CacheUsage::StaleAllowed), later),
      Some(answer.clone())
    );

    r.clear();
    assert_eq!(
      r.resolve_locally(name, &local_only(CacheUsage::StaleAllowed), t0),
      Some(Err(NetError::ERR_DNS_CACHE_MISS))
    );
  }

  #[test]
  fn failures_are_not_remembered() {
    let r = HostResolver::new();
    r.learned("gone.test", &Err(NetError::ERR_NAME_NOT_RESOLVED));
    assert!(r.cache().is_empty());
    assert_eq!(r.known("gone.test"), None);
  }

  #[test]
  fn a_system_answer_is_cached_for_later_local_only_lookups() {
    // A name the system resolves on any machine without the network: its own IP literal is
    // answered before the system, so use a name from the hosts file when there is one.
    let r = HostResolver::new();
    let Ok(hosts) = std::fs::read_to_string("/etc/hosts") else {
      return;
    };
    let Some(name) = hosts
      .lines()
      .filter(|l| !l.trim_start().starts_with('#'))
      .flat_map(|l| l.split_whitespace().skip(1))
      .find(|n| !is_local_hostname(n) && is_canonicalized_host_compliant(n))
    else {
      return;
    };
    let Ok(answer) = r.resolve_blocking(name, &Params::default()) else {
      return;
    };
    let local_only = Params {
      source: Source::LocalOnly,
      ..Params::default()
    };
    assert_eq!(r.resolve_blocking(name, &local_only), Ok(answer));
    assert_eq!(
      r.resolve_blocking(
        name,
        &Params {
          family: Family::V4,
          ..local_only
        }
      ),
      Err(NetError::ERR_DNS_CACHE_MISS)
    );
  }
}
