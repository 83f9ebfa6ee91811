//! PAC scripts (`setProxy({ mode: 'pac_script', pacScript })`, reference §10): a script loaded
//! once from its URL, evaluated in a sandbox off the JS thread and the tokio workers, its
//! answers cached per sanitized URL.
//!
//! - fetch.rs: the script's text from an http(s), `file:` or `data:` URL.
//! - engine.rs: QuickJS on a thread of its own, with the limits a hostile script meets.
//! - library.rs, natives.rs: the PAC helper functions.
//! - result.rs: what the script is given and what its answer means.
//!
//! Chromium's fallback applies throughout (`ConfiguredProxyResolutionService`, the config not
//! being mandatory): a script that fails to load, compile or answer means DIRECT.
//!
//! [`PacResolver`] takes any script URL, so auto-detection can reuse it with
//! `http://wpad/wpad.dat`.

mod engine;
pub mod fetch;
mod library;
mod natives;
mod result;

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use tokio::sync::OnceCell;
use url::Url;

pub use engine::PacError;

use crate::request::proxy_config::{implicitly_bypassed, ProxyEntry};
use crate::request::session::SessionInner;
use engine::Engine;

/// How many answers a resolver remembers (one per sanitized URL: per origin for https).
const CACHE_ENTRIES: usize = 1024;

/// How many proxies all remembered answers may list together: a script answering each URL
/// with a million proxies (`"PROXY a:1;".repeat(1e6)`, ~40 MB parsed) took the process to
/// gigabytes through the cache. An answer longer than this is used but not remembered.
const CACHE_PROXIES: usize = 65_536;

/// Answers remembered per sanitized URL, oldest evicted first.
#[derive(Default)]
struct AnswerCache {
  answers: HashMap<String, Vec<ProxyEntry>>,
  order: VecDeque<String>,
  /// The proxies the remembered answers list, together.
  proxies: usize,
}

impl AnswerCache {
  fn get(&self, key: &str) -> Option<Vec<ProxyEntry>> {
    self.answers.get(key).cloned()
  }

  fn insert(&mut self, key: String, list: Vec<ProxyEntry>) {
    if self.answers.contains_key(&key) || list.len() > CACHE_PROXIES {
      return;
    }
    while self.order.len() >= CACHE_ENTRIES || self.proxies + list.len() > CACHE_PROXIES {
      let Some(oldest) = self.order.pop_front() else {
        break;
      };
      if let Some(gone) = self.answers.remove(&oldest) {
        self.proxies -= gone.len();
      }
    }
    self.proxies += list.len();
    self.order.push_back(key.clone());
    self.answers.insert(key, list);
  }
}

/// One PAC configuration: its script, loaded on first need (or eagerly by [`PacResolver::load`])
/// and shared by every request; a reload is a new resolver.
pub struct PacResolver {
  url: String,
  /// The loaded script, or why it could not be loaded. Requests arriving while it loads wait
  /// for it, as Chromium's do; if the task loading it goes away, the next waiter loads it.
  engine: OnceCell<Result<Engine, PacError>>,
  cache: Mutex<AnswerCache>,
}

impl PacResolver {
  pub fn new(url: String) -> PacResolver {
    PacResolver {
      url,
      engine: OnceCell::new(),
      cache: Mutex::new(AnswerCache::default()),
    }
  }

  /// The script's URL (what a reload fetches again).
  pub fn url(&self) -> &str {
    &self.url
  }

  async fn engine(&self, session: &SessionInner) -> &Result<Engine, PacError> {
    self
      .engine
      .get_or_init(|| async {
        let text = fetch::script(session, &self.url).await?;
        Engine::start(text, session.resolver.clone()).await
      })
      .await
  }

  /// Loads the script now if nobody has yet; `Err` tells why it cannot be used.
  pub async fn load(&self, session: &SessionInner) -> Result<(), PacError> {
    match self.engine(session).await {
      Ok(_) => Ok(()),
      Err(e) => Err(e.clone()),
    }
  }

