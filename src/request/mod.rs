//! What a request does, free of N-API: the hop loop and the policy it applies.

pub mod auth;
pub mod body_budget;
pub mod cache;
pub mod cookies;
pub mod decoding;
pub mod download;
pub mod engine_headers;
pub mod events;
pub mod fetch_metadata;
pub mod headers;
pub mod hop;
pub mod host_cache;
pub mod host_mapping;
pub mod host_resolver;
pub mod pac;
pub mod proxy_config;
pub mod proxy_retry;
pub mod redirect;
pub mod referrer;
pub mod reporter;
pub mod session;
pub mod system_proxy;
pub mod trust;
pub mod upload_progress;
