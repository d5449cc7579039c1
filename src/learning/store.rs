//! Where learning is stored: the statements of the learning wing
//! (`sql/queries/learning/*.sql`, prepared once per backend in the one plan cache,
//! crate::cache), the learning state rows, the queue, the profile and history writes.
//! Writing pending learning into the profiles is `sync.rs`.
use super::{Init, LearnError};
use crate::cache::{self, query, Query};
#[allow(unused_imports)]
use crate::text::RowText;
use personality_core::learning::{self, Profile};
use personality_core::learning_state::{self as state, State, StepOutcome};
use personality_core::round::round_to;
use personality_core::scoring;
use personality_core::traits::{primary_and_secondary, Trait, Vector, ALL};
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use pgrx::{JsonB, Uuid};
use serde_json::{json, Map, Value};
use std::rc::Rc;

pub(crate) const LEARN: Query = query!(
    "learning/learn",
    [
        UUIDOID,
        UUIDOID,
        FLOAT8ARRAYOID,
        BOOLOID,
        TEXTOID,
        FLOAT8OID,
        FLOAT8OID,
        INT8OID
    ]
);
pub(crate) const STATE_SIZE: Query = query!("learning/state_size", [UUIDOID]);
const SQL_CURRENT: Query = query!("learning/sql_current", [TEXTOID]);
const FEATURES_VIEW_EXISTS: Query = query!("learning/features_view_exists", []);
const PRODUCT_FEATURES: Query = query!("learning/product_features", [UUIDOID]);
const ENQUEUE: Query = query!(
    "learning/enqueue",
    [UUIDARRAYOID, UUIDARRAYOID, TEXTARRAYOID]
);
const DRAIN: Query = query!("learning/drain", [UUIDOID]);
const HAS_PROFILE: Query = query!("learning/has_profile", [UUIDOID]);
const INSERT_PLACEHOLDER: Query = query!("learning/insert_placeholder", [UUIDOID]);
const LOCK_STATE_SKIP: Query = query!("learning/lock_state_skip", [UUIDOID]);
pub(super) const LOCK_STATE_WAIT: Query = query!("learning/lock_state_wait", [UUIDOID]);
const READ_PROFILE: Query = query!("learning/read_profile", [UUIDOID]);
const FILL_STATE: Query = query!("learning/fill_state", [UUIDOID, FLOAT8ARRAYOID]);
pub(super) const READ_STATE: Query = query!("learning/read_state", [UUIDOID]);
pub(super) const STORE_STATE: Query = query!("learning/store_state", [UUIDOID, FLOAT8ARRAYOID]);
const INSERT_PROFILE: Query = query!(
    "learning/insert_profile",
    [
        UUIDOID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, INT8OID,
        INT8OID, FLOAT8OID, TEXTOID, FLOAT8OID
    ]
);
const WRITE_PROFILE: Query = query!(
    "learning/write_profile",
    [
        UUIDOID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT8OID,
        INT8OID,
        INT8OID,
        FLOAT8OID,
        FLOAT8OID,
        TEXTOID,
        TEXTARRAYOID
    ]
);
const INSERT_HISTORY: Query = query!(
    "learning/insert_history",
    [UUIDOID, JSONBOID, JSONBOID, TEXTOID, INT4OID, FLOAT8OID]
);
const LOCK_TIMEOUT: Query = query!("learning/lock_timeout", []);
const SET_LOCK_TIMEOUT: Query = query!("learning/set_lock_timeout", [TEXTOID]);

/// A learning statement's plan (crate::cache). Before the first one of a cache
/// generation is prepared, checks that the SQL objects are as new as the library: a
/// new library with an older version's objects (between installing it and `ALTER
/// EXTENSION ... UPDATE`) keeps the swipes and says what to do.
pub(crate) fn plan(
    client: &SpiClient<'_>,
    q: &Query,
) -> Result<Rc<OwnedPreparedStatement>, LearnError> {
    if let Some(p) = cache::cached(q) {
        return Ok(p);
    }
    check_sql_current(client)?;
    Ok(cache::prepared(client, q)?)
}

