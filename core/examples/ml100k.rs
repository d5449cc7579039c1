//! Offline evaluator for issue 14: reads the split bench/movielens/eval.py writes
//! (items.csv, <regime>/swipes.csv, <regime>/heldout.csv) and writes rankings
//! `<out>/<regime>__<policy>.csv` (user,item,rank,because) that eval.py scores against
//! the baselines. Policies: `personality-0.2.0` (core::recommend with 0.2.0's learning),
//! `engine` (core::collab with the defaults or the knobs given), and `engine-fit-only`
//! (the engine's cold-start path alone: the fit with item-quality tie-breaks).
//! Also prints the per-person AUC of learnt traits on held-out ratings (0.2.0's rule vs
//! the centred rule).
//!
//!   cargo run --release -p personality_core --example ml100k -- --split DIR --out DIR
//!     [--confidence-k 5] [--dislike 0.5] [--recency 0] [--quality 0.3] [--nk 100]
//!     [--sim cosine|jaccard|lift] [--shrink 0] [--cap 4] [--pool 200]
//!     [--half-life-days 90] [--tag NAME]

#![allow(clippy::type_complexity)]

use personality_core::collab::neighbours::{self, Similarity};
use personality_core::collab::profile::{learn_centred, Rate};
use personality_core::collab::score::{self, MemStore};
use personality_core::collab::stats::{self, Catalog};
use personality_core::collab::{diversify, Item, Swipe};
use personality_core::learning::{self, parse_direction};
use personality_core::recommend::{self, Counts, Person, Product, TraitMapping, Weights};
use personality_core::scoring::{product_affinities, Mapping};
use personality_core::traits::{Trait, Vector};
use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Write;
use std::time::Instant;

/// The operator mapping of docs/recommender-evaluation.md:
/// (trait, recommended, avoided, tags).
const MAPPING: [(Trait, &[&str], &[&str], &[&str]); 5] = [
    (
        Trait::Adventurous,
        &["Action", "Adventure", "Western", "War"],
        &["Documentary"],
        &["action", "adventure", "western", "war", "thriller"],
    ),
    (
        Trait::Intellectual,
        &["Documentary", "Drama", "Mystery", "Film-Noir"],
        &["Children's"],
        &["documentary", "drama", "mystery", "film-noir"],
    ),
    (
        Trait::Practical,
        &["Crime", "Thriller", "Documentary"],
        &["Fantasy"],
        &["crime", "thriller", "documentary", "war"],
    ),
    (
        Trait::Creative,
        &["Animation", "Fantasy", "Sci-Fi", "Musical"],
        &[],
        &["animation", "fantasy", "sci-fi", "musical", "film-noir"],
    ),
    (
        Trait::Social,
        &["Comedy", "Romance", "Children's", "Musical"],
        &["Horror"],
        &["comedy", "romance", "children's", "musical"],
    ),
];

const TOP: usize = 10;

struct Item_ {
    category: String,
    affinities: Vector,
    shares: Vector,
    /// index of the (category, shares) group: products of a group score the same fit
    group: usize,
}

