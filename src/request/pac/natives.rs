//! The PAC helpers Chromium implements natively (`proxy_resolver_v8.cc`): `isPlainHostName`,
//! the DNS functions, `myIpAddress[Ex]`, `sortIpAddressList` and `isInNetEx`. Pure Rust over
//! strings; engine.rs binds them to the script. DNS answers come from the session's host
//! resolver (its cache, then getaddrinfo), blocking the PAC thread as Chromium's blocking DNS
//! mode does.

use std::net::{IpAddr, SocketAddr, UdpSocket};

use crate::request::host_resolver::{ip_literal, HostResolver, Params};
use crate::wire::resolve::Family;

/// Only single-label names are plain; IPv6 literals have no dot but are not plain.
pub fn is_plain_host_name(host: &str) -> bool {
  !host.contains('.') && ip_literal(host).is_none()
}

/// A host name argument as Chromium's `GetHostnameArgument` reads it: ASCII as is, anything
/// else converted from IDN to punycode; `None` when that fails.
pub fn hostname_argument(host: &str) -> Option<String> {
  if host.is_ascii() {
    return Some(host.to_string());
  }
  match url::Host::parse(host) {
    Ok(url::Host::Domain(d)) => Some(d),
    _ => None,
  }
}

fn lookup(resolver: &HostResolver, host: &str, family: Family) -> Vec<IpAddr> {
  let params = Params {
    family,
    ..Params::default()
  };
  match resolver.resolve_blocking(host, &params) {
    Ok(addrs) => addrs.as_slice().iter().map(SocketAddr::ip).collect(),
    Err(_) => Vec::new(),
  }
}

/// `dnsResolve(host)`: the first IPv4 address, or `None` (null in JS). IPv4 only, as Chromium
/// and Internet Explorer (Firefox also answers IPv6).
pub fn dns_resolve(resolver: &HostResolver, host: &str) -> Option<String> {
  lookup(resolver, host, Family::V4)
    .first()
    .map(IpAddr::to_string)
}

/// `dnsResolveEx(host)`: every address, IPv6 and IPv4, joined with `;`; `""` on failure.
pub fn dns_resolve_ex(resolver: &HostResolver, host: &str) -> String {
  join(&lookup(resolver, host, Family::Unspecified))
}

fn join(ips: &[IpAddr]) -> String {
  ips
    .iter()
    .map(IpAddr::to_string)
    .collect::<Vec<_>>()
    .join(";")
}

/// The local address the system would use to reach `dest`: a UDP socket's `connect` picks the
/// route without sending anything.
fn route_to(dest: IpAddr) -> Option<IpAddr> {
  let bind: SocketAddr = if dest.is_ipv4() {
    "0.0.0.0:0".parse().ok()?
  } else {
    "[::]:0".parse().ok()?
  };
  let socket = UdpSocket::bind(bind).ok()?;
  socket.connect(SocketAddr::new(dest, 80)).ok()?;
  Some(socket.local_addr().ok()?.ip())
}

fn is_link_local_or_loopback(ip: &IpAddr) -> bool {
  match ip {
    IpAddr::V4(v4) => v4.is_loopback() || v4.is_link_local(),
    IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xffc0) == 0xfe80,
  }
}

/// This machine's name, for step 2 of `myIpAddress` (no `gethostname` binding in the tree).
fn machine_name() -> Option<String> {
  let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
    .ok()
    .or_else(|| std::env::var("COMPUTERNAME").ok())
    .or_else(|| std::env::var("HOSTNAME").ok())?;
  let name = name.trim().to_string();
  (!name.is_empty()).then_some(name)
}

/// The candidate addresses of `myIpAddress[Ex]` in Chromium's order (`docs/proxy.md`,
/// `net/proxy_resolution/pac_library.cc`): routes to the public Internet, then the machine's
/// name resolved, then routes to private space. Link-local and loopback addresses are kept
/// aside as a last resort. `all`: `myIpAddressEx` collects every address of the first step
/// that finds one; `myIpAddress` stops at the first.
fn my_addresses(resolver: &HostResolver, all: bool) -> Vec<IpAddr> {
  let mut found = Vec::new();
  let mut last_resort = Vec::new();
  let mut consider = |ip: IpAddr, found: &mut Vec<IpAddr>| {
    if ip.is_unspecified() {
      return;
    }
    if is_link_local_or_loopback(&ip) {
      last_resort.push(ip);
    } else if !found.contains(&ip) {
      found.push(ip);
    }
  };
  let public: [IpAddr; 2] = [
    IpAddr::from([8, 8, 8, 8]),
    IpAddr::from([0x2001, 0x4860, 0x4860, 0, 0, 0, 0, 0x8888]),
  ];
  for dest in public {
    if let Some(ip) = route_to(dest) {
      consider(ip, &mut found);
      if !all && !found.is_empty() {
        return found;
      }
    }
  }
  if !found.is_empty() {
    return found;
  }
  if let Some(name) = machine_name() {
    let ips = lookup(resolver, &name, Family::Unspecified);
    // myIpAddress prefers the first IPv4 result.
    let ordered = ips
      .iter()
      .filter(|ip| all || ip.is_ipv4())
      .chain(ips.iter().filter(|ip| !all && ip.is_ipv6()));
    for ip in ordered {
      consider(*ip, &mut found);
      if !all && !found.is_empty() {
        return found;
      }
    }
  }
  if !found.is_empty() {
    return found;
  }
  let private: [IpAddr; 4] = [
    IpAddr::from([10, 0, 0, 0]),
    IpAddr::from([172, 16, 0, 0]),
    IpAddr::from([192, 168, 0, 0]),
    IpAddr::from([0xfc00, 0, 0, 0, 0, 0, 0, 0]),
  ];
  for dest in private {
    if let Some(ip) = route_to(dest) {
      consider(ip, &mut found);
      if !all && !found.is_empty() {
        return found;
      }
    }
  }
  if found.is_empty() {
    found = last_resort;
    found.dedup();
    if !all {
      found.truncate(1);
    }
  }
  found
}

