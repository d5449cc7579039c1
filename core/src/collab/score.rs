//! Request-time scoring of one person's candidates.
//!
//! Work is bounded by the person's swipes (at most [`Params::max_swipes`] most recent
//! ones are read), their neighbour lists (K each) and the caller's extra candidates
//! (popular products and the best personality fits, each a bounded list); never by the
//! catalog. Products the person swiped (any direction, including seconds-old swipes)
//! are never candidates.
//!
//! # The blend rule
//!
//! For a candidate product i and the person's recent swipes j (newest first, position
//! r = 0, 1, …), with recency weight `w_j = 0.5^(r / recency_half_life)` (1 when the
//! half-life is 0) and like weight `l_j` (right 1, up 1.5):
//!
//! * `collab(i) = Σ_likes w_j·l_j·sim(j, i) − dislike_weight·Σ_dislikes w_j·sim(j, i)`,
//!   normalised by the person's best candidate: `c(i) = max(collab(i), 0) / max_i collab`
//!   (0..1; 0 for everyone when nothing has a positive sum);
//! * `support(i) = Σ_likes w_j·l_j·co(j, i)`: how many co-likes stand behind `c(i)`;
//!   (only each product's latest swipe counts: it is the person's current opinion);
//! * `fit(i)`: the personality/category fit (0..1) the caller computes (the
//!   `combined_score` of `personality_recommend`, from the quiz or learnt traits);
//! * `q(i)`: item-level evidence, `popularity(i) × like_rate(i) / catalog like rate`
//!   clamped to 0..1 (popular products that are liked when shown);
//! * trust in the collaborative side, per candidate:
//!   `g(i) = n / (n + confidence_k) × support(i) / (support(i) + support_k)`,
//!   n = the person's likes + dislikes;
//!
//! `score(i) = g(i)·(c(i) + quality_weight·q(i)) + (1 − g(i))·fit(i) + TIE·q(i)`.
//!
//! A new person (n = 0) is ranked by the fit alone, item quality only breaking the fit's
//! ties (`TIE` = 0.01: fits tie across products of one category, tag set and price
//! band); as swipes accumulate the collaborative side and the item evidence take over,
//! but only where enough co-likes back them: thin neighbour lists (a young catalog, few
//! swipers) leave the operator's personality fit in charge. Defaults: `confidence_k`
//! 10, `support_k` 20, `quality_weight` 0.1, `dislike_weight` 0.25,
//! `recency_half_life` 20 swipes. Every loop is bounded; NaN and infinite inputs give
//! finite scores (NaN fit counts 0, NaN similarity counts 0).

use super::neighbours::Neighbour;
use super::stats::{Catalog, ItemStats};
use super::{finite_or, Item, Swipe};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A multiplicative hasher for product indices (the default SipHash costs more than
/// the rest of the accumulation; the keys are not attacker-chosen strings).
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A map keyed by product index, with [`IdHasher`].
pub type IdMap<V> = HashMap<Item, V, BuildHasherDefault<IdHasher>>;
/// A set of product indices, with [`IdHasher`].
pub type IdSet = HashSet<Item, BuildHasherDefault<IdHasher>>;

/// Weight of item quality as a tie-breaker of the fit (fits tie across products with the
/// same category, tags and price band).
pub const TIE: f64 = 0.01;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Swipes at which the collaborative part weighs as much as the fit (default 10).
    pub confidence_k: f64,
    /// Weight of a dislike's neighbours against a like's (default 0.25).
    pub dislike_weight: f64,
    /// Recency half-life in swipes (default 20; 0 = every recent swipe counts the same).
    pub recency_half_life: f64,
    /// Weight of item quality (default 0.1).
    pub quality_weight: f64,
    /// Most recent swipes read (default 500).
    pub max_swipes: usize,
    /// Co-like support at which a candidate's collaborative part is trusted half
    /// (default 20; 0 = trust by the swipe count alone).
    pub support_k: f64,
    /// People who liked both products a neighbour pair needs before it may be named as
    /// the reason of a recommendation ("because you liked …"; default 1: any pair;
    /// the extension passes `personality.min_people`). The pair still counts in the
    /// score.
    pub reason_min_people: u32,
}

/// Recency weights below 2^-HORIZON_HALF_LIVES are not worth reading neighbours for.
pub const HORIZON_HALF_LIVES: f64 = 10.0;

