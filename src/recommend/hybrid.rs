//! The hybrid engine of personality_recommend at request time (issue 14; the maths in
//! personality_core::collab, the stored model in sql/model.sql).
//!
//! For one person: their swipes read in the request (seconds-old ones count), the
//! stored neighbour lists of their most recent swipes, the item stats, the popular
//! products and the best personality fits (the 0.2.0 ranker) as candidates; the blend
//! of `collab::score` ranks them, a per-category cap and the rotation penalty shape the
//! list. Work is bounded by the person's swipes (500), K neighbours each and a few
//! hundred extra candidates, never by the catalog size.
use super::candidates::{candidate_rows, content_candidates};
use super::reasons::{out_row, product_names, top_trait, ReasonContext};
use super::rows::{Candidate, ListRow, Shown, SwipeRow};
use crate::cache::{query, Query};
use crate::copies;
use crate::spi::{or_raise, plan};
use personality_core::collab::neighbours::Neighbour;
use personality_core::collab::score::{self, IdMap, Params, Store};
use personality_core::collab::stats::{Catalog, ItemStats};
use personality_core::collab::{diversify, post, Item, Swipe};
use personality_core::ranker::{self, learn::category_share};
use personality_core::recommend::{Person, Weights};
use pgrx::spi::SpiClient;
use pgrx::Uuid;
use std::collections::HashSet;
use std::rc::Rc;

/// The engine names written to personality_recommendations.algorithm_version.
pub const HYBRID: &str = "hybrid-0.3";
pub const CONTENT: &str = "content-0.2";

