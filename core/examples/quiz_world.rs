//! Cold start through the quiz (issue 14): a pure-Rust replica of the synthetic world of
//! bench/quality.sh, to check that the collab engine keeps the quiz-driven ranking
//! strong for new persons and after their first swipes.
//!
//! World: products with a category and two tags (affinities from a 5-trait operator
//! mapping, as `product_affinities` computes them); members with a hidden true trait
//! vector; a member likes a product when `truth · shares + U(±noise)` reaches their 70th
//! percentile over the catalog. The quiz is simulated as the true vector plus noise
//! (cosine with the truth about 0.95, like the real quiz in BENCHMARKS.md). A separate
//! training population of members swipes 100 random products each (right when liked,
//! else left): that feeds the engine's neighbours and item stats, and popularity.
//!
//! Policies (positive-swipe rate of the top 10 shown to 300 new members):
//! popularity; 0.2.0 after the quiz; the engine after the quiz (no swipes); then each
//! policy's member swipes its own top 20 and is ranked again (0.2.0 with its learning,
//! the engine with its swipes and the centred learning).
//!
//!   cargo run --release -p personality_core --example quiz_world [-- NOISE]

use personality_core::collab::neighbours::{self, Params as NParams};
use personality_core::collab::profile::{learn_centred, Rate};
use personality_core::collab::score::{self, MemStore, Params};
use personality_core::collab::stats::{self, Catalog};
use personality_core::collab::{diversify, Item, Swipe};
use personality_core::learning::{self, Direction};
use personality_core::recommend::{self, Counts, Person, Product, TraitMapping, Weights};
use personality_core::scoring::{product_affinities, Mapping};
use personality_core::traits::{Vector, ALL};
use std::collections::{HashMap, HashSet};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

const N_PRODUCTS: usize = 5000;
const N_TRAIN: usize = 300;
const N_EVAL: usize = 300;
const LIKE_SHARE: f64 = 0.3;

struct World {
    cats: Vec<String>,
    shares: Vec<Vector>,
    tm: [Option<TraitMapping>; 5],
    noise: f64,
}

impl World {
    fn appeal(&self, truth: &Vector, i: usize, member: u64) -> f64 {
        let mut h = Rng(member.wrapping_mul(1_000_003).wrapping_add(i as u64));
        h.next();
        (0..5).map(|t| truth[t] * self.shares[i][t]).sum::<f64>()
            + (h.unit() * 2.0 - 1.0) * self.noise
    }
    fn likes(&self, truth: &Vector, member: u64) -> Vec<bool> {
        let a: Vec<f64> = (0..self.shares.len())
            .map(|i| self.appeal(truth, i, member))
            .collect();
        let mut s = a.clone();
        s.sort_by(|x, y| y.partial_cmp(x).unwrap());
        let thr = s[((s.len() as f64 * LIKE_SHARE) as usize).min(s.len() - 1)];
        a.iter().map(|&x| x > thr).collect()
    }
    fn person(&self, scores: Vector, swipes: &[Swipe]) -> Person {
        let mut by_category: HashMap<String, Counts> = HashMap::new();
        let mut overall = Counts::default();
        for s in swipes {
            let c = by_category
                .entry(self.cats[s.item as usize].to_lowercase())
                .or_default();
            if s.is_like() {
                c.likes += 1.0;
                overall.likes += 1.0;
            } else {
                c.dislikes += 1.0;
                overall.dislikes += 1.0;
            }
        }
        Person {
            scores,
            confidence: 0.5,
            mappings: self.tm.clone(),
            by_category,
            overall,
            occasion: None,
        }
    }
    fn fit(&self, p: &Person) -> Vec<f64> {
        let mut r = recommend::Ranker::new(p, &Weights::new(0.6, 0.25, 0.15));
        (0..self.shares.len())
            .map(|i| {
                r.combined(&Product {
                    category: Some(self.cats[i].clone()),
                    price: None,
                    shares: self.shares[i],
                })
            })
            .collect()
    }
}

