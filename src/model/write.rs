//! What the refresh writes, in statements of many rows each (arrays unnested by SQL):
//! the people's opinions, the item stats, the neighbour lists, the sources and the
//! state. DELETE and INSERT, never TRUNCATE: recommendations keep reading the previous
//! model until the refresh commits.
use super::read::{sql, Model};
use super::Outcome;
use crate::cache::{query, Query};
use personality_core::collab::neighbours::Neighbour;
use personality_core::collab::opinions::{self, ProductStats};
use personality_core::collab::{stats, Item};
use pgrx::datum::TimestampWithTimeZone;
use pgrx::spi::{SpiClient, SpiError};
use pgrx::Uuid;

const CLEAR_PEOPLE: Query = query!("model/clear_people", []);
const DELETE_STATS: Query = query!("model/delete_stats", []);
const WRITE_PEOPLE: Query = query!("model/write_people", []);
const WRITE_STATS: Query = query!("model/write_stats", []);
const WRITE_NEIGHBOURS: Query = query!("model/write_neighbours", []);
const DELETE_NEIGHBOURS: Query = query!("model/delete_neighbours", []);
const CLEAR_SOURCES: Query = query!("model/clear_sources", []);
const WRITE_SOURCES: Query = query!("model/write_sources", []);
const STATE_CATALOG: Query = query!("model/state_catalog", []);
const STATE_POPULAR: Query = query!("model/state_popular", []);
const COUNT_NEIGHBOURS: Query = query!("model/count_neighbours", []);

/// Rows written per statement.
const BATCH: usize = 5_000;

fn at(t: i64) -> TimestampWithTimeZone {
    TimestampWithTimeZone::try_from(t)
        .unwrap_or_else(|_| TimestampWithTimeZone::positive_infinity())
}

/// Empties the people's opinions (a full rebuild writes them all again).
pub(super) fn clear_people(client: &mut SpiClient<'_>) -> Result<(), SpiError> {
    client.update(&sql(&CLEAR_PEOPLE), None, &[])?;
    Ok(())
}

/// Stores the opinions of the people `who`.
pub(super) fn people(client: &mut SpiClient<'_>, m: &Model, who: &[usize]) -> Result<(), SpiError> {
    let q = sql(&WRITE_PEOPLE);
    for chunk in who.chunks(BATCH) {
        pgrx::check_for_interrupts!();
        let (mut ids, mut blobs) = (
            Vec::with_capacity(chunk.len()),
            Vec::with_capacity(chunk.len()),
        );
        for &p in chunk {
            if m.persons[p].is_empty() {
                continue;
            }
            ids.push(Uuid::from_bytes(m.users[p]));
            blobs.push(opinions::encode(&m.persons[p], &m.products));
        }
        if !ids.is_empty() {
            client.update(&q, None, &[ids.into(), blobs.into()])?;
        }
    }
    Ok(())
}

/// Stores the computed stats (`Some` entries) as of `bound`; returns the rows written.
pub(super) fn stats(
    client: &mut SpiClient<'_>,
    m: &Model,
    st: &[Option<ProductStats>],
    bound: i64,
) -> Result<i64, SpiError> {
    let q = sql(&WRITE_STATS);
    let rows: Vec<(usize, &ProductStats)> = st
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
        .collect();
    for chunk in rows.chunks(BATCH) {
        pgrx::check_for_interrupts!();
        let ids: Vec<Uuid> = chunk
            .iter()
            .map(|(i, _)| Uuid::from_bytes(m.products[*i]))
            .collect();
        let col = |f: &dyn Fn(&ProductStats) -> f64| {
            chunk.iter().map(|(_, s)| f(s)).collect::<Vec<f64>>()
        };
        let side = |t: usize| {
            chunk
                .iter()
                .map(|(_, s)| s.side_likes[t])
                .collect::<Vec<f32>>()
        };
        client.update(
            &q,
            None,
            &[
                ids.into(),
                at(bound).into(),
                col(&|s| s.likes).into(),
                col(&|s| s.dislikes).into(),
                col(&|s| s.neutral).into(),
                col(&|s| s.decayed_likes).into(),
                side(0).into(),
                side(1).into(),
                side(2).into(),
                side(3).into(),
                side(4).into(),
            ],
        )?;
    }
    Ok(rows.len() as i64)
}

/// The neighbour lists to write, flushed every [`BATCH`] rows, and those to delete.
#[derive(Default)]
pub(super) struct Neighbours {
    ids: Vec<Uuid>,
    flat: Vec<Uuid>,
    sims: Vec<f32>,
    cos: Vec<f32>,
    offs: Vec<i32>,
    gone: Vec<Uuid>,
    written: i64,
}

