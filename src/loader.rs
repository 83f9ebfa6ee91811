//! `NativeRequest`, the object a JS `ClientRequest` drives, and the task that performs one
//! transaction: pick a connection, send the head and body, report the response, then stream the
//! body under the consumer's credit (Electron's `data(chunk, resume)` contract, reference §5).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use napi::bindgen_prelude::Buffer;
use napi::Env;
use napi_derive::napi;
use tokio::sync::{mpsc, Semaphore};

use crate::bridge::{self, Event, Lifeline};
use crate::errors::{classify, NetError, Stage};
use crate::headers::{self, BodySize};
use crate::http1::{self, body, request_head, response_head::ResponseHead};
use crate::http2::{H2Body, H2Sender};
use crate::pool::{self, Conn, Origin};
use crate::session::{NativeSession, SessionInner};
use crate::upload::{ProgressClock, UploadBody, UploadMsg};

/// Options that later features act on (cookies, cache, priority, referrer, redirects). They are
/// validated in JS and carried here now so those features plug in without a new bridge.
#[napi(object)]
#[derive(Default, Clone)]
pub struct NativeRequestOptions {
  pub credentials: Option<String>,
  pub use_session_cookies: Option<bool>,
  pub cache: Option<String>,
  pub priority: Option<String>,
  pub priority_incremental: Option<bool>,
  pub referrer_policy: Option<String>,
  pub origin: Option<String>,
  pub redirect: Option<String>,
}

/// Everything the engine needs to perform the request.
struct RequestSpec {
  method: String,
  url: url::Url,
  headers: Vec<(String, String)>,
  chunked: bool,
  // Read by the redirect, cookie and cache features (issues 3+); carried from JS already.
  #[allow(dead_code)]
  options: NativeRequestOptions,
}

/// What the engine task shares with the JS-thread methods of its request.
struct Reporter {
  id: u32,
  lifeline: Arc<Lifeline>,
  /// Permits granted by `read()`: one permit lets one more body chunk be read from the network.
  credit: Arc<Semaphore>,
}

impl Reporter {
  fn emit(&self, event: Event) {
    bridge::emit(self.id, &self.lifeline, event);
  }

  async fn wait_for_credit(&self) {
    if let Ok(permit) = self.credit.acquire().await {
      permit.forget();
    }
  }
}

/// Most read() credits that may be banked ahead of data; JS grants one per `_read`.
const MAX_BANKED_CREDIT: usize = 4;

#[napi]
pub struct NativeRequest {
  id: u32,
  session: Arc<SessionInner>,
  spec: Option<RequestSpec>,
  lifeline: Arc<Lifeline>,
  credit: Arc<Semaphore>,
  upload: Option<mpsc::UnboundedSender<UploadMsg>>,
  task: Option<tokio::task::AbortHandle>,
}

#[napi]
impl NativeRequest {
  /// Prepares a request; nothing touches the network until `start()`.
  #[napi(constructor, catch_unwind)]
  pub fn new(
    id: u32,
    session: &NativeSession,
    method: String,
    url: String,
    headers: Vec<String>,
    chunked: bool,
    options: Option<NativeRequestOptions>,
  ) -> napi::Result<NativeRequest> {
    let url = url::Url::parse(&url)
      .map_err(|_| napi::Error::new(napi::Status::InvalidArg, "Invalid URL"))?;
    let headers = headers
      .chunks(2)
      .map(|pair| (pair[0].clone(), pair.get(1).cloned().unwrap_or_default()))
      .collect();
    Ok(NativeRequest {
      id,
      session: session.inner.clone(),
      spec: Some(RequestSpec {
        method,
        url,
        headers,
        chunked,
        options: options.unwrap_or_default(),
      }),
      lifeline: Arc::new(Lifeline::default()),
      credit: Arc::new(Semaphore::new(0)),
      upload: None,
      task: None,
    })
  }

