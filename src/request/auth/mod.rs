//! HTTP authentication (RFC 9110 §11): parsing `WWW-Authenticate` / `Proxy-Authenticate`,
//! choosing a scheme we speak (Digest per RFC 7616 with MD5 or SHA-256, then Basic per RFC 7617),
//! building the `Authorization` value, and the session's auth cache.
//!
//! Digest arithmetic comes from the `digest_auth` crate; this module owns the challenge parsing
//! (a header may hold several challenges, which that crate does not split).

mod answer;
pub mod attempt;
mod cache;
mod challenge;
mod step;
#[cfg(test)]
mod tests;

pub use answer::{Answer, Credentials};
pub use cache::AuthCache;
#[cfg(test)]
pub use challenge::choose;
pub use challenge::{parse_challenges, Challenge};
pub use step::{next_step, Source, Step, Tried};
