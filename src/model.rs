//! The hybrid engine of personality_recommend at request time (issue 14; the maths in
//! personality_core::collab, the stored model in sql/model.sql).
//!
//! For one person: their swipes read in the request (seconds-old ones count), the
//! stored neighbour lists of their most recent swipes, the item stats, the popular
//! products and the best personality fits (the 0.2.0 ranker) as candidates; the blend
//! of `collab::score` ranks them, a per-category cap and the rotation penalty shape the
//! list. Work is bounded by the person's swipes (500), K neighbours each and a few
//! hundred extra candidates, never by the catalog size.
use crate::cache::{query, Query};
use crate::recommend::{filled, plan, spi};
use personality_core::collab::neighbours::Neighbour;
use personality_core::collab::score::{self, Params, Store};
use personality_core::collab::stats::{Catalog, ItemStats, HALF_LIFE};
use personality_core::collab::{diversify, Item, Swipe};
use personality_core::learning::Direction;
use personality_core::recommend::{self, Person, Product, Weights};
use personality_core::traits::ALL;
use pgrx::spi::SpiClient;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting, Uuid};
use std::collections::{HashMap, HashSet};

/// The engine names written to personality_recommendations.algorithm_version.
pub const HYBRID: &str = "hybrid-0.3";
pub const CONTENT: &str = "content-0.2";

/// `personality.category_cap`: at most this share of the list from one category.
pub static CATEGORY_CAP: GucSetting<f64> = GucSetting::<f64>::new(0.4);
/// `personality.rotation`: how much rank a product shown recently and not swiped loses.
pub static ROTATION: GucSetting<f64> = GucSetting::<f64>::new(0.0);
/// `personality.rotation_days`: what "recently" means for the rotation.
pub static ROTATION_DAYS: GucSetting<i32> = GucSetting::<i32>::new(7);
/// `personality.hybrid_share`: share of people (by a hash of the user id) served by the
/// hybrid engine; the others get the 0.2.0 content ranker (A/B tests). Superuser only.
pub static HYBRID_SHARE: GucSetting<f64> = GucSetting::<f64>::new(1.0);

