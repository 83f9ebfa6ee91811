//! What a session owns natively: its connection pool, host resolver (and host cache), user
//! agent, auth cache, proxy configuration, cookie store and HTTP cache, so a request only ever
//! asks its session.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use crate::request::auth::AuthCache;
use crate::request::cache::HttpCache;
use crate::request::cookies::store::CookieStore;
use crate::request::host_resolver::HostResolver;
use crate::request::pac::fetch::WPAD_URL;
use crate::request::pac::PacResolver;
use crate::request::proxy_config::{choose, Mode, ProxyConfig, ProxyEntry};
use crate::request::proxy_retry::ProxyRetryInfo;
use crate::request::system_proxy::{self, SystemProxy};
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
  /// The PAC script of a `pac_script` config with a `pacScript` (read only in that mode).
  pub pac: RwLock<Option<Arc<PacResolver>>>,
  pub cookies: CookieStore,
  /// The HTTP cache (request/cache/): on disk for a persistent session.
  pub http_cache: HttpCache,
  /// `setCertificateVerifyProc` and `setSSLConfig` (request/trust/).
  pub trust: Arc<SessionTrust>,
  pub tls: TlsState,
}

impl SessionInner {
  /// The proxy a request to `url` goes through now, if any, passing over the proxies in
  /// `failed` and trying the session's bad ones last (read at every hop; see [`choose`]).
  /// Direct and fixed configs answer at once, as before PAC existed; a PAC config may wait for
  /// its script to load and answer. `Ok(None)`: direct.
  pub async fn proxy_for(
    &self,
    url: &url::Url,
    failed: &[ProxyAddr],
  ) -> Result<Option<ProxyAddr>, crate::errors::NetError> {
    let pac = {
      let config = self.proxy.read().unwrap_or_else(|p| p.into_inner());
      match config.mode() {
        // Nothing to ask: no lock on the retry info for the common case.
        Mode::Direct => return Ok(None),
        Mode::PacScript => {}
        _ => return config.route(url, failed, &self.bad_proxies()),
      }
      self.pac()
    };
    // Boxed: the PAC wait would otherwise enlarge every request's task state.
    let list = Box::pin(self.pac_list(pac, url)).await;
    choose(list, failed, &self.bad_proxies())
  }

  fn pac(&self) -> Option<Arc<PacResolver>> {
    self.pac.read().unwrap_or_else(|p| p.into_inner()).clone()
  }

  async fn pac_list(&self, pac: Option<Arc<PacResolver>>, url: &url::Url) -> Vec<ProxyEntry> {
    match pac {
      Some(pac) => pac.find(self, url).await,
      // `pac_script` without a script: DIRECT (Electron's spec).
      None => vec![ProxyEntry::Direct],
    }
  }

  /// `ses.resolveProxy(url)`: the proxy list as PAC text, entries joined with `;` (Chromium's
  /// `ProxyList::ToPacString`).
  pub async fn resolve_proxy(&self, url: &url::Url) -> String {
    let pac = {
      let config = self.proxy.read().unwrap_or_else(|p| p.into_inner());
      if config.mode() != Mode::PacScript {
        return config.pac_string(url);
      }
      self.pac()
    };
    let list = self.pac_list(pac, url).await;
    list
      .iter()
      .map(ProxyEntry::pac)
      .collect::<Vec<_>>()
      .join(";")
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
      pac: RwLock::new(None),
      http_cache: HttpCache::new(storage.as_deref()),
      cookies: CookieStore::new(storage),
    }
  }

  /// `ses.setProxy` with Electron's resolved mode name. Returns the PAC script to load, if the
  /// config has one (the caller starts loading it: requests would otherwise wait for the first
  /// of them to fetch it).
  pub fn set_proxy(
    &self,
    mode: &str,
    proxy_rules: &str,
    proxy_bypass_rules: &str,
    pac_script: &str,
    system_env: &[(String, String)],
  ) -> Option<Arc<PacResolver>> {
    let pac_config = || ProxyConfig::new(Mode::PacScript, "", "");
    let (config, script) = match mode {
      // The environment's configuration (request/system_proxy.rs), as Chromium on Linux
      // without desktop settings.
      "system" => match system_proxy::from_env(system_env) {
        SystemProxy::Direct => (ProxyConfig::default(), None),
        SystemProxy::Fixed(config) => (config, None),
        SystemProxy::AutoDetect => (pac_config(), Some(WPAD_URL.to_string())),
        SystemProxy::PacUrl(url) => (pac_config(), Some(url)),
      },
      // WPAD by DNS: Chromium's `http://wpad/wpad.dat`; no such host means DIRECT.
      "auto_detect" => (pac_config(), Some(WPAD_URL.to_string())),
      _ => {
        let mode = Mode::parse(mode);
        let script =
          (mode == Mode::PacScript && !pac_script.is_empty()).then(|| pac_script.to_string());
        (
          ProxyConfig::new(mode, proxy_rules, proxy_bypass_rules),
          script,
        )
      }
    };
    let pac = script.map(|url| Arc::new(PacResolver::new(url)));
    // The script first: a request reading the new mode finds its script already there.
    *self.pac.write().unwrap_or_else(|p| p.into_inner()) = pac.clone();
    *self.proxy.write().unwrap_or_else(|p| p.into_inner()) = config;
    // A new configuration starts with no bad proxies (`ResetProxyConfig` clears the retry info).
    self
      .proxy_retry
      .lock()
      .unwrap_or_else(|p| p.into_inner())
      .clear();
    pac
  }

  /// `ses.forceReloadProxyConfig()`: a PAC config starts over with a new fetch of its script
  /// and no remembered answers; other configs have nothing to reload. Returns the script to
  /// load, as [`SessionInner::set_proxy`].
  pub fn reload_proxy(&self) -> Option<Arc<PacResolver>> {
    let mut slot = self.pac.write().unwrap_or_else(|p| p.into_inner());
    let fresh = slot
      .as_ref()
      .map(|old| Arc::new(PacResolver::new(old.url().to_string())));
    if fresh.is_some() {
      slot.clone_from(&fresh);
    }
    // Chromium's ForceReloadProxyConfig forgets the bad proxies too.
    self
      .proxy_retry
      .lock()
      .unwrap_or_else(|p| p.into_inner())
      .clear();
    fresh
  }
}