  /// Starts the transaction: `body` is the whole buffered body, or null. In chunked mode the
  /// body comes through `write()` / `finish()` instead.
  #[napi(catch_unwind)]
  pub fn start(&mut self, env: Env, body: Option<Buffer>) -> napi::Result<()> {
    let Some(spec) = self.spec.take() else {
      return Ok(());
    };
    if self.lifeline.cancelled.load(Ordering::SeqCst) {
      return Ok(());
    }
    let upload = if spec.chunked {
      let (tx, rx) = mpsc::unbounded_channel();
      self.upload = Some(tx);
      UploadBody::Chunked(rx)
    } else {
      match body {
        Some(b) => UploadBody::buffered(b),
        None => UploadBody::Empty,
      }
    };
    bridge::retain(&env, &self.lifeline)?;
    let reporter = Arc::new(Reporter {
      id: self.id,
      lifeline: self.lifeline.clone(),
      credit: self.credit.clone(),
    });
    let session = self.session.clone();
    let on_panic = reporter.clone();
    self.task = Some(crate::runtime::spawn_guarded(
      async move {
        if let Err(e) = run(&session, spec, upload, &reporter).await {
          reporter.emit(Event::Error(e));
        }
      },
      // A bug in the engine fails this request instead of reaching the FFI boundary.
      move || on_panic.emit(Event::Error(NetError::ERR_FAILED)),
    ));
    Ok(())
  }

  /// Queues one chunk of a chunked body; acknowledged by a `WriteAck` event.
  #[napi(catch_unwind)]
  pub fn write(&self, chunk: Buffer) {
    if let Some(tx) = &self.upload {
      let _ = tx.send(UploadMsg::Chunk(chunk));
    }
  }

  /// Ends a chunked body; acknowledged by a `WriteAck` event.
  #[napi(catch_unwind)]
  pub fn finish(&self) {
    if let Some(tx) = &self.upload {
      let _ = tx.send(UploadMsg::End);
    }
  }

  /// Lets the engine read one more body chunk from the network.
  #[napi(catch_unwind)]
  pub fn read(&self) {
    if self.credit.available_permits() < MAX_BANKED_CREDIT {
      self.credit.add_permits(1);
    }
  }

  /// Cancels the transaction: the socket is closed and no further event is delivered.
  #[napi(catch_unwind)]
  pub fn abort(&mut self, env: Env) {
    self.lifeline.cancelled.store(true, Ordering::SeqCst);
    self.spec = None;
    self.upload = None;
    if let Some(task) = self.task.take() {
      task.abort();
    }
    bridge::release(&env, &self.lifeline);
  }
}

/// Performs one transaction; an `Err` becomes the request's `'error'`.
async fn run(
  session: &SessionInner,
  spec: RequestSpec,
  body: UploadBody,
  reporter: &Reporter,
) -> Result<(), NetError> {
  headers::check_wire_safe(&spec.headers)?;
  let origin = pool::origin_of(&spec.url)?;
  let user_agent = session.user_agent();
  let conn = session.pool.checkout(&origin).await?;
  match conn {
    Conn::H2(sender) => exchange_h2(sender, &spec, body, &user_agent, reporter).await,
    Conn::H1(conn) => {
      let replay = if conn.reused { body.replay() } else { None };
      match send_h1(conn, &spec, body, &user_agent, reporter).await {
        Ok((conn, head)) => receive_h1(session, &origin, conn, &spec, head, reporter).await,
        // A reused keep-alive connection the server had already closed: retry once on a new
        // one, as hyper and Chromium do, when the body can be sent again.
        Err(SendFailure {
          retryable: true,
          error,
        }) => {
          let Some(body) = replay else {
            return Err(error);
          };
          match session.pool.connect(&origin).await? {
            Conn::H2(sender) => exchange_h2(sender, &spec, body, &user_agent, reporter).await,
            Conn::H1(conn) => {
              let (conn, head) = send_h1(conn, &spec, body, &user_agent, reporter)
                .await
                .map_err(|f| f.error)?;
              receive_h1(session, &origin, conn, &spec, head, reporter).await
            }
          }
        }
        Err(failure) => Err(failure.error),
      }
    }
  }
}

struct SendFailure {
  error: NetError,
  /// Nothing was received on a reused connection: the request may be sent again.
  retryable: bool,
}

fn request_target(url: &url::Url) -> &str {
  &url[url::Position::BeforePath..url::Position::AfterQuery]
}

fn host_header(url: &url::Url) -> &str {
  &url[url::Position::BeforeHost..url::Position::AfterPort]
}

fn body_size(body: &UploadBody) -> BodySize {
  match body {
    UploadBody::Empty => BodySize::None,
    UploadBody::Buffered(b) => BodySize::Known(b.len() as u64),
    UploadBody::Chunked(_) => BodySize::Chunked,
  }
}

