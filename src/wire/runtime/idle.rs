//! Work an engine thread puts off until it runs out of work: the wake-ups of JS threads.
//!
//! One engine turn typically finishes several responses (every socket the reactor found
//! readable). Woken at the first, a JS thread would deliver it alone and sleep again, to be woken
//! for the next one a few microseconds later: at 64 requests in flight that was 1.6 requests per
//! JS loop turn and one `eventfd` write per 3 requests. Put off until the engine thread is about
//! to wait (tokio's `on_thread_park`), the wake-ups of one turn go out together.
//!
//! Only work asked for inside a poll of a request's task ([`Polled`]) on a runtime worker is put
//! off: a worker's `on_thread_park` runs before it waits, and a request's poll always comes
//! before that. Anything asked for elsewhere (the time driver or the reactor waking a task
//! while the thread is parked, a blocking-pool thread, another task) runs at once, since no
//! park may follow it soon. Bounds, so that nothing waits on a busy engine: at most
//! [`MAX_HELD`] events are held on a thread, and for at most [`MAX_DELAY`], checked after each
//! poll of any task spawned through [`crate::wire::runtime::spawn`] ([`Checked`]); then
//! everything put off goes out. A caller with a large body chunk sends at once ([`flush`]).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Events held back at most before the put-off work runs anyway.
const MAX_HELD: u32 = 64;
/// How long the first of them waits at most (an engine turn at 64 requests in flight is
/// ~50-250 us).
const MAX_DELAY: Duration = Duration::from_micros(250);

type Job = Box<dyn FnOnce() + Send>;

thread_local! {
  /// Set the first time this thread parks as a runtime worker.
  static WORKER: Cell<bool> = const { Cell::new(false) };
  /// A request's task is being polled on this thread ([`Polled`]).
  static POLLING: Cell<bool> = const { Cell::new(false) };
  static JOBS: RefCell<Vec<Job>> = const { RefCell::new(Vec::new()) };
  static HELD: Cell<u32> = const { Cell::new(0) };
  /// When the first of the events held arrived.
  static SINCE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Runs `job` when this engine thread next runs out of work if called in a poll of a request's
/// task on a runtime worker; now anywhere else.
pub fn later(job: Job) {
  if holding() {
    JOBS.with(|j| j.borrow_mut().push(job));
  } else {
    job();
  }
}

/// One more event is waiting for the work put off; past [`MAX_HELD`] it all runs now (and
/// true is returned: the caller's own wake-up may be held on another thread, see
/// `Channel::emit`).
pub fn held() -> bool {
  if !holding() {
    return false;
  }
  let n = HELD.with(|h| h.get()) + 1;
  HELD.with(|h| h.set(n));
  if n == 1 {
    SINCE.with(|s| s.set(Some(Instant::now())));
  } else if n >= MAX_HELD {
    flush();
    return true;
  }
  false
}

/// Whether work asked for now may be put off (see the module doc).
fn holding() -> bool {
  WORKER.with(Cell::get) && POLLING.with(Cell::get)
}

/// A task poll ended: what has been held for [`MAX_DELAY`] goes out.
fn polled() {
  if let Some(since) = SINCE.with(Cell::get) {
    if since.elapsed() >= MAX_DELAY {
      flush();
    }
  }
}

/// Any task on the runtime: each poll ends with the check of [`polled`], so that what a request
/// put off waits no longer than [`MAX_DELAY`] while this thread runs other tasks.
pub struct Checked<F>(pub F);

impl<F: Future> Future for Checked<F> {
  type Output = F::Output;

  fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
    // SAFETY: structural pinning of the only field, which is never moved out.
    let inner = unsafe { self.map_unchecked_mut(|s| &mut s.0) };
    let result = inner.poll(cx);
    polled();
    result
  }
}

/// A request's task: what it asks for may be put off, and each poll ends with the check of
/// [`polled`].
pub struct Polled<F>(pub F);

impl<F: Future + Unpin> Future for Polled<F> {
  type Output = F::Output;

  fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
    // Cleared again even if the poll panics (the task's own catch_unwind is outside this).
    struct Polling;
    impl Drop for Polling {
      fn drop(&mut self) {
        POLLING.with(|p| p.set(false));
        polled();
      }
    }
    POLLING.with(|p| p.set(true));
    let _polling = Polling;
    Pin::new(&mut self.0).poll(cx)
  }
}

/// Runs everything put off on this thread.
pub fn flush() {
  HELD.with(|h| h.set(0));
  SINCE.with(|s| s.set(None));
  // Taken out first: a job may put off more (it then runs at the next park or flush).
  let jobs = JOBS.with(|j| std::mem::take(&mut *j.borrow_mut()));
  for job in jobs {
    // A job that panics must not keep the others (JS threads to wake) from running.
    drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)));
  }
}

/// tokio's `on_thread_park`: this thread is a worker and has nothing left to do.
pub(super) fn parking() {
  WORKER.with(|w| w.set(true));
  flush();
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::{AtomicUsize, Ordering};
  use std::sync::Arc;

  fn counter() -> (Arc<AtomicUsize>, impl Fn() -> Job) {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    (runs, move || {
      let r = r.clone();
      Box::new(move || {
        r.fetch_add(1, Ordering::SeqCst);
      }) as Job
    })
  }

  #[test]
  fn a_thread_that_never_parked_runs_jobs_at_once() {
    let (runs, job) = counter();
    std::thread::spawn(move || later(job())).join().unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
  }

  #[test]
  fn a_worker_runs_them_when_it_parks_or_holds_too_many() {
    let (runs, job) = counter();
    let seen = runs.clone();
    std::thread::spawn(move || {
      parking();
      POLLING.with(|p| p.set(true));
      later(job());
      held();
      assert_eq!(seen.load(Ordering::SeqCst), 0);
      parking();
      assert_eq!(seen.load(Ordering::SeqCst), 1);
      later(job());
      for _ in 0..MAX_HELD - 1 {
        held();
      }
      assert_eq!(seen.load(Ordering::SeqCst), 1);
      held();
      assert_eq!(seen.load(Ordering::SeqCst), 2);
      later(job());
      held();
      polled();
      assert_eq!(seen.load(Ordering::SeqCst), 2);
      std::thread::sleep(MAX_DELAY);
      polled();
      assert_eq!(seen.load(Ordering::SeqCst), 3);
      // Outside a request's poll (the driver waking a task while parked): at once.
      POLLING.with(|p| p.set(false));
      later(job());
      assert_eq!(seen.load(Ordering::SeqCst), 4);
    })
    .join()
    .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 4);
  }
}
