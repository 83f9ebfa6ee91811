//! A session's proxy configuration (`ses.setProxy`, reference §10 "ProxyConfig"): the
//! `proxyRules` grammar, the `proxyBypassRules` list with Chromium's implicit loopback bypass,
//! and the PAC-style answer of `ses.resolveProxy`. Pure functions over a parsed config; which
//! connection a route gets is the pool's business.
//!
//! Parsing follows Chromium's `ProxyConfig::ProxyRules::ParseFromString`,
//! `ProxyUriToProxyServer` and `ProxyBypassRules::ParseFromString`: entries it cannot parse are
//! skipped, never an error.

use std::net::IpAddr;

use url::Url;

use crate::errors::NetError;
use crate::wire::origin::{ProxyAddr, ProxyKind};

/// A proxy scheme of the `proxyRules` grammar (reference §10: `[scheme://]host[:port]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyScheme {
  Http,
  Https,
  Socks4,
  Socks5,
  Quic,
}

/// One entry of a proxy list: a server, or `direct://`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyEntry {
  Direct,
  Server {
    scheme: ProxyScheme,
    host: String,
    port: u16,
  },
}

impl ProxyEntry {
  /// The PAC form `resolveProxy` reports (Chromium's `ProxyServerToPacResultElement`).
  pub fn pac(&self) -> String {
    match self {
      ProxyEntry::Direct => "DIRECT".to_string(),
      ProxyEntry::Server { scheme, host, port } => {
        let keyword = match scheme {
          ProxyScheme::Http => "PROXY",
          ProxyScheme::Https => "HTTPS",
          ProxyScheme::Socks4 => "SOCKS",
          ProxyScheme::Socks5 => "SOCKS5",
          ProxyScheme::Quic => "QUIC",
        };
        if host.contains(':') {
          format!("{keyword} [{host}]:{port}")
        } else {
          format!("{keyword} {host}:{port}")
        }
      }
    }
  }
}

/// `mode` after JS has applied Electron's default (absent: `pac_script` when `pacScript` is
/// non-empty, else `fixed_servers`) and refused unknown names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
  Direct,
  FixedServers,
  /// The script at `pacScript` decides (request/pac/); none given means DIRECT.
  PacScript,
}

impl Mode {
  pub fn parse(mode: &str) -> Mode {
    match mode {
      "fixed_servers" => Mode::FixedServers,
      "direct" => Mode::Direct,
      "pac_script" => Mode::PacScript,
      // `system` and `auto_detect` are settled by the session (system_proxy.rs, WPAD); JS
      // refuses any other name.
      _ => Mode::Direct,
    }
  }
}

/// Parsed `proxyRules` (Chromium's `ProxyRules`: a single list, or lists per URL scheme with a
/// `socks=` fallback).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Rules {
  single: Option<Vec<ProxyEntry>>,
  http: Vec<ProxyEntry>,
  https: Vec<ProxyEntry>,
  ftp: Vec<ProxyEntry>,
  fallback: Vec<ProxyEntry>,
}

/// `[scheme://]host[:port]` with `default` as the scheme when none is written; `None` for an
/// entry Chromium would skip.
pub fn parse_proxy_uri(uri: &str, default: ProxyScheme) -> Option<ProxyEntry> {
  let uri = uri.trim();
  let (scheme, rest) = match uri.split_once("://") {
    Some((s, rest)) => {
      let scheme = match s.to_ascii_lowercase().as_str() {
        "http" => ProxyScheme::Http,
        "https" => ProxyScheme::Https,
        "socks4" => ProxyScheme::Socks4,
        // In a URI `socks` is SOCKS5 (`GetSchemeFromURIInternal`); only `socks=` means v4.
        "socks" | "socks5" => ProxyScheme::Socks5,
        "quic" => ProxyScheme::Quic,
        "direct" => return Some(ProxyEntry::Direct),
        _ => return None,
      };
      (scheme, rest)
    }
    None => (default, uri),
  };
  server_entry(scheme, rest)
}

