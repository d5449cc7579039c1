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
//! Rare paths: a user without a learning state gets one from their profile row (under
//! the per-user advisory lock personality_assess takes); a user without a profile gets
//! one (in a subtransaction: the host may lack the user); a product without a vector is
//! looked up in the catalog view (in a subtransaction: an operator's view may fail).
//! Those failures become WARNINGs; the swipe itself is kept.
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

/// Why a learning step could not run.
#[derive(Debug)]
pub enum LearnError {
    Spi(pgrx::spi::Error),
    /// the library was upgraded, the extension's SQL objects not yet
    SqlOlderThanLibrary,
}

impl From<pgrx::spi::Error> for LearnError {
    fn from(e: pgrx::spi::Error) -> Self {
        LearnError::Spi(e)
    }
}

impl std::fmt::Display for LearnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LearnError::Spi(e) => e.fmt(f),
            LearnError::SqlOlderThanLibrary => f.write_str(
                "the extension's SQL objects are older than its library (no personality_learning_state); \
                 run ALTER EXTENSION personality_ext UPDATE",
            ),
        }
    }
}

pub(crate) struct Plans {
    /// the extension's schema, quoted
    pub(crate) schema: String,
    /// fallback when the product has no vector yet: the adapter view
    pub(crate) product: Option<OwnedPreparedStatement>,
    /// the hot path: learn into the state row, mark the recommendation
    learn: OwnedPreparedStatement,
    lock_user: OwnedPreparedStatement,
    read_profile: OwnedPreparedStatement,
    insert_state: OwnedPreparedStatement,
    insert_profile: OwnedPreparedStatement,
    write_profile: OwnedPreparedStatement,
    history: OwnedPreparedStatement,
    pending_one: OwnedPreparedStatement,
    pending_all: OwnedPreparedStatement,
    store_state: OwnedPreparedStatement,
}

thread_local! {
    static PLANS: RefCell<Option<Rc<Plans>>> = const { RefCell::new(None) };
}

/// A product's five trait affinities from its row `v` of personality_product_vectors.
pub(crate) const VECTOR_AFFINITIES: &str =
    "v.adventurous * v.strength, v.intellectual * v.strength, \
     v.practical * v.strength, v.creative * v.strength, v.social * v.strength";

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
/// would be printed and re-parsed), then confidence_level.
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
            "CASE WHEN jsonb_typeof(personality_scores->'{t}') = 'number' \
                  THEN (personality_scores->>'{t}')::float8 END"
        )
    })
    .collect();
    cols.push("confidence_level::float8".into());
    cols.join(", ")
}

