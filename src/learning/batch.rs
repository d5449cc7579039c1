//! One statement, many swipes, row-level trigger (issue 20, point 8). Learning each
//! swipe of a large INSERT as it fires cost about 0.4 ms per row plus a part that grew
//! with the number of the person's swipes already in the statement (every step updates
//! the same learning state row, whose versions of one transaction cannot be pruned):
//! 10,000 swipes of one person in one INSERT took 130x the time without the trigger
//! (release build; 7.7x with the batch below: bench/one_statement.sh, BENCHMARKS.md).
//!
//! So the row trigger learns the first [`IMMEDIATE`] swipes of a statement at once
//! (the common single-swipe INSERT keeps its hot path), and defers the rest to the end
//! of the statement, where they are learnt in one batch with the statement trigger's
//! set-based learning ([`statement_trigger::learn_batch`]): same order, same results.
//! The end of a statement is the return of the ExecutorFinish hook (INSERT, where AFTER
//! ROW triggers fire) or of the ProcessUtility hook (COPY FROM) around it; swipes are
//! deferred only inside one of those, so a flush always follows. The queries that
//! other triggers run meanwhile (foreign key checks, one per row) end one level
//! deeper and do not count. A swipe that is learnt at once while others are deferred
//! (outside a hooked call) flushes them first: the order stays that of insertion. A
//! backend's first statement, which loads the library while it runs, starts outside the
//! hooks and learns row by row. Swipes deferred in a subtransaction that is rolled back are dropped
//! with it; a transaction that aborts drops them all. When the batch fails, its swipes
//! are queued (personality_learning_queue), as the statement trigger's are.
use super::{guarded, statement_trigger, store};
use pgrx::prelude::*;
use pgrx::{PgTryBuilder, Uuid};
use std::cell::{Cell, RefCell};

/// Swipes of one statement learnt as they fire before the rest is deferred.
pub(crate) const IMMEDIATE: u32 = 8;

struct Deferred {
    user: Uuid,
    product: Option<Uuid>,
    direction: Option<String>,
    subxact: pg_sys::SubTransactionId,
}

thread_local! {
    /// how many ExecutorFinish / ProcessUtility calls this backend is inside
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// inside the row trigger's immediate learning or a flush: the queries these run
    /// must not flush or count as the end of the statement
    static BUSY: Cell<bool> = const { Cell::new(false) };
    /// swipes learnt at once since the last end of a statement
    static LEARNT_NOW: Cell<u32> = const { Cell::new(0) };
    /// the [`DEPTH`] at which the current statement's swipe triggers fire (0: none):
    /// its end is the return of the hooked call one level up
    static LEVEL: Cell<u32> = const { Cell::new(0) };
    static DEFERRED: RefCell<Vec<Deferred>> = const { RefCell::new(Vec::new()) };
}

static mut PREV_FINISH: pg_sys::ExecutorFinish_hook_type = None;
static mut PREV_UTILITY: pg_sys::ProcessUtility_hook_type = None;

/// Installs the hooks and the transaction callbacks (from _PG_init).
pub(crate) fn init() {
    // SAFETY: _PG_init runs once per backend, before any query of the library.
    unsafe {
        PREV_FINISH = pg_sys::ExecutorFinish_hook;
        pg_sys::ExecutorFinish_hook = Some(executor_finish);
        PREV_UTILITY = pg_sys::ProcessUtility_hook;
        pg_sys::ProcessUtility_hook = Some(process_utility);
        pg_sys::RegisterXactCallback(Some(xact_callback), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(subxact_callback), std::ptr::null_mut());
    }
}

/// Marks the backend busy (see [`BUSY`]) until dropped.
struct Busy(bool);
impl Busy {
    fn enter() -> Busy {
        Busy(BUSY.replace(true))
    }
}
impl Drop for Busy {
    fn drop(&mut self) {
        BUSY.set(self.0);
    }
}

fn pending() -> bool {
    DEFERRED.with(|d| !d.borrow().is_empty())
}

/// The row trigger's entry: learn the swipe now with `now`, or defer it to the end of
/// the statement.
pub(crate) fn learn_or_defer(
    user: Uuid,
    product: Option<Uuid>,
    direction: Option<String>,
    now: impl FnOnce(Uuid, Option<Uuid>, Option<&str>),
) {
    let deferrable = DEPTH.get() > 0 && !BUSY.get();
    if deferrable && LEVEL.get() == 0 {
        LEVEL.set(DEPTH.get());
    }
    if deferrable && (pending() || LEARNT_NOW.get() >= IMMEDIATE) {
        // SAFETY: a plain read of transaction state.
        let subxact = unsafe { pg_sys::GetCurrentSubTransactionId() };
        DEFERRED.with(|d| {
            d.borrow_mut().push(Deferred {
                user,
                product,
                direction,
                subxact,
            })
        });
        return;
    }
    if pending() && !BUSY.get() {
        // earlier swipes first
        flush();
    }
    LEARNT_NOW.set(LEARNT_NOW.get().saturating_add(1));
    let _busy = Busy::enter();
    now(user, product, direction.as_deref());
}