/// A server entry from its scheme and `host[:port]`, the port defaulting by scheme (Chromium's
/// `ProxyServer::GetDefaultPortForScheme`); `None` when `rest` does not parse.
pub fn server_entry(scheme: ProxyScheme, rest: &str) -> Option<ProxyEntry> {
  let default_port = match scheme {
    ProxyScheme::Http => 80,
    ProxyScheme::Https | ProxyScheme::Quic => 443,
    ProxyScheme::Socks4 | ProxyScheme::Socks5 => 1080,
  };
  let (host, port) = split_host_port(rest)?;
  Some(ProxyEntry::Server {
    scheme,
    host,
    port: port.unwrap_or(default_port),
  })
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; the host lower-cased, IPv6 without brackets.
pub(crate) fn split_host_port(s: &str) -> Option<(String, Option<u16>)> {
  let (host, port) = if let Some(rest) = s.strip_prefix('[') {
    let (host, after) = rest.split_once(']')?;
    let port = match after {
      "" => None,
      p => Some(p.strip_prefix(':')?),
    };
    (host, port)
  } else {
    match s.rsplit_once(':') {
      Some((h, p)) if !h.contains(':') => (h, Some(p)),
      Some(_) => return None,
      None => (s, None),
    }
  };
  if host.is_empty() || host.contains(['/', ' ', '@']) {
    return None;
  }
  let port = match port {
    Some(p) => Some(p.parse::<u16>().ok()?),
    None => None,
  };
  Some((host.to_ascii_lowercase(), port))
}

fn parse_list(list: &str, default: ProxyScheme) -> Vec<ProxyEntry> {
  list
    .split(',')
    .filter(|s| !s.trim().is_empty())
    .filter_map(|s| parse_proxy_uri(s, default))
    .collect()
}

/// `[<urlScheme>=]<proxy>[,<proxy>...][;...]` (reference §10).
fn parse_rules(rules: &str) -> Rules {
  let mut out = Rules::default();
  for item in rules.split(';').map(str::trim).filter(|s| !s.is_empty()) {
    match item.split_once('=') {
      // A list without `scheme=` is the one list for every scheme; Chromium stops there.
      None => {
        if out.single.is_none() && !has_per_scheme(&out) {
          out.single = Some(parse_list(item, ProxyScheme::Http));
          return out;
        }
      }
      Some((scheme, list)) => {
        let (entry, default) = match scheme.trim().to_ascii_lowercase().as_str() {
          "http" => (&mut out.http, ProxyScheme::Http),
          "https" => (&mut out.https, ProxyScheme::Http),
          "ftp" => (&mut out.ftp, ProxyScheme::Http),
          // `socks=` is the fallback for schemes without their own list, SOCKS v4 by default.
          "socks" => (&mut out.fallback, ProxyScheme::Socks4),
          _ => continue,
        };
        entry.extend(parse_list(list, default));
      }
    }
  }
  out
}

fn has_per_scheme(r: &Rules) -> bool {
  !(r.http.is_empty() && r.https.is_empty() && r.ftp.is_empty() && r.fallback.is_empty())
}

/// One `proxyBypassRules` entry (reference §10).
#[derive(Debug, Clone, PartialEq, Eq)]
enum BypassRule {
  /// `<local>`: host names without a dot that are not IP literals (Chromium's code).
  Local,
  /// A host pattern with `*` / `?` wildcards, an optional scheme and port.
  Host {
    scheme: Option<String>,
    pattern: String,
    port: Option<u16>,
  },
  /// `ip/prefix`; matches IP-literal hosts only (no name resolution, as Chromium).
  Cidr { net: IpAddr, prefix: u8 },
}

fn parse_bypass_rule(raw: &str) -> Option<BypassRule> {
  let raw = raw.trim();
  if raw.eq_ignore_ascii_case("<local>") {
    return Some(BypassRule::Local);
  }
  if raw.contains('/') && !raw.contains("://") {
    let (ip, prefix) = raw.split_once('/')?;
    let net: IpAddr = ip.trim_matches(['[', ']']).parse().ok()?;
    let prefix: u8 = prefix.parse().ok()?;
    let max = if net.is_ipv4() { 32 } else { 128 };
    return (prefix <= max).then_some(BypassRule::Cidr { net, prefix });
  }
  let (scheme, rest) = match raw.split_once("://") {
    Some((s, rest)) => (Some(s.to_ascii_lowercase()), rest),
    None => (None, raw),
  };
  let (host, port) = if rest.starts_with('[') || rest.matches(':').count() <= 1 {
    split_host_port(rest)?
  } else {
    // A bare IPv6 literal.
    (rest.to_ascii_lowercase(), None)
  };
  // `.suffix` means `*.suffix` (Chromium's `ParseBypassRule`).
  let pattern = if host.starts_with('.') {
    format!("*{host}")
  } else {
    host
  };
  Some(BypassRule::Host {
    scheme,
    pattern,
    port,
  })
}

/// `*` matches any run of characters, `?` any one (Chromium's `base::MatchPattern`).
/// Iterative, remembering only the last `*`: O(pattern x text) at worst, no recursion, so a
/// pattern with many stars against a long host costs little on the JS thread.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
  let (mut p, mut t) = (0, 0);
  let mut star: Option<(usize, usize)> = None;
  while t < text.len() {
    match pattern.get(p) {
      Some(b'*') => {
        star = Some((p, t));
        p += 1;
      }
      Some(&c) if c == b'?' || c == text[t] => {
        p += 1;
        t += 1;
      }
      _ => match star {
        // Let the last star swallow one more character and try again from there.
        Some((sp, st)) => {
          p = sp + 1;
          t = st + 1;
          star = Some((sp, st + 1));
        }
        None => return false,
      },
    }
  }
  pattern[p..].iter().all(|&c| c == b'*')
}

