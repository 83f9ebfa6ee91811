//! The in-memory store: Chromium's `CookieMonster` (net/cookies/cookie_monster.cc) without
//! partitioned cookies. Not thread-safe; the session wraps it in a Mutex.

use super::canonical::{CanonicalCookie, SourceScheme, Time};
use super::change::{Change, ChangeCause};
use super::create;
use super::rules;
use super::same_site::SameSiteContext;
use super::status::{Exclusion, Status};
use super::CookieBacking;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use url::Url;

/// `kDefaultAccessUpdateThresholdSeconds`: a cookie's last-access time is rewritten at most once
/// a minute.
pub const LAST_ACCESS_THRESHOLD_MICROS: i64 = 60 * 1_000_000;

pub(super) struct Entry {
  pub(super) id: u64,
  pub(super) cookie: CanonicalCookie,
}

/// A session's cookies, grouped per eTLD+1 key as `CookieMonster::cookies_` (a multimap ordered by
/// key, insertion order within a key).
#[derive(Default)]
pub struct CookieJar {
  pub(super) map: BTreeMap<String, Vec<Entry>>,
  pub(super) count: usize,
  next_id: u64,
  backing: Option<Arc<dyn CookieBacking>>,
  last_time_seen: Time,
  /// `earliest_access_time_`: gates the global purge; `None` = Chromium's null time.
  pub(super) earliest_access: Option<Time>,
}

/// `CookieMonster::CookieSorter`: longest path first, then earliest creation.
pub(super) fn sort_for_request(cookies: &mut [CanonicalCookie]) {
  cookies.sort_by(request_order);
}

/// `CookieSorter`: longer paths first, then older first.
fn request_order(a: &CanonicalCookie, b: &CanonicalCookie) -> std::cmp::Ordering {
  b.path
    .len()
    .cmp(&a.path.len())
    .then(a.creation.cmp(&b.creation))
}

fn is_cookieable(url: &Url) -> bool {
  matches!(url.scheme(), "http" | "https" | "ws" | "wss")
}

fn domain_without_dot(d: &str) -> &str {
  d.strip_prefix('.').unwrap_or(d)
}

/// canonical_cookie.cc `IsSubdomainOf`.
fn is_subdomain_of(sub: &str, sup: &str) -> bool {
  if sub.is_empty() || sup.is_empty() {
    return false;
  }
  sub == sup
    || (sub.len() > sup.len()
      && sub.ends_with(sup)
      && sub.as_bytes()[sub.len() - sup.len() - 1] == b'.')
}

/// `CanonicalCookie::IsEquivalentForSecureCookieMatching`: same name, domains match in either
/// direction, and the new cookie's path is on the Secure cookie's path.
fn equivalent_for_secure_matching(cc: &CanonicalCookie, secure: &CanonicalCookie) -> bool {
  let (a, b) = (
    domain_without_dot(&cc.domain),
    domain_without_dot(&secure.domain),
  );
  cc.name == secure.name
    && (is_subdomain_of(a, b) || is_subdomain_of(b, a))
    && rules::is_on_path(&secure.path, &cc.path)
}

/// `CanonicalCookie::IsWebEquivalentTo`.
fn web_equivalent(a: &CanonicalCookie, b: &CanonicalCookie) -> bool {
  a.is_equivalent(b)
    && a.value == b.value
    && a.secure == b.secure
    && a.same_site == b.same_site
    && a.http_only == b.http_only
    && a.expiry == b.expiry
}

impl CookieJar {
  pub fn new() -> CookieJar {
    CookieJar::default()
  }

  /// Attaches the disk half: `add` / `delete` / `update_access_time` are called where
  /// `CookieMonster` calls its `PersistentCookieStore`, for persistent cookies only.
  pub fn set_backing(&mut self, backing: Arc<dyn CookieBacking>) {
    self.backing = Some(backing);
  }

  pub fn len(&self) -> usize {
    self.count
  }

  pub fn is_empty(&self) -> bool {
    self.count == 0
  }

  /// `CookieMonster::CurrentTime` (older Chromium): never twice the same creation time, so the
  /// request order (which breaks path-length ties by creation) is deterministic.
  pub(super) fn current_time(&mut self, now: Time) -> Time {
    let t = now.max(Time(self.last_time_seen.0.saturating_add(1)));
    self.last_time_seen = t;
    t
  }

