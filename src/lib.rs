//! electron-net-rs: Electron's `net` module as a Node.js addon.
//!
//! Three layers, imports only going down (docs/ARCHITECTURE.md draws them):
//! - [`binding`]: the only code that touches N-API: the event bridge, the request functions JS
//!   calls, sessions. Every Rust type exposed to JS is prefixed `Native*`; `lib/` wraps them in
//!   the classes users hold (`ClientRequest`, `IncomingMessage`, `Session`).
//! - [`request`]: what a request does, free of N-API: the hop loop (redirects, auth), events,
//!   header, referrer and proxy policy, decoding and delivering the body.
//! - [`wire`]: connections and the protocols on them: origins and routes, the pool, HTTP/1.1
//!   (a codec of our own), HTTP/2 (hyper), TLS (rustls), the runtime the tasks run on.
//!
//! [`errors`] (Chromium's error names) and [`config`] (every tunable and environment variable)
//! are shared by all three.

#[global_allocator]
static ALLOCATOR: allocator::SplitAllocator = allocator::SplitAllocator;

mod allocator;
mod binding;
mod config;
mod errors;
mod request;
mod wire;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod test_support;

// Re-exported so the crate's public surface (and the dead-code lint) sees what JS calls.
pub use binding::*;
