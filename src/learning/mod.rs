//! The swipe trigger: every swipe teaches the user's profile (maths in
//! personality_core::learning and ::learning_state, rules in README "Behaviour learning").
//!
//! Hot path: one statement through a plan prepared once per backend. It updates the
//! user's narrow row of personality_learning_state (HOT: its only index is the key)
//! with `_personality_learn_step`, which also gets the product's precomputed vector,
//! and marks the matching recommendation. The wide personality_profiles row (the
//! seed's eight indexes) is written only when the step says it is due: the profile
//! changed materially, or enough swipes are pending.
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
pub mod statement_trigger;

use crate::subxact;
use personality_core::learning::{self, Profile};
use personality_core::learning_state::{self as state, State, StepOutcome, SyncPolicy};
use personality_core::scoring::{self, Mapping};
use personality_core::traits::{primary_and_secondary, Trait, Vector, ALL};
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use pgrx::{JsonB, PgBuiltInOids, PgOid, Uuid};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Why a learning step could not run. Never shown for a valid swipe (the trigger
/// turns it into a WARNING and queues the swipe); `personality_sync_profile` reports it
/// as pgrx reports an `Err`: SQLSTATE 22000 with this message.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error(transparent)]
    Spi(#[from] pgrx::spi::Error),
    /// the library was upgraded, the extension's SQL objects not yet
    #[error(
        "the extension's SQL objects are older than its library (no personality_learning_state); \
         run ALTER EXTENSION personality_ext UPDATE"
    )]
    SqlOlderThanLibrary,
    /// the extension is not installed in this database (being dropped)
    #[error("the extension personality_ext is not installed in this database")]
    NotInstalled,
}

pub(crate) struct Plans {
    /// the cache generation these plans were built in (crate::cache)
    generation: u64,
    /// the extension's schema, quoted
    pub(crate) schema: String,
    /// fallback when the product has no vector yet: the adapter view
    pub(crate) product: Option<OwnedPreparedStatement>,
    /// the hot path: learn into the state row, mark the recommendation
    learn: OwnedPreparedStatement,
    /// whether the user has a learning state row, and its length (0: a placeholder)
    probe: OwnedPreparedStatement,
    enqueue: OwnedPreparedStatement,
    drain: OwnedPreparedStatement,
    has_profile: OwnedPreparedStatement,
    placeholder: OwnedPreparedStatement,
    lock_skip: OwnedPreparedStatement,
    lock_wait: OwnedPreparedStatement,
    read_profile: OwnedPreparedStatement,
    fill_state: OwnedPreparedStatement,
    insert_profile: OwnedPreparedStatement,
    write_profile: OwnedPreparedStatement,
    history: OwnedPreparedStatement,
    pending_all: OwnedPreparedStatement,
    /// true when the user has no queued swipes and no learning the profile lacks
    nothing_pending: OwnedPreparedStatement,
    store_state: OwnedPreparedStatement,
}

thread_local! {
    static PLANS: RefCell<Option<Rc<Plans>>> = const { RefCell::new(None) };
}

/// A product's five trait affinities from its row `v` of personality_product_vectors.
pub(crate) const VECTOR_AFFINITIES: &str =
    "v.adventurous OPERATOR(pg_catalog.*) v.strength, v.intellectual OPERATOR(pg_catalog.*) v.strength, \
     v.practical OPERATOR(pg_catalog.*) v.strength, v.creative OPERATOR(pg_catalog.*) v.strength, \
     v.social OPERATOR(pg_catalog.*) v.strength";

fn oid(o: PgBuiltInOids) -> PgOid {
    PgOid::BuiltIn(o)
}

fn prepare(
    client: &SpiClient<'_>,
    sql: &str,
    args: &[PgOid],
) -> Result<OwnedPreparedStatement, pgrx::spi::Error> {
    Ok(client.prepare_mut(sql, args)?.keep())
}

/// The profile's fields the learning state starts from: the five traits and the
/// behaviour keys of personality_scores (read field by field: a jsonb through pgrx
/// would be printed and re-parsed), then confidence_level. Numbers are read as
/// numeric and clamped to +-1e300 before the cast to float8: a stored 1e400 would
/// otherwise fail every swipe of that user with 22003.
fn profile_fields_sql() -> String {
    let mut cols: Vec<String> = [
        "adventurous",
        "intellectual",
        "practical",
        "creative",
        "social",
        "behavior_evidence",
        "behavior_informative",
        "behavioral_consistency",
        "behavior_confidence",
    ]
    .iter()
    .map(|t| {
        format!(
            "CASE WHEN pg_catalog.jsonb_typeof(personality_scores OPERATOR(pg_catalog.->) '{t}') \
                       OPERATOR(pg_catalog.=) 'number' \
                  THEN pg_catalog.float8(greatest(least( \
                       pg_catalog.\"numeric\"(personality_scores OPERATOR(pg_catalog.->) '{t}'), \
                       1e300::pg_catalog.numeric), -1e300::pg_catalog.numeric)) END"
        )
    })
    .collect();
    cols.push("pg_catalog.float8(confidence_level)".into());
    cols.join(", ")
}

