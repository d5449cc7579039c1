//! The learnt ranker's refresh side (issue 23; the maths in personality_core::ranker):
//! reads the install's swipes as the refresh sees them (every readable attached swipe
//! table, _personality_model_inputs(), the most recent ones first, capped) and the
//! products' categories and trait shares, learns the weights and stores them in
//! personality_ranker_weights / personality_ranker_state (sql/ranker.sql). The request
//! side reads them through the personality_ranker view (src/recommend/hybrid.rs).
use crate::cache::{query, Query};
use crate::errors::raise;
use personality_core::collab::Swipe;
use personality_core::learning::parse_direction;
use personality_core::ranker::learn::{learn, Config, Event, ItemInfo};
use personality_core::ranker::{Model, FEATURES};
use pgrx::spi::SpiClient;
use pgrx::{pg_extern, search_path, JsonB, Spi, Uuid};
use std::collections::HashMap;
use std::time::Instant;

const INPUTS: Query = query!("ranker/inputs", []);
const PRODUCTS: Query = query!("ranker/products", []);
const WRITE: Query = query!("ranker/write", []);
const WEIGHTS: Query = query!("ranker/weights", []);

/// What one training did.
pub struct Outcome {
    pub status: String,
    pub learnt: bool,
    pub examples: usize,
    pub pairs: usize,
    pub auc_learnt: f64,
    pub auc_default: f64,
    pub swipes_read: usize,
    pub ms: f64,
    /// reading the swipes, building the past model, the examples, fitting
    pub phase_ms: [f64; 4],
}

fn failed(e: impl std::fmt::Display) -> ! {
    raise(crate::spi::error("personality_refresh_model (ranker)", e))
}

fn text(q: &Query) -> String {
    crate::cache::text(q).unwrap_or_else(|e| raise(crate::spi::plan_error(e)))
}

/// Learns the ranker's weights from the swipes as the refresh sees them and stores
/// them (the refresh calls it after the model tables are written; cancellable between
/// batches and training steps). At most `Config::max_events` swipes are read, the most
/// recent of each table.
pub fn learn_at_refresh() -> Outcome {
    let t0 = Instant::now();
    let cfg = Config::default();
    Spi::connect_mut(|client| {
        let (items, index) = products(client);
        let events = swipes(client, &index, cfg.max_events);
        let swipes_read = events.len();
        let read_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let l = learn(events, &items, &cfg, &mut || {
            pgrx::check_for_interrupts!();
        });
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        let weights: Vec<Option<f64>> = FEATURES
            .iter()
            .enumerate()
            .map(|(k, _)| l.learnt.then_some(l.model.w[k]))
            .collect();
        let names: Vec<String> = FEATURES.iter().map(|s| s.to_string()).collect();
        client
            .update(
                &text(&WRITE),
                None,
                &[
                    names.into(),
                    weights.into(),
                    l.status.clone().into(),
                    (l.examples as i32).into(),
                    (l.pairs as i32).into(),
                    l.auc_learnt.into(),
                    l.auc_default.into(),
                    (swipes_read as i64).into(),
                    ms.into(),
                ],
            )
            .unwrap_or_else(|e| failed(e));
        Outcome {
            status: l.status,
            learnt: l.learnt,
            examples: l.examples,
            pairs: l.pairs,
            auc_learnt: l.auc_learnt,
            auc_default: l.auc_default,
            swipes_read,
            ms,
            phase_ms: [read_ms, l.phase_ms[0], l.phase_ms[1], l.phase_ms[2]],
        }
    })
}

/// Every product with a vector, numbered in uuid order, with its category and shares.
fn products(client: &mut SpiClient<'_>) -> (Vec<ItemInfo>, HashMap<[u8; 16], u32>) {
    let mut rows: Vec<([u8; 16], Option<String>, [f64; 5])> = Vec::new();
    let q = text(&PRODUCTS);
    let mut cur = client.open_cursor(q.as_str(), &[]);
    loop {
        pgrx::check_for_interrupts!();
        let batch = cur.fetch(20_000).unwrap_or_else(|e| failed(e));
        if batch.is_empty() {
            break;
        }
        for r in batch {
            let Some(id) = r.get::<Uuid>(1).unwrap_or_else(|e| failed(e)) else {
                continue;
            };
            let cat = r.get::<String>(2).unwrap_or_else(|e| failed(e));
            let mut shares = [0.0; 5];
            for (t, s) in shares.iter_mut().enumerate() {
                *s = r
                    .get::<f64>(3 + t)
                    .unwrap_or_else(|e| failed(e))
                    .unwrap_or(0.0);
            }
            rows.push((*id.as_bytes(), cat.filter(|c| !c.is_empty()), shares));
        }
    }
    rows.sort_by_key(|a| a.0);
    let mut cats: HashMap<String, u32> = HashMap::new();
    let mut index = HashMap::with_capacity(rows.len());
    let mut items = Vec::with_capacity(rows.len());
    for (i, (id, cat, shares)) in rows.into_iter().enumerate() {
        index.insert(id, i as u32);
        let n = cats.len() as u32;
        items.push(ItemInfo {
            category: cat.map(|c| *cats.entry(c).or_insert(n)),
            shares,
        });
    }
    (items, index)
}

