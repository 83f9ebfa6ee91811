//! HTTP authentication (RFC 9110 §11): parsing `WWW-Authenticate` / `Proxy-Authenticate`,
//! choosing a scheme we speak (Digest per RFC 7616 with MD5 or SHA-256, then Basic per RFC 7617),
//! building the `Authorization` value, and the session's auth cache.
//!
//! Digest arithmetic comes from the `digest_auth` crate; this module owns the challenge parsing
//! (a header may hold several challenges, which that crate does not split).

use std::sync::Mutex;

use base64::Engine as _;

use crate::errors::NetError;
use crate::wire::origin::Origin;
use crate::wire::syntax;

/// One challenge from a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
  /// Lower-case scheme name, as Electron reports it in `authInfo.scheme`.
  pub scheme: String,
  /// `''` when the challenge has none.
  pub realm: String,
  /// The challenge's parameters as received, for the Digest computation.
  params: String,
}

/// Splits header values into challenges. Each value is a comma-separated list in which a new
/// challenge starts at an item beginning with a bare token (`Basic realm="a", Digest ...`).
pub fn parse_challenges<'a>(values: impl Iterator<Item = &'a str>) -> Vec<Challenge> {
  let mut out: Vec<(String, Vec<String>)> = Vec::new();
  for value in values {
    for item in split_outside_quotes(value, ',') {
      let item = item.trim();
      if item.is_empty() {
        continue;
      }
      let (first, rest) = match item.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&item[..i], item[i..].trim()),
        None => (item, ""),
      };
      if !first.contains('=') && syntax::is_token(first) {
        let mut params = Vec::new();
        if !rest.is_empty() {
          params.push(rest.to_string());
        }
        out.push((first.to_ascii_lowercase(), params));
      } else if let Some((_, params)) = out.last_mut() {
        params.push(item.to_string());
      }
    }
  }
  out
    .into_iter()
    .map(|(scheme, params)| {
      let realm = params
        .iter()
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("realm"))
        .map(|(_, v)| unquote(v.trim()))
        .unwrap_or_default();
      Challenge {
        scheme,
        realm,
        params: params.join(", "),
      }
    })
    .collect()
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
  let mut parts = Vec::new();
  let mut start = 0;
  let mut quoted = false;
  let mut escaped = false;
  for (i, c) in s.char_indices() {
    if escaped {
      escaped = false;
    } else if quoted && c == '\\' {
      escaped = true;
    } else if c == '"' {
      quoted = !quoted;
    } else if c == sep && !quoted {
      parts.push(&s[start..i]);
      start = i + c.len_utf8();
    }
  }
  parts.push(&s[start..]);
  parts
}

fn unquote(v: &str) -> String {
  match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
    Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
    None => v.to_string(),
  }
}

fn digest_header(ch: &Challenge) -> Option<digest_auth::WwwAuthenticateHeader> {
  // digest_auth 0.3 slices its input by char index and panics on non-ASCII (found by the
  // property tests); RFC 7616 parameters are ASCII, so anything else is not a usable challenge.
  if !ch.params.is_ascii() {
    return None;
  }
  digest_auth::WwwAuthenticateHeader::parse(&ch.params).ok()
}

/// The strongest challenge we can answer: Digest SHA-256, Digest MD5, then Basic.
pub fn choose(challenges: &[Challenge]) -> Option<Challenge> {
  let rank = |ch: &Challenge| -> Option<u8> {
    match ch.scheme.as_str() {
      "digest" => {
        let header = digest_header(ch)?;
        let auth_only = header
          .qop
          .as_ref()
          .is_none_or(|q| q.iter().any(|q| matches!(q, digest_auth::Qop::AUTH)));
        if !auth_only {
          return None;
        }
        Some(match header.algorithm.algo {
          digest_auth::AlgorithmType::MD5 => 2,
          _ => 3,
        })
      }
      "basic" => Some(1),
      _ => None,
    }
  };
  challenges
    .iter()
    .filter_map(|ch| rank(ch).map(|r| (r, ch)))
    .max_by_key(|(r, _)| *r)
    .map(|(_, ch)| ch.clone())
}

/// User name and password given by `'login'`, the URL, or the auth cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
  pub username: String,
  pub password: String,
}

/// How to answer one protection space; Digest keeps its server state (nonce, count).
#[derive(Debug, Clone)]
pub enum Answer {
  Basic,
  Digest(Box<digest_auth::WwwAuthenticateHeader>),
}

