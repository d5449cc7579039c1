//! The maths of learning called from SQL: pure functions over the learning state array
//! (layout: personality_core::learning_state).
use crate::errors::{raise, Error, SqlState};
use personality_core::learning;
use personality_core::learning_state::{self as state, SyncPolicy};
use personality_core::traits::Vector;
use pgrx::prelude::*;

/// One learning step of the swipe trigger (`UPDATE ... SET state =
/// _personality_learn_step(state, ...)`): learn from the swipe and say whether the
/// profile row is due. Rules: README "Behaviour learning"; layout of the array:
/// personality_core::learning_state.
#[pg_extern(immutable, parallel_safe)]
fn _personality_learn_step(
    state: Option<Vec<Option<f64>>>,
    affinities: Option<Vec<Option<f64>>>,
    lookup_missing: Option<bool>,
    direction: Option<crate::text::Text>,
    rate: Option<f64>,
    sync_points: Option<f64>,
    sync_swipes: Option<i64>,
) -> Vec<f64> {
    let affinities: Option<Vector> = affinities.map(|a| {
        let mut v = [0.0; 5];
        for (x, y) in v.iter_mut().zip(a) {
            *x = y.unwrap_or(0.0);
        }
        v
    });
    state::step(
        &state.unwrap_or_default(),
        affinities.as_ref(),
        lookup_missing.unwrap_or(false),
        learning::parse_direction(direction.as_ref().map(|d| d.as_str())),
        rate.unwrap_or(f64::NAN),
        SyncPolicy {
            points: sync_points.unwrap_or(f64::NAN),
            swipes: sync_swipes.unwrap_or(state::DEFAULT_SYNC_SWIPES),
        },
    )
}

/// The 1-based SQL index of the learning state's slot `name`
/// (personality_core::learning_state::SLOTS): how SQL names a slot,
/// `state[@extschema@._personality_state_slot('evidence')]`. Immutable, so a plan
/// holds the number, folded once when it is made. 22023 for an unknown name.
#[pg_extern(immutable, parallel_safe, strict)]
fn _personality_state_slot(name: crate::text::Text) -> i32 {
    let name = name.as_str();
    match state::slot(name) {
        // at most LEN (20)
        Some(i) => i as i32 + 1,
        None => raise(
            Error::new(
                SqlState::InvalidParameterValue,
                format!("the learning state has no slot named \"{name}\""),
            )
            .with_hint(format!(
                "Slots: {}.",
                state::SLOTS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ),
    }
}
