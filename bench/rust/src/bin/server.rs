//! The benchmark server used when nginx is absent, and always for uploads: serves /1k, /64k and
//! /256m from memory and counts the bytes POSTed to /upload (answering with the count, so every
//! client can check its upload arrived whole).

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

#[tokio::main(flavor = "current_thread")]
async fn main() {
  let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
  println!("{}", listener.local_addr().unwrap().port());
  let k1 = Bytes::from(vec![b'k'; 1024]);
  let k64 = Bytes::from(vec![b'k'; 64 * 1024]);
  let m256 = Bytes::from(vec![b'm'; 256 * 1024 * 1024]);
  loop {
    let (stream, _) = listener.accept().await.unwrap();
    let _ = stream.set_nodelay(true);
    let (k1, k64, m256) = (k1.clone(), k64.clone(), m256.clone());
    tokio::spawn(async move {
      let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
        let (k1, k64, m256) = (k1.clone(), k64.clone(), m256.clone());
        async move {
          let body = match req.uri().path() {
            "/1k" => k1,
            "/64k" => k64,
            "/256m" => m256,
            "/upload" => {
              let mut body = req.into_body();
              let mut n = 0usize;
              while let Some(Ok(frame)) = body.frame().await {
                if let Ok(data) = frame.into_data() {
                  n += data.len();
                }
              }
              Bytes::from(n.to_string())
            }
            _ => Bytes::from_static(b"not found"),
          };
          Ok::<_, Infallible>(Response::new(Full::new(body)))
        }
      });
      let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
    });
  }
}