fn build_plans(client: &SpiClient<'_>) -> Result<Plans, LearnError> {
    let generation = crate::cache::generation();
    let schema = crate::cache::schema().ok_or(LearnError::NotInstalled)?;
    use pgrx::pg_sys::BuiltinOid::*;
    let exists = |rel: &str| -> Result<bool, pgrx::spi::Error> {
        Ok(client
            .select(
                &format!("SELECT pg_catalog.to_regclass('{schema}.{rel}') IS NOT NULL"),
                None,
                &[],
            )?
            .first()
            .get_one::<bool>()?
            .unwrap_or(false))
    };
    // A new library with the SQL objects of an older version (between installing the
    // new version and ALTER EXTENSION ... UPDATE): keep the swipes, say what to do.
    if !exists("personality_learning_queue")? {
        return Err(LearnError::SqlOlderThanLibrary);
    }
    // the adapter view only when the extension or a trusted role made it
    let has_view = client
        .select(
            &format!("SELECT {schema}._personality_features_view() IS NOT NULL"),
            None,
            &[],
        )?
        .first()
        .get_one::<bool>()?
        .unwrap_or(false);
    let product = if has_view {
        Some(prepare(
            client,
            &format!(
                "SELECT category::pg_catalog.text, tags::pg_catalog.text[] \
                   FROM {schema}.personality_product_features \
                  WHERE product_id OPERATOR(pg_catalog.=) $1"
            ),
            &[oid(UUIDOID)],
        )?)
    } else {
        None
    };
    let scores_object = "pg_catalog.jsonb_build_object('adventurous', $2::pg_catalog.float8, \
         'intellectual', $3::pg_catalog.float8, 'practical', $4::pg_catalog.float8, \
         'creative', $5::pg_catalog.float8, 'social', $6::pg_catalog.float8, \
         'behavioral_consistency', $7::pg_catalog.float8, 'behavior_evidence', $8::pg_catalog.int8, \
         'behavior_informative', $9::pg_catalog.int8, 'behavior_confidence', $10::pg_catalog.float8)";
    let scores_args = [
        oid(FLOAT8OID),
        oid(FLOAT8OID),
        oid(FLOAT8OID),
        oid(FLOAT8OID),
        oid(FLOAT8OID),
        oid(FLOAT8OID),
        oid(INT8OID),
        oid(INT8OID),
        oid(FLOAT8OID),
    ];
    let mut insert_args = vec![oid(UUIDOID)];
    insert_args.extend(scores_args);
    insert_args.extend([oid(TEXTOID), oid(FLOAT8OID)]);
    let mut write_args = vec![oid(UUIDOID)];
    write_args.extend(scores_args);
    write_args.extend([oid(FLOAT8OID), oid(TEXTOID), oid(TEXTARRAYOID)]);
    let lock = |skip: &str| {
        format!(
            "SELECT pg_catalog.cardinality(state) FROM {schema}.personality_learning_state \
              WHERE user_id OPERATOR(pg_catalog.=) $1 FOR NO KEY UPDATE {skip}"
        )
    };
    Ok(Plans {
        generation,
        schema: schema.clone(),
        product,
        // The hot path. The state row is locked without waiting: when another
        // transaction holds it, nothing is returned and the swipe is queued. The
        // update reaches the locked row by its ctid (a TID scan, not a second index
        // scan and a join). When a transaction that committed after this statement's
        // snapshot updated the row, the lock holds its newer version, which this
        // snapshot cannot see: nothing is returned either, and the swipe is queued
        // (learnt by the next step, never lost).
        learn: prepare(
            client,
            &format!(
                "WITH s AS ( \
                   UPDATE {schema}.personality_learning_state t SET \
                     state = {schema}._personality_learn_step(t.state, \
                       coalesce($3::pg_catalog.float8[], \
                         (SELECT ARRAY[{VECTOR_AFFINITIES}]::pg_catalog.float8[] \
                            FROM {schema}.personality_product_vectors v \
                           WHERE v.product_id OPERATOR(pg_catalog.=) $2)), \
                       $4, $5, $6, $7, $8), \
                     learned_at = pg_catalog.now() \
                   WHERE t.ctid OPERATOR(pg_catalog.=) ( \
                       SELECT l.ctid FROM {schema}.personality_learning_state l \
                        WHERE l.user_id OPERATOR(pg_catalog.=) $1 \
                          AND pg_catalog.cardinality(l.state) OPERATOR(pg_catalog.>) 0 \
                        FOR NO KEY UPDATE SKIP LOCKED) \
                     AND t.user_id OPERATOR(pg_catalog.=) $1 \
                   RETURNING t.state), \
                 m AS ( \
                   UPDATE {schema}.personality_recommendations SET is_swiped = true, \
                     swipe_direction = $9, interacted_at = pg_catalog.now(), updated_at = pg_catalog.now() \
                   WHERE user_id OPERATOR(pg_catalog.=) $1 AND product_id OPERATOR(pg_catalog.=) $2 \
                     AND EXISTS (SELECT 1 FROM s \
                                  WHERE s.state[19] OPERATOR(pg_catalog.<>) 2 OR s.state[19] IS NULL)) \
                 SELECT s.state, EXISTS (SELECT 1 FROM {schema}.personality_learning_queue q \
                                          WHERE q.user_id OPERATOR(pg_catalog.=) $1) \
                   FROM s"
            ),
            &[
                oid(UUIDOID),
                oid(UUIDOID),
                oid(FLOAT8ARRAYOID),
                oid(BOOLOID),
                oid(TEXTOID),
                oid(FLOAT8OID),
                oid(FLOAT8OID),
                oid(INT8OID),
                oid(TEXTOID),
            ],
        )?,
        probe: prepare(
            client,
            &format!(
                "SELECT pg_catalog.cardinality(state) FROM {schema}.personality_learning_state \
                  WHERE user_id OPERATOR(pg_catalog.=) $1"
            ),
            &[oid(UUIDOID)],
        )?,
        enqueue: prepare(
            client,
            &format!(
                "INSERT INTO {schema}.personality_learning_queue (user_id, product_id, direction) \
                 SELECT u, p, d FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[]), \
                   pg_catalog.unnest($2::pg_catalog.uuid[]), pg_catalog.unnest($3::pg_catalog.text[])) \
                   AS x(u, p, d)"
            ),
            &[oid(UUIDARRAYOID), oid(UUIDARRAYOID), oid(TEXTARRAYOID)],
        )?,
        drain: prepare(
            client,
            &format!(
                "WITH d AS (DELETE FROM {schema}.personality_learning_queue \
                             WHERE user_id OPERATOR(pg_catalog.=) $1 \
                             RETURNING product_id, direction, queued_at) \
                 SELECT product_id, direction FROM d ORDER BY queued_at"
            ),
            &[oid(UUIDOID)],
        )?,
        has_profile: prepare(
            client,
            &format!(
                "SELECT 1 FROM {schema}.personality_profiles WHERE user_id OPERATOR(pg_catalog.=) $1"
            ),
            &[oid(UUIDOID)],
        )?,
        placeholder: prepare(
            client,
            &format!(
                "INSERT INTO {schema}.personality_learning_state (user_id, state) \
                 VALUES ($1, '{{}}'::pg_catalog.float8[]) ON CONFLICT (user_id) DO NOTHING"
            ),
            &[oid(UUIDOID)],
        )?,
        lock_skip: prepare(client, &lock("SKIP LOCKED"), &[oid(UUIDOID)])?,
        lock_wait: prepare(client, &lock(""), &[oid(UUIDOID)])?,
        read_profile: prepare(
            client,
            &format!(
                "SELECT {} FROM {schema}.personality_profiles WHERE user_id OPERATOR(pg_catalog.=) $1",
                profile_fields_sql()
            ),
            &[oid(UUIDOID)],
        )?,
        fill_state: prepare(
            client,
            &format!(
                "UPDATE {schema}.personality_learning_state SET state = $2 \
                  WHERE user_id OPERATOR(pg_catalog.=) $1 \
                    AND pg_catalog.cardinality(state) OPERATOR(pg_catalog.=) 0"
            ),
            &[oid(UUIDOID), oid(FLOAT8ARRAYOID)],
        )?,
        insert_profile: prepare(
            client,
            &format!(
                "INSERT INTO {schema}.personality_profiles (user_id, primary_type, personality_scores, \
                   confidence_level, assessment_method, total_questions_answered, last_assessment_at) \
                 VALUES ($1, $11, {scores_object}, pg_catalog.round($12::pg_catalog.numeric, 2), \
                   'behavior', 0, NULL) \
                 ON CONFLICT (user_id) DO NOTHING"
            ),
            &insert_args,
        )?,
        // The method rule is learning::method_after_swipe's.
        write_profile: prepare(
            client,
            &format!(
                "UPDATE {schema}.personality_profiles SET personality_scores = \
                   CASE WHEN pg_catalog.jsonb_typeof(personality_scores) OPERATOR(pg_catalog.=) 'object' \
                        THEN personality_scores ELSE '{{}}'::pg_catalog.jsonb END \
                   OPERATOR(pg_catalog.||) {scores_object}, \
                   confidence_level = pg_catalog.round($11::pg_catalog.numeric, 2), primary_type = $12, \
                   secondary_types = $13, \
                   assessment_method = CASE WHEN assessment_method IS NULL \
                     OR pg_catalog.lower(pg_catalog.btrim(assessment_method::pg_catalog.text)) \
                        OPERATOR(pg_catalog.=) ANY ('{{\"\",behavior,behaviour}}'::pg_catalog.text[]) \
                     THEN 'behavior' ELSE 'hybrid' END, \
                   updated_at = pg_catalog.now() WHERE user_id OPERATOR(pg_catalog.=) $1"
            ),
            &write_args,
        )?,
        history: prepare(
            client,
            &format!(
                "INSERT INTO {schema}.personality_assessment_history (user_id, assessment_data, \
                   personality_scores, primary_type, assessment_trigger, questions_answered, \
                   user_swipes_count, behavioral_consistency) \
                 VALUES ($1, $2, $3, $4, 'behavior_change', 0, $5, \
                   pg_catalog.round($6::pg_catalog.numeric, 2))"
            ),
            &[oid(UUIDOID), oid(JSONBOID), oid(JSONBOID), oid(TEXTOID), oid(INT4OID), oid(FLOAT8OID)],
        )?,
        // Everyone with something pending: learning not in the profile row, or queued.
        pending_all: prepare(
            client,
            &format!(
                "SELECT user_id FROM {schema}.personality_learning_state \
                  WHERE state[6] IS DISTINCT FROM state[16] \
                 UNION \
                 SELECT user_id FROM {schema}.personality_learning_queue \
                 ORDER BY 1"
            ),
            &[],
        )?,
        nothing_pending: prepare(
            client,
            &format!(
                "SELECT NOT EXISTS (SELECT 1 FROM {schema}.personality_learning_queue q \
                                     WHERE q.user_id OPERATOR(pg_catalog.=) $1) \
                    AND NOT EXISTS (SELECT 1 FROM {schema}.personality_learning_state s \
                                     WHERE s.user_id OPERATOR(pg_catalog.=) $1 \
                                       AND (pg_catalog.cardinality(s.state) OPERATOR(pg_catalog.=) 0 \
                                            OR s.state[6] IS DISTINCT FROM s.state[16]))"
            ),
            &[oid(UUIDOID)],
        )?,
        store_state: prepare(
            client,
            &format!(
                "UPDATE {schema}.personality_learning_state SET state = $2 \
                  WHERE user_id OPERATOR(pg_catalog.=) $1"
            ),
            &[oid(UUIDOID), oid(FLOAT8ARRAYOID)],
        )?,
    })
}

