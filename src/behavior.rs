//! The swipe trigger: every swipe teaches the user's profile (maths in
//! personality_core::learning, rules in README "Behaviour learning").
//!
//! Hot path: two statements through plans prepared once per backend: the profile locked
//! together with the product's precomputed vector, then the profile update together
//! with the recommendation mark. The steps that can fail on valid input (creating a
//! profile for a user the host lacks, reading the catalog view for a product without a
//! vector) run in subtransactions and become WARNINGs; the swipe itself is kept.
use crate::subxact;
use personality_core::learning::{self, Profile};
use personality_core::scoring::{self, Mapping};
use personality_core::traits::{Trait, Vector, ALL};
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use pgrx::{JsonB, PgBuiltInOids, PgOid, Uuid};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::rc::Rc;

struct Plans {
    /// fallback when the product has no vector yet: the adapter view
    product: Option<OwnedPreparedStatement>,
    lock_profile: OwnedPreparedStatement,
    insert_profile: OwnedPreparedStatement,
    update_and_mark: OwnedPreparedStatement,
    history: OwnedPreparedStatement,
}

thread_local! {
    static PLANS: RefCell<Option<Rc<Plans>>> = const { RefCell::new(None) };
}

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

fn build_plans(client: &SpiClient<'_>) -> Result<Plans, pgrx::spi::Error> {
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
    let product = if has_view {
        Some(prepare(
            client,
            &format!("SELECT category::text, tags::text[] FROM {schema}.personality_product_features WHERE product_id = $1"),
            &[oid(UUIDOID)],
        )?)
    } else {
        None
    };
    let trait_col = |t: &str| {
        format!(
            "CASE WHEN jsonb_typeof(personality_scores->'{t}') = 'number' \
                  THEN (personality_scores->>'{t}')::float8 END"
        )
    };
    let profile_cols: Vec<String> = [
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
    .map(|t| trait_col(t))
    .collect();
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
    let mut update_args = vec![oid(UUIDOID)];
    update_args.extend(scores_args);
    update_args.extend([
        oid(FLOAT8OID),
        oid(TEXTOID),
        oid(TEXTARRAYOID),
        oid(TEXTOID),
    ]);
    Ok(Plans {
        product,
        // Read field by field (a jsonb through pgrx would be printed and re-parsed).
        // ... and the product's precomputed affinities in the same statement.
        lock_profile: prepare(
            client,
            &format!(
                "SELECT p.id, {}, p.confidence_level::float8, p.assessment_method::text, p.primary_type::text, \
                        v.adventurous * v.strength, v.intellectual * v.strength, v.practical * v.strength, \
                        v.creative * v.strength, v.social * v.strength, v.product_id IS NOT NULL \
                   FROM {schema}.personality_profiles p \
                   LEFT JOIN {schema}.personality_product_vectors v ON v.product_id = $2 \
                  WHERE p.user_id = $1 FOR UPDATE OF p",
                profile_cols.join(", ")
            ),
            &[oid(UUIDOID), oid(UUIDOID)],
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
        // The profile update and the recommendation mark in one statement.
        update_and_mark: prepare(
            client,
            &format!(
                "WITH learned AS ( \
                   UPDATE {schema}.personality_profiles SET personality_scores = \
                     CASE WHEN jsonb_typeof(personality_scores) = 'object' THEN personality_scores ELSE '{{}}'::jsonb END \
                     || {scores_object}, \
                     confidence_level = round($11::numeric, 2), primary_type = $12, secondary_types = $13, \
                     assessment_method = $14, updated_at = now() WHERE id = $1 RETURNING id) \
                 UPDATE {schema}.personality_recommendations SET is_swiped = true, swipe_direction = $16, \
                   interacted_at = now(), updated_at = now() \
                  WHERE user_id = $15 AND product_id = $17 AND EXISTS (SELECT 1 FROM learned)"
            ),
            &{
                let mut a = update_args.clone();
                a.extend([oid(UUIDOID), oid(TEXTOID), oid(UUIDOID)]);
                a
            },
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
    })
}

fn plans(client: &SpiClient<'_>) -> Result<Rc<Plans>, pgrx::spi::Error> {
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

/// The learning state from the locked profile row (columns 2..=13 of lock_profile).
fn profile_from(fields: &[Option<f64>; 9], confidence: Option<f64>) -> Profile {
    let mut p = learning::new_from_behavior();
    for t in ALL {
        if let Some(x) = fields[t.index()] {
            p.scores[t.index()] = x;
        }
    }
    p.evidence = fields[5].unwrap_or(0.0).max(0.0) as u64;
    p.informative = fields[6].unwrap_or(0.0).max(0.0) as u64;
    if let Some(c) = fields[7] {
        p.consistency = c;
    }
    // confidence_level has two decimals; the unrounded value learning works on is kept
    // in behavior_confidence while it still agrees with the column (an assessment
    // sets the column and drops the key).
    match (confidence, fields[8]) {
        (Some(c), Some(exact)) if (exact - c).abs() < 0.006 => p.confidence = exact,
        (Some(c), _) => p.confidence = c,
        (None, Some(exact)) => p.confidence = exact,
        (None, None) => {}
    }
    p
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

/// What a learning step found.
pub enum Step {
    Learned,
    /// the user has no profile yet (create one, then learn)
    NoProfile,
    /// the product has no precomputed vector (look its traits up, then learn)
    NoVector,
}

/// A profile for a user who has none (method 'behavior', low confidence). Run in a
/// subtransaction by the caller: it fails when the host's profiles lacks the user.
pub fn create_profile(user: Uuid) -> Result<(), pgrx::spi::Error> {
    Spi::connect_mut(|client| {
        let plans = plans(client)?;
        let fresh = learning::new_from_behavior();
        let (primary, _) = personality_core::traits::primary_and_secondary(&fresh.scores);
        let mut args = vec![user.into()];
        args.extend(state_args(&fresh));
        args.push(primary.name().into());
        args.push(fresh.confidence.into());
        client.update(&plans.insert_profile, None, &args)?;
        Ok(())
    })
}

/// A product's affinities from the catalog view and the mappings, for products without
/// a precomputed vector. Run in a subtransaction by the caller: an operator's view may fail.
pub fn fallback_affinities(product: Option<Uuid>) -> Result<Vector, pgrx::spi::Error> {
    // the loader personality_product_traits uses (cached per statement)
    let mappings = crate::scoring::mappings();
    Spi::connect(|client| {
        let plans = plans(client)?;
        product_affinities(client, &plans, product, &mappings)
    })
}

/// One learning step for (user, product, direction): lock the profile, learn, store,
/// mark the recommendation. It runs in the swipe's own transaction, not in a
/// subtransaction: locking and updating a row from one subtransaction per swipe makes
/// Postgres create a MultiXact per swipe when one transaction records many swipes of a
/// user (a bulk INSERT slowed down quadratically). The steps that can fail on valid
/// input (creating a profile for a user the host lacks, an operator's catalog view)
/// are done by the caller in subtransactions, before this.
pub fn learn_from_swipe(
    user: Uuid,
    product: Option<Uuid>,
    raw_direction: Option<&str>,
    known_affinities: Option<Vector>,
) -> Result<Step, pgrx::spi::Error> {
    let direction = learning::parse_direction(raw_direction);
    let rate = crate::guc::LEARNING_RATE.get();
    Spi::connect_mut(|client| {
        let plans = plans(client)?;
        let locked = client.update(&plans.lock_profile, Some(1), &[user.into(), product.into()])?;
        if locked.is_empty() {
            return Ok(Step::NoProfile);
        }
        let row = locked.first();
        let Some(profile_id) = row.get::<Uuid>(1)? else {
            return Ok(Step::Learned); // a profile row without an id: nothing to learn into
        };
        let mut fields: [Option<f64>; 9] = [None; 9];
        for (i, f) in fields.iter_mut().enumerate() {
            *f = row.get::<f64>(2 + i)?;
        }
        let confidence: Option<f64> = row.get(11)?;
        let method: Option<String> = row.get(12)?;
        let old_primary: Option<String> = row.get(13)?;
        let affinities = if row.get::<bool>(19)?.unwrap_or(false) {
            let mut a = [0.0; 5];
            for (i, x) in a.iter_mut().enumerate() {
                *x = row.get::<f32>(14 + i)?.unwrap_or(0.0) as f64;
            }
            a
        } else if let Some(a) = known_affinities {
            a
        } else if product.is_some() && plans.product.is_some() {
            // not in the precomputed vectors (yet): the caller looks it up safely
            return Ok(Step::NoVector);
        } else {
            [0.0; 5]
        };
        let before = profile_from(&fields, confidence);
        let out = learning::learn(&before, &affinities, direction, rate);
        let method = learning::method_after_swipe(method.as_deref());
        let mut args = vec![profile_id.into()];
        args.extend(state_args(&out.profile));
        args.push(out.profile.confidence.into());
        args.push(out.primary.name().into());
        args.push(names(&out.secondary).into());
        args.push(method.into());
        args.push(user.into());
        args.push(direction.as_str().map(str::to_string).into());
        args.push(product.into());
        client.update(&plans.update_and_mark, None, &args)?;
        let new_scores = scores_json(&out.profile);
        if old_primary.as_deref() != Some(out.primary.name()) {
            let data = json!({
                "source": "behavior",
                "previous_primary_type": old_primary,
                "product_id": product.map(|p| p.to_string()),
                "direction": direction.as_str(),
                "learning_rate": learning::effective_rate(rate),
            });
            client.update(
                &plans.history,
                None,
                &[
                    user.into(),
                    JsonB(data).into(),
                    JsonB(new_scores).into(),
                    out.primary.name().into(),
                    (out.profile.evidence.min(i32::MAX as u64) as i32).into(),
                    out.profile.consistency.into(),
                ],
            )?;
        }
        Ok(Step::Learned)
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

/// Runs a fallible step in a subtransaction; on failure, a WARNING and false.
fn guarded<T>(
    what: &str,
    f: impl FnOnce() -> Result<T, pgrx::spi::Error> + std::panic::UnwindSafe,
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
    // At most: create the profile, fetch the product's traits, learn.
    for _ in 0..3 {
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
            Step::NoProfile => {
                if guarded("creating a profile", move || create_profile(user)).is_none() {
                    return;
                }
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
