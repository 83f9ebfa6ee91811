//! A session's connections: DNS, TCP, a proxy (HTTP over TCP or TLS, with CONNECT tunnels for
//! https origins; SOCKS v4 or v5: `socks.rs`), TLS with ALPN, and reuse. HTTP/1.1 connections are reused one request at a time (idle ones wait here);
//! an HTTP/2 connection is shared by every request to its origin over the same route.
//!
//! Connections are keyed by [`Target`], origin *and* route: after `setProxy` a request takes the
//! new route and never a connection made for the old one, while those stay pooled until
//! `closeAllConnections()` (reference §10, Chromium's per-proxy-chain socket pools).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::errors::{classify, NetError, Stage};
use crate::wire::connect::connect_tcp;
use crate::wire::h2_throttle::{self, Claim, Connecting, H2Throttle};
use crate::wire::http1::{self, response_head::ResponseHead};
use crate::wire::http2::{self, H2Sender};
use crate::wire::idle::IdleSet;
use crate::wire::origin::{authority, Origin, ProxyKind, Target};
use crate::wire::resolve::HostResolve;
use crate::wire::socks;
use crate::wire::tls::{TlsConfigs, TlsStream, TrustHook};

pub enum Conn {
  H1(http1::Connection),
  H2(H2Sender),
}

/// What the CONNECT request of a tunnel carries (Chromium's `HttpProxyClientSocket` sends
/// `Host`, `Proxy-Connection`, `User-Agent` and any proxy credentials).
#[derive(Clone, Copy, Default)]
pub struct TunnelRequest<'a> {
  pub user_agent: Option<&'a str>,
  pub proxy_authorization: Option<&'a str>,
}

/// Why no connection came back.
#[derive(Debug)]
pub enum ConnectError {
  Net(NetError),
  /// The proxy answered CONNECT with 407: the head, for the loader's auth decision.
  TunnelAuth(ResponseHead),
}

impl From<NetError> for ConnectError {
  fn from(e: NetError) -> ConnectError {
    ConnectError::Net(e)
  }
}

pub struct Pool {
  idle: IdleSet,
  h2: Mutex<HashMap<Target, H2Sender>>,
  /// How many new connections to an https server are made at once (`h2_throttle`): one to a
  /// server known to speak h2, six to one not known yet.
  h2_throttle: H2Throttle,
  /// Bumped by [`Pool::close_all`]; work started under an older value is aborted.
  generation: watch::Sender<u64>,
  /// What its TLS connections trust and offer (`setSSLConfig` replaces it).
  tls: RwLock<Arc<TlsConfigs>>,
  /// The session's say on certificates (`setCertificateVerifyProc`).
  trust: Arc<dyn TrustHook>,
  /// The session's host resolver and its cache (every connection's name lookup goes through it).
  resolver: Arc<dyn HostResolve>,
  /// Bumped by [`Pool::forget_pooled`] (trust or TLS settings changed): a connection from an
  /// exchange that began under an older value is closed rather than pooled.
  epoch: AtomicU64,
  /// Servers that answered HTTP/2 with HTTP_1_1_REQUIRED: their connections offer only
  /// http/1.1 from then on, for the session's life (Chromium's
  /// `HttpServerProperties::SetHTTP11Required`, keyed by origin, whatever the proxy, and kept
  /// by `closeAllConnections()` too).
  http11_required: Mutex<HashSet<Origin>>,
}

/// Resolves once `closeAllConnections()` runs after this watch was taken. Every exchange takes
/// one when it starts and races its network I/O against it, so connecting, sending, waiting for
/// the head and reading the body all end with `net::ERR_ABORTED`.
#[derive(Clone)]
pub struct CloseWatch {
  rx: watch::Receiver<u64>,
  pub generation: u64,
  /// The pool's [`Pool::forget_pooled`] epoch when the exchange began.
  pub epoch: u64,
}

impl CloseWatch {
  pub async fn closed(&mut self) {
    let generation = self.generation;
    if self.rx.wait_for(|g| *g != generation).await.is_err() {
      // The pool is gone, and with it any way to close it: never fires.
      std::future::pending::<()>().await;
    }
  }
}

