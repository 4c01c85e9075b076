//! What validating a license key read from the database, kept for the
//! next validation of the same key and scope.
//!
//! Client software validates the same key over and over (at every start,
//! on a timer); the answer changes only when something of its
//! organization does (the license, its policy, machines, entitlements, the
//! organization's state), and every such change records an outbox event.
//! So an entry is served while its organization has recorded no event
//! since the entry was read ([`events::CHANGES`]: touched by this
//! process's writes before they commit, and by the outbox follower, on
//! every process, after), and for at most [`TTL`].
//!
//! What is not cached:
//! - an unknown key (no organization to watch: a license made later
//!   must be found at once);
//! - a license whose answer can change without an event: its policy
//!   requires heartbeats, or a machine in the scope has sent one (pings
//!   are too frequent to record). Everything else the answer depends on
//!   in time (expiry, check-ins due) is computed at each validation from
//!   the cached rows.
//!
//! What may be stale, within [`TTL`]: `lastValidated` (written every few
//! seconds by the tally, without an event, and already that late without
//! the cache) and what a write changed while a validation read it between
//! the write's event and its commit, until the follower sees the commit
//! (milliseconds on PostgreSQL; at most its poll period on SQLite).
//!
//! While the follower is not listening (PostgreSQL's connection lost) it
//! could miss other processes' changes, so nothing is served or kept.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{
    model::OrgId,
    server::db::{events::CHANGES, license_api::ForValidation},
};

/// The longest an entry is served, changes or not.
pub const TTL: Duration = Duration::from_secs(5);

/// Entries kept at most (the least used go first): about 2 KB each, more
/// for scopes of many fingerprints or components (at most 100 of each).
pub const CAPACITY: usize = 10_000;

/// What a validation asks of the database: the key and its scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Asked {
    pub key: String,
    pub fingerprints: Vec<String>,
    pub machine: Option<String>,
    pub components: Vec<String>,
    pub entitlements: bool,
}

/// When a read began, to keep with what it read.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    step: u64,
    epoch: u64,
}

struct Entry {
    found: Arc<ForValidation>,
    org: OrgId,
    mark: Mark,
    read_at: Instant,
}

/// The cache (see the module's documentation).
pub struct ValidationCache {
    entries: quick_cache::sync::Cache<Asked, Arc<Entry>>,
    /// Whether every change reaches [`CHANGES`] (the follower listens).
    following: AtomicBool,
    /// Bumped each time following stops or starts: what was read across
    /// the gap is not kept.
    epoch: AtomicU64,
}

impl std::fmt::Debug for ValidationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidationCache")
            .field("entries", &self.entries.len())
            .field("following", &self.following.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

impl Default for ValidationCache {
    fn default() -> Self {
        Self {
            entries: quick_cache::sync::Cache::new(CAPACITY),
            following: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
        }
    }
}

impl ValidationCache {
    /// What an earlier validation read for `asked`, if it is still
    /// current.
    pub fn get(&self, asked: &Asked) -> Option<Arc<ForValidation>> {
        let entry = self.entries.get(asked)?;
        let current = self.following.load(Ordering::SeqCst)
            && entry.mark.epoch == self.epoch.load(Ordering::SeqCst)
            && entry.read_at.elapsed() < TTL
            && CHANGES.unchanged_since(entry.org, entry.mark.step);
        if current {
            Some(Arc::clone(&entry.found))
        } else {
            self.entries.remove(asked);
            None
        }
    }

    /// Taken before reading for a validation, and given to [`Self::keep`].
    pub fn mark(&self) -> Mark {
        Mark { epoch: self.epoch.load(Ordering::SeqCst), step: CHANGES.mark() }
    }

    /// Keeps what was read for `asked` since `mark`, unless it may already
    /// be stale (its organization changed meanwhile, the follower stopped
    /// or restarted) or its answer can change without an event.
    pub fn keep(&self, asked: Asked, mark: Mark, found: &Arc<ForValidation>) {
        let (license, machines, _) = &**found;
        let org = license.org_id();
        let timeless = !license.policy().require_heartbeat && machines.iter().all(|m| m.last_heartbeat_at.is_none());
        if timeless
            && self.following.load(Ordering::SeqCst)
            && mark.epoch == self.epoch.load(Ordering::SeqCst)
            && CHANGES.unchanged_since(org, mark.step)
        {
            let entry = Entry { found: Arc::clone(found), org, mark, read_at: Instant::now() };
            self.entries.insert(asked, Arc::new(entry));
        }
    }

    /// Whether the outbox follower is listening: entries are served and
    /// kept only while it is. Any change of state drops every entry.
    pub fn set_following(&self, following: bool) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.following.store(following, Ordering::SeqCst);
        self.entries.clear();
    }
}