/// The most recent `cap` swipes of each readable attached swipe table (the refresh's
/// direction and time expressions), on products with a vector.
fn swipes(client: &mut SpiClient<'_>, index: &HashMap<[u8; 16], u32>, cap: usize) -> Vec<Event> {
    let tables: Vec<(String, String, Option<String>)> = client
        .select(&text(&INPUTS), None, &[])
        .unwrap_or_else(|e| failed(e))
        .filter_map(|r| {
            let tab = r.get::<String>(1).unwrap_or_else(|e| failed(e))?;
            let dir = r.get::<String>(2).unwrap_or_else(|e| failed(e))?;
            let ts = r.get::<String>(3).unwrap_or_else(|e| failed(e));
            Some((tab, dir, ts))
        })
        .collect();
    let mut persons: HashMap<[u8; 16], u32> = HashMap::new();
    let mut out = Vec::new();
    for (tab, dir, ts) in tables {
        // the expressions come from _personality_model_inputs (quote_ident'ed names)
        let ts = ts.map_or("NULL::pg_catalog.float8".to_string(), |t| {
            format!("pg_catalog.date_part('epoch', {t})")
        });
        let q = format!(
            "SELECT s.user_id, s.product_id, {dir}, {ts} AS t FROM {tab} s \
             ORDER BY 4 DESC NULLS LAST LIMIT {cap}"
        );
        let mut cur = client.open_cursor(q.as_str(), &[]);
        loop {
            pgrx::check_for_interrupts!();
            let batch = cur.fetch(50_000).unwrap_or_else(|e| failed(e));
            if batch.is_empty() {
                break;
            }
            for r in batch {
                let (Some(u), Some(p), Some(d)) = (
                    r.get::<Uuid>(1).unwrap_or_else(|e| failed(e)),
                    r.get::<Uuid>(2).unwrap_or_else(|e| failed(e)),
                    r.get::<String>(3).unwrap_or_else(|e| failed(e)),
                ) else {
                    continue;
                };
                let Some(&item) = index.get(p.as_bytes()) else {
                    continue;
                };
                let t = r.get::<f64>(4).unwrap_or_else(|e| failed(e)).unwrap_or(0.0);
                let n = persons.len() as u32;
                let person = *persons.entry(*u.as_bytes()).or_insert(n);
                out.push(Event {
                    person,
                    swipe: Swipe {
                        item,
                        direction: parse_direction(Some(&d)),
                        // microseconds: swipes a second apart keep their order
                        ts: if t.is_finite() { (t * 1e6) as i64 } else { 0 },
                    },
                });
            }
        }
    }
    out
}

/// The weights in use (personality_ranker: pinned, else learnt, else default).
pub(crate) fn model(client: &SpiClient<'_>) -> Model {
    let stmt = crate::spi::plan(client, &WEIGHTS);
    let rows: Vec<(String, f64)> = crate::spi::or_raise(client.select(&*stmt, None, &[]))
        .filter_map(|r| {
            let f = crate::spi::or_raise(r.get::<String>(1))?;
            let w = crate::spi::or_raise(r.get::<f64>(2))?;
            Some((f, w))
        })
        .collect();
    Model::from_named(rows.iter().map(|(f, w)| (f.as_str(), *w)))
}

/// Internal: the feature names and default weights (the personality_ranker view).
#[pg_extern(immutable, parallel_safe)]
fn _personality_ranker_defaults() -> pgrx::iter::TableIterator<
    'static,
    (
        pgrx::name!(ord, i32),
        pgrx::name!(feature, String),
        pgrx::name!(default_weight, f64),
    ),
> {
    pgrx::iter::TableIterator::new(
        FEATURES
            .iter()
            .enumerate()
            .map(|(k, f)| {
                (
                    k as i32 + 1,
                    f.to_string(),
                    personality_core::ranker::DEFAULTS[k],
                )
            })
            .collect::<Vec<_>>(),
    )
}

/// Internal: learns the ranker's weights (learn_at_refresh) for personality_refresh_model;
/// returns what it did.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn _personality_learn_ranker() -> JsonB {
    let o = learn_at_refresh();
    JsonB(serde_json::json!({
        "status": o.status,
        "learnt": o.learnt,
        "examples": o.examples,
        "pairs": o.pairs,
        "auc_learnt": (o.auc_learnt * 1000.0).round() / 1000.0,
        "auc_default": (o.auc_default * 1000.0).round() / 1000.0,
        "swipes_read": o.swipes_read,
        "ms": (o.ms * 10.0).round() / 10.0,
        "phase_ms": o.phase_ms.iter().map(|x| (x * 10.0).round() / 10.0).collect::<Vec<f64>>(),
    }))
}