impl Answer {
  pub fn for_challenge(ch: &Challenge) -> Option<Answer> {
    match ch.scheme.as_str() {
      "basic" => Some(Answer::Basic),
      "digest" => digest_header(ch).map(|h| Answer::Digest(Box::new(h))),
      _ => None,
    }
  }

  /// The `Authorization` value for `method` on `uri` (the request target).
  pub fn header_value(
    &mut self,
    creds: &Credentials,
    method: &str,
    uri: &str,
  ) -> Result<String, NetError> {
    self.header_value_with_cnonce(creds, method, uri, None)
  }

  /// `header_value` with a chosen Digest client nonce (random when `None`), so the RFC 7616
  /// §3.9.1 example can be checked byte for byte.
  fn header_value_with_cnonce(
    &mut self,
    creds: &Credentials,
    method: &str,
    uri: &str,
    cnonce: Option<&str>,
  ) -> Result<String, NetError> {
    match self {
      Answer::Basic => {
        let raw = format!("{}:{}", creds.username, creds.password);
        Ok(format!(
          "Basic {}",
          base64::engine::general_purpose::STANDARD.encode(raw)
        ))
      }
      Answer::Digest(header) => {
        let mut context = digest_auth::AuthContext::new_with_method(
          creds.username.as_str(),
          creds.password.as_str(),
          uri,
          Option::<&[u8]>::None,
          digest_auth::HttpMethod::from(method.to_string()),
        );
        if let Some(cnonce) = cnonce {
          context.set_custom_cnonce(cnonce);
        }
        header
          .respond(&context)
          .map(|h| h.to_header_string())
          .map_err(|_| NetError::ERR_INVALID_AUTH_CREDENTIALS)
      }
    }
  }
}

/// Where the credentials being tried came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
  /// The URL's `user:pass@`.
  Url,
  /// The session's auth cache (forgotten if the server rejects them).
  Cache,
  /// The user, through `'login'`.
  Login,
}

/// The credentials the request just tried, as far as the next decision needs them.
#[derive(Debug, Clone)]
pub struct Tried {
  pub realm: String,
  pub creds: Credentials,
  pub source: Source,
}

/// What to do with a response, as far as authentication goes.
#[derive(Debug)]
pub enum Step {
  /// Deliver the response. `remember`: the credentials tried were accepted (the response is not
  /// a 401), so they go into the auth cache for their protection space.
  Deliver { remember: bool },
  /// Fail the request.
  Fail(NetError),
  /// Send the request again with `creds` answering `challenge`.
  Retry {
    challenge: Challenge,
    answer: Answer,
    creds: Credentials,
    source: Source,
  },
  /// Emit `'login'` for `challenge`; `forget_cached`: first drop the cached credentials the
  /// server just rejected.
  AskUser {
    challenge: Challenge,
    answer: Answer,
    forget_cached: bool,
  },
}

/// The auth decision for one response, as a pure function of what the loader knows (Chromium's
/// `HttpAuthController::SelectNextAuthIdentityToTry` order: URL identity, then the auth cache,
/// then the user; reference §4.1). The loader keeps server and proxy attempts apart and passes
/// the one this status concerns as `tried` (and no URL credentials for a 407: they are the
/// server's):
/// - a 407 from a server reached directly (not `proxied`) fails with
///   `ERR_UNEXPECTED_PROXY_AUTH`, as `HttpNetworkTransaction::HandleAuthChallenge` does without
///   a proxy;
/// - a 407 through a proxy is a challenge like a 401, also under `omit`: `credentials: 'omit'`
///   still uses proxy credentials (reference §4.1, §7.1);
/// - any other non-401 delivers, remembering credentials that were being tried;
/// - a 401 under `omit` (`omit_server_auth`), or with no challenge we can answer, is delivered;
/// - the first 401 of a protection space is answered by the URL's credentials, else the cached
///   ones (`cached(realm)`), else the user;
/// - a 401 after a try for the same realm means they were wrong, except a Digest `stale=true`
///   (RFC 7616 §3.3), which retries the same credentials with the new nonce. Wrong cached
///   credentials are forgotten before asking the user.
pub fn next_step(
  status: u16,
  challenges: &[Challenge],
  proxied: bool,
  omit_server_auth: bool,
  url_creds: Option<&Credentials>,
  cached: impl FnOnce(&str) -> Option<Credentials>,
  tried: Option<&Tried>,
) -> Step {
  match status {
    407 if !proxied => return Step::Fail(NetError::ERR_UNEXPECTED_PROXY_AUTH),
    407 => {}
    401 if !omit_server_auth => {}
    401 => return Step::Deliver { remember: false },
    _ => {
      return Step::Deliver {
        remember: tried.is_some(),
      }
    }
  }
  let Some(challenge) = choose(challenges) else {
    return Step::Deliver { remember: false };
  };
  let Some(answer) = Answer::for_challenge(&challenge) else {
    return Step::Deliver { remember: false };
  };
  let retry = |challenge, answer, creds, source| Step::Retry {
    challenge,
    answer,
    creds,
    source,
  };
  let mut forget_cached = false;
  if let Some(tried) = tried {
    if tried.realm == challenge.realm {
      if matches!(&answer, Answer::Digest(h) if h.stale) {
        return retry(challenge, answer, tried.creds.clone(), tried.source);
      }
      forget_cached = tried.source == Source::Cache;
    }
  } else if let Some(creds) = url_creds {
    return retry(challenge, answer, creds.clone(), Source::Url);
  } else if let Some(creds) = cached(&challenge.realm) {
    return retry(challenge, answer, creds, Source::Cache);
  }
  Step::AskUser {
    challenge,
    answer,
    forget_cached,
  }
}

