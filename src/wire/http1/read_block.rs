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
use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

/// Size of one block: the largest chunk handed to JS at once.
pub const BLOCK: usize = TUNING.read_chunk;

static FREE: Mutex<Vec<Pages>> = Mutex::new(Vec::new());

/// `BLOCK` bytes from the system allocator (glibc's `malloc`, which `mmap`s a block this size),
/// not the addon's global one: blocks are freed on the JS thread and allocated on the engine's,
/// mimalloc did not give a freed block's pages to the next one at once, and a W3 download
/// touched twice the fresh memory it touches with these (docs/PERFORMANCE.md, the allocator).
struct Pages(NonNull<u8>);

// Safety: plain bytes owned by this value alone.
unsafe impl Send for Pages {}

impl Pages {
  const LAYOUT: Layout = match Layout::from_size_align(BLOCK, 64) {
    Ok(layout) => layout,
    Err(_) => panic!("BLOCK is a valid allocation size"),
  };

  fn new() -> Pages {
    // Safety: `LAYOUT` has a non-zero size.
    let ptr = unsafe { System.alloc_zeroed(Self::LAYOUT) };
    match NonNull::new(ptr) {
      Some(ptr) => Pages(ptr),
      None => std::alloc::handle_alloc_error(Self::LAYOUT),
    }
  }
}

impl Drop for Pages {
  fn drop(&mut self) {
    // Safety: allocated by `System` with `LAYOUT` in `new`, and freed only here.
    unsafe { System.dealloc(self.0.as_ptr(), Self::LAYOUT) }
  }
}

/// Reads that went straight into a block, for the tests (`directReadCount()`), which check that
/// a large download takes this path at all.
static DIRECT_READS: AtomicU64 = AtomicU64::new(0);

pub fn count_direct_read() {
  DIRECT_READS.fetch_add(1, Ordering::Relaxed);
}

pub fn direct_reads() -> u64 {
  DIRECT_READS.load(Ordering::Relaxed)
}

fn free_list() -> std::sync::MutexGuard<'static, Vec<Pages>> {
  FREE.lock().unwrap_or_else(|p| p.into_inner())
}

/// A block's memory, shared by the [`Block`] that fills it and the chunks lent out of it; back to
/// the pool once all of them are gone.
struct Memory {
  /// `BLOCK` bytes. Only ever accessed in disjoint ranges: the filled part only through shared
  /// slices (the chunks), the room after it only through the one `Block`, by `&mut self`.
  /// Always `Some` but in `drop`.
  pages: Option<Pages>,
}

impl Memory {
  fn start(&self) -> *mut u8 {
    self
      .pages
      .as_ref()
      .map_or(std::ptr::null_mut(), |p| p.0.as_ptr())
  }
}

// Safety: the bytes are owned by `Memory`, and the ranges handed out never overlap a range being
// written (see `pages`).
unsafe impl Send for Memory {}
unsafe impl Sync for Memory {}

impl Drop for Memory {
  fn drop(&mut self) {
    // Every slice of the pages is gone with the last reference to this `Memory`.
    let Some(pages) = self.pages.take() else {
      return;
    };
    let mut free = free_list();
    if free.len() < TUNING.blocks_kept {
      free.push(pages);
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
    let pages = free_list().pop().unwrap_or_else(Pages::new);
    Block {
      memory: Arc::new(Memory { pages: Some(pages) }),
      filled: 0,
    }
  }

  /// The part not lent out yet, to read into.
  pub fn room(&mut self) -> &mut [u8] {
    let start = self.memory.start();
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
    let start = self.memory.start() as *const u8;
    // Safety: `start..start + len` was filled before it was lent and is never written again.
    unsafe { std::slice::from_raw_parts(start.add(self.start), self.len) }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn is_idle(ptr: *const u8) -> bool {
    free_list().iter().any(|m| std::ptr::eq(m.0.as_ptr(), ptr))
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
