//! The system's proxy configuration (`mode: 'system'`, and every session that never called
//! `setProxy`, as in Electron), read the way Chromium's Linux proxy service reads it when no
//! desktop settings (GNOME, KDE) are in use: from the environment
//! (`ProxyConfigServiceLinux::Delegate::GetConfigFromEnv`).
//!
//! JS hands over the variables of its own `process.env` (a worker may have an environment of its
//! own), each looked up as Chromium's `base::Environment::GetVar` does: the name as written,
//! then in the other case (`http_proxy`, then `HTTP_PROXY`).

use crate::request::proxy_config::{parse_proxy_uri, ProxyConfig, ProxyEntry, ProxyScheme};

/// What the environment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemProxy {
  /// Nothing set: direct connections.
  Direct,
  /// Proxy rules (and `no_proxy`), or only a `no_proxy`, which Chromium takes as an explicit
  /// "direct" configuration.
  Fixed(ProxyConfig),
  /// `auto_proxy` set and empty: WPAD.
  AutoDetect,
  /// `auto_proxy` set to a PAC script's URL.
  PacUrl(String),
}

/// The environment's configuration, `vars` being the `(name, value)` pairs of the variables
/// Chromium reads that are set, under the names it asks for (`lib/session.js` finds them).
pub fn from_env(vars: &[(String, String)]) -> SystemProxy {
  let get = |name: &str| {
    vars
      .iter()
      .find(|(n, _)| n == name)
      .map(|(_, v)| v.as_str())
  };
  if let Some(auto_proxy) = get("auto_proxy") {
    return if auto_proxy.is_empty() {
      SystemProxy::AutoDetect
    } else {
      SystemProxy::PacUrl(auto_proxy.to_string())
    };
  }
  let proxy = |name: &str, scheme: ProxyScheme| get(name).and_then(|v| env_proxy(v, scheme));
  let mut rules = EnvRules::default();
  if let Some(all) = proxy("all_proxy", ProxyScheme::Http) {
    rules.single = Some(all);
  } else {
    // No fallback from http_proxy to https URLs: Chromium refrains ("the user really might not
    // want to proxy https").
    rules.http = proxy("http_proxy", ProxyScheme::Http);
    rules.https = proxy("https_proxy", ProxyScheme::Http);
    rules.ftp = proxy("ftp_proxy", ProxyScheme::Http);
  }
  if rules.is_empty() {
    // SOCKS v5 unless SOCKS_VERSION is exactly "4" (GNOME's convention).
    let scheme = match get("SOCKS_VERSION") {
      Some("4") => ProxyScheme::Socks4,
      _ => ProxyScheme::Socks5,
    };
    rules.single = proxy("SOCKS_SERVER", scheme);
  }
  let no_proxy = get("no_proxy").unwrap_or("");
  if rules.is_empty() {
    // Only `no_proxy` (say `*`): explicitly direct. Neither: no configuration, also direct.
    return if no_proxy.is_empty() {
      SystemProxy::Direct
    } else {
      SystemProxy::Fixed(ProxyConfig::direct_by_environment())
    };
  }
  SystemProxy::Fixed(ProxyConfig::from_environment(
    rules.single,
    rules.http,
    rules.https,
    rules.ftp,
    no_proxy,
  ))
}

#[derive(Default)]
struct EnvRules {
  single: Option<ProxyEntry>,
  http: Option<ProxyEntry>,
  https: Option<ProxyEntry>,
  ftp: Option<ProxyEntry>,
}

impl EnvRules {
  fn is_empty(&self) -> bool {
    self.single.is_none() && self.http.is_none() && self.https.is_none() && self.ftp.is_none()
  }
}

