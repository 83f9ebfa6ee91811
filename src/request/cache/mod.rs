//! A session's HTTP cache (RFC 9111, as Chromium's `HttpCache` applies it to one user): on disk
//! under a persistent session's storage path, in memory otherwise, or off
//! (`fromPartition(name, { cache: false })`).
//!
//! - [`policy`]: the rules (via `http-cache-semantics`) and the `cache` modes;
//! - [`entry`]: what an entry keeps and its encoding; [`memory`] and [`disk`]: the two stores.
//!
//! The hop loop (`request/hop.rs`) asks [`HttpCache::lookup`] before going to the network,
//! sends the validators of a stale entry, turns a 304 into the stored response, and tees a
//! storable body into a [`CacheWriter`] as it streams to JS (`request/download.rs`). An entry
//! is stored only once its whole body went through: an aborted or failed body leaves the
//! previous entry, if any.

pub mod disk;
pub mod entry;
mod lru;
pub mod memory;
pub mod policy;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use crate::config::TUNING;
use crate::errors::NetError;
use crate::wire::transport::StoredBody;
use disk::{DiskStore, DiskWriter};
use entry::StoredHead;
use memory::MemoryStore;

enum Store {
  Memory(Arc<MemoryStore>),
  Disk(Arc<DiskStore>),
}

pub struct HttpCache {
  store: Store,
  enabled: AtomicBool,
}

/// An entry found for a request: its head, and its body ready to be read.
pub struct Cached {
  pub head: Arc<StoredHead>,
  pub body: Box<dyn StoredBody>,
}

/// The cache key of a request to `url`: the URL without its fragment (the hop loop has taken
/// its credentials out).
pub fn key(url: &url::Url) -> &str {
  &url[..url::Position::AfterQuery]
}

/// Where Electron keeps a session's cache, under its storage path.
pub fn directory(storage: &Path) -> std::path::PathBuf {
  storage.join("Cache").join("Cache_Data")
}

impl HttpCache {
  pub fn new(storage: Option<&Path>) -> HttpCache {
    let store = match storage {
      Some(dir) => Store::Disk(Arc::new(DiskStore::new(
        directory(dir),
        TUNING.http_cache_disk_max,
      ))),
      None => Store::Memory(Arc::new(MemoryStore::new(TUNING.http_cache_memory_max))),
    };
    HttpCache {
      store,
      enabled: AtomicBool::new(true),
    }
  }

  /// `fromPartition(name, { cache: false })`.
  pub fn set_enabled(&self, enabled: bool) {
    self.enabled.store(enabled, Ordering::Relaxed);
  }

  pub fn is_enabled(&self) -> bool {
    self.enabled.load(Ordering::Relaxed)
  }

  fn max_entry(&self) -> u64 {
    let max = match &self.store {
      Store::Memory(_) => TUNING.http_cache_memory_max,
      Store::Disk(_) => TUNING.http_cache_disk_max,
    };
    max / TUNING.http_cache_entry_fraction
  }

  /// The entry stored for `key`, checked; a disk store is read off the engine's threads.
  pub async fn lookup(&self, key: &str) -> Option<Cached> {
    match &self.store {
      Store::Memory(m) => {
        let (head, body) = m.get(key)?;
        Some(Cached {
          head,
          body: Box::new(MemoryBody(body)),
        })
      }
      Store::Disk(d) => {
        if let Some((head, body)) = d.hot.get(key) {
          return Some(Cached {
            head,
            body: Box::new(MemoryBody(body)),
          });
        }
        // Most lookups miss: the index answers those without touching the disk.
        let name = disk::file_name(key);
        let may_have = match d.may_have(&name) {
          Some(may_have) => may_have,
          None => {
            let opener = d.clone();
            blocking(move || opener.open()).await?;
            d.may_have(&name) == Some(true)
          }
        };
        if !may_have {
          return None;
        }
        let d = d.clone();
        let key = key.to_string();
        let (head, body) = blocking(move || d.get_body(&key)).await??;
        Some(Cached { head, body })
      }
    }
  }

  /// Starts storing a response whose head is `head`; its body follows through the writer.
  pub fn writer(&self, head: StoredHead) -> Option<CacheWriter> {
    let limit = self.max_entry();
    let kind = match &self.store {
      Store::Memory(m) => WriterKind::Memory {
        store: m.clone(),
        head: Arc::new(head),
        body: BytesMut::new(),
      },
      Store::Disk(d) => WriterKind::Disk(d.begin(&head)?),
    };
    Some(CacheWriter {
      kind: Some(kind),
      limit,
    })
  }

  /// Replaces the head of `head.key`'s entry (`previous`) after a 304, keeping its body.
  pub async fn update_head(&self, head: Arc<StoredHead>, previous: &StoredHead) {
    match &self.store {
      Store::Memory(m) => m.update_head(head),
      Store::Disk(d) => {
        if d.head_changed(&head, previous) {
          let d = d.clone();
          blocking(move || d.update_head(&head)).await;
        }
      }
    }
  }

  /// Forgets the entry of `key` (an unsafe method succeeded on it, RFC 9111 §4.4).
  pub fn invalidate(&self, key: &str) {
    match &self.store {
      Store::Memory(m) => m.remove(key),
      Store::Disk(d) => d.remove(key),
    }
  }

  /// `ses.clearCache()` (blocking for a disk store).
  pub fn clear(&self) {
    match &self.store {
      Store::Memory(m) => m.clear(),
      Store::Disk(d) => d.clear(),
    }
  }

  /// `ses.getCacheSize()` (blocking for a disk store).
  pub fn size(&self) -> u64 {
    match &self.store {
      Store::Memory(m) => m.size(),
      Store::Disk(d) => d.size(),
    }
  }
}

/// Runs file work on tokio's blocking threads, never on the JS thread or an engine worker.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
  crate::wire::runtime::runtime()
    .spawn_blocking(work)
    .await
    .ok()
}

pub(crate) struct MemoryBody(pub(crate) Bytes);

impl StoredBody for MemoryBody {
  fn read(&mut self, max: usize) -> Result<Option<Bytes>, NetError> {
    if self.0.is_empty() {
      return Ok(None);
    }
    let n = self.0.len().min(max);
    Ok(Some(self.0.split_to(n)))
  }

  fn is_done(&self) -> bool {
    self.0.is_empty()
  }
}

/// A response body on its way into the cache, as it streams to JS (the bytes as received,
/// still content-encoded). Dropped without [`CacheWriter::commit`], it stores nothing.
pub struct CacheWriter {
  kind: Option<WriterKind>,
  limit: u64,
}

enum WriterKind {
  Memory {
    store: Arc<MemoryStore>,
    head: Arc<StoredHead>,
    body: BytesMut,
  },
  Disk(DiskWriter),
}

impl CacheWriter {
  /// Adds body bytes; a body past the entry limit, or a failed write, abandons the entry.
  pub fn push(&mut self, data: &[u8]) {
    let over = match &mut self.kind {
      None => return,
      Some(WriterKind::Memory { body, .. }) => {
        body.extend_from_slice(data);
        body.len() as u64 > self.limit
      }
      Some(WriterKind::Disk(w)) => !w.push(data) || w.body_len() > self.limit,
    };
    if over {
      self.kind = None;
    }
  }

  /// The whole body went through: the entry replaces any previous one.
  pub fn commit(mut self) {
    match self.kind.take() {
      Some(WriterKind::Memory { store, head, body }) => store.put(head, body.freeze()),
      Some(WriterKind::Disk(w)) => w.commit(),
      None => {}
    }
  }
}
