//! The HTTP cache of a persistent session: one file per entry under `<storage>/Cache/Cache_Data`
//! (where Electron keeps its cache), named after a hash of the key, in the format of
//! [`super::entry`]. An entry is written to a temporary file and renamed into place when its
//! body is complete, so a crash leaves either the old entry or the new one; every read checks
//! the whole file's checksum first, so a damaged entry is deleted and fetched again, never
//! delivered. Other processes opening the same session see the same files.
//!
//! The directory is scanned once, on first use (off the JS thread), into an index of sizes and
//! last uses (file modification times), which decides what a lookup may find without touching
//! the disk and what to evict once the total passes the bound (least recently used first).
//!
//! Small entries this process stored or read are also kept in memory (`hot`, a bounded LRU), so
//! a hit on them costs no file read; entries changed by another process meanwhile are seen
//! once they leave it.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::entry::{StoredHead, MAGIC, TRAILER};
use super::lru;
use super::memory::MemoryStore;
use crate::errors::NetError;
use crate::wire::transport::StoredBody;

const SUFFIX: &str = ".entry";
/// A temporary file older than this was left by a crash, not by a write under way.
const STALE_TEMP: Duration = Duration::from_secs(600);
const BLOCK: usize = 64 * 1024;
/// The largest body kept in memory as well, and the memory all of them may take.
const HOT_BODY_MAX: u64 = 64 * 1024;
const HOT_MAX: u64 = 2 * 1024 * 1024;

pub struct DiskStore {
  dir: PathBuf,
  max: u64,
  index: Mutex<Option<Index>>,
  pub hot: MemoryStore,
}

#[derive(Default)]
struct Index {
  files: HashMap<String, FileInfo>,
  size: u64,
}

#[derive(Clone, Copy)]
struct FileInfo {
  size: u64,
  used: SystemTime,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The file name of the entry for `key`: 128 bits of its SHA-256 (the key itself is inside).
pub fn file_name(key: &str) -> String {
  let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
  const HEX: &[u8; 16] = b"0123456789abcdef";
  let mut name = String::with_capacity(32 + SUFFIX.len());
  for b in &digest.as_ref()[..16] {
    name.push(HEX[usize::from(b >> 4)] as char);
    name.push(HEX[usize::from(b & 15)] as char);
  }
  name.push_str(SUFFIX);
  name
}

impl DiskStore {
  pub fn new(dir: PathBuf, max: u64) -> DiskStore {
    DiskStore {
      dir,
      max,
      index: Mutex::new(None),
      hot: MemoryStore::new(HOT_MAX),
    }
  }

  /// The index, scanning the directory if this is the first use (blocking: call off the JS
  /// thread). A directory that cannot be created or read gives an empty index: nothing is
  /// found, and writes fail quietly, so requests go to the network as without a cache.
  fn index(&self) -> MutexGuard<'_, Option<Index>> {
    let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
    if index.is_none() {
      *index = Some(scan(&self.dir));
    }
    index
  }

  /// Opens the index (blocking).
  pub fn open(&self) {
    drop(self.index());
  }

  /// Whether an entry named `name` may exist, without touching the disk; `None` until the
  /// index was read.
  pub fn may_have(&self, name: &str) -> Option<bool> {
    let index = self.index.lock().unwrap_or_else(|p| p.into_inner());
    index.as_ref().map(|i| i.files.contains_key(name))
  }

  /// The entry for `key`, verified (blocking), its body read into memory (and kept hot) when
  /// small. A damaged or foreign file is deleted.
  pub fn get_body(&self, key: &str) -> Option<(Arc<StoredHead>, Box<dyn StoredBody>)> {
    let (head, mut body) = self.get(key)?;
    let head = Arc::new(head);
    if body.remaining > HOT_BODY_MAX {
      return Some((head, Box::new(body)));
    }
    let mut all = Vec::with_capacity(body.remaining as usize);
    while let Ok(Some(chunk)) = body.read(BLOCK) {
      all.extend_from_slice(&chunk);
    }
    if !body.is_done() {
      return None;
    }
    let all = Bytes::from(all);
    self.hot.put(head.clone(), all.clone());
    Some((head, Box::new(super::MemoryBody(all))))
  }

