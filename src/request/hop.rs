//! The task that performs one request: hop after hop (redirects, authentication retries) until
//! a response is delivered, then its body under the consumer's credit (Electron's
//! `data(chunk, resume)`, reference §5).

use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;
use url::Url;

use crate::errors::NetError;
use crate::request::auth::attempt::{self, AuthAttempt};
use crate::request::auth::{self, Credentials};
use crate::request::cache::{self, policy, Cached};
use crate::request::cookies::for_request::{self as cookies, RequestCookies};
use crate::request::decoding::ContentDecoder;
use crate::request::engine_headers;
use crate::request::events::{AuthInfo, Event};
use crate::request::fetch_metadata;
use crate::request::headers;
use crate::request::proxy_retry;
use crate::request::redirect;
use crate::request::referrer;
use crate::request::reporter::{next_decision, Decision, Reporter};
use crate::request::session::SessionInner;
use crate::request::upload_progress::{self, Tracker, UploadMeter};
use crate::wire::header_block::HeaderBlock;
use crate::wire::headers as wire_headers;
use crate::wire::origin::{self, Origin, ProxyKind, Target};
use crate::wire::transport::{self, BodyReader, Failure, Outgoing, ResponseStart};
use crate::wire::upload::{UploadBody, UploadEvents};

/// Request options beyond method, URL and headers, validated in JS (reference §1.2).
#[derive(Default, Clone)]
pub struct RequestOptions {
  /// `include` | `omit` | `same-origin`, or unset.
  pub credentials: Option<String>,
  pub cache: Option<String>,
  pub priority: Option<String>,
  pub priority_incremental: Option<bool>,
  pub referrer_policy: Option<String>,
  /// The initiator's origin (the `origin` option).
  pub origin: Option<String>,
  /// `useSessionCookies` (only read when `credentials` is unset).
  pub use_session_cookies: bool,
}

/// Everything the engine needs to perform the request.
pub struct RequestSpec {
  pub method: String,
  pub url: Url,
  pub headers: Vec<(String, String)>,
  pub chunked: bool,
  pub options: RequestOptions,
}

/// Performs the request described by `spec`, reporting through `reporter`; a failure becomes its
/// `'error'`.
pub async fn perform(
  session: Arc<SessionInner>,
  reporter: Arc<Reporter>,
  mut decisions: mpsc::UnboundedReceiver<Decision>,
  spec: RequestSpec,
  body: UploadBody,
) {
  let mut request = Request {
    session: &session,
    reporter: &reporter,
    decisions: &mut decisions,
  };
  if let Err(e) = request.run(spec, body).await {
    reporter.emit(Event::Error(e));
  }
}

struct Request<'a> {
  session: &'a SessionInner,
  reporter: &'a Arc<Reporter>,
  decisions: &'a mut mpsc::UnboundedReceiver<Decision>,
}