fn in_prefix(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
  match (ip, net) {
    (IpAddr::V4(a), IpAddr::V4(b)) => {
      let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
      u32::from(a) & mask == u32::from(b) & mask
    }
    (IpAddr::V6(a), IpAddr::V6(b)) => {
      let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
      u128::from(a) & mask == u128::from(b) & mask
    }
    _ => false,
  }
}

fn host_ip(url: &Url) -> Option<IpAddr> {
  match url.host()? {
    url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
    url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
    url::Host::Domain(_) => None,
  }
}

fn host_of(url: &Url) -> String {
  match url.host() {
    Some(url::Host::Ipv6(ip)) => ip.to_string(),
    Some(h) => h.to_string(),
    None => String::new(),
  }
}

impl BypassRule {
  fn matches(&self, url: &Url) -> bool {
    match self {
      BypassRule::Local => host_ip(url).is_none() && !host_of(url).contains('.'),
      BypassRule::Cidr { net, prefix } => {
        host_ip(url).is_some_and(|ip| in_prefix(ip, *net, *prefix))
      }
      BypassRule::Host {
        scheme,
        pattern,
        port,
      } => {
        scheme.as_deref().is_none_or(|s| s == url.scheme())
          && port.is_none_or(|p| Some(p) == url.port_or_known_default())
          && glob(pattern.as_bytes(), host_of(url).as_bytes())
      }
    }
  }
}

/// Chromium never proxies loopback and link-local destinations unless `<-loopback>` says so
/// (`ProxyBypassRules::MatchesImplicitRules`; reference §10): `localhost`, `*.localhost`,
/// `127.0.0.0/8`, `[::1]`, and link-local addresses outside Windows.
pub(crate) fn implicitly_bypassed(url: &Url) -> bool {
  let host = host_of(url);
  if host == "localhost" || host.ends_with(".localhost") {
    return true;
  }
  match host_ip(url) {
    Some(IpAddr::V4(ip)) => ip.is_loopback() || (!cfg!(windows) && ip.is_link_local()),
    Some(IpAddr::V6(ip)) => {
      ip.is_loopback() || (!cfg!(windows) && (ip.segments()[0] & 0xffc0) == 0xfe80)
    }
    None => false,
  }
}

