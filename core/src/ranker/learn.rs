//! Learning the ranker's weights from an install's own swipes (issue 23), at refresh
//! time: pairwise (BPR), time-respecting, deterministic with a seed, bounded.
//!
//! 1. The most recent `max_events` swipes, in time order, are cut at their 80th
//!    percentile: the **past** builds a model as the refresh would have at that moment
//!    (co-like neighbours with [`crate::collab::neighbours::build`], item stats,
//!    popularity; fewer than `min_people` likers say nothing), the **future** gives the
//!    training examples.
//! 2. An example is a future like of a person: their history is every swipe of theirs
//!    before it (past and future), as a request at that moment would read it. The liked
//!    product is the positive; `negatives` products the person never swiped are the
//!    negatives, half drawn from the person's co-like candidates at that moment, half
//!    uniformly from the catalog (popularity-proportional negatives would teach the
//!    ranker to avoid popular products). Each feature is computed from what was known
//!    before the swipe only.
//! 3. Stochastic gradient ascent on `Σ ln σ(w·(x_pos − x_neg)) − λ/2·|w − w_default|²`
//!    over shuffled pairs for `epochs` passes. A fifth of the examples are held out:
//!    the learnt weights are used only when they order the held-out pairs at least as
//!    well as the defaults (AUC), else the defaults stay, and the outcome says why.
//!
//! Personality fit is represented in training by the fit of the product's trait
//! shares to the mean shares of the person's earlier likes (what learnt traits track),
//! the trait of the people who liked a product is not known in the past, so
//! `side_popularity` keeps its default weight (no gradient reaches it).
//! Work: the neighbour build over at most `max_events` swipes, plus per example the
//! person's most recent 200 likes' neighbour lists; `interrupt` is called between
//! steps (the SQL side checks for a cancel there).

use super::{features, Inputs, Model, DEFAULTS, N};
use crate::collab::neighbours::{self, Neighbour};
use crate::collab::score::{self, MemStore};
use crate::collab::stats::{self, Catalog, ItemStats, HALF_LIFE};
use crate::collab::{Item, Swipe};
use std::collections::{HashMap, HashSet};

/// One swipe of one person (`swipe.ts` in microseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub person: u32,
    pub swipe: Swipe,
}

/// What the learner knows of a product.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ItemInfo {
    /// dense category index, `None` without one
    pub category: Option<u32>,
    /// trait shares (0..1 each), all 0 when the product has no vector
    pub shares: [f64; 5],
}

/// Knobs of the learner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub max_events: usize,
    pub max_examples: usize,
    pub negatives: usize,
    pub epochs: usize,
    pub seed: u64,
    pub lambda: f64,
    pub rate: f64,
    /// Examples below which the defaults stay.
    pub min_examples: usize,
    pub min_people: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_events: 200_000,
            max_examples: 5_000,
            negatives: 4,
            epochs: 15,
            seed: 23,
            lambda: 1e-3,
            rate: 0.05,
            min_examples: 200,
            min_people: 3,
        }
    }
}

/// The outcome of a training run.
#[derive(Debug, Clone, PartialEq)]
pub struct Learnt {
    pub model: Model,
    /// whether `model` holds learnt weights (else the defaults)
    pub learnt: bool,
    /// why the defaults stayed, or "learnt"
    pub status: String,
    pub examples: usize,
    pub pairs: usize,
    /// held-out pairwise AUC of the learnt and of the default weights
    pub auc_learnt: f64,
    pub auc_default: f64,
    /// milliseconds spent building the past model, making the examples, fitting
    pub phase_ms: [f64; 3],
}

/// splitmix64: a small deterministic generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Default)]
struct PersonState {
    swipes: Vec<Swipe>,
    cat_likes: HashMap<u32, f64>,
    likes: f64,
    shares: [f64; 5],
    /// distinct products liked or disliked
    opinions: HashSet<Item>,
}

impl PersonState {
    fn add(&mut self, s: &Swipe, items: &[ItemInfo]) {
        self.swipes.push(*s);
        if s.is_like() || s.is_dislike() {
            self.opinions.insert(s.item);
        }
        if s.is_like() {
            self.likes += 1.0;
            if let Some(info) = items.get(s.item as usize) {
                if let Some(c) = info.category {
                    *self.cat_likes.entry(c).or_insert(0.0) += 1.0;
                }
                for t in 0..5 {
                    self.shares[t] += info.shares[t];
                }
            }
        }
    }
}

/// The person's share of likes in a category, shrunk for few likes:
/// `likes in it / (likes + 1)`. The request side computes it the same way.
pub fn category_share(in_category: f64, likes: f64) -> f64 {
    if likes <= 0.0 {
        0.0
    } else {
        (in_category / (likes + 1.0)).clamp(0.0, 1.0)
    }
}

