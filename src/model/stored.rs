//! The model as stored, for a full refresh: it recomputes everything from the swipes,
//! then writes only the rows that differ from what is stored (and deletes the rows of
//! products that have none now). A full refresh over an unchanged model then writes
//! almost nothing: no rewritten table, no WAL, no dead rows for the vacuum.
use super::read::sql;
use crate::cache::{query, Query};
use crate::copies::datums::plain;
use personality_core::collab::keyhash::KeyState;
use personality_core::collab::opinions::{decay_weight, ProductStats};
use personality_core::collab::stats::HALF_LIFE;
use pgrx::datum::TimestampWithTimeZone;
use pgrx::pg_sys;
use pgrx::spi::{SpiClient, SpiError};
use pgrx::Uuid;
use std::collections::HashMap;

const STORED_NEIGHBOURS: Query = query!("model/stored_neighbours", []);
const STORED_STATS: Query = query!("model/stored_stats", []);

/// Rows fetched at a time.
const FETCH: i64 = 5_000;

/// A stored neighbour list: ids, similarities, co-likes (as stored).
pub(super) type List = (Vec<[u8; 16]>, Vec<f32>, Vec<f32>);

/// Every stored neighbour list by product id; a list of another shape (NULLs, several
/// dimensions) is left out, so it counts as different and is rewritten.
pub(super) fn neighbours(
    client: &mut SpiClient<'_>,
) -> Result<HashMap<[u8; 16], List, KeyState>, SpiError> {
    let mut out = HashMap::with_hasher(crate::copies::key_state());
    let mut cur = client.open_cursor(&sql(&STORED_NEIGHBOURS), &[]);
    let mut entries = 0usize;
    loop {
        pgrx::check_for_interrupts!();
        let mut batch = cur.fetch(FETCH)?;
        if batch.is_empty() {
            return Ok(out);
        }
        // the table itself, not its rows: it gives the raw datums of the current row
        while batch.next().is_some() {
            let Some(id) = batch.get::<Uuid>(1)? else {
                continue;
            };
            let (Some(ids), Some(sims), Some(cos)) = (
                batch.get_datum_by_ordinal(2)?,
                batch.get_datum_by_ordinal(3)?,
                batch.get_datum_by_ordinal(4)?,
            ) else {
                continue;
            };
            // SAFETY: non-null datums of the uuid[] and real[] columns of this row
            // (`plain` checks each array's element type and shape).
            let list = unsafe {
                (
                    plain::<[u8; 16]>(ids, pg_sys::UUIDOID),
                    plain::<f32>(sims, pg_sys::FLOAT4OID),
                    plain::<f32>(cos, pg_sys::FLOAT4OID),
                )
            };
            if let (Some(a), Some(b), Some(c)) = list {
                entries += a.len();
                out.insert(*id.as_bytes(), (a, b, c));
            }
        }
        super::over_budget(entries / 2);
    }
}

/// A stored stats row: the counts, the side likes, and the decayed likes aged to the
/// refresh's mark.
pub(super) type Stats = ([f64; 3], [f32; 5], f64);

/// Every stored stats row by product id, its decayed likes aged to `bound`.
pub(super) fn stats(
    client: &mut SpiClient<'_>,
    bound: i64,
) -> Result<HashMap<[u8; 16], Stats, KeyState>, SpiError> {
    let mut out = HashMap::with_hasher(crate::copies::key_state());
    let mut cur = client.open_cursor(&sql(&STORED_STATS), &[]);
    loop {
        pgrx::check_for_interrupts!();
        let batch = cur.fetch(FETCH)?;
        if batch.is_empty() {
            return Ok(out);
        }
        for r in batch {
            let Some(id) = r.get::<Uuid>(1)? else {
                continue;
            };
            let f = |n: usize| r.get::<f64>(n).map(|v| v.unwrap_or(f64::NAN));
            let counts = [f(2)?, f(3)?, f(4)?];
            let at = r.get::<TimestampWithTimeZone>(6)?.map(i64::from);
            let decayed = at.map_or(f64::NAN, |at| {
                f(5).unwrap_or(f64::NAN) * decay_weight(bound, at, HALF_LIFE)
            });
            let side = r.get::<Vec<Option<f32>>>(7)?.unwrap_or_default();
            if side.len() != 5 || side.iter().any(|x| x.is_none()) {
                continue; // another shape: rewritten
            }
            let mut s = [0f32; 5];
            for (t, x) in side.into_iter().enumerate() {
                s[t] = x.unwrap_or(0.0);
            }
            out.insert(*id.as_bytes(), (counts, s, decayed));
        }
    }
}

/// Whether computed stats equal a stored row (the decayed likes to 1e-9, relative:
/// aged in two steps or one, they differ in the last bits).
pub(super) fn same_stats(new: &ProductStats, old: &Stats) -> bool {
    let (counts, side, decayed) = old;
    counts == &[new.likes, new.dislikes, new.neutral]
        && side
            .iter()
            .zip(&new.side_likes)
            .all(|(a, b)| a.to_bits() == b.to_bits())
        && (decayed - new.decayed_likes).abs() <= 1e-9 * new.decayed_likes.abs().max(1.0)
}
