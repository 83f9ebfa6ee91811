//! Why a cookie was refused: Chromium's `CookieInclusionStatus`
//! (net/cookies/cookie_inclusion_status.{h,cc}), reduced to the reasons this store can produce, and
//! the text Electron builds from it when `ses.cookies.set` rejects
//! (shell/browser/api/electron_api_cookies.cc `InclusionStatusToString`).

/// Chromium's `ExclusionReason`, in its numeric order (the order of `GetDebugString` and of
/// Electron's reason texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Exclusion {
  UnknownError,
  HttpOnly,
  SecureOnly,
  DomainMismatch,
  NotOnPath,
  SameSiteStrict,
  SameSiteLax,
  SameSiteUnspecifiedTreatedAsLax,
  SameSiteNoneInsecure,
  UserPreferences,
  FailureToStore,
  NoncookieableScheme,
  OverwriteSecure,
  OverwriteHttpOnly,
  InvalidDomain,
  InvalidPrefix,
  InvalidPartitioned,
  NameValuePairExceedsMaxSize,
  AttributeValueExceedsMaxSize,
  DomainNonAscii,
  ThirdPartyBlockedWithinFirstPartySet,
  PortMismatch,
  SchemeMismatch,
  ShadowingDomain,
  DisallowedCharacter,
  ThirdPartyPhaseout,
  NoCookieContent,
  AnonymousContext,
}

const EXCLUSIONS: [Exclusion; 28] = [
  Exclusion::UnknownError,
  Exclusion::HttpOnly,
  Exclusion::SecureOnly,
  Exclusion::DomainMismatch,
  Exclusion::NotOnPath,
  Exclusion::SameSiteStrict,
  Exclusion::SameSiteLax,
  Exclusion::SameSiteUnspecifiedTreatedAsLax,
  Exclusion::SameSiteNoneInsecure,
  Exclusion::UserPreferences,
  Exclusion::FailureToStore,
  Exclusion::NoncookieableScheme,
  Exclusion::OverwriteSecure,
  Exclusion::OverwriteHttpOnly,
  Exclusion::InvalidDomain,
  Exclusion::InvalidPrefix,
  Exclusion::InvalidPartitioned,
  Exclusion::NameValuePairExceedsMaxSize,
  Exclusion::AttributeValueExceedsMaxSize,
  Exclusion::DomainNonAscii,
  Exclusion::ThirdPartyBlockedWithinFirstPartySet,
  Exclusion::PortMismatch,
  Exclusion::SchemeMismatch,
  Exclusion::ShadowingDomain,
  Exclusion::DisallowedCharacter,
  Exclusion::ThirdPartyPhaseout,
  Exclusion::NoCookieContent,
  Exclusion::AnonymousContext,
];