/// Learns the deferred swipes in one batch; queues them when that fails.
fn flush() {
    let batch = DEFERRED.with(|d| std::mem::take(&mut *d.borrow_mut()));
    if batch.is_empty() {
        return;
    }
    let _busy = Busy::enter();
    let n = batch.len();
    let (mut users, mut products, mut directions) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for d in batch {
        users.push(d.user);
        products.push(d.product);
        directions.push(d.direction);
    }
    let (u, p, d) = (users.clone(), products.clone(), directions.clone());
    let learnt = guarded("learning the statement's swipes", move || {
        statement_trigger::learn_batch(statement_trigger::Source::Deferred {
            users: u,
            products: p,
            directions: d,
        })
    });
    if learnt.is_none() {
        let rows: Vec<(Uuid, Option<Uuid>, Option<String>)> = users
            .into_iter()
            .zip(products)
            .zip(directions)
            .map(|((u, p), d)| (u, p, d))
            .collect();
        guarded("queueing the statement's swipes", move || {
            Spi::connect_mut(|client| store::enqueue(client, &rows))
        });
    }
}

/// After an ExecutorFinish or ProcessUtility call returned: the end of a statement
/// unless the row trigger or a flush is running.
fn statement_ended() {
    // the queries of the statement's other triggers (foreign key checks run one per
    // row) end deeper than the statement whose triggers fire
    if BUSY.get() || LEVEL.get() == 0 || DEPTH.get() >= LEVEL.get() {
        return;
    }
    LEVEL.set(0);
    LEARNT_NOW.set(0);
    if pending() {
        flush();
    }
}

/// Runs `f` one level deeper (see [`DEPTH`]); the level is restored on error too.
fn deeper(f: impl FnOnce() + std::panic::UnwindSafe) {
    DEPTH.set(DEPTH.get() + 1);
    PgTryBuilder::new(f)
        .finally(|| DEPTH.set(DEPTH.get().saturating_sub(1)))
        .execute();
}

#[pg_guard]
unsafe extern "C-unwind" fn executor_finish(query_desc: *mut pg_sys::QueryDesc) {
    let qd = std::panic::AssertUnwindSafe(query_desc);
    deeper(move || {
        let qd = qd;
        // SAFETY: the previous hook or the standard function, with the executor's
        // own argument; errors cross this frame through pgrx's guard.
        unsafe {
            match PREV_FINISH {
                Some(prev) => pg_sys::ffi::pg_guard_ffi_boundary(|| prev(qd.0)),
                None => pg_sys::standard_ExecutorFinish(qd.0),
            }
        }
    });
    statement_ended();
}

#[allow(clippy::too_many_arguments)]
#[pg_guard]
unsafe extern "C-unwind" fn process_utility(
    pstmt: *mut pg_sys::PlannedStmt,
    query_string: *const std::ffi::c_char,
    read_only_tree: bool,
    context: pg_sys::ProcessUtilityContext::Type,
    params: pg_sys::ParamListInfo,
    query_env: *mut pg_sys::QueryEnvironment,
    dest: *mut pg_sys::DestReceiver,
    qc: *mut pg_sys::QueryCompletion,
) {
    let args = std::panic::AssertUnwindSafe((pstmt, query_string, params, query_env, dest, qc));
    deeper(move || {
        let (pstmt, query_string, params, query_env, dest, qc) = args.0;
        // SAFETY: as in executor_finish.
        unsafe {
            match PREV_UTILITY {
                Some(prev) => pg_sys::ffi::pg_guard_ffi_boundary(|| {
                    prev(
                        pstmt,
                        query_string,
                        read_only_tree,
                        context,
                        params,
                        query_env,
                        dest,
                        qc,
                    )
                }),
                None => pg_sys::standard_ProcessUtility(
                    pstmt,
                    query_string,
                    read_only_tree,
                    context,
                    params,
                    query_env,
                    dest,
                    qc,
                ),
            }
        }
    });
    statement_ended();
}

/// An aborted transaction drops everything deferred (and any leftover state).
#[pg_guard]
unsafe extern "C-unwind" fn xact_callback(
    event: pg_sys::XactEvent::Type,
    _arg: *mut std::ffi::c_void,
) {
    if event == pg_sys::XactEvent::XACT_EVENT_ABORT
        || event == pg_sys::XactEvent::XACT_EVENT_PARALLEL_ABORT
    {
        DEFERRED.with(|d| d.borrow_mut().clear());
        LEARNT_NOW.set(0);
        LEVEL.set(0);
        BUSY.set(false);
        DEPTH.set(0);
    }
}

/// A rolled-back subtransaction drops the swipes deferred inside it (their rows are
/// gone too).
#[pg_guard]
unsafe extern "C-unwind" fn subxact_callback(
    event: pg_sys::SubXactEvent::Type,
    my_subid: pg_sys::SubTransactionId,
    _parent: pg_sys::SubTransactionId,
    _arg: *mut std::ffi::c_void,
) {
    if event == pg_sys::SubXactEvent::SUBXACT_EVENT_ABORT_SUB {
        DEFERRED.with(|d| d.borrow_mut().retain(|x| x.subxact < my_subid));
    }
}
