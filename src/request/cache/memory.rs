//! The HTTP cache of an in-memory session: entries in a map, the least recently used evicted
//! first once the total passes the bound (Chromium's `MemBackendImpl`, 10 MiB by default).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::entry::StoredHead;
use super::lru;

pub struct MemoryStore {
  max: u64,
  state: Mutex<State>,
}

#[derive(Default)]
struct State {
  entries: HashMap<String, Entry>,
  size: u64,
  tick: u64,
}

struct Entry {
  /// Shared with the requests it answers: a hit copies no header.
  head: Arc<StoredHead>,
  body: Bytes,
  size: u64,
  used: u64,
}

fn entry_size(head: &StoredHead, body: &Bytes) -> u64 {
  (head.encode().len() + body.len()) as u64
}

impl MemoryStore {
  pub fn new(max: u64) -> MemoryStore {
    MemoryStore {
      max,
      state: Mutex::default(),
    }
  }

  fn state(&self) -> std::sync::MutexGuard<'_, State> {
    self.state.lock().unwrap_or_else(|p| p.into_inner())
  }

  #[cfg(test)]
  pub fn contains(&self, key: &str) -> bool {
    self.state().entries.contains_key(key)
  }

  pub fn get(&self, key: &str) -> Option<(Arc<StoredHead>, Bytes)> {
    let mut state = self.state();
    state.tick += 1;
    let tick = state.tick;
    let entry = state.entries.get_mut(key)?;
    entry.used = tick;
    Some((entry.head.clone(), entry.body.clone()))
  }

  pub fn put(&self, head: Arc<StoredHead>, body: Bytes) {
    let size = entry_size(&head, &body);
    let mut state = self.state();
    state.tick += 1;
    let used = state.tick;
    let key = head.key.clone();
    if let Some(old) = state.entries.insert(
      key.clone(),
      Entry {
        head,
        body,
        size,
        used,
      },
    ) {
      state.size -= old.size;
    }
    state.size += size;
    let State { entries, size, .. } = &mut *state;
    lru::evict(entries, size, self.max, &key, |e| e.size, |e| e.used);
  }

  /// After a 304: the merged head, the same body.
  pub fn update_head(&self, head: Arc<StoredHead>) {
    let mut state = self.state();
    let Some(entry) = state.entries.get_mut(&head.key) else {
      return;
    };
    let size = entry_size(&head, &entry.body);
    let old = std::mem::replace(&mut entry.size, size);
    entry.head = head;
    state.size = state.size - old + size;
  }

  pub fn remove(&self, key: &str) {
    let mut state = self.state();
    if let Some(old) = state.entries.remove(key) {
      state.size -= old.size;
    }
  }

  pub fn clear(&self) {
    let mut state = self.state();
    state.entries.clear();
    state.size = 0;
  }

  pub fn size(&self) -> u64 {
    self.state().size
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::UNIX_EPOCH;

  fn head(key: &str) -> StoredHead {
    StoredHead {
      key: key.into(),
      status: 200,
      status_text: "OK".into(),
      http_version: "1.1".into(),
      headers: vec![],
      vary_request: vec![],
      response_time: UNIX_EPOCH,
    }
  }

  #[test]
  fn evicts_the_least_recently_used_first() {
    let one = entry_size(&head("a"), &Bytes::from(vec![0; 100]));
    let store = MemoryStore::new(one * 2);
    store.put(Arc::new(head("a")), Bytes::from(vec![0; 100]));
    store.put(Arc::new(head("b")), Bytes::from(vec![0; 100]));
    assert!(store.get("a").is_some());
    store.put(Arc::new(head("c")), Bytes::from(vec![0; 100]));
    assert!(store.contains("a"));
    assert!(!store.contains("b"));
    assert!(store.contains("c"));
    assert_eq!(store.size(), one * 2);
  }

  #[test]
  fn replacing_and_removing_keep_the_size_right() {
    let store = MemoryStore::new(1 << 20);
    store.put(Arc::new(head("a")), Bytes::from(vec![0; 100]));
    store.put(Arc::new(head("a")), Bytes::from(vec![0; 10]));
    assert_eq!(
      store.size(),
      entry_size(&head("a"), &Bytes::from(vec![0; 10]))
    );
    store.remove("a");
    assert_eq!(store.size(), 0);
  }
}