  /// Cookies read from disk when the store opens (`StoreLoadedCookies`): inserted without change
  /// events or writes back. As in Chromium, expired ones are kept and go (with an `expired`
  /// change and a disk delete) the next time their key is touched; duplicates (same name, domain
  /// and path) keep the newest creation (`TrimDuplicateCookiesForKey`).
  ///
  /// Duplicates are found through a map of the loaded ones, not a scan of their key's list: a
  /// file with 100,000 cookies under one domain took 15 s of the JS thread to load.
  pub fn load(&mut self, cookies: Vec<CanonicalCookie>) {
    // In file order, each duplicate's place taken by the newest of its kind.
    let mut newest: Vec<CanonicalCookie> = Vec::with_capacity(cookies.len());
    let mut at: HashMap<(String, String, String), usize> = HashMap::new();
    for cc in cookies {
      let identity = (cc.domain.clone(), cc.name.clone(), cc.path.clone());
      match at.get(&identity) {
        Some(&i) if newest[i].creation >= cc.creation => {}
        Some(&i) => newest[i] = cc,
        None => {
          at.insert(identity, newest.len());
          newest.push(cc);
        }
      }
    }
    // Keys that had cookies before this load (set before the store opened): only theirs can
    // hold an equivalent one.
    let before: HashMap<String, usize> = self
      .map
      .iter()
      .map(|(key, list)| (key.clone(), list.len()))
      .collect();
    for cc in newest {
      if self.earliest_access.is_none_or(|e| cc.last_access < e) {
        self.earliest_access = Some(cc.last_access);
      }
      self.last_time_seen = self.last_time_seen.max(cc.creation);
      let key = rules::key_for(&cc.domain);
      let had = before.get(&key).copied().unwrap_or(0);
      if let Some(list) = self.map.get(&key).filter(|_| had > 0) {
        if let Some(i) = list[..had.min(list.len())]
          .iter()
          .position(|e| e.cookie.is_equivalent(&cc))
        {
          // One already in memory (a second load): the newer stays.
          if list[i].cookie.creation >= cc.creation {
            continue;
          }
          let id = list[i].id;
          self.remove_entry(&key, id, None, &mut Vec::new());
        }
      }
      self.insert(key, cc, None, &mut Vec::new());
    }
  }

  /// `InternalInsertCookie`.
  pub(super) fn insert(
    &mut self,
    key: String,
    cc: CanonicalCookie,
    cause: Option<ChangeCause>,
    changes: &mut Vec<Change>,
  ) {
    if cause.is_some() && cc.is_persistent() {
      if let Some(b) = &self.backing {
        b.add(&cc);
      }
    }
    if let Some(cause) = cause {
      changes.push(Change {
        cookie: cc.clone(),
        cause,
      });
    }
    let id = self.next_id;
    self.next_id += 1;
    self
      .map
      .entry(key)
      .or_default()
      .push(Entry { id, cookie: cc });
    self.count += 1;
  }

  /// `InternalDeleteCookie`. `cause` None: a load-time duplicate, dropped silently.
  pub(super) fn remove_entry(
    &mut self,
    key: &str,
    id: u64,
    cause: Option<ChangeCause>,
    changes: &mut Vec<Change>,
  ) -> Option<CanonicalCookie> {
    let list = self.map.get_mut(key)?;
    let i = list.iter().position(|e| e.id == id)?;
    let cc = list.remove(i).cookie;
    if list.is_empty() {
      self.map.remove(key);
    }
    self.count -= 1;
    if cause.is_some() && cc.is_persistent() {
      if let Some(b) = &self.backing {
        b.delete(&cc);
      }
    }
    if let Some(cause) = cause {
      changes.push(Change {
        cookie: cc.clone(),
        cause,
      });
    }
    Some(cc)
  }

  /// Deletes the expired cookies of `key` (`FindCookiesForRegistryControlledHost` /
  /// `GarbageCollectExpired`) and returns the ids of the others, in store order.
  pub(super) fn expire_key(&mut self, key: &str, now: Time, changes: &mut Vec<Change>) -> Vec<u64> {
    let Some(list) = self.map.get(key) else {
      return Vec::new();
    };
    let (expired, live): (Vec<_>, Vec<_>) = list
      .iter()
      .map(|e| (e.id, e.cookie.is_expired(now)))
      .partition(|x| x.1);
    for (id, _) in expired {
      self.remove_entry(key, id, Some(ChangeCause::Expired), changes);
    }
    live.into_iter().map(|x| x.0).collect()
  }

  pub(super) fn cookie(&self, key: &str, id: u64) -> Option<&CanonicalCookie> {
    self
      .map
      .get(key)?
      .iter()
      .find(|e| e.id == id)
      .map(|e| &e.cookie)
  }