  /// The entry for `key`, verified (blocking). A damaged or foreign file is deleted.
  pub fn get(&self, key: &str) -> Option<(StoredHead, DiskBody)> {
    let name = file_name(key);
    if !self.index().as_ref()?.files.contains_key(&name) {
      return None;
    }
    let path = self.dir.join(&name);
    match read_entry(&path) {
      Ok(Some((head, body))) if head.key == key => {
        self.touch(&name, &path);
        Some((head, body))
      }
      // Another key with the same hash, vanishingly unlikely: a miss, the file left alone.
      Ok(Some(_)) => None,
      Ok(None) => {
        self.forget(&name);
        let _ = fs::remove_file(&path);
        None
      }
      Err(_) => {
        // Gone (another process evicted it) or unreadable: forget it.
        self.forget(&name);
        None
      }
    }
  }

  fn touch(&self, name: &str, path: &Path) {
    let now = SystemTime::now();
    if let Some(info) = self.index().as_mut().and_then(|i| i.files.get_mut(name)) {
      info.used = now;
    }
    // The order survives for the next process; failing to record it costs nothing else.
    if let Ok(f) = File::options().append(true).open(path) {
      let _ = f.set_modified(now);
    }
  }

  fn forget(&self, name: &str) {
    if let Some(index) = self.index().as_mut() {
      if let Some(old) = index.files.remove(name) {
        index.size -= old.size;
      }
    }
  }

