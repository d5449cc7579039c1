//! The collaborative model's refresh (issue 21), native: `_personality_refresh_model`
//! reads the attached swipe tables (only the swipes since the last refresh, when it
//! can), folds them into each person's opinions (kept in personality_model_people),
//! and writes the item stats, the neighbour lists and the catalog numbers that
//! personality_recommend reads. personality_core::collab computes: opinions.rs the
//! opinions and stats, neighbours.rs the lists. This module only reads and writes
//! (read.rs, write.rs); plan.rs decides what an incremental refresh recomputes. The
//! request side is src/recommend/hybrid.rs.
mod plan;
mod read;
mod stored;
mod write;

use crate::errors::{raise, Error, SqlState};
use pgrx::datum::datetime_support::ToIsoString;
use pgrx::datum::TimestampWithTimeZone;
use pgrx::{pg_extern, search_path, JsonB, Spi};
use std::time::Instant;

/// Internal: one of the model's constants (personality_core::collab::constant), for
/// SQL that needs one: defined once, in core. Immutable: a plan folds it. 22023 for an
/// unknown name.
#[pg_extern(immutable, parallel_safe, strict)]
fn _personality_model_constant(name: &str) -> f64 {
    match personality_core::collab::constant(name) {
        Some(v) => v,
        None => raise(
            Error::new(
                SqlState::InvalidParameterValue,
                format!("the model has no constant named \"{name}\""),
            )
            .with_hint(format!(
                "Constants: {}.",
                personality_core::collab::CONSTANTS.join(", ")
            )),
        ),
    }
}

/// Internal: `0.5^(age / half_life)` for the age of `at` at `now`, the exponent capped
/// at 1000 half-lives (personality_core::collab::opinions::decay_weight: the item
/// stats' decayed likes age by it in SQL too).
#[pg_extern(immutable, parallel_safe, strict)]
fn _personality_decay(
    at: TimestampWithTimeZone,
    now: TimestampWithTimeZone,
    half_life_seconds: f64,
) -> f64 {
    personality_core::collab::opinions::decay_weight(now.into(), at.into(), half_life_seconds)
}

/// The longest a transaction writing a swipe table holds the high-water mark back, in
/// seconds; its swipes are not lost after that (the count check rebuilds in full).
const HOLD_SECONDS: f64 = 60.0;
/// Swipes dated later than the high-water mark by more than this (microseconds) are
/// bad rows, skipped with a WARNING.
const FUTURE_MICROS: i64 = 86_400_000_000;

