//! The addon's global allocator: small allocations from mimalloc, large ones from the system's.
//!
//! Per request the engine makes many small allocations (hyper's and h2's tasks, channels and
//! header maps, HPACK copies, our events): glibc's `malloc` was ~24 % of the engine thread on
//! bench W8, and mimalloc serves them faster (W8 +14-33 %, W7 +5-12 % in same-run A/B runs).
//! Large buffers (read buffers, TLS records, body chunks) stay with glibc: they are often freed
//! on another thread than the one that allocated them (a chunk is let go of on the JS thread),
//! and with every allocation in mimalloc a 256 MiB download (W3) faulted in up to 3.5 times the
//! fresh pages and peaked up to 52 MiB higher. docs/PERFORMANCE.md has the measurements.

use std::alloc::{GlobalAlloc, Layout, System};

/// Sizes from here on go to the system allocator. A TLS record's buffer (16 KiB and a little)
/// is above it.
const LARGE: usize = 16 * 1024;

pub struct SplitAllocator;

fn is_large(size: usize) -> bool {
  size >= LARGE
}

// Safety: each block is freed (and reallocated) by the allocator that made it: the choice
// depends only on the size, which `dealloc` and `realloc` are given as it was allocated.
unsafe impl GlobalAlloc for SplitAllocator {
  unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
    if is_large(layout.size()) {
      System.alloc(layout)
    } else {
      mimalloc::MiMalloc.alloc(layout)
    }
  }

  unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
    if is_large(layout.size()) {
      System.alloc_zeroed(layout)
    } else {
      mimalloc::MiMalloc.alloc_zeroed(layout)
    }
  }

  unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
    if is_large(layout.size()) {
      System.dealloc(ptr, layout)
    } else {
      mimalloc::MiMalloc.dealloc(ptr, layout)
    }
  }

  unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
    match (is_large(layout.size()), is_large(new_size)) {
      (true, true) => System.realloc(ptr, layout, new_size),
      (false, false) => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
      // Crossing the line: a new block from the other allocator, then the old one freed by its
      // own.
      _ => {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let new_ptr = self.alloc(new_layout);
        if !new_ptr.is_null() {
          std::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
          self.dealloc(ptr, layout);
        }
        new_ptr
      }
    }
  }
}

#[cfg(test)]
mod tests {
  #[test]
  fn buffers_keep_their_bytes_when_they_grow_and_shrink_across_the_line() {
    let mut v: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    v.reserve(64 * 1024); // small -> large
    v.extend((0..=255u8).cycle().take(40 * 1024));
    assert!(v.capacity() >= super::LARGE);
    let expect: Vec<u8> = (0..=255u8)
      .cycle()
      .take(1000)
      .chain((0..=255u8).cycle().take(40 * 1024))
      .collect();
    assert_eq!(v, expect);
    v.truncate(100);
    v.shrink_to_fit(); // large -> small
    assert_eq!(v[..], expect[..100]);
    let big = vec![7u8; 2 * super::LARGE];
    assert!(big.iter().all(|&b| b == 7));
  }
}
