//! The process-wide tokio runtime: every request is a task on it.
//!
//! Its worker threads never keep Node alive (Node exits without joining foreign threads); what
//! keeps Node alive while a request is in flight is the bridge's threadsafe-function reference.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

pub fn runtime() -> &'static Runtime {
  RUNTIME.get_or_init(|| {
    Builder::new_multi_thread()
      // One worker per core, at most four (the JS thread does the rest). Tunable: on two cores
      // one worker lowers one-at-a-time latency (bench W1 0.71x -> 0.80x of undici) and costs
      // concurrent throughput (W2 1.16x -> 1.00x).
      .worker_threads(
        std::env::var("ELECTRON_NET_RS_WORKER_THREADS")
          .ok()
          .and_then(|v| v.parse().ok())
          .unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4))
          }),
      )
      .thread_name("electron-net-rs")
      .enable_all()
      .build()
      .expect("failed to start the tokio runtime")
  })
}

/// Spawns `fut`; if it panics, `on_panic` runs instead of the panic reaching the FFI boundary.
pub fn spawn_guarded<F, P>(fut: F, on_panic: P) -> tokio::task::AbortHandle
where
  F: Future<Output = ()> + Send + 'static,
  P: FnOnce() + Send + 'static,
{
  runtime()
    .spawn(async move {
      if AssertUnwindSafe(fut).catch_unwind().await.is_err() {
        on_panic();
      }
    })
    .abort_handle()
}

/// The test suite proves that a panic in the engine becomes `net::ERR_FAILED` instead of a
/// crash: requests to the host named by `ELECTRON_NET_RS_PANIC_FOR_HOST` panic on purpose.
pub fn panic_if_requested(host: Option<&str>) {
  static HOST: OnceLock<Option<String>> = OnceLock::new();
  let wanted = HOST.get_or_init(|| std::env::var("ELECTRON_NET_RS_PANIC_FOR_HOST").ok());
  if wanted.is_some() && wanted.as_deref() == host {
    panic!("panic requested by ELECTRON_NET_RS_PANIC_FOR_HOST");
  }
}

/// The test suite proves that a panic on the JS thread, while an event is converted for JS,
/// fails that request with `net::ERR_FAILED` instead of aborting Node: a response whose status
/// text equals `ELECTRON_NET_RS_BRIDGE_PANIC_FOR_STATUS_TEXT` panics there on purpose.
pub fn panic_in_bridge_if_requested(status_text: &str) {
  static TEXT: OnceLock<Option<String>> = OnceLock::new();
  let wanted =
    TEXT.get_or_init(|| std::env::var("ELECTRON_NET_RS_BRIDGE_PANIC_FOR_STATUS_TEXT").ok());
  if wanted.as_deref() == Some(status_text) {
    panic!("panic requested by ELECTRON_NET_RS_BRIDGE_PANIC_FOR_STATUS_TEXT");
  }
}
