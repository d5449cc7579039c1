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

/// The SQLSTATE and message of a caught error, for the WARNING.
pub fn describe(e: &CaughtError) -> (String, String) {
    match e {
        CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => {
            (format!("{:?}", r.sql_error_code()), r.message().to_string())
        }
        CaughtError::RustPanic { ereport, .. } => (
            format!("{:?}", ereport.sql_error_code()),
            ereport.message().to_string(),
        ),
    }
}

/// Errors that must not be swallowed: the user or the server asked to stop.
pub fn must_rethrow(e: &CaughtError) -> bool {
    use pgrx::PgSqlErrorCode::*;
    let code = match e {
        CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => r.sql_error_code(),
        CaughtError::RustPanic { ereport, .. } => ereport.sql_error_code(),
    };
    matches!(
        code,
        ERRCODE_QUERY_CANCELED | ERRCODE_ADMIN_SHUTDOWN | ERRCODE_CRASH_SHUTDOWN
    )
}
