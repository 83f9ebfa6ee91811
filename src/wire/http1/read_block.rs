//! Recycled read buffers for large response bodies.
//!
//! A large download is read straight into 1 MiB blocks that are lent to JS as the `'data'`
//! chunks. Fresh memory for every block cost as much as the socket reads themselves (profiled on
//! bench W3: the reading thread spent ~40 % of its time in page faults, the JS thread freed
//! blocks with `munmap`), so a block whose last chunk JS has let go of comes back here, pages
//! still mapped, for the next read. At most [`TUNING.blocks_kept`] blocks wait here: memory stays bounded
//! and a finished download gives the rest back.
//!
//! A block takes several reads: each read's bytes are lent as one chunk, and the next read goes
//! into the room after it. A read that comes back short so costs no copy (copying short reads
//! out was ~12 % of the reading thread on W3), and a consumer that keeps every chunk holds the
//! body plus at most one block's unfilled room.

use crate::config::TUNING;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

/// Size of one block: the largest chunk handed to JS at once.
pub const BLOCK: usize = TUNING.read_chunk;

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

/// A block's memory, shared by the [`Block`] that fills it and the chunks lent out of it; back to
/// the pool once all of them are gone.
struct Memory {
  /// From `Box::into_raw`, `BLOCK` bytes. Only ever accessed in disjoint ranges: the filled
  /// part only through shared slices (the chunks), the room after it only through the one
  /// `Block`, by `&mut self`.
  bytes: NonNull<[u8]>,
}

// Safety: the bytes are owned by `Memory` (a `Box<[u8]>` in all but name), and the ranges handed
// out never overlap a range being written (see `bytes`).
unsafe impl Send for Memory {}
unsafe impl Sync for Memory {}

impl Drop for Memory {
  fn drop(&mut self) {
    // Safety: `bytes` came from `Box::into_raw` and every slice of it is gone with the last
    // reference to this `Memory`.
    let mem = unsafe { Box::from_raw(self.bytes.as_ptr()) };
    let mut free = free_list();
    if free.len() < TUNING.blocks_kept {
      free.push(mem);
    }
  }
}

/// A block being read into: `room()` is where the next read goes, `lend()` hands what it read to
/// JS as a chunk.
pub struct Block {
  memory: Arc<Memory>,
  filled: usize,
}

impl Block {
  pub fn take() -> Block {
    let mem = free_list()
      .pop()
      .unwrap_or_else(|| vec![0u8; BLOCK].into_boxed_slice());
    let bytes = NonNull::from(Box::leak(mem));
    Block {
      memory: Arc::new(Memory { bytes }),
      filled: 0,
    }
  }

  /// The part not lent out yet, to read into.
  pub fn room(&mut self) -> &mut [u8] {
    let start = self.memory.bytes.as_ptr() as *mut u8;
    // Safety: in bounds (`filled <= BLOCK`), and no chunk covers `filled..` (see `Memory`);
    // `&mut self` keeps this the only mutable view.
    unsafe { std::slice::from_raw_parts_mut(start.add(self.filled), BLOCK - self.filled) }
  }

  pub fn room_len(&self) -> usize {
    BLOCK - self.filled
  }

  /// The first `len` bytes of `room()` as a chunk that shares the block (which returns to the
  /// pool once this block and every chunk and slice of it are dropped).
  pub fn lend(&mut self, len: usize) -> Bytes {
    let len = len.min(self.room_len());
    let chunk = Bytes::from_owner(Lent {
      memory: Arc::clone(&self.memory),
      start: self.filled,
      len,
    });
    self.filled += len;
    chunk
  }
}

struct Lent {
  memory: Arc<Memory>,
  start: usize,
  len: usize,
}

impl AsRef<[u8]> for Lent {
  fn as_ref(&self) -> &[u8] {
    let start = self.memory.bytes.as_ptr() as *const u8;
    // Safety: `start..start + len` was filled before it was lent and is never written again.
    unsafe { std::slice::from_raw_parts(start.add(self.start), self.len) }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn is_idle(ptr: *const u8) -> bool {
    free_list().iter().any(|m| m.as_ptr() == ptr)
  }

  #[test]
  fn a_block_returns_for_reuse_once_it_and_every_chunk_of_it_are_dropped() {
    let mut block = Block::take();
    let ptr = block.room().as_ptr();
    block.room()[..3].copy_from_slice(b"abc");
    let chunk = block.lend(3);
    let slice = chunk.slice(1..);
    drop(chunk);
    drop(block);
    assert_eq!(&slice[..], b"bc");
    // Other tests may take blocks concurrently: look for ours among the idle ones.
    assert!(!is_idle(ptr));
    drop(slice);
    assert!(is_idle(ptr));
  }

  #[test]
  fn reads_after_a_lent_chunk_fill_the_room_after_it_and_leave_it_intact() {
    let mut block = Block::take();
    block.room()[..4].copy_from_slice(b"one ");
    let first = block.lend(4);
    assert_eq!(block.room_len(), BLOCK - 4);
    block.room()[..3].copy_from_slice(b"two");
    let second = block.lend(3);
    block.room().fill(b'x');
    assert_eq!(&first[..], b"one ");
    assert_eq!(&second[..], b"two");
    assert_eq!(second.as_ptr(), first.as_ptr().wrapping_add(4));
    let rest = block.lend(usize::MAX);
    assert_eq!(rest.len(), BLOCK - 7);
    assert_eq!(block.room_len(), 0);
    assert!(rest.iter().all(|&b| b == b'x'));
  }
}