impl Request<'_> {
  /// Performs the request; an `Err` becomes its `'error'`.
  async fn run(&mut self, spec: RequestSpec, mut body: UploadBody) -> Result<(), NetError> {
    let RequestSpec {
      mut method,
      mut url,
      headers: mut user,
      chunked: _,
      options,
    } = spec;
    crate::config::panic_if_requested(url.host_str());
    headers::check_method(&method)?;
    headers::check_request_headers_safe(&user)?;
    let credentials_mode = options.credentials.clone();
    let mut policy = referrer::parse_policy(options.referrer_policy.as_deref());
    let initiator = fetch_metadata::initiator(options.origin.as_deref(), &user, &url);
    // What `same-origin` compares against: the `origin` option's origin, which is the initiator
    // whenever the option is given (an unparsable one is opaque, equal to no URL's origin).
    let credentials_origin = options.origin.as_ref().and(initiator.clone());
    let h2_priority =
      engine_headers::priority_header(options.priority.as_deref(), options.priority_incremental);
    if let Some(referer) = wire_headers::get(&user, "referer") {
      referrer::check_initial(policy, referer, &url)?;
    }
    // Credentials in the URL answer the first challenge without a 'login' (reference §4.1);
    // they are never sent as part of the URL.
    let mut url_creds = attempt::take_userinfo(&mut url);
    let mut site = fetch_metadata::site_for(initiator.as_ref(), &url);
    // Only a request that may ever use the store keeps its cookie state (most never do).
    let mut request_cookies =
      cookies::may_use(credentials_mode.as_deref(), options.use_session_cookies)
        .then(|| RequestCookies::new(&url, options.origin.as_deref()));
    let mut redirects = 0;
    // Server and proxy credentials are tried independently: a request may need both.
    let mut attempt: Option<AuthAttempt> = None;
    let mut proxy_attempt: Option<AuthAttempt> = None;
    // Proxies this request could not get a connection through: the next one of the list is
    // tried instead (Chromium's `ProxyInfo::Fallback`), and the last failure is the request's
    // error once none is left.
    let mut failed_proxies = Vec::new();
    let mut last_proxy_error = None;
    // How much of the body has gone out, reported on Chromium's schedule.
    let meter = UploadMeter::new(self.reporter.clone());
    let upload_events: Arc<dyn UploadEvents> = meter.clone();
    let mut upload_progress = Tracker::default();
    let cache_mode = policy::Mode::parse(options.cache.as_deref());
    loop {
      let origin = origin::origin_of(&url)?;
      // The route is decided per hop from the session's current config (reference §10).
      let proxy = match self.session.proxy_for(&url, &failed_proxies).await {
        Ok(proxy) => proxy,
        Err(e) => return Err(last_proxy_error.unwrap_or(e)),
      };
      let target = Target {
        origin: origin.clone(),
        proxy,
      };
      // An HTTP proxy as an auth protection space: proxy credentials are cached by its scheme
      // and address, so they never go to another proxy, whatever a redirect does. A SOCKS
      // proxy never sees HTTP, so never gets credentials (Chromium has no SOCKS auth).
      let proxy_space = target.http_proxy().map(|p| Origin {
        https: p.kind == ProxyKind::Https,
        host: p.host.clone(),
        port: p.port,
      });
      // `omit` never sends credentials; `same-origin` only while the URL is same-origin with
      // the `origin` option, checked on every hop (reference §7.1).
      let omit_credentials = match credentials_mode.as_deref() {
        Some("omit") => true,
        Some("same-origin") => credentials_origin.as_ref() != Some(&url.origin()),
        _ => false,
      };
      let hop_cookies = request_cookies.as_ref().filter(|_| {
        cookies::enabled(
          credentials_mode.as_deref(),
          options.use_session_cookies,
          credentials_origin.as_ref() == Some(&url.origin()),
        )
      });
      let (mut user_out, sec_fetch) =
        fetch_metadata::apply(&user, &url, site, initiator.is_some())?;
      let cookie = hop_cookies.and_then(|c| c.header(&self.session.cookies, &url));
      // The store's cookies replace a `Cookie` of the caller's; with none, the caller's is sent
      // (Chromium's `URLRequestHttpJob::SetCookieHeaderAndStart` sets the header only when the
      // cookie line is not empty).
      if cookie.is_some() && wire_headers::has(&user_out, "cookie") {
        user_out = std::borrow::Cow::Owned(
          user_out
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("cookie"))
            .cloned()
            .collect(),
        );
      }
      let (mut engine, decodes) = engine_headers::for_hop(
        self.session,
        &origin,
        &url,
        &method,
        &user_out,
        sec_fetch,
        attempt.as_mut(),
        omit_credentials,
        options.cache.as_deref(),
      );
      if let Some(cookie) = cookie {
        engine.last.push(("Cookie", cookie.into()));
      }
      let proxy_auth = proxy_space.as_ref().and_then(|space| {
        attempt::proxy_authorization(
          &self.session.auth,
          space,
          proxy_attempt.as_mut(),
          &target,
          &method,
          &url,
        )
      });
      let mut tunnel_authorization = None;
      if let Some(value) = proxy_auth {
        if target.tunnels() {
          // Only the CONNECT carries it: never the request inside the tunnel, which the
          // origin server reads.
          tunnel_authorization = Some(value);
        } else {
          // Chromium adds proxy credentials just before server ones
          // (`HttpNetworkTransaction::BuildRequestHeaders`, reference §2.3 step 4).
          let at = engine
            .first
            .iter()
            .position(|(n, _)| *n == "Authorization")
            .unwrap_or(engine.first.len());
          engine
            .first
            .insert(at, ("Proxy-Authorization", value.into()));
        }
      }
      // The HTTP cache (request/cache): a fresh entry answers without the network, a stale
      // one is revalidated with its validators.
      let http_cache = &self.session.http_cache;
      let cache_key =
        (http_cache.is_enabled() && policy::applies(&method, &user_out)).then(|| cache::key(&url));
      let mut serve: Option<Cached> = None;
      let mut revalidating: Option<Cached> = None;
      if let Some(key) = cache_key.filter(|_| cache_mode.reads()) {
        if let Some(found) = http_cache.lookup(key).await {
          match policy::decide(&found.head, &user_out, cache_mode, SystemTime::now()) {
            policy::Use::Serve => serve = Some(found),
            policy::Use::Validate(validators) => {
              for (name, value) in validators {
                engine.first.push((name, value.into()));
              }
              revalidating = Some(found);
            }
            policy::Use::Ignore => {}
          }
        }
        if serve.is_none() && revalidating.is_none() && cache_mode == policy::Mode::OnlyIfCached {
          return Err(NetError::ERR_CACHE_MISS);
        }
      }
      let replay = body.replay();
      let ticks = upload_progress::needs_ticks(&body);
      let out = Outgoing {
        method: &method,
        url: &url,
        user: &user_out,
        engine: &engine,
        h2_priority,
        tunnel_authorization: tunnel_authorization.as_deref(),
      };
      let exchanged = if let Some(hit) = serve.take() {
        Ok(stored_response(hit, &self.session.pool))
      } else {
        // Boxed: connecting and the exchange take most of the task's state (11.6 KiB of it,
        // 5 KiB without), which a request waiting on its consumer need not keep.
        let exchange = Box::pin(transport::exchange(
          &self.session.pool,
          &target,
          &out,
          body,
          &upload_events,
        ));
        if ticks {
          upload_progress.track(&meter, exchange).await
        } else {
          exchange.await
        }
      };
      let mut response = match exchanged {
        Ok(response) => response,
        // No connection through the proxy, so nothing reached the origin: retry through the
        // next proxy of the list when Chromium would (`ReconsiderProxyAfterError`,
        // `CanFalloverToNextProxy`) and the body can be sent again.
        Err(Failure {
          error,
          connecting: true,
        }) if target.proxy.is_some() => {
          proxy_retry::can_fall_back(error)?;
          let Some(again) = replay else {
            return Err(error);
          };
          failed_proxies.extend(target.proxy);
          last_proxy_error = Some(error);
          // Credentials being tried belong to the proxy that failed.
          proxy_attempt = None;
          body = again;
          continue;
        }
        Err(failure) => return Err(failure.error),
      };
      // Through after falling back: the proxies passed over are bad for the session
      // (`ReportSuccess`), which from now on tries them last rather than never.
      if !failed_proxies.is_empty() {
        self.session.report_proxy_success(&failed_proxies);
        failed_proxies.clear();
        last_proxy_error = None;
      }
      // Every response may set cookies, redirects and challenges included (reference §6).
      if let Some(hop_cookies) = hop_cookies {
        hop_cookies.store_response(
          &self.session.cookies,
          &url,
          response.header_values("set-cookie"),
        );
      }
      let received_at = SystemTime::now();
      if let (Some(entry), 304) = (revalidating.take(), response.status) {
        // Not modified: the stored response, with the 304's headers merged in, is delivered.
        let head = Arc::new(policy::merge_304(
          &entry.head,
          response.headers.iter(),
          received_at,
        ));
        Box::pin(response.body.discard(&self.session.pool)).await;
        http_cache.update_head(head.clone(), &entry.head).await;
        response = stored_response(
          Cached {
            head,
            body: entry.body,
          },
          &self.session.pool,
        );
      } else if cache_key.is_none()
        && http_cache.is_enabled()
        && policy::invalidates(&method, response.status)
      {
        http_cache.invalidate(cache::key(&url));
      }

      let location = response.header("location").map(str::to_string);
      if let Some(plan) = redirect::plan(
        response.status,
        location.as_deref(),
        &url,
        &method,
        redirects,
      )? {
        self.reporter.emit(Event::Redirect {
          status: response.status,
          method: plan.method.clone(),
          url: plan.url.to_string(),
          raw_headers: response.headers.joined().to_string(),
        });
        if !matches!(next_decision(self.decisions).await?, Decision::Follow(true)) {
          // JS reports the cancellation itself and aborts this request.
          return Ok(());
        }
        redirect::check_target(&plan.url)?;
        if let Some(p) = referrer::from_response_header(response.header_values("referrer-policy")) {
          policy = p;
        }
        Box::pin(response.body.discard(&self.session.pool)).await;
        body = if plan.drop_body {
          UploadBody::Empty
        } else {
          replay.ok_or(NetError::ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED)?
        };
        user = redirect::next_headers(&user, &url, &plan);
        if let Some(referer) = wire_headers::get(&user, "referer").map(str::to_string) {
          user.retain(|(n, _)| !n.eq_ignore_ascii_case("referer"));
          if let Some(value) = referrer::for_redirect(policy, &referer, &plan.url) {
            user.push(("Referer".to_string(), value));
          }
        }
        // A redirect is not a 401 or a 407: the credentials just tried were accepted, so
        // remember them for the space they answered, as for any other response.
        if let Some(done) = attempt.take() {
          attempt::remember(&self.session.auth, done, url.path());
        }
        if let Some(done) = proxy_attempt.take() {
          attempt::remember(&self.session.auth, done, "/");
        }
        if url.origin() != plan.url.origin() {
          url_creds = None;
        }
        url = plan.url;
        if let Some(c) = request_cookies.as_mut() {
          c.redirected(&url);
        }
        method = plan.method;
        redirects += 1;
        site = site.max(fetch_metadata::site_for(initiator.as_ref(), &url));
        continue;
      }

      // Anything but a 407 means the proxy let the request through: its credentials worked.
      if response.status != 407 {
        if let Some(done) = proxy_attempt.take() {
          attempt::remember(&self.session.auth, done, "/");
        }
      }
      let challenges = match response.status {
        401 => auth::parse_challenges(response.header_values("www-authenticate")),
        407 => auth::parse_challenges(response.header_values("proxy-authenticate")),
        _ => Vec::new(),
      };
      // Only the proxy itself can challenge for proxy credentials: a 407 to the CONNECT, or to
      // a request sent to it in absolute form. A 407 from the origin inside a tunnel is the
      // server's and fails with net::ERR_UNEXPECTED_PROXY_AUTH, as in Chromium (no proxy auth
      // for tunnelled requests), so a site cannot pose as the proxy and ask for its password.
      let from_proxy = response.tunnel_challenge || target.via_proxy();
      // The protection space challenging: the proxy for a 407 from it, else the server.
      let (space, is_proxy) = match (&proxy_space, response.status) {
        (Some(proxy), 407) if from_proxy => (proxy.clone(), true),
        _ => (origin.clone(), false),
      };
      let previous = if is_proxy {
        proxy_attempt.take()
      } else {
        attempt.take()
      };
      let step = auth::next_step(
        response.status,
        &challenges,
        from_proxy,
        omit_credentials,
        // URL credentials are the server's, never the proxy's.
        url_creds.as_ref().filter(|_| !is_proxy),
        |realm| self.session.auth.lookup(&space, is_proxy, realm),
        previous.as_ref().map(|a| &a.tried),
      );
      let next = match step {
        auth::Step::Fail(e) => return Err(e),
        auth::Step::Deliver { remember } => {
          if let (true, Some(done)) = (remember, previous) {
            attempt::remember(&self.session.auth, done, url.path());
          }
          None
        }
        auth::Step::Retry {
          challenge,
          answer,
          creds,
          source,
        } => {
          if source == auth::Source::Url {
            url_creds = None;
          }
          Some(AuthAttempt {
            origin: space.clone(),
            is_proxy,
            tried: auth::Tried {
              realm: challenge.realm,
              creds,
              source,
            },
            answer,
          })
        }
        auth::Step::AskUser {
          challenge,
          answer,
          forget_cached,
        } => {
          if forget_cached {
            self.session.auth.remove(&space, is_proxy, &challenge.realm);
          }
          self
            .ask_user(&challenge, &space, is_proxy)
            .await?
            .map(|creds| AuthAttempt {
              origin: space.clone(),
              is_proxy,
              tried: auth::Tried {
                realm: challenge.realm,
                creds,
                source: auth::Source::Login,
              },
              answer,
            })
        }
      };
      // A chunked body cannot be sent again: the 401 is delivered instead (README).
      if let (Some(next), Some(again)) = (next, replay) {
        Box::pin(response.body.discard(&self.session.pool)).await;
        body = again;
        if is_proxy {
          proxy_attempt = Some(next);
        } else {
          attempt = Some(next);
        }
        continue;
      }
      // A tunnel's 407 is the proxy's page for an https URL, which Chromium never shows:
      // cancelling fails the request (reference §4.1).
      if response.tunnel_challenge {
        return Err(NetError::ERR_TUNNEL_CONNECTION_FAILED);
      }
      upload_progress.completed(&meter);
      // A response off the network (not one the cache gave) may be stored.
      let writer = cache_key
        .filter(|_| cache_mode.writes() && !response.body.is_stored())
        .and_then(|key| {
          policy::to_store(
            key,
            &user_out,
            response.status,
            &response.status_text,
            response.http_version,
            &response.headers,
            received_at,
          )
        })
        .and_then(|head| http_cache.writer(head));
      return self.deliver(response, decodes, writer).await;
    }
  }

  /// Emits `'login'` for `challenge` and waits for the user's answer: credentials to retry
  /// with, or `None` to deliver the 401 / 407 (reference §4.1). `origin` is the server's, or
  /// the proxy's address (`authInfo.host` / `port` name the proxy then).
  async fn ask_user(
    &mut self,
    challenge: &auth::Challenge,
    origin: &Origin,
    is_proxy: bool,
  ) -> Result<Option<Credentials>, NetError> {
    self.reporter.emit(Event::Login(AuthInfo {
      is_proxy,
      scheme: challenge.scheme.clone(),
      host: origin.host.clone(),
      port: u32::from(origin.port),
      realm: challenge.realm.clone(),
    }));
    match next_decision(self.decisions).await? {
      Decision::Login(Some(creds)) => Ok(Some(creds)),
      _ => Ok(None),
    }
  }

  /// Reports the response and streams its body to JS.
  async fn deliver(
    &mut self,
    response: ResponseStart,
    decodes: bool,
    writer: Option<cache::CacheWriter>,
  ) -> Result<(), NetError> {
    let decoder = if decodes {
      response
        .header("content-encoding")
        .and_then(ContentDecoder::for_encoding)
    } else {
      None
    };
    self.reporter.emit(Event::Response {
      raw_headers: response.headers.into_joined(),
      status: response.status,
      status_text: response.status_text,
      http_version: response.http_version,
    });
    crate::request::download::deliver(
      response.body,
      decoder,
      writer,
      self.reporter,
      &self.session.pool,
    )
    .await
  }
}

/// A stored entry as a response off the wire: the same status, head and events (reference §4).
fn stored_response(cached: Cached, pool: &crate::wire::pool::Pool) -> ResponseStart {
  let Cached { head, body } = cached;
  let mut headers = HeaderBlock::with_capacity(head.headers.len(), 0);
  for (name, value) in &head.headers {
    headers.push(name, value);
  }
  ResponseStart {
    status: head.status,
    status_text: head.status_text.clone(),
    http_version: match head.http_version.as_str() {
      "2.0" => "2.0",
      "1.0" => "1.0",
      _ => "1.1",
    },
    headers,
    body: BodyReader::stored(body, pool.watch()),
    tunnel_challenge: false,
  }
}
