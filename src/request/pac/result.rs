//! What goes into `FindProxyForURL` and what comes out of it: the sanitized URL and host
//! (Chromium's `SanitizeUrl` and `ProxyResolverV8::Context::ResolveProxy`), and the answer parsed
//! as `ProxyList::SetFromPacString` parses it.

use url::Url;

use crate::request::proxy_config::{server_entry, ProxyEntry, ProxyScheme};

/// The `url` and `host` arguments of `FindProxyForURL`. Credentials and fragment are always
/// removed; for https and wss the path and query too (`https://host:port/`), so a PAC script
/// (possibly fetched from the network) never learns what a secure request asks for
/// (Chromium 52+, `docs/proxy.md`). http keeps path and query, as Chromium does.
pub fn sanitize(url: &Url) -> (String, String) {
  let mut clean = url.clone();
  let _ = clean.set_username("");
  let _ = clean.set_password(None);
  clean.set_fragment(None);
  if matches!(url.scheme(), "https" | "wss") {
    clean.set_query(None);
    clean.set_path("/");
  }
  // `HostNoBrackets`: an IPv6 literal without its brackets.
  let host = match url.host() {
    Some(url::Host::Ipv6(ip)) => ip.to_string(),
    Some(host) => host.to_string(),
    None => String::new(),
  };
  (clean.into(), host)
}

/// One element of a PAC answer (`PROXY host:port`, `DIRECT`, ...): Chromium's
/// `PacResultElementToProxyServer`. `None` for an element it would skip.
fn parse_element(element: &str) -> Option<ProxyEntry> {
  let element = element.trim();
  let (keyword, rest) = match element.split_once([' ', '\t']) {
    Some((k, rest)) => (k, rest.trim()),
    None => (element, ""),
  };
  let scheme = match keyword.to_ascii_lowercase().as_str() {
    // DIRECT takes no host (`DIRECT foo` is invalid).
    "direct" => return rest.is_empty().then_some(ProxyEntry::Direct),
    "proxy" => ProxyScheme::Http,
    "https" => ProxyScheme::Https,
    // In a PAC answer `SOCKS` is version 4.
    "socks" | "socks4" => ProxyScheme::Socks4,
    "socks5" => ProxyScheme::Socks5,
    "quic" => ProxyScheme::Quic,
    _ => return None,
  };
  // `host:port` longer than any name can be (255) plus a port: Chromium's host canonicalization
  // refuses such a host, and the element is skipped. Without this bound an answer's one
  // 30 MB "host" stayed in the answer cache per URL.
  if rest.len() > 255 + 1 + 5 + 2 {
    return None;
  }
  server_entry(scheme, rest)
}

/// A PAC answer as a proxy list: elements separated by `;`, unparseable ones skipped. An answer
/// with nothing usable means DIRECT ("basically means an error in the PAC script",
/// `ProxyList::SetFromPacString`).
pub fn parse_pac_string(answer: &str) -> Vec<ProxyEntry> {
  let list: Vec<ProxyEntry> = answer.split(';').filter_map(parse_element).collect();
  if list.is_empty() {
    vec![ProxyEntry::Direct]
  } else {
    list
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn server(scheme: ProxyScheme, host: &str, port: u16) -> ProxyEntry {
    ProxyEntry::Server {
      scheme,
      host: host.into(),
      port,
    }
  }

  #[test]
  fn a_host_longer_than_a_name_can_be_is_skipped() {
    let long = format!("PROXY {}:1; PROXY ok.test:2", "a".repeat(300));
    assert_eq!(parse_pac_string(&long).len(), 1);
    assert_eq!(
      parse_pac_string(&format!("PROXY {}:1", "a".repeat(300))),
      vec![ProxyEntry::Direct]
    );
    assert_eq!(
      parse_pac_string(&format!("PROXY {}:1", "a".repeat(255))).len(),
      1
    );
  }

  #[test]
  fn pac_strings_parse_as_chromium_does() {
    assert_eq!(
      parse_pac_string("PROXY a:1; DIRECT"),
      vec![server(ProxyScheme::Http, "a", 1), ProxyEntry::Direct]
    );
    assert_eq!(
      parse_pac_string("proxy a;HTTPS b;SOCKS c;SOCKS4 d:2;SOCKS5 e;QUIC f"),
      vec![
        server(ProxyScheme::Http, "a", 80),
        server(ProxyScheme::Https, "b", 443),
        server(ProxyScheme::Socks4, "c", 1080),
        server(ProxyScheme::Socks4, "d", 2),
        server(ProxyScheme::Socks5, "e", 1080),
        server(ProxyScheme::Quic, "f", 443),
      ]
    );
    assert_eq!(
      parse_pac_string("PROXY [::1]:8080"),
      vec![server(ProxyScheme::Http, "::1", 8080)]
    );
    // Unparseable elements are skipped; nothing left (or nothing at all) is DIRECT.
    assert_eq!(
      parse_pac_string("BOGUS x:1; PROXY; DIRECT foo; PROXY p:99999; PROXY ok:3"),
      vec![server(ProxyScheme::Http, "ok", 3)]
    );
    assert_eq!(parse_pac_string(""), vec![ProxyEntry::Direct]);
    assert_eq!(parse_pac_string(" ; ;"), vec![ProxyEntry::Direct]);
    assert_eq!(parse_pac_string("garbage"), vec![ProxyEntry::Direct]);
  }

  #[test]
  fn urls_are_sanitized_before_the_script_sees_them() {
    let s = |u: &str| sanitize(&Url::parse(u).unwrap());
    assert_eq!(
      s("https://user:pw@www.example.com:8080/path?q=1#frag"),
      (
        "https://www.example.com:8080/".into(),
        "www.example.com".into()
      )
    );
    assert_eq!(
      s("wss://example.com/socket?x"),
      ("wss://example.com/".into(), "example.com".into())
    );
    assert_eq!(
      s("http://user@example.com/path?q=1#frag"),
      ("http://example.com/path?q=1".into(), "example.com".into())
    );
    assert_eq!(
      s("https://[dead::beef]/foo?bar"),
      ("https://[dead::beef]/".into(), "dead::beef".into())
    );
  }
}