  fn cache(&self) -> std::sync::MutexGuard<'_, AnswerCache> {
    self.cache.lock().unwrap_or_else(|p| p.into_inner())
  }

  /// The proxy list for `url`, in fallback order. Loopback destinations never reach the
  /// script (`ApplyPacBypassRules`: a PAC script cannot proxy localhost); any failure of the
  /// script is DIRECT, and is not cached, so the next request asks again.
  pub async fn find(&self, session: &SessionInner, url: &Url) -> Vec<ProxyEntry> {
    if implicitly_bypassed(url) {
      return vec![ProxyEntry::Direct];
    }
    let (clean, host) = result::sanitize(url);
    if let Some(list) = self.cache().get(&clean) {
      return list;
    }
    let answer = match self.engine(session).await {
      Ok(engine) => engine.find(clean.clone(), host).await,
      Err(e) => Err(e.clone()),
    };
    match answer {
      Ok(answer) => {
        let list = result::parse_pac_string(&answer);
        self.cache().insert(clean, list.clone());
        list
      }
      Err(_) => vec![ProxyEntry::Direct],
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::request::session::SessionInner;

  #[test]
  fn long_answers_are_used_but_bounded_in_the_cache() {
    let mut cache = AnswerCache::default();
    let long = vec![ProxyEntry::Direct; CACHE_PROXIES / 4];
    for i in 0..10 {
      cache.insert(format!("k{i}"), long.clone());
    }
    assert_eq!(cache.proxies, CACHE_PROXIES);
    assert_eq!(cache.answers.len(), 4);
    assert!(cache.get("k9").is_some() && cache.get("k5").is_none());
    cache.insert("huge".into(), vec![ProxyEntry::Direct; CACHE_PROXIES + 1]);
    assert!(cache.get("huge").is_none());
    assert_eq!(cache.proxies, CACHE_PROXIES);
  }

  #[test]
  fn the_cache_is_bounded_and_keeps_the_newest() {
    let mut cache = AnswerCache::default();
    for i in 0..CACHE_ENTRIES + 10 {
      cache.insert(format!("k{i}"), vec![ProxyEntry::Direct]);
    }
    assert_eq!(cache.answers.len(), CACHE_ENTRIES);
    assert!(cache.get("k0").is_none());
    assert!(cache.get(&format!("k{}", CACHE_ENTRIES + 9)).is_some());
  }

  /// The latency a PAC lookup adds to a request (docs/PERFORMANCE.md "PAC scripts"): not a
  /// check, a measurement. `cargo test --release --lib pac_latency -- --ignored --nocapture`.
  #[test]
  #[ignore]
  fn pac_latency() {
    use std::time::Instant;
    let session = SessionInner::new("pac-bench".into(), None, None);
    let script = "function FindProxyForURL(url, host) {\n\
      if (isPlainHostName(host) || dnsDomainIs(host, '.corp.example')) return 'DIRECT';\n\
      if (shExpMatch(host, '*.example.com')) return 'PROXY a:8080; DIRECT';\n\
      return 'PROXY b:3128';\n}";
    let url = format!(
      "data:,{}",
      percent_encoding::utf8_percent_encode(script, percent_encoding::NON_ALPHANUMERIC)
    );
    session.set_proxy("pac_script", "", "", &url, &[]);
    let rt = tokio::runtime::Builder::new_multi_thread()
      .worker_threads(1)
      .enable_all()
      .build()
      .unwrap();
    rt.block_on(async {
      let n = 20_000u32;
      let failed = [];
      let first = Url::parse("https://warm.example.com/").unwrap();
      session.proxy_for(&first, &failed).await.unwrap();
      let urls: Vec<Url> = (0..n)
        .map(|i| Url::parse(&format!("https://h{i}.example.com/p?q")).unwrap())
        .collect();
      let start = Instant::now();
      for url in &urls {
        session.proxy_for(url, &failed).await.unwrap();
      }
      let uncached = start.elapsed() / n;
      // The newest answers are the ones still cached.
      let recent = &urls[urls.len() - 1000..];
      let start = Instant::now();
      for _ in 0..20 {
        for url in recent {
          session.proxy_for(url, &failed).await.unwrap();
        }
      }
      let cached = start.elapsed() / n;
      session.set_proxy("fixed_servers", "http://b:3128", "", "", &[]);
      let start = Instant::now();
      for url in &urls {
        session.proxy_for(url, &failed).await.unwrap();
      }
      let fixed = start.elapsed() / n;
      println!(
        "PAC uncached {uncached:?}, PAC cached {cached:?}, fixed rules {fixed:?} per lookup"
      );
    });
  }
}
