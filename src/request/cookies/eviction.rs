//! Limits and eviction: `CookieMonster::GarbageCollect`, `PurgeLeastRecentMatches` and
//! `GarbageCollectLeastRecentlyAccessed` (net/cookies/cookie_monster.cc), without the
//! origin-bound-cookies variant (off by default).

use super::canonical::{Priority, Time};
use super::change::{Change, ChangeCause};
use super::jar::CookieJar;

/// `kDomainMaxCookies` / `kDomainPurgeCookies`: a key over 180 cookies is cut to 150.
pub const DOMAIN_MAX_COOKIES: usize = 180;
pub const DOMAIN_PURGE_COOKIES: usize = 30;
/// `kMaxCookies` / `kPurgeCookies`: over 3300 cookies in all, cut to 3000.
pub const MAX_COOKIES: usize = 3300;
pub const PURGE_COOKIES: usize = 300;
/// `kDomainCookiesQuota{Low,Medium,High}`: cookies of each priority kept from a domain purge.
pub const QUOTA_LOW: usize = 30;
pub const QUOTA_MEDIUM: usize = 50;
pub const QUOTA_HIGH: usize = DOMAIN_MAX_COOKIES - DOMAIN_PURGE_COOKIES - QUOTA_LOW - QUOTA_MEDIUM;
/// `kSafeFromGlobalPurgeDays`: cookies accessed in the last 30 days survive the global purge.
pub const SAFE_FROM_GLOBAL_PURGE_DAYS: i64 = 30;

/// A cookie as the purge sees it.
#[derive(Clone)]
struct Candidate {
  key: String,
  id: u64,
  priority: Priority,
  secure: bool,
  last_access: Time,
  creation: Time,
}

/// `LRACookieSorter`: least recently accessed first, ties by creation.
fn sort_lra(list: &mut [Candidate]) {
  list.sort_by(|a, b| {
    a.last_access
      .cmp(&b.last_access)
      .then(a.creation.cmp(&b.creation))
  });
}

impl CookieJar {
  fn candidates(&self, key: &str, ids: &[u64]) -> Vec<Candidate> {
    ids
      .iter()
      .filter_map(|id| {
        let cc = self.cookie(key, *id)?;
        Some(Candidate {
          key: key.to_string(),
          id: *id,
          priority: cc.priority,
          secure: cc.secure,
          last_access: cc.last_access,
          creation: cc.creation,
        })
      })
      .collect()
  }

  /// `CookieMonster::GarbageCollect(current, key)`, run after every successful set.
  pub(super) fn garbage_collect(&mut self, current: Time, key: &str, changes: &mut Vec<Change>) {
    let safe_date = Time(
      current
        .0
        .saturating_sub(SAFE_FROM_GLOBAL_PURGE_DAYS * 86_400 * 1_000_000),
    );
    if self.map.get(key).map_or(0, Vec::len) > DOMAIN_MAX_COOKIES {
      let ids = self.expire_key(key, current, changes);
      if ids.len() > DOMAIN_MAX_COOKIES {
        let mut purge_goal = ids.len() - (DOMAIN_MAX_COOKIES - DOMAIN_PURGE_COOKIES);
        let mut list = self.candidates(key, &ids);
        sort_lra(&mut list);
        // Low non-secure, low secure, medium non-secure, high non-secure, medium secure, high
        // secure: each round keeps its priority's quota.
        const ROUNDS: [(Priority, bool); 6] = [
          (Priority::Low, true),
          (Priority::Low, false),
          (Priority::Medium, true),
          (Priority::High, true),
          (Priority::Medium, false),
          (Priority::High, false),
        ];
        for (priority, protect_secure) in ROUNDS {
          let quota = match priority {
            Priority::Low => QUOTA_LOW,
            Priority::Medium => QUOTA_MEDIUM,
            Priority::High => QUOTA_HIGH,
          };
          if purge_goal > 0 {
            purge_goal -= self.purge_least_recent_matches(
              &mut list,
              priority,
              quota,
              purge_goal,
              protect_secure,
              changes,
            );
          }
        }
      }
    }
    if self.count > MAX_COOKIES && self.earliest_access.is_none_or(|e| e < safe_date) {
      let keys: Vec<String> = self.map.keys().cloned().collect();
      let mut all = Vec::new();
      for k in keys {
        let ids = self.expire_key(&k, current, changes);
        all.extend(self.candidates(&k, &ids));
      }
      if all.len() > MAX_COOKIES {
        let purge_goal = all.len() - (MAX_COOKIES - PURGE_COOKIES);
        let (secure, non_secure): (Vec<_>, Vec<_>) = all.into_iter().partition(|c| c.secure);
        let non_secure_goal = purge_goal.min(non_secure.len());
        let (just_deleted, earliest_non_secure) =
          self.purge_least_recently_accessed(safe_date, non_secure_goal, non_secure, changes);
        if secure.is_empty() {
          self.earliest_access = earliest_non_secure;
        } else if just_deleted < purge_goal {
          let secure_goal = (purge_goal - just_deleted).min(secure.len());
          let (_, earliest_secure) =
            self.purge_least_recently_accessed(safe_date, secure_goal, secure, changes);
          self.earliest_access = match (earliest_non_secure, earliest_secure) {
            // A null (None) time is the earliest of all, as in Chromium.
            (Some(n), Some(s)) if n < s => Some(n),
            _ => earliest_secure,
          };
        }
      }
    }
  }

  /// `PurgeLeastRecentMatches`: deletes, least recently accessed first, cookies of `priority`
  /// (not the Secure ones when `protect_secure`), keeping `to_protect` of that priority.
  fn purge_least_recent_matches(
    &mut self,
    list: &mut Vec<Candidate>,
    priority: Priority,
    to_protect: usize,
    purge_goal: usize,
    protect_secure: bool,
    changes: &mut Vec<Change>,
  ) -> usize {
    let at_priority = list.iter().filter(|c| c.priority == priority).count();
    if at_priority <= to_protect {
      return 0;
    }
    let mut deletable = if protect_secure {
      let secure = list
        .iter()
        .filter(|c| c.priority == priority && c.secure)
        .count();
      at_priority - secure.max(to_protect)
    } else {
      at_priority - to_protect
    };
    let mut removed = 0;
    let mut current = 0;
    while removed < purge_goal && current < list.len() && deletable > 0 {
      let c = &list[current];
      if c.priority == priority && !(protect_secure && c.secure) {
        let c = list.remove(current);
        self.remove_entry(&c.key, c.id, Some(ChangeCause::Evicted), changes);
        removed += 1;
        deletable -= 1;
      } else {
        current += 1;
      }
    }
    removed
  }

  /// `GarbageCollectLeastRecentlyAccessed`: deletes up to `purge_goal` of the least recently
  /// accessed cookies, but only those not accessed since `safe_date`. Returns the number deleted
  /// and the access time of the first cookie kept.
  fn purge_least_recently_accessed(
    &mut self,
    safe_date: Time,
    purge_goal: usize,
    mut list: Vec<Candidate>,
    changes: &mut Vec<Change>,
  ) -> (usize, Option<Time>) {
    sort_lra(&mut list);
    let boundary = list[..purge_goal]
      .iter()
      .take_while(|c| c.last_access < safe_date)
      .count();
    for c in &list[..boundary] {
      self.remove_entry(&c.key, c.id, Some(ChangeCause::Evicted), changes);
    }
    (boundary, list.get(boundary).map(|c| c.last_access))
  }
}