impl Neighbours {
    pub fn put(
        &mut self,
        client: &mut SpiClient<'_>,
        m: &Model,
        i: Item,
        list: &[Neighbour],
    ) -> Result<(), SpiError> {
        if self.offs.is_empty() {
            self.offs.push(0);
        }
        self.ids.push(Uuid::from_bytes(m.products[i as usize]));
        for nb in list {
            self.flat
                .push(Uuid::from_bytes(m.products[nb.item as usize]));
            self.sims.push(nb.sim);
            self.cos.push(nb.co as f32);
        }
        self.offs.push(self.flat.len() as i32);
        if self.ids.len() >= BATCH {
            self.flush(client)?;
        }
        Ok(())
    }

    /// The product `id` has no list any more.
    pub fn gone_id(&mut self, id: [u8; 16]) {
        self.gone.push(Uuid::from_bytes(id));
    }

    /// Product `i` has no list any more.
    pub fn gone(&mut self, m: &Model, i: Item) {
        self.gone.push(Uuid::from_bytes(m.products[i as usize]));
    }

    fn flush(&mut self, client: &mut SpiClient<'_>) -> Result<(), SpiError> {
        if self.ids.is_empty() {
            return Ok(());
        }
        self.written += self.ids.len() as i64;
        client.update(
            &sql(&WRITE_NEIGHBOURS),
            None,
            &[
                std::mem::take(&mut self.ids).into(),
                std::mem::take(&mut self.flat).into(),
                std::mem::take(&mut self.offs).into(),
                std::mem::take(&mut self.sims).into(),
                std::mem::take(&mut self.cos).into(),
            ],
        )?;
        Ok(())
    }

    /// Writes what is left and deletes the lists gone; returns the rows written or deleted.
    pub fn finish(mut self, client: &mut SpiClient<'_>) -> Result<i64, SpiError> {
        self.flush(client)?;
        let gone = std::mem::take(&mut self.gone);
        self.written += gone.len() as i64;
        for chunk in gone.chunks(BATCH) {
            client.update(&sql(&DELETE_NEIGHBOURS), None, &[chunk.to_vec().into()])?;
        }
        Ok(self.written)
    }
}

/// Deletes the stats of the products `gone`; returns how many.
pub(super) fn delete_stats(client: &mut SpiClient<'_>, gone: &[Uuid]) -> Result<i64, SpiError> {
    for chunk in gone.chunks(BATCH) {
        client.update(&sql(&DELETE_STATS), None, &[chunk.to_vec().into()])?;
    }
    Ok(gone.len() as i64)
}

/// The tables read, each with its rows below the mark.
pub(super) fn sources(
    client: &mut SpiClient<'_>,
    per_table: &[(i64, i64)],
    bound: i64,
) -> Result<(), SpiError> {
    client.update(&sql(&CLEAR_SOURCES), None, &[])?;
    let oids: Vec<i64> = per_table.iter().map(|x| x.0).collect();
    let counts: Vec<i64> = per_table.iter().map(|x| x.1).collect();
    client.update(
        &sql(&WRITE_SOURCES),
        None,
        &[oids.into(), at(bound).into(), counts.into()],
    )?;
    Ok(())
}

/// The catalog numbers, the popular products and what the refresh did.
pub(super) fn state(
    client: &mut SpiClient<'_>,
    out: &Outcome,
    bound: i64,
    t0: std::time::Instant,
) -> Result<(), SpiError> {
    let min_people = crate::guc::min_people() as f64;
    client.update(
        &sql(&STATE_CATALOG),
        None,
        &[at(bound).into(), stats::HALF_LIFE.into(), min_people.into()],
    )?;
    client.update(
        &sql(&STATE_POPULAR),
        None,
        &[
            at(bound).into(),
            stats::HALF_LIFE.into(),
            min_people.into(),
            stats::RATE_PRIOR.into(),
            (t0.elapsed().as_secs_f64() * 1000.0).into(),
            out.swipes_read.into(),
            out.rows_written.into(),
            out.rows_skipped.into(),
            out.tables_unread.into(),
        ],
    )?;
    Ok(())
}

/// Products with a neighbour list now.
pub(super) fn count_neighbours(client: &mut SpiClient<'_>) -> Result<i64, SpiError> {
    Ok(client
        .select(&sql(&COUNT_NEIGHBOURS), Some(1), &[])?
        .first()
        .get_one::<i64>()?
        .unwrap_or(0))
}
