//! One cookie as the store holds it: Chromium's `CanonicalCookie` (net/cookies/canonical_cookie.h),
//! without partitioning (Electron's `net` never sets a cookie partition key).

/// Microseconds since the Unix epoch (UTC). Chromium keeps cookie times in microseconds too;
/// `ses.cookies` reports `expirationDate` in seconds with a fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(pub i64);

impl Time {
  pub fn now() -> Time {
    let since = std::time::SystemTime::now()
      .duration_since(std::time::UNIX_EPOCH)
      .unwrap_or_default();
    Time(i64::try_from(since.as_micros()).unwrap_or(i64::MAX))
  }

  /// Seconds since the epoch, as `Cookie.expirationDate` has it.
  pub fn as_seconds(self) -> f64 {
    self.0 as f64 / 1_000_000.0
  }

  /// From `expirationDate` seconds; out-of-range values saturate.
  pub fn from_seconds(seconds: f64) -> Time {
    let micros = seconds * 1_000_000.0;
    if micros.is_nan() {
      Time(0)
    } else {
      // `as` saturates at the bounds of i64.
      Time(micros as i64)
    }
  }
}

/// `SameSite`, as Chromium's `CookieSameSite` and Electron's `sameSite` strings name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
  /// No attribute (Lax-by-default when deciding access).
  Unspecified,
  /// `SameSite=None`.
  NoRestriction,
  Lax,
  Strict,
}

impl SameSite {
  /// Electron's name: `unspecified`, `no_restriction`, `lax`, `strict`.
  pub fn as_str(self) -> &'static str {
    match self {
      SameSite::Unspecified => "unspecified",
      SameSite::NoRestriction => "no_restriction",
      SameSite::Lax => "lax",
      SameSite::Strict => "strict",
    }
  }

  /// From Electron's name; anything else is `None` (the caller rejects it).
  pub fn parse(name: &str) -> Option<SameSite> {
    Some(match name {
      "unspecified" => SameSite::Unspecified,
      "no_restriction" => SameSite::NoRestriction,
      "lax" => SameSite::Lax,
      "strict" => SameSite::Strict,
      _ => return None,
    })
  }
}

/// Chromium's `CookiePriority` (the non-standard `Priority` attribute); it orders eviction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
  Low,
  Medium,
  High,
}

/// Chromium's `CookieSourceScheme`: whether the cookie was set from a secure origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceScheme {
  Unset,
  NonSecure,
  Secure,
}

/// One stored cookie.
#[derive(Debug, Clone, PartialEq)]
pub struct CanonicalCookie {
  pub name: String,
  pub value: String,
  /// Lower case. A domain cookie's starts with `.`; a host-only cookie's is the exact host.
  pub domain: String,
  pub path: String,
  pub creation: Time,
  /// `None`: a session cookie (never written to disk).
  pub expiry: Option<Time>,
  pub last_access: Time,
  pub last_update: Time,
  pub secure: bool,
  pub http_only: bool,
  pub same_site: SameSite,
  pub priority: Priority,
  pub source_scheme: SourceScheme,
  /// The port of the URL that set it; -1 when unknown (Chromium's `url::PORT_UNSPECIFIED`).
  pub source_port: i32,
}

impl CanonicalCookie {
  /// Host-only cookies carry the host without a leading dot.
  pub fn host_only(&self) -> bool {
    !self.domain.starts_with('.')
  }

  /// Persistent cookies have an expiry; only they are written to disk.
  pub fn is_persistent(&self) -> bool {
    self.expiry.is_some()
  }

  pub fn is_expired(&self, now: Time) -> bool {
    self.expiry.is_some_and(|e| e <= now)
  }

  /// Chromium's `IsEquivalent`: same name, domain and path. Setting a cookie replaces the
  /// equivalent one.
  pub fn is_equivalent(&self, other: &CanonicalCookie) -> bool {
    self.name == other.name && self.domain == other.domain && self.path == other.path
  }
}