impl Exclusion {
  /// The name `GetDebugString` prints.
  pub fn debug_name(self) -> &'static str {
    match self {
      Exclusion::UnknownError => "EXCLUDE_UNKNOWN_ERROR",
      Exclusion::HttpOnly => "EXCLUDE_HTTP_ONLY",
      Exclusion::SecureOnly => "EXCLUDE_SECURE_ONLY",
      Exclusion::DomainMismatch => "EXCLUDE_DOMAIN_MISMATCH",
      Exclusion::NotOnPath => "EXCLUDE_NOT_ON_PATH",
      Exclusion::SameSiteStrict => "EXCLUDE_SAMESITE_STRICT",
      Exclusion::SameSiteLax => "EXCLUDE_SAMESITE_LAX",
      Exclusion::SameSiteUnspecifiedTreatedAsLax => "EXCLUDE_SAMESITE_UNSPECIFIED_TREATED_AS_LAX",
      Exclusion::SameSiteNoneInsecure => "EXCLUDE_SAMESITE_NONE_INSECURE",
      Exclusion::UserPreferences => "EXCLUDE_USER_PREFERENCES",
      Exclusion::FailureToStore => "EXCLUDE_FAILURE_TO_STORE",
      Exclusion::NoncookieableScheme => "EXCLUDE_NONCOOKIEABLE_SCHEME",
      Exclusion::OverwriteSecure => "EXCLUDE_OVERWRITE_SECURE",
      Exclusion::OverwriteHttpOnly => "EXCLUDE_OVERWRITE_HTTP_ONLY",
      Exclusion::InvalidDomain => "EXCLUDE_INVALID_DOMAIN",
      Exclusion::InvalidPrefix => "EXCLUDE_INVALID_PREFIX",
      Exclusion::InvalidPartitioned => "EXCLUDE_INVALID_PARTITIONED",
      Exclusion::NameValuePairExceedsMaxSize => "EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE",
      Exclusion::AttributeValueExceedsMaxSize => "EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE",
      Exclusion::DomainNonAscii => "EXCLUDE_DOMAIN_NON_ASCII",
      Exclusion::ThirdPartyBlockedWithinFirstPartySet => {
        "EXCLUDE_THIRD_PARTY_BLOCKED_WITHIN_FIRST_PARTY_SET"
      }
      Exclusion::PortMismatch => "EXCLUDE_PORT_MISMATCH",
      Exclusion::SchemeMismatch => "EXCLUDE_SCHEME_MISMATCH",
      Exclusion::ShadowingDomain => "EXCLUDE_SHADOWING_DOMAIN",
      Exclusion::DisallowedCharacter => "EXCLUDE_DISALLOWED_CHARACTER",
      Exclusion::ThirdPartyPhaseout => "EXCLUDE_THIRD_PARTY_PHASEOUT",
      Exclusion::NoCookieContent => "EXCLUDE_NO_COOKIE_CONTENT",
      Exclusion::AnonymousContext => "EXCLUDE_ANONYMOUS_CONTEXT",
    }
  }

  /// Electron's sentence for the reason (electron_api_cookies.cc `InclusionStatusToString`).
  pub fn electron_text(self) -> &'static str {
    match self {
      Exclusion::UnknownError => "Unknown error",
      Exclusion::HttpOnly => {
        "The cookie was HttpOnly, but the attempted access was through a non-HTTP API."
      }
      Exclusion::SecureOnly => {
        "The cookie was Secure, but the URL was not allowed to access Secure cookies."
      }
      Exclusion::DomainMismatch => {
        "The cookie's domain attribute did not match the domain of the URL attempting access."
      }
      Exclusion::NotOnPath => {
        "The cookie's path attribute did not match the path of the URL attempting access."
      }
      Exclusion::SameSiteStrict => {
        "The cookie had SameSite=Strict, and the attempted access did not have an appropriate SameSiteCookieContext"
      }
      Exclusion::SameSiteLax => {
        "The cookie had SameSite=Lax, and the attempted access did not have an appropriate SameSiteCookieContext"
      }
      Exclusion::SameSiteUnspecifiedTreatedAsLax => {
        "The cookie did not specify a SameSite attribute, and therefore was treated as if it were SameSite=Lax, and the attempted access did not have an appropriate SameSiteCookieContext."
      }
      Exclusion::SameSiteNoneInsecure => "The cookie specified SameSite=None, but it was not Secure.",
      Exclusion::UserPreferences => "Caller did not allow access to the cookie.",
      Exclusion::FailureToStore => "The cookie was malformed and could not be stored",
      Exclusion::NoncookieableScheme => {
        "Attempted to set a cookie from a scheme that does not support cookies."
      }
      Exclusion::OverwriteSecure => {
        "The cookie would have overwritten a Secure cookie, and was not allowed to do so."
      }
      Exclusion::OverwriteHttpOnly => {
        "The cookie would have overwritten an HttpOnly cookie, and was not allowed to do so."
      }
      Exclusion::InvalidDomain => "The cookie was set with an invalid Domain attribute.",
      Exclusion::InvalidPrefix => "The cookie was set with an invalid __Host- or __Secure- prefix.",
      Exclusion::InvalidPartitioned => {
        "Cookie was set with an invalid Partitioned attribute, which is only valid if the cookie has a __Host- prefix."
      }
      Exclusion::NameValuePairExceedsMaxSize => "The cookie exceeded the name/value pair size limit.",
      Exclusion::AttributeValueExceedsMaxSize => "Cookie exceeded the attribute size limit.",
      Exclusion::DomainNonAscii => {
        "The cookie was set with a Domain attribute containing non ASCII characters."
      }
      Exclusion::ThirdPartyBlockedWithinFirstPartySet => {
        "The cookie is blocked by third-party cookie blocking but the two sites are in the same First-Party Set"
      }
      Exclusion::PortMismatch => "The cookie's source_port did not match the port of the request.",
      Exclusion::SchemeMismatch => {
        "The cookie's source_scheme did not match the scheme of the request."
      }
      Exclusion::ShadowingDomain => {
        "The cookie is a domain cookie and has the same name as an origin cookie on this origin."
      }
      Exclusion::DisallowedCharacter => "The cookie contains ASCII control characters",
      Exclusion::ThirdPartyPhaseout => "The cookie is blocked for third-party cookie phaseout.",
      Exclusion::NoCookieContent => "The cookie contains no content or only whitespace.",
      Exclusion::AnonymousContext => {
        "The cookie is unpartitioned and being accessed from an anonymous context."
      }
    }
  }
}

