//! Credentials and the `Authorization` value that answers a challenge with them.

use base64::Engine as _;

use super::challenge::{digest_header, Challenge};
use crate::errors::NetError;

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
  pub(super) fn header_value_with_cnonce(
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