impl Pool {
  pub fn new(
    tls: Arc<TlsConfigs>,
    trust: Arc<dyn TrustHook>,
    resolver: Arc<dyn HostResolve>,
  ) -> Pool {
    Pool {
      idle: IdleSet::default(),
      h2: Mutex::default(),
      h2_throttle: H2Throttle::default(),
      generation: watch::channel(0).0,
      tls: RwLock::new(tls),
      trust,
      resolver,
      epoch: AtomicU64::new(0),
      http11_required: Mutex::default(),
    }
  }

  pub fn watch(&self) -> CloseWatch {
    let rx = self.generation.subscribe();
    let generation = *rx.borrow();
    let epoch = self.epoch.load(Ordering::SeqCst);
    CloseWatch {
      rx,
      generation,
      epoch,
    }
  }

  /// The verify proc or the TLS settings changed: no connection made before is used again
  /// (Electron clears the verifier's cache and Chromium flushes its socket pools on such a
  /// change, `OnCertDBChanged`/`OnSSLConfigChanged`). Exchanges in flight go on (spec "does not
  /// cancel requests in other sessions"); their connections are closed when they end. An epoch
  /// rather than a key field, so a request's pool lookup stays as it is.
  pub fn forget_pooled(&self) {
    self.epoch.fetch_add(1, Ordering::SeqCst);
    self.clear();
  }

  /// `setSSLConfig`: later connections use `tls`.
  pub fn set_tls(&self, tls: Arc<TlsConfigs>) {
    *self.tls.write().unwrap_or_else(|p| p.into_inner()) = tls;
    self.forget_pooled();
  }

  fn current(&self, generation: u64, epoch: u64) -> bool {
    *self.generation.borrow() == generation && self.epoch.load(Ordering::SeqCst) == epoch
  }

  /// `ses.closeAllConnections()`: drops every pooled connection and fails every exchange in
  /// flight with `net::ERR_ABORTED` (reference §10; Electron passes `ERR_ABORTED` to
  /// `HttpNetworkSession::CloseAllConnections`). Dropping their connections closes the sockets.
  pub fn close_all(&self) {
    self.generation.send_modify(|g| *g += 1);
    self.clear();
  }

  /// A connection to `target`: a shared HTTP/2 one, an idle HTTP/1.1 one, or a new one.
  pub async fn checkout(
    &self,
    target: &Target,
    tunnel: TunnelRequest<'_>,
  ) -> Result<Conn, ConnectError> {
    if let Some(sender) = self.reusable_h2(target) {
      return Ok(Conn::H2(sender));
    }
    if let Some(conn) = self.take_idle(target) {
      return Ok(Conn::H1(conn));
    }
    // Boxed: connecting (TCP, TLS, a proxy tunnel) is most of a request's task state, which a
    // request on a pooled connection then neither allocates nor touches.
    Box::pin(self.connect(target, tunnel)).await
  }

  /// A brand-new connection (used to retry when a reused one turned out to be closed).
  pub async fn connect(
    &self,
    target: &Target,
    tunnel: TunnelRequest<'_>,
  ) -> Result<Conn, ConnectError> {
    // Dropped once this connection is made and, if h2, shared: then the ones that waited look.
    let _connecting = match self.wait_for_h2_connect(target).await {
      Throttled::Connect(guard) => guard,
      Throttled::Share(sender) => return Ok(Conn::H2(sender)),
    };
    let generation = *self.generation.borrow();
    let epoch = self.epoch.load(Ordering::SeqCst);
    let uses = ConnectUse {
      configs: self.tls.read().unwrap_or_else(|p| p.into_inner()).clone(),
      trust: &*self.trust,
      resolver: &*self.resolver,
      http11_only: self.requires_http11(target),
    };
    let mut conn = connect(target, tunnel, &uses).await?;
    if matches!(conn, Conn::H2(_)) && !uses.http11_only && self.requires_http11(target) {
      // The server asked for HTTP/1.1 while this connection was being made (one of a first
      // burst's six): it is not used, and this connect is made again offering only http/1.1.
      drop(conn);
      let uses = ConnectUse {
        http11_only: true,
        ..uses
      };
      conn = connect(target, tunnel, &uses).await?;
    }
    let shared = match &conn {
      Conn::H1(_) => {
        self.h2_throttle.learn_http1(target);
        None
      }
      Conn::H2(sender) => {
        // Shared only if closeAllConnections() (or a trust change) did not happen while it was
        // being made.
        let shared = if self.current(generation, epoch) {
          self.share_h2(target, sender)
        } else {
          None
        };
        // After the insert: the ones waiting look for it as they wake.
        if !self.requires_http11(target) {
          self.h2_throttle.learn_h2(target);
        }
        shared
      }
    };
    Ok(shared.map_or(conn, Conn::H2))
  }