fn build_plans(client: &SpiClient<'_>) -> Result<Plans, LearnError> {
    let schema: String = client
        .select(
            "SELECT quote_ident(n.nspname) FROM pg_extension e \
             JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'personality_ext'",
            None,
            &[],
        )?
        .first()
        .get_one::<String>()?
        .unwrap_or_else(|| "public".to_string());
    use pgrx::pg_sys::BuiltinOid::*;
    let has_view = client
        .select(
            &format!("SELECT to_regclass('{schema}.personality_product_features') IS NOT NULL"),
            None,
            &[],
        )?
        .first()
        .get_one::<bool>()?
        .unwrap_or(false);
    // A new library with the SQL objects of 0.1.0 (between installing the new version
    // and ALTER EXTENSION ... UPDATE): keep the swipes, say what to do.
    let current = client
        .select(
            &format!("SELECT to_regclass('{schema}.personality_learning_state') IS NOT NULL"),
            None,
            &[],
        )?
        .first()
        .get_one::<bool>()?
        .unwrap_or(false);
    if !current {
        return Err(LearnError::SqlOlderThanLibrary);
    }
    let product = if has_view {
        Some(prepare(
            client,
            &format!("SELECT category::text, tags::text[] FROM {schema}.personality_product_features WHERE product_id = $1"),
            &[oid(UUIDOID)],
        )?)
    } else {
        None
    };
    let scores_object =
        "jsonb_build_object('adventurous', $2::float8, 'intellectual', $3::float8, \
         'practical', $4::float8, 'creative', $5::float8, 'social', $6::float8, \
         'behavioral_consistency', $7::float8, 'behavior_evidence', $8::bigint, \
         'behavior_informative', $9::bigint, 'behavior_confidence', $10::float8)";
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
    Ok(Plans {
        schema: schema.clone(),
        product,
        learn: prepare(
            client,
            &format!(
                "WITH s AS ( \
                   UPDATE {schema}.personality_learning_state SET \
                     state = {schema}._personality_learn_step(state, \
                       coalesce($3::float8[], (SELECT ARRAY[{VECTOR_AFFINITIES}]::float8[] \
                         FROM {schema}.personality_product_vectors v WHERE v.product_id = $2)), \
                       $4, $5, $6, $7, $8), \
                     learned_at = now() \
                   WHERE user_id = $1 RETURNING state), \
                 m AS ( \
                   UPDATE {schema}.personality_recommendations SET is_swiped = true, \
                     swipe_direction = $9, interacted_at = now(), updated_at = now() \
                   WHERE user_id = $1 AND product_id = $2 \
                     AND EXISTS (SELECT 1 FROM s WHERE s.state[19] IS DISTINCT FROM 2)) \
                 SELECT state FROM s"
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
        // The key personality_assess locks: a state is (re)built from the profile
        // row only when no assessment of the user is running.
        lock_user: prepare(
            client,
            "SELECT pg_advisory_xact_lock(hashtextextended('personality_ext:' || $1::text, 0))",
            &[oid(UUIDOID)],
        )?,
        read_profile: prepare(
            client,
            &format!(
                "SELECT {} FROM {schema}.personality_profiles WHERE user_id = $1",
                profile_fields_sql()
            ),
            &[oid(UUIDOID)],
        )?,
        insert_state: prepare(
            client,
            &format!(
                "INSERT INTO {schema}.personality_learning_state (user_id, state) VALUES ($1, $2) \
                 ON CONFLICT (user_id) DO NOTHING"
            ),
            &[oid(UUIDOID), oid(FLOAT8ARRAYOID)],
        )?,
        insert_profile: prepare(
            client,
            &format!(
                "INSERT INTO {schema}.personality_profiles (user_id, primary_type, personality_scores, \
                   confidence_level, assessment_method, total_questions_answered, last_assessment_at) \
                 VALUES ($1, $11, {scores_object}, round($12::numeric, 2), 'behavior', 0, NULL) \
                 ON CONFLICT (user_id) DO NOTHING"
            ),
            &insert_args,
        )?,
        // The method rule is learning::method_after_swipe's.
        write_profile: prepare(
            client,
            &format!(
                "UPDATE {schema}.personality_profiles SET personality_scores = \
                   CASE WHEN jsonb_typeof(personality_scores) = 'object' THEN personality_scores ELSE '{{}}'::jsonb END \
                   || {scores_object}, \
                   confidence_level = round($11::numeric, 2), primary_type = $12, secondary_types = $13, \
                   assessment_method = CASE WHEN assessment_method IS NULL \
                     OR lower(btrim(assessment_method)) IN ('', 'behavior', 'behaviour') \
                     THEN 'behavior' ELSE 'hybrid' END, \
                   updated_at = now() WHERE user_id = $1"
            ),
            &write_args,
        )?,
        history: prepare(
            client,
            &format!(
                "INSERT INTO {schema}.personality_assessment_history (user_id, assessment_data, \
                   personality_scores, primary_type, assessment_trigger, questions_answered, \
                   user_swipes_count, behavioral_consistency) \
                 VALUES ($1, $2, $3, $4, 'behavior_change', 0, $5, round($6::numeric, 2))"
            ),
            &[oid(UUIDOID), oid(JSONBOID), oid(JSONBOID), oid(TEXTOID), oid(INT4OID), oid(FLOAT8OID)],
        )?,
        // One user (by the key) or everyone: two plans, so that the one-user plan
        // never becomes a scan of the whole table.
        pending_one: prepare(
            client,
            &format!(
                "SELECT user_id, state FROM {schema}.personality_learning_state \
                  WHERE user_id = $1 AND state[6] IS DISTINCT FROM state[16] FOR UPDATE"
            ),
            &[oid(UUIDOID)],
        )?,
        pending_all: prepare(
            client,
            &format!(
                "SELECT user_id, state FROM {schema}.personality_learning_state \
                  WHERE state[6] IS DISTINCT FROM state[16] ORDER BY user_id FOR UPDATE"
            ),
            &[],
        )?,
        store_state: prepare(
            client,
            &format!(
                "UPDATE {schema}.personality_learning_state SET state = $2 WHERE user_id = $1"
            ),
            &[oid(UUIDOID), oid(FLOAT8ARRAYOID)],
        )?,
    })
}

pub(crate) fn plans(client: &SpiClient<'_>) -> Result<Rc<Plans>, LearnError> {
    if let Some(p) = PLANS.with(|p| p.borrow().clone()) {
        return Ok(p);
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
    Learned,
    /// the user has no learning state yet (build it from the profile, then learn)
    NoState,
    /// the product has no precomputed vector (look its traits up, then learn)
    NoVector,
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
        client.update(&plans.insert_profile, None, &args)?;
        Ok(())
    })
}

/// Builds the user's learning state from their profile row, under the lock
/// personality_assess takes. False when the user has no profile.
pub(crate) fn init_state(
    client: &mut SpiClient<'_>,
    plans: &Plans,
    user: Uuid,
) -> Result<bool, pgrx::spi::Error> {
    client.update(&plans.lock_user, None, &[user.into()])?;
    // a new statement: it sees an assessment that committed while we waited
    let row = client.select(&plans.read_profile, Some(1), &[user.into()])?;
    if row.is_empty() {
        return Ok(false);
    }
    let row = row.first();
    let mut fields: Vec<Option<f64>> = Vec::with_capacity(10);
    for i in 1..=10 {
        fields.push(row.get::<f64>(i)?);
    }
    let st = state::from_profile_fields(&fields);
    let encoded = st.encode(StepOutcome::Learned, st.synced_primary);
    client.update(&plans.insert_state, None, &[user.into(), encoded.into()])?;
    Ok(true)
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
        let args = || {
            vec![
                user.into(),
                product.into(),
                known_affinities.map(|a| a.to_vec()).into(),
                lookup_missing.into(),
                raw_direction.map(str::to_string).into(),
                rate.into(),
                policy.points.into(),
                policy.swipes.into(),
                direction.as_str().map(str::to_string).into(),
            ]
        };
        let mut learned = client.update(&plans.learn, Some(1), &args())?;
        if learned.is_empty() {
            if !init_state(client, &plans, user)? {
                return Ok(Step::NoState);
            }
            learned = client.update(&plans.learn, Some(1), &args())?;
            if learned.is_empty() {
                return Ok(Step::NoState);
            }
        }
        let Some(encoded) = learned.first().get::<Vec<f64>>(1)? else {
            return Ok(Step::Learned);
        };
        match state::outcome_of(&encoded) {
            StepOutcome::Learned => Ok(Step::Learned),
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
                Ok(Step::Learned)
            }
        }
    })
}