struct CacheEntry {
  origin: Origin,
  is_proxy: bool,
  realm: String,
  /// Paths at or below this directory get the credentials pre-emptively (RFC 7617 §2.2).
  path_prefix: String,
  creds: Credentials,
  answer: Answer,
}

/// A session's remembered credentials, by protection space (origin + realm).
#[derive(Default)]
pub struct AuthCache {
  entries: Mutex<Vec<CacheEntry>>,
}

/// The directory part of a path: `/a/b/c` -> `/a/b/`.
fn directory_of(path: &str) -> String {
  match path.rfind('/') {
    Some(i) => path[..=i].to_string(),
    None => "/".to_string(),
  }
}

impl AuthCache {
  pub fn store(
    &self,
    origin: &Origin,
    is_proxy: bool,
    realm: &str,
    path: &str,
    creds: Credentials,
    answer: Answer,
  ) {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    let dir = directory_of(path);
    if let Some(e) = entries
      .iter_mut()
      .find(|e| &e.origin == origin && e.is_proxy == is_proxy && e.realm == realm)
    {
      // Keep the widest directory seen for this space (Chromium's `HttpAuthCache::Entry`).
      if e.path_prefix.starts_with(&dir) {
        e.path_prefix = dir;
      }
      e.creds = creds;
      e.answer = answer;
      return;
    }
    entries.push(CacheEntry {
      origin: origin.clone(),
      is_proxy,
      realm: realm.to_string(),
      path_prefix: dir,
      creds,
      answer,
    });
  }

  /// Pre-emptive `Authorization` for a request to `path` on `origin`, if a cached space covers it.
  pub fn preemptive(
    &self,
    origin: &Origin,
    path: &str,
    method: &str,
    target: &str,
  ) -> Option<(String, String)> {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    let entry = entries
      .iter_mut()
      .filter(|e| &e.origin == origin && !e.is_proxy && path.starts_with(&e.path_prefix))
      .max_by_key(|e| e.path_prefix.len())?;
    let value = entry
      .answer
      .header_value(&entry.creds, method, target)
      .ok()?;
    Some((entry.realm.clone(), value))
  }

  /// Pre-emptive `Proxy-Authorization` for requests through `proxy`: proxy spaces have no
  /// path (Chromium's `HttpAuthController` uses an empty path for `AUTH_PROXY`), so any cached
  /// realm of that proxy answers. `method` and `uri` are what Digest signs (`CONNECT host:port`
  /// for a tunnel).
  pub fn preemptive_proxy(&self, proxy: &Origin, method: &str, uri: &str) -> Option<String> {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    let entry = entries
      .iter_mut()
      .find(|e| &e.origin == proxy && e.is_proxy)?;
    entry.answer.header_value(&entry.creds, method, uri).ok()
  }

  /// Cached credentials for a protection space the server just challenged for.
  pub fn lookup(&self, origin: &Origin, is_proxy: bool, realm: &str) -> Option<Credentials> {
    let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    entries
      .iter()
      .find(|e| &e.origin == origin && e.is_proxy == is_proxy && e.realm == realm)
      .map(|e| e.creds.clone())
  }

