//! The process-wide tokio runtime: every request is a task on it.
//!
//! Its worker threads never keep Node alive (Node exits without joining foreign threads); what
//! keeps Node alive while a request is in flight is the bridge's threadsafe-function reference.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::FutureExt;

use tokio::runtime::{Builder, Runtime};

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

pub fn runtime() -> &'static Runtime {
  RUNTIME.get_or_init(|| match engine_threads() {
    1 => single_thread(),
    n => Builder::new_multi_thread()
      .worker_threads(n)
      .thread_name("electron-net-rs")
      .enable_all()
      .build()
      .expect("failed to start the tokio runtime"),
  })
}

/// `ELECTRON_NET_RS_WORKER_THREADS`, else one on up to two cores and one per core (at most four)
/// above that. On two cores, which the JS thread and usually the server share, one thread with
/// tokio's single-threaded scheduler costs the least: no worker wakes another to steal work
/// (bench, 5 interleaved rounds: W2 16,062 req/s against 15,332 with two workers and 14,001 with
/// one multi-threaded worker; W1, W3, W4 and W5 no worse, W5's peak RSS 5-15 MiB lower).
fn engine_threads() -> usize {
  std::env::var("ELECTRON_NET_RS_WORKER_THREADS")
    .ok()
    .and_then(|v| v.parse().ok())
    .filter(|&n| n > 0)
    .unwrap_or_else(
      || match std::thread::available_parallelism().map_or(2, |n| n.get()) {
        n if n <= 2 => 1,
        n => n.min(4),
      },
    )
}

/// A single-threaded runtime driven by one engine thread of its own (tasks spawned from the JS
/// thread land in its queue and wake it).
fn single_thread() -> Runtime {
  let rt = Builder::new_current_thread()
    .enable_all()
    .build()
    .expect("failed to start the tokio runtime");
  std::thread::Builder::new()
    .name("electron-net-rs".into())
    .spawn(|| RUNTIME.wait().block_on(std::future::pending::<()>()))
    .expect("failed to start the engine thread");
  rt
}

/// A request's task, started on the calling (JS) thread and moved onto the runtime only once
/// it has to wait.
///
/// Why: spawning from outside the runtime wakes a parked worker (an eventfd write or futex, and
/// a context switch) before the first byte can go out. Polled once here instead, a request on a
/// pooled connection writes its head straight from the JS thread and then waits on the socket;
/// the readiness that ends that wait is noticed by a worker's reactor, which moves the task onto
/// its own queue without waking any other thread. So one request costs one thread hand-off each
/// way fewer (bench W1, one request at a time). With many requests in flight the JS thread is
/// the busy one and the workers are awake anyway: the caller then spawns straight onto them.
/// That takes the connect or head write (~35 us) off the JS thread (bench W5: 1,000 requests
/// at once finished 15-25 % sooner with less memory; W2 +5 %).
pub struct Task {
  shared: Arc<Shared>,
}