/// Slice size for buffered uploads, so progress can be reported while a large body is sent.
const UPLOAD_SLICE: usize = 256 * 1024;

/// Sends the request head and body on an HTTP/1.1 connection and reads the response head.
async fn send_h1(
  mut conn: http1::Connection,
  spec: &RequestSpec,
  body: UploadBody,
  user_agent: &str,
  reporter: &Reporter,
) -> Result<(http1::Connection, ResponseHead), SendFailure> {
  let reused = conn.reused;
  let wire_headers = headers::compose_h1(
    host_header(&spec.url),
    &spec.method,
    &spec.headers,
    body_size(&body),
    user_agent,
  );
  let head = request_head::encode(&spec.method, request_target(&spec.url), &wire_headers);
  let early = |error: NetError| SendFailure {
    error,
    retryable: reused,
  };
  match body {
    UploadBody::Empty => {
      conn.write_all(&head).await.map_err(early)?;
      conn.flush().await.map_err(early)?;
    }
    UploadBody::Buffered(bytes) => {
      send_buffered(&mut conn, head, bytes, reporter)
        .await
        .map_err(early)?;
    }
    UploadBody::Chunked(rx) => {
      conn.write_all(&head).await.map_err(early)?;
      conn.flush().await.map_err(early)?;
      send_chunked(&mut conn, rx, reporter)
        .await
        .map_err(|error| SendFailure {
          error,
          retryable: false,
        })?;
    }
  }
  match conn.read_head().await {
    Ok(head) => Ok((conn, head)),
    Err(e) => Err(SendFailure {
      error: e.error,
      retryable: reused && e.nothing_received,
    }),
  }
}

async fn send_buffered(
  conn: &mut http1::Connection,
  head: Vec<u8>,
  bytes: Bytes,
  reporter: &Reporter,
) -> Result<(), NetError> {
  let total = bytes.len() as u64;
  if bytes.len() <= UPLOAD_SLICE {
    let mut message = head;
    message.extend_from_slice(&bytes);
    conn.write_all(&message).await?;
  } else {
    conn.write_all(&head).await?;
    let mut clock = ProgressClock::new();
    let mut sent = 0u64;
    for slice in bytes.chunks(UPLOAD_SLICE) {
      conn.write_all(slice).await?;
      sent += slice.len() as u64;
      if clock.due() && sent < total {
        reporter.emit(Event::UploadProgress {
          position: sent,
          total,
        });
      }
    }
  }
  conn.flush().await?;
  if total > 0 {
    reporter.emit(Event::UploadProgress {
      position: total,
      total,
    });
  }
  Ok(())
}

async fn send_chunked(
  conn: &mut http1::Connection,
  mut rx: mpsc::UnboundedReceiver<UploadMsg>,
  reporter: &Reporter,
) -> Result<(), NetError> {
  let mut sent = 0u64;
  let mut clock = ProgressClock::new();
  loop {
    match rx.recv().await {
      Some(UploadMsg::Chunk(chunk)) => {
        conn.write_chunk(&chunk).await?;
        sent += chunk.len() as u64;
        reporter.emit(Event::WriteAck);
        // For a chunked body the total is unknown: Electron leaves it open (reference §2.7),
        // we report the bytes sent so far as both position and total.
        if clock.due() {
          reporter.emit(Event::UploadProgress {
            position: sent,
            total: sent,
          });
        }
      }
      Some(UploadMsg::End) => {
        conn.write_last_chunk().await?;
        reporter.emit(Event::UploadProgress {
          position: sent,
          total: sent,
        });
        reporter.emit(Event::WriteAck);
        return Ok(());
      }
      // The JS request went away without ending its body.
      None => return Err(NetError::ERR_FAILED),
    }
  }
}

