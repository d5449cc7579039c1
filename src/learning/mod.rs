//! The learning wing: every swipe teaches the user's profile (maths in
//! personality_core::learning and ::learning_state, rules in README "Behaviour
//! learning"). One file per phase:
//!
//! - [`row_trigger`]: `update_personality_from_behavior`, the seed's FOR EACH ROW
//!   trigger (learn now, or queue);
//! - [`batch`]: the row trigger's swipes past the first few of a statement, learnt in
//!   one batch at the end of the statement (linear in the statement's swipes);
//! - [`statement_trigger`]: `update_personality_from_behavior_bulk`, the same learning
//!   per statement, for bulk loads;
//! - [`store`]: the statements (`sql/queries/learning/`), the learning state, profile
//!   and history writes, the queue, `_personality_sync_profiles`;
//! - [`step`]: the maths called from SQL (`_personality_learn_step`,
//!   `_personality_state_slot`);
//! - this file: one learning step ([`learn_from_swipe`]) with its fallbacks, shared by
//!   both triggers and the sync, and [`guarded`], which keeps a failing step from
//!   failing the swipe.
//!
//! Hot path: one statement (`sql/queries/learning/learn.sql`) through a plan prepared
//! once per backend. It updates the user's narrow row of personality_learning_state
//! (HOT: its only index is the key) with `_personality_learn_step`, which also gets the
//! product's precomputed vector, and marks the matching recommendation. The wide
//! personality_profiles row (the seed's eight indexes) is written only when the step
//! says it is due: the profile changed materially, or enough swipes are pending.
//!
//! Locks (SECURITY.md "Locks"): the trigger never waits for another transaction's lock
//! on a learning state row (`FOR NO KEY UPDATE SKIP LOCKED`). When the row is locked,
//! the swipe goes into personality_learning_queue (insert-only) and is learnt by the
//! next step that holds the row: so two transactions that swipe for the same users in
//! opposite orders cannot deadlock, and no lock_timeout can fail a swipe. Every
//! writer takes a user's learning state row before their profile row.
//!
//! Rare paths: a user without a learning state gets one from their profile row (a
//! placeholder row is inserted and locked first, then the profile is read in a new
//! snapshot, so a concurrent personality_assess is never overwritten); a user without
//! a profile gets one; a product without a vector is looked up in the catalog view.
//! Each runs in a subtransaction: when one fails, a WARNING, and the swipe is queued
//! to be learnt later; the swipe itself is always kept.
//!
//! Every statement names the extension's schema and runs under the fixed search_path
//! `pg_catalog, pg_temp` (set on the trigger functions in sql/learning_triggers.sql).
pub mod batch;
pub mod row_trigger;
pub mod statement_trigger;
pub mod step;
pub mod store;
pub mod sync;

use crate::cache::PlanError;
use crate::subxact;
use personality_core::learning;
use personality_core::learning_state::{self as state, State, StepOutcome, SyncPolicy};
use personality_core::traits::Vector;
use pgrx::prelude::*;
use pgrx::Uuid;

/// Why a learning step could not run. Never shown for a valid swipe (the trigger
/// turns it into a WARNING and queues the swipe); `personality_sync_profile` reports it
/// as core's error (SQLSTATE 55000, `From<LearnError> for Error` below).
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error(transparent)]
    Spi(#[from] pgrx::spi::Error),
    /// the library was upgraded, the extension's SQL objects not yet
    #[error(
        "the extension's SQL objects are not the version of its library; \
         run ALTER EXTENSION personality_ext UPDATE"
    )]
    SqlOlderThanLibrary,
    /// the extension is not installed in this database (being dropped)
    #[error("the extension personality_ext is not installed in this database")]
    NotInstalled,
}

/// At the SQL boundary (`personality_sync_profile`) a learning error becomes core's
/// [`Error`](personality_core::error::Error): SQLSTATE 55000, the extension's own objects
/// are missing, older than the library or not as it reads them.
impl From<LearnError> for personality_core::error::Error {
    fn from(e: LearnError) -> Self {
        use personality_core::error::{Error, SqlState};
        match e {
            LearnError::NotInstalled => Error::not_installed(),
            LearnError::SqlOlderThanLibrary => {
                Error::new(SqlState::ObjectNotInPrerequisiteState, e.to_string())
                    .with_hint("ALTER EXTENSION personality_ext UPDATE;")
            }
            LearnError::Spi(_) => Error::new(
                SqlState::ObjectNotInPrerequisiteState,
                format!("personality_ext could not read its learning tables: {e}"),
            ),
        }
    }
}

impl From<PlanError> for LearnError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Spi(e) => LearnError::Spi(e),
            PlanError::NotInstalled => LearnError::NotInstalled,
        }
    }
}

/// What a learning step found.
pub enum Step {
    /// learnt; `queued`: the user has queued swipes to learn now
    Learned { queued: bool },
    /// the user has no learning state yet (build it from the profile, then learn)
    NoState,
    /// the product has no precomputed vector (look its traits up, then learn)
    NoVector,
    /// another transaction holds the user's learning state: queue the swipe
    Locked,
}

/// What building a learning state found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// the user's state row exists, filled, and this transaction holds its lock
    Ready,
    /// another transaction holds the user's state row (only when not waiting)
    Locked,
    /// the user has no profile
    NoProfile,
}