pub(crate) fn plans(client: &SpiClient<'_>) -> Result<Rc<Plans>, LearnError> {
    let generation = crate::cache::generation();
    if let Some(p) = PLANS.with(|p| p.borrow().clone()) {
        if p.generation == generation {
            return Ok(p);
        }
    }
    let p = Rc::new(build_plans(client)?);
    // Without the products view (no products table yet) look again next time: the
    // view appears when the host's products table does.
    if p.product.is_some() {
        PLANS.with(|cell| *cell.borrow_mut() = Some(p.clone()));
    }
    Ok(p)
}

/// Forget the prepared plans (after an error: the extension may have been re-created).
pub fn reset_plans() {
    PLANS.with(|cell| *cell.borrow_mut() = None);
}

/// The arguments $2..$10 of the profile statements: the learning state to store.
fn state_args(p: &Profile) -> Vec<pgrx::datum::DatumWithOid<'static>> {
    let mut v: Vec<pgrx::datum::DatumWithOid<'static>> = Vec::with_capacity(9);
    for t in ALL {
        v.push(round(p.scores[t.index()], 2).into());
    }
    v.push(round(p.consistency, 4).into());
    v.push((p.evidence.min(i64::MAX as u64) as i64).into());
    v.push((p.informative.min(i64::MAX as u64) as i64).into());
    v.push(round(p.confidence, 6).into());
    v
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn scores_json(p: &Profile) -> Value {
    let mut m = Map::new();
    for t in ALL {
        m.insert(t.name().to_string(), json!(round(p.scores[t.index()], 2)));
    }
    m.insert(
        "behavioral_consistency".into(),
        json!(round(p.consistency, 4)),
    );
    m.insert("behavior_evidence".into(), json!(p.evidence));
    m.insert("behavior_informative".into(), json!(p.informative));
    m.insert("behavior_confidence".into(), json!(round(p.confidence, 6)));
    Value::Object(m)
}

