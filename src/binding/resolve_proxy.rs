//! `ses.resolveProxy(url)` (`lib/session.js`) and the eager load of a PAC script after
//! `setProxy` / `forceReloadProxyConfig`. A PAC answer may wait for the script's download and
//! evaluation (up to its fetch timeout), so the lookup runs as a task on the engine's runtime and
//! its answer comes back through a threadsafe function: no thread waits for it. (A libuv pool
//! thread used to: a few lookups during a slow PAC download held all four, and the process's
//! `fs`, `dns.lookup`, `zlib` and `crypto` work stalled behind them.)

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::ThreadsafeFunctionCallMode;

use crate::request::pac::PacResolver;
use crate::request::session::SessionInner;

/// Looks up the proxies for `url` and calls `done` with them on the JS thread: `DIRECT`,
/// `PROXY host:port`, ... joined with `;`, or `''` for a URL that does not parse (reference
/// §10) and for a lookup that failed.
pub fn start(
  session: &Arc<SessionInner>,
  url: String,
  done: Function<String, ()>,
) -> napi::Result<()> {
  let Ok(url) = url::Url::parse(&url) else {
    return done.call(String::new());
  };
  // Referenced: a lookup under way keeps Node alive, as the pool work it replaces did, until
  // `done` has been called and the function dropped. If the environment goes first (a worker
  // ends), the call finds it closing and does nothing.
  let done = done
    .build_threadsafe_function::<String>()
    .callee_handled::<false>()
    .build()?;
  let session = session.clone();
  crate::wire::runtime::spawn(async move {
    // A panic in the lookup is `''`, Electron's answer for a failure: the promise still settles.
    let answer = AssertUnwindSafe(session.resolve_proxy(&url))
      .catch_unwind()
      .await
      .unwrap_or_default();
    done.call(answer, ThreadsafeFunctionCallMode::NonBlocking);
  });
  Ok(())
}

/// Starts fetching and evaluating `pac` now, so the first request need not wait for all of it.
/// The task holds the session only until the script is loaded (at most the fetch timeout); it
/// runs on the engine's runtime, whose threads never keep Node alive.
pub fn preload(session: &Arc<SessionInner>, pac: Option<Arc<PacResolver>>) {
  if let Some(pac) = pac {
    let session = session.clone();
    crate::wire::runtime::spawn(async move {
      let _ = pac.load(&session).await;
    });
  }
}
