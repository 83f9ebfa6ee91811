//! The session's HTTP cache as JS reaches it (`ses.clearCache()`, `ses.getCacheSize()`, the
//! `cache` option of `fromPartition`), by session id as `ses.cookies` does. Clearing and sizing
//! a disk cache touch files, so they run on libuv's thread pool.

use std::sync::Arc;

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;

use crate::binding::pool_work::guarded;
use crate::binding::session::find as session;
use crate::request::session::SessionInner;

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
    let CacheTask(session, work) = self;
    guarded(|| match work {
      CacheWork::Clear => {
        session.http_cache.clear();
        0.0
      }
      CacheWork::Size => session.http_cache.size() as f64,
    })
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