fn names(ts: &[Trait]) -> Vec<String> {
    ts.iter().map(|t| t.name().to_string()).collect()
}

fn product_affinities(
    client: &SpiClient<'_>,
    plans: &Plans,
    product: Option<Uuid>,
    mappings: &[Mapping],
) -> Result<Vector, pgrx::spi::Error> {
    let (Some(product), Some(stmt)) = (product, plans.product.as_ref()) else {
        return Ok([0.0; 5]);
    };
    let row = client.select(stmt, Some(1), &[product.into()])?;
    if row.is_empty() {
        return Ok([0.0; 5]);
    }
    let row = row.first();
    let category: Option<String> = row.get(1)?;
    let tags: Option<Vec<Option<String>>> = row.get(2)?;
    let tags: Vec<String> = tags.unwrap_or_default().into_iter().flatten().collect();
    let tag_refs: Vec<&str> = tags.iter().map(String::as_str).collect();
    Ok(scoring::product_affinities(
        category.as_deref(),
        &tag_refs,
        mappings,
    ))
}

/// The settings of when the profile row is written.
pub(crate) fn sync_policy() -> SyncPolicy {
    SyncPolicy {
        points: crate::guc::PROFILE_SYNC_POINTS.get(),
        swipes: i64::from(crate::guc::PROFILE_SYNC_SWIPES.get()),
    }
}

