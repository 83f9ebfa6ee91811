//! `'upload-progress'` on Chromium's schedule (`services/network/upload_progress_tracker.cc`):
//! the exchange records how much of the body has gone out ([`UploadMeter`]); a report is made
//! on a 100 ms timer while the request waits for its response, and once more when the response
//! starts (`UploadProgressTracker::OnUploadCompleted`), each only if the body has moved on
//! since the last one and by enough (the end, over 0.5 % of it, or after a second). Reports
//! made whenever bytes reached the socket ran ahead of the server: a small body was reported
//! complete before the server had read it.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::TUNING;
use crate::request::events::Event;
use crate::request::reporter::Reporter;
use crate::wire::upload::{UploadBody, UploadEvents};

/// `kUploadProgressInterval`.
const INTERVAL: Duration = Duration::from_millis(100);

/// Whether the exchange of `body` gets the 100 ms timer. A body that goes out in one write has
/// nothing to report between its write and its response but the whole of it: it is reported
/// once, as the response starts (Chromium reports it at the first tick instead when the
/// response is slower than 100 ms). That spares every small POST a timer (an allocation, and
/// an entry the engine thread's timer wheel must service); the difference was within the noise
/// of a loaded 2-core machine, so this is for the hot path's sake, not a measured gain.
pub fn needs_ticks(body: &UploadBody) -> bool {
  match body {
    UploadBody::Empty => false,
    // Written in one go up to this size.
    UploadBody::Buffered(bytes) => bytes.len() > TUNING.upload_slice,
    UploadBody::Chunked(_) => true,
  }
}

/// How much of the request body has gone out, as the exchange says; write acknowledgements go
/// straight to JS.
pub struct UploadMeter {
  reporter: Arc<Reporter>,
  position: AtomicU64,
  total: AtomicU64,
}

impl UploadMeter {
  pub fn new(reporter: Arc<Reporter>) -> Arc<UploadMeter> {
    Arc::new(UploadMeter {
      reporter,
      position: AtomicU64::new(0),
      total: AtomicU64::new(0),
    })
  }

  fn now(&self) -> (u64, u64) {
    (
      self.position.load(Ordering::Relaxed),
      self.total.load(Ordering::Relaxed),
    )
  }
}

impl UploadEvents for UploadMeter {
  fn progress(&self, position: u64, total: u64) {
    self.total.store(total, Ordering::Relaxed);
    self.position.store(position, Ordering::Relaxed);
  }

  fn write_ack(&self) {
    self.reporter.emit(Event::WriteAck);
  }
}

/// What was last reported, across the hops of a request (a redirect or a retry starts the body
/// again: nothing is reported until it passes the last report).
#[derive(Default)]
pub struct Tracker {
  last_position: u64,
  last_at: Option<Instant>,
}

impl Tracker {
  /// `ReportUploadProgressIfNeeded`.
  fn report_if_needed(&mut self, meter: &UploadMeter) {
    let (position, total) = meter.now();
    if total == 0 || position <= self.last_position {
      return;
    }
    let now = Instant::now();
    let finished = position == total;
    let enough = position - self.last_position > total / 200;
    let long_ago = self
      .last_at
      .is_none_or(|at| now.duration_since(at) > Duration::from_secs(1));
    if finished || enough || long_ago {
      meter
        .reporter
        .emit(Event::UploadProgress { position, total });
      self.last_position = position;
      self.last_at = Some(now);
    }
  }

  /// Runs `exchange` (which sends the body and reads the response head), reporting every
  /// 100 ms while it runs.
  pub async fn track<F: Future>(&mut self, meter: &UploadMeter, exchange: F) -> F::Output {
    let mut exchange = pin!(exchange);
    let mut ticks = tokio::time::interval_at((Instant::now() + INTERVAL).into(), INTERVAL);
    // A late tick is not made up for with a burst: Chromium's timer runs again 100 ms later.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
      tokio::select! {
        biased;
        result = &mut exchange => return result,
        _ = ticks.tick() => self.report_if_needed(meter),
      }
    }
  }

  /// The response that will be delivered has started (`OnUploadCompleted`, called by
  /// `URLLoader` as the response starts, not on redirects): the last report, before
  /// `'response'`.
  pub fn completed(&mut self, meter: &UploadMeter) {
    self.report_if_needed(meter);
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::request::events::{Channel, Lifeline};

  fn meter() -> (Arc<UploadMeter>, Arc<Channel>) {
    let channel = Channel::new(Box::new(|| {}));
    let reporter = Arc::new(Reporter {
      id: 1,
      channel: channel.clone(),
      lifeline: Arc::new(Lifeline::default()),
      credit: Arc::new(tokio::sync::Semaphore::new(0)),
    });
    (UploadMeter::new(reporter), channel)
  }

  fn reports(channel: &Channel) -> Vec<(u64, u64)> {
    channel
      .drain()
      .events
      .into_iter()
      .filter_map(|q| match q.event {
        Event::UploadProgress { position, total } => Some((position, total)),
        _ => None,
      })
      .collect()
  }

  #[test]
  fn reports_only_progress_that_is_new_and_large_enough_as_chromium_does() {
    let (meter, channel) = meter();
    let mut tracker = Tracker::default();
    // Nothing written yet: nothing to report.
    tracker.report_if_needed(&meter);
    meter.progress(1, 1000);
    // The first progress is always reported (no report for a second).
    tracker.report_if_needed(&meter);
    // 2 bytes more is under 0.5 % of the body: not yet.
    meter.progress(3, 1000);
    tracker.report_if_needed(&meter);
    meter.progress(10, 1000);
    tracker.report_if_needed(&meter);
    tracker.report_if_needed(&meter);
    meter.progress(1000, 1000);
    tracker.completed(&meter);
    // A redirect sends the body again: nothing until it passes the last report.
    meter.progress(500, 1000);
    tracker.report_if_needed(&meter);
    assert_eq!(reports(&channel), [(1, 1000), (10, 1000), (1000, 1000)]);
  }

  #[tokio::test]
  async fn reports_on_a_100_ms_timer_while_the_exchange_runs() {
    let (meter, channel) = meter();
    let mut tracker = Tracker::default();
    let sender = meter.clone();
    let exchange = async move {
      for step in 1..=10u64 {
        sender.progress(step * 100, 1000);
        tokio::time::sleep(Duration::from_millis(45)).await;
      }
    };
    tracker.track(&meter, exchange).await;
    // 450 ms of sending: ticks at 100, 200, 300 and 400 ms (fewer on a loaded machine, never
    // more), none when bytes were written.
    let seen = reports(&channel);
    assert!((2..=4).contains(&seen.len()), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    tracker.completed(&meter);
    assert_eq!(reports(&channel), [(1000, 1000)]);
  }
}
