//! `_personality_sync_profiles`: applies queued swipes and writes pending learning into
//! personality_profiles, for one user or every user with something pending.
use super::store::{init_state, plan, write_profile, LOCK_STATE_WAIT, READ_STATE, STORE_STATE};
use super::{drain_queued, Init, LearnError};
use crate::cache::{query, Query};
use personality_core::learning_state::{self as state, State, StepOutcome};
use pgrx::prelude::*;
use pgrx::Uuid;

const PENDING_USERS: Query = query!("learning/pending_users", []);
const NOTHING_PENDING: Query = query!("learning/nothing_pending", [UUIDOID]);

/// Locks the user's learning state (waiting), builds it when missing, learns the
/// queued swipes and writes pending learning into the profile row. Returns whether a
/// profile row was written.
fn sync_user(user: Uuid) -> Result<bool, LearnError> {
    let ready = Spi::connect_mut(|client| {
        // The common case, without a lock or a write: nothing pending, nothing queued.
        let quick = plan(client, &NOTHING_PENDING)?;
        let quick = client.select(&*quick, Some(1), &[user.into()])?;
        if quick.first().get::<bool>(1)?.unwrap_or(false) {
            return Ok::<_, LearnError>(false);
        }
        Ok(init_state(client, user, true)? == Init::Ready)
    })?;
    if !ready {
        return Ok(false); // no profile: queued swipes wait for one
    }
    drain_queued(user)?;
    Spi::connect_mut(|client| {
        let lock = plan(client, &LOCK_STATE_WAIT)?;
        if client.select(&*lock, Some(1), &[user.into()])?.is_empty() {
            return Ok(false);
        }
        let read = plan(client, &READ_STATE)?;
        let stored = client
            .select(&*read, Some(1), &[user.into()])?
            .first()
            .get::<Vec<Option<f64>>>(1)?
            .unwrap_or_default();
        let st = State::decode(&stored);
        if st.pending() == 0 && stored.get(state::EVIDENCE) == stored.get(state::SYNCED_EVIDENCE) {
            return Ok(false);
        }
        let synced = st.mark_synced();
        let encoded = synced.encode(StepOutcome::Learned, synced.synced_primary);
        let store = plan(client, &STORE_STATE)?;
        client.update(&*store, None, &[user.into(), encoded.into()])?;
        write_profile(client, user, &synced, Some(st.synced_primary), None)?;
        Ok(true)
    })
}

/// Applies queued swipes and writes pending learning into personality_profiles: for
/// one user, or for every user when NULL. Returns the number of profiles written.
/// Called by personality_sync_profile (which checks the caller), personality_assess
/// and personality_recommend.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn _personality_sync_profiles(p_user_id: Option<Uuid>) -> i64 {
    sync_profiles(p_user_id).unwrap_or_else(|e| crate::errors::raise(e))
}

fn sync_profiles(p_user_id: Option<Uuid>) -> Result<i64, LearnError> {
    let users: Vec<Uuid> = match p_user_id {
        Some(u) => vec![u],
        None => Spi::connect(|client| {
            let stmt = plan(client, &PENDING_USERS)?;
            let mut out = Vec::new();
            for r in client.select(&*stmt, None, &[])? {
                if let Some(u) = r.get::<Uuid>(1)? {
                    out.push(u);
                }
            }
            Ok::<_, LearnError>(out)
        })?,
    };
    let mut written = 0i64;
    for user in users {
        pgrx::check_for_interrupts!();
        if sync_user(user)? {
            written += 1;
        }
    }
    Ok(written)
}