/// Whether the hybrid engine serves this person: a stable hash of the user id in 0..1
/// below personality.hybrid_share.
pub fn hybrid_for(user: Uuid) -> bool {
    let share = crate::guc::HYBRID_SHARE.get();
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

const STATE: Query = query!("model/state", []);
const SHOWN: Query = query!("model/shown", [UUIDOID, INT4OID]);

pub(super) struct RequestModel {
    pub(super) neighbours: IdMap<Rc<[Neighbour]>>,
    pub(super) cands: IdMap<Candidate>,
}

impl Store for RequestModel {
    fn neighbours(&self, item: Item) -> &[Neighbour] {
        self.neighbours.get(&item).map_or(&[], |v| v)
    }
    fn stats(&self, item: Item) -> ItemStats {
        self.cands.get(&item).map(|c| c.stats).unwrap_or_default()
    }
    fn fit(&self, item: Item) -> f64 {
        self.cands.get(&item).map_or(0.0, |c| c.fit)
    }
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
    restricted: Option<&crate::visibility::Restricted>,
    content: impl FnOnce(usize, usize, usize) -> Vec<Uuid>,
) -> Vec<ListRow> {
    let min_people = crate::guc::min_people();
    let p = Params {
        reason_min_people: min_people,
        ..Params::default()
    };
    let mut lent = copies::lend_registry();
    let ids = &mut lent.registry;
    let cap = category_cap(k);
    let (core_swipes, swiped, informative) = person_swipes(ids, swipes, &p);
    // Their stored neighbour lists (copied per connection: crate::copies).
    let mut neighbours: IdMap<Rc<[Neighbour]>> = IdMap::default();
    if !informative.is_empty() {
        neighbours.extend(copies::neighbour_lists(client, ids, &informative));
    }
    super::phases::done("neighbours");
    let (catalog, stats_at, popular) = model_state(client);
    super::phases::done("state");
    // Phase 1: the best collaborative candidates, before reading their products.
    let pre = RequestModel {
        neighbours,
        cands: IdMap::default(),
    };
    let sums = score::accumulate(&core_swipes, &pre, &p);
    super::phases::done("collab sums");
    let wanted = candidates(
        ids,
        (&sums, &pre, &catalog, &p),
        k,
        popular,
        content_candidates(content, k, cap),
        &swiped,
    );
    let shown = Shown {
        person,
        w,
        max_price,
        avoided,
        min_people,
        stats_at,
    };
    let cands = candidate_rows(client, ids, &wanted, &shown);
    super::phases::done("candidate rows");
    // Phase 2: the blend over what may be shown.
    let store = RequestModel {
        neighbours: pre.neighbours,
        cands,
    };
    let extra: Vec<Item> = store.cands.keys().copied().collect();
    let mut ranked = score::rank(
        &sums,
        &store,
        &catalog,
        &extra,
        &p,
        usize::MAX,
        |i| store.cands.contains_key(&i),
        |i| u128::from_be_bytes(*ids.id(i).as_bytes()),
    );
    super::phases::done("blend");
    // The learnt ranker (issue 23): the weights of personality_ranker over the features.
    let (feats, model) = learnt_scores(
        client,
        ids,
        person,
        &mut ranked,
        &store,
        &catalog,
        &core_swipes,
        &p,
        min_people,
    );
    super::phases::done("ranker");
    rotate(client, user, ids, &mut ranked);
    best_first(&mut ranked, &store, ids);
    let by_item: IdMap<&score::Scored> = ranked.iter().map(|s| (s.item, s)).collect();
    let picked = diverse_list(&ranked, &store, &swiped, k, cap);
    super::phases::done("order");
    // Names of the products behind "because you liked …".
    let because = picked.iter().filter_map(|i| by_item[i].because);
    let because: Vec<Uuid> = because.map(|i| ids.id(i)).collect();
    let (names, hidden) = product_names(client, &because, restricted);
    let reasons = ReasonContext {
        names,
        hidden,
        top_trait: top_trait(person),
        min_people,
        quality_weight: p.quality_weight,
        model,
    };
    super::phases::done("names");
    let out = picked
        .iter()
        .map(|i| {
            out_row(
                ids,
                *i,
                by_item[i],
                &feats[i],
                &store.cands[i],
                &shown,
                &reasons,
            )
        })
        .collect();
    copies::return_registry(lent);
    out
}

/// The products to read and rank: the best collaborative candidates of phase 1 (before
/// reading their products), the popular ones and the personality-fit ones (`fits`),
/// each once, none the person swiped.
fn candidates(
    ids: &mut copies::Registry,
    (sums, pre, catalog, p): (&score::Accumulated, &RequestModel, &Catalog, &Params),
    k: usize,
    popular: Vec<Uuid>,
    fits: Vec<Uuid>,
    swiped: &HashSet<Item>,
) -> Vec<Item> {
    let phase1 = score::rank(
        sums,
        pre,
        catalog,
        &[],
        p,
        (10 * k).clamp(100, 300),
        |_| true,
        |i| u128::from_be_bytes(*ids.id(i).as_bytes()),
    );
    super::phases::done("collab candidates");
    let mut wanted: Vec<Item> = phase1.iter().map(|s| s.item).collect();
    for id in popular.into_iter().take((5 * k).clamp(50, 300)).chain(fits) {
        wanted.push(ids.intern(id));
    }
    super::phases::done("content candidates");
    let mut uniq = HashSet::new();
    wanted.retain(|i| !swiped.contains(i) && uniq.insert(*i));
    wanted
}

/// The learnt ranker (issue 23): every ranked candidate's features, and its score by
/// the weights of personality_ranker (`rank_score`: a person with no swipe is ranked
/// by the fit); returns the features by product and the weights, for the reasons.
#[allow(clippy::too_many_arguments)]
fn learnt_scores(
    client: &SpiClient<'_>,
    ids: &copies::Registry,
    person: &Person,
    ranked: &mut [score::Scored],
    store: &RequestModel,
    catalog: &Catalog,
    core_swipes: &[Swipe],
    p: &Params,
    min_people: u32,
) -> (IdMap<[f64; ranker::N]>, ranker::Model) {
    let model = crate::ranker::model(client);
    let liked = person_categories(client, ids, core_swipes);
    let n = informative_count(core_swipes, p.max_swipes);
    let top = top_trait(person);
    let mut feats: IdMap<[f64; ranker::N]> = IdMap::default();
    for s in ranked.iter_mut() {
        let c = &store.cands[&s.item];
        let side = top.map_or(0.0, |t| {
            if post::side_popular(c.side_likes[t.index()], c.stats.likes, min_people) {
                (c.side_likes[t.index()] / c.stats.likes.max(1.0)).clamp(0.0, 1.0)
            } else {
                0.0
            }
        });
        let f = ranker::features(&ranker::Inputs {
            fit: s.fit,
            collab: s.collab,
            support: s.support,
            quality: s.quality,
            popularity: catalog.popularity(&c.stats),
            category: c.product.category.as_ref().map_or(0.0, |cat| {
                category_share(liked.0.get(cat).copied().unwrap_or(0.0), liked.1)
            }),
            side,
            swipes: n,
        });
        s.score = ranker::rank_score(&model, &f, n);
        feats.insert(s.item, f);
    }
    (feats, model)
}

/// The list: the diversity re-rank over the head of the ranking (enough for the cap to
/// fill k), the rest in score order behind it, then the per-category cap.
fn diverse_list(
    ranked: &[score::Scored],
    store: &RequestModel,
    swiped: &HashSet<Item>,
    k: usize,
    cap: usize,
) -> Vec<Item> {
    let scored: Vec<(Item, f64)> = ranked.iter().map(|s| (s.item, s.score)).collect();
    let category = |i| store.cands.get(&i).and_then(|c| c.product.category.clone());
    let head = (5 * k).max(k + 40).min(scored.len());
    let mut diverse =
        diversify::relevance_diverse(&scored[..head], category, swiped, head, CLOSENESS);
    diverse.extend(scored[head..].iter().map(|(i, _)| *i));
    diversify::cap_per_category(&diverse, category, swiped, k, cap)
}

/// How close (a share of the best remaining score) an alternative from a less shown
/// category must be to go first (collab::diversify::relevance_diverse).
const CLOSENESS: f64 = 0.05;

/// The person's likes per category of the liked product, and their likes (the
/// `favourite_category` feature: personality_core::ranker::learn::category_share).
fn person_categories(
    client: &SpiClient<'_>,
    ids: &copies::Registry,
    swipes: &[Swipe],
) -> (std::collections::HashMap<String, f64>, f64) {
    let mut seen = HashSet::new();
    let liked: Vec<Uuid> = swipes
        .iter()
        .filter(|s| seen.insert(s.item))
        .filter(|s| s.is_like())
        .map(|s| ids.id(s.item))
        .collect();
    let mut out = std::collections::HashMap::new();
    if liked.is_empty() {
        return (out, 0.0);
    }
    let rows = copies::product_rows(client, &liked);
    for id in &liked {
        if let Some(r) = rows.get(id.as_bytes()) {
            if !r.category.is_empty() {
                *out.entry(r.category.clone()).or_insert(0.0) += 1.0;
            }
        }
    }
    (out, liked.len() as f64)
}

/// The person's likes and dislikes (each product's latest swipe), at most `max`.
fn informative_count(swipes: &[Swipe], max: usize) -> f64 {
    let mut seen = HashSet::new();
    swipes
        .iter()
        .filter(|s| seen.insert(s.item))
        .take(max)
        .filter(|s| s.is_like() || s.is_dislike())
        .count() as f64
}

/// The per-category cap for a list of `k`: personality.category_cap of it, rounded up,
/// at least 1; 0 for no cap.
fn category_cap(k: usize) -> usize {
    let cap_share = crate::guc::CATEGORY_CAP.get();
    if cap_share <= 0.0 || cap_share >= 1.0 {
        0
    } else {
        ((cap_share * k as f64).ceil() as usize).max(1)
    }
}

/// The person's swipes for the scorer, newest first (time, then the order read); the
/// products they swiped; and the products whose neighbours count: each product's
/// latest swipe, likes and dislikes, within the scorer's horizon
/// (Params::neighbour_horizon: older swipes weigh < 2^-10 and are not read).
fn person_swipes(
    ids: &mut copies::Registry,
    swipes: &[SwipeRow],
    p: &Params,
) -> (Vec<Swipe>, HashSet<Item>, Vec<Item>) {
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
            item: ids.intern(s.product),
            direction: s.direction,
            // strictly decreasing with r: the order above is the order the scorer uses
            ts: (n - r) as i64,
        })
        .collect();
    let swiped: HashSet<Item> = core_swipes.iter().map(|s| s.item).collect();
    let mut seen = HashSet::new();
    let informative: Vec<Item> = core_swipes
        .iter()
        .filter(|s| seen.insert(s.item))
        .take(p.neighbour_horizon())
        .filter(|s| s.is_like() || s.is_dislike())
        .map(|s| s.item)
        .collect();
    (core_swipes, swiped, informative)
}

