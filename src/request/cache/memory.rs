//! The HTTP cache of an in-memory session: entries in a map, the least recently used evicted
//! first once the total passes the bound (Chromium's `MemBackendImpl`, 10 MiB by default).

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

use super::entry::StoredHead;

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
  head: StoredHead,
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

  pub fn get(&self, key: &str) -> Option<(StoredHead, Bytes)> {
    let mut state = self.state();
    state.tick += 1;
    let tick = state.tick;
    let entry = state.entries.get_mut(key)?;
    entry.used = tick;
    Some((entry.head.clone(), entry.body.clone()))
  }

  pub fn put(&self, head: StoredHead, body: Bytes) {
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
    evict(&mut state, self.max, &key);
  }

  /// After a 304: the merged head, the same body.
  pub fn update_head(&self, head: StoredHead) {
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

/// Drops the least recently used entries (never `keep`, the one just stored) until the total
/// fits `max`.
fn evict(state: &mut State, max: u64, keep: &str) {
  while state.size > max {
    let Some(victim) = state
      .entries
      .iter()
      .filter(|(k, _)| k.as_str() != keep)
      .min_by_key(|(_, e)| e.used)
      .map(|(k, _)| k.clone())
    else {
      return;
    };
    if let Some(old) = state.entries.remove(&victim) {
      state.size -= old.size;
    }
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
    store.put(head("a"), Bytes::from(vec![0; 100]));
    store.put(head("b"), Bytes::from(vec![0; 100]));
    assert!(store.get("a").is_some());
    store.put(head("c"), Bytes::from(vec![0; 100]));
    assert!(store.contains("a"));
    assert!(!store.contains("b"));
    assert!(store.contains("c"));
    assert_eq!(store.size(), one * 2);
  }

  #[test]
  fn replacing_and_removing_keep_the_size_right() {
    let store = MemoryStore::new(1 << 20);
    store.put(head("a"), Bytes::from(vec![0; 100]));
    store.put(head("a"), Bytes::from(vec![0; 10]));
    assert_eq!(
      store.size(),
      entry_size(&head("a"), &Bytes::from(vec![0; 10]))
    );
    store.remove("a");
    assert_eq!(store.size(), 0);
  }
}
