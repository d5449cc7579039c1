//! The row-level swipe trigger `update_personality_from_behavior` (the seed's trigger
//! function): learns from each inserted swipe now ([`super::learn_one`]), building the
//! user's learning state (and profile) when missing, or queues the swipe. Never fails
//! a valid swipe.
use super::{guarded, learn_one, store, Init, Step};
use pgrx::prelude::*;
use pgrx::Uuid;

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
        // the first swipes of a statement now, the rest in one batch at its end
        super::batch::learn_or_defer(user, product, direction, learn_or_queue);
    }
    Ok(Some(new))
}

/// Queues one swipe in a subtransaction; a WARNING when even that fails.
fn enqueue_or_warn(user: Uuid, product: Option<Uuid>, direction: Option<&str>) {
    let direction = direction.map(str::to_string);
    guarded("queueing the swipe", move || {
        Spi::connect_mut(|client| store::enqueue(client, &[(user, product, direction)]))
    });
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
                crate::cache::reset_plans();
                warning!("personality_ext: swipe kept, learning postponed: {e}");
                break;
            }
        };
        match step {
            Step::Learned { queued } => {
                if queued {
                    guarded("learning queued swipes", move || super::drain_queued(user));
                }
                return;
            }
            Step::Locked | Step::NoVector => break,
            Step::NoState => {
                let init = guarded("building the learning state", move || {
                    Spi::connect_mut(|client| store::init_state(client, user, false))
                });
                match init {
                    Some(Init::Ready) => continue,
                    Some(Init::NoProfile) if !profile_created => {
                        profile_created = true;
                        if guarded("creating a profile", move || store::create_profile(user))
                            .is_none()
                        {
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

/// `BEFORE INSERT ... FOR EACH STATEMENT` on every table the row trigger learns from
/// (trigger `personality_swipes_batch`): does nothing but make sure this library, with
/// its end-of-statement hook (src/learning/batch.rs), is loaded before the statement's
/// row triggers fire. Without it a backend's first INSERT loaded the library from its
/// first row trigger, too late to batch that statement: a bulk INSERT of one person's
/// swipes as a connection's first statement learnt row by row, in quadratic time.
#[pg_trigger]
fn _personality_swipes_batch<'a>(
    _trigger: &'a pgrx::PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, pgrx::PgTriggerError> {
    Ok(None)
}