/// The settings of when the profile row is written.
pub(crate) fn sync_policy() -> SyncPolicy {
    SyncPolicy {
        points: crate::guc::PROFILE_SYNC_POINTS.get(),
        swipes: i64::from(crate::guc::PROFILE_SYNC_SWIPES.get()),
    }
}

/// Runs a fallible step in a subtransaction; on failure, a WARNING and None.
pub(crate) fn guarded<T>(
    what: &str,
    f: impl FnOnce() -> Result<T, LearnError> + std::panic::UnwindSafe,
) -> Option<T> {
    match subxact::run(f) {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) => {
            crate::cache::reset_plans();
            warning!("personality_ext: swipe kept, learning postponed ({what}): {e}");
            None
        }
        Err(caught) => {
            crate::cache::reset_plans();
            if subxact::must_rethrow(&caught) {
                (*caught).rethrow();
            }
            let (code, msg) = subxact::describe(&caught);
            // 55P03: another transaction is writing the same user's first rows; the
            // swipe is queued, as designed, not a problem worth a WARNING
            if code != "55P03" {
                warning!("personality_ext: swipe kept, learning postponed ({what}, {code}): {msg}");
            }
            None
        }
    }
}

/// One learning step for (user, product, direction): learn into the state row, mark the
/// recommendation, write the profile row when due. It runs in the swipe's own
/// transaction, not in a subtransaction: updating a row from one subtransaction per
/// swipe makes Postgres create MultiXacts when one transaction records many swipes of
/// a user. The steps that can fail on valid input (creating a profile for a user the
/// host lacks, an operator's catalog view) are done by the caller in subtransactions.
pub fn learn_from_swipe(
    user: Uuid,
    product: Option<Uuid>,
    raw_direction: Option<&str>,
    known_affinities: Option<Vector>,
) -> Result<Step, LearnError> {
    let direction = learning::parse_direction(raw_direction);
    let rate = crate::guc::LEARNING_RATE.get();
    let policy = sync_policy();
    Spi::connect_mut(|client| {
        let learn = store::plan(client, &store::LEARN)?;
        let lookup_missing =
            known_affinities.is_none() && product.is_some() && store::has_features_view(client)?;
        // The direction once, in its storage spelling: the step parses it back to the
        // same direction, and the recommendation stores it.
        let args = vec![
            user.into(),
            product.into(),
            known_affinities.map(|a| a.to_vec()).into(),
            lookup_missing.into(),
            direction.as_str().map(str::to_string).into(),
            rate.into(),
            policy.points.into(),
            policy.swipes.into(),
        ];
        let learned = client.update(&*learn, Some(1), &args)?;
        if learned.is_empty() {
            // no row, a placeholder, or another transaction's lock
            let probe = store::plan(client, &store::STATE_SIZE)?;
            let probe = client.select(&*probe, Some(1), &[user.into()])?;
            return Ok(if probe.is_empty() {
                Step::NoState
            } else {
                Step::Locked
            });
        }
        let first = learned.first();
        let queued = first.get::<bool>(2)?.unwrap_or(false);
        let Some(encoded) = first.get::<Vec<f64>>(1)? else {
            return Ok(Step::Learned { queued });
        };
        match state::outcome_of(&encoded) {
            StepOutcome::Learned => Ok(Step::Learned { queued }),
            StepOutcome::NeedAffinities => Ok(Step::NoVector),
            StepOutcome::WriteProfile => {
                let st = State::decode(&state::stored(&encoded));
                let previous = state::previous_primary_of(&encoded);
                store::write_profile(client, user, &st, previous, Some((product, direction)))?;
                Ok(Step::Learned { queued })
            }
        }
    })
}

/// One swipe learnt with every fallback (a product's traits from the catalog), in the
/// state row this transaction already holds or can take without waiting.
pub(crate) fn learn_one(
    user: Uuid,
    product: Option<Uuid>,
    direction: Option<&str>,
) -> Result<Step, LearnError> {
    let mut known: Option<Vector> = None;
    for _ in 0..2 {
        match learn_from_swipe(user, product, direction, known)? {
            Step::NoVector => {
                known = Some(
                    guarded("reading the product's traits", move || {
                        store::fallback_affinities(product)
                    })
                    .unwrap_or([0.0; 5]),
                );
            }
            step => return Ok(step),
        }
    }
    Ok(Step::NoVector)
}

/// Learns the user's queued swipes, oldest first. The caller holds the user's state
/// row, so nobody else drains them meanwhile; queued swipes of transactions not
/// committed yet stay queued.
pub(crate) fn drain_queued(user: Uuid) -> Result<usize, LearnError> {
    let queued = Spi::connect_mut(|client| store::take_queued(client, user))?;
    let n = queued.len();
    let mut back = Vec::new();
    for (product, direction) in queued {
        pgrx::check_for_interrupts!();
        match learn_one(user, product, direction.as_deref())? {
            Step::Learned { .. } => {}
            _ => back.push((user, product, direction)),
        }
    }
    if !back.is_empty() {
        Spi::connect_mut(|client| store::enqueue(client, &back))?;
    }
    Ok(n)
}
