//! One hop on the wire: take a connection from the session's pool, send the head and body over
//! HTTP/1.1 (our codec) or HTTP/2 (h2), and return the response head with a reader for its
//! body. Redirects, auth and delivery to JS are the hop loop's business. Through an HTTP proxy,
//! an http URL's request goes to the proxy in absolute form; an https URL's goes through a
//! CONNECT tunnel the pool opens. Through SOCKS, requests are as on a direct connection.

use std::sync::Arc;

use url::Url;

use crate::errors::NetError;
use crate::wire::header_block::HeaderBlock;
use crate::wire::headers::{self, BodySize, EngineHeaders};
use crate::wire::http1::response_head::ResponseHead;
use crate::wire::origin::Target;
use crate::wire::pool::{CloseWatch, Conn, ConnectError, Pool, TunnelRequest};
use crate::wire::upload::{UploadBody, UploadEvents};

mod body_reader;
mod h2;
mod send_h1;

use body_reader::Wire;
pub use body_reader::{BodyReader, StoredBody};
use h2::{exchange_h2, H2Failure};
use send_h1::{response_h1, send_h1, SendFailure};

/// The request as it goes out on this hop.
pub struct Outgoing<'a> {
  pub method: &'a str,
  pub url: &'a Url,
  /// The caller's headers for this hop, in order and spelled as given.
  pub user: &'a [(String, String)],
  pub engine: &'a EngineHeaders,
  /// RFC 9218 `priority` value, sent on HTTP/2 only (reference §8.3).
  pub h2_priority: Option<&'static str>,
  /// Proxy credentials for the CONNECT of a tunnel (through a proxy without a tunnel they are
  /// one of the engine's headers instead).
  pub tunnel_authorization: Option<&'a str>,
}

pub struct ResponseStart {
  pub status: u16,
  pub status_text: String,
  pub http_version: &'static str,
  /// As received: original case and order over HTTP/1.x.
  pub headers: HeaderBlock,
  pub body: BodyReader,
  /// A 407 answering the CONNECT of a tunnel, not a response from the origin: it may lead to
  /// `'login'` but is never delivered (reference §4.1).
  pub tunnel_challenge: bool,
}

impl ResponseStart {
  pub fn header(&self, name: &str) -> Option<&str> {
    self.headers.get(name)
  }

  pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    self.headers.values(name)
  }
}

/// The request target: origin-form (`/path?query`), or absolute-form to a proxy without a
/// tunnel (RFC 9112 §3.2.2).
fn request_target(url: &Url, via_proxy: bool) -> &str {
  if via_proxy {
    &url[..url::Position::AfterQuery]
  } else {
    &url[url::Position::BeforePath..url::Position::AfterQuery]
  }
}

fn host_header(url: &Url) -> &str {
  &url[url::Position::BeforeHost..url::Position::AfterPort]
}

fn body_size(body: &UploadBody) -> BodySize {
  match body {
    UploadBody::Empty => BodySize::None,
    UploadBody::Buffered(b) => BodySize::Known(b.len() as u64),
    UploadBody::Chunked(_) => BodySize::Chunked,
  }
}

/// Why a hop has no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
  pub error: NetError,
  /// It failed getting a connection: nothing of the request was sent (the loader may try the
  /// next proxy of its list, as Chromium reconsiders the proxy only for stream creation).
  pub connecting: bool,
}

impl Failure {
  fn sent(error: NetError) -> Failure {
    Failure {
      error,
      connecting: false,
    }
  }
}

/// Performs one hop and returns once the final (non-1xx) response head has arrived.
/// `closeAllConnections()` ends it, at any stage, with `net::ERR_ABORTED`; dropping the
/// exchange drops its connection, which closes the socket.
pub async fn exchange(
  pool: &Pool,
  target: &Target,
  out: &Outgoing<'_>,
  body: UploadBody,
  events: &Arc<dyn UploadEvents>,
) -> Result<ResponseStart, Failure> {
  let mut closed = pool.watch();
  let watch = closed.clone();
  tokio::select! {
    biased;
    () = closed.closed() => Err(Failure::sent(NetError::ERR_ABORTED)),
    result = exchange_on(pool, target, out, body, events, watch, Attempt::default()) => result,
  }
}

/// What the CONNECT of a tunnel carries: the request's `User-Agent` and proxy credentials.
fn tunnel_request<'a>(out: &Outgoing<'a>) -> TunnelRequest<'a> {
  TunnelRequest {
    user_agent: headers::get(out.user, "user-agent")
      .or(headers::get(&out.engine.last, "user-agent")),
    proxy_authorization: out.tunnel_authorization,
  }
}

/// A tunnel's 407 as a response the loader can decide on (never delivered to JS).
fn tunnel_challenge(head: ResponseHead, closed: CloseWatch) -> ResponseStart {
  ResponseStart {
    status: head.status,
    status_text: head.reason,
    http_version: "1.1",
    headers: head.headers,
    body: BodyReader {
      wire: Wire::Empty,
      closed,
    },
    tunnel_challenge: true,
  }
}

/// Which try of a hop this is, and the resends already made: counted for the whole hop, as
/// Chromium's `retry_attempts_` is for a transaction, so that no mix of failures (a refused
/// stream on each new connection, then the session closing on the next) resends forever.
#[derive(Clone, Copy, Default)]
struct Attempt {
  /// On a new connection rather than the pool's: a new connection is never retried, as nothing
  /// of it was reused.
  new_connection: bool,
  /// Resends after an HTTP/2 server refused the stream.
  refused: u8,
  /// Sent again once already after a reused connection went away (or answered 408).
  went_away: bool,
  /// Sent again once already over HTTP/1.1 after HTTP_1_1_REQUIRED.
  http11: bool,
}

