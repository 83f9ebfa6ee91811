//! A session's host cache, Chromium's `HostCache` (net/dns/host_cache.cc) as the system
//! resolver fills it: answers keyed by host and address family, each good until its expiry, at
//! most [`TUNING`](crate::config::TUNING)`.host_cache_entries` of them.
//!
//! - An entry is fresh until its expiry and stale after it (`Entry::IsStale`: `expires < now`;
//!   we have no network-change count). [`HostCache::lookup`] returns fresh entries only,
//!   [`HostCache::lookup_stale`] any (`cacheUsage: 'staleAllowed'`).
//! - Storing a key already there replaces it; storing a new one into a full cache first evicts
//!   the entry expiring first (`EvictOneEntry`; a scan, only when full).
//! - A failure is stored only with a positive TTL (`HostResolverManager::CacheResult`); with
//!   Chromium's TTL for system failures, 0, it never is.
//!
//! The host is the key as given: the request path passes the URL's canonical host (lower case,
//! IPv6 without brackets), `resolveHost` the string it was called with, as Chromium keys them.
//! Looking up borrows the host (no allocation); the family picks one of three slots.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::errors::NetError;
use crate::wire::resolve::{Addrs, Family};

/// One answer and how long it is good for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
  pub answer: Result<Addrs, NetError>,
  pub expires: Instant,
}

impl Entry {
  pub fn is_stale(&self, now: Instant) -> bool {
    self.expires < now
  }
}

pub struct HostCache {
  max_entries: usize,
  /// By host: the entry for each family ([`slot`]).
  map: HashMap<Box<str>, [Option<Entry>; 3]>,
  /// Entries over all hosts and families.
  len: usize,
}

fn slot(family: Family) -> usize {
  match family {
    Family::Unspecified => 0,
    Family::V4 => 1,
    Family::V6 => 2,
  }
}

impl HostCache {
  pub fn new(max_entries: usize) -> HostCache {
    HostCache {
      max_entries,
      map: HashMap::new(),
      len: 0,
    }
  }

  #[cfg(test)]
  pub fn len(&self) -> usize {
    self.len
  }

  #[cfg(test)]
  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// The entry for (`host`, `family`) if it is still fresh at `now`.
  pub fn lookup(&self, host: &str, family: Family, now: Instant) -> Option<&Entry> {
    self
      .lookup_stale(host, family)
      .filter(|entry| !entry.is_stale(now))
  }

  /// The entry for (`host`, `family`), fresh or stale.
  pub fn lookup_stale(&self, host: &str, family: Family) -> Option<&Entry> {
    self.map.get(host)?[slot(family)].as_ref()
  }

  /// Stores `answer` for (`host`, `family`) until `now + ttl`; a failure only when `ttl` is
  /// positive (see the module's comment).
  pub fn set(
    &mut self,
    host: &str,
    family: Family,
    answer: Result<Addrs, NetError>,
    now: Instant,
    ttl: Duration,
  ) {
    if answer.is_err() && ttl.is_zero() {
      return;
    }
    if self.max_entries == 0 {
      return;
    }
    let entry = Entry {
      answer,
      expires: now + ttl,
    };
    if let Some(slots) = self.map.get_mut(host) {
      let slot = &mut slots[slot(family)];
      if slot.is_some() {
        *slot = Some(entry);
        return;
      }
    }
    // Below the bound after any `set` (`max_entries` > 0), so one eviction makes room.
    if self.len >= self.max_entries {
      self.evict_one();
    }
    let slots = self.map.entry(host.into()).or_default();
    slots[slot(family)] = Some(entry);
    self.len += 1;
  }

  /// `ses.clearHostResolverCache()`.
  pub fn clear(&mut self) {
    self.map.clear();
    self.len = 0;
  }

