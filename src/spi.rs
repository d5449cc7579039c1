//! SPI, once: the plan helpers of the request side, and the one mapping of an SPI
//! failure to an error a caller sees. Inside the extension an SPI failure means its own
//! objects are missing or not as it reads them: SQLSTATE 55000, with what was being
//! done (`"{what}: {e}"`).
use crate::cache::{self, PlanError, Query};
use crate::errors::{raise, Error, SqlState};
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use std::rc::Rc;

/// An SPI failure while doing `what`, as 55000.
pub(crate) fn error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        SqlState::ObjectNotInPrerequisiteState,
        format!("{what}: {e}"),
    )
}

/// An SPI result of personality_recommend or the hybrid engine, or the error raised
/// as 55000.
pub(crate) fn or_raise<T>(r: Result<T, pgrx::spi::Error>) -> T {
    r.unwrap_or_else(|e| raise(error("personality_recommend", e)))
}

/// A plan cache error as 55000.
pub(crate) fn plan_error(e: PlanError) -> Error {
    match e {
        PlanError::Spi(e) => error("personality_recommend", e),
        PlanError::NotInstalled => Error::not_installed(),
    }
}

/// `q`'s plan from the one plan cache (crate::cache), run read-only when it can be.
pub(crate) fn plan(client: &SpiClient<'_>, q: &Query) -> Rc<OwnedPreparedStatement> {
    cache::prepared_read(client, q).unwrap_or_else(|e| raise(plan_error(e)))
}

/// `q` with its run-time holes filled in (crate::cache::prepared_filled).
pub(crate) fn filled(
    client: &SpiClient<'_>,
    q: &Query,
    holes: &[(&str, &str)],
) -> Rc<OwnedPreparedStatement> {
    cache::prepared_filled(client, q, holes).unwrap_or_else(|e| raise(plan_error(e)))
}