impl Params {
    /// How many of the most recent swipes have their neighbours read: those within
    /// [`HORIZON_HALF_LIVES`] recency half-lives (200 swipes by default), at most
    /// `max_swipes`; all `max_swipes` when the half-life is 0. An older swipe weighs
    /// < 2^-10 and all of them together less than 0.1 % of the total recency weight
    /// (Σ_{r≥10h} 2^(-r/h) / Σ_r 2^(-r/h) = 2^-10); they still count in n (trust).
    /// The SQL side reads only these swipes' neighbour lists.
    pub fn neighbour_horizon(&self) -> usize {
        let half = finite_or(self.recency_half_life, 0.0);
        if half > 0.0 {
            ((HORIZON_HALF_LIVES * half).ceil() as usize).min(self.max_swipes)
        } else {
            self.max_swipes
        }
    }
}

impl Default for Params {
    fn default() -> Self {
        Params {
            confidence_k: 10.0,
            dislike_weight: 0.25,
            recency_half_life: 20.0,
            quality_weight: 0.1,
            max_swipes: 500,
            support_k: 20.0,
            reason_min_people: 1,
        }
    }
}

/// One scored candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub item: Item,
    pub score: f64,
    /// Normalised collaborative part `c(i)`.
    pub collab: f64,
    pub fit: f64,
    pub quality: f64,
    /// The liked product that contributed most to `collab` ("because you liked …"),
    /// among pairs liked by at least [`Params::reason_min_people`] people.
    pub because: Option<Item>,
    /// Trust in the collaborative side for this candidate, `g(i)` (0..1).
    pub trust: f64,
    /// Recency-weighted co-likes behind `collab` (the learnt ranker's support).
    pub support: f64,
}

#[derive(Default, Clone, Copy)]
struct Acc {
    sum: f64,
    /// recency-weighted co-like count behind the likes' part of `sum`
    support: f64,
    best: f64,
    because: Option<Item>,
}

/// The accumulators of one scoring call.
enum Accs {
    /// indexed by item; `touched` in first-touch order
    Dense {
        acc: Vec<Acc>,
        seen: Vec<bool>,
        touched: Vec<Item>,
    },
    Map(IdMap<Acc>),
}

impl Accs {
    fn dense(n: usize) -> Accs {
        Accs::Dense {
            acc: vec![Acc::default(); n],
            seen: vec![false; n],
            touched: Vec::new(),
        }
    }

    fn entry(&mut self, item: Item) -> &mut Acc {
        match self {
            Accs::Dense { acc, seen, touched } => {
                let i = item as usize;
                if !seen[i] {
                    seen[i] = true;
                    touched.push(item);
                }
                &mut acc[i]
            }
            Accs::Map(m) => m.entry(item).or_default(),
        }
    }

    fn into_vec(self) -> Vec<(Item, Acc)> {
        match self {
            Accs::Dense { acc, touched, .. } => {
                touched.into_iter().map(|i| (i, acc[i as usize])).collect()
            }
            Accs::Map(m) => m.into_iter().collect(),
        }
    }
}

/// What the scorer reads from the stored tables.
pub trait Store {
    /// The product's stored neighbours (top K); empty when unknown.
    fn neighbours(&self, item: Item) -> &[Neighbour];
    /// The product's aggregated stats; default when unknown.
    fn stats(&self, item: Item) -> ItemStats;
    /// Personality/category fit of the product for this person, 0..1.
    fn fit(&self, item: Item) -> f64;
}

fn unit(x: f64) -> f64 {
    finite_or(x, 0.0).clamp(0.0, 1.0)
}

/// Scores the candidates of a person with swipes `swipes` (any order; the newest count
/// first). `extra` are additional bounded candidate lists (popular products, best fits).
/// Returns the candidates best first (ties: lower product index first).
pub fn score<S: Store>(
    swipes: &[Swipe],
    store: &S,
    catalog: &Catalog,
    extra: &[Item],
    p: &Params,
) -> Vec<Scored> {
    score_top(swipes, store, catalog, extra, p, usize::MAX)
}

/// [`score`], but only the best `limit` candidates (a partial selection: what the request
/// needs, e.g. 5 × the list length to leave room for the per-category cap).
pub fn score_top<S: Store>(
    swipes: &[Swipe],
    store: &S,
    catalog: &Catalog,
    extra: &[Item],
    p: &Params,
    limit: usize,
) -> Vec<Scored> {
    score_top_where(swipes, store, catalog, extra, p, limit, |_| true)
}

