//! `ses.resolveHost` (`lib/session.js`): the session's [`HostResolver`] on libuv's thread pool,
//! where a system lookup may block its thread as Node's own `dns.lookup` does. The endpoints go
//! back to JS, or a rejection whose message is the error's name (`ERR_FAILED` for a panic),
//! from which JS builds Electron's `ResolvedHost` or `Error` (`lib/errors.js`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use napi::{Env, Task};
use napi_derive::napi;

use crate::binding::pool_work::guarded;
use crate::errors::NetError;
use crate::request::host_resolver::{HostResolver, Params};
use crate::wire::resolve::Addrs;

/// Electron's `ResolvedEndpoint`.
#[napi(object)]
pub struct NativeResolvedEndpoint {
  pub address: String,
  /// `ipv4` or `ipv6`.
  pub family: String,
}

pub struct ResolveHost {
  pub resolver: Arc<HostResolver>,
  pub host: String,
  pub params: Params,
}

impl Task for ResolveHost {
  type Output = Addrs;
  type JsValue = Vec<NativeResolvedEndpoint>;

  fn compute(&mut self) -> napi::Result<Addrs> {
    let (resolver, host, params) = (&self.resolver, &self.host, &self.params);
    guarded(|| resolver.resolve_blocking(host, params))?
      .map_err(|e: NetError| napi::Error::from_reason(e.name))
  }

  fn resolve(&mut self, _env: Env, addrs: Addrs) -> napi::Result<Vec<NativeResolvedEndpoint>> {
    Ok(addrs.as_slice().iter().map(endpoint).collect())
  }
}

/// `IPEndPoint::ToStringWithoutPort` and the family's name (Electron's `net_converter.cc`).
/// IPv6 as the URL standard serializes it (Chromium's `IPAddressToString`): compressed, lower
/// case, an IPv4-mapped address in hex (`::ffff:102:304`), no scope.
fn endpoint(addr: &SocketAddr) -> NativeResolvedEndpoint {
  match addr.ip() {
    IpAddr::V4(v4) => NativeResolvedEndpoint {
      address: v4.to_string(),
      family: "ipv4".to_string(),
    },
    IpAddr::V6(v6) => {
      let bracketed = url::Host::<&str>::Ipv6(v6).to_string();
      NativeResolvedEndpoint {
        address: bracketed
          .trim_start_matches('[')
          .trim_end_matches(']')
          .to_string(),
        family: "ipv6".to_string(),
      }
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn addresses_are_written_as_chromium_writes_them() {
    let cases = [
      ("127.0.0.1:0", "127.0.0.1", "ipv4"),
      ("[::1]:0", "::1", "ipv6"),
      ("[2001:DB8:0:0:0:0:0:1]:0", "2001:db8::1", "ipv6"),
      ("[::ffff:1.2.3.4]:0", "::ffff:102:304", "ipv6"),
      ("[fe80::1%2]:0", "fe80::1", "ipv6"),
    ];
    for (addr, address, family) in cases {
      let e = endpoint(&addr.parse().unwrap());
      assert_eq!((e.address.as_str(), e.family.as_str()), (address, family));
    }
  }
}
