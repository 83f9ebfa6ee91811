//! What `ses.cookies` reports as `'changed'`: Chromium's `CookieChangeCause`
//! (net/cookies/cookie_change_dispatcher.h) with Electron's names.

use super::canonical::CanonicalCookie;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeCause {
  Inserted,
  /// Re-set with nothing a page can see changed (`CanonicalCookie::IsWebEquivalentTo`).
  InsertedNoChangeOverwrite,
  /// Re-set with the same value but other attributes (e.g. a new expiry).
  InsertedNoValueChangeOverwrite,
  Explicit,
  UnknownDeletion,
  Overwrite,
  Expired,
  Evicted,
  ExpiredOverwrite,
}

impl ChangeCause {
  /// Electron's `cause` string.
  pub fn as_str(self) -> &'static str {
    match self {
      ChangeCause::Inserted => "inserted",
      ChangeCause::InsertedNoChangeOverwrite => "inserted-no-change-overwrite",
      ChangeCause::InsertedNoValueChangeOverwrite => "inserted-no-value-change-overwrite",
      ChangeCause::Explicit => "explicit",
      ChangeCause::UnknownDeletion => "unknown",
      ChangeCause::Overwrite => "overwrite",
      ChangeCause::Expired => "expired",
      ChangeCause::Evicted => "evicted",
      ChangeCause::ExpiredOverwrite => "expired-overwrite",
    }
  }

  /// Electron's `removed`: false for the three insertions, true for every deletion.
  pub fn removed(self) -> bool {
    !matches!(
      self,
      ChangeCause::Inserted
        | ChangeCause::InsertedNoChangeOverwrite
        | ChangeCause::InsertedNoValueChangeOverwrite
    )
  }
}

/// One `'changed'` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
  pub cookie: CanonicalCookie,
  pub cause: ChangeCause,
}