/// [`score_top`] over the candidates `allowed` accepts only (the SQL side: products the
/// request may show, i.e. active, under the price cap, not in an avoided category). The
/// collaborative part is still normalised over every candidate, so filtering does not
/// change the scores of the candidates kept.
pub fn score_top_where<S: Store>(
    swipes: &[Swipe],
    store: &S,
    catalog: &Catalog,
    extra: &[Item],
    p: &Params,
    limit: usize,
    allowed: impl Fn(Item) -> bool,
) -> Vec<Scored> {
    let acc = accumulate(swipes, store, p);
    rank(&acc, store, catalog, extra, p, limit, allowed, |i| {
        i as u128
    })
}

/// The collaborative sums of one person's swipes over their neighbours: the costly
/// half of scoring, done once per request ([`rank`] may then run more than once, e.g.
/// before and after the SQL side read the candidates' rows).
pub struct Accumulated {
    entries: Vec<(Item, Acc)>,
    swiped: IdSet,
    /// swipes that count (likes and dislikes, each product's latest)
    n: f64,
    max_collab: f64,
}

impl Accumulated {
    /// The person's likes and dislikes that count (each product's latest swipe).
    pub fn swipes(&self) -> f64 {
        self.n
    }

    /// Every reached product with its normalised collaborative score `c` (0..1) and its
    /// support, in accumulation order.
    pub fn parts(&self) -> impl Iterator<Item = (Item, f64, f64)> + '_ {
        let m = self.max_collab;
        self.entries.iter().map(move |(i, a)| {
            let c = if m > 0.0 { unit(a.sum / m) } else { 0.0 };
            (*i, c, a.support)
        })
    }
}

/// Accumulates the neighbours of a person's swipes (any order; the newest count
/// first). Only [`Store::neighbours`] is read.
pub fn accumulate<S: Store>(swipes: &[Swipe], store: &S, p: &Params) -> Accumulated {
    let swiped: IdSet = swipes.iter().map(|s| s.item).collect();
    // newest first, bounded
    let mut recent: Vec<&Swipe> = swipes.iter().collect();
    recent.sort_by(|a, b| b.ts.cmp(&a.ts).then(b.item.cmp(&a.item)));
    // a product's latest swipe is the person's current opinion of it
    let mut seen = IdSet::default();
    recent.retain(|s| seen.insert(s.item));
    recent.truncate(p.max_swipes);

    let half = finite_or(p.recency_half_life, 0.0);
    let dislike_w = finite_or(p.dislike_weight, 0.0).max(0.0);
    let horizon = p.neighbour_horizon();
    // Products are dense indices on the SQL side: accumulate in a vector when the
    // largest index is small against the work, else in a map (the offline evaluator
    // indexes the whole catalog). Hashing was most of the request's scoring time.
    let entries: usize = recent
        .iter()
        .take(horizon)
        .map(|s| store.neighbours(s.item).len())
        .sum::<usize>();
    let max_item = recent
        .iter()
        .take(horizon)
        .flat_map(|s| store.neighbours(s.item).iter().map(|nb| nb.item))
        .max();
    let mut acc = match max_item {
        Some(m) if (m as usize) < 4 * entries + 1024 => Accs::dense(m as usize + 1),
        _ => Accs::Map(IdMap::with_capacity_and_hasher(entries, Default::default())),
    };
    let mut n = 0.0;
    for (r, s) in recent.iter().enumerate() {
        let sign = if s.is_like() {
            s.like_weight()
        } else if s.is_dislike() {
            -dislike_w
        } else {
            continue;
        };
        n += 1.0;
        // beyond the horizon a swipe still counts in n, but its neighbours weigh
        // < 2^-10 each (Params::neighbour_horizon)
        if sign == 0.0 || r >= horizon {
            continue;
        }
        let w = if half > 0.0 {
            0.5f64.powf(r as f64 / half)
        } else {
            1.0
        } * sign;
        for nb in store.neighbours(s.item) {
            if swiped.contains(&nb.item) {
                continue;
            }
            let c = w * finite_or(nb.sim as f64, 0.0);
            let a = acc.entry(nb.item);
            a.sum += c;
            if s.is_like() {
                a.support += w.abs() * nb.co as f64;
            }
            if s.is_like() && c > a.best && nb.co >= p.reason_min_people {
                a.best = c;
                a.because = Some(s.item);
            }
        }
    }
    let entries = acc.into_vec();
    let max_collab = entries
        .iter()
        .map(|(_, a)| a.sum)
        .fold(0.0f64, |m, x| if x > m { x } else { m });
    Accumulated {
        entries,
        swiped,
        n,
        max_collab,
    }
}

