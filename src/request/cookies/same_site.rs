//! The SameSite context of a request: Chromium's `cookie_util::ComputeSameSiteContextForRequest`
//! / `ForResponse` (net/cookies/cookie_util.cc) for a subresource request, computed schemefully
//! (`kSchemefulSameSite` is on by default, so `GetContextForCookieInclusion` uses the schemeful
//! context).

use super::rules::registrable_domain;
use url::{Origin, Url};

/// Chromium's `CookieOptions::SameSiteCookieContext::ContextType`, reduced to what a
/// non-navigation request can get. Ordered from least to most permissive, as Chromium compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SameSiteContext {
  CrossSite,
  /// Only from `context_for_response` (writes normalise Strict to Lax) — or a top-level
  /// navigation, which `net` never makes.
  SameSiteLax,
  SameSiteStrict,
}

/// `SchemefulSite`: the scheme (ws/wss counted as http/https) and the registrable domain, or the
/// host when it has none. `None` for a URL without a host (opaque site).
fn site(scheme: &str, host: &str) -> Option<(&'static str, String)> {
  let scheme = match scheme {
    "http" | "ws" => "http",
    "https" | "wss" => "https",
    _ => return None,
  };
  if host.is_empty() {
    return None;
  }
  let host = host.to_ascii_lowercase();
  let site = registrable_domain(&host).map_or_else(|| host.clone(), str::to_string);
  Some((scheme, site))
}

fn url_site(url: &Url) -> Option<(&'static str, String)> {
  site(url.scheme(), url.host_str()?)
}

/// `SiteForCookies::IsFirstPartyWithSchemefulMode(url, true)`.
fn first_party(site_for_cookies: &Option<(&'static str, String)>, url: &Url) -> bool {
  match (site_for_cookies, url_site(url)) {
    (Some(a), Some(b)) => *a == b,
    _ => false,
  }
}

/// `ComputeSameSiteContext` for an HTTP subresource request (not a main-frame navigation).
fn compute(
  url_chain: &[Url],
  site_for_cookies: &Url,
  initiator: Option<&Origin>,
) -> SameSiteContext {
  let Some(request_url) = url_chain.last() else {
    return SameSiteContext::CrossSite;
  };
  let sfc = url_site(site_for_cookies);
  if !first_party(&sfc, request_url) {
    return SameSiteContext::CrossSite;
  }
  let same_site_initiator = match initiator {
    None => true,
    Some(Origin::Tuple(scheme, host, _)) => {
      first_party(&site(scheme, &host.to_string()), request_url)
    }
    Some(Origin::Opaque(_)) => false,
  };
  // A same-site initiator keeps Strict even after a cross-site hop in the chain:
  // `kCookieSameSiteConsidersRedirectChain` is disabled by default, so `use_strict` wins.
  if same_site_initiator {
    SameSiteContext::SameSiteStrict
  } else {
    SameSiteContext::CrossSite
  }
}

/// Chromium's `ComputeSameSiteContextForRequest` for a subresource: `url_chain` is every URL of
/// the request so far (the last is this hop), `site_for_cookies` the first URL (Electron sets the
/// site-for-cookies from the request URL), `initiator` the `origin` option's origin (None =
/// browser-initiated). The method does not matter outside main-frame navigations.
pub fn context_for_request(
  url_chain: &[Url],
  site_for_cookies: &Url,
  initiator: Option<&Origin>,
) -> SameSiteContext {
  compute(url_chain, site_for_cookies, initiator)
}

/// Chromium's `ComputeSameSiteContextForResponse` (the same inputs), for storing `Set-Cookie`:
/// a strictly same-site context is normalised to Lax, which is all a write needs
/// (`NormalizeStrictToLaxForSet`).
pub fn context_for_response(
  url_chain: &[Url],
  site_for_cookies: &Url,
  initiator: Option<&Origin>,
) -> SameSiteContext {
  match compute(url_chain, site_for_cookies, initiator) {
    SameSiteContext::SameSiteStrict => SameSiteContext::SameSiteLax,
    other => other,
  }
}