/// Whether any of `values` lists `token` (a comma-separated header such as `Connection`).
fn lists_token<'a>(mut values: impl Iterator<Item = &'a str>, token: &str) -> bool {
  values.any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

/// Whether the connection may carry another request after this exchange (RFC 9112 §9.3).
fn keep_alive(spec: &RequestSpec, head: &ResponseHead) -> bool {
  let request_connection = spec
    .headers
    .iter()
    .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
    .map(|(_, v)| v.as_str());
  if lists_token(request_connection, "close") || lists_token(head.values("connection"), "close") {
    return false;
  }
  head.minor_version >= 1 || lists_token(head.values("connection"), "keep-alive")
}

async fn receive_h1(
  session: &SessionInner,
  origin: &Origin,
  mut conn: http1::Connection,
  spec: &RequestSpec,
  head: ResponseHead,
  reporter: &Reporter,
) -> Result<(), NetError> {
  let mut decoder = body::Decoder::new(body::framing(&spec.method, &head)?);
  let reusable = keep_alive(spec, &head) && decoder.reusable();
  reporter.emit(Event::Response {
    status: head.status,
    status_text: head.reason.clone(),
    http_version: if head.minor_version == 0 {
      "1.0"
    } else {
      "1.1"
    },
    raw_headers: head.flat_headers(),
  });
  let mut received = 0u64;
  while let Some(chunk) = conn.read_body(&mut decoder).await? {
    received += chunk.len() as u64;
    reporter.emit(Event::Data {
      chunk: chunk.to_vec(),
      received,
    });
    if conn.settle(&mut decoder)? {
      break;
    }
    reporter.wait_for_credit().await;
  }
  reporter.emit(Event::End);
  if reusable && decoder.is_done() && !conn.has_leftover() {
    session.pool.checkin(origin, conn);
  }
  Ok(())
}

/// One HTTP/2 exchange on a shared connection.
async fn exchange_h2(
  mut sender: H2Sender,
  spec: &RequestSpec,
  body: UploadBody,
  user_agent: &str,
  reporter: &Reporter,
) -> Result<(), NetError> {
  let wire_headers = headers::compose_h2(&spec.headers, body_size(&body), &spec.method, user_agent);
  let h2_body = match body {
    UploadBody::Empty => H2Body::Empty,
    UploadBody::Buffered(bytes) => {
      let total = bytes.len() as u64;
      if total > 0 {
        // hyper takes the whole buffered body at once; report it as handed over.
        reporter.emit(Event::UploadProgress {
          position: total,
          total,
        });
      }
      H2Body::Full(Some(bytes))
    }
    UploadBody::Chunked(rx) => {
      let id = reporter.id;
      let lifeline = reporter.lifeline.clone();
      let mut sent = 0u64;
      H2Body::Stream {
        rx,
        done: false,
        listener: Box::new(move |len| {
          if let Some(len) = len {
            sent += len as u64;
          } else {
            bridge::emit(
              id,
              &lifeline,
              Event::UploadProgress {
                position: sent,
                total: sent,
              },
            );
          }
          bridge::emit(id, &lifeline, Event::WriteAck);
        }),
      }
    }
  };
  let mut builder = http::Request::builder()
    .method(spec.method.as_str())
    .uri(strip_fragment(&spec.url));
  for (name, value) in &wire_headers {
    builder = builder.header(name.as_str(), value.as_str());
  }
  let request = builder
    .body(h2_body)
    .map_err(|_| NetError::ERR_INVALID_ARGUMENT)?;
  sender
    .ready()
    .await
    .map_err(|e| classify(&e, Stage::SendRequest))?;
  let response = sender
    .send_request(request)
    .await
    .map_err(|e| classify(&e, Stage::ReadHeaders))?;
  let mut raw_headers = Vec::with_capacity(response.headers().len() * 2);
  for (name, value) in response.headers() {
    raw_headers.push(name.as_str().to_string());
    raw_headers.push(String::from_utf8_lossy(value.as_bytes()).into_owned());
  }
  reporter.emit(Event::Response {
    status: response.status().as_u16(),
    // HTTP/2 has no reason phrase (Chromium reports '').
    status_text: String::new(),
    http_version: "2.0",
    raw_headers,
  });
  let mut body = response.into_body();
  let mut received = 0u64;
  let mut first = true;
  loop {
    if !first {
      reporter.wait_for_credit().await;
    }
    let data = loop {
      match body.frame().await {
        None => break None,
        Some(Err(e)) => return Err(classify(&e, Stage::ReadBody)),
        Some(Ok(frame)) => {
          if let Ok(data) = frame.into_data() {
            if !data.is_empty() {
              break Some(data);
            }
          }
        }
      }
    };
    let Some(data) = data else {
      break;
    };
    first = false;
    received += data.len() as u64;
    reporter.emit(Event::Data {
      chunk: data.to_vec(),
      received,
    });
  }
  reporter.emit(Event::End);
  Ok(())
}

fn strip_fragment(url: &url::Url) -> String {
  url[..url::Position::AfterQuery].to_string()
}
