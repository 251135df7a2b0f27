//! Session tokens: issuing, parsing and validating the bearer tokens every servlet receives.
//!
//! A token looks like `v1.<user>.<expires_at>.<scopes>.<signature>`. The signature is a keyed
//! FNV-1a hash: a stand-in for the HMAC a production deployment would use.

mod session;
mod token;

pub use session::{Scope, Session, UserId};
pub use token::{AuthError, Signer};
