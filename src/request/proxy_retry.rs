//! Proxies that failed, remembered by the session, and which failures move a request on to the
//! next proxy of its list: Chromium's `ProxyRetryInfoMap` (`ConfiguredProxyResolutionService::
//! ReportSuccess`, `ProxyList::UpdateRetryInfoOnFallback`) and `CanFalloverToNextProxy`
//! (`net/http/proxy_fallback.cc`).
//!
//! A proxy a request fell back from is marked bad for the session only once that request got
//! through another way (Chromium reports the retry info with its success), for five minutes
//! (`kDefaultProxyRetryDelay`); a request failing through every proxy marks none. Bad proxies
//! are tried last, not skipped (`proxy_config::choose`). The info is forgotten when the proxy
//! configuration is set again (`ResetProxyConfig` clears it).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::errors::NetError;
use crate::wire::origin::ProxyAddr;

/// How long a proxy stays bad (Chromium's `ProxyList::Fallback` uses five minutes).
pub const RETRY_DELAY: Duration = Duration::from_secs(5 * 60);

/// The session's bad proxies and until when each is bad.
#[derive(Debug, Default)]
pub struct ProxyRetryInfo {
  bad_until: HashMap<ProxyAddr, Instant>,
}

impl ProxyRetryInfo {
  /// A request got a response after falling back from `failed` at `now`: they are bad until
  /// `now + RETRY_DELAY`, or later if already so (`ReportSuccess` keeps the later time).
  pub fn report_success(&mut self, failed: &[ProxyAddr], now: Instant) {
    // Entries past their time are dropped here: the map stays as small as the bad set.
    self.bad_until.retain(|_, until| *until >= now);
    let until = now + RETRY_DELAY;
    for proxy in failed {
      let entry = self.bad_until.entry(proxy.clone()).or_insert(until);
      *entry = (*entry).max(until);
    }
  }

  /// The proxies still bad at `now` (`DeprioritizeBadProxyChains`: bad while `bad_until >=
  /// now`).
  pub fn bad(&self, now: Instant) -> Vec<ProxyAddr> {
    self
      .bad_until
      .iter()
      .filter(|(_, until)| **until >= now)
      .map(|(proxy, _)| proxy.clone())
      .collect()
  }

  pub fn clear(&mut self) {
    self.bad_until.clear();
  }
}

/// What a failure to get a connection through a proxy leads to: `Ok(())` to try the next proxy of
/// the list, or `Err` with the error the request fails with (Chromium's
/// `CanFalloverToNextProxy`, for a proxy that is not QUIC and not IP Protection's).
pub fn can_fall_back(error: NetError) -> Result<(), NetError> {
  match error {
    // Failures to reach the proxy or to talk to it; a certificate or TLS failure may be a
    // captive portal answering in its place.
    NetError::ERR_PROXY_CONNECTION_FAILED
    | NetError::ERR_NAME_NOT_RESOLVED
    | NetError::ERR_INTERNET_DISCONNECTED
    | NetError::ERR_ADDRESS_UNREACHABLE
    | NetError::ERR_CONNECTION_CLOSED
    | NetError::ERR_CONNECTION_TIMED_OUT
    | NetError::ERR_CONNECTION_RESET
    | NetError::ERR_CONNECTION_REFUSED
    | NetError::ERR_CONNECTION_ABORTED
    | NetError::ERR_TIMED_OUT
    | NetError::ERR_SOCKS_CONNECTION_FAILED
    | NetError::ERR_PROXY_CERTIFICATE_INVALID
    | NetError::ERR_SSL_PROTOCOL_ERROR => Ok(()),
    // The SOCKS proxy could not reach the host: a generic error, and no other proxy is tried.
    NetError::ERR_SOCKS_CONNECTION_HOST_UNREACHABLE => Err(NetError::ERR_ADDRESS_UNREACHABLE),
    // A refused CONNECT (some PAC setups rely on it for blocking, crbug.com/680837) and
    // anything else: the request fails.
    other => Err(other),
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::wire::origin::ProxyKind;

  fn proxy(host: &str) -> ProxyAddr {
    ProxyAddr {
      kind: ProxyKind::Http,
      host: host.into(),
      port: 1,
    }
  }

  #[test]
  fn a_failed_proxy_is_bad_for_five_minutes() {
    let mut info = ProxyRetryInfo::default();
    let t0 = Instant::now();
    info.report_success(&[proxy("a")], t0);
    assert_eq!(info.bad(t0), vec![proxy("a")]);
    assert_eq!(
      info.bad(t0 + RETRY_DELAY),
      vec![proxy("a")],
      "bad until, inclusive"
    );
    assert!(info
      .bad(t0 + RETRY_DELAY + Duration::from_millis(1))
      .is_empty());
    // Failing again later extends it; an earlier report never shortens it.
    let t1 = t0 + Duration::from_secs(60);
    info.report_success(&[proxy("a")], t1);
    info.report_success(&[proxy("a")], t0);
    assert_eq!(info.bad(t1 + RETRY_DELAY), vec![proxy("a")]);
    // Expired entries go when the next report comes.
    let t2 = t1 + RETRY_DELAY * 2;
    info.report_success(&[proxy("b")], t2);
    assert_eq!(info.bad_until.len(), 1);
    assert_eq!(info.bad(t2), vec![proxy("b")]);
    info.clear();
    assert!(info.bad(t2).is_empty());
  }

  #[test]
  fn fallback_follows_can_fallover_to_next_proxy() {
    for e in [
      NetError::ERR_PROXY_CONNECTION_FAILED,
      NetError::ERR_CONNECTION_REFUSED,
      NetError::ERR_CONNECTION_CLOSED,
      NetError::ERR_NAME_NOT_RESOLVED,
      NetError::ERR_TIMED_OUT,
      NetError::ERR_SOCKS_CONNECTION_FAILED,
      NetError::ERR_PROXY_CERTIFICATE_INVALID,
      NetError::ERR_SSL_PROTOCOL_ERROR,
    ] {
      assert_eq!(can_fall_back(e), Ok(()), "{}", e.name);
    }
    assert_eq!(
      can_fall_back(NetError::ERR_SOCKS_CONNECTION_HOST_UNREACHABLE),
      Err(NetError::ERR_ADDRESS_UNREACHABLE)
    );
    for e in [
      NetError::ERR_TUNNEL_CONNECTION_FAILED,
      NetError::ERR_CERT_AUTHORITY_INVALID,
      NetError::ERR_ABORTED,
    ] {
      assert_eq!(can_fall_back(e), Err(e), "{}", e.name);
    }
  }
}