/// Fails with [`LearnError::SqlOlderThanLibrary`] when the extension's SQL objects
/// are not the library's version (pg_extension.extversion). Asked once per cache
/// generation while they are, at every call while they are not.
pub(crate) fn check_sql_current(client: &SpiClient<'_>) -> Result<(), LearnError> {
    if cache::cached(&SQL_CURRENT).is_some() {
        return Ok(());
    }
    let check = cache::prepared(client, &SQL_CURRENT)?;
    let current = client
        .select(&*check, Some(1), &[env!("CARGO_PKG_VERSION").into()])?
        .first()
        .get_one::<bool>()?
        .unwrap_or(false);
    if !current {
        cache::reset_plans();
        return Err(LearnError::SqlOlderThanLibrary);
    }
    Ok(())
}

/// Whether products without a vector can be looked up in the products adapter view
/// (it exists, and the extension or a trusted role made it). Known without a query
/// once its statement is prepared; while the view is missing (no products table yet),
/// asked again at each call, as it appears with the host's products table.
pub(crate) fn has_features_view(client: &SpiClient<'_>) -> Result<bool, LearnError> {
    if cache::cached(&PRODUCT_FEATURES).is_some() {
        return Ok(true);
    }
    let check = plan(client, &FEATURES_VIEW_EXISTS)?;
    let exists = client
        .select(&*check, Some(1), &[])?
        .first()
        .get_one::<bool>()?
        .unwrap_or(false);
    if exists {
        plan(client, &PRODUCT_FEATURES)?;
    }
    Ok(exists)
}

/// A product's affinities from the catalog view and the mappings, for products without
/// a precomputed vector; zeros without the view. Run in a subtransaction by the caller:
/// an operator's view may fail.
pub fn fallback_affinities(product: Option<Uuid>) -> Result<Vector, LearnError> {
    // the loader personality_product_traits uses (cached per statement)
    let mappings = crate::scoring::mappings();
    Spi::connect(|client| {
        let Some(product) = product else {
            return Ok([0.0; 5]);
        };
        if !has_features_view(client)? {
            return Ok([0.0; 5]);
        }
        let stmt = plan(client, &PRODUCT_FEATURES)?;
        let row = client.select(&*stmt, Some(1), &[product.into()])?;
        if row.is_empty() {
            return Ok([0.0; 5]);
        }
        let row = row.first();
        let category: Option<String> = row.text(1)?;
        let tags: Option<Vec<Option<String>>> = row.texts(2)?;
        let tags: Vec<String> = tags.unwrap_or_default().into_iter().flatten().collect();
        let tag_refs: Vec<&str> = tags.iter().map(String::as_str).collect();
        Ok(scoring::product_affinities(
            category.as_deref(),
            &tag_refs,
            &mappings,
        ))
    })
}

/// The arguments $2..$10 of the profile statements: the learning state to store.
fn state_args(p: &Profile) -> Vec<pgrx::datum::DatumWithOid<'static>> {
    let mut v: Vec<pgrx::datum::DatumWithOid<'static>> = Vec::with_capacity(9);
    for t in ALL {
        v.push(round_to(p.scores[t.index()], 2).into());
    }
    v.push(round_to(p.consistency, 4).into());
    v.push((p.evidence.min(i64::MAX as u64) as i64).into());
    v.push((p.informative.min(i64::MAX as u64) as i64).into());
    v.push(round_to(p.confidence, 6).into());
    v
}

fn scores_json(p: &Profile) -> Value {
    let mut m = Map::new();
    for t in ALL {
        m.insert(
            t.name().to_string(),
            json!(round_to(p.scores[t.index()], 2)),
        );
    }
    m.insert(
        "behavioral_consistency".into(),
        json!(round_to(p.consistency, 4)),
    );
    m.insert("behavior_evidence".into(), json!(p.evidence));
    m.insert("behavior_informative".into(), json!(p.informative));
    m.insert(
        "behavior_confidence".into(),
        json!(round_to(p.confidence, 6)),
    );
    Value::Object(m)
}

fn names(ts: &[Trait]) -> Vec<String> {
    ts.iter().map(|t| t.name().to_string()).collect()
}

