//! Who a request comes from and what it may do.

use std::fmt;

use crate::token::AuthError;

/// A user account, as numbered by the metadata service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub u64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a session is allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// List and read the user's own files.
    Read,
    /// Create and overwrite the user's own files.
    Write,
    /// Hand out links to the user's files.
    Share,
    /// Inspect other users' accounts (staff only).
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Write, Scope::Share, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Share => "share",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == text)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated session: the user, their scopes, and when the session ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    /// Sorted and without duplicates.
    pub scopes: Vec<Scope>,
    /// Unix seconds from which the session is no longer valid.
    pub expires_at: u64,
}

impl Session {
    pub fn new(user: UserId, scopes: &[Scope], expires_at: u64) -> Session {
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        Session {
            user,
            scopes,
            expires_at,
        }
    }

    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.binary_search(&scope).is_ok()
    }

    /// Fails with [`AuthError::MissingScope`] unless the session has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), AuthError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(AuthError::MissingScope(scope))
        }
    }

    /// Seconds left before the session expires, as of `now`.
    pub fn remaining_secs(&self, now: u64) -> u64 {
        self.expires_at.saturating_sub(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_normalized_and_checked() {
        let session = Session::new(UserId(7), &[Scope::Share, Scope::Read, Scope::Share], 100);
        assert_eq!(session.scopes, [Scope::Read, Scope::Share]);
        assert!(session.require(Scope::Read).is_ok());
        assert_eq!(
            session.require(Scope::Write),
            Err(AuthError::MissingScope(Scope::Write))
        );
        assert_eq!(session.remaining_secs(40), 60);
        assert_eq!(session.remaining_secs(400), 0);
    }

    #[test]
    fn scope_names_round_trip() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("root"), None);
    }
}
