//! The statement-level swipe trigger: the learning of the row-level trigger
//! (row_trigger.rs) for every row of an INSERT, with a few set-based statements
//! instead of one per row. Attached with `personality_attach_behavior(table, column,
//! 'statement')`; meant for bulk loads.
//!
//! Same results as row by row: each user's swipes are stepped in insertion order
//! through personality_core::learning_state::step, history rows are written at the
//! steps that change the primary type (with the scores of that moment), the profile row
//! gets the state of the user's last due step, and each (user, product) recommendation
//! gets the last swipe's direction. Users' learning states are locked in user-id order
//! and without waiting: the swipes of a user whose state another transaction holds go
//! into personality_learning_queue, like the row trigger's. The statement's learning
//! runs in one subtransaction: when it fails, it is rolled back with a WARNING and all
//! of the statement's swipes are queued instead; the swipes themselves are kept.
use super::{guarded, row_trigger, store, Init, LearnError};
use crate::cache::{self, query, Query};
#[allow(unused_imports)]
use crate::text::RowText;
use personality_core::learning;
use personality_core::learning_state::{self as state, State, StepOutcome};
use personality_core::traits::Vector;
use pgrx::prelude::*;
use pgrx::Uuid;
use std::collections::{BTreeMap, HashMap};

// Run as they are, not prepared: they join whole batches, where the plan for the batch
// at hand is the better one (and the first and the last name the transition table).
const READ_SWIPES: Query = query!("learning/bulk_read_swipes", []);
const READ_DEFERRED: Query = query!("learning/bulk_read_deferred", []);
const USERS_WITHOUT_STATE: Query = query!("learning/bulk_users_without_state", []);
const LOCK_STATES: Query = query!("learning/bulk_lock_states", []);
const STORE_STATES: Query = query!("learning/bulk_store_states", []);
const MARK_RECOMMENDATIONS: Query = query!("learning/bulk_mark_recommendations", []);
const USERS_WITH_QUEUE: Query = query!("learning/bulk_users_with_queue", []);
const QUEUE_ALL: Query = query!("learning/bulk_queue_all", []);

/// The text of a statement over the transition table `table`, its direction column
/// read by `direction` (see [`direction_expr`]).
fn over_new_rows(q: &Query, table: &str, direction: &str) -> Result<String, LearnError> {
    Ok(cache::text(q)?
        .replace("@new_rows@", &quote_ident(table))
        .replace("@direction@", direction))
}

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

/// How the transition table's columns are read, or None (with the reason) when its
/// user_id / product_id are not uuid. Only built-in types are read with the owner's
/// rights: text-like directions as they are, enums by their label, anything else as
/// NULL (a cast of a caller's type could run the caller's function).
///
/// # Safety
/// `tdata` is the trigger data of the current call.
unsafe fn direction_expr(
    tdata: *mut pg_sys::TriggerData,
    direction_column: &str,
) -> Result<String, &'static str> {
    let tupdesc = (*(*tdata).tg_relation).rd_att;
    let type_of = |name: &str| -> pg_sys::Oid {
        let Ok(c) = std::ffi::CString::new(name) else {
            return pg_sys::InvalidOid;
        };
        let attnum = pg_sys::SPI_fnumber(tupdesc, c.as_ptr());
        if attnum <= 0 {
            pg_sys::InvalidOid
        } else {
            pg_sys::SPI_gettypeid(tupdesc, attnum)
        }
    };
    use pgrx::pg_sys::BuiltinOid::*;
    let uuid = pg_sys::Oid::from(UUIDOID);
    if type_of("user_id") != uuid || type_of("product_id") != uuid {
        return Err("user_id and product_id must be uuid");
    }
    let dir = quote_ident(direction_column);
    let typ = type_of(direction_column);
    if typ == pg_sys::InvalidOid {
        return Ok("NULL::pg_catalog.text".into());
    }
    let base = pg_sys::getBaseType(typ);
    let text_like = [TEXTOID, VARCHAROID, BPCHAROID, NAMEOID]
        .iter()
        .any(|o| pg_sys::Oid::from(*o) == base);
    Ok(if text_like {
        format!("{dir}::pg_catalog.text")
    } else if pg_sys::type_is_enum(base) {
        format!("pg_catalog.textin(pg_catalog.enum_out({dir}))")
    } else {
        "NULL::pg_catalog.text".into()
    })
}

/// Where a batch of swipes comes from.
pub(crate) enum Source<'a> {
    /// the transition table `table` of this statement-level trigger call, its direction
    /// column read by `direction` ([`direction_expr`])
    Transition {
        tdata: *mut pg_sys::TriggerData,
        table: &'a str,
        direction: &'a str,
    },
    /// swipes the row-level trigger deferred to the end of their statement
    /// (super::batch): users, products and raw directions, in insertion order
    Deferred {
        users: Vec<Uuid>,
        products: Vec<Option<Uuid>>,
        directions: Vec<Option<String>>,
    },
}

