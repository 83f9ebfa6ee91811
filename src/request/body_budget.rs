//! How much response body the engine keeps in memory for JS, across all requests.
//!
//! The engine reads sockets on its own threads, far faster than one JS thread can take many
//! responses at once. Without a bound, everything that arrives is read out of the kernel's socket
//! buffers (which do not count toward the process) into queued chunks: bench W5, 1,000 responses
//! of 64 KiB at once, had all 1,000 second chunks (31 MiB) read and converted in one delivery.
//! Node's own clients read a socket only when their JS gets to it; this is the same pacing,
//! budget-wide instead of per socket.
//!
//! Two bounds, so that a paused consumer can never stall anyone else:
//! - the queue: body chunks waiting in the bridge for JS, plus reads in progress. The bridge
//!   hands the whole queue to JS at every delivery, whatever the streams' state, so this budget
//!   always comes back. Reads wait for room here.
//! - read-ahead: chunks read before JS asked for them (held by their request until it does,
//!   which a paused consumer may never do). Reading ahead is skipped, never waited for, when
//!   this is full.

use crate::config::TUNING;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

use tokio::sync::{AcquireError, Semaphore, SemaphorePermit, TryAcquireError};

static BUDGET: Budget = Budget::new(TUNING.body_queue_limit, TUNING.body_ahead_limit);

/// Room reserved in the queue budget for one read; given back when dropped.
pub type Room = SemaphorePermit<'static>;

type Acquiring<'a> = dyn Future<Output = Result<SemaphorePermit<'a>, AcquireError>> + Send + 'a;

pub struct Budget {
  queue_limit: usize,
  ahead_limit: usize,
  /// Free room in the queue budget, in bytes.
  room: Semaphore,
  /// Bytes queued beyond the budget (a chunk that arrived without room reserved for it, such
  /// as the body bytes read with a response head): repaid before room is given back.
  debt: AtomicUsize,
  ahead: AtomicUsize,
}

/// Runs `read`, a read of up to `bound` bytes, under the global budget (see [`Budget::with_room`]).
pub async fn with_room<F: Future>(bound: usize, read: F) -> (F::Output, Option<Room>) {
  BUDGET.with_room(bound, read).await
}

/// `len` body bytes joined the bridge's queue.
pub fn queued(len: usize) {
  BUDGET.queued(len);
}

/// `len` body bytes left the bridge's queue for JS.
pub fn handed_over(len: usize) {
  BUDGET.handed_over(len);
}

impl Budget {
  pub const fn new(queue_limit: usize, ahead_limit: usize) -> Budget {
    Budget {
      queue_limit,
      ahead_limit,
      room: Semaphore::const_new(queue_limit),
      debt: AtomicUsize::new(0),
      ahead: AtomicUsize::new(0),
    }
  }

  /// Runs `read` (a read of up to `bound` bytes) only while the queue has room for it, and
  /// returns that room with the result: the caller drops it once the chunk is queued (and
  /// counted by [`Budget::queued`]).
  ///
  /// The room is held only while `read` is being polled: a read that has to wait for the
  /// network gives it back until the socket is ready, so responses that are slow to arrive (a
  /// server's long-lived event stream, say) never take room from ones whose bytes are there. A
  /// read woken while the queue is full waits for room first, and its bytes stay in the socket.
  pub async fn with_room<F: Future>(
    &self,
    bound: usize,
    read: F,
  ) -> (F::Output, Option<SemaphorePermit<'_>>) {
    let want = bound.min(self.queue_limit) as u32;
    let mut read = pin!(read);
    let mut waiting: Option<Pin<Box<Acquiring<'_>>>> = None;
    poll_fn(|cx| {
      if want == 0 {
        return read.as_mut().poll(cx).map(|out| (out, None));
      }
      let mut room = None;
      if waiting.is_none() {
        match self.room.try_acquire_many(want) {
          Ok(taken) => room = Some(taken),
          // Waited for in turn (first come, first served), below.
          Err(TryAcquireError::NoPermits) => waiting = Some(Box::pin(self.room.acquire_many(want))),
          Err(TryAcquireError::Closed) => {}
        }
      }
      if let Some(acquiring) = waiting.as_mut() {
        let Poll::Ready(taken) = acquiring.as_mut().poll(cx) else {
          return Poll::Pending;
        };
        waiting = None;
        room = taken.ok();
      }
      match read.as_mut().poll(cx) {
        Poll::Ready(out) => Poll::Ready((out, room)),
        Poll::Pending => {
          // Back to the budget until the socket wakes this read.
          drop(room);
          Poll::Pending
        }
      }
    })
    .await
  }

