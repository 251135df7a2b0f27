//! Session tokens: issuing, parsing and validating the bearer tokens every servlet receives.
//!
//! A token looks like `v1.<user>.<expires_at>.<scopes>.<signature>`. The signature is a keyed
//! FNV-1a hash: a stand-in for the HMAC a production deployment would use.
//!
//! Servlets build their [`Signer`] with [`Signer::from_env`]: keyed with the value of
//! [`SIGNING_KEY_VARIABLE`], or with [`DEV_SIGNING_KEY`] when it is unset or empty.

mod session;
mod token;

pub use session::{Scope, Session, UserId};
pub use token::{AuthError, DEV_SIGNING_KEY, SIGNING_KEY_VARIABLE, Signer, signing_key, unix_now};