/// `myIpAddress()`: one address, `"127.0.0.1"` when none is found.
pub fn my_ip_address(resolver: &HostResolver) -> String {
  my_addresses(resolver, false)
    .first()
    .map_or_else(|| "127.0.0.1".to_string(), IpAddr::to_string)
}

/// `myIpAddressEx()`: every candidate of the first step that finds any, `;`-separated; `""`.
pub fn my_ip_address_ex(resolver: &HostResolver) -> String {
  join(&my_addresses(resolver, true))
}

fn parse_ip(s: &str) -> Option<IpAddr> {
  s.parse().ok()
}

/// `sortIpAddressList(list)`: whitespace removed, IPv6 before IPv4, each ascending, as the
/// caller spelled them; `None` (false in JS) for an empty list or an unparseable address.
pub fn sort_ip_address_list(list: &str) -> Option<String> {
  let cleaned: String = list.chars().filter(|c| *c != ' ' && *c != '\t').collect();
  let mut entries = Vec::new();
  for token in cleaned.split(';').filter(|t| !t.is_empty()) {
    entries.push((parse_ip(token)?, token));
  }
  if entries.is_empty() {
    return None;
  }
  // Stable: equal addresses keep their order.
  entries.sort_by(|(a, _), (b, _)| match (a, b) {
    (IpAddr::V6(_), IpAddr::V4(_)) => std::cmp::Ordering::Less,
    (IpAddr::V4(_), IpAddr::V6(_)) => std::cmp::Ordering::Greater,
    _ => a.cmp(b),
  });
  Some(
    entries
      .iter()
      .map(|(_, s)| *s)
      .collect::<Vec<_>>()
      .join(";"),
  )
}

/// `isInNetEx(ip, "prefix/bits")`: false for a malformed argument or mixed families.
pub fn is_in_net_ex(ip: &str, prefix: &str) -> bool {
  let Some(ip) = parse_ip(ip) else {
    return false;
  };
  let Some((net, bits)) = prefix.split_once('/') else {
    return false;
  };
  let (Some(net), Ok(bits)) = (parse_ip(net), bits.parse::<u32>()) else {
    return false;
  };
  match (ip, net) {
    (IpAddr::V4(a), IpAddr::V4(b)) if bits <= 32 => {
      let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
      u32::from(a) & mask == u32::from(b) & mask
    }
    (IpAddr::V6(a), IpAddr::V6(b)) if bits <= 128 => {
      let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
      u128::from(a) & mask == u128::from(b) & mask
    }
    _ => false,
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn plain_host_names_have_no_dot_and_are_not_ip_literals() {
    assert!(is_plain_host_name("intranet"));
    assert!(!is_plain_host_name("www.example.com"));
    assert!(!is_plain_host_name("::1"));
    assert!(!is_plain_host_name("1.2.3.4"));
  }

  #[test]
  fn ip_lists_sort_ipv6_first_then_ascending() {
    assert_eq!(
      sort_ip_address_list("10.2.3.9; ::1;10.2.3.10;2001:4898::2; 1.2.3.4").as_deref(),
      Some("::1;2001:4898::2;1.2.3.4;10.2.3.9;10.2.3.10")
    );
    assert_eq!(sort_ip_address_list(""), None);
    assert_eq!(sort_ip_address_list(" ; ;"), None);
    assert_eq!(sort_ip_address_list("1.2.3.4;nonsense"), None);
  }

  #[test]
  fn is_in_net_ex_matches_prefixes_of_the_same_family() {
    assert!(is_in_net_ex("198.95.249.79", "198.95.249.79/32"));
    assert!(is_in_net_ex("198.95.115.10", "198.95.0.0/16"));
    assert!(!is_in_net_ex("198.96.115.10", "198.95.0.0/16"));
    assert!(is_in_net_ex("3ffe:8311:ffff::1", "3ffe:8311:ffff::/48"));
    assert!(!is_in_net_ex("::1", "127.0.0.0/8"));
    assert!(!is_in_net_ex("1.2.3.4", "1.2.3.0/33"));
    assert!(!is_in_net_ex("1.2.3.4", "1.2.3.0"));
  }

  #[test]
  fn dns_helpers_answer_from_the_resolver() {
    let resolver = HostResolver::new();
    assert_eq!(
      dns_resolve(&resolver, "localhost").as_deref(),
      Some("127.0.0.1")
    );
    assert_eq!(
      dns_resolve(&resolver, "10.1.2.3").as_deref(),
      Some("10.1.2.3")
    );
    // An IPv6 literal has no IPv4 address.
    assert_eq!(dns_resolve(&resolver, "::1"), None);
    assert_eq!(dns_resolve(&resolver, "no such host!"), None);
    assert_eq!(dns_resolve_ex(&resolver, "::1"), "::1");
    assert!(!my_ip_address(&resolver).is_empty());
  }
}