impl Attempt {
  /// The resend after a reused connection went away (or answered 408).
  fn on_a_new_connection(self) -> Attempt {
    Attempt {
      new_connection: true,
      went_away: true,
      ..self
    }
  }
}

/// The failures of a connection that `HandleIOError` resends on a reused one.
fn connection_went_away(error: NetError) -> bool {
  [
    NetError::ERR_CONNECTION_CLOSED,
    NetError::ERR_CONNECTION_RESET,
    NetError::ERR_CONNECTION_ABORTED,
  ]
  .contains(&error)
}

/// Resends of a stream an HTTP/2 server refused (Chromium's `HttpNetworkTransaction`
/// `kMaxRetryAttempts`).
const MAX_RESENDS: u8 = 2;

async fn exchange_on(
  pool: &Pool,
  target: &Target,
  out: &Outgoing<'_>,
  body: UploadBody,
  events: &Arc<dyn UploadEvents>,
  closed: CloseWatch,
  attempt: Attempt,
) -> Result<ResponseStart, Failure> {
  let conn = if attempt.new_connection {
    // Boxed, as `checkout` boxes it: connecting is most of a request's task state.
    Box::pin(pool.connect(target, tunnel_request(out))).await
  } else {
    pool.checkout(target, tunnel_request(out)).await
  };
  let conn = match conn {
    Ok(conn) => conn,
    Err(ConnectError::Net(error)) => {
      return Err(Failure {
        error,
        connecting: true,
      })
    }
    Err(ConnectError::TunnelAuth(head)) => return Ok(tunnel_challenge(head, closed)),
  };
  match conn {
    // Boxed, as the retry below: the common exchange, HTTP/1.1 on a pooled connection, then
    // keeps a small task state.
    Conn::H2(sender) => {
      let replay = body.replay();
      let reused = sender.reused;
      match Box::pin(exchange_h2(sender, out, body, events, closed.clone())).await {
        // The server did not process the stream (REFUSED_STREAM, or beyond its GOAWAY's last
        // stream): sent again, on the connection the pool gives next, when the body can be
        // (Chromium's `HttpNetworkTransaction::HandleIOError` for
        // ERR_HTTP2_SERVER_REFUSED_STREAM, at most twice).
        Err(H2Failure {
          error,
          refused: true,
        }) => match replay {
          Some(body) if attempt.refused < MAX_RESENDS => {
            let again = Attempt {
              refused: attempt.refused + 1,
              new_connection: false,
              ..attempt
            };
            Box::pin(exchange_on(pool, target, out, body, events, closed, again)).await
          }
          _ => Err(Failure::sent(error)),
        },
        // The server wants HTTP/1.1 for this (Windows authentication does, say): it is
        // remembered for the server, and the request sent again on a new HTTP/1.1 connection
        // when the body can be (Chromium's `HttpNetworkTransaction::HandleHttp11Required`).
        Err(H2Failure { error, .. }) if error == NetError::ERR_HTTP_1_1_REQUIRED => {
          pool.require_http11(target);
          match replay {
            Some(body) if !attempt.http11 => {
              let again = Attempt {
                http11: true,
                new_connection: true,
                ..attempt
              };
              Box::pin(exchange_on(pool, target, out, body, events, closed, again)).await
            }
            _ => Err(Failure::sent(error)),
          }
        }
        // A session in use that went away as the request went out, before any head: sent
        // again once on a new connection, when the body can be, as a stale keep-alive HTTP/1.1
        // connection is (Chromium's `HandleIOError` and `ShouldResendRequest`, which count an
        // HTTP/2 session that received frames as reused).
        Err(H2Failure { error, .. })
          if reused && !attempt.went_away && connection_went_away(error) =>
        {
          match replay {
            Some(body) => {
              let again = attempt.on_a_new_connection();
              Box::pin(exchange_on(pool, target, out, body, events, closed, again)).await
            }
            None => Err(Failure::sent(error)),
          }
        }
        Err(failure) => Err(Failure::sent(failure.error)),
        Ok(start) => Ok(start),
      }
    }
    Conn::H1(conn) => {
      let replay = if conn.reused { body.replay() } else { None };
      match send_h1(conn, target, out, body, events).await {
        // A 408 ("Request Timeout") on a reused keep-alive connection is the server timing the
        // connection out as the request arrived, not an answer to it: sent again once, on a new
        // connection, this one dropped (Chromium's `HttpNetworkTransaction::
        // DoReadHeadersComplete`, HTTP/1.1 only; `ResetConnectionAndRequestForResend` closes
        // the socket). A body that cannot be sent again gets the 408.
        Ok((conn, head)) if head.status == 408 && replay.is_some() && !attempt.went_away => {
          drop(conn);
          let body = replay.unwrap_or(UploadBody::Empty);
          let again = attempt.on_a_new_connection();
          Box::pin(exchange_on(pool, target, out, body, events, closed, again)).await
        }
        Ok((conn, head)) => response_h1(conn, target, out, head, closed).map_err(Failure::sent),
        // A reused keep-alive connection the server had already closed: retry once on a new
        // one, as hyper and Chromium do, when the body can be sent again.
        Err(SendFailure {
          retryable: true,
          error,
        }) => {
          let Some(body) = replay.filter(|_| !attempt.went_away) else {
            return Err(Failure::sent(error));
          };
          let again = attempt.on_a_new_connection();
          Box::pin(exchange_on(pool, target, out, body, events, closed, again)).await
        }
        Err(failure) => Err(Failure::sent(failure.error)),
      }
    }
  }
}