  /// `CookieMonster::SetCanonicalCookie`. Returns the final status.
  pub(super) fn set_canonical(
    &mut self,
    mut cc: CanonicalCookie,
    url: &Url,
    exclude_httponly: bool,
    context: SameSiteContext,
    status: Status,
    changes: &mut Vec<Change>,
  ) -> Status {
    let (mut status, allowed_secure) =
      create::is_set_permitted(&cc, url, exclude_httponly, context, status);
    let key = rules::key_for(&cc.domain);
    let creation = cc.creation;
    let already_expired = cc.is_expired(creation);

    // MaybeDeleteEquivalentCookieAndUpdateStatus ("Leave Secure Cookies Alone", HttpOnly).
    let mut candidate = None;
    if let Some(list) = self.map.get(&key) {
      for e in list {
        let existing = &e.cookie;
        if existing.secure && !allowed_secure && equivalent_for_secure_matching(&cc, existing) {
          status.exclude(Exclusion::OverwriteSecure);
        }
        if cc.is_equivalent(existing) {
          if exclude_httponly && existing.http_only {
            status.exclude(Exclusion::OverwriteHttpOnly);
          } else {
            candidate = Some((e.id, existing.value == cc.value, existing.creation));
          }
        }
      }
    }
    let mut replaced = None;
    let mut inherit = None;
    if let Some((id, same_value, old_creation)) = candidate {
      if same_value {
        inherit = Some(old_creation);
      }
      if status.is_include() {
        let cause = if already_expired {
          ChangeCause::ExpiredOverwrite
        } else {
          ChangeCause::Overwrite
        };
        replaced = self.remove_entry(&key, id, Some(cause), changes);
      }
    }
    if !status.is_include() {
      return status;
    }
    if !already_expired {
      if let Some(c) = inherit {
        cc.creation = c;
      }
      let cause = match &replaced {
        Some(old) if web_equivalent(old, &cc) => ChangeCause::InsertedNoChangeOverwrite,
        Some(old) if old.value == cc.value => ChangeCause::InsertedNoValueChangeOverwrite,
        _ => ChangeCause::Inserted,
      };
      self.insert(key.clone(), cc, Some(cause), changes);
    }
    self.garbage_collect(creation, &key, changes);
    status
  }

  /// Stores the `Set-Cookie` values of one response to `url`, in the SameSite `context` of the
  /// request (`context_for_response`). Invalid or refused lines are ignored, as Chromium does.
  pub fn set_from_response(
    &mut self,
    url: &Url,
    set_cookie: &[&str],
    context: SameSiteContext,
    now: Time,
    changes: &mut Vec<Change>,
  ) {
    for line in set_cookie {
      let creation = self.current_time(now);
      let Ok(cc) = create::create(url, line, creation) else {
        continue;
      };
      let mut status = Status::include();
      if cc.secure
        && cc.source_scheme == SourceScheme::Secure
        && !rules::scheme_is_cryptographic(url)
      {
        status.warn(super::status::Warning::TentativelyAllowingSecureSourceScheme);
      }
      self.set_canonical(cc, url, false, context, status, changes);
    }
  }

  /// The cookies a request to `url` carries, in Chromium's order (`GetCookieListWithOptions`):
  /// expired ones of the key are deleted on the way.
  pub(super) fn matching(
    &mut self,
    url: &Url,
    exclude_httponly: bool,
    context: SameSiteContext,
    now: Time,
    changes: &mut Vec<Change>,
  ) -> Vec<CanonicalCookie> {
    if !is_cookieable(url) {
      return Vec::new();
    }
    let key = rules::key_for(url.host_str().unwrap_or(""));
    let ids = self.expire_key(&key, now, changes);
    let mut list: Vec<CanonicalCookie> = ids
      .iter()
      .filter_map(|id| self.cookie(&key, *id).cloned())
      .collect();
    sort_for_request(&mut list);
    list.retain(|cc| create::include_for_request(cc, url, exclude_httponly, context).is_include());
    list
  }