  /// Starts writing an entry (blocking); `None` if the directory cannot take it.
  pub fn begin(self: &Arc<Self>, head: &StoredHead) -> Option<DiskWriter> {
    drop(self.index());
    let name = file_name(&head.key);
    let temp = self.dir.join(format!(
      "{name}.tmp-{}-{}",
      std::process::id(),
      TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut file = File::create(&temp).ok()?;
    let encoded = head.encode();
    let mut crc = crc32fast::Hasher::new();
    let mut start = Vec::with_capacity(MAGIC.len() + 4 + encoded.len());
    start.extend_from_slice(MAGIC);
    start.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    start.extend_from_slice(&encoded);
    crc.update(&start);
    if file.write_all(&start).is_err() {
      let _ = fs::remove_file(&temp);
      return None;
    }
    Some(DiskWriter {
      store: self.clone(),
      name,
      temp,
      file: Some(file),
      crc,
      body_len: 0,
      hot: Some((Arc::new(head.clone()), Vec::new())),
    })
  }

  /// Puts a finished temporary file in place of the entry and evicts what no longer fits.
  fn commit(&self, name: &str, temp: &Path, size: u64) -> bool {
    if fs::rename(temp, self.dir.join(name)).is_err() {
      let _ = fs::remove_file(temp);
      return false;
    }
    let mut guard = self.index();
    let Some(index) = guard.as_mut() else {
      return true;
    };
    let info = FileInfo {
      size,
      used: SystemTime::now(),
    };
    if let Some(old) = index.files.insert(name.to_string(), info) {
      index.size -= old.size;
    }
    index.size += size;
    let Index { files, size } = index;
    for victim in lru::evict(files, size, self.max, name, |i| i.size, |i| i.used) {
      let _ = fs::remove_file(self.dir.join(victim));
    }
    true
  }

  /// After a 304: whether the entry on disk must be rewritten (see [`DiskStore::update_head`]):
  /// not when only its `Date` and receiving time changed (each 304 brings those). The copy in
  /// memory takes the new head at once; another process revalidates its own once more at worst.
  pub fn head_changed(&self, head: &Arc<StoredHead>, previous: &StoredHead) -> bool {
    self.hot.update_head(head.clone());
    let significant = |h: &StoredHead| {
      h.headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("date"))
        .cloned()
        .collect::<Vec<_>>()
    };
    significant(head) != significant(previous)
  }

  /// Rewrites the entry with the merged head and the same body (blocking).
  pub fn update_head(self: &Arc<Self>, head: &StoredHead) {
    let Some((_, mut body)) = self.get(&head.key) else {
      return;
    };
    let Some(mut writer) = self.begin(head) else {
      return;
    };
    while let Ok(Some(chunk)) = body.read(BLOCK) {
      if !writer.push(&chunk) {
        return;
      }
    }
    writer.commit();
  }

  pub fn remove(&self, key: &str) {
    self.hot.remove(key);
    let name = file_name(key);
    self.forget(&name);
    let _ = fs::remove_file(self.dir.join(name));
  }

  /// Deletes every entry (blocking).
  pub fn clear(&self) {
    self.hot.clear();
    let mut guard = self.index();
    if let Some(index) = guard.as_mut() {
      for name in index.files.keys() {
        let _ = fs::remove_file(self.dir.join(name));
      }
      *index = Index::default();
    }
    // Entries another process wrote since the scan go too.
    if let Ok(dir) = fs::read_dir(&self.dir) {
      for entry in dir.flatten() {
        if entry.file_name().to_string_lossy().ends_with(SUFFIX) {
          let _ = fs::remove_file(entry.path());
        }
      }
    }
  }

  /// The total size of the entries (blocking on first use).
  pub fn size(&self) -> u64 {
    self.index().as_ref().map_or(0, |i| i.size)
  }
}

fn scan(dir: &Path) -> Index {
  let mut index = Index::default();
  if fs::create_dir_all(dir).is_err() {
    return index;
  }
  let Ok(entries) = fs::read_dir(dir) else {
    return index;
  };
  let now = SystemTime::now();
  for entry in entries.flatten() {
    let name = entry.file_name().to_string_lossy().into_owned();
    let Ok(meta) = entry.metadata() else { continue };
    let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    if name.contains(".tmp-") {
      if now.duration_since(used).unwrap_or_default() > STALE_TEMP {
        let _ = fs::remove_file(entry.path());
      }
      continue;
    }
    if !name.ends_with(SUFFIX) || !meta.is_file() {
      continue;
    }
    index.size += meta.len();
    index.files.insert(
      name,
      FileInfo {
        size: meta.len(),
        used,
      },
    );
  }
  index
}

/// Reads and checks the entry at `path`: `Ok(None)` when it is not a whole, intact entry.
fn read_entry(path: &Path) -> std::io::Result<Option<(StoredHead, DiskBody)>> {
  let mut file = File::open(path)?;
  let len = file.metadata()?.len();
  let fixed = (MAGIC.len() + 4 + TRAILER) as u64;
  if len < fixed {
    return Ok(None);
  }
  // The checksum over everything but itself, read in blocks.
  let mut crc = crc32fast::Hasher::new();
  let mut remaining = len - 4;
  let mut block = vec![0u8; BLOCK];
  let mut first = Vec::new();
  while remaining > 0 {
    let n = remaining.min(BLOCK as u64) as usize;
    file.read_exact(&mut block[..n])?;
    crc.update(&block[..n]);
    if first.len() < MAGIC.len() + 4 {
      first.extend_from_slice(&block[..n]);
    }
    remaining -= n as u64;
  }
  let mut trailer = [0u8; TRAILER];
  file.seek(SeekFrom::Start(len - TRAILER as u64))?;
  file.read_exact(&mut trailer)?;
  let body_len = u64::from_le_bytes(trailer[..8].try_into().unwrap_or_default());
  let stored_crc = u32::from_le_bytes(trailer[8..].try_into().unwrap_or_default());
  if crc.finalize() != stored_crc || &first[..MAGIC.len()] != MAGIC {
    return Ok(None);
  }
  let head_len = u32::from_le_bytes(
    first[MAGIC.len()..MAGIC.len() + 4]
      .try_into()
      .unwrap_or_default(),
  ) as u64;
  if fixed
    .checked_add(head_len)
    .and_then(|n| n.checked_add(body_len))
    != Some(len)
  {
    return Ok(None);
  }
  let mut head = vec![0u8; head_len as usize];
  file.seek(SeekFrom::Start((MAGIC.len() + 4) as u64))?;
  file.read_exact(&mut head)?;
  let Some(head) = StoredHead::decode(&head) else {
    return Ok(None);
  };
  Ok(Some((
    head,
    DiskBody {
      file,
      remaining: body_len,
    },
  )))
}

/// A verified entry's body, read from the file handle it was verified through (a newer entry
/// renamed over it meanwhile does not mix in).
pub struct DiskBody {
  file: File,
  remaining: u64,
}

impl StoredBody for DiskBody {
  fn read(&mut self, max: usize) -> Result<Option<Bytes>, NetError> {
    if self.remaining == 0 {
      return Ok(None);
    }
    let n = self.remaining.min(max as u64) as usize;
    let mut buf = vec![0u8; n];
    self
      .file
      .read_exact(&mut buf)
      .map_err(|_| NetError::ERR_CACHE_READ_FAILURE)?;
    self.remaining -= n as u64;
    Ok(Some(Bytes::from(buf)))
  }