  /// Pools `sender` as `target`'s shared session, unless another connect made one meanwhile (a
  /// first burst connects six at once): that one is returned to be used instead, and this
  /// connection is dropped, as Chromium's job does when it finds a session for its key on
  /// completing (`Job::DoCreateStream`).
  fn share_h2(&self, target: &Target, sender: &H2Sender) -> Option<H2Sender> {
    if self.requires_http11(target) {
      return None;
    }
    let mut h2 = self.h2.lock().unwrap_or_else(|p| p.into_inner());
    let shared = h2
      .get_mut(target)
      .and_then(|shared| (!shared.health().closed).then(|| shared.reuse()));
    if shared.is_none() {
      h2.insert(target.clone(), sender.clone());
    }
    shared
  }

  /// Before a new connection to an https server: while the connects to it under way leave no
  /// room (`h2_throttle`), waits for a session to share (300 ms at most in all for a server
  /// known to speak h2; for one not known yet, until room or a session).
  async fn wait_for_h2_connect(&self, target: &Target) -> Throttled<'_> {
    // The 300 ms for a known h2 server, from the first wait for one.
    let mut deadline = None;
    loop {
      let news = match self.h2_throttle.claim(target) {
        Claim::Free => return Throttled::Connect(None),
        Claim::Mine(guard) => return Throttled::Connect(Some(guard)),
        Claim::Wait { news, throttled } => {
          if throttled && deadline.is_none() {
            deadline = Some(Instant::now() + h2_throttle::THROTTLE);
          }
          news
        }
      };
      if !h2_throttle::wait(news, deadline).await {
        // Chromium's job connects by itself once its throttle runs out.
        return Throttled::Connect(None);
      }
      if let Some(sender) = self.reusable_h2(target) {
        return Throttled::Share(sender);
      }
    }
  }

  /// `target` answered with HTTP_1_1_REQUIRED: its HTTP/2 session is no longer handed out (the
  /// streams on it go on), and its later connections offer only http/1.1.
  pub fn require_http11(&self, target: &Target) {
    {
      let mut marked = lock(&self.http11_required);
      // Bounded as the throttle's memory is: forgetting costs one more HTTP_1_1_REQUIRED.
      if marked.len() >= HTTP11_REMEMBERED {
        marked.clear();
      }
      marked.insert(target.origin.clone());
    }
    lock(&self.h2).remove(target);
    self.h2_throttle.learn_http1(target);
  }

  fn requires_http11(&self, target: &Target) -> bool {
    lock(&self.http11_required).contains(&target.origin)
  }

  fn reusable_h2(&self, target: &Target) -> Option<H2Sender> {
    let mut h2 = lock(&self.h2);
    let sender = h2.get_mut(target)?;
    let health = sender.health();
    if health.wants_http11 {
      drop(h2);
      self.require_http11(target);
      return None;
    }
    if !health.closed {
      return Some(sender.reuse());
    }
    h2.remove(target);
    None
  }

  fn take_idle(&self, target: &Target) -> Option<http1::Connection> {
    let mut conn = self.idle.take(target)?;
    conn.reused = true;
    Some(conn)
  }

  /// Returns a connection whose exchange completed cleanly, for the next request to `target`;
  /// `generation` is the pool's when the exchange began (`CloseWatch`): a connection that lived
  /// through closeAllConnections() is closed rather than kept.
  pub fn checkin(&self, target: &Target, conn: http1::Connection, began: &CloseWatch) {
    // Checked under the idle set's lock, which `close_all` (`forget_pooled`) clears it under
    // after bumping the generation (epoch): one of the two sees the other.
    self
      .idle
      .put(target, conn, || self.current(began.generation, began.epoch));
  }

  fn clear(&self) {
    self.idle.clear();
    self.h2.lock().unwrap_or_else(|p| p.into_inner()).clear();
  }
}

/// Servers remembered as wanting HTTP/1.1 before the list starts again.
const HTTP11_REMEMBERED: usize = 1024;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
  m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a new connection does after the throttle (`Pool::wait_for_h2_connect`).
enum Throttled<'a> {
  /// Uses the session another connection made.
  Share(H2Sender),
  /// Connects, holding the guard while connecting when this is the connect others wait for.
  Connect(Option<Connecting<'a>>),
}

