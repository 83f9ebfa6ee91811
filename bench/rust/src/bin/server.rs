//! The benchmark server used when nginx is absent, and always for uploads: serves /1k, /64k and
//! /256m from memory and counts the bytes POSTed to /upload (answering with the count, so every
//! client can check its upload arrived whole).
//!
//! Usage: `server` (plain HTTP/1.1), or `server tls <cert.pem> <key.pem> <h1|h2> <log>` for the
//! TLS workloads (W6-W11): TLS 1.3 with ALPN `http/1.1` only (h1) or `h2, http/1.1` (h2). Prints
//! its port. The TLS modes also answer what nginx's TLS servers answer (lib/servers.js):
//! `/proto` (the protocol spoken: HTTP/1.1 or HTTP/2.0), `/conn` (a number per connection, so a
//! client can show its requests share one) and `/fresh/1k` (1 KiB with `Connection: close`, for
//! W11), appending to `<log>` one line per /fresh/ request, `r` when its TLS session was resumed
//! and `.` when not (nginx's `$ssl_session_reused`).

use std::convert::Infallible;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};

#[derive(Clone)]
struct Files {
  k1: Bytes,
  k64: Bytes,
  m256: Bytes,
}

/// What a TLS connection tells its requests: for /proto, /conn and the resumption log.
#[derive(Clone)]
struct Conn {
  protocol: &'static str,
  id: u64,
  resumed: bool,
  log: Option<Arc<Mutex<std::fs::File>>>,
}

async fn answer(
  req: Request<hyper::body::Incoming>,
  files: Files,
  conn: Option<Conn>,
) -> Result<Response<Full<Bytes>>, Infallible> {
  let path = req.uri().path().to_string();
  let target = req
    .uri()
    .path_and_query()
    .map_or(path.clone(), |p| p.to_string());
  let mut close = false;
  let body = match (path.as_str(), &conn) {
    ("/1k", _) => files.k1,
    ("/64k", _) => files.k64,
    ("/256m", _) => files.m256,
    ("/upload", _) => {
      let mut body = req.into_body();
      let mut n = 0usize;
      while let Some(Ok(frame)) = body.frame().await {
        if let Ok(data) = frame.into_data() {
          n += data.len();
        }
      }
      Bytes::from(n.to_string())
    }
    ("/proto", Some(c)) => Bytes::from_static(c.protocol.as_bytes()),
    ("/conn", Some(c)) => Bytes::from(c.id.to_string()),
    ("/fresh/1k", Some(c)) => {
      if let Some(log) = &c.log {
        let mark = if c.resumed { "r" } else { "." };
        let _ = writeln!(log.lock().unwrap(), "{mark} {target}");
      }
      close = true;
      files.k1
    }
    _ => Bytes::from_static(b"not found"),
  };
  let mut response = Response::new(Full::new(body));
  // hyper's HTTP/1.1 server closes the connection after a response that says so.
  if close {
    response
      .headers_mut()
      .insert(hyper::header::CONNECTION, "close".parse().unwrap());
  }
  Ok(response)
}

fn tls_config(cert: &str, key: &str, h2: bool) -> Arc<rustls::ServerConfig> {
  let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(
    std::fs::File::open(cert).unwrap(),
  ))
  .collect::<Result<Vec<_>, _>>()
  .unwrap();
  let key = rustls_pemfile::private_key(&mut std::io::BufReader::new(
    std::fs::File::open(key).unwrap(),
  ))
  .unwrap()
  .unwrap();
  let mut config =
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
      .with_protocol_versions(&[&rustls::version::TLS13])
      .unwrap()
      .with_no_client_auth()
      .with_single_cert(certs, key)
      .unwrap();
  config.alpn_protocols = if h2 {
    vec![b"h2".to_vec(), b"http/1.1".to_vec()]
  } else {
    vec![b"http/1.1".to_vec()]
  };
  // Stateless tickets, as nginx's default (ssl_session_tickets on), so clients can resume.
  config.ticketer = rustls::crypto::ring::Ticketer::new().unwrap();
  Arc::new(config)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
  let args: Vec<String> = std::env::args().collect();
  let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
  println!("{}", listener.local_addr().unwrap().port());
  let files = Files {
    k1: Bytes::from(vec![b'k'; 1024]),
    k64: Bytes::from(vec![b'k'; 64 * 1024]),
    m256: Bytes::from(vec![b'm'; 256 * 1024 * 1024]),
  };
  let tls = (args.get(1).map(String::as_str) == Some("tls")).then(|| {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls_config(&args[2], &args[3], args[4] == "h2"));
    let log = std::fs::OpenOptions::new()
      .create(true)
      .append(true)
      .open(&args[5])
      .unwrap();
    (acceptor, Arc::new(Mutex::new(log)))
  });
  let ids = Arc::new(AtomicU64::new(0));
  loop {
    let (stream, _) = listener.accept().await.unwrap();
    let _ = stream.set_nodelay(true);
    let files = files.clone();
    let Some((acceptor, log)) = tls.clone() else {
      tokio::spawn(async move {
        let service = hyper::service::service_fn(move |req| answer(req, files.clone(), None));
        let _ = hyper::server::conn::http1::Builder::new()
          .serve_connection(TokioIo::new(stream), service)
          .await;
      });
      continue;
    };
    let id = ids.fetch_add(1, Ordering::Relaxed) + 1;
    tokio::spawn(async move {
      let Ok(stream) = acceptor.accept(stream).await else {
        return;
      };
      let session = stream.get_ref().1;
      let h2 = session.alpn_protocol() == Some(b"h2");
      let conn = Conn {
        protocol: if h2 { "HTTP/2.0" } else { "HTTP/1.1" },
        id,
        resumed: session.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
        log: Some(log),
      };
      let service =
        hyper::service::service_fn(move |req| answer(req, files.clone(), Some(conn.clone())));
      let io = TokioIo::new(stream);
      if h2 {
        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
          .max_concurrent_streams(128)
          .serve_connection(io, service)
          .await;
      } else {
        let _ = hyper::server::conn::http1::Builder::new()
          .serve_connection(io, service)
          .await;
      }
    });
  }
}