struct Shared {
  state: AtomicU8,
  fut: Mutex<Option<BoxFuture>>,
  /// Set once the task runs on the runtime: aborting then goes through tokio.
  spawned: Mutex<Option<tokio::task::AbortHandle>>,
  aborted: AtomicBool,
  on_panic: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Being polled on the starting thread.
const POLLING: u8 = 0;
/// Woken while being polled there: move it to the runtime once that poll returns.
const NOTIFIED: u8 = 1;
/// Waiting, not yet on the runtime: the next wake moves it there.
const IDLE: u8 = 2;
/// On the runtime (or finished, or cancelled): wakes are tokio's business.
const GONE: u8 = 3;

impl Task {
  /// Starts `fut` on this thread (or, with `poll_here` false, straight on the runtime); if it
  /// panics, `on_panic` runs instead of the panic reaching the FFI boundary (here or later on a
  /// worker).
  pub fn start<F, P>(fut: F, on_panic: P, poll_here: bool) -> Task
  where
    F: Future<Output = ()> + Send + 'static,
    P: FnOnce() + Send + 'static,
  {
    let shared = Arc::new(Shared {
      state: AtomicU8::new(POLLING),
      fut: Mutex::new(None),
      spawned: Mutex::new(None),
      aborted: AtomicBool::new(false),
      on_panic: Mutex::new(Some(Box::new(on_panic))),
    });
    // Inside the runtime's context, so sockets register with its reactor (and whatever the
    // future drops here may spawn).
    let _enter = runtime().enter();
    let mut fut: BoxFuture = Box::pin(fut);
    if !poll_here {
      *lock(&shared.fut) = Some(fut);
      shared.state.store(GONE, Ordering::SeqCst);
      shared.hand_off();
      return Task { shared };
    }
    let waker = Waker::from(shared.clone());
    let mut cx = Context::from_waker(&waker);
    let polled = std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx)));
    match polled {
      Ok(Poll::Ready(())) => shared.state.store(GONE, Ordering::SeqCst),
      Err(_) => {
        shared.state.store(GONE, Ordering::SeqCst);
        shared.panicked();
      }
      Ok(Poll::Pending) => {
        *lock(&shared.fut) = Some(fut);
        if shared
          .state
          .compare_exchange(POLLING, IDLE, Ordering::SeqCst, Ordering::SeqCst)
          .is_err()
        {
          // Woken during the poll: it can make progress now.
          shared.state.store(GONE, Ordering::SeqCst);
          shared.hand_off();
        }
      }
    }
    Task { shared }
  }

  /// Cancels the task: its future (and so its socket) is dropped.
  pub fn abort(&self) {
    let shared = &self.shared;
    {
      // Under the lock that `spawn` stores its handle with, so one of the two sees the other.
      let mut spawned = lock(&shared.spawned);
      shared.aborted.store(true, Ordering::SeqCst);
      if let Some(handle) = spawned.take() {
        handle.abort();
      }
    }
    shared.state.store(GONE, Ordering::SeqCst);
    // Not on the runtime yet (or a wake is moving it there and will find nothing): drop it here,
    // in the runtime's context as a drop on a worker would be.
    let fut = lock(&shared.fut).take();
    if fut.is_some() {
      let _enter = runtime().enter();
      drop(fut);
    }
  }
}

/// Tasks the starting (JS) thread has handed to the runtime and the engine has not yet taken.
static HANDED_OFF: Mutex<Vec<Arc<Shared>>> = Mutex::new(Vec::new());

impl Shared {
  /// Moves a task from the starting thread onto the runtime, waking the engine once for all the
  /// tasks handed off before it runs: a spawn from outside the runtime writes the engine's
  /// eventfd every time, and one JS turn often starts many requests (each response's `'end'`
  /// starting the next). The tasks are spawned from the engine thread itself, where a spawn
  /// wakes nobody.
  fn hand_off(self: &Arc<Self>) {
    let first = {
      let mut queue = lock(&HANDED_OFF);
      queue.push(self.clone());
      queue.len() == 1
    };
    if first {
      runtime().spawn(async {
        let tasks = std::mem::take(&mut *lock(&HANDED_OFF));
        for task in tasks {
          task.spawn();
        }
      });
    }
  }

  fn spawn(self: &Arc<Self>) {
    let Some(fut) = lock(&self.fut).take() else {
      return;
    };
    let me = self.clone();
    let handle = runtime()
      .spawn(async move {
        if AssertUnwindSafe(fut).catch_unwind().await.is_err() {
          me.panicked();
        }
      })
      .abort_handle();
    let mut spawned = lock(&self.spawned);
    if self.aborted.load(Ordering::SeqCst) {
      handle.abort();
    } else {
      *spawned = Some(handle);
    }
  }

  fn panicked(&self) {
    if let Some(on_panic) = lock(&self.on_panic).take() {
      on_panic();
    }
  }
}

impl Wake for Shared {
  fn wake(self: Arc<Self>) {
    self.wake_by_ref();
  }

  fn wake_by_ref(self: &Arc<Self>) {
    let mut state = self.state.load(Ordering::SeqCst);
    loop {
      let next = match state {
        POLLING => NOTIFIED,
        IDLE => GONE,
        _ => return,
      };
      match self
        .state
        .compare_exchange(state, next, Ordering::SeqCst, Ordering::SeqCst)
      {
        Ok(_) => break,
        Err(now) => state = now,
      }
    }
    if state == IDLE {
      // From a worker's reactor this lands on that worker's own queue: no other thread wakes.
      self.spawn();
    }
  }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
  m.lock().unwrap_or_else(|p| p.into_inner())
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