/// Learns from every swipe of `source`, in order. Returns the swipes learnt.
pub(crate) fn learn_batch(source: Source<'_>) -> Result<i64, LearnError> {
    let rate = crate::guc::LEARNING_RATE.get();
    let policy = super::sync_policy();
    Spi::connect_mut(|client| {
        let rows = match source {
            Source::Transition {
                tdata,
                table,
                direction,
            } => {
                // SAFETY: the trigger data of this call, registered with the SPI
                // connection just opened, so that the transition table can be queried
                // by name.
                unsafe {
                    pg_sys::SPI_register_trigger_data(tdata);
                }
                store::check_sql_current(client)?;
                client.select(&over_new_rows(&READ_SWIPES, table, direction)?, None, &[])?
            }
            Source::Deferred {
                users,
                products,
                directions,
            } => {
                store::check_sql_current(client)?;
                client.select(
                    &cache::text(&READ_DEFERRED)?,
                    None,
                    &[users.into(), products.into(), directions.into()],
                )?
            }
        };
        let (by_user, missing_vectors) = by_user(rows)?;
        if by_user.is_empty() {
            return Ok(0);
        }
        let fallback = fallback_vectors(client, missing_vectors)?;
        let users: Vec<Uuid> = by_user.values().map(|(u, _)| *u).collect();
        ensure_states(client, &users)?;
        // Lock and read the states, in user-id order, without waiting.
        let locked = client.update(&cache::text(&LOCK_STATES)?, None, &[users.into()])?;
        let mut states: HashMap<[u8; 16], Vec<Option<f64>>> = HashMap::new();
        for row in locked {
            if let (Some(u), Some(s)) = (row.get::<Uuid>(1)?, row.get::<Vec<Option<f64>>>(2)?) {
                states.insert(*u.as_bytes(), s);
            }
        }
        let stepped = step_all(client, &by_user, states, &fallback, rate, policy)?;
        let learnt = stepped.learnt;
        store_stepped(client, stepped)?;
        Ok(learnt)
    })
}

/// The statement's swipes by user (in user-id order: the order the states are locked
/// in), each user's in insertion order; and the products without a vector.
#[allow(clippy::type_complexity)]
fn by_user(
    rows: pgrx::spi::SpiTupleTable<'_>,
) -> Result<(BTreeMap<[u8; 16], (Uuid, Vec<Swipe>)>, Vec<Uuid>), LearnError> {
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
                raw_direction: row.text(3)?,
                vector,
            });
    }
    Ok((by_user, missing_vectors))
}

/// Products without a vector: the catalog view, each in a subtransaction (as row by
/// row).
fn fallback_vectors(
    client: &mut pgrx::spi::SpiClient<'_>,
    missing_vectors: Vec<Uuid>,
) -> Result<HashMap<[u8; 16], Vector>, LearnError> {
    let mut fallback: HashMap<[u8; 16], Vector> = HashMap::new();
    if missing_vectors.is_empty() || !store::has_features_view(client)? {
        return Ok(fallback);
    }
    for p in missing_vectors {
        if fallback.contains_key(p.as_bytes()) {
            continue;
        }
        pgrx::check_for_interrupts!();
        let a = guarded("reading the product's traits", move || {
            store::fallback_affinities(Some(p))
        })
        .unwrap_or([0.0; 5]);
        fallback.insert(*p.as_bytes(), a);
    }
    Ok(fallback)
}

/// Users without a learning state get one (and a profile when they have none).
fn ensure_states(client: &mut pgrx::spi::SpiClient<'_>, users: &[Uuid]) -> Result<(), LearnError> {
    let without: Vec<Uuid> = client
        .select(
            &cache::text(&USERS_WITHOUT_STATE)?,
            None,
            &[users.to_vec().into()],
        )?
        .filter_map(|r| r.get::<Uuid>(1).ok().flatten())
        .collect();
    for user in without {
        pgrx::check_for_interrupts!();
        let init = || {
            guarded("building the learning state", move || {
                Spi::connect_mut(|c| store::init_state(c, user, false))
            })
        };
        if init() == Some(Init::NoProfile)
            && guarded("creating a profile", move || store::create_profile(user)).is_some()
        {
            init();
        }
    }
    Ok(())
}

/// What stepping a statement's swipes produced, to be stored.
#[derive(Default)]
struct Stepped {
    out_users: Vec<Uuid>,
    out_states: Vec<f64>,
    queued: Vec<(Uuid, Option<Uuid>, Option<String>)>,
    m_users: Vec<Uuid>,
    m_products: Vec<Option<Uuid>>,
    m_dirs: Vec<Option<String>>,
    m_ords: Vec<i32>,
    learnt: i64,
}

