//! The N-API layer: everything JS calls and everything that makes JS values.

mod batch;
pub mod bridge;
pub mod cert_verify;
mod chunk_slab;
pub mod cookies;
mod doorbell;
mod env;
pub mod http_cache;
mod js_chunk;
mod pool_work;
pub mod requests;
pub mod resolve_host;
pub mod resolve_proxy;
pub mod session;

use napi::bindgen_prelude::Function;
use napi::Env;
use napi_derive::napi;

pub use requests::{
  request_abort, request_finish, request_follow_redirect, request_login, request_read,
  request_write, start_request,
};
pub use session::NativeSession;

/// Registers the JS function that receives the engine events of this load of the module (see
/// `bridge.rs` for the format) and returns the load's id.
#[napi(catch_unwind)]
pub fn init(env: Env, dispatch: Function<Vec<batch::Slot>, ()>) -> napi::Result<u32> {
  bridge::init(&env, dispatch)
}

/// Body reads that went straight into a recycled block (diagnostics, for the tests).
#[napi(catch_unwind)]
pub fn direct_read_count() -> f64 {
  crate::wire::http1::read_block::direct_reads() as f64
}

/// Socket reads done on a JS thread (diagnostics, for the tests).
#[napi(catch_unwind)]
pub fn js_thread_read_count() -> f64 {
  crate::wire::socket_watch::js_thread_reads() as f64
}

/// Requests of this thread started and not yet finished (diagnostics; leak tests watch it
/// return to 0).
#[napi(catch_unwind)]
pub fn inflight_count() -> u32 {
  env::in_flight() as u32
}