/// What a new connection uses: the TLS configs, the session's trust decision, and its host
/// resolver.
struct ConnectUse<'a> {
  configs: Arc<TlsConfigs>,
  trust: &'a dyn TrustHook,
  resolver: &'a dyn HostResolve,
  /// ALPN offers only http/1.1 ([`Pool::require_http11`]).
  http11_only: bool,
}

async fn connect(
  target: &Target,
  tunnel: TunnelRequest<'_>,
  uses: &ConnectUse<'_>,
) -> Result<Conn, ConnectError> {
  let origin = &target.origin;
  let Some(proxy) = &target.proxy else {
    let tcp = connect_tcp(uses.resolver, &origin.host, origin.port).await?;
    return Ok(over_stream(tcp, origin, uses).await?);
  };
  // Chromium reports any failure to reach the proxy itself, a failed name lookup included,
  // as `ERR_PROXY_CONNECTION_FAILED` (reference §9; `DoTransportConnectComplete` of the HTTP
  // and SOCKS connect jobs); whether another proxy is tried is the loader's business.
  let tcp = connect_tcp(uses.resolver, &proxy.host, proxy.port)
    .await
    .map_err(|_| NetError::ERR_PROXY_CONNECTION_FAILED)?;
  match proxy.kind {
    ProxyKind::Socks4 | ProxyKind::Socks5 => {
      let relay = socks::handshake(tcp, proxy.kind, origin, uses.resolver).await?;
      Ok(over_stream(relay, origin, uses).await?)
    }
    ProxyKind::Http => {
      through_http_proxy(http1::Connection::plain(tcp), origin, tunnel, uses).await
    }
    ProxyKind::Https => {
      let tls = proxy_tls(tcp, &proxy.host, uses).await?;
      let conn = http1::Connection::new(Box::new(tls), true);
      through_http_proxy(conn, origin, tunnel, uses).await
    }
  }
}

/// A stream that reaches the origin (a socket, or a SOCKS relay): plain HTTP/1.1, or TLS.
async fn over_stream(
  tcp: TcpStream,
  origin: &Origin,
  uses: &ConnectUse<'_>,
) -> Result<Conn, NetError> {
  if origin.https {
    handshake_tls(http1::plain_tcp::PlainTcp::new(tcp), origin, uses).await
  } else {
    Ok(Conn::H1(http1::Connection::plain(tcp)))
  }
}

/// `conn` speaks to an HTTP proxy: requests for http origins go on it in absolute form; an
/// https origin gets a CONNECT tunnel and TLS inside it.
async fn through_http_proxy(
  conn: http1::Connection,
  origin: &Origin,
  tunnel: TunnelRequest<'_>,
  uses: &ConnectUse<'_>,
) -> Result<Conn, ConnectError> {
  if !origin.https {
    return Ok(Conn::H1(conn));
  }
  let io = open_tunnel(conn, origin, tunnel).await?;
  Ok(handshake_tls(io, origin, uses).await?)
}

/// TLS to an HTTPS proxy (`HttpProxyConnectJob::DoSSLConnectComplete`): its certificate is
/// checked for `proxy_host` as an origin's is (trust roots, verify proc), a bad one failing with
/// `ERR_PROXY_CERTIFICATE_INVALID`, any other failure with `ERR_PROXY_CONNECTION_FAILED`. ALPN
/// offers only http/1.1: the proxy is spoken to in HTTP/1.1 (no HTTP/2 proxies, README).
async fn proxy_tls(
  tcp: TcpStream,
  proxy_host: &str,
  uses: &ConnectUse<'_>,
) -> Result<TlsStream<TcpStream>, NetError> {
  let as_proxy_error = |e: NetError| {
    if e.is_certificate_error() {
      NetError::ERR_PROXY_CERTIFICATE_INVALID
    } else {
      NetError::ERR_PROXY_CONNECTION_FAILED
    }
  };
  let (tls, _) = verified_tls(tcp, proxy_host, uses, &[b"http/1.1"])
    .await
    .map_err(as_proxy_error)?;
  Ok(tls)
}

