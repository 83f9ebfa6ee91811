//! The request functions JS calls (`startRequest`, `requestWrite`, ...) and the table of the
//! requests this thread's environment has started, addressed by id.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use tokio::sync::{mpsc, Semaphore};
use url::Url;

use crate::binding::env;
use crate::binding::js_chunk::JsChunk;
use crate::config::TUNING;
use crate::errors::NetError;
use crate::request::auth::Credentials;
use crate::request::events::{Channel, Event, Lifeline};
use crate::request::hop::{self, RequestOptions, RequestSpec};
use crate::request::reporter::{Decision, Reporter};
use crate::wire::runtime::Task;
use crate::wire::upload::{ChunkedUpload, Queued, UploadBody, UploadMsg};

/// The request options in the positional list `lib/options.js` builds: `[credentials, cache,
/// priority, priorityIncremental, referrerPolicy, origin, useSessionCookies]`, the flag as `'true'`/`'false'`. Why
/// a list: reading named properties through N-API cost ~7 % of the JS thread's time at 64
/// requests in flight (each name is made into a V8 string per request).
fn options_from_list(list: Vec<Option<String>>) -> RequestOptions {
  let mut it = list.into_iter();
  let mut next = || it.next().flatten();
  let flag = |v: Option<String>| v.map(|v| v == "true");
  RequestOptions {
    credentials: next(),
    cache: next(),
    priority: next(),
    priority_incremental: flag(next()),
    referrer_policy: next(),
    origin: next(),
    use_session_cookies: flag(next()).unwrap_or(false),
  }
}

/// What the JS thread holds of a started request, addressed by the request's id.
///
/// Requests are plain functions over an id rather than a JS class: a wrapped native object costs
/// an allocation, a weak reference and a finalizer per request (several microseconds, measured),
/// and nothing native exists for a request that is never started.
struct Handle {
  /// The module load that started it (its events go to that load's dispatcher).
  load: u32,
  channel: Arc<Channel>,
  lifeline: Arc<Lifeline>,
  credit: Arc<Semaphore>,
  upload: Option<mpsc::UnboundedSender<UploadMsg>>,
  queued: Arc<Queued>,
  decisions: mpsc::UnboundedSender<Decision>,
  task: crate::wire::runtime::Task,
}

thread_local! {
  // Only the JS thread touches handles (every napi call and the bridge's delivery run there);
  // one table per thread is one per N-API environment (see `bridge`).
  static HANDLES: RefCell<HashMap<u32, Handle>> = RefCell::new(HashMap::new());
}

fn with_handle<R>(id: u32, f: impl FnOnce(&Handle) -> R) -> Option<R> {
  HANDLES.with(|h| h.borrow().get(&id).map(f))
}

/// Drops the handle of a request whose terminal event has been delivered (bridge, JS thread).
pub fn forget(id: u32) {
  HANDLES.with(|h| h.borrow_mut().remove(&id));
}

/// Ends a request JS can no longer be told about (its events cannot be converted): the task is
/// stopped, so it neither runs on unobserved nor keeps a socket watched.
pub fn abort_quietly(id: u32) {
  if let Some(h) = HANDLES.with(|h| h.borrow_mut().remove(&id)) {
    h.lifeline.cancelled.store(true, Ordering::SeqCst);
    h.task.abort();
  }
}

/// Aborts every request of this thread's environment, which is being torn down (bridge).
pub fn abort_all() {
  let handles = HANDLES.with(|h| std::mem::take(&mut *h.borrow_mut()));
  for (_, h) in handles {
    h.lifeline.cancelled.store(true, Ordering::SeqCst);
    h.task.abort();
  }
}

/// `Url::parse` on the JS thread, remembering the last text and its result: an app tends to
/// request the same URL again and again, and a clone costs a fraction of a parse (which runs
/// IDNA over every host; ~6 % of the JS thread per request at 64 in flight, bench W2). Keyed by
/// the exact text, so a hit is the parse's own result.
fn parse_url(text: String) -> Result<Url, url::ParseError> {
  thread_local! {
    static LAST: RefCell<Option<(String, Url)>> = const { RefCell::new(None) };
  }
  LAST.with(|last| {
    let mut last = last.borrow_mut();
    if let Some((seen, url)) = last.as_ref() {
      if *seen == text {
        return Ok(url.clone());
      }
    }
    let url = Url::parse(&text)?;
    *last = Some((text, url.clone()));
    Ok(url)
  })
}