  /// The `Cookie` header for a request to `url` in `context` (None: no cookie): Chromium's order,
  /// httpOnly included; each sent cookie's last-access time is updated (at most once a minute).
  pub fn cookie_header(
    &mut self,
    url: &Url,
    context: SameSiteContext,
    now: Time,
    changes: &mut Vec<Change>,
  ) -> Option<String> {
    if !is_cookieable(url) {
      return None;
    }
    let key = rules::key_for(url.host_str().unwrap_or(""));
    self.expire_key(&key, now, changes);
    let backing = self.backing.clone();
    let entries = self.map.get_mut(&key)?;
    // What `matching` selects, in its order, without copying a cookie: this runs for every hop
    // of every request that sends cookies (bench W1/W2 with 20 cookies).
    let mut picked: Vec<usize> = (0..entries.len())
      .filter(|&i| {
        create::include_for_request(&entries[i].cookie, url, false, context).is_include()
      })
      .collect();
    if picked.is_empty() {
      return None;
    }
    picked.sort_by(|&a, &b| request_order(&entries[a].cookie, &entries[b].cookie));
    let mut line = String::with_capacity(picked.len() * 32);
    for &i in &picked {
      let e = &mut entries[i];
      // InternalUpdateCookieAccessTime.
      if now.0.saturating_sub(e.cookie.last_access.0) >= LAST_ACCESS_THRESHOLD_MICROS {
        e.cookie.last_access = now;
        if e.cookie.is_persistent() {
          if let Some(b) = &backing {
            b.update_access_time(&e.cookie);
          }
        }
      }
      if !line.is_empty() {
        line.push_str("; ");
      }
      // A nameless cookie is sent as its bare value (AppendCookieLineEntry).
      if !e.cookie.name.is_empty() {
        line.push_str(&e.cookie.name);
        line.push('=');
      }
      line.push_str(&e.cookie.value);
    }
    Some(line)
  }

  /// Every cookie, expired ones deleted first (`GetAllCookies`), in `CookieSorter` order.
  pub(super) fn all(&mut self, now: Time, changes: &mut Vec<Change>) -> Vec<CanonicalCookie> {
    let keys: Vec<String> = self.map.keys().cloned().collect();
    for key in keys {
      self.expire_key(&key, now, changes);
    }
    let mut list: Vec<CanonicalCookie> = self
      .map
      .values()
      .flatten()
      .map(|e| e.cookie.clone())
      .collect();
    sort_for_request(&mut list);
    list
  }

  /// Deletes, in store order, every cookie `pred` accepts, with cause `explicit`
  /// (`DeleteMatchingCookies`).
  pub(super) fn delete_matching(
    &mut self,
    pred: impl Fn(&CanonicalCookie) -> bool,
    changes: &mut Vec<Change>,
  ) {
    let doomed: Vec<(String, u64)> = self
      .map
      .iter()
      .flat_map(|(k, list)| {
        list
          .iter()
          .filter(|e| pred(&e.cookie))
          .map(move |e| (k.clone(), e.id))
      })
      .collect();
    for (key, id) in doomed {
      self.remove_entry(&key, id, Some(ChangeCause::Explicit), changes);
    }
  }

  /// `ses.cookies.remove(url, name)`: the cookies called `name` that a request to `url` would
  /// carry with every option allowed (`CookieDeletionInfo::Matches` with `MakeAllInclusive`).
  pub fn remove(&mut self, url: &Url, name: &str, _now: Time, changes: &mut Vec<Change>) {
    self.delete_matching(
      |cc| {
        cc.name == name
          && create::include_for_request(cc, url, false, SameSiteContext::SameSiteStrict)
            .is_include()
      },
      changes,
    );
  }

  /// `clearStorageData({storages:['cookies'], origin?})` / `clearData()`: every cookie, or with an
  /// origin the HOST cookies of its host (StoragePartitionImpl sets `host_name`, and
  /// `CookieDeletionInfo` matches `IsHostCookie() && IsDomainMatch(host)`: domain cookies stay).
  pub fn clear(&mut self, origin_host: Option<&str>, changes: &mut Vec<Change>) {
    match origin_host {
      None => self.delete_matching(|_| true, changes),
      Some(host) => self.delete_matching(|cc| belongs_to(cc, host), changes),
    }
  }

  /// `clearData({ excludeOrigins })`: every cookie but those `clear(Some(host))` would delete
  /// for one of `kept_hosts` (Chromium's filter in its preserve mode).
  pub fn clear_except(&mut self, kept_hosts: &[String], changes: &mut Vec<Change>) {
    self.delete_matching(
      |cc| !kept_hosts.iter().any(|host| belongs_to(cc, host)),
      changes,
    );
  }
}

/// Whether clearing the data of `host` takes `cc` (`clearStorageData({ origin })`,
/// `clearData({ origins })`).
fn belongs_to(cc: &CanonicalCookie, host: &str) -> bool {
  cc.host_only() && rules::is_domain_match(&cc.domain, host)
}