/// TLS to `origin` over `io` (a socket, a SOCKS relay, or a tunnel through an HTTP proxy), then
/// HTTP/2 if ALPN chose it.
async fn handshake_tls<T: TlsBase>(
  io: T,
  origin: &Origin,
  uses: &ConnectUse<'_>,
) -> Result<Conn, NetError> {
  let alpn: &[&[u8]] = if uses.http11_only {
    &[b"http/1.1"]
  } else {
    &[]
  };
  let (tls, is_h2) = verified_tls(io, &origin.host, uses, alpn).await?;
  if is_h2 {
    Ok(Conn::H2(http2::handshake(tls).await?))
  } else {
    Ok(Conn::H1(T::h1(tls)))
  }
}

/// A stream TLS runs over, and the HTTP/1.1 connection over that TLS: straight over a socket the
/// JS thread may read the responses itself (`http1::plain_tcp`); through a tunnel the engine
/// does.
trait TlsBase: http1::Io + Sized + 'static {
  fn h1(tls: TlsStream<Self>) -> http1::Connection;
}

impl TlsBase for http1::plain_tcp::PlainTcp {
  fn h1(tls: http1::TlsOverTcp) -> http1::Connection {
    http1::Connection::tls(tls)
  }
}

impl TlsBase for Box<dyn http1::Io> {
  fn h1(tls: TlsStream<Self>) -> http1::Connection {
    http1::Connection::new(Box::new(tls), true)
  }
}

/// Chromium's `kSSLHandshakeTimeout`.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// A TLS handshake with `host` over `io`, its certificate accepted by the session, and whether
/// ALPN chose h2. `alpn`: the protocols to offer instead of the configs' (h2, http/1.1), if not
/// empty. With a verify proc (`TrustHook::deferred`) the handshake lets any chain through and the
/// session decides here, before anything is sent on the connection; otherwise the handshake
/// itself enforces the default verdict.
async fn verified_tls<T: http1::Io + 'static>(
  io: T,
  host: &str,
  uses: &ConnectUse<'_>,
  alpn: &[&[u8]],
) -> Result<(TlsStream<T>, bool), NetError> {
  let name = ServerName::try_from(host.to_string()).map_err(|_| NetError::ERR_INVALID_URL)?;
  let deferred = uses.trust.deferred();
  let configs = &uses.configs;
  let config = if deferred {
    &configs.deferring
  } else {
    &configs.enforcing
  };
  // Settings that leave no version or suite to offer: what Chromium's handshake then fails with.
  let mut config = config
    .clone()
    .ok_or(NetError::ERR_SSL_VERSION_OR_CIPHER_MISMATCH)?;
  if !alpn.is_empty() {
    // A copy per proxy connection: its session cache is shared (an `Arc`), so resumption works.
    let mut own = (*config).clone();
    own.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config = Arc::new(own);
  }
  let connector = tokio_rustls::TlsConnector::from(config);
  // Chromium's `SSLConnectJob` gives the handshake 30 s (`kSSLHandshakeTimeout`), then fails
  // with `ERR_TIMED_OUT`: a server that takes the connection and never answers does not hold
  // the request (nor, in a first burst, its slot) forever. A verify proc's answer is not
  // counted: an app may ask its user.
  let tls: TlsStream<T> =
    tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, connector.connect(name.clone(), io))
      .await
      .map_err(|_| NetError::ERR_TIMED_OUT)?
      .map_err(|e| classify(&e, Stage::Tls))?
      .into();
  if deferred {
    let chain: Vec<_> = tls
      .get_ref()
      .1
      .peer_certificates()
      .unwrap_or_default()
      .iter()
      .map(|c| c.clone().into_owned())
      .collect();
    let default =
      configs
        .verifier
        .default_verdict(&chain, &name, rustls::pki_types::UnixTime::now());
    uses.trust.decide(host, chain, default).await?;
  }
  let is_h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
  Ok((tls, is_h2))
}

