//! Connections and the protocols on them.

pub mod connect;
pub mod h2_throttle;
pub mod header_block;
pub mod headers;
pub mod http1;
pub mod http2;
pub mod idle;
pub mod origin;
pub mod pool;
pub mod resolve;
pub mod runtime;
#[cfg(test)]
pub mod silent_server;
pub mod socket_watch;
pub mod socks;
pub mod syntax;
pub mod tls;
pub mod transport;
pub mod upload;
