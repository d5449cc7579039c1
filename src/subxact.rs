//! Running a piece of work in a subtransaction, so that an error inside it is
//! rolled back and reported as a WARNING instead of failing the caller (the swipe
//! trigger must never make a valid swipe fail).
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::PgTryBuilder;
use std::panic::UnwindSafe;

/// Runs `f` in a subtransaction: committed when it returns, rolled back when it raises.
pub fn run<R>(f: impl FnOnce() -> R + UnwindSafe) -> Result<R, Box<CaughtError>> {
    // SAFETY: the standard pattern of PL/pgSQL's exception blocks: remember the memory
    // context and resource owner, and restore them after commit or rollback.
    unsafe {
        let ctx = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(ctx);
        PgTryBuilder::new(move || {
            let r = f();
            pg_sys::ReleaseCurrentSubTransaction();
            pg_sys::MemoryContextSwitchTo(ctx);
            pg_sys::CurrentResourceOwner = owner;
            Ok(r)
        })
        .catch_others(move |e| {
            pg_sys::MemoryContextSwitchTo(ctx);
            pg_sys::RollbackAndReleaseCurrentSubTransaction();
            pg_sys::MemoryContextSwitchTo(ctx);
            pg_sys::CurrentResourceOwner = owner;
            Err(Box::new(e))
        })
        .execute()
    }
}

fn code_of(e: &CaughtError) -> pgrx::PgSqlErrorCode {
    match e {
        CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => r.sql_error_code(),
        CaughtError::RustPanic { ereport, .. } => ereport.sql_error_code(),
    }
}

/// The five-character SQLSTATE of an error code (Postgres packs it 6 bits a char).
pub fn sqlstate(code: pgrx::PgSqlErrorCode) -> String {
    let v = code as i32;
    (0..5)
        .map(|i| char::from(b'0' + ((v >> (6 * i)) & 0x3F) as u8))
        .collect()
}

/// The SQLSTATE and message of a caught error, for the WARNING.
pub fn describe(e: &CaughtError) -> (String, String) {
    let message = match e {
        CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => r.message().to_string(),
        CaughtError::RustPanic { ereport, .. } => ereport.message().to_string(),
    };
    (sqlstate(code_of(e)), message)
}

/// Errors that must not be swallowed: the user or the server asked to stop, or the
/// transaction must be retried as a whole (REPEATABLE READ / SERIALIZABLE conflicts,
/// deadlocks): dropping the learning there would silently lose it.
pub fn must_rethrow(e: &CaughtError) -> bool {
    use pgrx::PgSqlErrorCode::*;
    matches!(
        code_of(e),
        ERRCODE_QUERY_CANCELED
            | ERRCODE_ADMIN_SHUTDOWN
            | ERRCODE_CRASH_SHUTDOWN
            | ERRCODE_T_R_SERIALIZATION_FAILURE
            | ERRCODE_T_R_DEADLOCK_DETECTED
    )
}