/// `CONNECT host:port` through the HTTP proxy on `conn` (RFC 9110 §9.3.6). A 2xx gives the raw
/// stream to the origin; a 407 goes back to the loader (`'login'`, then a new tunnel with
/// `Proxy-Authorization`); any other answer is `ERR_TUNNEL_CONNECTION_FAILED` (reference §9),
/// as Chromium never shows a proxy's page for an https URL.
async fn open_tunnel(
  mut conn: http1::Connection,
  origin: &Origin,
  tunnel: TunnelRequest<'_>,
) -> Result<Box<dyn http1::Io>, ConnectError> {
  let head = http1::request_head::connect(
    &authority(origin),
    tunnel.user_agent,
    tunnel.proxy_authorization,
  )?;
  conn.read_heads_as_https();
  // Chromium's `HttpProxyConnectJob` gives the tunnel 30 s (its `kHttpProxyConnectJobTunnel
  // Timeout`), then fails with `ERR_TIMED_OUT`, which lets the next proxy be tried: a proxy
  // that takes the connection and never answers does not hold the request forever.
  let response = tokio::time::timeout(CONNECT_TIMEOUT, async {
    conn.write_all(&head).await?;
    conn.flush().await?;
    conn.read_head().await.map_err(|e| e.error)
  })
  .await
  .map_err(|_| NetError::ERR_TIMED_OUT)??;
  match response.status {
    // Only 200 (`HttpProxyClientSocket::DoReadHeadersComplete`): any other answer is ignored,
    // so that the proxy cannot stand in for the origin.
    200 => conn
      .into_io()
      // Bytes after the head that the origin cannot have sent yet: not a usable tunnel.
      .ok_or(ConnectError::Net(NetError::ERR_TUNNEL_CONNECTION_FAILED)),
    407 => Err(ConnectError::TunnelAuth(response)),
    _ => Err(ConnectError::Net(NetError::ERR_TUNNEL_CONNECTION_FAILED)),
  }
}

/// How long a CONNECT may take to be answered.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
  use std::future::Future;
  use std::pin::Pin;

  use rustls::pki_types::CertificateDer;

  use super::*;
  use crate::wire::resolve::Addrs;
  use crate::wire::silent_server::{assert_gave_up_after, SilentServer};
  use crate::wire::tls::verify::DefaultVerdict;
  use crate::wire::tls::{client_configs, settings::TlsSettings};

  /// No verify proc: the handshake enforces the default verdict.
  struct DefaultTrust;

  impl TrustHook for DefaultTrust {
    fn deferred(&self) -> bool {
      false
    }
    fn decide(
      &self,
      _: &str,
      _: Vec<CertificateDer<'static>>,
      default: DefaultVerdict,
    ) -> Pin<Box<dyn Future<Output = Result<(), NetError>> + Send>> {
      Box::pin(async move { default.result })
    }
  }

  /// Knows no names: the handshake under test looks none up.
  struct NoNames;

  impl HostResolve for NoNames {
    fn known(&self, _: &str) -> Option<Result<Addrs, NetError>> {
      Some(Err(NetError::ERR_NAME_NOT_RESOLVED))
    }
    fn learned(&self, _: &str, _: &Result<Addrs, NetError>) {}
  }

  /// A server that takes the connection and never answers the ClientHello: the handshake gives
  /// up after Chromium's 30 s with `ERR_TIMED_OUT`, not before. tokio's paused clock jumps to
  /// the timer while the handshake waits on the socket.
  #[tokio::test(start_paused = true)]
  async fn a_silent_tls_server_times_out_after_30_seconds() {
    let server = SilentServer::start().await;
    let uses = ConnectUse {
      configs: client_configs(None, &TlsSettings::default()),
      trust: &DefaultTrust,
      resolver: &NoNames,
      http11_only: false,
    };
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let started = tokio::time::Instant::now();
    let result = tokio::time::timeout(
      Duration::from_secs(120),
      verified_tls(tcp, "127.0.0.1", &uses, &[]),
    )
    .await
    .expect("the handshake never gave up");
    assert_eq!(result.err(), Some(NetError::ERR_TIMED_OUT));
    assert_gave_up_after(started, TLS_HANDSHAKE_TIMEOUT, "the handshake");
  }

  /// An HTTP proxy that takes the connection and never answers the CONNECT: the tunnel gives up
  /// after Chromium's 30 s with `ERR_TIMED_OUT` (which lets the next proxy be tried), not before.
  #[tokio::test(start_paused = true)]
  async fn a_silent_proxy_times_out_the_connect_after_30_seconds() {
    let server = SilentServer::start().await;
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let origin = Origin {
      https: true,
      host: "origin.test".into(),
      port: 443,
    };
    let started = tokio::time::Instant::now();
    let result = tokio::time::timeout(
      Duration::from_secs(120),
      open_tunnel(
        http1::Connection::plain(tcp),
        &origin,
        TunnelRequest::default(),
      ),
    )
    .await
    .expect("the CONNECT never gave up");
    assert!(matches!(
      result,
      Err(ConnectError::Net(NetError::ERR_TIMED_OUT))
    ));
    assert_gave_up_after(started, CONNECT_TIMEOUT, "the CONNECT");
  }
}
