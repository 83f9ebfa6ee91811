//! `ses.cookies.set(details)` and `ses.cookies.get(filter)` as Electron does them
//! (shell/browser/api/electron_api_cookies.cc `Cookies::Set`, `Cookies::Get`, `MatchesCookie`).

use super::canonical::{CanonicalCookie, SameSite, Time};
use super::change::Change;
use super::create::{self, Sanitized};
use super::jar::CookieJar;
use super::rules;
use super::same_site::SameSiteContext;
use super::status::{Exclusion, Status};
use url::Url;

/// The details of `ses.cookies.set`, as given (the binding checks that `url` is a string).
#[derive(Debug, Clone, Default)]
pub struct SetDetails {
  pub url: String,
  pub name: Option<String>,
  pub value: Option<String>,
  pub domain: Option<String>,
  pub path: Option<String>,
  pub secure: Option<bool>,
  pub http_only: Option<bool>,
  /// Seconds since the epoch; None = session cookie.
  pub expiration_date: Option<f64>,
  pub same_site: Option<String>,
}

/// The filter of `ses.cookies.get`.
#[derive(Debug, Clone, Default)]
pub struct GetFilter {
  pub url: Option<String>,
  pub name: Option<String>,
  pub domain: Option<String>,
  pub path: Option<String>,
  pub secure: Option<bool>,
  pub http_only: Option<bool>,
  pub session: Option<bool>,
}

/// A `ses.cookies.set` rejection; `Display` is Electron's full message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetError(pub String);

impl SetError {
  /// `url` is not a string.
  pub fn missing_url() -> SetError {
    SetError("Missing required option 'url'".to_string())
  }

  fn status(status: &Status) -> SetError {
    SetError(status.electron_message())
  }
}

impl std::fmt::Display for SetError {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.write_str(&self.0)
  }
}

impl std::error::Error for SetError {}

/// `MatchesCookie`: Electron's filter over the starting set.
fn matches(filter: &GetFilter, cc: &CanonicalCookie) -> bool {
  filter.name.as_ref().is_none_or(|n| *n == cc.name)
    && filter.path.as_ref().is_none_or(|p| *p == cc.path)
    && filter
      .domain
      .as_ref()
      .is_none_or(|d| rules::is_domain_match(&cc.domain, d))
    && filter.secure.is_none_or(|s| s == cc.secure)
    && filter.session.is_none_or(|s| s != cc.is_persistent())
    && filter.http_only.is_none_or(|h| h == cc.http_only)
}

impl CookieJar {
  /// `ses.cookies.set(details)`: Electron's defaults (sameSite `lax`, secure when sameSite is
  /// `no_restriction`), `CreateSanitizedCookie`, then `SetCanonicalCookie` with an inclusive
  /// SameSite context and HttpOnly access only when the new cookie is HttpOnly.
  pub fn set_from_details(
    &mut self,
    details: SetDetails,
    now: Time,
    changes: &mut Vec<Change>,
  ) -> Result<(), SetError> {
    let same_site = match details.same_site.as_deref() {
      None => SameSite::Lax,
      Some(s) => SameSite::parse(s).ok_or_else(|| {
        SetError(format!(
          "Failed to convert '{s}' to an appropriate cookie same site value"
        ))
      })?,
    };
    let secure = details
      .secure
      .unwrap_or(same_site == SameSite::NoRestriction);
    let http_only = details.http_only.unwrap_or(false);
    let Ok(url) = Url::parse(&details.url) else {
      return Err(SetError::status(&Status::with(Exclusion::InvalidDomain)));
    };
    // `ParseTimeProperty`: 0 is the epoch (already expired), not "no expiry".
    let expiry = details.expiration_date.map(Time::from_seconds);
    let sanitized = Sanitized {
      name: details.name.as_deref().unwrap_or(""),
      value: details.value.as_deref().unwrap_or(""),
      domain: details.domain.as_deref().unwrap_or(""),
      path: details.path.as_deref().unwrap_or(""),
      expiry,
      secure,
      http_only,
      same_site,
    };
    let creation = self.current_time(now);
    let mut cc =
      create::create_sanitized(&url, &sanitized, creation).map_err(|s| SetError::status(&s))?;
    if !create::is_canonical(&cc) {
      return Err(SetError::status(&Status::with(Exclusion::FailureToStore)));
    }
    cc.creation = creation;
    let status = self.set_canonical(
      cc,
      &url,
      !http_only,
      SameSiteContext::SameSiteStrict,
      Status::include(),
      changes,
    );
    if status.is_include() {
      Ok(())
    } else {
      Err(SetError::status(&status))
    }
  }

  /// `ses.cookies.get(filter)`: with a non-empty `url`, the cookies a request to it would carry
  /// (HttpOnly included, every SameSite context allowed, last access not updated); otherwise
  /// every cookie. Both in `CookieSorter` order, then Electron's filter.
  pub fn get(
    &mut self,
    filter: &GetFilter,
    now: Time,
    changes: &mut Vec<Change>,
  ) -> Vec<CanonicalCookie> {
    let start = match filter.url.as_deref() {
      Some(u) if !u.is_empty() => match Url::parse(u) {
        Ok(url) => self.matching(&url, false, SameSiteContext::SameSiteStrict, now, changes),
        Err(_) => Vec::new(),
      },
      _ => self.all(now, changes),
    };
    start.into_iter().filter(|cc| matches(filter, cc)).collect()
  }
}