/// The warnings this store can raise, in Chromium's `WarningReason` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Warning {
  SameSiteUnspecifiedCrossSiteContext,
  SameSiteNoneInsecure,
  SecureAccessGrantedNonCryptographic,
  AttributeValueExceedsMaxSize,
  TentativelyAllowingSecureSourceScheme,
}

const WARNINGS: [(Warning, &str); 5] = [
  (
    Warning::SameSiteUnspecifiedCrossSiteContext,
    "WARN_SAMESITE_UNSPECIFIED_CROSS_SITE_CONTEXT",
  ),
  (Warning::SameSiteNoneInsecure, "WARN_SAMESITE_NONE_INSECURE"),
  (
    Warning::SecureAccessGrantedNonCryptographic,
    "WARN_SECURE_ACCESS_GRANTED_NON_CRYPTOGRAPHIC",
  ),
  (
    Warning::AttributeValueExceedsMaxSize,
    "WARN_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE",
  ),
  (
    Warning::TentativelyAllowingSecureSourceScheme,
    "WARN_TENTATIVELY_ALLOWING_SECURE_SOURCE_SCHEME",
  ),
];

/// Chromium's `CookieInclusionStatus`: a set of exclusion reasons (empty = include) and warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Status {
  exclusions: u32,
  warnings: u8,
}

impl Status {
  pub fn include() -> Status {
    Status::default()
  }

  pub fn with(reason: Exclusion) -> Status {
    let mut s = Status::default();
    s.exclude(reason);
    s
  }

  pub fn is_include(&self) -> bool {
    self.exclusions == 0
  }

  pub fn has(&self, reason: Exclusion) -> bool {
    self.exclusions & (1 << reason as u32) != 0
  }

  pub fn has_warning(&self, warning: Warning) -> bool {
    self.warnings & (1 << warning as u8) != 0
  }

  /// `AddExclusionReason`: also drops the SameSite warnings once the cookie is excluded for
  /// another reason (`MaybeClearSameSiteWarning`).
  pub fn exclude(&mut self, reason: Exclusion) {
    self.exclusions |= 1 << reason as u32;
    self.maybe_clear_same_site_warning();
  }

  pub fn warn(&mut self, warning: Warning) {
    self.warnings |= 1 << warning as u8;
  }

  fn maybe_clear_same_site_warning(&mut self) {
    let same_site = (1 << Exclusion::SameSiteStrict as u32)
      | (1 << Exclusion::SameSiteLax as u32)
      | (1 << Exclusion::SameSiteUnspecifiedTreatedAsLax as u32)
      | (1 << Exclusion::SameSiteNoneInsecure as u32);
    if self.exclusions & !same_site != 0 {
      self.warnings &= !((1 << Warning::SameSiteUnspecifiedCrossSiteContext as u8)
        | (1 << Warning::SameSiteNoneInsecure as u8));
    }
  }

  fn exclusions(&self) -> impl Iterator<Item = Exclusion> + '_ {
    EXCLUSIONS.iter().copied().filter(|r| self.has(*r))
  }

  /// `GetDebugString`: `INCLUDE, ` or the exclusion names, then `DO_NOT_WARN, ` or the warnings,
  /// then the exemption (always `NO_EXEMPTION` here).
  pub fn debug_string(&self) -> String {
    let mut out = String::new();
    if self.is_include() {
      out.push_str("INCLUDE, ");
    }
    for reason in self.exclusions() {
      out.push_str(reason.debug_name());
      out.push_str(", ");
    }
    if self.warnings == 0 {
      out.push_str("DO_NOT_WARN, ");
    }
    for (warning, name) in WARNINGS {
      if self.has_warning(warning) {
        out.push_str(name);
        out.push_str(", ");
      }
    }
    out.push_str("NO_EXEMPTION");
    out
  }

  /// Electron's rejection text: `Failed to set cookie - `, every reason's sentence in enum order,
  /// then the debug string, joined with no separator (electron_api_cookies.cc).
  pub fn electron_message(&self) -> String {
    let mut out = String::from("Failed to set cookie - ");
    for reason in self.exclusions() {
      out.push_str(reason.electron_text());
    }
    out.push_str(&self.debug_string());
    out
  }
}