  /// Chromium's `EvictOneEntry`: the entry expiring first (it prefers stale entries to fresh
  /// ones; without network changes, stale means expired, so the earliest expiry is the same).
  fn evict_one(&mut self) -> bool {
    let oldest = self
      .map
      .iter()
      .flat_map(|(host, slots)| {
        slots
          .iter()
          .enumerate()
          .filter_map(move |(i, entry)| entry.as_ref().map(|e| (e.expires, host, i)))
      })
      .min_by_key(|&(expires, _, _)| expires)
      .map(|(_, host, i)| (host.clone(), i));
    let Some((host, i)) = oldest else {
      return false;
    };
    if let Some(slots) = self.map.get_mut(&host) {
      slots[i] = None;
      if slots.iter().all(Option::is_none) {
        self.map.remove(&host);
      }
    }
    self.len -= 1;
    true
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::net::SocketAddr;

  const TTL: Duration = Duration::from_secs(60);

  fn addrs(s: &str) -> Result<Addrs, NetError> {
    Ok(Addrs::One(s.parse::<SocketAddr>().unwrap()))
  }

  #[test]
  fn entries_are_fresh_until_their_ttl_then_only_stale_lookups_see_them() {
    let t0 = Instant::now();
    let mut cache = HostCache::new(10);
    cache.set("a.test", Family::Unspecified, addrs("192.0.2.1:0"), t0, TTL);
    let fresh = cache
      .lookup("a.test", Family::Unspecified, t0 + TTL)
      .unwrap();
    assert_eq!(fresh.answer, addrs("192.0.2.1:0"));
    // Stale only once past its expiry (Chromium: expires < now).
    let later = t0 + TTL + Duration::from_millis(1);
    assert!(cache.lookup("a.test", Family::Unspecified, later).is_none());
    let stale = cache.lookup_stale("a.test", Family::Unspecified).unwrap();
    assert!(stale.is_stale(later));
    assert_eq!(stale.answer, addrs("192.0.2.1:0"));
  }

  #[test]
  fn families_and_hosts_are_separate_keys() {
    let t0 = Instant::now();
    let mut cache = HostCache::new(10);
    cache.set("a.test", Family::V4, addrs("192.0.2.1:0"), t0, TTL);
    assert!(cache.lookup("a.test", Family::Unspecified, t0).is_none());
    assert!(cache.lookup("a.test", Family::V6, t0).is_none());
    assert!(cache.lookup("A.test", Family::V4, t0).is_none());
    assert!(cache.lookup("a.test", Family::V4, t0).is_some());
    cache.set("a.test", Family::V6, addrs("[2001:db8::1]:0"), t0, TTL);
    assert_eq!(cache.len(), 2);
  }

  #[test]
  fn storing_again_replaces_the_entry() {
    let t0 = Instant::now();
    let mut cache = HostCache::new(10);
    cache.set("a.test", Family::V4, addrs("192.0.2.1:0"), t0, TTL);
    cache.set("a.test", Family::V4, addrs("192.0.2.2:0"), t0 + TTL, TTL);
    assert_eq!(cache.len(), 1);
    let entry = cache.lookup("a.test", Family::V4, t0 + TTL * 2).unwrap();
    assert_eq!(entry.answer, addrs("192.0.2.2:0"));
  }

  #[test]
  fn failures_are_stored_only_with_a_positive_ttl() {
    let t0 = Instant::now();
    let mut cache = HostCache::new(10);
    let failed = Err(NetError::ERR_NAME_NOT_RESOLVED);
    cache.set(
      "a.test",
      Family::Unspecified,
      failed.clone(),
      t0,
      Duration::ZERO,
    );
    assert!(cache.is_empty());
    cache.set("a.test", Family::Unspecified, failed.clone(), t0, TTL);
    assert_eq!(
      cache
        .lookup("a.test", Family::Unspecified, t0)
        .unwrap()
        .answer,
      failed
    );
  }

  #[test]
  fn the_cache_is_bounded_and_evicts_what_expires_first() {
    let t0 = Instant::now();
    let mut cache = HostCache::new(3);
    for (i, host) in ["a.test", "b.test", "c.test"].iter().enumerate() {
      cache.set(
        host,
        Family::Unspecified,
        addrs("192.0.2.1:0"),
        t0 + Duration::from_secs(i as u64),
        TTL,
      );
    }
    assert_eq!(cache.len(), 3);
    cache.set(
      "d.test",
      Family::Unspecified,
      addrs("192.0.2.4:0"),
      t0,
      TTL * 2,
    );
    assert_eq!(cache.len(), 3);
    // a.test expired first.
    assert!(cache.lookup_stale("a.test", Family::Unspecified).is_none());
    for host in ["b.test", "c.test", "d.test"] {
      assert!(
        cache.lookup_stale(host, Family::Unspecified).is_some(),
        "{host}"
      );
    }
    // Replacing a key in a full cache evicts nothing.
    cache.set("c.test", Family::Unspecified, addrs("192.0.2.5:0"), t0, TTL);
    assert_eq!(cache.len(), 3);
    assert!(cache.lookup_stale("b.test", Family::Unspecified).is_some());
  }

  #[test]
  fn eviction_takes_the_earliest_expiry_whichever_host_or_family() {
    let t0 = Instant::now();
    let mut cache = HostCache::new(2);
    cache.set(
      "h.test",
      Family::V4,
      addrs("192.0.2.1:0"),
      t0,
      Duration::from_secs(90),
    );
    cache.set(
      "h.test",
      Family::V6,
      addrs("[2001:db8::1]:0"),
      t0,
      Duration::from_secs(30),
    );
    cache.set("i.test", Family::V4, addrs("192.0.2.2:0"), t0, TTL);
    assert!(cache.lookup_stale("h.test", Family::V6).is_none());
    assert!(cache.lookup_stale("h.test", Family::V4).is_some());
    assert!(cache.lookup_stale("i.test", Family::V4).is_some());
    assert_eq!(cache.len(), 2);
    // A stale entry (expired before `now`) goes before any fresh one.
    let now = t0 + Duration::from_secs(70);
    cache.set("j.test", Family::V4, addrs("192.0.2.3:0"), now, TTL);
    assert!(cache.lookup_stale("i.test", Family::V4).is_none());
    assert!(cache.lookup_stale("h.test", Family::V4).is_some());
    assert!(cache.lookup_stale("j.test", Family::V4).is_some());
  }

  #[test]
  fn a_thousand_entries_stay_a_thousand() {
    let t0 = Instant::now();
    let mut cache = HostCache::new(1000);
    for i in 0..2500u32 {
      let host = format!("h{i}.test");
      let family = [Family::Unspecified, Family::V4, Family::V6][i as usize % 3];
      cache.set(
        &host,
        family,
        addrs("192.0.2.1:0"),
        t0 + Duration::from_millis(i.into()),
        TTL,
      );
      assert!(cache.len() <= 1000);
    }
    assert_eq!(cache.len(), 1000);
    // The newest 1,000 are the ones kept.
    assert!(cache.lookup_stale("h1499.test", Family::V6).is_none());
    assert!(cache
      .lookup_stale("h1500.test", Family::Unspecified)
      .is_some());
    let hosts: usize = cache.map.len();
    assert_eq!(hosts, 1000);
  }

  #[test]
  fn clear_empties_it() {
    let t0 = Instant::now();
    let mut cache = HostCache::new(10);
    cache.set("a.test", Family::V4, addrs("192.0.2.1:0"), t0, TTL);
    cache.clear();
    assert!(cache.is_empty());
    assert!(cache.lookup_stale("a.test", Family::V4).is_none());
  }
}