pub fn init() {
    GucRegistry::define_float_guc(
        c"personality.category_cap",
        c"At most this share of a recommendation list comes from one category (hybrid engine).",
        c"0.4 = at most 4 of 10 (rounded up, at least 1); the list is filled from capped-out products when the catalog has too few categories. 0 or 1 = no cap. Default 0.4.",
        &CATEGORY_CAP,
        0.0,
        1.0,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_float_guc(
        c"personality.rotation",
        c"Rank a product loses when it was shown recently (is_shown) and not swiped (hybrid engine).",
        c"Its score is multiplied by 1 - rotation when shown within personality.rotation_days and not swiped since. 0 = off (default).",
        &ROTATION,
        0.0,
        1.0,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"personality.rotation_days",
        c"Days a shown and not swiped product keeps losing rank (personality.rotation).",
        c"Default 7.",
        &ROTATION_DAYS,
        1,
        3650,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_float_guc(
        c"personality.hybrid_share",
        c"Share of people served by the hybrid engine; the rest get the 0.2.0 content ranker (A/B split by a hash of the user id; superuser only).",
        c"1 = everyone hybrid (default), 0 = everyone content-0.2. personality_recommendations.algorithm_version names the engine of each row; personality_kpis compares them.",
        &HYBRID_SHARE,
        0.0,
        1.0,
        GucContext::Suset,
        GucFlags::default(),
    );
}

/// Whether the hybrid engine serves this person: a stable hash of the user id in 0..1
/// below personality.hybrid_share.
pub fn hybrid_for(user: Uuid) -> bool {
    let share = HYBRID_SHARE.get();
    if share >= 1.0 {
        return true;
    }
    if share <= 0.0 {
        return false;
    }
    let b = user.as_bytes();
    let mut x = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
        ^ u64::from_le_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
    // splitmix64 finaliser: uniform even for sequential ids
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    ((x >> 11) as f64 / (1u64 << 53) as f64) < share
}

/// One swipe of the person as read in the request.
pub struct SwipeRow {
    pub product: Uuid,
    pub direction: Direction,
    /// created_at in seconds, 0 when the table has none
    pub ts: f64,
    /// order read (ties in ts: later rows count as newer)
    pub seq: usize,
}

/// One row of the result, as personality_recommendations stores it.
pub struct Out {
    pub id: Uuid,
    pub personality_match: f64,
    pub category_alignment: f64,
    pub behavioral_prediction: f64,
    pub combined: f64,
    pub reasons: Vec<String>,
    pub factors: serde_json::Map<String, serde_json::Value>,
}

const NEIGHBOURS: Query = query!("model/neighbours", [UUIDARRAYOID]);
const STATE: Query = query!("model/state", []);
const CANDIDATES: Query = query!("model/candidates", [UUIDARRAYOID, FLOAT8OID]);
const SHOWN: Query = query!("model/shown", [UUIDOID, INT4OID]);
const HOST_PRODUCTS: Query = query!("model/host_products", []);
const PRODUCT_NAMES: Query = query!("model/product_names", [UUIDARRAYOID]);

/// Dense indices of the products one request touches.
#[derive(Default)]
struct Ids {
    index: HashMap<[u8; 16], Item>,
    ids: Vec<Uuid>,
}

impl Ids {
    fn of(&mut self, id: Uuid) -> Item {
        let next = self.ids.len() as Item;
        let i = *self.index.entry(*id.as_bytes()).or_insert(next);
        if i == next {
            self.ids.push(id);
        }
        i
    }
}

/// What the request knows about a candidate product (only products it may show).
struct Cand {
    product: Product,
    strength: f64,
    stats: ItemStats,
    side_likes: [f64; 5],
    fit: f64,
}

struct ReqStore {
    neighbours: Vec<Vec<Neighbour>>,
    cands: HashMap<Item, Cand>,
}

impl Store for ReqStore {
    fn neighbours(&self, item: Item) -> &[Neighbour] {
        self.neighbours
            .get(item as usize)
            .map_or(&[], |v| v.as_slice())
    }
    fn stats(&self, item: Item) -> ItemStats {
        self.cands.get(&item).map(|c| c.stats).unwrap_or_default()
    }
    fn fit(&self, item: Item) -> f64 {
        self.cands.get(&item).map_or(0.0, |c| c.fit)
    }
}

fn round4(x: f64) -> serde_json::Value {
    serde_json::json!((x * 10000.0).round() / 10000.0)
}

/// The hybrid ranking of one person. `content(want, per_category, categories)` gives
/// personality fits from several categories (recommend::diverse_content: active, under
/// the price cap, not avoided, not swiped).
#[allow(clippy::too_many_arguments)]
pub fn hybrid(
    client: &SpiClient<'_>,
    user: Uuid,
    person: &Person,
    w: &Weights,
    k: usize,
    swipes: &[SwipeRow],
    avoided: &[Option<String>],
    max_price: Option<f64>,
    content: impl FnOnce(usize, usize, usize) -> Vec<Uuid>,
) -> Vec<Out> {
    let p = Params::default();
    let mut ids = Ids::default();
    let cap_share = CATEGORY_CAP.get();
    let cap = if cap_share <= 0.0 || cap_share >= 1.0 {
        0
    } else {
        ((cap_share * k as f64).ceil() as usize).max(1)
    };

    // The person's swipes, newest first (created_at, then the order read).
    let mut rows: Vec<&SwipeRow> = swipes.iter().collect();
    rows.sort_by(|a, b| {
        b.ts.partial_cmp(&a.ts)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.seq.cmp(&a.seq))
    });
    let n = rows.len();
    let core_swipes: Vec<Swipe> = rows
        .iter()
        .enumerate()
        .map(|(r, s)| Swipe {
            item: ids.of(s.product),
            direction: s.direction,
            // strictly decreasing with r: the order above is the order the scorer uses
            ts: (n - r) as i64,
        })
        .collect();
    let swiped: HashSet<Item> = core_swipes.iter().map(|s| s.item).collect();
    // the products whose neighbours count: each product's latest swipe, likes and
    // dislikes, within the scorer's horizon (Params::neighbour_horizon: older swipes
    // weigh < 2^-10 and are not read)
    let mut seen = HashSet::new();
    let informative: Vec<Uuid> = core_swipes
        .iter()
        .filter(|s| seen.insert(s.item))
        .take(p.neighbour_horizon())
        .filter(|s| s.is_like() || s.is_dislike())
        .map(|s| ids.ids[s.item as usize])
        .collect();

    // Their stored neighbour lists.
    let mut neighbours: Vec<Vec<Neighbour>> = Vec::new();
    if !informative.is_empty() {
        let stmt = plan(client, &NEIGHBOURS);
        let mut rows = spi(client.select(&*stmt, None, &[informative.into()]));
        // the table itself, not its rows: it gives the raw datums of the current row
        while rows.next().is_some() {
            let Some(pid) = spi(rows.get::<Uuid>(1)) else {
                continue;
            };
            let item = ids.of(pid) as usize;
            let list = neighbour_list(&rows, &mut ids);
            if neighbours.len() <= item {
                neighbours.resize(item + 1, Vec::new());
            }
            neighbours[item] = list;
        }
    }

    crate::recommend::phase("neighbours");
    // Catalog numbers and the popular products.
    let state = plan(client, &STATE);
    let mut catalog = Catalog {
        like_rate: 0.5,
        log_max_decayed: 0.0,
    };
    let mut stats_at = 0.0f64;
    let mut popular: Vec<Uuid> = Vec::new();
    for r in spi(client.select(&*state, Some(1), &[])) {
        catalog.like_rate = spi(r.get::<f64>(1)).unwrap_or(0.5);
        catalog.log_max_decayed = spi(r.get::<f64>(2)).unwrap_or(0.0);
        stats_at = spi(r.get::<f64>(3)).unwrap_or(0.0);
        popular = spi(r.get::<Vec<Option<Uuid>>>(4))
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect();
    }

    crate::recommend::phase("state");
    // Phase 1: the best collaborative candidates, before reading their products.
    let pre = ReqStore {
        neighbours,
        cands: HashMap::new(),
    };
    let no_extra: [Item; 0] = [];
    let phase1 = score::score_top(
        &core_swipes,
        &pre,
        &catalog,
        &no_extra,
        &p,
        (10 * k).clamp(100, 300),
    );
    crate::recommend::phase("collab candidates");
    let mut wanted: Vec<Item> = phase1.iter().map(|s| s.item).collect();
    for id in popular
        .into_iter()
        .take((5 * k).clamp(50, 300))
        .chain(content_candidates(content, k, cap))
    {
        wanted.push(ids.of(id));
    }
    crate::recommend::phase("content candidates");
    let mut uniq = HashSet::new();
    wanted.retain(|i| !swiped.contains(i) && uniq.insert(*i));

    // What the request may show of them, with their vectors and stats.
    let stmt = plan(client, &CANDIDATES);
    let wanted_ids: Vec<Uuid> = wanted.iter().map(|i| ids.ids[*i as usize]).collect();
    let mut ranker = recommend::Ranker::new(person, w);
    let mut cands: HashMap<Item, Cand> = HashMap::new();
    for r in spi(client.select(&*stmt, None, &[wanted_ids.into(), max_price.into()])) {
        let Some(id) = spi(r.get::<Uuid>(1)) else {
            continue;
        };
        let category = spi(r.get::<String>(2)).filter(|c| !c.is_empty());
        if category.is_some() && avoided.contains(&category) {
            continue;
        }
        let mut shares = [0.0; 5];
        for (t, share) in shares.iter_mut().enumerate() {
            *share = spi(r.get::<f32>(5 + t)).unwrap_or(0.0) as f64;
        }
        let product = Product {
            category,
            price: spi(r.get::<f64>(3)),
            shares,
        };
        let mut st = ItemStats {
            likes: spi(r.get::<f64>(10)).unwrap_or(0.0),
            dislikes: spi(r.get::<f64>(11)).unwrap_or(0.0),
            neutral: spi(r.get::<f64>(12)).unwrap_or(0.0),
            decayed_likes: spi(r.get::<f64>(13)).unwrap_or(0.0),
            at: spi(r.get::<f64>(14)).unwrap_or(stats_at) as i64,
        };
        // popularity as of the model's reference time, like the catalog maximum
        st = st.decay_to(stats_at as i64, HALF_LIFE);
        let mut side_likes = [0.0; 5];
        for (t, x) in spi(r.get::<Vec<Option<f32>>>(15))
            .unwrap_or_default()
            .into_iter()
            .take(5)
            .enumerate()
        {
            side_likes[t] = x.unwrap_or(0.0) as f64;
        }
        let fit = ranker.combined(&product);
        cands.insert(
            ids.of(id),
            Cand {
                product,
                strength: spi(r.get::<f64>(4)).unwrap_or(0.0),
                stats: st,
                side_likes,
                fit,
            },
        );
    }

    crate::recommend::phase("candidate rows");
    // Phase 2: the blend over what may be shown.
    let store = ReqStore {
        neighbours: pre.neighbours,
        cands,
    };
    let extra: Vec<Item> = store.cands.keys().copied().collect();
    let mut ranked = score::score_top_where(
        &core_swipes,
        &store,
        &catalog,
        &extra,
        &p,
        (20 * k).max(200),
        |i| store.cands.contains_key(&i),
    );

    crate::recommend::phase("blend");
    // Rotation: shown recently, not swiped since, loses rank.
    let rotation = ROTATION.get().clamp(0.0, 1.0);
    if rotation > 0.0 {
        let stmt = plan(client, &SHOWN);
        let shown: HashSet<Item> =
            spi(client.select(&*stmt, None, &[user.into(), ROTATION_DAYS.get().into()]))
                .filter_map(|r| spi(r.get::<Uuid>(1)))
                .filter_map(|id| ids.index.get(id.as_bytes()).copied())
                .collect();
        for s in ranked.iter_mut() {
            if shown.contains(&s.item) {
                s.score *= 1.0 - rotation;
            }
        }
    }
    // Best first; ties by the item-level signal, then the strength of the product's
    // trait profile; the product id only when all of these tie.
    ranked.sort_by(|a, b| {
        let ca = &store.cands[&a.item];
        let cb = &store.cands[&b.item];
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(
                b.quality
                    .partial_cmp(&a.quality)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
            .then(
                cb.strength
                    .partial_cmp(&ca.strength)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
            .then(
                ids.ids[a.item as usize]
                    .as_bytes()
                    .cmp(ids.ids[b.item as usize].as_bytes()),
            )
    });
    let order: Vec<Item> = ranked.iter().map(|s| s.item).collect();
    let by_item: HashMap<Item, &score::Scored> = ranked.iter().map(|s| (s.item, s)).collect();
    let picked = diversify::cap_per_category(
        &order,
        |i| store.cands.get(&i).and_then(|c| c.product.category.clone()),
        &swiped,
        k,
        cap,
    );

    crate::recommend::phase("order");
    // Names of the products behind "because you liked …".
    let because: Vec<Uuid> = picked
        .iter()
        .filter_map(|i| by_item[i].because)
        .map(|i| ids.ids[i as usize])
        .collect();
    let names = product_names(client, &because);
    let top_trait = ALL
        .iter()
        .copied()
        .max_by(|a, b| {
            person.scores[a.index()]
                .partial_cmp(&person.scores[b.index()])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.index().cmp(&a.index()))
        })
        .filter(|t| person.scores[t.index()] >= 60.0);

    crate::recommend::phase("names");
    let qw = p.quality_weight;
    picked
        .iter()
        .map(|i| {
            let s = by_item[i];
            let c = &store.cands[i];
            let parts = recommend::score(person, &c.product, w, max_price);
            let mut reasons = Vec::new();
            if let Some(b) = s.because {
                if s.collab > 0.0 && s.trust >= 0.05 {
                    let id = ids.ids[b as usize];
                    let name = names
                        .get(id.as_bytes())
                        .cloned()
                        .unwrap_or_else(|| format!("product {id}"));
                    reasons.push(format!("because you liked {name}"));
                }
            }
            if let Some(t) = top_trait {
                let side = c.side_likes[t.index()];
                if side >= 3.0 && side >= 0.5 * c.stats.likes {
                    reasons.push(format!(
                        "popular with people who share your {} side",
                        t.name()
                    ));
                }
            }
            reasons.extend(parts.reasons.iter().cloned());
            let mut factors = serde_json::Map::new();
            for t in ALL {
                factors.insert(t.name().to_string(), round4(parts.factors[t.index()]));
            }
            let mut blend = serde_json::Map::new();
            blend.insert("collaborative".into(), round4(s.collab));
            blend.insert("item_quality".into(), round4(s.quality));
            blend.insert("personality_fit".into(), round4(s.fit));
            blend.insert("collaborative_trust".into(), round4(s.trust));
            factors.insert("blend".into(), serde_json::Value::Object(blend));
            Out {
                id: ids.ids[*i as usize],
                personality_match: parts.personality_match,
                category_alignment: parts.category_alignment,
                behavioral_prediction: ((s.collab + qw * s.quality) / (1.0 + qw)).clamp(0.0, 1.0),
                combined: s.score.clamp(0.0, 1.0),
                reasons,
                factors,
            }
        })
        .collect()
}

/// The content candidates: `(2k).clamp(40, 400)` fits; with a per-category cap, at most
/// twice the cap from one category and at least enough categories to fill the list
/// under the cap, plus one.
fn content_candidates(
    content: impl FnOnce(usize, usize, usize) -> Vec<Uuid>,
    k: usize,
    cap: usize,
) -> Vec<Uuid> {
    let want = (2 * k).clamp(40, 400);
    if cap == 0 {
        return content(want, want, 1);
    }
    content(want, 2 * cap, k.div_ceil(cap) + 1)
}

/// One stored neighbour list (columns 2..4: neighbour_ids uuid[], sims real[], cos
/// real[]). The arrays are read in place (detoasted once, elements copied out of the
/// array's data area): pgrx's `Vec<Option<Uuid>>` converts each element through a datum
/// of its own, which cost more than the rest of the request (BENCHMARKS.md). An array
/// that is not the plain shape the refresh writes (one dimension, no NULLs, the
/// expected element type) is read through pgrx instead.
fn neighbour_list(r: &pgrx::spi::SpiTupleTable<'_>, ids: &mut Ids) -> Vec<Neighbour> {
    use pgrx::pg_sys::BuiltinOid::*;
    let datum = |n: usize| spi(r.get_datum_by_ordinal(n));
    // SAFETY: the datums come from this row of the SPI result, of the types the
    // statement selects (uuid[], real[], real[]); `plain` checks the element type.
    let fast = unsafe {
        match (datum(2), datum(3), datum(4)) {
            (Some(n), Some(s), Some(c)) => plain::<[u8; 16]>(n, UUIDOID.value()).and_then(|n| {
                Some((
                    n,
                    plain::<f32>(s, FLOAT4OID.value())?,
                    plain::<f32>(c, FLOAT4OID.value())?,
                ))
            }),
            _ => None,
        }
    };
    if let Some((nids, sims, cos)) = fast {
        return nids
            .iter()
            .zip(sims.iter())
            .zip(cos.iter())
            .map(|((id, sim), co)| Neighbour {
                item: ids.of(Uuid::from_bytes(*id)),
                sim: *sim,
                co: co.max(0.0) as u32,
            })
            .collect();
    }
    let nids: Vec<Option<Uuid>> = spi(r.get(2)).unwrap_or_default();
    let sims: Vec<Option<f32>> = spi(r.get(3)).unwrap_or_default();
    let cos: Vec<Option<f32>> = spi(r.get(4)).unwrap_or_default();
    nids.into_iter()
        .zip(sims)
        .zip(cos)
        .filter_map(|((id, sim), co)| {
            Some(Neighbour {
                item: ids.of(id?),
                sim: sim.unwrap_or(0.0),
                co: co.unwrap_or(0.0).max(0.0) as u32,
            })
        })
        .collect()
}

/// The elements of a one-dimensional array datum without NULLs whose element type is
/// `elem` (a fixed-length type laid out as `T`), copied; None for any other shape.
///
/// # Safety
/// `datum` must be a non-null array datum.
unsafe fn plain<T: Copy>(datum: pgrx::pg_sys::Datum, elem: pgrx::pg_sys::Oid) -> Option<Vec<T>> {
    use pgrx::pg_sys;
    let stored = datum.cast_mut_ptr::<pg_sys::varlena>();
    let ptr = pg_sys::pg_detoast_datum(stored);
    let mut arr = pgrx::array::RawArray::from_ptr(std::ptr::NonNull::new(ptr)?.cast());
    let out = (arr.oid() == elem && arr.dims().len() <= 1 && !arr.any_nulls())
        .then(|| arr.data::<T>().as_ref().to_vec());
    if ptr != stored {
        pg_sys::pfree(ptr.cast());
    }
    out
}

/// Names of products from the host's products table (name column), when it has one.
fn product_names(client: &SpiClient<'_>, ids: &[Uuid]) -> HashMap<[u8; 16], String> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return out;
    }
    // the table's name built from the catalog (regclass output depends on the search_path)
    let host = plan(client, &HOST_PRODUCTS);
    let table: Option<String> = spi(client.select(&*host, Some(1), &[]))
        .next()
        .and_then(|r| spi(r.get::<String>(1)));
    let Some(table) = table else {
        return out;
    };
    let stmt = filled(client, &PRODUCT_NAMES, &[("table", &table)]);
    for r in spi(client.select(&*stmt, None, &[ids.to_vec().into()])) {
        if let (Some(id), Some(name)) = (spi(r.get::<Uuid>(1)), spi(r.get::<String>(2))) {
            out.insert(*id.as_bytes(), name);
        }
    }
    out
}