  fn is_done(&self) -> bool {
    self.remaining == 0
  }
}

/// An entry being written; dropped without [`DiskWriter::commit`], it leaves nothing behind.
pub struct DiskWriter {
  store: Arc<DiskStore>,
  name: String,
  temp: PathBuf,
  file: Option<File>,
  crc: crc32fast::Hasher,
  body_len: u64,
  /// The entry, while its body is small enough to be kept in memory too.
  hot: Option<(Arc<StoredHead>, Vec<u8>)>,
}

impl DiskWriter {
  /// Appends body bytes; `false` once writing failed (the entry is abandoned).
  pub fn push(&mut self, data: &[u8]) -> bool {
    let Some(file) = self.file.as_mut() else {
      return false;
    };
    if file.write_all(data).is_err() {
      self.abandon();
      return false;
    }
    self.crc.update(data);
    self.body_len += data.len() as u64;
    if self.body_len > HOT_BODY_MAX {
      self.hot = None;
    } else if let Some((_, body)) = self.hot.as_mut() {
      body.extend_from_slice(data);
    }
    true
  }

  pub fn body_len(&self) -> u64 {
    self.body_len
  }

  pub fn commit(mut self) {
    let Some(mut file) = self.file.take() else {
      return;
    };
    let mut trailer = Vec::with_capacity(TRAILER);
    trailer.extend_from_slice(&self.body_len.to_le_bytes());
    let mut crc = self.crc.clone();
    crc.update(&trailer);
    trailer.extend_from_slice(&crc.finalize().to_le_bytes());
    let size = match file
      .write_all(&trailer)
      .and_then(|()| file.stream_position())
    {
      Ok(size) => size,
      Err(_) => {
        drop(file);
        let _ = fs::remove_file(&self.temp);
        return;
      }
    };
    drop(file);
    if self.store.commit(&self.name, &self.temp, size) {
      if let Some((head, body)) = self.hot.take() {
        self.store.hot.put(head, Bytes::from(body));
      }
    } else if let Some((head, _)) = self.hot.take() {
      self.store.hot.remove(&head.key);
    }
  }

  fn abandon(&mut self) {
    if self.file.take().is_some() {
      let _ = fs::remove_file(&self.temp);
    }
  }
}

impl Drop for DiskWriter {
  fn drop(&mut self) {
    self.abandon();
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::UNIX_EPOCH;

  fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
      "electron-net-rs-disk-cache-{name}-{}-{}",
      std::process::id(),
      TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    dir
  }

  fn head(key: &str) -> StoredHead {
    StoredHead {
      key: key.into(),
      status: 200,
      status_text: "OK".into(),
      http_version: "1.1".into(),
      headers: vec![("ETag".into(), "\"1\"".into())],
      vary_request: vec![],
      response_time: UNIX_EPOCH,
    }
  }