/// One variable's proxy, as Chromium's `FixupProxyHostScheme` then `ProxyServer::FromURI`: any
/// `scheme://` written is dropped (so `http_proxy=socks5://h` is an http proxy `h`), as are
/// credentials (`user:pass@`, for which Chromium asks through the login event instead) and a
/// trailing `/`; only SOCKS variables keep a scheme, and `socks4://` there picks version 4.
fn env_proxy(value: &str, scheme: ProxyScheme) -> Option<ProxyEntry> {
  if value.is_empty() {
    return None;
  }
  let scheme = if scheme == ProxyScheme::Socks5
    && value
      .get(..9)
      .is_some_and(|p| p.eq_ignore_ascii_case("socks4://"))
  {
    ProxyScheme::Socks4
  } else {
    scheme
  };
  let mut host = match value.find("://") {
    Some(at) => &value[at + 3..],
    None => value,
  };
  if let Some(at) = host.find('@') {
    host = &host[at + 1..];
  }
  let host = host.strip_suffix('/').unwrap_or(host);
  let uri = match scheme {
    ProxyScheme::Socks4 => format!("socks4://{host}"),
    ProxyScheme::Socks5 => format!("socks5://{host}"),
    _ => host.to_string(),
  };
  match parse_proxy_uri(&uri, ProxyScheme::Http)? {
    ProxyEntry::Direct => None,
    entry => Some(entry),
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use url::Url;

  fn env(pairs: &[(&str, &str)]) -> SystemProxy {
    let vars: Vec<(String, String)> = pairs
      .iter()
      .map(|(n, v)| (n.to_string(), v.to_string()))
      .collect();
    from_env(&vars)
  }

  fn pac(system: &SystemProxy, url: &str) -> String {
    match system {
      SystemProxy::Fixed(config) => config.pac_string(&Url::parse(url).unwrap()),
      other => format!("{other:?}"),
    }
  }

  #[test]
  fn per_scheme_variables_apply_to_their_scheme_only() {
    let s = env(&[("http_proxy", "http://p:3128/")]);
    assert_eq!(pac(&s, "http://x.test/"), "PROXY p:3128");
    assert_eq!(pac(&s, "https://x.test/"), "DIRECT");
    let s = env(&[("http_proxy", "p:1"), ("https_proxy", "https://q:2")]);
    assert_eq!(pac(&s, "http://x.test/"), "PROXY p:1");
    // The scheme written is dropped: an http proxy on q's port 2.
    assert_eq!(pac(&s, "https://x.test/"), "PROXY q:2");
    // No port: the http default.
    assert_eq!(
      pac(&env(&[("http_proxy", "p")]), "http://x.test/"),
      "PROXY p:80"
    );
  }

  #[test]
  fn all_proxy_wins_over_the_per_scheme_ones_and_keeps_no_scheme() {
    let s = env(&[("all_proxy", "socks5://a:9"), ("http_proxy", "p:1")]);
    assert_eq!(pac(&s, "http://x.test/"), "PROXY a:9");
    assert_eq!(pac(&s, "https://x.test/"), "PROXY a:9");
  }

  #[test]
  fn credentials_and_trailing_slashes_are_dropped() {
    let s = env(&[("http_proxy", "http://user:pa%40ss@p:8080/")]);
    assert_eq!(pac(&s, "http://x.test/"), "PROXY p:8080");
  }

  #[test]
  fn socks_server_is_version_5_unless_socks_version_says_4() {
    let s = env(&[("SOCKS_SERVER", "s:1080")]);
    assert_eq!(pac(&s, "https://x.test/"), "SOCKS5 s:1080");
    let s = env(&[("SOCKS_SERVER", "s"), ("SOCKS_VERSION", "4")]);
    assert_eq!(pac(&s, "http://x.test/"), "SOCKS s:1080");
    let s = env(&[("SOCKS_SERVER", "socks4://s:5")]);
    assert_eq!(pac(&s, "http://x.test/"), "SOCKS s:5");
    // Only when no http(s) variable is set.
    let s = env(&[("SOCKS_SERVER", "s"), ("https_proxy", "p:1")]);
    assert_eq!(pac(&s, "https://x.test/"), "PROXY p:1");
    assert_eq!(pac(&s, "http://x.test/"), "DIRECT");
  }

  #[test]
  fn no_proxy_matches_suffixes() {
    let s = env(&[
      ("all_proxy", "p:1"),
      (
        "no_proxy",
        "example.com, .internal.test,10.0.0.0/8,*.wild.test",
      ),
    ]);
    for bypassed in [
      "http://example.com/",
      "http://www.example.com/",
      // Suffix matching is textual, as in Chromium: `*example.com`.
      "http://badexample.com/",
      "http://a.internal.test/",
      "http://10.1.2.3/",
      "http://x.wild.test/",
    ] {
      assert_eq!(pac(&s, bypassed), "DIRECT", "{bypassed}");
    }
    for proxied in [
      "http://example.org/",
      "http://internal.test.org/",
      "http://11.0.0.1/",
    ] {
      assert_eq!(pac(&s, proxied), "PROXY p:1", "{proxied}");
    }
    let star = env(&[("all_proxy", "p:1"), ("no_proxy", "*")]);
    assert_eq!(pac(&star, "http://anything.test/"), "DIRECT");
  }

  #[test]
  fn loopback_is_bypassed_unless_no_proxy_says_otherwise() {
    let s = env(&[("http_proxy", "p:1")]);
    assert_eq!(pac(&s, "http://127.0.0.1:8/"), "DIRECT");
    assert_eq!(pac(&s, "http://localhost/"), "DIRECT");
    let s = env(&[("http_proxy", "p:1"), ("no_proxy", "<-loopback>")]);
    assert_eq!(pac(&s, "http://127.0.0.1:8/"), "PROXY p:1");
  }

  #[test]
  fn auto_proxy_comes_first() {
    assert_eq!(
      env(&[("auto_proxy", ""), ("http_proxy", "p")]),
      SystemProxy::AutoDetect
    );
    assert_eq!(
      env(&[("auto_proxy", "http://pac.test/proxy.pac")]),
      SystemProxy::PacUrl("http://pac.test/proxy.pac".into())
    );
  }

  #[test]
  fn nothing_usable_is_direct() {
    assert_eq!(env(&[]), SystemProxy::Direct);
    // Empty and unparseable values are as good as unset.
    assert_eq!(
      env(&[("http_proxy", ""), ("https_proxy", "p:notaport")]),
      SystemProxy::Direct
    );
    // Only no_proxy: an explicit direct configuration.
    let s = env(&[("no_proxy", "*")]);
    assert_eq!(pac(&s, "http://x.test/"), "DIRECT");
    assert!(matches!(s, SystemProxy::Fixed(_)));
  }
}