/// Catalog numbers, the model's reference time and the popular products.
fn model_state(client: &SpiClient<'_>) -> (Catalog, f64, Vec<Uuid>) {
    let state = plan(client, &STATE);
    let mut catalog = Catalog {
        like_rate: 0.5,
        log_max_decayed: 0.0,
    };
    let mut stats_at = 0.0f64;
    let mut popular: Vec<Uuid> = Vec::new();
    for r in or_raise(client.select(&*state, Some(1), &[])) {
        catalog.like_rate = or_raise(r.get::<f64>(1)).unwrap_or(0.5);
        catalog.log_max_decayed = or_raise(r.get::<f64>(2)).unwrap_or(0.0);
        stats_at = or_raise(r.get::<f64>(3)).unwrap_or(0.0);
        popular = or_raise(r.get::<Vec<Option<Uuid>>>(4))
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect();
    }
    (catalog, stats_at, popular)
}

/// Rotation: a product shown recently and not swiped since loses rank.
fn rotate(
    client: &SpiClient<'_>,
    user: Uuid,
    ids: &copies::Registry,
    ranked: &mut [score::Scored],
) {
    let rotation = crate::guc::ROTATION.get().clamp(0.0, 1.0);
    if rotation <= 0.0 {
        return;
    }
    let stmt = plan(client, &SHOWN);
    let shown: HashSet<Item> = or_raise(client.select(
        &*stmt,
        None,
        &[user.into(), crate::guc::ROTATION_DAYS.get().into()],
    ))
    .filter_map(|r| or_raise(r.get::<Uuid>(1)))
    .filter_map(|id| ids.get(&id))
    .collect();
    post::rotate(ranked, |i| shown.contains(&i), rotation);
}

/// Best first; ties by the item-level signal, then the strength of the product's trait
/// profile; the product id only when all of these tie.
fn best_first(ranked: &mut [score::Scored], store: &RequestModel, ids: &copies::Registry) {
    post::best_first(
        ranked,
        |i| store.cands[&i].strength,
        |i| *ids.id(i).as_bytes(),
    );
}
