//! The job queue's in-process side, held by the app state: the bell that
//! wakes a worker when a job is added, and where this process's workers
//! left off in the fair round of organizations. The queue itself is the
//! `jobs` table (`db::jobs`); the workers are `server::jobs`.

use std::sync::{Mutex, PoisonError};

use tokio::sync::Notify;

use crate::model::OrgId;

/// The bell and the round's cursor.
#[derive(Debug, Default)]
pub struct Queue {
    wake: Notify,
    /// The organization whose job this process's workers claimed last:
    /// the next claim serves the organization after it (`db::jobs::claim`).
    last_org: Mutex<Option<OrgId>>,
}

impl Queue {
    /// Wakes one waiting worker: a job was added.
    pub fn ring(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`Queue::ring`] is called.
    pub async fn rung(&self) {
        self.wake.notified().await;
    }

    /// The organization served last (`None` before the first job).
    pub fn last_org(&self) -> Option<OrgId> {
        *self.last_org.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records that a job of `org` was claimed (platform jobs, `None`, do
    /// not move the round).
    pub fn served(&self, org: Option<OrgId>) {
        if let Some(org) = org {
            *self.last_org.lock().unwrap_or_else(PoisonError::into_inner) = Some(org);
        }
    }
}
