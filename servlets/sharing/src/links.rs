//! The link table: which link id points at which file, until when.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use auth::UserId;
use storage_keys::StorageKey;

pub const DEFAULT_TTL_SECS: u64 = 7 * 24 * 3600;
pub const MIN_TTL_SECS: u64 = 60;
pub const MAX_TTL_SECS: u64 = 30 * 24 * 3600;

/// The lifetime a link gets when `requested` seconds were asked for.
pub fn clamp_ttl(requested: Option<u64>) -> u64 {
    requested
        .unwrap_or(DEFAULT_TTL_SECS)
        .clamp(MIN_TTL_SECS, MAX_TTL_SECS)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub id: String,
    pub key: StorageKey,
    pub created_at: u64,
    pub expires_at: u64,
    pub revoked: bool,
}

impl Link {
    pub fn is_live(&self, now: u64) -> bool {
        !self.revoked && now < self.expires_at
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum RevokeError {
    NotFound,
    NotOwner,
}

#[derive(Debug, Default)]
pub struct LinkStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sequence: u64,
    links: HashMap<String, Link>,
}

impl LinkStore {
    /// Stores a new link to `key`, live from `now` for `ttl_secs`.
    pub fn insert(&self, key: StorageKey, now: u64, ttl_secs: u64) -> Link {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let id = loop {
            inner.sequence += 1;
            let id = link_id(inner.sequence, &key);
            if !inner.links.contains_key(&id) {
                break id;
            }
        };
        let link = Link {
            id: id.clone(),
            key,
            created_at: now,
            expires_at: now + ttl_secs,
            revoked: false,
        };
        inner.links.insert(id, link.clone());
        link
    }

    pub fn get(&self, id: &str) -> Option<Link> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .links
            .get(id)
            .cloned()
    }

    /// The links `owner` created that are still live at `now`, soonest to expire first.
    pub fn live_links_of(&self, owner: UserId, now: u64) -> Vec<Link> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut links: Vec<Link> = inner
            .links
            .values()
            .filter(|link| link.key.owner() == owner && link.is_live(now))
            .cloned()
            .collect();
        links.sort_by(|a, b| {
            a.expires_at
                .cmp(&b.expires_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        links
    }

    /// Revokes a link on behalf of `owner`; `Ok(false)` when it was already revoked.
    pub fn revoke(&self, id: &str, owner: UserId) -> Result<bool, RevokeError> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let link = inner.links.get_mut(id).ok_or(RevokeError::NotFound)?;
        if link.key.owner() != owner {
            return Err(RevokeError::NotOwner);
        }
        Ok(!std::mem::replace(&mut link.revoked, true))
    }

    /// Forgets links that expired before `now`; returns how many.
    pub fn sweep_expired(&self, now: u64) -> usize {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let before = inner.links.len();
        inner.links.retain(|_, link| now < link.expires_at);
        before - inner.links.len()
    }
}

/// A short, unguessable-looking id: 12 base-36 digits mixed from the sequence number and key.
fn link_id(sequence: u64, key: &StorageKey) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut state = key.as_str().bytes().fold(
        0xcbf2_9ce4_8422_2325_u64 ^ sequence.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3),
    );
    (0..12)
        .map(|_| {
            let digit = (state % 36) as usize;
            state /= 36;
            char::from(ALPHABET[digit])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(owner: u64, path: &str) -> StorageKey {
        storage_keys::file_key(UserId(owner), path).unwrap()
    }

    #[test]
    fn ttl_is_clamped() {
        assert_eq!(clamp_ttl(None), DEFAULT_TTL_SECS);
        assert_eq!(clamp_ttl(Some(1)), MIN_TTL_SECS);
        assert_eq!(clamp_ttl(Some(u64::MAX)), MAX_TTL_SECS);
        assert_eq!(clamp_ttl(Some(3600)), 3600);
    }

    #[test]
    fn ids_are_distinct_and_url_safe() {
        let store = LinkStore::default();
        let a = store.insert(key(1, "a.txt"), 0, 100);
        let b = store.insert(key(1, "a.txt"), 0, 100);
        assert_ne!(a.id, b.id);
        assert_eq!(a.id.len(), 12);
        assert!(
            a.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
    }

    #[test]
    fn only_the_owner_revokes_and_expired_links_are_swept() {
        let store = LinkStore::default();
        let link = store.insert(key(1, "a.txt"), 0, 100);
        store.insert(key(2, "b.txt"), 0, 500);
        assert_eq!(
            store.revoke(&link.id, UserId(2)),
            Err(RevokeError::NotOwner)
        );
        assert_eq!(store.revoke(&link.id, UserId(1)), Ok(true));
        assert_eq!(store.revoke(&link.id, UserId(1)), Ok(false));
        assert_eq!(store.revoke("nope", UserId(1)), Err(RevokeError::NotFound));
        assert_eq!(store.sweep_expired(200), 1);
        assert!(store.get(&link.id).is_none());
        assert_eq!(store.live_links_of(UserId(2), 200).len(), 1);
    }
}