fn truth(rng: &mut Rng) -> Vector {
    let mut v = [0.0; 5];
    for x in v.iter_mut() {
        let u = rng.unit().max(1e-6);
        *x = u * u * u;
    }
    let s: f64 = v.iter().sum();
    v.map(|x| x / s)
}

fn top_by(
    score: &[f64],
    exclude: &HashSet<Item>,
    eligible: impl Fn(usize) -> bool,
    n: usize,
) -> Vec<Item> {
    let mut v: Vec<(f64, Item)> = (0..score.len())
        .filter(|&i| !exclude.contains(&(i as Item)) && eligible(i))
        .map(|i| (score[i], i as Item))
        .collect();
    v.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap().then(a.1.cmp(&b.1)));
    v.into_iter().take(n).map(|x| x.1).collect()
}

fn main() {
    let noise: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0.05);
    let mut sp = Params::default();
    if let Some(k) = std::env::args().nth(2).and_then(|a| a.parse().ok()) {
        sp.support_k = k;
    }
    let cap: usize = std::env::args()
        .nth(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(8);
    if let Some(q) = std::env::args().nth(4).and_then(|a| a.parse().ok()) {
        sp.quality_weight = q;
    }
    if let Some(k) = std::env::args().nth(5).and_then(|a| a.parse().ok()) {
        sp.confidence_k = k;
    }
    let mut rng = Rng(14);
    // operator mapping: 15 categories, 3 recommended per trait; 15 tags, 3 per trait
    let cats: Vec<String> = (0..15).map(|c| format!("cat{c}")).collect();
    let tags: Vec<String> = (0..15).map(|c| format!("tag{c}")).collect();
    let maps: Vec<Mapping> = ALL
        .iter()
        .map(|t| {
            let k = t.index();
            Mapping {
                personality: Some(*t),
                recommended: (0..3).map(|j| cats[k * 3 + j].clone()).collect(),
                avoided: vec![],
                tags: (0..3).map(|j| tags[k * 3 + j].clone()).collect(),
                weight: 1.0,
            }
        })
        .collect();
    let mut tm: [Option<TraitMapping>; 5] = Default::default();
    for m in &maps {
        tm[m.personality.unwrap().index()] = Some(TraitMapping {
            recommended: m.recommended.clone(),
            avoided: vec![],
            ..TraitMapping::default()
        });
    }
    let mut pcats = Vec::new();
    let mut shares = Vec::new();
    let mut affs = Vec::new();
    for _ in 0..N_PRODUCTS {
        let c = &cats[(rng.next() % 15) as usize];
        let t1 = &tags[(rng.next() % 15) as usize];
        let t2 = &tags[(rng.next() % 15) as usize];
        let a = product_affinities(Some(c), &[t1, t2], &maps);
        let s: f64 = a.iter().sum();
        shares.push(if s > 0.0 { a.map(|x| x / s) } else { [0.0; 5] });
        affs.push(a);
        pcats.push(c.clone());
    }
    let w = World {
        cats: pcats,
        shares,
        tm,
        noise,
    };

    // training population
    let mut train_likes: Vec<Vec<Item>> = Vec::new();
    let mut all = Vec::new();
    for m in 0..N_TRAIN {
        let tr = truth(&mut rng);
        let liked = w.likes(&tr, m as u64);
        let mut l = Vec::new();
        for k in 0..100 {
            let i = (rng.next() as usize) % N_PRODUCTS;
            let d = if liked[i] {
                Direction::Like
            } else {
                Direction::Dislike
            };
            all.push(Swipe {
                item: i as Item,
                direction: d,
                ts: k,
            });
            if liked[i] {
                l.push(i as Item);
            }
        }
        train_likes.push(l);
    }
    let nb = neighbours::build(&train_likes, N_PRODUCTS, &NParams::default());
    let st = stats::aggregate(&all, N_PRODUCTS, 100, stats::HALF_LIFE);
    let cat = Catalog::of(&st);
    let popular = score::top_quality(&st, &cat, 200);
    let pop: Vec<f64> = st.iter().map(|s| s.likes).collect();

    let mut rate = [0.0f64; 5]; // popularity, 0.2.0 quiz, engine quiz, 0.2.0 +20, engine +20
    let mut cos = 0.0;
    for m in 0..N_EVAL {
        let id = 1_000_000 + m as u64;
        let tr = truth(&mut rng);
        let liked = w.likes(&tr, id);
        // quiz: truth + noise, on the 0..100 scale
        let quiz: Vector =
            tr.map(|x| (x * 100.0 + (rng.unit() * 2.0 - 1.0) * 15.0).clamp(0.0, 100.0));
        let dot: f64 = (0..5).map(|t| quiz[t] * tr[t]).sum();
        let nq = quiz.iter().map(|x| x * x).sum::<f64>().sqrt();
        let nt = tr.iter().map(|x| x * x).sum::<f64>().sqrt();
        cos += dot / (nq * nt).max(1e-12);
        let hit = |top: &[Item]| {
            top.iter().filter(|&&i| liked[i as usize]).count() as f64 / top.len().max(1) as f64
        };
        let none = HashSet::new();
        let has = |i: usize| w.shares[i].iter().any(|x| *x > 0.0);

        rate[0] += hit(&top_by(&pop, &none, |_| true, 10));

        // 0.2.0 after the quiz, then + its top 20 swiped
        let p0 = w.person(quiz, &[]);
        let f0 = w.fit(&p0);
        let first = top_by(&f0, &none, has, 20);
        rate[1] += hit(&first[..10]);
        let mut prof = learning::Profile {
            scores: quiz,
            ..learning::new_from_behavior()
        };
        let mut sw = Vec::new();
        for (k, &i) in first.iter().enumerate() {
            let d = if liked[i as usize] {
                Direction::Like
            } else {
                Direction::Dislike
            };
            prof =
                learning::learn_0_2_0(&prof, &affs[i as usize], d, learning::DEFAULT_RATE).profile;
            sw.push(Swipe {
                item: i,
                direction: d,
                ts: k as i64,
            });
        }
        let f1 = w.fit(&w.person(prof.scores, &sw));
        let seen: HashSet<Item> = first.iter().copied().collect();
        rate[3] += hit(&top_by(&f1, &seen, has, 10));

        // the engine after the quiz, then + its top 20 swiped
        let engine = |scores: Vector, swipes: &[Swipe]| -> Vec<Item> {
            let f = w.fit(&w.person(scores, swipes));
            let swiped: HashSet<Item> = swipes.iter().map(|s| s.item).collect();
            let mut extra = popular.clone();
            extra.extend(top_by(&f, &swiped, |_| true, 200));
            let store = MemStore {
                neighbours: &nb,
                stats: &st,
                fit: |i: Item| f[i as usize],
            };
            let order: Vec<Item> = score::score_top(swipes, &store, &cat, &extra, &sp, 100)
                .iter()
                .map(|s| s.item)
                .collect();
            diversify::cap_per_category(
                &order,
                |i| Some(w.cats[i as usize].clone()),
                &swiped,
                20,
                cap,
            )
        };
        let first = engine(quiz, &[]);
        rate[2] += hit(&first[..10.min(first.len())]);
        let (mut s, mut r) = (quiz, Rate::default());
        let mut sw = Vec::new();
        for (k, &i) in first.iter().enumerate() {
            let d = if liked[i as usize] {
                Direction::Like
            } else {
                Direction::Dislike
            };
            s = learn_centred(&s, &affs[i as usize], d, learning::DEFAULT_RATE, &mut r);
            sw.push(Swipe {
                item: i,
                direction: d,
                ts: k as i64,
            });
        }
        let next = engine(s, &sw);
        rate[4] += hit(&next[..10.min(next.len())]);
    }
    let n = N_EVAL as f64;
    println!("appeal noise {noise}, quiz cosine with truth {:.3}, {N_EVAL} new members, {N_PRODUCTS} products", cos / n);
    for (name, r) in [
        "popularity",
        "0.2.0 after the quiz",
        "engine after the quiz",
        "0.2.0 quiz + its top 20 swiped",
        "engine quiz + its top 20 swiped",
    ]
    .iter()
    .zip(rate)
    {
        println!("| {noise} | {name} | {:.1} % |", 100.0 * r / n);
    }
}