  pub fn queued(&self, len: usize) {
    if len == 0 {
      return;
    }
    let available = self.room.available_permits().min(len);
    let taken = match self.room.try_acquire_many(available as u32) {
      Ok(room) => {
        room.forget();
        available
      }
      Err(_) => 0,
    };
    if taken < len {
      self.debt.fetch_add(len - taken, Ordering::Relaxed);
    }
  }

  pub fn handed_over(&self, len: usize) {
    let mut left = len;
    let mut debt = self.debt.load(Ordering::Relaxed);
    while debt > 0 && left > 0 {
      let pay = debt.min(left);
      match self
        .debt
        .compare_exchange_weak(debt, debt - pay, Ordering::Relaxed, Ordering::Relaxed)
      {
        Ok(_) => left -= pay,
        Err(now) => debt = now,
      }
    }
    if left > 0 {
      self.room.add_permits(left);
    }
  }

  /// Room to read up to `bound` bytes ahead of JS's asking, if the read-ahead budget has it.
  pub fn try_ahead(&self, bound: usize) -> Option<Ahead<'_>> {
    let mut now = self.ahead.load(Ordering::Relaxed);
    loop {
      if now + bound > self.ahead_limit {
        return None;
      }
      match self
        .ahead
        .compare_exchange_weak(now, now + bound, Ordering::Relaxed, Ordering::Relaxed)
      {
        Ok(_) => {
          return Some(Ahead {
            budget: self,
            len: bound,
          })
        }
        Err(seen) => now = seen,
      }
    }
  }
}

/// A share of the global read-ahead budget (see [`Budget::try_ahead`]).
pub fn try_ahead(bound: usize) -> Option<Ahead<'static>> {
  BUDGET.try_ahead(bound)
}

/// A share of the read-ahead budget, held while a chunk read ahead waits for JS to ask.
pub struct Ahead<'a> {
  budget: &'a Budget,
  len: usize,
}

impl Ahead<'_> {
  /// The read came back with `len` bytes: hold just those.
  pub fn resize(&mut self, len: usize) {
    let ahead = &self.budget.ahead;
    if len > self.len {
      ahead.fetch_add(len - self.len, Ordering::Relaxed);
    } else {
      ahead.fetch_sub(self.len - len, Ordering::Relaxed);
    }
    self.len = len;
  }
}

impl Drop for Ahead<'_> {
  fn drop(&mut self) {
    self.budget.ahead.fetch_sub(self.len, Ordering::Relaxed);
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::task::Context;

  fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(std::task::Waker::noop()))
  }

  #[test]
  fn a_read_waiting_for_the_network_holds_no_room() {
    let budget = Budget::new(100, 0);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut slow = pin!(budget.with_room(100, rx));
    assert!(poll_once(slow.as_mut()).is_pending());
    // All of the room is free again: another read whose bytes are there goes ahead.
    let mut ready = pin!(budget.with_room(100, async { 7 }));
    let Poll::Ready((7, Some(room))) = poll_once(ready.as_mut()) else {
      panic!("the ready read should have gone ahead with room");
    };
    drop(room);
    tx.send(()).unwrap();
    assert!(matches!(
      poll_once(slow.as_mut()),
      Poll::Ready((Ok(()), Some(_)))
    ));
  }

  #[test]
  fn a_full_queue_holds_reads_back_until_it_is_handed_over() {
    let budget = Budget::new(100, 0);
    budget.queued(100);
    let mut read = pin!(budget.with_room(10, async { 1 }));
    assert!(poll_once(read.as_mut()).is_pending());
    budget.handed_over(100);
    assert!(matches!(
      poll_once(read.as_mut()),
      Poll::Ready((1, Some(_)))
    ));
  }

  #[test]
  fn bytes_queued_past_the_budget_are_repaid_before_room_comes_back() {
    let budget = Budget::new(100, 0);
    budget.queued(150);
    assert_eq!(budget.room.available_permits(), 0);
    budget.handed_over(40);
    assert_eq!(budget.room.available_permits(), 0);
    budget.handed_over(110);
    assert_eq!(budget.room.available_permits(), 100);
  }

  #[test]
  fn reading_ahead_stops_at_its_budget_and_resumes_as_shares_are_let_go() {
    let budget = Budget::new(100, 64);
    let mut first = budget.try_ahead(48).unwrap();
    assert!(budget.try_ahead(32).is_none());
    first.resize(16);
    let second = budget.try_ahead(32).unwrap();
    drop(first);
    drop(second);
    assert!(budget.try_ahead(64).is_some());
  }
}
