//! A JS `Buffer` lent to the engine (an upload chunk, a buffered body), handed back to the JS
//! thread to be released when the engine is done with it.
//!
//! Why: napi-rs releases a `Buffer` dropped on another thread by calling a threadsafe function
//! for it, one `uv_async_send` (and a wake of the JS thread) per Buffer. A 256 MiB upload in
//! 64 KiB writes made 4,096 of those calls, ~10 % of the engine thread's time (bench W4,
//! `perf`). Here a spent Buffer is handed to its load's channel as a job for its JS thread,
//! which runs every job at its next delivery: one wake for all the Buffers spent meanwhile, and
//! a quiet request still gets its Buffers released soon.

use std::sync::Arc;

use napi::bindgen_prelude::Buffer;

use crate::request::events::Channel;

pub struct JsChunk {
  buffer: Option<Buffer>,
  /// The channel of the load the Buffer came from: its JS thread releases it.
  channel: Arc<Channel>,
}

impl JsChunk {
  pub fn new(buffer: Buffer, channel: Arc<Channel>) -> JsChunk {
    JsChunk {
      buffer: Some(buffer),
      channel,
    }
  }
}

impl AsRef<[u8]> for JsChunk {
  fn as_ref(&self) -> &[u8] {
    self.buffer.as_deref().unwrap_or_default()
  }
}

impl Drop for JsChunk {
  fn drop(&mut self) {
    let Some(buffer) = self.buffer.take() else {
      return;
    };
    // On a JS thread napi-rs releases it at once, in the right env (a Buffer of another
    // thread's env included).
    if crate::wire::socket_watch::on_js_thread() {
      return drop(buffer);
    }
    self.channel.on_js_thread(Box::new(move || drop(buffer)));
  }
}