/// A session's proxy configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyConfig {
  mode: Mode,
  rules: Rules,
  bypass: Vec<BypassRule>,
  /// False once `<-loopback>` is in the bypass list.
  implicit_bypass: bool,
}

impl Default for ProxyConfig {
  /// A session that never called `setProxy`: Electron would use the system's configuration;
  /// we go direct (README).
  fn default() -> ProxyConfig {
    ProxyConfig::new(Mode::Direct, "", "")
  }
}

impl ProxyConfig {
  pub fn new(mode: Mode, rules: &str, bypass: &str) -> ProxyConfig {
    let mut implicit_bypass = true;
    let mut parsed = Vec::new();
    // Chromium splits the list on commas and semicolons.
    for raw in bypass
      .split([',', ';'])
      .map(str::trim)
      .filter(|s| !s.is_empty())
    {
      if raw.eq_ignore_ascii_case("<-loopback>") {
        implicit_bypass = false;
      } else if let Some(rule) = parse_bypass_rule(raw) {
        parsed.push(rule);
      }
    }
    ProxyConfig {
      mode,
      rules: parse_rules(rules),
      bypass: parsed,
      implicit_bypass,
    }
  }

  /// The system's configuration from the environment (system_proxy.rs): a proxy for every
  /// scheme (`single`), or one per scheme, and `no_proxy` with Chromium's suffix matching for
  /// environment variables (`example.com` is `*example.com`; `RewriteRulesForSuffixMatching`).
  pub fn from_environment(
    single: Option<ProxyEntry>,
    http: Option<ProxyEntry>,
    https: Option<ProxyEntry>,
    ftp: Option<ProxyEntry>,
    no_proxy: &str,
  ) -> ProxyConfig {
    let mut config = ProxyConfig::new(Mode::FixedServers, "", no_proxy);
    config.rules = Rules {
      single: single.map(|entry| vec![entry]),
      http: http.into_iter().collect(),
      https: https.into_iter().collect(),
      ftp: ftp.into_iter().collect(),
      fallback: Vec::new(),
    };
    for rule in &mut config.bypass {
      if let BypassRule::Host { pattern, .. } = rule {
        if !pattern.starts_with('*') {
          pattern.insert(0, '*');
        }
      }
    }
    config
  }

  /// An environment that sets only `no_proxy`: explicitly direct.
  pub fn direct_by_environment() -> ProxyConfig {
    ProxyConfig::new(Mode::Direct, "", "")
  }

  pub fn mode(&self) -> Mode {
    self.mode
  }

  /// The proxies for `url`, in fallback order; `[Direct]` when none applies.
  pub fn resolve(&self, url: &Url) -> Vec<ProxyEntry> {
    let direct = vec![ProxyEntry::Direct];
    if self.mode != Mode::FixedServers || !matches!(url.scheme(), "http" | "https" | "ftp") {
      return direct;
    }
    if (self.implicit_bypass && implicitly_bypassed(url))
      || self.bypass.iter().any(|r| r.matches(url))
    {
      return direct;
    }
    let list = match &self.rules.single {
      Some(single) => single,
      None => {
        let own = match url.scheme() {
          "http" => &self.rules.http,
          "https" => &self.rules.https,
          _ => &self.rules.ftp,
        };
        if own.is_empty() {
          &self.rules.fallback
        } else {
          own
        }
      }
    };
    if list.is_empty() {
      direct
    } else {
      list.clone()
    }
  }

  /// `ses.resolveProxy(url)`: PAC-style entries joined with `;` (Chromium's
  /// `ProxyList::ToPacString`).
  pub fn pac_string(&self, url: &Url) -> String {
    self
      .resolve(url)
      .iter()
      .map(ProxyEntry::pac)
      .collect::<Vec<_>>()
      .join(";")
  }

  /// The route a request to `url` takes under this fixed config (see [`choose`]).
  pub fn route(
    &self,
    url: &Url,
    failed: &[ProxyAddr],
    bad: &[ProxyAddr],
  ) -> Result<Option<ProxyAddr>, NetError> {
    choose(self.resolve(url), failed, bad)
  }
}