/// One learning step of the swipe trigger (`UPDATE ... SET state =
/// _personality_learn_step(state, ...)`): learn from the swipe and say whether the
/// profile row is due. Rules: README "Behaviour learning"; layout of the array:
/// personality_core::learning_state.
#[pg_extern(immutable, parallel_safe)]
fn _personality_learn_step(
    state: Option<Vec<Option<f64>>>,
    affinities: Option<Vec<Option<f64>>>,
    lookup_missing: Option<bool>,
    direction: Option<&str>,
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
        learning::parse_direction(direction),
        rate.unwrap_or(f64::NAN),
        SyncPolicy {
            points: sync_points.unwrap_or(f64::NAN),
            swipes: sync_swipes.unwrap_or(state::DEFAULT_SYNC_SWIPES),
        },
    )
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

/// A profile for a user who has none (method 'behavior', low confidence). Run in a
/// subtransaction by the caller: it fails when the host's profiles lacks the user.
pub(crate) fn create_profile(user: Uuid) -> Result<(), LearnError> {
    Spi::connect_mut(|client| {
        let plans = plans(client)?;
        let fresh = learning::new_from_behavior();
        let (primary, _) = primary_and_secondary(&fresh.scores);
        let mut args = vec![user.into()];
        args.extend(state_args(&fresh));
        args.push(primary.name().into());
        args.push(fresh.confidence.into());
        with_short_lock_timeout(client, |c| {
            c.update(&plans.insert_profile, None, &args)?;
            Ok(())
        })?;
        Ok(())
    })
}

/// How long the trigger waits for another transaction's insert of the same user's
/// row (a learning state or a profile) before it queues the swipe instead.
const FIRST_SWIPE_WAIT: &str = "100ms";