struct Args {
    split: String,
    out: String,
    sp: score::Params,
    np: neighbours::Params,
    cap: usize,
    pool: usize,
    half_life: f64,
    tag: String,
    /// item stats as of each person's last swipe (only swipes up to then), as the live
    /// system sees them at request time; else as of the last swipe of the data set
    asof: bool,
    /// the engine's fit uses the centred trait learning (else 0.2.0's rule)
    centred: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        split: String::new(),
        out: String::new(),
        sp: score::Params::default(),
        np: neighbours::Params::default(),
        cap: 4,
        pool: 200,
        half_life: stats::HALF_LIFE,
        tag: "engine".into(),
        asof: true,
        centred: true,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < v.len() {
        let (k, x) = (v[i].as_str(), v[i + 1].clone());
        let f = || x.parse::<f64>().expect("number");
        match k {
            "--split" => a.split = x.clone(),
            "--out" => a.out = x.clone(),
            "--confidence-k" => a.sp.confidence_k = f(),
            "--dislike" => a.sp.dislike_weight = f(),
            "--recency" => a.sp.recency_half_life = f(),
            "--quality" => a.sp.quality_weight = f(),
            "--support-k" => a.sp.support_k = f(),
            "--nk" => a.np.k = f() as usize,
            "--shrink" => a.np.shrink = f(),
            "--alpha" => a.np.alpha = f(),
            "--rho" => a.np.person_weight = f(),
            "--min-co" => a.np.min_co = f() as u32,
            "--sim" => {
                a.np.similarity = match x.as_str() {
                    "jaccard" => Similarity::Jaccard,
                    "lift" => Similarity::Lift,
                    _ => Similarity::Cosine,
                }
            }
            "--cap" => a.cap = f() as usize,
            "--pool" => a.pool = f() as usize,
            "--half-life-days" => a.half_life = f() * 86_400.0,
            "--tag" => a.tag = x.clone(),
            "--asof" => a.asof = f() != 0.0,
            "--centred" => a.centred = f() != 0.0,
            _ => panic!("unknown argument {k}"),
        }
        i += 2;
    }
    assert!(
        !a.split.is_empty() && !a.out.is_empty(),
        "--split and --out are required"
    );
    a
}

fn read_csv(path: &str) -> Vec<Vec<String>> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn mappings() -> (Vec<Mapping>, [Option<TraitMapping>; 5]) {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let m: Vec<Mapping> = MAPPING
        .iter()
        .map(|(t, rec, avo, tags)| Mapping {
            personality: Some(*t),
            recommended: s(rec),
            avoided: s(avo),
            tags: s(tags),
            weight: 1.0,
        })
        .collect();
    let mut tm: [Option<TraitMapping>; 5] = Default::default();
    for (t, rec, avo, _) in MAPPING.iter() {
        tm[t.index()] = Some(TraitMapping {
            recommended: s(rec),
            avoided: s(avo),
            ..TraitMapping::default()
        });
    }
    (m, tm)
}

struct Person_ {
    user: u32,
    swipes: Vec<Swipe>,
}

/// The person as core::recommend sees it, with the given trait scores.
fn person(
    scores: Vector,
    swipes: &[Swipe],
    items: &[Option<Item_>],
    tm: &[Option<TraitMapping>; 5],
) -> Person {
    let mut by_category: HashMap<String, Counts> = HashMap::new();
    let mut overall = Counts::default();
    for s in swipes {
        let Some(it) = items.get(s.item as usize).and_then(|x| x.as_ref()) else {
            continue;
        };
        let c = by_category
            .entry(it.category.trim().to_lowercase())
            .or_default();
        if s.is_like() {
            c.likes += 1.0;
            overall.likes += 1.0;
        } else if s.is_dislike() {
            c.dislikes += 1.0;
            overall.dislikes += 1.0;
        }
    }
    Person {
        scores,
        confidence: 0.5,
        mappings: tm.clone(),
        by_category,
        overall,
        occasion: None,
    }
}

/// The 0.2.0 combined score for every product group.
fn group_fit(p: &Person, groups: &[(String, Vector)]) -> Vec<f64> {
    let w = Weights::new(0.6, 0.25, 0.15);
    let mut r = recommend::Ranker::new(p, &w);
    groups
        .iter()
        .map(|(c, sh)| {
            r.combined(&Product {
                category: Some(c.clone()),
                price: None,
                shares: *sh,
            })
        })
        .collect()
}

fn auc(pos: &[f64], neg: &[f64]) -> Option<f64> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut s = 0.0;
    for &a in pos {
        for &b in neg {
            s += if a > b {
                1.0
            } else if a == b {
                0.5
            } else {
                0.0
            };
        }
    }
    Some(s / (pos.len() * neg.len()) as f64)
}

fn write_ranking(path: &str, rows: &[(u32, Vec<(Item, Option<Item>)>)]) {
    let mut f = fs::File::create(path).unwrap();
    writeln!(f, "user,item,rank,because").unwrap();
    for (u, list) in rows {
        for (r, (i, b)) in list.iter().enumerate() {
            let b = b.map(|x| x.to_string()).unwrap_or_default();
            writeln!(f, "{u},{i},{},{b}", r + 1).unwrap();
        }
    }
}