/// The proxy an entry names, if it is one we can speak to (QUIC proxies are not supported).
fn supported(entry: &ProxyEntry) -> Option<ProxyAddr> {
  let ProxyEntry::Server { scheme, host, port } = entry else {
    return None;
  };
  let kind = match scheme {
    ProxyScheme::Http => ProxyKind::Http,
    ProxyScheme::Https => ProxyKind::Https,
    ProxyScheme::Socks4 => ProxyKind::Socks4,
    ProxyScheme::Socks5 => ProxyKind::Socks5,
    ProxyScheme::Quic => return None,
  };
  Some(ProxyAddr {
    kind,
    host: host.clone(),
    port: *port,
  })
}

/// Chromium's `ProxyList::DeprioritizeBadProxyChains`: the proxies the session found bad
/// (`bad`: its retry info, still in force) go to the end of the list, in their order, rather
/// than away, so a list of nothing but bad proxies is still tried. `direct://` is never bad.
fn deprioritize(entries: Vec<ProxyEntry>, bad: &[ProxyAddr]) -> Vec<ProxyEntry> {
  if bad.is_empty() {
    return entries;
  }
  let (mut good, at_end): (Vec<_>, Vec<_>) = entries
    .into_iter()
    .partition(|e| supported(e).is_none_or(|p| !bad.contains(&p)));
  good.extend(at_end);
  good
}

