//! The bearer token format: `v1.<user>.<expires_at>.<scopes>.<signature>`.

use std::error::Error;
use std::fmt;

use crate::session::{Scope, Session, UserId};

/// The environment variable holding the key session tokens are signed and checked with.
pub const SIGNING_KEY_VARIABLE: &str = "ORRERY_SIGNING_KEY";

/// The key [`Signer::from_env`] falls back to when [`SIGNING_KEY_VARIABLE`] is unset or empty.
///
/// For local runs and tests only: it is public, so tokens signed with it prove nothing. Every
/// servlet must share one key, since servlets forward their caller's token to the servlets they
/// call; set the same [`SIGNING_KEY_VARIABLE`] for all of them, or leave it unset for all of them.
pub const DEV_SIGNING_KEY: &str = "orrery-dev-signing-key";

const VERSION: &str = "v1";
const SIGNATURE_HEX_LEN: usize = 16;

/// Why a token or session was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// The token is empty or not shaped like a `v1` token; the text says which part is wrong.
    Malformed(&'static str),
    /// The signature does not match: the token was altered or signed with another secret.
    BadSignature,
    /// The token was valid until `expired_at` (Unix seconds).
    Expired { expired_at: u64 },
    /// The session is valid but lacks a scope the call needs.
    MissingScope(Scope),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Malformed(why) => write!(f, "malformed token: {why}"),
            AuthError::BadSignature => f.write_str("token signature does not match"),
            AuthError::Expired { expired_at } => write!(f, "token expired at {expired_at}"),
            AuthError::MissingScope(scope) => write!(f, "session lacks the `{scope}` scope"),
        }
    }
}

impl Error for AuthError {}

/// How a servlet answers a refused session: PERMISSION_DENIED when it lacks a scope,
/// UNAUTHENTICATED otherwise.
impl From<AuthError> for tonic::Status {
    fn from(error: AuthError) -> tonic::Status {
        match error {
            AuthError::MissingScope(_) => tonic::Status::permission_denied(error.to_string()),
            _ => tonic::Status::unauthenticated(error.to_string()),
        }
    }
}

/// Now, in Unix seconds: the clock sessions expire by.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Issues and validates tokens with one shared secret.
#[derive(Clone)]
pub struct Signer {
    secret: Vec<u8>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Signer {
    pub fn new(secret: impl Into<Vec<u8>>) -> Signer {
        Signer {
            secret: secret.into(),
        }
    }

    /// A signer keyed with [`SIGNING_KEY_VARIABLE`], or with [`DEV_SIGNING_KEY`] when the
    /// variable is unset or empty (see [`signing_key`]).
    pub fn from_env() -> Signer {
        Signer::new(signing_key(std::env::var(SIGNING_KEY_VARIABLE).ok()))
    }

    /// Mints a token carrying `session`.
    pub fn issue(&self, session: &Session) -> String {
        let scopes = if session.scopes.is_empty() {
            "-".to_owned()
        } else {
            session
                .scopes
                .iter()
                .map(|scope| scope.as_str())
                .collect::<Vec<_>>()
                .join("+")
        };
        let payload = format!("{VERSION}.{}.{}.{scopes}", session.user, session.expires_at);
        let signature = self.sign(&payload);
        format!("{payload}.{signature:016x}")
    }

    /// Checks a token (optionally prefixed with `Bearer `) and returns its session, as of `now`
    /// in Unix seconds.
    pub fn validate(&self, token: &str, now: u64) -> Result<Session, AuthError> {
        let token = token.trim();
        let token = token.strip_prefix("Bearer ").unwrap_or(token);
        if token.is_empty() {
            return Err(AuthError::Malformed("empty token"));
        }
        let (payload, signature) = token
            .rsplit_once('.')
            .ok_or(AuthError::Malformed("no signature"))?;
        if signature.len() != SIGNATURE_HEX_LEN || !signature.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(AuthError::Malformed("signature is not 16 hex digits"));
        }
        let signature = u64::from_str_radix(signature, 16)
            .map_err(|_| AuthError::Malformed("bad signature"))?;
        if !same_signature(self.sign(payload), signature) {
            return Err(AuthError::BadSignature);
        }

        let fields: Vec<&str> = payload.split('.').collect();
        let [version, user, expires_at, scopes] = fields[..] else {
            return Err(AuthError::Malformed("expected five dot-separated fields"));
        };
        if version != VERSION {
            return Err(AuthError::Malformed("unknown token version"));
        }
        let user = user
            .parse()
            .map(UserId)
            .map_err(|_| AuthError::Malformed("user id is not a number"))?;
        let expires_at: u64 = expires_at
            .parse()
            .map_err(|_| AuthError::Malformed("expiry is not a number"))?;
        let scopes = match scopes {
            "-" => Vec::new(),
            list => list
                .split('+')
                .map(|name| Scope::parse(name).ok_or(AuthError::Malformed("unknown scope")))
                .collect::<Result<Vec<_>, _>>()?,
        };
        if now >= expires_at {
            return Err(AuthError::Expired {
                expired_at: expires_at,
            });
        }
        Ok(Session::new(user, &scopes, expires_at))
    }