  fn store(store: &Arc<DiskStore>, key: &str, body: &[u8]) {
    let mut w = store.begin(&head(key)).unwrap();
    for part in body.chunks(7) {
      assert!(w.push(part));
    }
    w.commit();
  }

  fn read_all(mut body: DiskBody) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = body.read(5).unwrap() {
      out.extend_from_slice(&chunk);
    }
    assert!(body.is_done());
    out
  }

  #[test]
  fn round_trips_and_survives_a_new_index() {
    let dir = temp_dir("round");
    let s = Arc::new(DiskStore::new(dir.clone(), 1 << 20));
    store(&s, "http://a/", b"hello, cache");
    let (h, body) = s.get("http://a/").unwrap();
    assert_eq!(h, head("http://a/"));
    assert_eq!(read_all(body), b"hello, cache");
    let again = DiskStore::new(dir.clone(), 1 << 20);
    assert!(again.size() > 12);
    assert_eq!(again.size(), s.size());
    assert!(again.get("http://a/").is_some());
    assert!(again.get("http://b/").is_none());
    let _ = fs::remove_dir_all(dir);
  }

  #[test]
  fn every_damaged_byte_or_truncation_is_refused_and_deleted() {
    let dir = temp_dir("damage");
    let s = Arc::new(DiskStore::new(dir.clone(), 1 << 20));
    store(&s, "http://a/", b"0123456789");
    let path = dir.join(file_name("http://a/"));
    let good = fs::read(&path).unwrap();
    for at in 0..good.len() {
      let mut bad = good.clone();
      bad[at] ^= 0x20;
      fs::write(&path, &bad).unwrap();
      let fresh = DiskStore::new(dir.clone(), 1 << 20);
      assert!(fresh.get("http://a/").is_none(), "byte {at}");
      assert!(!path.exists(), "byte {at}");
    }
    for len in 0..good.len() {
      fs::write(&path, &good[..len]).unwrap();
      let fresh = DiskStore::new(dir.clone(), 1 << 20);
      assert!(fresh.get("http://a/").is_none(), "length {len}");
    }
    let _ = fs::remove_dir_all(dir);
  }

  #[test]
  fn an_abandoned_writer_leaves_the_old_entry() {
    let dir = temp_dir("abandon");
    let s = Arc::new(DiskStore::new(dir.clone(), 1 << 20));
    store(&s, "http://a/", b"old");
    let mut w = s.begin(&head("http://a/")).unwrap();
    w.push(b"new but unfinished");
    drop(w);
    let (_, body) = s.get("http://a/").unwrap();
    assert_eq!(read_all(body), b"old");
    // No temporary file is left behind.
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
    let _ = fs::remove_dir_all(dir);
  }

  #[test]
  fn evicts_the_least_recently_used_past_the_bound() {
    let dir = temp_dir("evict");
    let probe = Arc::new(DiskStore::new(temp_dir("probe"), 1 << 20));
    store(&probe, "http://a/", &[0; 100]);
    let one = probe.size();
    let s = Arc::new(DiskStore::new(dir.clone(), one * 2));
    store(&s, "http://a/", &[0; 100]);
    std::thread::sleep(Duration::from_millis(5));
    store(&s, "http://b/", &[0; 100]);
    std::thread::sleep(Duration::from_millis(5));
    assert!(s.get("http://a/").is_some());
    std::thread::sleep(Duration::from_millis(5));
    store(&s, "http://c/", &[0; 100]);
    assert!(s.get("http://a/").is_some());
    assert!(s.get("http://b/").is_none());
    assert!(s.get("http://c/").is_some());
    assert_eq!(s.size(), one * 2);
    s.clear();
    assert_eq!(s.size(), 0);
    assert!(s.get("http://a/").is_none());
    let _ = fs::remove_dir_all(dir);
  }
}
