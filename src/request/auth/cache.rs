//! A session's remembered credentials, by protection space, sent pre-emptively.

use std::sync::Mutex;

use super::answer::{Answer, Credentials};
use crate::wire::origin::Origin;

struct CacheEntry {
  origin: Origin,
  is_proxy: bool,
  realm: String,
  /// Paths at or below this directory get the credentials pre-emptively (RFC 7617 §2.2).
  path_prefix: String,
  creds: Credentials,
  answer: Answer,
}

/// A session's remembered credentials, by protection space (origin + realm).
#[derive(Default)]
pub struct AuthCache {
  entries: Mutex<Vec<CacheEntry>>,
}

/// The directory part of a path: `/a/b/c` -> `/a/b/`.
fn directory_of(path: &str) -> String {
  match path.rfind('/') {
    Some(i) => path[..=i].to_string(),
    None => "/".to_string(),
  }
}

impl AuthCache {
  pub fn store(
    &self,
    origin: &Origin,
    is_proxy: bool,
    realm: &str,
    path: &str,
    creds: Credentials,
    answer: Answer,
  ) {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    let dir = directory_of(path);
    if let Some(e) = entries
      .iter_mut()
      .find(|e| &e.origin == origin && e.is_proxy == is_proxy && e.realm == realm)
    {
      // Keep the widest directory seen for this space (Chromium's `HttpAuthCache::Entry`).
      if e.path_prefix.starts_with(&dir) {
        e.path_prefix = dir;
      }
      e.creds = creds;
      e.answer = answer;
      return;
    }
    entries.push(CacheEntry {
      origin: origin.clone(),
      is_proxy,
      realm: realm.to_string(),
      path_prefix: dir,
      creds,
      answer,
    });
  }

  /// Pre-emptive `Authorization` for a request to `path` on `origin`, if a cached space covers it.
  pub fn preemptive(
    &self,
    origin: &Origin,
    path: &str,
    method: &str,
    target: &str,
  ) -> Option<(String, String)> {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    let entry = entries
      .iter_mut()
      .filter(|e| &e.origin == origin && !e.is_proxy && path.starts_with(&e.path_prefix))
      .max_by_key(|e| e.path_prefix.len())?;
    let value = entry
      .answer
      .header_value(&entry.creds, method, target)
      .ok()?;
    Some((entry.realm.clone(), value))
  }

  /// Pre-emptive `Proxy-Authorization` for requests through `proxy`: proxy spaces have no
  /// path (Chromium's `HttpAuthController` uses an empty path for `AUTH_PROXY`), so any cached
  /// realm of that proxy answers. `method` and `uri` are what Digest signs (`CONNECT host:port`
  /// for a tunnel).
  pub fn preemptive_proxy(&self, proxy: &Origin, method: &str, uri: &str) -> Option<String> {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    let entry = entries
      .iter_mut()
      .find(|e| &e.origin == proxy && e.is_proxy)?;
    entry.answer.header_value(&entry.creds, method, uri).ok()
  }

  /// Cached credentials for a protection space the server just challenged for.
  pub fn lookup(&self, origin: &Origin, is_proxy: bool, realm: &str) -> Option<Credentials> {
    let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    entries
      .iter()
      .find(|e| &e.origin == origin && e.is_proxy == is_proxy && e.realm == realm)
      .map(|e| e.creds.clone())
  }

  /// Forgets a space whose credentials the server rejected.
  pub fn remove(&self, origin: &Origin, is_proxy: bool, realm: &str) {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    entries.retain(|e| !(&e.origin == origin && e.is_proxy == is_proxy && e.realm == realm));
  }

  pub fn clear(&self) {
    self
      .entries
      .lock()
      .unwrap_or_else(|p| p.into_inner())
      .clear();
  }
}