/// Starts a request for module load `load` and returns its id, which the other `request*`
/// functions and its events carry: `body` is the whole buffered body, or null. In chunked mode
/// the body comes through `requestWrite()` / `requestFinish()` instead.
#[allow(clippy::too_many_arguments)] // one call per request, straight from lib/client-request.js
#[napi(catch_unwind)]
pub fn start_request(
  load: u32,
  session: u32,
  method: String,
  url: String,
  headers: Vec<String>,
  chunked: bool,
  options: Option<Vec<Option<String>>>,
  body: Option<Buffer>,
) -> napi::Result<u32> {
  // A start that fails throws the Chromium name of its error; `lib/bridge.js` turns it into the
  // request's 'error' (every text users see is made in `lib/errors.js`). JS validated the URL
  // already, and the load and session exist while JS holds them: these are internal failures.
  let fail = |e: NetError| napi::Error::new(napi::Status::InvalidArg, e.name);
  let channel = env::channel(load).ok_or_else(|| fail(NetError::ERR_FAILED))?;
  let session =
    crate::binding::session::by_id(session).ok_or_else(|| fail(NetError::ERR_FAILED))?;
  let url = parse_url(url).map_err(|_| fail(NetError::ERR_INVALID_URL))?;
  let mut pairs = headers.into_iter();
  let mut header_list = Vec::new();
  while let Some(name) = pairs.next() {
    header_list.push((name, pairs.next().unwrap_or_default()));
  }
  let spec = RequestSpec {
    method,
    url,
    headers: header_list,
    chunked,
    options: options.map(options_from_list).unwrap_or_default(),
  };
  let lifeline = Arc::new(Lifeline::default());
  let credit = Arc::new(Semaphore::new(0));
  let queued = Arc::new(Queued::default());
  let (upload_tx, upload) = if spec.chunked {
    let (tx, rx) = mpsc::unbounded_channel();
    let body = UploadBody::Chunked(ChunkedUpload {
      rx,
      queued: queued.clone(),
    });
    (Some(tx), body)
  } else {
    let body = match body {
      Some(b) => UploadBody::Buffered(Bytes::from_owner(JsChunk::new(b, channel.clone()))),
      None => UploadBody::Empty,
    };
    (None, body)
  };
  let (decisions, decision_rx) = mpsc::unbounded_channel();
  let id = env::next_request_id();
  env::retain(load, &lifeline);
  let reporter = Arc::new(Reporter {
    id,
    channel: channel.clone(),
    lifeline: lifeline.clone(),
    credit: credit.clone(),
  });
  let on_panic = reporter.clone();
  let fut = hop::perform(session, reporter, decision_rx, spec, upload);
  let task = Task::start(
    fut,
    // A bug in the engine fails this request instead of reaching the FFI boundary.
    move || on_panic.emit(Event::Error(NetError::ERR_FAILED)),
    env::in_flight() <= TUNING.poll_here_max_in_flight,
    channel.clone(),
  );
  HANDLES.with(|h| {
    h.borrow_mut().insert(
      id,
      Handle {
        load,
        channel,
        lifeline,
        credit,
        upload: upload_tx,
        queued,
        decisions,
        task,
      },
    )
  });
  Ok(id)
}

/// Queues one chunk of a chunked body: 1 when it is accepted at once; 0 when it is not, and a
/// `WriteAck` event follows once the engine takes it to write it; -1 when the request is over
/// (its terminal event has been handed to JS), so that nothing will take it or acknowledge it.
/// Once the exchange is over but before that (a server that answered before the body was sent),
/// chunks still count against the window though nothing sends them: a producer that writes
/// whenever `write()` returns true must still come to wait, so that the events ending the
/// request reach JS (`'end'` releases the write left waiting).
#[napi(catch_unwind)]
pub fn request_write(id: u32, chunk: Buffer) -> i32 {
  with_handle(id, |h| {
    let Some(tx) = &h.upload else {
      return 1;
    };
    let accepted = h.queued.add(chunk.len());
    let chunk = Bytes::from_owner(JsChunk::new(chunk, h.channel.clone()));
    let _ = tx.send(UploadMsg::Chunk(chunk, accepted));
    i32::from(accepted)
  })
  .unwrap_or(-1)
}

/// Ends a chunked body. True when the engine takes the end (a `WriteAck` event acknowledges
/// it); false when the request's upload is already over (its response is complete, or it
/// failed), so there is nothing to wait for.
#[napi(catch_unwind)]
pub fn request_finish(id: u32) -> bool {
  with_handle(id, |h| {
    h.upload
      .as_ref()
      .is_some_and(|tx| tx.send(UploadMsg::End).is_ok())
  })
  .unwrap_or(false)
}

/// Lets the engine read one more body chunk from the network; a parked request keeps Node
/// alive again.
#[napi(catch_unwind)]
pub fn request_read(id: u32) {
  with_handle(id, |h| {
    if !h.lifeline.holds_ref.load(Ordering::Relaxed) {
      env::unpark(h.load, &h.lifeline);
    }
    if h.credit.available_permits() < TUNING.max_banked_credit {
      h.credit.add_permits(1);
    }
  });
}

/// The response body waits for the app (its stream is full and nothing reads it): the request
/// stops keeping Node alive, as a paused node:http socket does not, until `requestRead`. A script
/// that never reads a body can exit; one that reads later (a timer, a slow pipe) is kept alive by
/// what it waits for.
#[napi(catch_unwind)]
pub fn request_park(id: u32) {
  with_handle(id, |h| env::park(h.load, &h.lifeline));
}

/// Answers a `Redirect` event.
#[napi(catch_unwind)]
pub fn request_follow_redirect(id: u32, follow: bool) {
  with_handle(id, |h| h.decisions.send(Decision::Follow(follow)));
}

/// Answers a `Login` event: credentials retry the request, nothing delivers the challenge.
#[napi(catch_unwind)]
pub fn request_login(id: u32, username: Option<String>, password: Option<String>) {
  let creds = match (username, password) {
    (Some(username), Some(password)) => Some(Credentials { username, password }),
    _ => None,
  };
  with_handle(id, |h| h.decisions.send(Decision::Login(creds)));
}

/// Cancels the request: the socket is closed and no further event is delivered.
#[napi(catch_unwind)]
pub fn request_abort(id: u32) {
  let Some(h) = HANDLES.with(|h| h.borrow_mut().remove(&id)) else {
    return;
  };
  h.lifeline.cancelled.store(true, Ordering::SeqCst);
  h.task.abort();
  env::release(h.load, &h.lifeline);
}
