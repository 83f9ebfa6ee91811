//! A JS `Buffer` lent to the engine (an upload chunk, a buffered body), handed back to the JS
//! thread to be released when the engine is done with it.
//!
//! Why: napi-rs releases a `Buffer` dropped on another thread by calling a threadsafe function
//! for it, one `uv_async_send` (and a wake of the JS thread) per Buffer. A 256 MiB upload in
//! 64 KiB writes made 4,096 of those calls, ~10 % of the engine thread's time (bench W4,
//! `perf`). Here the spent Buffers wait in one list, and the JS thread releases them all at its
//! next bridge delivery; the first one to wait schedules that delivery, so none waits for long
//! and a quiet request still gets its Buffers released.

use std::sync::Mutex;

use napi::bindgen_prelude::Buffer;

pub struct JsChunk(Option<Buffer>);

static SPENT: Mutex<Vec<Buffer>> = Mutex::new(Vec::new());

impl JsChunk {
  pub fn new(buffer: Buffer) -> JsChunk {
    JsChunk(Some(buffer))
  }

  pub fn len(&self) -> usize {
    self.as_ref().len()
  }
}

impl AsRef<[u8]> for JsChunk {
  fn as_ref(&self) -> &[u8] {
    self.0.as_deref().unwrap_or_default()
  }
}

impl std::ops::Deref for JsChunk {
  type Target = [u8];

  fn deref(&self) -> &[u8] {
    self.as_ref()
  }
}

impl Drop for JsChunk {
  fn drop(&mut self) {
    let Some(buffer) = self.0.take() else {
      return;
    };
    if crate::socket_watch::on_js_thread() {
      return drop(buffer);
    }
    let first = {
      let mut spent = SPENT.lock().unwrap_or_else(|p| p.into_inner());
      spent.push(buffer);
      spent.len() == 1
    };
    if first {
      crate::bridge::poke();
    }
  }
}

/// Releases every spent Buffer (JS thread, from the bridge's delivery).
pub fn release_spent() {
  let spent = std::mem::take(&mut *SPENT.lock().unwrap_or_else(|p| p.into_inner()));
  drop(spent);
}
