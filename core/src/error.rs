//! The one error type of personality_ext: what the client sees when a call fails.
//!
//! Every error the extension raises on purpose is an [`Error`]: a [`SqlState`] from the
//! closed set below, a lowercase message, and optionally a detail and a hint. The pgrx
//! layer (`src/errors.rs`) maps each [`SqlState`] to Postgres's error code with one
//! exhaustive match, so no error built here can surface as XX000 `internal_error`.
//! Adding a SQLSTATE means adding a variant here, and the compiler then asks for its
//! mapping there.

/// The SQLSTATEs the extension raises itself (Postgres appendix A names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlState {
    /// 22023 `invalid_parameter_value`: an argument of the right type with a wrong value.
    InvalidParameterValue,
    /// 22P02 `invalid_text_representation`: text that is not a number.
    InvalidTextRepresentation,
    /// 22004 `null_value_not_allowed`.
    NullValueNotAllowed,
    /// 42501 `insufficient_privilege`: acting for another user.
    InsufficientPrivilege,
    /// 42703 `undefined_column`: a swipe table without a user, product or direction column.
    UndefinedColumn,
    /// 42P01 `undefined_table`.
    UndefinedTable,
    /// P0002 `no_data_found`: e.g. recommendations for a user without a profile.
    NoDataFound,
    /// 55000 `object_not_in_prerequisite_state`: the extension's own objects are missing
    /// or unreadable (not installed, SQL older than the library, ...).
    ObjectNotInPrerequisiteState,
    /// 53200 `out_of_memory`: a bound a setting puts on memory was reached.
    OutOfMemory,
}

impl SqlState {
    /// Every variant, for tests and lookups.
    pub const ALL: [SqlState; 9] = [
        SqlState::InvalidParameterValue,
        SqlState::InvalidTextRepresentation,
        SqlState::NullValueNotAllowed,
        SqlState::InsufficientPrivilege,
        SqlState::UndefinedColumn,
        SqlState::UndefinedTable,
        SqlState::NoDataFound,
        SqlState::ObjectNotInPrerequisiteState,
        SqlState::OutOfMemory,
    ];

    /// The five-character code, e.g. `"22023"`.
    pub const fn code(self) -> &'static str {
        match self {
            SqlState::InvalidParameterValue => "22023",
            SqlState::InvalidTextRepresentation => "22P02",
            SqlState::NullValueNotAllowed => "22004",
            SqlState::InsufficientPrivilege => "42501",
            SqlState::UndefinedColumn => "42703",
            SqlState::UndefinedTable => "42P01",
            SqlState::NoDataFound => "P0002",
            SqlState::ObjectNotInPrerequisiteState => "55000",
            SqlState::OutOfMemory => "53200",
        }
    }

    /// The variant of a five-character code; `None` for codes the extension never raises.
    pub fn from_code(code: &str) -> Option<SqlState> {
        SqlState::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl std::fmt::Display for SqlState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// An error to report to the client: SQLSTATE, lowercase message, optional detail and
/// hint (Postgres's `errcode`, `errmsg`, `errdetail`, `errhint`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub code: SqlState,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl Error {
    pub fn new(code: SqlState, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    /// 22023 `invalid_parameter_value`, the most common one.
    pub fn invalid_parameter(message: impl Into<String>) -> Error {
        Error::new(SqlState::InvalidParameterValue, message)
    }

    /// 55000: the extension's objects cannot be found in this database.
    pub fn not_installed() -> Error {
        Error::new(
            SqlState::ObjectNotInPrerequisiteState,
            "the extension personality_ext is not installed in this database",
        )
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Error {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// The message, then `DETAIL:` and `HINT:` lines as psql prints them (for tests and
    /// logs; Postgres reports the parts separately).
    pub fn report(&self) -> String {
        let mut s = self.message.clone();
        if let Some(d) = &self.detail {
            s.push_str("\nDETAIL: ");
            s.push_str(d);
        }
        if let Some(h) = &self.hint {
            s.push_str("\nHINT: ");
            s.push_str(h);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for s in SqlState::ALL {
            assert_eq!(SqlState::from_code(s.code()), Some(s));
            assert_eq!(s.code().len(), 5);
            assert_ne!(s.code(), "XX000");
        }
        let mut codes: Vec<_> = SqlState::ALL.iter().map(|s| s.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), SqlState::ALL.len());
        assert_eq!(SqlState::from_code("XX000"), None);
    }

    #[test]
    fn display_is_the_message_and_report_adds_detail_and_hint() {
        let e = Error::invalid_parameter("bad value")
            .with_detail("got a JSON array")
            .with_hint("send an object");
        assert_eq!(e.to_string(), "bad value");
        assert_eq!(
            e.report(),
            "bad value\nDETAIL: got a JSON array\nHINT: send an object"
        );
        assert_eq!(e.code.to_string(), "22023");
    }
}