/// The route a request takes from its proxy list `entries` (fixed rules or a PAC answer):
/// `failed` are the proxies this request already failed through (Chromium's `ProxyInfo::
/// Fallback` drops each from the request's list), `bad` the ones the session's retry info
/// marks bad, which are tried last ([`deprioritize`]). The first proxy left (`Ok(Some(_))`), or
/// direct (`Ok(None)`) at a `direct://` entry. QUIC proxies are not supported and are passed
/// over (README), but a list of nothing else fails with `net::ERR_NO_SUPPORTED_PROXIES` instead
/// of going direct: a user who configured a proxy must never have requests leave without it.
/// Every proxy failed: `ERR_PROXY_CONNECTION_FAILED` (the loader reports the last failure's
/// own error instead, as Chromium does).
pub fn choose(
  entries: Vec<ProxyEntry>,
  failed: &[ProxyAddr],
  bad: &[ProxyAddr],
) -> Result<Option<ProxyAddr>, NetError> {
  let mut any_supported = false;
  for entry in deprioritize(entries, bad) {
    if entry == ProxyEntry::Direct {
      return Ok(None);
    }
    if let Some(addr) = supported(&entry) {
      any_supported = true;
      if !failed.contains(&addr) {
        return Ok(Some(addr));
      }
    }
  }
  Err(if any_supported {
    NetError::ERR_PROXY_CONNECTION_FAILED
  } else {
    NetError::ERR_NO_SUPPORTED_PROXIES
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  fn fixed(rules: &str, bypass: &str) -> ProxyConfig {
    ProxyConfig::new(Mode::FixedServers, rules, bypass)
  }

  fn pac(config: &ProxyConfig, url: &str) -> String {
    config.pac_string(&Url::parse(url).unwrap())
  }

  #[test]
  fn per_scheme_rules_follow_the_reference_examples() {
    // Electron's spec: `http=myproxy:80` -> PROXY myproxy:80 for http URLs only.
    let c = fixed("http=myproxy:80", "");
    assert_eq!(pac(&c, "http://example.com/"), "PROXY myproxy:80");
    assert_eq!(pac(&c, "https://example.com/"), "DIRECT");
    let c = fixed("http=a:1;https=b:2", "");
    assert_eq!(pac(&c, "http://x/"), "PROXY a:1");
    assert_eq!(pac(&c, "https://x/"), "PROXY b:2");
    // `socks=` is the fallback for schemes without a list, SOCKS v4 by default.
    let c = fixed("http=a:1;socks=s", "");
    assert_eq!(pac(&c, "https://x/"), "SOCKS s:1080");
  }

  #[test]
  fn single_lists_schemes_ports_and_fallbacks() {
    let c = fixed("http://p:3128,https://q,socks5://r,direct://", "");
    assert_eq!(
      pac(&c, "https://x/"),
      "PROXY p:3128;HTTPS q:443;SOCKS5 r:1080;DIRECT"
    );
    assert_eq!(pac(&fixed("p", ""), "http://x/"), "PROXY p:80");
    assert_eq!(
      pac(&fixed("[::1]:8080", ""), "http://x/"),
      "PROXY [::1]:8080"
    );
    // Unparseable entries are skipped; nothing left means DIRECT.
    assert_eq!(
      pac(&fixed("bogus://p,p:notaport", ""), "http://x/"),
      "DIRECT"
    );
    assert_eq!(pac(&fixed("", ""), "http://x/"), "DIRECT");
  }

  fn proxy(kind: ProxyKind, host: &str, port: u16) -> ProxyAddr {
    ProxyAddr {
      kind,
      host: host.into(),
      port,
    }
  }

  #[test]
  fn route_takes_the_first_supported_proxy_or_direct() {
    let url = Url::parse("http://x/").unwrap();
    let route = |c: &ProxyConfig| c.route(&url, &[], &[]);
    assert_eq!(
      route(&fixed("quic://q:1,socks5://s:1,p:8", "")),
      Ok(Some(proxy(ProxyKind::Socks5, "s", 1)))
    );
    assert_eq!(
      route(&fixed("socks4://s,https://h", "")),
      Ok(Some(proxy(ProxyKind::Socks4, "s", 1080)))
    );
    assert_eq!(
      route(&fixed("https://h", "")),
      Ok(Some(proxy(ProxyKind::Https, "h", 443)))
    );
    assert_eq!(
      route(&fixed("socks=s:9", "")),
      Ok(Some(proxy(ProxyKind::Socks4, "s", 9))),
      "`socks=` means v4"
    );
    assert_eq!(route(&fixed("direct://,p:8", "")), Ok(None));
    assert_eq!(
      route(&fixed("quic://q:1", "")),
      Err(NetError::ERR_NO_SUPPORTED_PROXIES),
      "an unsupported proxy never means direct"
    );
    assert_eq!(route(&fixed("quic://q:1,direct://", "")), Ok(None));
    assert_eq!(
      route(&ProxyConfig::new(Mode::Direct, "p:8", "")),
      Ok(None),
      "direct mode ignores proxyRules"
    );
  }

  #[test]
  fn route_falls_back_past_proxies_that_failed() {
    let url = Url::parse("http://x/").unwrap();
    let a = proxy(ProxyKind::Http, "a", 1);
    let b = proxy(ProxyKind::Socks5, "b", 2);
    let c = fixed("a:1,socks5://b:2", "");
    assert_eq!(
      c.route(&url, std::slice::from_ref(&a), &[]),
      Ok(Some(b.clone()))
    );
    assert_eq!(
      c.route(&url, &[a.clone(), b.clone()], &[]),
      Err(NetError::ERR_PROXY_CONNECTION_FAILED),
      "all failed"
    );
    let c = fixed("a:1,direct://", "");
    assert_eq!(c.route(&url, std::slice::from_ref(&a), &[]), Ok(None));
    // The same host and port under another scheme is another proxy.
    let c = fixed("a:1,https://a:1", "");
    assert_eq!(
      c.route(&url, std::slice::from_ref(&a), &[]),
      Ok(Some(proxy(ProxyKind::Https, "a", 1)))
    );
  }

  #[test]
  fn bad_proxies_are_tried_last_not_dropped() {
    let url = Url::parse("http://x/").unwrap();
    let a = proxy(ProxyKind::Http, "a", 1);
    let b = proxy(ProxyKind::Http, "b", 2);
    let c = fixed("a:1,b:2", "");
    let bad = std::slice::from_ref(&a);
    assert_eq!(c.route(&url, &[], bad), Ok(Some(b.clone())));
    // B failing too: A, bad as it is, is still tried.
    assert_eq!(
      c.route(&url, std::slice::from_ref(&b), bad),
      Ok(Some(a.clone()))
    );
    assert_eq!(
      c.route(&url, &[a.clone(), b.clone()], bad),
      Err(NetError::ERR_PROXY_CONNECTION_FAILED)
    );
    // DIRECT moves ahead of a bad proxy (it is never bad itself).
    assert_eq!(fixed("a:1,direct://", "").route(&url, &[], bad), Ok(None));
    // Bad ones keep their order among themselves.
    let entries = vec![
      ProxyEntry::Direct,
      ProxyEntry::Server {
        scheme: ProxyScheme::Http,
        host: "a".into(),
        port: 1,
      },
      ProxyEntry::Server {
        scheme: ProxyScheme::Http,
        host: "b".into(),
        port: 2,
      },
    ];
    let order = deprioritize(entries.clone(), &[b.clone(), a.clone()]);
    assert_eq!(order, entries);
    let order = deprioritize(entries.clone(), std::slice::from_ref(&a));
    assert_eq!(
      order,
      vec![entries[0].clone(), entries[2].clone(), entries[1].clone()]
    );
  }

  #[test]
  fn loopback_is_bypassed_unless_the_rules_remove_it() {
    let c = fixed("p:8", "");
    for url in [
      "http://localhost/",
      "http://a.localhost/",
      "http://127.0.0.1:9/",
      "http://127.1.2.3/",
      "http://[::1]/",
      "http://169.254.1.1/",
    ] {
      assert_eq!(pac(&c, url), "DIRECT", "{url}");
    }
    // Electron's spec: `<-loopback>` gives PROXY for localhost.
    let c = fixed("http=myproxy:80", "<-loopback>");
    assert_eq!(pac(&c, "http://localhost"), "PROXY myproxy:80");
    assert_eq!(pac(&c, "http://127.0.0.1:5/"), "PROXY myproxy:80");
  }

  #[test]
  fn bypass_rules_match_hosts_suffixes_ips_and_local_names() {
    let c = fixed(
      "p:8",
      "*.internal, .corp.example, https://secure.test, plain.test:81, 10.0.0.0/8, [fd00::]/8, <local>",
    );
    for (url, expected) in [
      ("http://a.internal/", "DIRECT"),
      ("http://b.corp.example/", "DIRECT"),
      ("http://corp.example/", "PROXY p:8"),
      ("https://secure.test/", "DIRECT"),
      ("http://secure.test/", "PROXY p:8"),
      ("http://plain.test:81/", "DIRECT"),
      ("http://plain.test/", "PROXY p:8"),
      ("http://10.1.2.3/", "DIRECT"),
      ("http://11.1.2.3/", "PROXY p:8"),
      ("http://[fd12::1]/", "DIRECT"),
      // Electron's spec: `<local>` matches dotless names.
      ("http://example/", "DIRECT"),
      ("http://example.com/", "PROXY p:8"),
    ] {
      assert_eq!(pac(&c, url), expected, "{url}");
    }
    // Nonsense entries are ignored, not an error.
    let c = fixed("p:8", "[[, /x, 1.2.3.4/99");
    assert_eq!(pac(&c, "http://example.com/"), "PROXY p:8");
  }

  #[test]
  fn glob_matches_like_base_match_pattern() {
    assert!(glob(b"*.a.com", b"x.a.com"));
    assert!(!glob(b"*.a.com", b"a.com"));
    assert!(glob(b"h?st", b"host"));
    assert!(glob(b"*", b""));
    assert!(glob(b"a*b*c", b"axxbyyc"));
    assert!(!glob(b"a*b*c", b"axxbyy"));
    assert!(glob(b"*a", b"aaa"));
    assert!(!glob(b"", b"a"));
    // Many stars against a long host: answered at once (the recursive form never returned).
    let host = "a".repeat(4000);
    assert!(!glob(b"*a*a*a*a*a*a*a*a*a*a*b", host.as_bytes()));
  }
}