  /// Forgets a space whose credentials the server rejected.
  pub fn remove(&self, origin: &Origin, is_proxy: bool, realm: &str) {
    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
    entries.retain(|e| !(&e.origin == origin && e.is_proxy == is_proxy && e.realm == realm));
  }

  pub fn clear(&self) {
    self
      .entries
      .lock()
      .unwrap_or_else(|p| p.into_inner())
      .clear();
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn parses_several_challenges_in_one_header() {
    let chs = parse_challenges(
      [r#"Basic realm="a, b", Digest realm="d", nonce="n", qop="auth", NTLM"#].into_iter(),
    );
    let schemes: Vec<_> = chs.iter().map(|c| c.scheme.as_str()).collect();
    assert_eq!(schemes, vec!["basic", "digest", "ntlm"]);
    assert_eq!(chs[0].realm, "a, b");
    assert_eq!(chs[1].realm, "d");
    assert_eq!(chs[2].realm, "");
  }

  #[test]
  fn parses_challenges_across_header_lines() {
    let chs = parse_challenges(["Negotiate", "basic realm=plain"].into_iter());
    assert_eq!(chs.len(), 2);
    assert_eq!(chs[1].scheme, "basic");
    assert_eq!(chs[1].realm, "plain");
  }

  #[test]
  fn chooses_the_strongest_supported_scheme() {
    let chs = parse_challenges(
      [
        r#"Basic realm="r""#,
        r#"Digest realm="r", nonce="n", qop="auth", algorithm=MD5"#,
        r#"Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256"#,
      ]
      .into_iter(),
    );
    let chosen = choose(&chs).unwrap();
    assert!(chosen.params.contains("SHA-256"));
    assert_eq!(choose(&parse_challenges(["Negotiate"].into_iter())), None);
  }

  #[test]
  fn non_ascii_digest_challenge_is_ignored_not_a_panic() {
    let chs = parse_challenges([r#"Digest realm="¡𐀀", a=b, nonce="n""#].into_iter());
    assert_eq!(choose(&chs), None);
  }

  #[test]
  fn basic_header_is_base64_of_user_colon_pass() {
    let creds = Credentials {
      username: "user".into(),
      password: "pass".into(),
    };
    let value = Answer::Basic.header_value(&creds, "GET", "/").unwrap();
    assert_eq!(value, "Basic dXNlcjpwYXNz");
  }

  #[test]
  fn digest_answer_matches_rfc_7616_shape() {
    let ch = &parse_challenges(
      [r#"Digest realm="http-auth@example.org", qop="auth", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#]
        .into_iter(),
    )[0];
    let mut answer = Answer::for_challenge(ch).unwrap();
    let creds = Credentials {
      username: "Mufasa".into(),
      password: "Circle of Life".into(),
    };
    let value = answer
      .header_value(&creds, "GET", "/dir/index.html")
      .unwrap();
    assert!(value.starts_with("Digest "), "{value}");
    assert!(value.contains(r#"username="Mufasa""#));
    assert!(value.contains("nc=00000001"));
    assert!(value.contains("algorithm=SHA-256"));
    let again = answer
      .header_value(&creds, "GET", "/dir/index.html")
      .unwrap();
    assert!(again.contains("nc=00000002"));
  }

  #[test]
  fn digest_sha256_matches_the_rfc_7616_example() {
    // RFC 7616 §3.9.1, with the RFC's client nonce.
    let ch = &parse_challenges(
      [r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#]
        .into_iter(),
    )[0];
    let mut answer = Answer::for_challenge(ch).unwrap();
    let value = answer
      .header_value_with_cnonce(
        &mufasa(),
        "GET",
        "/dir/index.html",
        Some("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
      )
      .unwrap();
    let params = digest_params(&value);
    assert_eq!(
      params.get("response").map(String::as_str),
      Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
      "{value}"
    );
    for (k, v) in [
      ("username", "Mufasa"),
      ("realm", "http-auth@example.org"),
      ("uri", "/dir/index.html"),
      ("nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"),
      ("nc", "00000001"),
      ("qop", "auth"),
      ("cnonce", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
      ("opaque", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"),
      ("algorithm", "SHA-256"),
    ] {
      assert_eq!(params.get(k).map(String::as_str), Some(v), "{k} in {value}");
    }
  }

  #[test]
  fn digest_md5_matches_the_rfc_7616_example() {
    let ch = &parse_challenges(
      [r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#]
        .into_iter(),
    )[0];
    let value = Answer::for_challenge(ch)
      .unwrap()
      .header_value_with_cnonce(
        &mufasa(),
        "GET",
        "/dir/index.html",
        Some("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
      )
      .unwrap();
    assert_eq!(
      digest_params(&value).get("response").map(String::as_str),
      Some("8ca523f5e9506fed4657c9700eebdbec")
    );
  }

  fn mufasa() -> Credentials {
    Credentials {
      username: "Mufasa".into(),
      password: "Circle of Life".into(),
    }
  }

  /// The parameters of an `Authorization: Digest ...` value, unquoted.
  fn digest_params(value: &str) -> std::collections::HashMap<String, String> {
    let rest = value.strip_prefix("Digest ").expect("a Digest value");
    split_outside_quotes(rest, ',')
      .into_iter()
      .filter_map(|p| p.split_once('='))
      .map(|(k, v)| (k.trim().to_string(), unquote(v.trim())))
      .collect()
  }

  fn creds(user: &str) -> Credentials {
    Credentials {
      username: user.into(),
      password: "p".into(),
    }
  }

  fn basic() -> Vec<Challenge> {
    parse_challenges([r#"Basic realm="r""#].into_iter())
  }

  fn tried(realm: &str, user: &str, source: Source) -> Tried {
    Tried {
      realm: realm.into(),
      creds: creds(user),
      source,
    }
  }

  #[test]
  fn step_407_fails_without_a_proxy_even_under_omit() {
    for omit in [false, true] {
      assert!(matches!(
        next_step(407, &basic(), false, omit, None, |_| None, None),
        Step::Fail(NetError::ERR_UNEXPECTED_PROXY_AUTH)
      ));
    }
  }

  #[test]
  fn step_407_through_a_proxy_is_a_challenge_even_under_omit() {
    for omit in [false, true] {
      assert!(matches!(
        next_step(407, &basic(), true, omit, None, |_| None, None),
        Step::AskUser { .. }
      ));
      match next_step(407, &basic(), true, omit, None, |_| Some(creds("c")), None) {
        Step::Retry { source, .. } => assert_eq!(source, Source::Cache),
        other => panic!("{other:?}"),
      }
      // Wrong cached proxy credentials are forgotten, then the user is asked.
      let t = tried("r", "u", Source::Cache);
      assert!(matches!(
        next_step(407, &basic(), true, omit, None, |_| None, Some(&t)),
        Step::AskUser {
          forget_cached: true,
          ..
        }
      ));
    }
  }

  #[test]
  fn proxy_credentials_are_sent_for_any_path_of_their_proxy_only() {
    let cache = AuthCache::default();
    let proxy = Origin {
      https: false,
      host: "p".into(),
      port: 3128,
    };
    cache.store(&proxy, true, "tinyproxy", "/", creds("u"), Answer::Basic);
    assert_eq!(
      cache
        .preemptive_proxy(&proxy, "CONNECT", "a:443")
        .as_deref(),
      Some("Basic dTpw")
    );
    let other = Origin {
      port: 3129,
      ..proxy.clone()
    };
    assert_eq!(cache.preemptive_proxy(&other, "GET", "/"), None);
    // A server entry for the same host and port is not a proxy entry, nor the reverse.
    assert!(cache.preemptive(&proxy, "/", "GET", "/").is_none());
  }

  #[test]
  fn step_non_401_delivers_and_remembers_what_was_tried() {
    for status in [200, 204, 302, 404, 500] {
      assert!(matches!(
        next_step(status, &basic(), false, false, None, |_| None, None),
        Step::Deliver { remember: false }
      ));
      let t = tried("r", "u", Source::Login);
      assert!(matches!(
        next_step(status, &[], false, false, None, |_| None, Some(&t)),
        Step::Deliver { remember: true }
      ));
    }
  }

  #[test]
  fn step_401_under_omit_or_unanswerable_is_delivered() {
    let url = creds("from-url");
    assert!(matches!(
      next_step(
        401,
        &basic(),
        false,
        true,
        Some(&url),
        |_| Some(creds("c")),
        None
      ),
      Step::Deliver { remember: false }
    ));
    let ntlm = parse_challenges(["NTLM", "Negotiate"].into_iter());
    assert!(matches!(
      next_step(401, &ntlm, false, false, Some(&url), |_| None, None),
      Step::Deliver { remember: false }
    ));
    assert!(matches!(
      next_step(401, &[], false, false, None, |_| None, None),
      Step::Deliver { remember: false }
    ));
  }

  #[test]
  fn step_first_401_tries_url_then_cache_then_user() {
    let url = creds("from-url");
    match next_step(
      401,
      &basic(),
      false,
      false,
      Some(&url),
      |_| Some(creds("c")),
      None,
    ) {
      Step::Retry { creds, source, .. } => {
        assert_eq!(creds.username, "from-url");
        assert_eq!(source, Source::Url);
      }
      other => panic!("{other:?}"),
    }
    let mut asked = None;
    let step = next_step(
      401,
      &basic(),
      false,
      false,
      None,
      |realm| {
        asked = Some(realm.to_string());
        Some(creds("c"))
      },
      None,
    );
    assert_eq!(
      asked.as_deref(),
      Some("r"),
      "the cache is asked for the realm"
    );
    match step {
      Step::Retry {
        creds,
        source,
        challenge,
        ..
      } => {
        assert_eq!(creds.username, "c");
        assert_eq!(source, Source::Cache);
        assert_eq!(challenge.scheme, "basic");
      }
      other => panic!("{other:?}"),
    }
    match next_step(401, &basic(), false, false, None, |_| None, None) {
      Step::AskUser {
        forget_cached,
        challenge,
        ..
      } => {
        assert!(!forget_cached);
        assert_eq!(challenge.realm, "r");
      }
      other => panic!("{other:?}"),
    }
  }

  #[test]
  fn step_rejected_credentials_ask_the_user_and_forget_cached_ones() {
    let url = creds("from-url");
    for (source, forget) in [
      (Source::Login, false),
      (Source::Url, false),
      (Source::Cache, true),
    ] {
      let t = tried("r", "u", source);
      // URL and cached credentials are not tried again on the same request.
      match next_step(
        401,
        &basic(),
        false,
        false,
        Some(&url),
        |_| Some(creds("c")),
        Some(&t),
      ) {
        Step::AskUser { forget_cached, .. } => assert_eq!(forget_cached, forget, "{source:?}"),
        other => panic!("{other:?}"),
      }
    }
    // A challenge for another realm after a try: ask, and keep the other realm's cache entry.
    let t = tried("other", "u", Source::Cache);
    assert!(matches!(
      next_step(
        401,
        &basic(),
        false,
        false,
        None,
        |_| Some(creds("c")),
        Some(&t)
      ),
      Step::AskUser {
        forget_cached: false,
        ..
      }
    ));
  }

  #[test]
  fn step_stale_digest_nonce_retries_the_same_credentials() {
    let stale = parse_challenges(
      [r#"Digest realm="r", nonce="new", qop="auth", algorithm=MD5, stale=true"#].into_iter(),
    );
    for source in [Source::Login, Source::Cache, Source::Url] {
      let t = tried("r", "u", source);
      match next_step(401, &stale, false, false, None, |_| None, Some(&t)) {
        Step::Retry {
          creds,
          source: s,
          answer,
          ..
        } => {
          assert_eq!(creds.username, "u");
          assert_eq!(s, source);
          assert!(matches!(answer, Answer::Digest(_)));
        }
        other => panic!("{other:?}"),
      }
    }
    let fresh = parse_challenges([r#"Digest realm="r", nonce="new", qop="auth""#].into_iter());
    let t = tried("r", "u", Source::Login);
    assert!(matches!(
      next_step(401, &fresh, false, false, None, |_| None, Some(&t)),
      Step::AskUser { .. }
    ));
  }

  #[test]
  fn cache_covers_the_directory_and_below() {
    let cache = AuthCache::default();
    let origin = Origin {
      https: false,
      host: "a".into(),
      port: 80,
    };
    let creds = Credentials {
      username: "u".into(),
      password: "p".into(),
    };
    cache.store(
      &origin,
      false,
      "r",
      "/dir/page",
      creds.clone(),
      Answer::Basic,
    );
    assert!(cache
      .preemptive(&origin, "/dir/other", "GET", "/dir/other")
      .is_some());
    assert!(cache
      .preemptive(&origin, "/dir/sub/x", "GET", "/dir/sub/x")
      .is_some());
    assert!(cache
      .preemptive(&origin, "/elsewhere", "GET", "/elsewhere")
      .is_none());
    assert_eq!(cache.lookup(&origin, false, "r"), Some(creds));
    cache.clear();
    assert!(cache
      .preemptive(&origin, "/dir/other", "GET", "/dir/other")
      .is_none());
  }
}