/// The best `limit` candidates `allowed` accepts among the accumulated ones and `extra`
/// (not swiped), best first; ties by `tie` (lower first: the SQL side passes the product
/// id, so the result does not depend on how products were numbered).
#[allow(clippy::too_many_arguments)]
pub fn rank<S: Store>(
    acc: &Accumulated,
    store: &S,
    catalog: &Catalog,
    extra: &[Item],
    p: &Params,
    limit: usize,
    allowed: impl Fn(Item) -> bool,
    tie: impl Fn(Item) -> u128,
) -> Vec<Scored> {
    if limit == 0 {
        return Vec::new();
    }
    // extra candidates nobody's neighbours reached: a zero collaborative sum
    let mut zero: IdSet = extra
        .iter()
        .copied()
        .filter(|i| !acc.swiped.contains(i))
        .collect();
    if !zero.is_empty() {
        for (i, _) in &acc.entries {
            zero.remove(i);
        }
    }
    let mut zero: Vec<Item> = zero.into_iter().collect();
    zero.sort_unstable();
    let empty = Acc::default();

    let k = finite_or(p.confidence_k, 0.0).max(0.0);
    let n = acc.n;
    let gamma = if n + k > 0.0 { n / (n + k) } else { 0.0 };
    let qw = finite_or(p.quality_weight, 0.0).max(0.0);
    let base_rate = catalog.like_rate.max(1e-6);
    let max_collab = acc.max_collab;

    let mut out: Vec<Scored> = acc
        .entries
        .iter()
        .map(|(i, a)| (*i, a))
        .chain(zero.iter().map(|i| (*i, &empty)))
        .filter(|(item, _)| allowed(*item))
        .map(|(item, a)| {
            let collab = if max_collab > 0.0 {
                unit(a.sum / max_collab)
            } else {
                0.0
            };
            let st = store.stats(item);
            let quality =
                unit(catalog.popularity(&st) * st.like_rate(catalog.like_rate) / base_rate);
            let fit = unit(store.fit(item));
            let sk = finite_or(p.support_k, 0.0).max(0.0);
            let g = if sk > 0.0 {
                gamma * a.support / (a.support + sk)
            } else {
                gamma
            };
            let score = finite_or(
                g * (collab + qw * quality) + (1.0 - g) * fit + TIE * quality,
                0.0,
            );
            Scored {
                item,
                score,
                collab,
                fit,
                quality,
                because: a.because,
                trust: g,
                support: a.support,
            }
        })
        .collect();
    let order = |a: &Scored, b: &Scored| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| tie(a.item).cmp(&tie(b.item)))
    };
    if out.len() > limit {
        out.select_nth_unstable_by(limit - 1, order);
        out.truncate(limit);
    }
    out.sort_by(order);
    out
}

/// A simple in-memory [`Store`] (the offline evaluator and the tests).
pub struct MemStore<'a, F: Fn(Item) -> f64> {
    pub neighbours: &'a [Vec<Neighbour>],
    pub stats: &'a [ItemStats],
    pub fit: F,
}

impl<F: Fn(Item) -> f64> Store for MemStore<'_, F> {
    fn neighbours(&self, item: Item) -> &[Neighbour] {
        self.neighbours
            .get(item as usize)
            .map_or(&[], |v| v.as_slice())
    }
    fn stats(&self, item: Item) -> ItemStats {
        self.stats.get(item as usize).copied().unwrap_or_default()
    }
    fn fit(&self, item: Item) -> f64 {
        (self.fit)(item)
    }
}