/// What one refresh did, returned as jsonb and kept in personality_model_state.
#[derive(Default)]
pub(crate) struct Outcome {
    pub full: bool,
    pub swipes_read: i64,
    pub rows_written: i64,
    pub rows_skipped: i64,
    pub tables_unread: i32,
    pub tables_untimed: i32,
    pub people_changed: i64,
    pub stats_written: i64,
    pub with_neighbours: i64,
    /// where the time went, ms per step, in order
    pub steps: Vec<(&'static str, f64)>,
}

impl Outcome {
    /// Records the time since `*since` as step `name`, and restarts the clock.
    pub fn step(&mut self, name: &'static str, since: &mut Instant) {
        self.steps
            .push((name, since.elapsed().as_secs_f64() * 1000.0));
        *since = Instant::now();
    }
}

/// Internal: personality_refresh_model without the caller check. The lock, the mark,
/// the reads and the writes are SPI statements of sql/queries/model; the maths is
/// personality_core's. Runs as its caller (personality_refresh_model is the owner's
/// SECURITY DEFINER wrapper); TimeZone is UTC (sql/model.sql) so that a timestamp
/// time column reads as UTC.
#[pg_extern(volatile, parallel_unsafe, strict)]
#[search_path(pg_catalog, pg_temp)]
fn _personality_refresh_model(p_full: bool) -> JsonB {
    let t0 = Instant::now();
    let done = Spi::connect_mut(|client| refresh(client, p_full, t0));
    match done {
        Ok((out, bound)) => JsonB(outcome_json(&out, bound, t0)),
        Err(e) => raise(crate::spi::error("the model refresh failed", e)),
    }
}

/// The refresh, in order: lock, mark, inputs, the count check, reads, the model, writes.
fn refresh(
    client: &mut pgrx::spi::SpiClient<'_>,
    asked_full: bool,
    t0: Instant,
) -> Result<(Outcome, i64), pgrx::spi::Error> {
    let mut out = Outcome::default();
    let mut clock = Instant::now();
    let can_increment = read::lock(client)?;
    let bound = read::mark(client, HOLD_SECONDS)?;
    let inputs = read::inputs(client)?;
    for i in &inputs {
        if let Some(w) = &i.warning {
            pgrx::warning!("personality_ext: {w}");
        }
        out.tables_unread += i32::from(!i.readable);
        out.tables_untimed += i32::from(i.readable && i.ts.is_none());
    }
    let sources = read::sources(client)?;
    out.full = asked_full || !can_increment;
    // Swipe rows below a table's mark that were not there at the last refresh (inserted
    // with an older time, committed late) or are gone (deleted, table detached): the
    // stored opinions no longer hold, count everything again.
    let mut counted = std::collections::HashMap::new();
    if !out.full {
        out.full = !read::counts_hold(client, &inputs, &sources, &mut counted)?;
    }
    if out.full {
        counted.clear(); // every row is read again
    }
    out.step("check", &mut clock);
    let far = bound.saturating_add(FUTURE_MICROS);
    // An incremental refresh with new swipes starts from everyone's kept opinions; when
    // they cannot be decoded, it reads everything again and rebuilds in full (the loop
    // runs at most twice).
    let (mut m, per_table) = loop {
        let mut m = read::Model::default();
        let window = (bound, far);
        let per_table = read_tables(
            client, &inputs, &sources, &counted, window, &mut m, &mut out,
        )?;
        if out.full || m.fresh.is_empty() || read::people(client, &mut m)? {
            break (m, per_table);
        }
        out.full = true;
        (out.swipes_read, out.rows_skipped) = (0, 0);
        counted.clear();
    };
    out.step("read", &mut clock);
    // nothing new: the lists, stats and opinions stand
    if out.full || !m.fresh.is_empty() {
        plan::run(client, &mut m, &mut out, bound, &mut clock)?;
    }
    write::sources(client, &per_table, bound)?;
    write::state(client, &out, bound, t0)?;
    out.step("state", &mut clock);
    out.with_neighbours = write::count_neighbours(client)?;
    Ok((out, bound))
}

/// Reads every readable table's swipes (all of them on a full refresh, else those since
/// its mark) into `m`; returns each table's rows below the mark `window.0` (`window.1`:
/// later than this is a bad row).
fn read_tables(
    client: &mut pgrx::spi::SpiClient<'_>,
    inputs: &[read::Input],
    sources: &std::collections::HashMap<i64, (i64, i64)>,
    counted: &std::collections::HashMap<i64, i64>,
    window: (i64, i64),
    m: &mut read::Model,
    out: &mut Outcome,
) -> Result<Vec<(i64, i64)>, pgrx::spi::Error> {
    let mut per_table = Vec::new();
    for i in inputs.iter().filter(|i| i.readable) {
        let since = if out.full {
            None
        } else {
            sources.get(&i.oid).map(|s| s.0)
        };
        let r = read::swipes(client, i, since, window.0, window.1, m)?;
        out.swipes_read += r.read;
        out.rows_skipped += r.skipped;
        per_table.push((i.oid, counted.get(&i.oid).copied().unwrap_or(0) + r.kept));
    }
    Ok(per_table)
}

fn outcome_json(out: &Outcome, bound: i64, t0: Instant) -> serde_json::Value {
    let until = TimestampWithTimeZone::try_from(bound).ok();
    let lag_ms = (crate::model::read::now_micros() - bound) as f64 / 1000.0;
    serde_json::json!({
        "full": out.full,
        "swipes_read": out.swipes_read,
        "rows_refreshed": out.rows_written,
        "products_with_neighbours": out.with_neighbours,
        "stats_refreshed": out.stats_written,
        "people_refreshed": out.people_changed,
        "swipes_until": until.map(|t| t.to_iso_string()),
        "lag_ms": (lag_ms * 10.0).round() / 10.0,
        "rows_skipped": out.rows_skipped,
        "tables_unread": out.tables_unread,
        "tables_untimed": out.tables_untimed,
        "steps_ms": out.steps.iter().map(|(k, v)| (k.to_string(), serde_json::json!((v * 10.0).round() / 10.0))).collect::<serde_json::Map<_, _>>(),
        "ms": (t0.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
    })
}

/// About what an opinion costs the refresh in memory: itself (24 bytes) twice (the
/// people and the likes of the neighbour build, old and new), with the vectors' slack.
const BYTES_PER_OPINION: usize = 96;

/// Raises 53200 when `opinions` opinions would take more than
/// personality.refresh_memory_mb. The refresh's transaction is then rolled back: the
/// previous model stays.
pub(crate) fn over_budget(opinions: usize) {
    let mb = crate::guc::REFRESH_MEMORY_MB.get().max(1) as usize;
    if opinions.saturating_mul(BYTES_PER_OPINION) > mb << 20 {
        raise(
            Error::new(
                SqlState::OutOfMemory,
                format!(
                    "the model refresh needs more than personality.refresh_memory_mb ({mb} MB) for {opinions} opinions"
                ),
            )
            .with_hint("Raise it (superuser): SET personality.refresh_memory_mb = ...; the previous model is kept."),
        );
    }
}