/// A profile for a user who has none (method 'behavior', low confidence). Run in a
/// subtransaction by the caller: it fails when the host's profiles lacks the user.
pub(crate) fn create_profile(user: Uuid) -> Result<(), LearnError> {
    Spi::connect_mut(|client| {
        let insert = plan(client, &INSERT_PROFILE)?;
        let fresh = learning::new_from_behavior();
        let (primary, _) = primary_and_secondary(&fresh.scores);
        let mut args = vec![user.into()];
        args.extend(state_args(&fresh));
        args.push(primary.name().into());
        args.push(fresh.confidence.into());
        with_short_lock_timeout(client, |c| {
            c.update(&*insert, None, &args)?;
            Ok(())
        })
    })
}

/// How long the trigger waits for another transaction's insert of the same user's
/// row (a learning state or a profile) before it queues the swipe instead.
const FIRST_SWIPE_WAIT: &str = "100ms";

/// Runs `f` with lock_timeout at most [`FIRST_SWIPE_WAIT`], then restores it.
fn with_short_lock_timeout<T>(
    client: &mut SpiClient<'_>,
    f: impl FnOnce(&mut SpiClient<'_>) -> Result<T, LearnError>,
) -> Result<T, LearnError> {
    let get = plan(client, &LOCK_TIMEOUT)?;
    let set_stmt = plan(client, &SET_LOCK_TIMEOUT)?;
    let old: String = client
        .select(&*get, None, &[])?
        .first()
        .get_one::<String>()?
        .unwrap_or_default();
    let set = |c: &mut SpiClient<'_>, v: &str| -> Result<(), LearnError> {
        c.update(&*set_stmt, None, &[v.into()])?;
        Ok(())
    };
    // keep a shorter setting of the application's own
    let shorter = old != "0"
        && old.ends_with("ms")
        && old
            .trim_end_matches("ms")
            .parse::<u64>()
            .is_ok_and(|ms| ms <= 100);
    if !shorter {
        set(client, FIRST_SWIPE_WAIT)?;
    }
    let r = f(client)?;
    if !shorter {
        set(client, &old)?;
    }
    Ok(r)
}

/// Makes sure the user has a filled learning state row and locks it (waiting for
/// another transaction's lock only when `wait`). A placeholder row is inserted and
/// locked first, and the profile is read afterwards in a statement of its own (a new
/// snapshot), so a personality_assess that committed meanwhile is what the state is
/// built from. Run in a subtransaction by the trigger (the profile may vanish).
pub(crate) fn init_state(
    client: &mut SpiClient<'_>,
    user: Uuid,
    wait: bool,
) -> Result<Init, LearnError> {
    let has_profile = plan(client, &HAS_PROFILE)?;
    if client
        .select(&*has_profile, Some(1), &[user.into()])?
        .is_empty()
    {
        return Ok(Init::NoProfile);
    }
    let placeholder = plan(client, &INSERT_PLACEHOLDER)?;
    if wait {
        client.update(&*placeholder, None, &[user.into()])?;
    } else {
        // The insert waits for another transaction inserting the same user's row: two
        // first swipes in opposite orders would deadlock. Wait briefly, then give up
        // (the caller's subtransaction rolls back and the swipe is queued).
        with_short_lock_timeout(client, |c| {
            c.update(&*placeholder, None, &[user.into()])?;
            Ok(())
        })?;
    }
    let lock = plan(
        client,
        if wait {
            &LOCK_STATE_WAIT
        } else {
            &LOCK_STATE_SKIP
        },
    )?;
    let locked = client.update(&*lock, Some(1), &[user.into()])?;
    if locked.is_empty() {
        return Ok(if wait { Init::NoProfile } else { Init::Locked });
    }
    if locked.first().get::<i32>(1)?.unwrap_or(0) > 0 {
        return Ok(Init::Ready);
    }
    let read = plan(client, &READ_PROFILE)?;
    let row = client.select(&*read, Some(1), &[user.into()])?;
    if row.is_empty() {
        return Ok(Init::NoProfile);
    }
    let row = row.first();
    let mut fields: Vec<Option<f64>> = Vec::with_capacity(10);
    for i in 1..=10 {
        fields.push(row.get::<f64>(i)?);
    }
    let st = state::from_profile_fields(&fields);
    let encoded = st.encode(StepOutcome::Learned, st.synced_primary);
    let fill = plan(client, &FILL_STATE)?;
    client.update(&*fill, None, &[user.into(), encoded.into()])?;
    Ok(Init::Ready)
}