/// The `n` products with the highest quality `q` (the popular-candidates list the SQL
/// side keeps precomputed; ties: lower index).
pub fn top_quality(stats: &[ItemStats], catalog: &Catalog, n: usize) -> Vec<Item> {
    let base = catalog.like_rate.max(1e-6);
    let mut v: Vec<(f64, Item)> = stats
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                unit(catalog.popularity(s) * s.like_rate(catalog.like_rate) / base),
                i as Item,
            )
        })
        .collect();
    v.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
    });
    v.truncate(n);
    v.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collab::neighbours::{self, Params as NParams};
    use crate::collab::stats;
    use crate::learning::Direction;

    fn like(item: Item, ts: i64) -> Swipe {
        Swipe {
            item,
            direction: Direction::Like,
            ts,
        }
    }

    fn world() -> (Vec<Vec<Neighbour>>, Vec<ItemStats>) {
        // two taste clusters {0,1,2} and {3,4,5}; 6 is popular with everyone
        let mut persons = Vec::new();
        for _ in 0..10 {
            persons.push(vec![0, 1, 2, 6]);
            persons.push(vec![3, 4, 5, 6]);
        }
        let nb = neighbours::build(&persons, 7, &NParams::default());
        let swipes: Vec<Swipe> = persons
            .iter()
            .flat_map(|l| l.iter().map(|&i| like(i, 0)))
            .collect();
        (nb, stats::aggregate(&swipes, 7, 0, stats::HALF_LIFE))
    }

    #[test]
    fn new_person_follows_the_fit() {
        let (nb, st) = world();
        let cat = Catalog::of(&st);
        let store = MemStore {
            neighbours: &nb,
            stats: &st,
            fit: |i: Item| if i == 4 { 0.9 } else { 0.1 },
        };
        let all: Vec<Item> = (0..7).collect();
        let out = score(&[], &store, &cat, &all, &Params::default());
        assert_eq!(out[0].item, 4);
        assert_eq!(out.len(), 7);
    }

    #[test]
    fn quality_only_breaks_fit_ties_for_a_new_person() {
        let (nb, st) = world();
        let cat = Catalog::of(&st);
        // 6 is the most popular product; 3 and 5 tie on fit with 6, 4 fits slightly better
        let store = MemStore {
            neighbours: &nb,
            stats: &st,
            fit: |i: Item| match i {
                4 => 0.52,
                3 | 5 | 6 => 0.5,
                _ => 0.1,
            },
        };
        let out = score(&[], &store, &cat, &[3, 4, 5, 6], &Params::default());
        let order: Vec<Item> = out.iter().map(|s| s.item).collect();
        assert_eq!(order, vec![4, 6, 3, 5]);
    }

    #[test]
    fn thin_co_likes_leave_the_fit_in_charge() {
        // one person liked 0 and 1: a single co-like is weak evidence
        let nb = neighbours::build(&[vec![0, 1]], 3, &NParams::default());
        let st = stats::aggregate(&[like(0, 0), like(1, 0)], 3, 0, stats::HALF_LIFE);
        let cat = Catalog::of(&st);
        let store = MemStore {
            neighbours: &nb,
            stats: &st,
            fit: |i: Item| if i == 2 { 0.6 } else { 0.4 },
        };
        // 0 and 29 products nobody else swiped
        let swipes: Vec<Swipe> = (0..30)
            .map(|t| like(if t == 29 { 0 } else { 100 + t as Item }, t))
            .collect();
        let out = score(&swipes, &store, &cat, &[2], &Params::default());
        assert_eq!(out[0].item, 2, "{out:?}");
        assert_eq!(out[1].item, 1);
        assert_eq!(out[1].because, Some(0));
    }

    #[test]
    fn a_pair_of_too_few_people_is_never_the_reason() {
        // one person liked 0 and 1: the pair scores, but is no reason with a minimum of 3
        let nb = neighbours::build(&[vec![0, 1]], 3, &NParams::default());
        let st = stats::aggregate(&[like(0, 0), like(1, 0)], 3, 0, stats::HALF_LIFE);
        let cat = Catalog::of(&st);
        let store = MemStore {
            neighbours: &nb,
            stats: &st,
            fit: |_: Item| 0.4,
        };
        let swipes = [like(0, 1)];
        let p = Params {
            reason_min_people: 3,
            ..Params::default()
        };
        let out = score(&swipes, &store, &cat, &[], &p);
        assert_eq!(out[0].item, 1, "{out:?}");
        assert!(out[0].collab > 0.0);
        assert_eq!(out[0].because, None);
        let out = score(&swipes, &store, &cat, &[], &Params::default());
        assert_eq!(out[0].because, Some(0));
    }

    #[test]
    fn likes_take_over_and_explain() {
        let (nb, st) = world();
        let cat = Catalog::of(&st);
        let store = MemStore {
            neighbours: &nb,
            stats: &st,
            fit: |i: Item| if i == 4 { 0.6 } else { 0.4 },
        };
        // 0 and 1 most recently, after 40 products nobody else swiped
        let swipes: Vec<Swipe> = (0..42)
            .map(|t| {
                like(
                    if t == 40 {
                        0
                    } else if t == 41 {
                        1
                    } else {
                        100 + t as Item
                    },
                    t,
                )
            })
            .collect();
        let out = score(&swipes, &store, &cat, &[4, 5], &Params::default());
        assert!(
            out.iter().all(|s| s.item != 0 && s.item != 1),
            "swiped shown"
        );
        assert_eq!(out[0].item, 2);
        assert!(out[0].because == Some(0) || out[0].because == Some(1));
        // a seconds-old swipe of 2 removes it at once
        let mut more = swipes.clone();
        more.push(like(2, 42));
        assert!(score(&more, &store, &cat, &[], &Params::default())
            .iter()
            .all(|s| s.item != 2));
    }

    #[test]
    fn odd_input_stays_finite() {
        let (nb, st) = world();
        let cat = Catalog::of(&st);
        let store = MemStore {
            neighbours: &nb,
            stats: &st,
            fit: |_: Item| f64::NAN,
        };
        let p = Params {
            confidence_k: f64::NAN,
            dislike_weight: f64::INFINITY,
            recency_half_life: f64::NAN,
            quality_weight: -1.0,
            max_swipes: 0,
            support_k: f64::NAN,
            reason_min_people: u32::MAX,
        };
        let out = score(&[like(0, 0), like(99, 1)], &store, &cat, &[1, 99, 1000], &p);
        assert!(out.iter().all(|s| s.score.is_finite()));
        assert!(score(&[], &store, &cat, &[], &Params::default()).is_empty());
    }

    #[test]
    fn swipes_beyond_the_horizon_count_for_trust_only() {
        // 300 products; product i's only neighbour is 1000 + i (its own candidate).
        let mut nb: Vec<Vec<Neighbour>> = vec![Vec::new(); 1300];
        for (i, list) in nb.iter_mut().enumerate().take(300) {
            list.push(Neighbour {
                item: 1000 + i as Item,
                sim: 0.5,
                co: 30,
            });
        }
        let st = vec![ItemStats::default(); 1300];
        let cat = Catalog::of(&st);
        let store = MemStore {
            neighbours: &nb,
            stats: &st,
            fit: |_: Item| 0.5,
        };
        let p = Params::default();
        assert_eq!(p.neighbour_horizon(), 200);
        // newest first: product 299 (ts 299) is rank 0, product 0 rank 299
        let swipes: Vec<Swipe> = (0..300).map(|i| like(i, i as i64)).collect();
        let out = score(&swipes, &store, &cat, &[], &p);
        let got: HashSet<Item> = out.iter().map(|s| s.item).collect();
        // ranks 0..199 (products 100..299) reach their neighbour, ranks 200.. do not
        assert!((100..300).all(|i| got.contains(&(1000 + i))));
        assert!((0..100).all(|i| !got.contains(&(1000 + i))));
        // trust counts all 300 swipes
        let all = Params {
            recency_half_life: 0.0,
            ..p
        };
        assert_eq!(all.neighbour_horizon(), 500);
        let g = out[0].trust;
        let expect = 300.0 / 310.0 * (30.0 / (30.0 + 20.0));
        assert!((g - expect).abs() < 1e-9, "{g} {expect}");
    }

    #[test]
    fn top_n_is_the_head_of_the_full_ranking() {
        let (nb, st) = world();
        let cat = Catalog::of(&st);
        let store = MemStore {
            neighbours: &nb,
            stats: &st,
            fit: |i: Item| (i % 3) as f64 / 3.0,
        };
        let swipes = [like(0, 0), like(3, 1)];
        let all: Vec<Item> = (0..7).collect();
        let full = score(&swipes, &store, &cat, &all, &Params::default());
        for n in 0..8 {
            assert_eq!(
                score_top(&swipes, &store, &cat, &all, &Params::default(), n),
                full[..n.min(full.len())]
            );
        }
    }
}