/// Runs `f` with lock_timeout at most [`FIRST_SWIPE_WAIT`], then restores it.
fn with_short_lock_timeout<T>(
    client: &mut SpiClient<'_>,
    f: impl FnOnce(&mut SpiClient<'_>) -> Result<T, pgrx::spi::Error>,
) -> Result<T, pgrx::spi::Error> {
    let old: String = client
        .select(
            "SELECT pg_catalog.current_setting('lock_timeout')",
            None,
            &[],
        )?
        .first()
        .get_one::<String>()?
        .unwrap_or_default();
    let set = |c: &mut SpiClient<'_>, v: &str| -> Result<(), pgrx::spi::Error> {
        c.update(
            "SELECT pg_catalog.set_config('lock_timeout', $1, true)",
            None,
            &[v.into()],
        )?;
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

/// Makes sure the user has a filled learning state row and locks it (waiting for
/// another transaction's lock only when `wait`). A placeholder row is inserted and
/// locked first, and the profile is read afterwards in a statement of its own (a new
/// snapshot), so a personality_assess that committed meanwhile is what the state is
/// built from. Run in a subtransaction by the trigger (the profile may vanish).
pub(crate) fn init_state(
    client: &mut SpiClient<'_>,
    plans: &Plans,
    user: Uuid,
    wait: bool,
) -> Result<Init, pgrx::spi::Error> {
    if client
        .select(&plans.has_profile, Some(1), &[user.into()])?
        .is_empty()
    {
        return Ok(Init::NoProfile);
    }
    if wait {
        client.update(&plans.placeholder, None, &[user.into()])?;
    } else {
        // The insert waits for another transaction inserting the same user's row: two
        // first swipes in opposite orders would deadlock. Wait briefly, then give up
        // (the caller's subtransaction rolls back and the swipe is queued).
        with_short_lock_timeout(client, |c| {
            c.update(&plans.placeholder, None, &[user.into()])?;
            Ok(())
        })?;
    }
    let lock = if wait {
        &plans.lock_wait
    } else {
        &plans.lock_skip
    };
    let locked = client.update(lock, Some(1), &[user.into()])?;
    if locked.is_empty() {
        return Ok(if wait { Init::NoProfile } else { Init::Locked });
    }
    if locked.first().get::<i32>(1)?.unwrap_or(0) > 0 {
        return Ok(Init::Ready);
    }
    let row = client.select(&plans.read_profile, Some(1), &[user.into()])?;
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
    client.update(&plans.fill_state, None, &[user.into(), encoded.into()])?;
    Ok(Init::Ready)
}

/// A product's affinities from the catalog view and the mappings, for products without
/// a precomputed vector. Run in a subtransaction by the caller: an operator's view may fail.
pub fn fallback_affinities(product: Option<Uuid>) -> Result<Vector, LearnError> {
    // the loader personality_product_traits uses (cached per statement)
    let mappings = crate::scoring::mappings();
    Spi::connect(|client| {
        let plans = plans(client)?;
        Ok(product_affinities(client, &plans, product, &mappings)?)
    })
}

/// Writes a state's profile into the user's personality_profiles row, with a
/// 'behavior_change' history row when the primary type changed.
fn write_profile(
    client: &mut SpiClient<'_>,
    plans: &Plans,
    user: Uuid,
    st: &State,
    previous_primary: Option<Trait>,
    swipe: Option<(Option<Uuid>, learning::Direction)>,
) -> Result<(), pgrx::spi::Error> {
    write_profile_row(client, plans, user, st)?;
    insert_history(client, plans, user, st, previous_primary, swipe)
}

/// The personality_profiles row of a state's profile.
pub(crate) fn write_profile_row(
    client: &mut SpiClient<'_>,
    plans: &Plans,
    user: Uuid,
    st: &State,
) -> Result<(), pgrx::spi::Error> {
    let p = &st.profile;
    let (primary, secondary) = primary_and_secondary(&p.scores);
    let mut args = vec![user.into()];
    args.extend(state_args(p));
    args.push(p.confidence.into());
    args.push(primary.name().into());
    args.push(names(&secondary).into());
    client.update(&plans.write_profile, None, &args)?;
    Ok(())
}

/// A 'behavior_change' history row when the state's primary type differs from
/// `previous_primary`.
pub(crate) fn insert_history(
    client: &mut SpiClient<'_>,
    plans: &Plans,
    user: Uuid,
    st: &State,
    previous_primary: Option<Trait>,
    swipe: Option<(Option<Uuid>, learning::Direction)>,
) -> Result<(), pgrx::spi::Error> {
    let p = &st.profile;
    let (primary, _) = primary_and_secondary(&p.scores);
    if previous_primary.is_some_and(|old| old != primary) {
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
            &plans.history,
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
        let plans = plans(client)?;
        let lookup_missing =
            known_affinities.is_none() && product.is_some() && plans.product.is_some();
        let args = vec![
            user.into(),
            product.into(),
            known_affinities.map(|a| a.to_vec()).into(),
            lookup_missing.into(),
            raw_direction.map(str::to_string).into(),
            rate.into(),
            policy.points.into(),
            policy.swipes.into(),
            direction.as_str().map(str::to_string).into(),
        ];
        let learned = client.update(&plans.learn, Some(1), &args)?;
        if learned.is_empty() {
            // no row, a placeholder, or another transaction's lock
            let probe = client.select(&plans.probe, Some(1), &[user.into()])?;
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
                write_profile(
                    client,
                    &plans,
                    user,
                    &st,
                    previous,
                    Some((product, direction)),
                )?;
                Ok(Step::Learned { queued })
            }
        }
    })
}

/// Queues swipes to be learnt later (the state row is locked by another transaction,
/// or learning failed). Insert-only: it never waits for a lock.
pub(crate) fn enqueue(
    client: &mut SpiClient<'_>,
    plans: &Plans,
    swipes: &[(Uuid, Option<Uuid>, Option<String>)],
) -> Result<(), pgrx::spi::Error> {
    if swipes.is_empty() {
        return Ok(());
    }
    let users: Vec<Uuid> = swipes.iter().map(|s| s.0).collect();
    let products: Vec<Option<Uuid>> = swipes.iter().map(|s| s.1).collect();
    let dirs: Vec<Option<String>> = swipes.iter().map(|s| s.2.clone()).collect();
    client.update(
        &plans.enqueue,
        None,
        &[users.into(), products.into(), dirs.into()],
    )?;
    Ok(())
}

