//! The session's HTTP cache as JS reaches it (`ses.clearCache()`, `ses.getCacheSize()`, the
//! `cache` option of `fromPartition`), by session id as `ses.cookies` does. Clearing and sizing
//! a disk cache touch files, so they run on libuv's thread pool.

use std::sync::Arc;

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;

use crate::binding::session::by_id;
use crate::request::session::SessionInner;

fn session(id: u32) -> napi::Result<Arc<SessionInner>> {
  by_id(id).ok_or_else(|| napi::Error::from_reason("ERR_FAILED"))
}

/// `fromPartition(name, { cache: false })` turns the session's cache off.
#[napi(catch_unwind)]
pub fn http_cache_set_enabled(session_id: u32, enabled: bool) -> napi::Result<()> {
  session(session_id)?.http_cache.set_enabled(enabled);
  Ok(())
}

pub enum CacheWork {
  Clear,
  Size,
}

/// Clears or measures a session's cache off the JS thread.
pub struct CacheTask(Arc<SessionInner>, CacheWork);

impl Task for CacheTask {
  type Output = f64;
  type JsValue = f64;

  fn compute(&mut self) -> napi::Result<f64> {
    // Runs on a pool thread: a panic must become the promise's rejection, not unwind into
    // libuv.
    let session = self.0.clone();
    let clear = matches!(self.1, CacheWork::Clear);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
      if clear {
        session.http_cache.clear();
        0.0
      } else {
        session.http_cache.size() as f64
      }
    }))
    .map_err(|_| napi::Error::from_reason("ERR_FAILED"))
  }

  fn resolve(&mut self, _env: Env, output: f64) -> napi::Result<f64> {
    Ok(output)
  }
}

/// `ses.clearCache()`.
#[napi(catch_unwind)]
pub fn http_cache_clear(session_id: u32) -> napi::Result<AsyncTask<CacheTask>> {
  Ok(AsyncTask::new(CacheTask(
    session(session_id)?,
    CacheWork::Clear,
  )))
}

/// `ses.getCacheSize()`: the bytes the cache's entries take.
#[napi(catch_unwind)]
pub fn http_cache_size(session_id: u32) -> napi::Result<AsyncTask<CacheTask>> {
  Ok(AsyncTask::new(CacheTask(
    session(session_id)?,
    CacheWork::Size,
  )))
}
