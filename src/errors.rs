//! Raising errors with real SQLSTATEs. Everything user input can trigger goes through
//! [`raise`]; `unwrap`/`expect`/`panic!` would surface as XX000 internal_error.
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{function_name, PgLogLevel, PgSqlErrorCode};

/// An error to report to the client: SQLSTATE, lowercase message, optional detail/hint.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlError {
    pub sqlstate: &'static str,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl SqlError {
    pub fn new(sqlstate: &'static str, message: impl Into<String>) -> Self {
        SqlError {
            sqlstate,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    pub fn hint(mut self, h: impl Into<String>) -> Self {
        self.hint = Some(h.into());
        self
    }
}

fn code(sqlstate: &str) -> PgSqlErrorCode {
    match sqlstate {
        "22023" => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        "22P02" => PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
        "22004" => PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
        "42501" => PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        "42703" => PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
        "42P01" => PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
        "P0002" => PgSqlErrorCode::ERRCODE_NO_DATA_FOUND,
        "55000" => PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        _ => PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
    }
}

/// Reports `e` as an ERROR; does not return (Postgres unwinds the call).
pub fn raise(e: SqlError) -> ! {
    let mut r = ErrorReport::new(code(e.sqlstate), e.message, function_name!());
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