/// Queues swipes to be learnt later (the state row is locked by another transaction,
/// or learning failed). Insert-only: it never waits for a lock.
pub(crate) fn enqueue(
    client: &mut SpiClient<'_>,
    swipes: &[(Uuid, Option<Uuid>, Option<String>)],
) -> Result<(), LearnError> {
    if swipes.is_empty() {
        return Ok(());
    }
    let stmt = plan(client, &ENQUEUE)?;
    let users: Vec<Uuid> = swipes.iter().map(|s| s.0).collect();
    let products: Vec<Option<Uuid>> = swipes.iter().map(|s| s.1).collect();
    let dirs: Vec<Option<String>> = swipes.iter().map(|s| s.2.clone()).collect();
    client.update(&*stmt, None, &[users.into(), products.into(), dirs.into()])?;
    Ok(())
}

/// A queued swipe of a known user: product and direction.
pub(crate) type QueuedSwipe = (Option<Uuid>, Option<String>);

/// Takes a user's queued swipes (product, direction) out of the queue, oldest first.
pub(crate) fn take_queued(
    client: &mut SpiClient<'_>,
    user: Uuid,
) -> Result<Vec<QueuedSwipe>, LearnError> {
    let stmt = plan(client, &DRAIN)?;
    let rows = client.update(&*stmt, None, &[user.into()])?;
    let mut out = Vec::new();
    for r in rows {
        out.push((r.get::<Uuid>(1)?, r.text(2)?));
    }
    Ok(out)
}

/// Writes a state's profile into the user's personality_profiles row, with a
/// 'behavior_change' history row when the primary type changed.
pub(crate) fn write_profile(
    client: &mut SpiClient<'_>,
    user: Uuid,
    st: &State,
    previous_primary: Option<Trait>,
    swipe: Option<(Option<Uuid>, learning::Direction)>,
) -> Result<(), LearnError> {
    write_profile_row(client, user, st)?;
    insert_history(client, user, st, previous_primary, swipe)
}

/// The personality_profiles row of a state's profile.
pub(crate) fn write_profile_row(
    client: &mut SpiClient<'_>,
    user: Uuid,
    st: &State,
) -> Result<(), LearnError> {
    let stmt = plan(client, &WRITE_PROFILE)?;
    let p = &st.profile;
    let (primary, secondary) = primary_and_secondary(&p.scores);
    let mut args = vec![user.into()];
    args.extend(state_args(p));
    args.push(p.confidence.into());
    args.push(primary.name().into());
    args.push(names(&secondary).into());
    client.update(&*stmt, None, &args)?;
    Ok(())
}

/// A 'behavior_change' history row when the state's primary type differs from
/// `previous_primary`.
pub(crate) fn insert_history(
    client: &mut SpiClient<'_>,
    user: Uuid,
    st: &State,
    previous_primary: Option<Trait>,
    swipe: Option<(Option<Uuid>, learning::Direction)>,
) -> Result<(), LearnError> {
    let p = &st.profile;
    let (primary, _) = primary_and_secondary(&p.scores);
    if previous_primary.is_some_and(|old| old != primary) {
        let stmt = plan(client, &INSERT_HISTORY)?;
        let mut data = json!({
            "source": "behavior",
            "previous_primary_type": previous_primary.map(|t| t.name()),
            "learning_rate": learning::effective_rate(crate::guc::LEARNING_RATE.get()),
        });
        if let Some((product, direction)) = swipe {
            data["product_id"] = json!(product.map(|p| p.to_string()));
            data["direction"] = json!(direction.as_str());
        }
        client.update(
            &*stmt,
            None,
            &[
                user.into(),
                JsonB(data).into(),
                JsonB(scores_json(p)).into(),
                primary.name().into(),
                (p.evidence.min(i32::MAX as u64) as i32).into(),
                p.consistency.into(),
            ],
        )?;
    }
    Ok(())
}
