//! The process-wide tokio runtime: every request is a task on it.
//!
//! Its worker threads never keep Node alive (Node exits without joining foreign threads); what
//! keeps Node alive while a request is in flight is the reference of its load's doorbell
//! (`binding::doorbell`).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::FutureExt;

use tokio::runtime::{Builder, Runtime};

use crate::wire::socket_watch::{self, Watch};

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

pub mod idle;

pub fn runtime() -> &'static Runtime {
  RUNTIME.get_or_init(|| match crate::config::env().worker_threads {
    1 => single_thread(),
    n => Builder::new_multi_thread()
      .worker_threads(n)
      .thread_name("electron-net-rs")
      .on_thread_park(idle::parking)
      .enable_all()
      .build()
      .expect("failed to start the tokio runtime"),
  })
}

/// Spawns `fut` on the runtime; its polls bound how long wake-ups of JS threads are put off
/// (see [`idle`]).
pub fn spawn<F>(fut: F) -> tokio::task::JoinHandle<F::Output>
where
  F: Future + Send + 'static,
  F::Output: Send + 'static,
{
  runtime().spawn(idle::Checked(fut))
}

/// A single-threaded runtime driven by one engine thread of its own (tasks spawned from the JS
/// thread land in its queue and wake it).
fn single_thread() -> Runtime {
  let rt = Builder::new_current_thread()
    .on_thread_park(idle::parking)
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

/// The JS thread a task started on, as the task sees it: a watched socket can be stopped only
/// there, so a wake from another thread asks it to (see POKED).
pub trait JsThread: Send + Sync {
  /// Runs `job` on that JS thread soon; dropped instead if that thread's environment is gone.
  fn run(&self, job: Box<dyn FnOnce() + Send>);
}

struct Shared {
  state: AtomicU8,
  fut: Mutex<Option<BoxFuture>>,
  /// Set once the task runs on the runtime: aborting then goes through tokio.
  spawned: Mutex<Option<tokio::task::AbortHandle>>,
  aborted: AtomicBool,
  on_panic: Mutex<Option<Box<dyn FnOnce() + Send>>>,
  /// While WATCHING or POKED: the JS thread's watch on the socket the future waits for.
  watch: Mutex<Option<Watch>>,
  /// The JS thread it started on.
  js: Arc<dyn JsThread>,
  /// That thread's libuv loop (as an address): only there may its socket watch be touched. A
  /// wake on another JS thread (another worker's) goes through `js` like any foreign wake.
  owner_loop: usize,
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
/// Waiting, not yet on the runtime, for its socket, which the JS thread watches
/// (`socket_watch`): the JS thread polls it again when the socket is readable.
const WATCHING: u8 = 4;
/// Woken from another thread while WATCHING: the JS thread, asked through the bridge, stops the
/// watch and moves it to the runtime (only the JS thread may touch a watch).
const POKED: u8 = 5;

impl Task {
  /// Starts `fut` on this thread (or, with `poll_here` false, straight on the runtime); if it
  /// panics, `on_panic` runs instead of the panic reaching the FFI boundary (here or later on a
  /// worker).
  pub fn start<F, P>(fut: F, on_panic: P, poll_here: bool, js: Arc<dyn JsThread>) -> Task
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
      watch: Mutex::new(None),
      js,
      owner_loop: socket_watch::uv_loop() as usize,
    });
    *lock(&shared.fut) = Some(Box::pin(fut));
    if poll_here {
      shared.poll_here();
    } else {
      shared.state.store(GONE, Ordering::SeqCst);
      shared.hand_off();
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
    shared.stop_watch();
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
  /// Polls the parked future on this (JS) thread: the first poll of a request, and each time
  /// its watched socket turns readable. State is POLLING on entry.
  fn poll_here(self: &Arc<Self>) {
    let Some(mut fut) = lock(&self.fut).take() else {
      self.state.store(GONE, Ordering::SeqCst);
      return;
    };
    // Inside the runtime's context, so sockets register with its reactor (and whatever the
    // future drops here may spawn).
    let _enter = runtime().enter();
    let waker = Waker::from(self.clone());
    let mut cx = Context::from_waker(&waker);
    let (polled, wanted) = socket_watch::poll_here(|| {
      std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx)))
    });
    match polled {
      Ok(Poll::Ready(())) => self.state.store(GONE, Ordering::SeqCst),
      Err(_) => {
        self.state.store(GONE, Ordering::SeqCst);
        self.panicked();
      }
      Ok(Poll::Pending) => {
        *lock(&self.fut) = Some(fut);
        let watch = wanted.and_then(|fd| {
          let data = Arc::into_raw(self.clone()) as *mut std::ffi::c_void;
          let watch = Watch::start(fd, data, Shared::readable);
          if watch.is_none() {
            // SAFETY: the reference given to the watch that did not start.
            drop(unsafe { Arc::from_raw(data as *const Shared) });
          }
          watch
        });
        // Waiting for nothing but a socket nobody watches would never end: the runtime's
        // reactor takes over (the next read there registers with it).
        let next = match (wanted, &watch) {
          (_, Some(_)) => WATCHING,
          (Some(_), None) => GONE,
          (None, None) => IDLE,
        };
        *lock(&self.watch) = watch;
        if self
          .state
          .compare_exchange(POLLING, next, Ordering::SeqCst, Ordering::SeqCst)
          .is_err()
          || next == GONE
        {
          // Woken during the poll: it can make progress now, on the runtime.
          self.stop_watch();
          self.state.store(GONE, Ordering::SeqCst);
          self.hand_off();
        }
      }
    }
  }

  /// The watched socket is readable (JS thread, from libuv).
  unsafe fn readable(data: *mut std::ffi::c_void) {
    // A reference of our own: the watch's is dropped as the watch stops.
    let me = Arc::clone(&std::mem::ManuallyDrop::new(Arc::from_raw(
      data as *const Shared,
    )));
    me.stop_watch();
    if me
      .state
      .compare_exchange(WATCHING, POLLING, Ordering::SeqCst, Ordering::SeqCst)
      .is_ok()
    {
      me.poll_here();
    }
  }

  /// Spawns a task that was waiting off the runtime, stopping its watch first (a watch exists
  /// only on the JS thread, which is the only one to call this while there is one).
  fn move_to_runtime(self: &Arc<Self>) {
    self.stop_watch();
    self.spawn();
  }

  /// Stops the socket watch, if any (JS thread only), dropping the reference it held.
  fn stop_watch(&self) {
    let watch = lock(&self.watch).take();
    if let Some(watch) = watch {
      // SAFETY: the reference `poll_here` gave the watch.
      drop(unsafe { Arc::from_raw(watch.stop() as *const Shared) });
    }
  }

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
      spawn(async {
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
        if AssertUnwindSafe(idle::Polled(fut))
          .catch_unwind()
          .await
          .is_err()
        {
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

  /// Moves a POKED task to the runtime (its JS thread, asked by `wake_by_ref`).
  fn move_poked(self: &Arc<Self>) {
    if self
      .state
      .compare_exchange(POKED, GONE, Ordering::SeqCst, Ordering::SeqCst)
      .is_ok()
    {
      self.move_to_runtime();
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
    let next = loop {
      let next = match state {
        POLLING => NOTIFIED,
        IDLE => GONE,
        WATCHING if socket_watch::uv_loop() as usize == self.owner_loop => GONE,
        WATCHING => POKED,
        _ => return,
      };
      match self
        .state
        .compare_exchange(state, next, Ordering::SeqCst, Ordering::SeqCst)
      {
        Ok(_) => break next,
        Err(now) => state = now,
      }
    };
    match next {
      // From a worker's reactor this lands on that worker's own queue: no other thread wakes.
      // (A watch exists only when this is the JS thread, WATCHING before.)
      GONE => self.move_to_runtime(),
      POKED => {
        let task = self.clone();
        self.js.run(Box::new(move || task.move_poked()));
      }
      _ => {}
    }
  }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
  m.lock().unwrap_or_else(|p| p.into_inner())
}
