//! Raising core's [`Error`] as a Postgres ERROR. Everything user input can trigger goes
//! through [`raise`]; `unwrap`/`expect`/`panic!` would surface as XX000 internal_error.
//! The error type and its SQLSTATEs are `personality_core::error`'s; this file only maps
//! them to pgrx, by one exhaustive match.
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{function_name, PgLogLevel, PgSqlErrorCode};

pub use personality_core::error::{Error, SqlState};

/// Postgres's error code for each SQLSTATE the extension raises. Exhaustive: a new
/// [`SqlState`] does not compile until it is mapped here.
fn code(state: SqlState) -> PgSqlErrorCode {
    match state {
        SqlState::InvalidParameterValue => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        SqlState::InvalidTextRepresentation => PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
        SqlState::NullValueNotAllowed => PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
        SqlState::InsufficientPrivilege => PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        SqlState::UndefinedColumn => PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
        SqlState::UndefinedTable => PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
        SqlState::NoDataFound => PgSqlErrorCode::ERRCODE_NO_DATA_FOUND,
        SqlState::ObjectNotInPrerequisiteState => {
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE
        }
        SqlState::OutOfMemory => PgSqlErrorCode::ERRCODE_OUT_OF_MEMORY,
    }
}

/// Reports `e` as an ERROR; does not return (Postgres unwinds the call).
pub fn raise(e: impl Into<Error>) -> ! {
    let e: Error = e.into();
    let mut r = ErrorReport::new(code(e.code), e.message, function_name!());
    if let Some(d) = e.detail {
        r = r.set_detail(d);
    }
    if let Some(h) = e.hint {
        r = r.set_hint(h);
    }
    r.report(PgLogLevel::ERROR);
    // report(ERROR) longjmps away; this line is never reached.
    unreachable!("ereport(ERROR) returned")
}
