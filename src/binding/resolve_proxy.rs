//! `ses.resolveProxy(url)` (`lib/session.js`) and the eager load of a PAC script after
//! `setProxy` / `forceReloadProxyConfig`. A PAC answer may wait for the script's download and
//! evaluation, so the lookup runs as a task on the engine's runtime, and a libuv pool thread
//! waits for it (never the JS thread).

use std::sync::Arc;

use napi::{Env, Task};
use tokio::sync::oneshot;

use crate::binding::pool_work::guarded;
use crate::request::pac::PacResolver;
use crate::request::session::SessionInner;

pub struct ResolveProxy {
  pub session: Arc<SessionInner>,
  pub url: String,
}

impl Task for ResolveProxy {
  type Output = String;
  type JsValue = String;

  fn compute(&mut self) -> napi::Result<String> {
    // A URL that does not parse resolves `''` (reference §10).
    let Ok(url) = url::Url::parse(&self.url) else {
      return Ok(String::new());
    };
    let session = self.session.clone();
    let (tx, rx) = oneshot::channel();
    crate::wire::runtime::runtime().spawn(async move {
      let _ = tx.send(session.resolve_proxy(&url).await);
    });
    // A panic in the task drops `tx`: `''`, Electron's answer for a failed lookup.
    guarded(|| rx.blocking_recv().unwrap_or_default())
  }

  fn resolve(&mut self, _env: Env, answer: String) -> napi::Result<String> {
    Ok(answer)
  }
}

/// Starts fetching and evaluating `pac` now, so the first request need not wait for all of it.
/// The task holds the session only until the script is loaded (at most the fetch timeout); it
/// runs on the engine's runtime, whose threads never keep Node alive.
pub fn preload(session: &Arc<SessionInner>, pac: Option<Arc<PacResolver>>) {
  if let Some(pac) = pac {
    let session = session.clone();
    crate::wire::runtime::runtime().spawn(async move {
      let _ = pac.load(&session).await;
    });
  }
}
