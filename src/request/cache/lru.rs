//! Eviction shared by both stores: the least recently used entries go first.

use std::collections::HashMap;

/// Removes the least recently used entries of `entries` (never `keep`, the one just stored)
/// until `total` fits `max`, and returns their keys (a disk store deletes their files).
pub fn evict<V, U: Ord>(
  entries: &mut HashMap<String, V>,
  total: &mut u64,
  max: u64,
  keep: &str,
  size: impl Fn(&V) -> u64,
  used: impl Fn(&V) -> U,
) -> Vec<String> {
  let mut evicted = Vec::new();
  while *total > max {
    let Some(victim) = entries
      .iter()
      .filter(|(k, _)| k.as_str() != keep)
      .min_by_key(|(_, v)| used(v))
      .map(|(k, _)| k.clone())
    else {
      break;
    };
    if let Some(old) = entries.remove(&victim) {
      *total -= size(&old);
    }
    evicted.push(victim);
  }
  evicted
}