/// Steps every user's swipes in order; queues those of users not locked. Profile and
/// history rows are written as the steps say.
fn step_all(
    client: &mut pgrx::spi::SpiClient<'_>,
    by_user: &BTreeMap<[u8; 16], (Uuid, Vec<Swipe>)>,
    mut states: HashMap<[u8; 16], Vec<Option<f64>>>,
    fallback: &HashMap<[u8; 16], Vector>,
    rate: f64,
    policy: state::SyncPolicy,
) -> Result<Stepped, LearnError> {
    let mut st_out = Stepped::default();
    for (key, (user, swipes)) in by_user {
        pgrx::check_for_interrupts!();
        let Some(mut current) = states.remove(key) else {
            for s in swipes {
                st_out
                    .queued
                    .push((*user, s.product, s.raw_direction.clone()));
            }
            continue;
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
                store::insert_history(
                    client,
                    *user,
                    &st,
                    state::previous_primary_of(&out),
                    Some((s.product, direction)),
                )?;
                last_written = Some(st);
            }
            current = state::stored(&out);
            st_out.m_users.push(*user);
            st_out.m_products.push(s.product);
            st_out.m_dirs.push(direction.as_str().map(str::to_string));
            st_out.m_ords.push(st_out.m_ords.len() as i32);
            st_out.learnt += 1;
        }
        if let Some(st) = last_written {
            store::write_profile_row(client, *user, &st)?;
        }
        st_out.out_users.push(*user);
        st_out
            .out_states
            .extend(current.iter().map(|x| x.unwrap_or(f64::NAN)));
    }
    Ok(st_out)
}

/// Queues what was not learnt, stores the learnt states, marks the recommendations the
/// swipes answer, and learns swipes queued earlier for the users this statement holds.
fn store_stepped(client: &mut pgrx::spi::SpiClient<'_>, s: Stepped) -> Result<(), LearnError> {
    store::enqueue(client, &s.queued)?;
    if s.out_users.is_empty() {
        return Ok(());
    }
    client.update(
        &cache::text(&STORE_STATES)?,
        None,
        &[
            s.out_users.clone().into(),
            s.out_states.into(),
            (state::LEN as i32).into(),
        ],
    )?;
    client.update(
        &cache::text(&MARK_RECOMMENDATIONS)?,
        None,
        &[
            s.m_users.into(),
            s.m_products.into(),
            s.m_dirs.into(),
            s.m_ords.into(),
        ],
    )?;
    let with_queue: Vec<Uuid> = client
        .select(
            &cache::text(&USERS_WITH_QUEUE)?,
            None,
            &[s.out_users.into()],
        )?
        .filter_map(|r| r.get::<Uuid>(1).ok().flatten())
        .collect();
    for user in with_queue {
        super::drain_queued(user)?;
    }
    Ok(())
}

/// Queues every swipe of the statement (its learning failed and was rolled back).
fn queue_statement(
    tdata: *mut pg_sys::TriggerData,
    table: &str,
    direction: &str,
) -> Result<(), LearnError> {
    Spi::connect_mut(|client| {
        // SAFETY: as in learn_batch.
        unsafe {
            pg_sys::SPI_register_trigger_data(tdata);
        }
        store::check_sql_current(client)?;
        client.update(&over_new_rows(&QUEUE_ALL, table, direction)?, None, &[])?;
        Ok(())
    })
}

/// The statement-level trigger function (see the module documentation). Its first
/// trigger argument names the direction column.
#[pg_trigger]
fn update_personality_from_behavior_bulk<'a>(
    trigger: &'a pgrx::PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, pgrx::PgTriggerError> {
    let tdata = trigger.trigger_data() as *const pg_sys::TriggerData as *mut pg_sys::TriggerData;
    // SAFETY: the trigger data of this call.
    if !unsafe { row_trigger::fires_where_attached(tdata) } {
        warning!("personality_ext: update_personality_from_behavior_bulk() ignored: it learns only as trigger update_personality_from_swipes on a permanent table (personality_attach_behavior)");
        return Ok(None);
    }
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
    // SAFETY: the trigger data of this call.
    let direction = match unsafe { direction_expr(tdata, &direction_column) } {
        Ok(d) => d,
        Err(why) => {
            warning!("personality_ext: swipes kept, but not learned from: {why}");
            return Ok(None);
        }
    };
    let tdata = std::panic::AssertUnwindSafe(tdata);
    let (t, d) = (table.clone(), direction.clone());
    let learnt = guarded("learning per statement", move || {
        let tdata = tdata;
        learn_batch(Source::Transition {
            tdata: tdata.0,
            table: &t,
            direction: &d,
        })
    });
    if learnt.is_none() {
        let tdata = std::panic::AssertUnwindSafe(trigger.trigger_data()
            as *const pg_sys::TriggerData
            as *mut pg_sys::TriggerData);
        guarded("queueing the statement's swipes", move || {
            let tdata = tdata;
            queue_statement(tdata.0, &table, &direction)
        });
    }
    Ok(None)
}