    fn sign(&self, payload: &str) -> u64 {
        const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        self.secret
            .iter()
            .chain(&[0xff])
            .chain(payload.as_bytes())
            .fold(OFFSET, |hash, &byte| {
                (hash ^ u64::from(byte)).wrapping_mul(PRIME)
            })
    }
}

/// The signing key, given the value of [`SIGNING_KEY_VARIABLE`] (`None` when unset): the value
/// itself, or [`DEV_SIGNING_KEY`] when it is unset or empty.
pub fn signing_key(value: Option<String>) -> String {
    value
        .filter(|key| !key.is_empty())
        .unwrap_or_else(|| DEV_SIGNING_KEY.to_owned())
}

/// Compares every bit, so the time taken does not reveal how much of a forged signature matched.
fn same_signature(expected: u64, actual: u64) -> bool {
    (expected ^ actual).count_ones() == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new("test-secret")
    }

    #[test]
    fn the_signing_key_defaults_to_the_development_key() {
        assert_eq!(signing_key(None), DEV_SIGNING_KEY);
        assert_eq!(signing_key(Some(String::new())), DEV_SIGNING_KEY);
        assert_eq!(signing_key(Some("prod".into())), "prod");
    }

    #[test]
    fn issued_tokens_validate_until_they_expire() {
        let session = Session::new(UserId(42), &[Scope::Read, Scope::Write], 1_000);
        let token = signer().issue(&session);
        assert!(token.starts_with("v1.42.1000.read+write."));
        assert_eq!(signer().validate(&token, 999), Ok(session.clone()));
        assert_eq!(
            signer().validate(&format!("Bearer {token}"), 10),
            Ok(session)
        );
        assert_eq!(
            signer().validate(&token, 1_000),
            Err(AuthError::Expired { expired_at: 1_000 })
        );
    }

    #[test]
    fn altered_or_foreign_tokens_are_refused() {
        let token = signer().issue(&Session::new(UserId(42), &[Scope::Read], 1_000));
        let escalated = token.replace(".read.", ".admin.");
        assert_eq!(
            signer().validate(&escalated, 0),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            Signer::new("other").validate(&token, 0),
            Err(AuthError::BadSignature)
        );
    }

    #[test]
    fn malformed_tokens_say_what_is_wrong() {
        assert_eq!(
            signer().validate("  ", 0),
            Err(AuthError::Malformed("empty token"))
        );
        assert_eq!(
            signer().validate("v1.42", 0),
            Err(AuthError::Malformed("signature is not 16 hex digits"))
        );
        let unsigned_shape = signer().issue(&Session::new(UserId(1), &[], 5));
        assert!(unsigned_shape.starts_with("v1.1.5.-."));
    }

    #[test]
    fn a_missing_scope_is_permission_denied_and_any_other_refusal_unauthenticated() {
        let missing: tonic::Status = AuthError::MissingScope(Scope::Admin).into();
        assert_eq!(missing.code(), tonic::Code::PermissionDenied);
        let expired: tonic::Status = AuthError::Expired { expired_at: 5 }.into();
        assert_eq!(
            (expired.code(), expired.message()),
            (
                tonic::Code::Unauthenticated,
                AuthError::Expired { expired_at: 5 }.to_string().as_str()
            )
        );
    }
}
