//! The plain-Rust reference: the same workloads with reqwest and no JS at all.
//! Usage: reqwest-client <workload> <base-url> <upload-url> <n>; prints one JSON result line.

use std::time::Instant;

use futures_util::StreamExt;

async fn get_len(client: &reqwest::Client, url: &str) -> usize {
  let mut stream = client.get(url).send().await.unwrap().bytes_stream();
  let mut n = 0;
  while let Some(chunk) = stream.next().await {
    n += chunk.unwrap().len();
  }
  n
}

async fn many(
  client: &reqwest::Client,
  url: &str,
  total: usize,
  concurrency: usize,
  expect: usize,
) -> f64 {
  let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
  let start = Instant::now();
  let mut tasks = Vec::new();
  for _ in 0..concurrency {
    let (client, url, next) = (client.clone(), url.to_string(), next.clone());
    tasks.push(tokio::spawn(async move {
      while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
        assert_eq!(get_len(&client, &url).await, expect);
      }
    }));
  }
  for t in tasks {
    t.await.unwrap();
  }
  start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
  let args: Vec<String> = std::env::args().collect();
  let (workload, base, upload, n) = (
    &args[1],
    &args[2],
    &args[3],
    args[4].parse::<usize>().unwrap(),
  );
  let client = reqwest::Client::builder().no_proxy().build().unwrap();
  let url_1k = format!("{base}/1k");
  // Warm-up: connections and code paths.
  many(&client, &url_1k, 500, 8, 1024).await;
  let value = match workload.as_str() {
    "W1" => n as f64 / many(&client, &url_1k, n, 1, 1024).await,
    "W2" => n as f64 / many(&client, &url_1k, n, 64, 1024).await,
    "W3" => {
      let start = Instant::now();
      assert_eq!(get_len(&client, &format!("{base}/256m")).await, 256 << 20);
      (256 << 20) as f64 / 1e6 / start.elapsed().as_secs_f64()
    }
    "W4" | "W4b" => {
      let size: usize = if workload == "W4" { 64 << 10 } else { 1 << 20 };
      let chunk = bytes::Bytes::from(vec![b'u'; size]);
      let stream = futures_util::stream::iter(
        (0..(256 << 20) / size).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
      );
      let start = Instant::now();
      let reply = client
        .post(upload)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
      assert_eq!(reply, (256usize << 20).to_string());
      (256 << 20) as f64 / 1e6 / start.elapsed().as_secs_f64()
    }
    "W5" => many(&client, &format!("{base}/64k"), 1000, 1000, 65536).await * 1000.0,
    _ => panic!("unknown workload"),
  };
  println!("{{\"value\":{value}}}");
}
