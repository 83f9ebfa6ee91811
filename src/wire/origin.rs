//! Where a request goes: its origin, and the route to it (directly or through a proxy). A
//! pooled connection is keyed by both.

use crate::errors::NetError;

/// How a proxy is spoken to (the `scheme://` of a `proxyRules` entry, PAC's `PROXY`, `HTTPS`,
/// `SOCKS`, `SOCKS5`). QUIC proxies are not supported and never get this far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProxyKind {
  /// Plain TCP to the proxy: absolute-form requests, CONNECT tunnels.
  Http,
  /// TLS to the proxy, then as `Http` inside it.
  Https,
  /// SOCKS v4: the origin's name resolved here, its IPv4 address sent (Chromium has no 4a).
  Socks4,
  /// SOCKS v5: the origin's name sent, resolved by the proxy.
  Socks5,
}

impl ProxyKind {
  /// An HTTP proxy (over TCP or TLS) reads requests itself: absolute form, CONNECT, 407s. A
  /// SOCKS proxy only relays bytes.
  pub fn speaks_http(self) -> bool {
    matches!(self, ProxyKind::Http | ProxyKind::Https)
  }
}

/// A proxy: what a pooled connection's route is keyed by, and what the session's retry info
/// remembers as bad (Chromium keys both by the proxy chain, scheme included).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProxyAddr {
  pub kind: ProxyKind,
  /// Host name or IP literal, IPv6 without brackets.
  pub host: String,
  pub port: u16,
}

impl ProxyAddr {
  /// The HTTP proxy this request talks HTTP to, if any (not a SOCKS relay).
  pub fn http(&self) -> Option<&ProxyAddr> {
    self.kind.speaks_http().then_some(self)
  }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
  pub https: bool,
  /// Host name or IP literal, IPv6 without brackets.
  pub host: String,
  pub port: u16,
}

/// Where a connection goes: an origin, directly or through a proxy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
  pub origin: Origin,
  pub proxy: Option<ProxyAddr>,
}

impl Target {
  /// An https origin through an HTTP proxy: a CONNECT tunnel, then TLS to the origin inside it.
  /// (Through SOCKS the relay is opened by the SOCKS handshake, not by an HTTP request.)
  pub fn tunnels(&self) -> bool {
    self.http_proxy().is_some() && self.origin.https
  }

  /// An http origin through an HTTP proxy: requests go to the proxy in absolute form. Through
  /// SOCKS they are in origin form, as on a direct connection.
  pub fn via_proxy(&self) -> bool {
    self.http_proxy().is_some() && !self.origin.https
  }

  /// The proxy, if it is an HTTP one (the one that may ask for proxy credentials).
  pub fn http_proxy(&self) -> Option<&ProxyAddr> {
    self.proxy.as_ref().and_then(ProxyAddr::http)
  }
}

/// `host:port` as CONNECT's request target and `Host` (RFC 9110 §9.3.6), IPv6 in brackets.
pub fn authority(origin: &Origin) -> String {
  if origin.host.contains(':') {
    format!("[{}]:{}", origin.host, origin.port)
  } else {
    format!("{}:{}", origin.host, origin.port)
  }
}

/// The origin of a parsed http(s) URL.
pub fn origin_of(url: &url::Url) -> Result<Origin, NetError> {
  let https = match url.scheme() {
    "https" => true,
    "http" => false,
    _ => return Err(NetError::ERR_UNKNOWN_URL_SCHEME),
  };
  let host = match url.host() {
    Some(url::Host::Domain(d)) => d.to_string(),
    Some(url::Host::Ipv4(ip)) => ip.to_string(),
    Some(url::Host::Ipv6(ip)) => ip.to_string(),
    None => return Err(NetError::ERR_INVALID_URL),
  };
  let port = url
    .port_or_known_default()
    .ok_or(NetError::ERR_INVALID_URL)?;
  Ok(Origin { https, host, port })
}