fn main() {
    let a = parse_args();
    fs::create_dir_all(&a.out).unwrap();
    let (maps, tm) = mappings();

    // products
    let mut items: Vec<Option<Item_>> = Vec::new();
    let mut groups: Vec<(String, Vector)> = Vec::new();
    let mut group_of: HashMap<(String, [u64; 5]), usize> = HashMap::new();
    for r in read_csv(&format!("{}/items.csv", a.split)) {
        let id: usize = r[0].parse().unwrap();
        let tags: Vec<&str> = r[2].split('|').collect();
        let aff = product_affinities(Some(&r[1]), &tags, &maps);
        let sum: f64 = aff.iter().sum();
        let shares = if sum > 0.0 {
            aff.map(|x| x / sum)
        } else {
            [0.0; 5]
        };
        let key = (r[1].clone(), shares.map(f64::to_bits));
        let g = *group_of.entry(key).or_insert_with(|| {
            groups.push((r[1].clone(), shares));
            groups.len() - 1
        });
        if items.len() <= id {
            items.resize_with(id + 1, || None);
        }
        items[id] = Some(Item_ {
            category: r[1].clone(),
            affinities: aff,
            shares,
            group: g,
        });
    }
    let n_items = items.len();
    let known: Vec<Item> = (0..n_items)
        .filter(|&i| items[i].is_some())
        .map(|i| i as Item)
        .collect();
    eprintln!(
        "{} products, {} (category, shares) groups",
        known.len(),
        groups.len()
    );

    for regime in ["warm", "cold"] {
        let t0 = Instant::now();
        let mut persons: Vec<Person_> = Vec::new();
        let mut idx: HashMap<u32, usize> = HashMap::new();
        let mut now = 0i64;
        for r in read_csv(&format!("{}/{regime}/swipes.csv", a.split)) {
            let u: u32 = r[0].parse().unwrap();
            let s = Swipe {
                item: r[1].parse().unwrap(),
                direction: parse_direction(Some(&r[2])),
                ts: r[4].parse().unwrap(),
            };
            now = now.max(s.ts);
            let k = *idx.entry(u).or_insert_with(|| {
                persons.push(Person_ {
                    user: u,
                    swipes: Vec::new(),
                });
                persons.len() - 1
            });
            persons[k].swipes.push(s); // file is in time order per person
        }
        let mut heldout: HashMap<u32, Vec<(Item, i32)>> = HashMap::new();
        for r in read_csv(&format!("{}/{regime}/heldout.csv", a.split)) {
            heldout
                .entry(r[0].parse().unwrap())
                .or_default()
                .push((r[1].parse().unwrap(), r[2].parse().unwrap()));
        }

        // shared tables: neighbours from co-likes, item stats, popular candidates
        let likes: Vec<Vec<Item>> = persons
            .iter()
            .map(|p| {
                p.swipes
                    .iter()
                    .filter(|s| s.is_like())
                    .map(|s| s.item)
                    .collect()
            })
            .collect();
        let nb = neighbours::build(&likes, n_items, &a.np);
        let all: Vec<Swipe> = persons
            .iter()
            .flat_map(|p| p.swipes.iter().copied())
            .collect();
        let st = stats::aggregate(&all, n_items, now, a.half_life);
        let cat = Catalog::of(&st);
        let popular = score::top_quality(&st, &cat, a.pool);
        let t_build = t0.elapsed();
        // stats as of each person's last swipe: swipes in time order, aggregated in
        // batches up to that time (what the maintenance job would have stored then)
        let mut by_time = all.clone();
        by_time.sort_by_key(|s| s.ts);
        let mut order: Vec<usize> = (0..persons.len()).collect();
        let last = |p: &Person_| p.swipes.iter().map(|s| s.ts).max().unwrap_or(0);
        order.sort_by_key(|&k| last(&persons[k]));
        let mut asof: Vec<Option<(Vec<stats::ItemStats>, Catalog, Vec<Item>)>> =
            vec![None; persons.len()];
        if a.asof {
            let mut cur = stats::aggregate(&[], n_items, 0, a.half_life);
            let mut next = 0;
            for &k in &order {
                let t = last(&persons[k]);
                let end = next + by_time[next..].partition_point(|s| s.ts <= t);
                let batch = stats::aggregate(&by_time[next..end], n_items, t, a.half_life);
                cur = cur
                    .iter()
                    .zip(&batch)
                    .map(|(x, y)| x.merge(y, a.half_life))
                    .collect();
                next = end;
                let c = Catalog::of(&cur);
                let pop = score::top_quality(&cur, &c, a.pool);
                asof[k] = Some((cur.clone(), c, pop));
            }
        }

        let mut old_rows = Vec::new();
        let mut eng_rows = Vec::new();
        let mut fit_rows = Vec::new();
        let (mut auc_old, mut auc_new) = (Vec::new(), Vec::new());
        let (mut auc2_old, mut auc2_new) = (Vec::new(), Vec::new());
        let mut times = Vec::new();
        for (pk, p) in persons.iter().enumerate() {
            let (st, cat, popular) = match &asof[pk] {
                Some((s, c, pop)) => (s, c, pop),
                None => (&st, &cat, &popular),
            };
            let swiped: HashSet<Item> = p.swipes.iter().map(|s| s.item).collect();
            // learnt traits: 0.2.0's rule and the centred rule
            let mut prof = learning::new_from_behavior();
            let (mut cen, mut rate) = ([50.0; 5], Rate::default());
            for s in &p.swipes {
                let Some(it) = items.get(s.item as usize).and_then(|x| x.as_ref()) else {
                    continue;
                };
                prof = learning::learn_0_2_0(
                    &prof,
                    &it.affinities,
                    s.direction,
                    learning::DEFAULT_RATE,
                )
                .profile;
                cen = learn_centred(
                    &cen,
                    &it.affinities,
                    s.direction,
                    learning::DEFAULT_RATE,
                    &mut rate,
                );
            }
            if let Some(h) = heldout.get(&p.user) {
                let (mut po, mut no, mut pn, mut nn) = (vec![], vec![], vec![], vec![]);
                for &(i, r) in h {
                    let Some(it) = items.get(i as usize).and_then(|x| x.as_ref()) else {
                        continue;
                    };
                    let (o, c) = (
                        learning::predict(&prof.scores, &it.affinities),
                        learning::predict(&cen, &it.affinities),
                    );
                    if r >= 4 {
                        po.push(o);
                        pn.push(c);
                    } else if r <= 2 {
                        no.push(o);
                        nn.push(c);
                    }
                }
                if let (Some(x), Some(y)) = (auc(&po, &no), auc(&pn, &nn)) {
                    auc_old.push(x);
                    auc_new.push(y);
                }
                // later likes against the products the person never rated
                let rated: HashSet<Item> = h
                    .iter()
                    .map(|&(i, _)| i)
                    .chain(swiped.iter().copied())
                    .collect();
                let (mut uo, mut un) = (vec![], vec![]);
                for &i in &known {
                    if rated.contains(&i) {
                        continue;
                    }
                    let it = items[i as usize].as_ref().unwrap();
                    uo.push(learning::predict(&prof.scores, &it.affinities));
                    un.push(learning::predict(&cen, &it.affinities));
                }
                if let (Some(x), Some(y)) = (auc(&po, &uo), auc(&pn, &un)) {
                    auc2_old.push(x);
                    auc2_new.push(y);
                }
            }

            // personality_recommend 0.2.0
            let old_person = person(prof.scores, &p.swipes, &items, &tm);
            let old_fit = group_fit(&old_person, &groups);
            let avoided: HashSet<String> = old_person.avoided_categories().into_iter().collect();
            let mut ranked: Vec<(f64, Item)> = known
                .iter()
                .filter(|i| !swiped.contains(i))
                .filter_map(|&i| {
                    let it = items[i as usize].as_ref()?;
                    (it.shares.iter().any(|x| *x > 0.0)
                        && !avoided.contains(&it.category.to_lowercase()))
                    .then(|| (old_fit[it.group], i))
                })
                .collect();
            ranked.sort_by(|x, y| y.0.partial_cmp(&x.0).unwrap().then(x.1.cmp(&y.1)));
            old_rows.push((
                p.user,
                ranked.iter().take(TOP).map(|&(_, i)| (i, None)).collect(),
            ));

            // the engine: fit from the centred traits, candidates = neighbours of the
            // person's swipes + popular products + best fits
            let t = Instant::now();
            let person_new = person(
                if a.centred { cen } else { prof.scores },
                &p.swipes,
                &items,
                &tm,
            );
            let fit = group_fit(&person_new, &groups);
            let fit_of = |i: Item| {
                items
                    .get(i as usize)
                    .and_then(|x| x.as_ref())
                    .map_or(0.0, |it| fit[it.group])
            };
            let mut best_fit: Vec<(f64, Item)> = known
                .iter()
                .filter(|i| !swiped.contains(i))
                .map(|&i| (fit_of(i), i))
                .collect();
            // the SQL side reads the best fits by index with popularity as tie-break
            best_fit.sort_by(|x, y| {
                y.0.partial_cmp(&x.0)
                    .unwrap()
                    .then(
                        st[y.1 as usize]
                            .likes
                            .partial_cmp(&st[x.1 as usize].likes)
                            .unwrap(),
                    )
                    .then(x.1.cmp(&y.1))
            });
            let mut extra: Vec<Item> = popular.clone();
            extra.extend(best_fit.iter().take(a.pool).map(|&(_, i)| i));
            let store = MemStore {
                neighbours: &nb,
                stats: st,
                fit: fit_of,
            };
            let scored = score::score(&p.swipes, &store, cat, &extra, &a.sp);
            let because: HashMap<Item, Option<Item>> =
                scored.iter().map(|s| (s.item, s.because)).collect();
            let order: Vec<Item> = scored.iter().map(|s| s.item).collect();
            let cat_of = |i: Item| {
                items
                    .get(i as usize)
                    .and_then(|x| x.as_ref())
                    .map(|it| it.category.clone())
            };
            let top = diversify::cap_per_category(&order, cat_of, &swiped, TOP, a.cap);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            eng_rows.push((p.user, top.iter().map(|&i| (i, because[&i])).collect()));

            // the cold-start path alone (no collaborative part)
            let none: Vec<Swipe> = Vec::new();
            let cold = score::score(&none, &store, cat, &extra, &a.sp);
            let order: Vec<Item> = cold
                .iter()
                .map(|s| s.item)
                .filter(|i| !swiped.contains(i))
                .collect();
            let top = diversify::cap_per_category(&order, cat_of, &swiped, TOP, a.cap);
            fit_rows.push((p.user, top.iter().map(|&i| (i, None)).collect()));
        }
        write_ranking(
            &format!("{}/{regime}__personality-0.2.0.csv", a.out),
            &old_rows,
        );
        write_ranking(&format!("{}/{regime}__{}.csv", a.out, a.tag), &eng_rows);
        write_ranking(
            &format!("{}/{regime}__{}-fit-only.csv", a.out, a.tag),
            &fit_rows,
        );
        times.sort_by(|x, y| x.partial_cmp(y).unwrap());
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        eprintln!(
            "{regime}: tables built in {:.2}s; per-person engine time (incl. fit of all groups) p50 {:.2} ms p95 {:.2} ms; \
             AUC of learnt traits on held-out likes vs dislikes ({} persons): 0.2.0 rule {:.3}, centred rule {:.3}",
            t_build.as_secs_f64(),
            times.get(times.len() / 2).copied().unwrap_or(0.0),
            times.get(times.len() * 95 / 100).copied().unwrap_or(0.0),
            auc_old.len(),
            mean(&auc_old),
            mean(&auc_new)
        );
        eprintln!(
            "{regime}: AUC of learnt traits, held-out likes vs never-rated products ({} persons): 0.2.0 rule {:.3}, centred rule {:.3}",
            auc2_old.len(),
            mean(&auc2_old),
            mean(&auc2_new)
        );
    }
}
