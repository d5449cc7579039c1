//! The statement-level swipe trigger: the learning of the row-level trigger
//! (src/behavior.rs) for every row of an INSERT, with a few set-based statements
//! instead of one per row. Attached with `personality_attach_behavior(table, column,
//! 'statement')`; meant for bulk loads.
//!
//! Same results as row by row: each user's swipes are stepped in insertion order
//! through personality_core::learning_state::step, history rows are written at the
//! steps that change the primary type (with the scores of that moment), the profile row
//! gets the state of the user's last due step, and each (user, product) recommendation
//! gets the last swipe's direction. Users' learning states are locked in user-id order.
//! The whole statement's learning runs in one subtransaction: on failure it is rolled
//! back and reported as a WARNING, and the swipes are kept.
use crate::behavior::{self, LearnError};
use personality_core::learning;
use personality_core::learning_state::{self as state, State, StepOutcome};
use personality_core::traits::Vector;
use pgrx::prelude::*;
use pgrx::Uuid;
use std::collections::{BTreeMap, HashMap};

/// One inserted swipe.
struct Swipe {
    product: Option<Uuid>,
    raw_direction: Option<String>,
    /// the product's precomputed affinities, when it has a vector
    vector: Option<Vector>,
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Learns from every row of the transition table `table`. Returns the swipes learnt.
fn learn_statement(
    tdata: *mut pg_sys::TriggerData,
    table: &str,
    direction_column: &str,
) -> Result<i64, LearnError> {
    let rate = crate::guc::LEARNING_RATE.get();
    let policy = behavior::sync_policy();
    Spi::connect_mut(|client| {
        // SAFETY: the trigger data of this call, registered with the SPI connection
        // just opened, so that the transition table can be queried by name.
        unsafe {
            pg_sys::SPI_register_trigger_data(tdata);
        }
        let plans = behavior::plans(client)?;
        let schema = &plans.schema;
        let rows = client.select(
            &format!(
                "SELECT n.user_id, n.product_id, n.d::text, {affinities}, v.product_id IS NOT NULL \
                   FROM (SELECT row_number() OVER () AS ord, user_id, product_id, {dir} AS d \
                           FROM {table}) n \
                   LEFT JOIN {schema}.personality_product_vectors v ON v.product_id = n.product_id \
                  WHERE n.user_id IS NOT NULL \
                  ORDER BY n.ord",
                dir = quote_ident(direction_column),
                table = quote_ident(table),
                affinities = behavior::VECTOR_AFFINITIES,
            ),
            None,
            &[],
        )?;
        // By user (in user-id order: the order the states are locked in), each user's
        // swipes in insertion order.
        let mut by_user: BTreeMap<[u8; 16], (Uuid, Vec<Swipe>)> = BTreeMap::new();
        let mut missing_vectors: Vec<Uuid> = Vec::new();
        for row in rows {
            let Some(user) = row.get::<Uuid>(1)? else {
                continue;
            };
            let product = row.get::<Uuid>(2)?;
            let vector = if row.get::<bool>(9)?.unwrap_or(false) {
                let mut a = [0.0; 5];
                for (i, x) in a.iter_mut().enumerate() {
                    *x = f64::from(row.get::<f32>(4 + i)?.unwrap_or(0.0));
                }
                Some(a)
            } else {
                if let Some(p) = product {
                    missing_vectors.push(p);
                }
                None
            };
            by_user
                .entry(*user.as_bytes())
                .or_insert_with(|| (user, Vec::new()))
                .1
                .push(Swipe {
                    product,
                    raw_direction: row.get::<String>(3)?,
                    vector,
                });
        }
        if by_user.is_empty() {
            return Ok(0);
        }
        // Products without a vector: the catalog view, each in a subtransaction (as
        // row by row).
        let mut fallback: HashMap<[u8; 16], Vector> = HashMap::new();
        if plans.product.is_some() {
            for p in missing_vectors {
                if fallback.contains_key(p.as_bytes()) {
                    continue;
                }
                let a = behavior::guarded("reading the product's traits", move || {
                    behavior::fallback_affinities(Some(p))
                })
                .unwrap_or([0.0; 5]);
                fallback.insert(*p.as_bytes(), a);
            }
        }
        // Users without a learning state get one (and a profile when they have none).
        let users: Vec<Uuid> = by_user.values().map(|(u, _)| *u).collect();
        let without: Vec<Uuid> = client
            .select(
                &format!(
                    "SELECT u FROM unnest($1::uuid[]) u \
                      WHERE NOT EXISTS (SELECT 1 FROM {schema}.personality_learning_state s \
                                         WHERE s.user_id = u) ORDER BY u"
                ),
                None,
                &[users.clone().into()],
            )?
            .filter_map(|r| r.get::<Uuid>(1).ok().flatten())
            .collect();
        for user in without {
            if !behavior::init_state(client, &plans, user)?
                && behavior::guarded("creating a profile", move || behavior::create_profile(user))
                    .is_some()
            {
                behavior::init_state(client, &plans, user)?;
            }
        }
        // Lock and read the states, in user-id order.
        let locked = client.update(
            &format!(
                "SELECT user_id, state FROM {schema}.personality_learning_state \
                  WHERE user_id = ANY($1) ORDER BY user_id FOR UPDATE"
            ),
            None,
            &[users.into()],
        )?;
        let mut states: HashMap<[u8; 16], Vec<Option<f64>>> = HashMap::new();
        for row in locked {
            if let (Some(u), Some(s)) = (row.get::<Uuid>(1)?, row.get::<Vec<Option<f64>>>(2)?) {
                states.insert(*u.as_bytes(), s);
            }
        }
        // Step every user's swipes in order.
        let mut out_users: Vec<Uuid> = Vec::new();
        let mut out_states: Vec<f64> = Vec::new();
        let (mut m_users, mut m_products, mut m_dirs, mut m_ords) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut learnt = 0i64;
        for (key, (user, swipes)) in &by_user {
            let Some(mut current) = states.remove(key) else {
                continue; // no profile could be made for this user: warned above
            };
            let mut last_written: Option<State> = None;
            for s in swipes {
                let direction = learning::parse_direction(s.raw_direction.as_deref());
                let affinities = s
                    .vector
                    .or_else(|| s.product.and_then(|p| fallback.get(p.as_bytes()).copied()))
                    .unwrap_or([0.0; 5]);
                let out = state::step(&current, Some(&affinities), false, direction, rate, policy);
                if state::outcome_of(&out) == StepOutcome::WriteProfile {
                    let st = State::decode(&state::stored(&out));
                    behavior::insert_history(
                        client,
                        &plans,
                        *user,
                        &st,
                        state::previous_primary_of(&out),
                        Some((s.product, direction)),
                    )?;
                    last_written = Some(st);
                }
                current = state::stored(&out);
                m_users.push(*user);
                m_products.push(s.product);
                m_dirs.push(direction.as_str().map(str::to_string));
                m_ords.push(m_ords.len() as i32);
                learnt += 1;
            }
            if let Some(st) = last_written {
                behavior::write_profile_row(client, &plans, *user, &st)?;
            }
            out_users.push(*user);
            out_states.extend(current.iter().map(|x| x.unwrap_or(f64::NAN)));
        }
        if !out_users.is_empty() {
            client.update(
                &format!(
                    "UPDATE {schema}.personality_learning_state s \
                        SET state = $2[(x.i::int - 1) * {len} + 1 : x.i::int * {len}], learned_at = now() \
                       FROM unnest($1::uuid[]) WITH ORDINALITY AS x(u, i) WHERE s.user_id = x.u",
                    len = state::LEN
                ),
                None,
                &[out_users.into(), out_states.into()],
            )?;
            client.update(
                &format!(
                    "UPDATE {schema}.personality_recommendations r \
                        SET is_swiped = true, swipe_direction = x.d, interacted_at = now(), updated_at = now() \
                       FROM (SELECT DISTINCT ON (u, p) u, p, d \
                               FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[]) AS t(u, p, d, o) \
                              WHERE p IS NOT NULL ORDER BY u, p, o DESC) x \
                      WHERE r.user_id = x.u AND r.product_id = x.p"
                ),
                None,
                &[
                    m_users.into(),
                    m_products.into(),
                    m_dirs.into(),
                    m_ords.into(),
                ],
            )?;
        }
        Ok(learnt)
    })
}

/// The statement-level trigger function (see the module documentation). Its first
/// trigger argument names the direction column.
#[pg_trigger]
fn update_personality_from_behavior_bulk<'a>(
    trigger: &'a pgrx::PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, pgrx::PgTriggerError> {
    let Ok(Some(table)) = trigger.new_transition_table_name() else {
        warning!(
            "personality_ext: swipes kept, but not learned from: the statement-level trigger needs REFERENCING NEW TABLE (attach it with personality_attach_behavior)"
        );
        return Ok(None);
    };
    let table = table.to_string();
    let direction_column = trigger
        .extra_args()
        .ok()
        .and_then(|a| a.into_iter().next())
        .unwrap_or_else(|| "direction".to_string());
    let tdata = trigger.trigger_data() as *const pg_sys::TriggerData as *mut pg_sys::TriggerData;
    let tdata = std::panic::AssertUnwindSafe(tdata);
    behavior::guarded("learning per statement", move || {
        let tdata = tdata;
        learn_statement(tdata.0, &table, &direction_column)
    });
    Ok(None)
}