/// Writes pending learning into personality_profiles: for one user, or for every user
/// when NULL. Returns the number of profiles written. Called by
/// personality_sync_profile (which checks the caller), personality_assess and
/// personality_recommend.
#[pg_extern(volatile, parallel_unsafe)]
fn _personality_sync_profiles(p_user_id: Option<Uuid>) -> Result<i64, LearnError> {
    Spi::connect_mut(|client| {
        let plans = plans(client)?;
        let rows = match p_user_id {
            Some(user) => client.update(&plans.pending_one, None, &[user.into()])?,
            None => client.update(&plans.pending_all, None, &[])?,
        };
        let mut pending: Vec<(Uuid, Vec<Option<f64>>)> = Vec::new();
        for row in rows {
            if let (Some(u), Some(s)) = (row.get::<Uuid>(1)?, row.get::<Vec<Option<f64>>>(2)?) {
                pending.push((u, s));
            }
        }
        let mut written = 0i64;
        for (user, stored) in pending {
            let st = State::decode(&stored);
            let synced = st.mark_synced();
            let encoded = synced.encode(StepOutcome::Learned, synced.synced_primary);
            client.update(&plans.store_state, None, &[user.into(), encoded.into()])?;
            write_profile(client, &plans, user, &synced, Some(st.synced_primary), None)?;
            written += 1;
        }
        Ok(written)
    })
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
    let direction_column = trigger
        .extra_args()
        .ok()
        .and_then(|a| a.into_iter().next())
        .unwrap_or_else(|| "direction".to_string());
    // A column of another type (or none) reads as NULL: the swipe is still kept.
    let user: Option<Uuid> = new.get_by_name::<Uuid>("user_id").ok().flatten();
    let product: Option<Uuid> = new.get_by_name::<Uuid>("product_id").ok().flatten();
    let direction: Option<String> = new.get_by_name::<String>(&direction_column).ok().flatten();
    if let Some(user) = user {
        learn_or_warn(user, product, direction.as_deref());
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
            warning!("personality_ext: swipe kept, but not learned from ({what}): {e}");
            None
        }
        Err(caught) => {
            reset_plans();
            if subxact::must_rethrow(&caught) {
                (*caught).rethrow();
            }
            let (code, msg) = subxact::describe(&caught);
            warning!("personality_ext: swipe kept, but not learned from ({what}, {code}): {msg}");
            None
        }
    }
}

fn learn_or_warn(user: Uuid, product: Option<Uuid>, direction: Option<&str>) {
    let mut known: Option<Vector> = None;
    let mut profile_created = false;
    // At most: create the profile, fetch the product's traits, learn.
    for _ in 0..4 {
        let step = match learn_from_swipe(user, product, direction, known) {
            Ok(step) => step,
            Err(e) => {
                reset_plans();
                warning!("personality_ext: swipe kept, but not learned from: {e}");
                return;
            }
        };
        match step {
            Step::Learned => return,
            Step::NoState => {
                if profile_created
                    || guarded("creating a profile", move || create_profile(user)).is_none()
                {
                    return;
                }
                profile_created = true;
            }
            Step::NoVector => {
                known = Some(
                    guarded("reading the product's traits", move || {
                        fallback_affinities(product)
                    })
                    .unwrap_or([0.0; 5]),
                );
            }
        }
    }
}
