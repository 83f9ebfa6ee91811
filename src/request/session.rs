//! What a session owns natively: its connection pool, host resolver (and host cache), user
//! agent, auth cache, proxy configuration, cookie store and HTTP cache, so a request only ever
//! asks its session.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use crate::request::auth::AuthCache;
use crate::request::cache::HttpCache;
use crate::request::cookies::store::CookieStore;
use crate::request::host_resolver::HostResolver;
use crate::request::proxy_config::{Mode, ProxyConfig};
use crate::request::proxy_retry::ProxyRetryInfo;
use crate::request::trust::{SessionTrust, TlsState};
use crate::wire::origin::ProxyAddr;
use crate::wire::pool::Pool;

pub struct SessionInner {
  pub partition: String,
  pub pool: Pool,
  /// `resolveHost` and every connection of `pool` resolve names through it (one host cache).
  pub resolver: Arc<HostResolver>,
  pub auth: AuthCache,
  pub user_agent: RwLock<String>,
  pub accept_languages: RwLock<Option<String>>,
  pub proxy: RwLock<ProxyConfig>,
  /// Proxies that failed lately, tried last (request/proxy_retry.rs).
  pub proxy_retry: Mutex<ProxyRetryInfo>,
  pub cookies: CookieStore,
  /// The HTTP cache (request/cache/): on disk for a persistent session.
  pub http_cache: HttpCache,
  /// `setCertificateVerifyProc` and `setSSLConfig` (request/trust/).
  pub trust: Arc<SessionTrust>,
  pub tls: TlsState,
}

impl SessionInner {
  /// The proxy a request to `url` goes through now, if any, passing over the proxies in
  /// `failed` and trying the session's bad ones last (read at every hop; see
  /// [`ProxyConfig::route`]). `Ok(None)`: direct.
  pub fn proxy_for(
    &self,
    url: &url::Url,
    failed: &[ProxyAddr],
  ) -> Result<Option<ProxyAddr>, crate::errors::NetError> {
    let bad = self.bad_proxies();
    self
      .proxy
      .read()
      .unwrap_or_else(|p| p.into_inner())
      .route(url, failed, &bad)
  }

  /// The proxies the session's retry info marks bad now.
  pub fn bad_proxies(&self) -> Vec<ProxyAddr> {
    self
      .proxy_retry
      .lock()
      .unwrap_or_else(|p| p.into_inner())
      .bad(Instant::now())
  }

  /// A request got a response after falling back from the proxies in `failed`: they are bad for
  /// the session for a while (Chromium's `ReportSuccess`).
  pub fn report_proxy_success(&self, failed: &[ProxyAddr]) {
    if failed.is_empty() {
      return;
    }
    self
      .proxy_retry
      .lock()
      .unwrap_or_else(|p| p.into_inner())
      .report_success(failed, Instant::now());
  }

  pub fn user_agent(&self) -> String {
    self
      .user_agent
      .read()
      .unwrap_or_else(|p| p.into_inner())
      .clone()
  }

  /// The languages given to `setUserAgent`, if any (sent as `Accept-Language`).
  pub fn accept_languages(&self) -> Option<String> {
    self
      .accept_languages
      .read()
      .unwrap_or_else(|p| p.into_inner())
      .clone()
  }
}

/// Chromium's user-agent format with this library in Electron's place
/// (reference §8.5: `Mozilla/5.0 (<platform>) AppleWebKit/537.36 (KHTML, like Gecko) ...`).
pub fn default_user_agent() -> String {
  let platform = match std::env::consts::OS {
    "macos" => "Macintosh; Intel Mac OS X 10_15_7",
    "windows" => "Windows NT 10.0; Win64; x64",
    _ => "X11; Linux x86_64",
  };
  format!(
    "Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) electron-net-rs/{} Chrome/152.0.0.0 Safari/537.36",
    env!("CARGO_PKG_VERSION")
  )
}

impl SessionInner {
  /// `extra_ca`: the PEM file whose certificates it trusts besides the system's roots;
  /// `storage`: the directory of a persistent session (its `Cookies` file), `None` in memory.
  pub fn new(
    partition: String,
    extra_ca: Option<String>,
    storage: Option<std::path::PathBuf>,
  ) -> SessionInner {
    let tls = TlsState::new(extra_ca.map(Into::into));
    let trust = Arc::new(SessionTrust::default());
    let resolver = Arc::new(HostResolver::new());
    SessionInner {
      partition,
      pool: Pool::new(tls.configs(), trust.clone(), resolver.clone()),
      resolver,
      trust,
      tls,
      auth: AuthCache::default(),
      user_agent: RwLock::new(default_user_agent()),
      accept_languages: RwLock::new(None),
      proxy: RwLock::new(ProxyConfig::default()),
      proxy_retry: Mutex::default(),
      http_cache: HttpCache::new(storage.as_deref()),
      cookies: CookieStore::new(storage),
    }
  }

  /// `ses.setProxy` with Electron's resolved mode name.
  pub fn set_proxy(&self, mode: &str, proxy_rules: &str, proxy_bypass_rules: &str) {
    let config = ProxyConfig::new(Mode::parse(mode), proxy_rules, proxy_bypass_rules);
    *self.proxy.write().unwrap_or_else(|p| p.into_inner()) = config;
    // A new configuration starts with no bad proxies (`ResetProxyConfig` clears the retry info).
    self
      .proxy_retry
      .lock()
      .unwrap_or_else(|p| p.into_inner())
      .clear();
  }
}