/// Queues one swipe in a subtransaction; a WARNING when even that fails.
fn enqueue_or_warn(user: Uuid, product: Option<Uuid>, direction: Option<&str>) {
    let direction = direction.map(str::to_string);
    guarded("queueing the swipe", move || {
        Spi::connect_mut(|client| {
            let plans = plans(client)?;
            Ok(enqueue(client, &plans, &[(user, product, direction)])?)
        })
    });
}

/// One swipe learnt with every fallback (a product's traits from the catalog), in the
/// state row this transaction already holds or can take without waiting.
fn learn_one(
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
                        fallback_affinities(product)
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
    let queued: Vec<(Option<Uuid>, Option<String>)> = Spi::connect_mut(|client| {
        let plans = plans(client)?;
        let rows = client.update(&plans.drain, None, &[user.into()])?;
        let mut out = Vec::new();
        for r in rows {
            out.push((r.get::<Uuid>(1)?, r.get::<String>(2)?));
        }
        Ok::<_, LearnError>(out)
    })?;
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
        Spi::connect_mut(|client| {
            let plans = plans(client)?;
            Ok::<_, LearnError>(enqueue(client, &plans, &back)?)
        })?;
    }
    Ok(n)
}

/// Locks the user's learning state (waiting), builds it when missing, learns the
/// queued swipes and writes pending learning into the profile row. Returns whether a
/// profile row was written.
fn sync_user(user: Uuid) -> Result<bool, LearnError> {
    let ready = Spi::connect_mut(|client| {
        let plans = plans(client)?;
        // The common case, without a lock or a write: nothing pending, nothing queued.
        let quick = client.select(&plans.nothing_pending, Some(1), &[user.into()])?;
        if quick.first().get::<bool>(1)?.unwrap_or(false) {
            return Ok::<_, LearnError>(false);
        }
        Ok(init_state(client, &plans, user, true)? == Init::Ready)
    })?;
    if !ready {
        return Ok(false); // no profile: queued swipes wait for one
    }
    drain_queued(user)?;
    Spi::connect_mut(|client| {
        let plans = plans(client)?;
        let rows = client.select(&plans.lock_wait, Some(1), &[user.into()])?;
        if rows.is_empty() {
            return Ok(false);
        }
        let stored = client
            .select(
                &format!(
                    "SELECT state FROM {}.personality_learning_state \
                      WHERE user_id OPERATOR(pg_catalog.=) $1",
                    plans.schema
                ),
                Some(1),
                &[user.into()],
            )?
            .first()
            .get::<Vec<Option<f64>>>(1)?
            .unwrap_or_default();
        let st = State::decode(&stored);
        if st.pending() == 0 && stored.get(5) == stored.get(15) {
            return Ok(false);
        }
        let synced = st.mark_synced();
        let encoded = synced.encode(StepOutcome::Learned, synced.synced_primary);
        client.update(&plans.store_state, None, &[user.into(), encoded.into()])?;
        write_profile(client, &plans, user, &synced, Some(st.synced_primary), None)?;
        Ok(true)
    })
}

