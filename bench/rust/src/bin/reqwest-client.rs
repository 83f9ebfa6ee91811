//! The plain-Rust reference: the same workloads with reqwest and no JS at all.
//! Usage: reqwest-client <workload> <base-url> <upload-url> <n>; prints one JSON result line.
//! For an https base (W6-W11) it trusts the CA in NODE_EXTRA_CA_CERTS (the file every client of
//! the run trusts) through rustls with ring, as the addon does, and offers h2 and http/1.1.

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

async fn text(client: &reqwest::Client, url: &str) -> String {
  client.get(url).send().await.unwrap().text().await.unwrap()
}

/// The checks every client makes before timing (client.js): the protocol the server spoke, and
/// for W8 that 64 requests at once share one connection.
async fn check_protocol(client: &reqwest::Client, base: &str, workload: &str) {
  let h2 = workload == "W8" || workload == "W10";
  let want = if h2 { "HTTP/2.0" } else { "HTTP/1.1" };
  assert_eq!(text(client, &format!("{base}/proto")).await, want);
  if workload == "W8" {
    let url = format!("{base}/conn");
    let ids = futures_util::future::join_all((0..64).map(|_| text(client, &url))).await;
    assert!(
      ids.iter().all(|id| *id == ids[0]),
      "W8: more than one connection: {ids:?}"
    );
  }
}

fn tls_client() -> reqwest::Client {
  let ca =
    std::fs::read(std::env::var("NODE_EXTRA_CA_CERTS").expect("NODE_EXTRA_CA_CERTS")).unwrap();
  let mut roots = rustls::RootCertStore::empty();
  for cert in rustls_pemfile::certs(&mut &ca[..]) {
    roots.add(cert.unwrap()).unwrap();
  }
  let mut tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
    rustls::crypto::ring::default_provider(),
  ))
  .with_safe_default_protocol_versions()
  .unwrap()
  .with_root_certificates(roots)
  .with_no_client_auth();
  tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
  reqwest::Client::builder()
    .no_proxy()
    .use_preconfigured_tls(tls)
    .build()
    .unwrap()
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
  // reqwest without a default provider wants one installed even for plain http: ring, as above.
  let _ = rustls::crypto::ring::default_provider().install_default();
  let client = if base.starts_with("https:") {
    tls_client()
  } else {
    reqwest::Client::builder().no_proxy().build().unwrap()
  };
  let url_1k = format!("{base}/1k");
  // Warm-up: connections and code paths. W11's warm-up (and so its TLS session cache) is on
  // connections the server closes, as the timed part: no connection is left to reuse.
  if workload == "W11" {
    many(&client, &format!("{base}/fresh/1k?warm"), 32, 8, 1024).await;
  } else {
    many(&client, &url_1k, 500, 8, 1024).await;
  }
  if base.starts_with("https:") {
    check_protocol(&client, base, workload).await;
  }
  let faults_before = minor_faults();
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
    "W6" => n as f64 / many(&client, &url_1k, n, 1, 1024).await,
    "W7" | "W8" => n as f64 / many(&client, &url_1k, n, 64, 1024).await,
    "W9" | "W10" => {
      let start = Instant::now();
      assert_eq!(get_len(&client, &format!("{base}/256m")).await, 256 << 20);
      (256 << 20) as f64 / 1e6 / start.elapsed().as_secs_f64()
    }
    "W11" => many(&client, &format!("{base}/fresh/1k"), n, 16, 1024).await * 1000.0,
    _ => panic!("unknown workload"),
  };
  if ["W3", "W4", "W4b", "W9", "W10"].contains(&workload.as_str()) {
    // Pages faulted in per MiB of body, as client.js reports for the Node clients.
    let per_mib = (minor_faults() - faults_before) as f64 / 256.0;
    println!("{{\"value\":{value},\"faultsPerMiB\":{per_mib}}}");
  } else {
    println!("{{\"value\":{value}}}");
  }
}

/// This process's minor page faults so far (`/proc/self/stat`, field 10).
fn minor_faults() -> u64 {
  let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
  let after_name = stat.rsplit_once(") ").map(|(_, rest)| rest).unwrap_or("");
  after_name
    .split(' ')
    .nth(7)
    .and_then(|f| f.parse().ok())
    .unwrap_or(0)
}
