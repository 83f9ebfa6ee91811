//! Recycled read buffers for large response bodies.
//!
//! A large download is read straight into 1 MiB blocks that are lent to JS as the `'data'`
//! chunks. Fresh memory for every block cost as much as the socket reads themselves (profiled on
//! bench W3: the reading thread spent ~40 % of its time in page faults, the JS thread freed
//! blocks with `munmap`), so a block whose last chunk JS has let go of comes back here, pages
//! still mapped, for the next read. At most [`KEEP`] blocks wait here: memory stays bounded
//! and a finished download gives the rest back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use bytes::Bytes;

/// Size of one block: the largest chunk handed to JS at once.
pub const BLOCK: usize = super::READ_CHUNK;

/// Idle blocks kept for reuse (16 MiB).
const KEEP: usize = 16;

static FREE: Mutex<Vec<Box<[u8]>>> = Mutex::new(Vec::new());

/// Reads that went straight into a block, for the tests (`directReadCount()`), which check that
/// a large download takes this path at all.
static DIRECT_READS: AtomicU64 = AtomicU64::new(0);

pub fn count_direct_read() {
  DIRECT_READS.fetch_add(1, Ordering::Relaxed);
}

pub fn direct_reads() -> u64 {
  DIRECT_READS.load(Ordering::Relaxed)
}

fn free_list() -> std::sync::MutexGuard<'static, Vec<Box<[u8]>>> {
  FREE.lock().unwrap_or_else(|p| p.into_inner())
}

/// A block being read into; goes back to the pool when dropped.
pub struct Block {
  mem: Option<Box<[u8]>>,
}

impl Block {
  pub fn take() -> Block {
    let mem = free_list()
      .pop()
      .unwrap_or_else(|| vec![0u8; BLOCK].into_boxed_slice());
    Block { mem: Some(mem) }
  }

  pub fn as_mut(&mut self) -> &mut [u8] {
    self.mem.as_deref_mut().unwrap_or_default()
  }

  /// The first `len` bytes as a chunk that owns the block (back to the pool once the chunk and
  /// every slice of it are dropped).
  pub fn into_chunk(self, len: usize) -> Bytes {
    Bytes::from_owner(Filled { block: self, len })
  }
}

impl Drop for Block {
  fn drop(&mut self) {
    if let Some(mem) = self.mem.take() {
      let mut free = free_list();
      if free.len() < KEEP {
        free.push(mem);
      }
    }
  }
}

struct Filled {
  block: Block,
  len: usize,
}

impl AsRef<[u8]> for Filled {
  fn as_ref(&self) -> &[u8] {
    &self.block.mem.as_deref().unwrap_or_default()[..self.len]
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_dropped_chunk_returns_its_block_for_reuse() {
    let mut block = Block::take();
    block.as_mut()[..3].copy_from_slice(b"abc");
    let ptr = block.as_mut().as_ptr();
    let chunk = block.into_chunk(3);
    assert_eq!(&chunk[..], b"abc");
    let slice = chunk.slice(1..);
    drop(chunk);
    assert_eq!(&slice[..], b"bc");
    drop(slice);
    // Other tests may take blocks concurrently: look for ours among the idle ones.
    assert!(free_list().iter().any(|m| m.as_ptr() == ptr));
  }
}
