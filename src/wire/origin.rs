//! Where a request goes: its origin, and the route to it (directly or through an http proxy).
//! A pooled connection is keyed by both.

use crate::errors::NetError;

/// Where an http proxy listens: what a pooled connection's route is keyed by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProxyAddr {
  /// Host name or IP literal, IPv6 without brackets.
  pub host: String,
  pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
  pub https: bool,
  /// Host name or IP literal, IPv6 without brackets.
  pub host: String,
  pub port: u16,
}

/// Where a connection goes: an origin, directly or through an http proxy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
  pub origin: Origin,
  pub proxy: Option<ProxyAddr>,
}

impl Target {
  /// An https origin through a proxy: a CONNECT tunnel, then TLS to the origin inside it.
  pub fn tunnels(&self) -> bool {
    self.proxy.is_some() && self.origin.https
  }

  /// An http origin through a proxy: requests go to the proxy in absolute form.
  pub fn via_proxy(&self) -> bool {
    self.proxy.is_some() && !self.origin.https
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
