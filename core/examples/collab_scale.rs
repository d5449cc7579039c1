//! Scale check of personality_core::collab at the issue-14 target: 100k products,
//! 1M swipes (synthetic: taste clusters of 100 products plus a Zipf-like popular head).
//! Prints the neighbour build time per block pass and the request-time scoring latency
//! (p50 / p95 / max) for persons with 500 swipes. Pure Rust, no Postgres: the SQL
//! version adds reading ~500 neighbour lists by primary key.
//!
//!   cargo run --release -p personality_core --example collab_scale [-- PRODUCTS SWIPES]

use personality_core::collab::neighbours::{self, Params};
use personality_core::collab::score::{self, MemStore};
use personality_core::collab::stats::{self, Catalog};
use personality_core::collab::{diversify, Item, Swipe};
use personality_core::learning::Direction;
use std::collections::HashSet;
use std::time::Instant;

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

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_items = args.first().copied().unwrap_or(100_000);
    let n_swipes = args.get(1).copied().unwrap_or(1_000_000);
    let clusters = (n_items / 100).max(1);
    let mut rng = Rng(14);
    let pick = |rng: &mut Rng, cluster: usize| -> Item {
        if rng.unit() < 0.7 {
            (cluster * 100 + (rng.next() % 100) as usize).min(n_items - 1) as Item
        } else {
            let u = rng.unit();
            ((u * u * u) * n_items as f64) as Item
        }
    };
    // persons: mostly light swipers, 1 % heavy (500 swipes)
    let mut persons: Vec<Vec<Swipe>> = Vec::new();
    let mut total = 0;
    let mut ts = 0i64;
    while total < n_swipes {
        let heavy = rng.next().is_multiple_of(100);
        let len = if heavy {
            500
        } else {
            3 + (rng.next() % 20) as usize
        };
        let cluster = (rng.next() as usize) % clusters;
        let sw: Vec<Swipe> = (0..len)
            .map(|_| {
                ts += 1;
                let item = pick(&mut rng, cluster);
                let direction = if rng.unit() < 0.6 {
                    Direction::Like
                } else {
                    Direction::Dislike
                };
                Swipe {
                    item,
                    direction,
                    ts,
                }
            })
            .collect();
        total += len;
        persons.push(sw);
    }
    eprintln!(
        "{} products, {} swipes, {} persons",
        n_items,
        total,
        persons.len()
    );

    let p = Params::default();
    let likes: Vec<Vec<Item>> = persons
        .iter()
        .map(|s| s.iter().filter(|x| x.is_like()).map(|x| x.item).collect())
        .collect();
    let t = Instant::now();
    let nb = neighbours::build(&likes, n_items, &p);
    let build = t.elapsed().as_secs_f64();
    let rows: usize = nb.iter().map(|l| l.len()).sum();
    eprintln!(
        "neighbour build: {:.1} s ({} passes of {} products), {} rows stored (avg {:.0} per product)",
        build,
        n_items.div_ceil(p.block),
        p.block,
        rows,
        rows as f64 / n_items as f64
    );

    let all: Vec<Swipe> = persons.iter().flatten().copied().collect();
    let t = Instant::now();
    let st = stats::aggregate(&all, n_items, ts, stats::HALF_LIFE);
    let cat = Catalog::of(&st);
    let popular = score::top_quality(&st, &cat, 200);
    eprintln!("item stats: {:.2} s", t.elapsed().as_secs_f64());

    let fit = |i: Item| ((i % 97) as f64) / 97.0;
    let store = MemStore {
        neighbours: &nb,
        stats: &st,
        fit,
    };
    let mut times = Vec::new();
    for (k, s) in persons
        .iter()
        .filter(|s| s.len() >= 500)
        .take(300)
        .enumerate()
    {
        let t = Instant::now();
        let mut extra = popular.clone();
        extra.extend((0..200).map(|j| ((k * 7919 + j * 101) % n_items) as Item)); // best fits
        let scored = score::score_top(s, &store, &cat, &extra, &score::Params::default(), 50);
        let swiped: HashSet<Item> = s.iter().map(|x| x.item).collect();
        let order: Vec<Item> = scored.iter().map(|x| x.item).collect();
        let top = diversify::cap_per_category(&order, |i| Some(i / 100), &swiped, 10, 4);
        assert_eq!(top.len(), 10);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let q = |f: f64| times[((times.len() as f64 * f) as usize).min(times.len() - 1)];
    eprintln!(
        "request-time score, {} persons with 500 swipes: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        times.len(),
        q(0.5),
        q(0.95),
        times.last().unwrap()
    );
}
