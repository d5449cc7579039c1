//! The collaborative model's refresh side in Rust (sql/model.sql runs the refresh):
//! its constants, defined once in personality_core::collab, and the neighbour lists,
//! computed by personality_core::collab::neighbours. The request side is
//! src/recommend/hybrid.rs.
use crate::cache::{query, Query};
use pgrx::{pg_extern, search_path, Spi, Uuid};

/// Internal: one of the model's constants (personality_core::collab::constant), for
/// the refresh in sql/model.sql: defined once, in core. Immutable: a plan folds it.
/// 22023 for an unknown name.
#[pg_extern(immutable, parallel_safe, strict)]
fn _personality_model_constant(name: &str) -> f64 {
    match personality_core::collab::constant(name) {
        Some(v) => v,
        None => crate::errors::raise(
            crate::errors::Error::new(
                crate::errors::SqlState::InvalidParameterValue,
                format!("the model has no constant named \"{name}\""),
            )
            .with_hint(format!(
                "Constants: {}.",
                personality_core::collab::CONSTANTS.join(", ")
            )),
        ),
    }
}

const LIKES: Query = query!("model/likes", []);
const WRITE_NEIGHBOURS: Query = query!("model/write_neighbours", []);

/// Rows of personality_item_neighbours written per statement.
const WRITE_BATCH: usize = 5_000;
/// Neighbour rows computed per pass of core's build (a cancel is seen between passes).
const BUILD_BATCH: usize = 2_000;

/// Internal: the neighbour lists of the products `p_rows` (issue 21: computed by
/// personality_core::collab::neighbours, the rule the examples evaluate), from the
/// refresh's pg_temp.personality_model_likes, written to personality_item_neighbours
/// (the caller deleted those rows). Returns the rows written (products with at least
/// one co-liked product). Only for the refresh: it runs inside it, as the owner.
#[pg_extern(volatile, parallel_unsafe, strict)]
#[search_path(pg_catalog, pg_temp)]
fn _personality_build_neighbours(p_rows: Vec<Option<Uuid>>) -> i64 {
    use personality_core::collab::neighbours::{build_rows, Params};
    let built = Spi::connect_mut(|client| -> Result<i64, pgrx::spi::Error> {
        // the likes, by person; products numbered in uuid order (core's ties, lower
        // index first, are then SQL's, lower uuid first)
        let mut pairs: Vec<([u8; 16], [u8; 16])> = Vec::new();
        {
            let text = crate::cache::text(&LIKES).unwrap_or_else(|e| neighbours_failed(e));
            let mut cur = client.open_cursor(text.as_str(), &[]);
            loop {
                pgrx::check_for_interrupts!();
                let batch = cur.fetch(50_000)?;
                if batch.is_empty() {
                    break;
                }
                for r in batch {
                    if let (Some(u), Some(p)) = (r.get::<Uuid>(1)?, r.get::<Uuid>(2)?) {
                        pairs.push((*u.as_bytes(), *p.as_bytes()));
                    }
                }
                over_budget(pairs.len());
            }
        }
        let mut products: Vec<[u8; 16]> = pairs.iter().map(|x| x.1).collect();
        products.sort_unstable();
        products.dedup();
        let index = |p: &[u8; 16]| products.binary_search(p).ok().map(|i| i as u32);
        let mut persons: Vec<Vec<u32>> = Vec::new();
        let mut last: Option<[u8; 16]> = None;
        for (u, p) in &pairs {
            if last != Some(*u) {
                persons.push(Vec::new());
                last = Some(*u);
            }
            if let (Some(v), Some(i)) = (persons.last_mut(), index(p)) {
                v.push(i);
            }
        }
        drop(pairs);
        let mut rows: Vec<u32> = p_rows
            .iter()
            .flatten()
            .filter_map(|u| index(u.as_bytes()))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        let params = Params::default();
        let write = crate::cache::text(&WRITE_NEIGHBOURS).unwrap_or_else(|e| neighbours_failed(e));
        let mut written = 0i64;
        let (mut ids, mut flat, mut sims, mut cos, mut offs) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), vec![0i32]);
        let mut flush = |client: &mut pgrx::spi::SpiClient<'_>,
                         ids: &mut Vec<Uuid>,
                         flat: &mut Vec<Uuid>,
                         sims: &mut Vec<f32>,
                         cos: &mut Vec<f32>,
                         offs: &mut Vec<i32>|
         -> Result<(), pgrx::spi::Error> {
            if ids.is_empty() {
                return Ok(());
            }
            written += ids.len() as i64;
            client.update(
                write.as_str(),
                None,
                &[
                    std::mem::take(ids).into(),
                    std::mem::take(flat).into(),
                    std::mem::replace(offs, vec![0]).into(),
                    std::mem::take(sims).into(),
                    std::mem::take(cos).into(),
                ],
            )?;
            Ok(())
        };
        for block in rows.chunks(BUILD_BATCH) {
            pgrx::check_for_interrupts!();
            for (item, list) in build_rows(&persons, products.len(), block, &params) {
                if list.is_empty() {
                    continue;
                }
                ids.push(Uuid::from_bytes(products[item as usize]));
                for nb in &list {
                    flat.push(Uuid::from_bytes(products[nb.item as usize]));
                    sims.push(nb.sim);
                    cos.push(nb.co as f32);
                }
                offs.push(flat.len() as i32);
                if ids.len() >= WRITE_BATCH {
                    flush(client, &mut ids, &mut flat, &mut sims, &mut cos, &mut offs)?;
                }
            }
        }
        flush(client, &mut ids, &mut flat, &mut sims, &mut cos, &mut offs)?;
        Ok(written)
    });
    built.unwrap_or_else(|e| neighbours_failed(e))
}

/// About what a like read costs the build: its pair (32 bytes) and its place in its
/// person's list (4), with the vectors' slack.
const BYTES_PER_LIKE: usize = 40;

/// Raises 53200 when `likes` likes would take more than personality.refresh_memory_mb.
/// The refresh's transaction is then rolled back: the previous model stays.
fn over_budget(likes: usize) {
    let mb = crate::guc::REFRESH_MEMORY_MB.get().max(1) as usize;
    if likes.saturating_mul(BYTES_PER_LIKE) > mb << 20 {
        crate::errors::raise(
            crate::errors::Error::new(
                crate::errors::SqlState::OutOfMemory,
                format!(
                    "the model refresh needs more than personality.refresh_memory_mb ({mb} MB) for {likes} likes"
                ),
            )
            .with_hint("Raise it (superuser): SET personality.refresh_memory_mb = ...; the previous model is kept."),
        );
    }
}

/// A failure of the neighbour build, as 55000 (crate::spi's one mapping).
fn neighbours_failed(e: impl std::fmt::Display) -> ! {
    crate::errors::raise(crate::spi::error("building the neighbour lists failed", e))
}
