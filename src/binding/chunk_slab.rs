//! Small body chunks reach JS as views into a shared slab instead of a Buffer each.
//!
//! Why: a fresh Buffer per chunk (a V8 backing store, its `malloc`, an `ArrayBuffer` and the
//! Buffer object) was ~6 % of the JS thread's time per 1 KiB response (bench W1 and W2). Here
//! the bytes are copied into the current slab, a Buffer the JS thread allocated once, and JS
//! takes `slab.subarray(offset, offset + length)`, as Node's own `Buffer` pool hands out small
//! buffers. A slab is replaced, never reused, once full: the views JS keeps stay valid and keep
//! their slab alive (at most `TUNING.slab_size` per kept chunk, as Node's pool keeps 8 KiB).
//!
//! JS thread only: the slab is a JS value.

use std::cell::RefCell;

use napi::sys;

use crate::config::TUNING;

struct Slab {
  /// Holds the slab while it is current (the views JS took hold it after that).
  reference: sys::napi_ref,
  data: *mut u8,
  len: usize,
  used: usize,
}

thread_local! {
  static CURRENT: RefCell<Option<Slab>> = const { RefCell::new(None) };
}

/// Where one batch's small chunks go: the slab (for JS) and the next free offset.
pub struct SlabCursor {
  pub slab: sys::napi_value,
  data: *mut u8,
  room: usize,
  offset: usize,
}

/// Whether a body chunk of `len` bytes goes into the slab.
pub fn fits(len: usize) -> bool {
  len > 0 && len <= TUNING.slab_chunk_max
}

impl SlabCursor {
  /// Copies `bytes` into the slab and returns its offset there; `None` for a chunk that does not
  /// go into the slab ([`fits`]) or no longer fits in it (the caller then gives the chunk a
  /// Buffer of its own).
  pub fn copy(&mut self, bytes: &[u8]) -> Option<usize> {
    if !fits(bytes.len()) || bytes.len() > self.room - self.offset {
      return None;
    }
    let at = self.offset;
    // SAFETY: `data..data+room` is the unused tail of a live slab (held by its reference),
    // which no JS view covers yet: views are only taken of bytes below `offset`.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.data.add(at), bytes.len()) };
    self.offset += bytes.len();
    Some(at)
  }
}

/// A cursor with room for at least `needed` bytes, for one batch; `finish` must follow.
///
/// # Safety
/// `env` is the current env, on the JS thread.
pub unsafe fn cursor(env: sys::napi_env, needed: usize) -> napi::Result<SlabCursor> {
  CURRENT.with(|current| {
    let mut current = current.borrow_mut();
    let fits = matches!(&*current, Some(s) if s.len - s.used >= needed);
    if !fits {
      if let Some(old) = current.take() {
        sys::napi_delete_reference(env, old.reference);
      }
      let len = needed.max(TUNING.slab_size);
      let mut data = std::ptr::null_mut();
      let mut value = std::ptr::null_mut();
      napi::check_status!(sys::napi_create_buffer(env, len, &mut data, &mut value))?;
      // Node hands out such a buffer uninitialised, and `chunk.buffer` shows JS all of it.
      std::ptr::write_bytes(data as *mut u8, 0, len);
      let mut reference = std::ptr::null_mut();
      napi::check_status!(sys::napi_create_reference(env, value, 1, &mut reference))?;
      *current = Some(Slab {
        reference,
        data: data as *mut u8,
        len,
        used: 0,
      });
    }
    let slab = current.as_ref().expect("a slab was just ensured");
    let mut value = std::ptr::null_mut();
    napi::check_status!(sys::napi_get_reference_value(
      env,
      slab.reference,
      &mut value
    ))?;
    Ok(SlabCursor {
      slab: value,
      data: slab.data,
      room: slab.len,
      offset: slab.used,
    })
  })
}

/// Records what the batch used of the slab.
pub fn finish(cursor: &SlabCursor) {
  CURRENT.with(|current| {
    if let Some(slab) = current.borrow_mut().as_mut() {
      if slab.data == cursor.data {
        slab.used = cursor.offset;
      }
    }
  });
}

/// Lets go of the current slab without touching JS: its environment is being torn down, and
/// the slab's memory goes with it.
pub fn forget() {
  let _ = CURRENT.try_with(|current| current.borrow_mut().take());
}
