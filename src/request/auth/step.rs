//! The auth decision for one response: deliver it, retry with credentials, ask the user, or fail.

use super::answer::{Answer, Credentials};
use super::challenge::{choose, Challenge};
use crate::errors::NetError;

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

/// The auth decision for one response, as a pure function of what the hop loop knows (Chromium's
/// `HttpAuthController::SelectNextAuthIdentityToTry` order: URL identity, then the auth cache,
/// then the user; reference §4.1). The hop loop keeps server and proxy attempts apart and passes
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
