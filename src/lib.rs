//! electron-net-rs: Electron's `net` module as a Node.js addon.
//!
//! Every Rust type exposed to JS is prefixed `Native*`; `lib/` wraps them in the classes users
//! hold (`ClientRequest`, `IncomingMessage`, `Session`).

mod auth;
mod body_budget;
mod bridge;
mod chunk_slab;
mod decoding;
mod download;
mod errors;
mod events;
mod fetch_metadata;
mod header_block;
mod headers;
mod http1;
mod http2;
mod js_buffer;
mod loader;
mod pool;
mod proxy;
mod redirect;
mod referrer;
mod reporter;
mod runtime;
mod session;
mod socket_watch;
mod tls;
mod transport;
mod upload;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod test_support;

use napi::bindgen_prelude::Function;
use napi::Env;
use napi_derive::napi;

// Re-exported so the crate's public surface (and the dead-code lint) sees what JS calls.
pub use loader::{
  request_abort, request_finish, request_follow_redirect, request_login, request_read,
  request_write, start_request,
};
pub use session::NativeSession;

/// Registers the JS function that receives the engine events of this load of the module (see
/// `bridge.rs` for the format) and returns the load's id.
#[napi(catch_unwind)]
pub fn init(env: Env, dispatch: Function<Vec<bridge::Slot>, ()>) -> napi::Result<u32> {
  bridge::init(&env, dispatch)
}

/// Body reads that went straight into a recycled block (diagnostics, for the tests).
#[napi(catch_unwind)]
pub fn direct_read_count() -> f64 {
  http1::read_block::direct_reads() as f64
}

/// Socket reads done on the JS thread itself (diagnostics, for the tests).
#[napi(catch_unwind)]
pub fn js_thread_read_count() -> f64 {
  socket_watch::js_thread_reads() as f64
}

/// Requests of this thread started and not yet finished (diagnostics; leak tests watch it
/// return to 0).
#[napi(catch_unwind)]
pub fn inflight_count() -> u32 {
  bridge::in_flight() as u32
}