/// Applies queued swipes and writes pending learning into personality_profiles: for
/// one user, or for every user when NULL. Returns the number of profiles written.
/// Called by personality_sync_profile (which checks the caller), personality_assess
/// and personality_recommend.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn _personality_sync_profiles(p_user_id: Option<Uuid>) -> Result<i64, LearnError> {
    let users: Vec<Uuid> = match p_user_id {
        Some(u) => vec![u],
        None => Spi::connect(|client| {
            let plans = plans(client)?;
            let mut out = Vec::new();
            for r in client.select(&plans.pending_all, None, &[])? {
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

/// The direction column of the inserted row as text: text, varchar, char and name
/// columns as they are, enums by their label (their output functions are
/// Postgres's own). A column of any other type reads as NULL: its output or cast
/// could be a caller's function, and this runs with the owner's rights.
///
/// # Safety
/// `tdata` is the trigger data of the current call of a row-level trigger.
unsafe fn direction_of(tdata: *const pg_sys::TriggerData, column: &str) -> Option<String> {
    let rel = (*tdata).tg_relation;
    let tupdesc = (*rel).rd_att;
    let name = std::ffi::CString::new(column).ok()?;
    let attnum = pg_sys::SPI_fnumber(tupdesc, name.as_ptr());
    if attnum <= 0 {
        return None;
    }
    let typ = pg_sys::getBaseType(pg_sys::SPI_gettypeid(tupdesc, attnum));
    use pgrx::pg_sys::BuiltinOid::*;
    let builtin = [TEXTOID, VARCHAROID, BPCHAROID, NAMEOID]
        .iter()
        .any(|o| pg_sys::Oid::from(*o) == typ);
    if !builtin && !pg_sys::type_is_enum(typ) {
        return None;
    }
    let value = pg_sys::SPI_getvalue((*tdata).tg_trigtuple, tupdesc, attnum);
    if value.is_null() {
        return None;
    }
    let out = std::ffi::CStr::from_ptr(value)
        .to_string_lossy()
        .into_owned();
    pg_sys::pfree(value.cast());
    Some(out)
}

/// Whether a trigger call is one the extension set up: its trigger is named
/// update_personality_from_swipes and its table is permanent (personality_attach_behavior
/// creates nothing else; EXECUTE on the trigger functions is not granted to anyone).
///
/// # Safety
/// `tdata` is the trigger data of the current call.
pub(crate) unsafe fn fires_where_attached(tdata: *const pg_sys::TriggerData) -> bool {
    let rel = (*tdata).tg_relation;
    let trigger = (*tdata).tg_trigger;
    if rel.is_null() || trigger.is_null() || (*trigger).tgname.is_null() {
        return false;
    }
    let name = std::ffi::CStr::from_ptr((*trigger).tgname);
    name.to_bytes() == b"update_personality_from_swipes"
        && (*(*rel).rd_rel).relpersistence != pg_sys::RELPERSISTENCE_TEMP as std::ffi::c_char
}

/// The seed's trigger function, now learning for real. Attach it with
/// `personality_attach_behavior('swipes')`; its first trigger argument names the
/// direction column.
#[pg_trigger]
fn update_personality_from_behavior<'a>(
    trigger: &'a pgrx::PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, pgrx::PgTriggerError> {
    let Some(new) = trigger.new() else {
        return Ok(None);
    };
    let tdata = trigger.trigger_data() as *const pg_sys::TriggerData;
    // SAFETY: the trigger data of this call.
    if !unsafe { fires_where_attached(tdata) } {
        warning!("personality_ext: update_personality_from_behavior() ignored: it learns only as trigger update_personality_from_swipes on a permanent table (personality_attach_behavior)");
        return Ok(Some(new));
    }
    let direction_column = trigger
        .extra_args()
        .ok()
        .and_then(|a| a.into_iter().next())
        .unwrap_or_else(|| "direction".to_string());
    // user_id and product_id are uuid (checked when attaching); another type reads as
    // NULL: the swipe is still kept.
    let user: Option<Uuid> = new.get_by_name::<Uuid>("user_id").ok().flatten();
    let product: Option<Uuid> = new.get_by_name::<Uuid>("product_id").ok().flatten();
    // SAFETY: the trigger data of this row-level call.
    let direction = unsafe { direction_of(tdata, &direction_column) };
    if let Some(user) = user {
        learn_or_queue(user, product, direction.as_deref());
    }
    Ok(Some(new))
}

/// Runs a fallible step in a subtransaction; on failure, a WARNING and None.
pub(crate) fn guarded<T>(
    what: &str,
    f: impl FnOnce() -> Result<T, LearnError> + std::panic::UnwindSafe,
) -> Option<T> {
    match subxact::run(f) {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) => {
            reset_plans();
            warning!("personality_ext: swipe kept, learning postponed ({what}): {e}");
            None
        }
        Err(caught) => {
            reset_plans();
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

/// Learns from one swipe now, or queues it to be learnt later; never fails the swipe
/// for a reason of its own.
fn learn_or_queue(user: Uuid, product: Option<Uuid>, direction: Option<&str>) {
    let mut profile_created = false;
    // At most: build the state (creating the profile first), learn.
    for _ in 0..3 {
        let step = match learn_one(user, product, direction) {
            Ok(step) => step,
            Err(e) => {
                reset_plans();
                warning!("personality_ext: swipe kept, learning postponed: {e}");
                break;
            }
        };
        match step {
            Step::Learned { queued } => {
                if queued {
                    guarded("learning queued swipes", move || drain_queued(user));
                }
                return;
            }
            Step::Locked | Step::NoVector => break,
            Step::NoState => {
                let init = guarded("building the learning state", move || {
                    Spi::connect_mut(|client| {
                        let plans = plans(client)?;
                        Ok(init_state(client, &plans, user, false)?)
                    })
                });
                match init {
                    Some(Init::Ready) => continue,
                    Some(Init::NoProfile) if !profile_created => {
                        profile_created = true;
                        if guarded("creating a profile", move || create_profile(user)).is_none() {
                            break;
                        }
                    }
                    _ => break,
                }
            }
        }
    }
    enqueue_or_warn(user, product, direction);
}