/// Cosine of two trait-share vectors (0 when either is all zero).
pub fn trait_fit(a: &[f64; 5], b: &[f64; 5]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na > 0.0 && nb > 0.0 && dot.is_finite() {
        (dot / (na * nb)).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn auc(model: &Model, pairs: &[[f64; N]]) -> f64 {
    if pairs.is_empty() {
        return 0.5;
    }
    let mut s = 0.0;
    for d in pairs {
        let z = model.score(d);
        s += if z > 1e-12 {
            1.0
        } else if z < -1e-12 {
            0.0
        } else {
            0.5
        };
    }
    s / pairs.len() as f64
}

fn defaults(status: &str, examples: usize) -> Learnt {
    Learnt {
        model: Model::default(),
        learnt: false,
        status: status.to_string(),
        examples,
        pairs: 0,
        auc_learnt: 0.5,
        auc_default: 0.5,
        phase_ms: [0.0; 3],
    }
}

/// Learns the weights from `events` (any order) over `items` (indexed by product).
pub fn learn(
    mut events: Vec<Event>,
    items: &[ItemInfo],
    cfg: &Config,
    interrupt: &mut dyn FnMut(),
) -> Learnt {
    let t0 = std::time::Instant::now();
    let ms = |t: std::time::Instant| t.elapsed().as_secs_f64() * 1000.0;
    let mut phase_ms = [0.0; 3];
    let n_items = items.len();
    events.retain(|e| (e.swipe.item as usize) < n_items);
    events.sort_by_key(|e| e.swipe.ts);
    if events.len() > cfg.max_events {
        events.drain(..events.len() - cfg.max_events);
    }
    let cut = events.len() * 4 / 5;
    let future_likes = events[cut..].iter().filter(|e| e.swipe.is_like()).count();
    if future_likes < cfg.min_examples {
        return defaults("defaults: too few swipes to learn from", future_likes);
    }
    let past = match past_model(&events[..cut], n_items, cfg, interrupt) {
        Ok(m) => m,
        Err(why) => return defaults(why, 0),
    };
    phase_ms[0] = ms(t0);
    let t1 = std::time::Instant::now();
    let mut rng = Rng::new(cfg.seed);
    let (train, held, examples) = pairs(
        &events,
        cut,
        items,
        &past,
        cfg,
        &mut rng,
        future_likes,
        interrupt,
    );
    if examples < cfg.min_examples || train.is_empty() {
        return defaults("defaults: too few swipes to learn from", examples);
    }
    phase_ms[1] = ms(t1);
    let t2 = std::time::Instant::now();
    let m = bpr(&train, cfg, &mut rng, interrupt);
    let auc_learnt = auc(&m, &held);
    let auc_default = auc(&Model::default(), &held);
    phase_ms[2] = ms(t2);
    let pairs = train.len() + held.len();
    if m.w.iter().any(|w| !w.is_finite()) {
        return defaults("defaults: training diverged", examples);
    }
    let learnt = auc_learnt >= auc_default;
    Learnt {
        model: if learnt { m } else { Model::default() },
        learnt,
        status: if learnt {
            "learnt".into()
        } else {
            "defaults: the learnt weights ordered held-out swipes worse".into()
        },
        examples,
        pairs,
        auc_learnt,
        auc_default,
        phase_ms,
    }
}

/// The model a refresh would have built from the past swipes: neighbours, item stats
/// (counts below `min_people` say nothing), the catalog numbers; and every person's
/// opinions of that time.
struct Past {
    nb: Vec<Vec<Neighbour>>,
    st: Vec<ItemStats>,
    catalog: Catalog,
}

fn past_model(
    past: &[Event],
    n_items: usize,
    cfg: &Config,
    interrupt: &mut dyn FnMut(),
) -> Result<Past, &'static str> {
    let mut latest: HashMap<(u32, Item), Swipe> = HashMap::new();
    for e in past {
        latest.insert((e.person, e.swipe.item), e.swipe);
    }
    // in a fixed order: the run must not depend on the hash maps' seeds
    let mut latest: Vec<((u32, Item), Swipe)> = latest.into_iter().collect();
    latest.sort_unstable_by_key(|(k, _)| *k);
    let mut by_person: HashMap<u32, Vec<Swipe>> = HashMap::new();
    for ((p, _), s) in &latest {
        by_person.entry(*p).or_default().push(*s);
    }
    let mut persons: Vec<u32> = by_person.keys().copied().collect();
    persons.sort_unstable();
    let mut like_lists: Vec<Vec<Item>> = Vec::with_capacity(persons.len());
    for p in &persons {
        let mut v = by_person[p].clone();
        v.sort_by_key(|s| (s.ts, s.item));
        like_lists.push(v.iter().filter(|s| s.is_like()).map(|s| s.item).collect());
    }
    interrupt();
    let nb: Vec<Vec<Neighbour>> = neighbours::build(&like_lists, n_items, &Default::default());
    interrupt();
    let now = past.last().map_or(0, |e| e.swipe.ts);
    let mut st = stats::aggregate(latest.iter().map(|(_, s)| s), n_items, now, HALF_LIFE * 1e6);
    let min = cfg.min_people as f64;
    for s in st.iter_mut() {
        if s.likes < min {
            s.likes = 0.0;
            s.decayed_likes = 0.0;
        }
        if s.dislikes < min {
            s.dislikes = 0.0;
        }
        if s.neutral < min {
            s.neutral = 0.0;
        }
    }
    if !latest.iter().any(|(_, s)| s.is_like()) {
        return Err("defaults: no likes before the training window");
    }
    let catalog = Catalog::of(&st);
    Ok(Past { nb, st, catalog })
}

/// The training and held-out pairs (positive minus negative features) of the future
/// likes (`events[cut..]`), each from what was known before it; and the examples made.
#[allow(clippy::too_many_arguments)]
fn pairs(
    events: &[Event],
    cut: usize,
    items: &[ItemInfo],
    past: &Past,
    cfg: &Config,
    rng: &mut Rng,
    future_likes: usize,
    interrupt: &mut dyn FnMut(),
) -> (Vec<[f64; N]>, Vec<[f64; N]>, usize) {
    let (st, catalog) = (&past.st, &past.catalog);
    let n_items = items.len();
    let store = MemStore {
        neighbours: &past.nb,
        stats: st,
        fit: |_| 0.0,
    };
    let sp = score::Params::default();
    let swiped: HashSet<(u32, Item)> = events.iter().map(|e| (e.person, e.swipe.item)).collect();
    let keep = (cfg.max_examples as f64 / future_likes as f64).min(1.0);
    let mut state: HashMap<u32, PersonState> = HashMap::new();
    for e in &events[..cut] {
        state.entry(e.person).or_default().add(&e.swipe, items);
    }
    let base = catalog.like_rate.max(1e-6);
    let inputs = |ps: &PersonState, item: Item, c: f64, support: f64, n: f64| -> Inputs {
        let s: ItemStats = st[item as usize];
        let info = items[item as usize];
        Inputs {
            fit: trait_fit(&ps.shares, &info.shares),
            collab: c,
            support,
            quality: (catalog.popularity(&s) * s.like_rate(catalog.like_rate) / base)
                .clamp(0.0, 1.0),
            popularity: catalog.popularity(&s),
            category: info.category.map_or(0.0, |cat| {
                category_share(ps.cat_likes.get(&cat).copied().unwrap_or(0.0), ps.likes)
            }),
            side: 0.0,
            swipes: n,
        }
    };
    let (mut train, mut held) = (Vec::new(), Vec::new());
    let mut examples = 0usize;
    for e in &events[cut..] {
        let ps = state.entry(e.person).or_default();
        if e.swipe.is_like() && rng.unit() < keep {
            examples += 1;
            if examples.is_multiple_of(256) {
                interrupt();
            }
            let start = ps.swipes.len().saturating_sub(sp.max_swipes);
            let acc = score::accumulate(&ps.swipes[start..], &store, &sp);
            let parts: Vec<(Item, f64, f64)> = acc.parts().collect();
            let by_item: HashMap<Item, (f64, f64)> =
                parts.iter().map(|(i, c, s)| (*i, (*c, *s))).collect();
            let n = (ps.opinions.len() as f64).min(sp.max_swipes as f64);
            let feat = |item: Item| {
                let (c, s) = by_item.get(&item).copied().unwrap_or((0.0, 0.0));
                features(&inputs(ps, item, c, s, n))
            };
            let pos = feat(e.swipe.item);
            let out = if examples.is_multiple_of(5) {
                &mut held
            } else {
                &mut train
            };
            let (mut tries, mut got) = (0, 0);
            while got < cfg.negatives && tries < 8 * cfg.negatives {
                tries += 1;
                // half the person's co-like candidates (what a request ranks), half
                // any product of the catalog (a top-N list competes with all of them)
                let neg = if got % 2 == 0 && !parts.is_empty() {
                    parts[rng.below(parts.len())].0
                } else {
                    rng.below(n_items) as Item
                };
                if neg == e.swipe.item || swiped.contains(&(e.person, neg)) {
                    continue;
                }
                got += 1;
                let f = feat(neg);
                let mut d = [0.0; N];
                for k in 0..N {
                    d[k] = pos[k] - f[k];
                }
                out.push(d);
            }
        }
        ps.add(&e.swipe, items);
    }
    (train, held, examples)
}

/// Stochastic gradient ascent on the pairs, L2 toward the defaults.
fn bpr(train: &[[f64; N]], cfg: &Config, rng: &mut Rng, interrupt: &mut dyn FnMut()) -> Model {
    let mut m = Model::default();
    let mut order: Vec<usize> = (0..train.len()).collect();
    for epoch in 0..cfg.epochs {
        interrupt();
        for i in (1..order.len()).rev() {
            let j = rng.below(i + 1);
            order.swap(i, j);
        }
        let lr = cfg.rate / (1.0 + 0.2 * epoch as f64);
        for &i in &order {
            let d = &train[i];
            let g = sigmoid(-m.score(d));
            for k in 0..N {
                m.w[k] += lr * (g * d[k] - cfg.lambda * (m.w[k] - DEFAULTS[k]));
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::Direction;

    /// A world of two tastes: persons 0..P/2 like products of category 0, the others
    /// category 1, and everyone likes the few "hits" (products 0..4).
    fn world(persons: u32, per_person: u32) -> (Vec<Event>, Vec<ItemInfo>) {
        let n_items = 200u32;
        let items: Vec<ItemInfo> = (0..n_items)
            .map(|i| ItemInfo {
                category: Some(i % 2),
                shares: if i % 2 == 0 {
                    [1.0, 0.0, 0.0, 0.0, 0.0]
                } else {
                    [0.0, 1.0, 0.0, 0.0, 0.0]
                },
            })
            .collect();
        let mut rng = Rng::new(7);
        let mut ev = Vec::new();
        for p in 0..persons {
            let taste = p % 2;
            for k in 0..per_person {
                let item = if rng.unit() < 0.3 {
                    rng.below(4) as u32
                } else {
                    (rng.below((n_items / 2) as usize) as u32) * 2 + taste
                };
                ev.push(Event {
                    person: p,
                    swipe: Swipe {
                        item,
                        direction: Direction::Like,
                        ts: (k * 1000 + p) as i64,
                    },
                });
            }
        }
        (ev, items)
    }

    #[test]
    fn too_few_swipes_keep_the_defaults() {
        let (ev, items) = world(4, 5);
        let l = learn(ev, &items, &Config::default(), &mut || {});
        assert!(!l.learnt);
        assert_eq!(l.model, Model::default());
        assert!(l.status.contains("too few"));
    }

    #[test]
    fn learns_deterministically_and_beats_the_defaults() {
        let (ev, items) = world(120, 40);
        let cfg = Config {
            max_examples: 1500,
            ..Config::default()
        };
        let mut calls = 0;
        let mut a = learn(ev.clone(), &items, &cfg, &mut || calls += 1);
        let mut b = learn(ev, &items, &cfg, &mut || {});
        // timings aside
        (a.phase_ms, b.phase_ms) = ([0.0; 3], [0.0; 3]);
        assert!(calls > cfg.epochs, "interrupt checked during training");
        assert_eq!(a, b, "same seed, same weights");
        assert!(a.learnt, "{}", a.status);
        assert!(a.examples <= 1500 + 5);
        assert!(a.auc_learnt >= a.auc_default);
        assert!(a.auc_learnt > 0.7, "auc {}", a.auc_learnt);
        // the world's signals: taste (category, fit) and the hits (popularity)
        let w = a.model.w;
        assert!(w[super::super::CATEGORY] > DEFAULTS[super::super::CATEGORY]);
        assert!(
            w[super::super::POPULARITY] + w[super::super::POPULARITY_X]
                > DEFAULTS[super::super::POPULARITY]
        );
        // no gradient reaches side popularity in training
        assert_eq!(w[super::super::SIDE], DEFAULTS[super::super::SIDE]);
    }

    #[test]
    fn helpers() {
        assert_eq!(category_share(3.0, 0.0), 0.0);
        assert_eq!(category_share(3.0, 3.0), 0.75);
        assert_eq!(trait_fit(&[1.0, 0.0, 0.0, 0.0, 0.0], &[0.0; 5]), 0.0);
        assert!(
            (trait_fit(&[1.0, 1.0, 0.0, 0.0, 0.0], &[2.0, 2.0, 0.0, 0.0, 0.0]) - 1.0).abs() < 1e-12
        );
        let mut r = Rng::new(1);
        assert!((0..100).all(|_| r.below(7) < 7));
    }
}
