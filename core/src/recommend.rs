//! Ranking products for one person (the maths of `personality_recommend`).
//!
//! # The combined score (README text)
//!
//! For a person with trait scores `s` (0..1 after dividing by 100) and a product with
//! trait shares `â` (its affinities divided by their sum):
//!
//! * **personality_match_score** = `calculate_personality_product_match(scores,
//!   affinities, NULL)`, i.e. `0.75·Σ â·s + 0.25·B` (B = the seed's weighted sum).
//! * **category_alignment_score** = how much the product's category is recommended for
//!   the person's traits: `Σ s_t·c_t / Σ s_t`, where `c_t` is 1.0 / 0.85 / 0.70 … (at
//!   least 0.5) when the category is the 1st / 2nd / 3rd … recommended category of trait
//!   t's gift mapping, and 0 when it is not recommended or avoided.
//! * **behavioral_prediction** = the person's like rate on swipes of products in the same
//!   category, smoothed toward their overall like rate, which is smoothed toward 0.5:
//!   `(likes_c + 5·p) / (n_c + 5)` with `p = (likes + 1) / (n + 2)` (a like is right or
//!   up, a dislike left; down is ignored). A new user gets 0.5.
//! * **combined_score** = `(w_m·match' + w_c·category + w_b·behaviour) × price`,
//!   clamped to 0..1, with weights from the settings `personality.weight_match` (0.6),
//!   `personality.weight_category` (0.25), `personality.weight_behavior` (0.15),
//!   normalised to sum 1. `match'` is the match with each trait score multiplied by the
//!   occasion's relevance for that trait (`occasion_relevance` of the trait's mapping;
//!   0.7 when the mapping does not list the occasion; no change when no occasion is asked
//!   for): for a birthday the social side counts more. `price` = the primary trait
//!   mapping's `price_range_modifier` for the product's band (budget < 25, mid 25..100,
//!   premium > 100; 1 when missing).
//!
//! Products are ranked by combined score (ties by product id). The top k are found with
//! a threshold algorithm: the five per-trait lists of products sorted by share are read
//! to a depth N; every product seen is scored exactly; an unseen product's score is at
//! most [`upper_bound`] of the shares at depth N; reading stops when the k-th best score
//! reaches that bound, else N grows.

use crate::scoring::{self, Num, Scores};
use crate::traits::{self, Trait, Vector, ALL};
use std::collections::HashMap;

/// The weights of the combined score (normalised to sum 1 by [`Weights::new`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub matching: f64,
    pub category: f64,
    pub behavior: f64,
}

impl Weights {
    pub fn new(matching: f64, category: f64, behavior: f64) -> Weights {
        let clean = |x: f64| if x.is_finite() && x > 0.0 { x } else { 0.0 };
        let (m, c, b) = (clean(matching), clean(category), clean(behavior));
        let sum = m + c + b;
        if sum <= 0.0 {
            return Weights::new(0.6, 0.25, 0.15);
        }
        Weights {
            matching: m / sum,
            category: c / sum,
            behavior: b / sum,
        }
    }
}

/// A trait's gift mapping, as far as ranking needs it.
#[derive(Debug, Clone, Default)]
pub struct TraitMapping {
    pub recommended: Vec<String>,
    pub avoided: Vec<String>,
    /// occasion -> relevance 0..1
    pub occasions: HashMap<String, f64>,
    /// "budget" / "mid" / "premium" -> multiplier
    pub price_modifiers: HashMap<String, f64>,
}

/// Swipe counts in one category (or overall).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub likes: f64,
    pub dislikes: f64,
}

/// Everything about the person that ranking needs.
#[derive(Debug, Clone)]
pub struct Person {
    /// 0..100 per trait
    pub scores: Vector,
    pub confidence: f64,
    /// one mapping per trait (the best when several)
    pub mappings: [Option<TraitMapping>; 5],
    pub by_category: HashMap<String, Counts>,
    pub overall: Counts,
    pub occasion: Option<String>,
}

/// A product as read from the vectors table.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub category: Option<String>,
    pub price: Option<f64>,
    /// shares, summing to 1 (or all 0)
    pub shares: Vector,
}

/// The scores of one product for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub personality_match: f64,
    pub category_alignment: f64,
    pub behavioral_prediction: f64,
    pub combined: f64,
    /// each trait's contribution to the match
    pub factors: Vector,
    pub reasons: Vec<String>,
}

pub const SIMILAR_SMOOTHING: f64 = 5.0;
pub const OCCASION_DEFAULT: f64 = 0.7;
pub const STRONG_TRAIT: f64 = 60.0;

fn unit(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Person {
    fn s(&self) -> Vector {
        self.scores.map(|x| unit(x / 100.0))
    }

    /// Categories avoided by the mappings of the person's strong traits (score >= 60).
    pub fn avoided_categories(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in ALL {
            if self.scores[t.index()] >= STRONG_TRAIT {
                if let Some(m) = &self.mappings[t.index()] {
                    for c in &m.avoided {
                        let c = norm(c);
                        if !out.contains(&c) {
                            out.push(c);
                        }
                    }
                }
            }
        }
        out
    }

    /// Category alignment of `category` for this person.
    pub fn category_alignment(&self, category: Option<&str>) -> f64 {
        let Some(category) = category.map(norm) else {
            return 0.0;
        };
        let s = self.s();
        let total: f64 = s.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        let mut acc = 0.0;
        for t in ALL {
            if let Some(m) = &self.mappings[t.index()] {
                if m.avoided.iter().any(|c| norm(c) == category) {
                    continue;
                }
                if let Some(i) = m.recommended.iter().position(|c| norm(c) == category) {
                    acc += s[t.index()] * (1.0 - 0.15 * i as f64).max(0.5);
                }
            }
        }
        unit(acc / total)
    }

    /// Smoothed like rate for `category`.
    pub fn behavioral_prediction(&self, category: Option<&str>) -> f64 {
        let o = self.overall;
        let prior = (o.likes + 1.0) / (o.likes + o.dislikes + 2.0);
        let c = category
            .and_then(|c| self.by_category.get(&norm(c)).copied())
            .unwrap_or_default();
        unit((c.likes + SIMILAR_SMOOTHING * prior) / (c.likes + c.dislikes + SIMILAR_SMOOTHING))
    }

    fn primary(&self) -> Trait {
        traits::primary_and_secondary(&self.scores).0
    }

    /// The price multiplier for a product of this price.
    pub fn price_modifier(&self, price: Option<f64>) -> f64 {
        self.price_modifier_for(self.primary(), price)
    }

    /// [`Person::price_modifier`] with the primary type already known.
    fn price_modifier_for(&self, primary: Trait, price: Option<f64>) -> f64 {
        let band = match price_band(price) {
            0 => "budget",
            1 => "mid",
            2 => "premium",
            _ => return 1.0,
        };
        self.mappings[primary.index()]
            .as_ref()
            .and_then(|m| m.price_modifiers.get(band).copied())
            .filter(|x| x.is_finite())
            .map(|x| x.clamp(0.0, 2.0))
            .unwrap_or(1.0)
    }

    /// The price multiplier of a price band (0 budget, 1 mid, 2 premium, else unknown).
    pub fn band_modifier(&self, band: i32) -> f64 {
        match band {
            0 => self.price_modifier(Some(0.0)),
            1 => self.price_modifier(Some(50.0)),
            2 => self.price_modifier(Some(1000.0)),
            _ => 1.0,
        }
    }

    fn occasion_relevance(&self) -> Vector {
        let mut o = [1.0; 5];
        if let Some(occ) = self.occasion.as_deref().map(norm) {
            for t in ALL {
                o[t.index()] = self.mappings[t.index()]
                    .as_ref()
                    .and_then(|m| m.occasions.get(&occ).copied())
                    .map(unit)
                    .unwrap_or(OCCASION_DEFAULT);
            }
        }
        o
    }

    /// The trait scores (0..100) as the occasion weighs them.
    fn occasion_scores(&self) -> Vector {
        let o = self.occasion_relevance();
        let mut v = self.scores;
        for t in 0..5 {
            v[t] = (v[t] * o[t]).clamp(0.0, 100.0);
        }
        v
    }

    fn occasion_factor(&self, shares: &Vector) -> f64 {
        let o = self.occasion_relevance();
        let total: f64 = shares.iter().sum();
        if total <= 0.0 {
            return o.iter().sum::<f64>() / 5.0;
        }
        unit((0..5).map(|t| shares[t] * o[t]).sum::<f64>() / total)
    }

    fn scores_struct(&self, scores: &Vector) -> Scores {
        ALL.iter()
            .map(|t| (*t, Num::from_f64(scores[t.index()])))
            .collect()
    }

    fn seed_base(&self, scores: &Vector) -> f64 {
        (0..5)
            .map(|t| scoring::SEED_WEIGHTS[t] * unit(scores[t] / 100.0))
            .sum()
    }
}

/// Price bands: budget below this price (band 0).
pub const BUDGET_BELOW: f64 = 25.0;
/// Price bands: premium above this price (band 2); mid from [`BUDGET_BELOW`] up to it,
/// inclusive (band 1); 3 when the price is unknown. `sql/recommend.sql` computes
/// `personality_product_vectors.price_band` with the same two numbers.
pub const PREMIUM_ABOVE: f64 = 100.0;

/// The price band of a price (see [`BUDGET_BELOW`], [`PREMIUM_ABOVE`]).
pub fn price_band(price: Option<f64>) -> i32 {
    match price.filter(|p| p.is_finite()) {
        None => 3,
        Some(p) if p < BUDGET_BELOW => 0,
        Some(p) if p <= PREMIUM_ABOVE => 1,
        Some(_) => 2,
    }
}

/// The combined score alone (what ranking needs; [`score`] adds the parts and reasons).
pub fn combined(person: &Person, product: &Product, w: &Weights) -> f64 {
    Ranker::new(person, w).combined(product)
}

/// A person prepared for computing [`combined`] for many products: what does not depend
/// on the product (the match function's inputs, the primary type, each category's
/// alignment and behavioural prediction) is computed once. Same results as [`combined`].
pub struct Ranker<'a> {
    person: &'a Person,
    w: Weights,
    scores: Scores,
    primary: Trait,
    /// category as given -> (category alignment, behavioural prediction)
    by_category: HashMap<Option<String>, (f64, f64)>,
}

impl<'a> Ranker<'a> {
    pub fn new(person: &'a Person, w: &Weights) -> Ranker<'a> {
        let scores = if person.occasion.is_some() {
            person.scores_struct(&person.occasion_scores())
        } else {
            person.scores_struct(&person.scores)
        };
        Ranker {
            person,
            w: *w,
            scores,
            primary: person.primary(),
            by_category: HashMap::new(),
        }
    }

    /// [`combined`] for one product.
    pub fn combined(&mut self, product: &Product) -> f64 {
        use rust_decimal::prelude::ToPrimitive;
        let has_traits = product.shares.iter().any(|x| *x > 0.0);
        let affinities = has_traits.then_some(product.shares);
        let m = scoring::match_score(&self.scores, affinities.as_ref(), None)
            .to_f64()
            .unwrap_or(0.0);
        let person = self.person;
        let (alignment, behavior) = match self.by_category.get(&product.category) {
            Some(parts) => *parts,
            None => {
                let category = product.category.as_deref();
                let parts = (
                    person.category_alignment(category),
                    person.behavioral_prediction(category),
                );
                self.by_category.insert(product.category.clone(), parts);
                parts
            }
        };
        let w = self.w;
        unit(
            (w.matching * m + w.category * alignment + w.behavior * behavior)
                * person.price_modifier_for(self.primary, product.price),
        )
    }
}

/// A price in the middle of a price band, for scoring a whole band at once.
pub fn band_price(band: i32) -> Option<f64> {
    match band {
        0 => Some(10.0),
        1 => Some(50.0),
        2 => Some(1000.0),
        _ => None,
    }
}

/// Scores one product for one person (exactly, including reasons).
pub fn score(person: &Person, product: &Product, w: &Weights, max_price: Option<f64>) -> Scored {
    use rust_decimal::prelude::ToPrimitive;
    let scores = person.scores_struct(&person.scores);
    let has_traits = product.shares.iter().any(|x| *x > 0.0);
    let affinities = has_traits.then_some(product.shares);
    let personality_match = scoring::match_score(&scores, affinities.as_ref(), None)
        .to_f64()
        .unwrap_or(0.0);
    let for_occasion = if person.occasion.is_some() {
        let occ = person.scores_struct(&person.occasion_scores());
        scoring::match_score(&occ, affinities.as_ref(), None)
            .to_f64()
            .unwrap_or(0.0)
    } else {
        personality_match
    };
    let category_alignment = person.category_alignment(product.category.as_deref());
    let behavioral_prediction = person.behavioral_prediction(product.category.as_deref());
    let combined = unit(
        (w.matching * for_occasion
            + w.category * category_alignment
            + w.behavior * behavioral_prediction)
            * person.price_modifier(product.price),
    );
    let factors = scoring::contributions(&scores, affinities.as_ref());
    let reasons = reasons(person, product, &factors, category_alignment, max_price);
    Scored {
        personality_match,
        category_alignment,
        behavioral_prediction,
        combined,
        factors,
        reasons,
    }
}

fn reasons(
    person: &Person,
    product: &Product,
    factors: &Vector,
    category_alignment: f64,
    max_price: Option<f64>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut order: Vec<Trait> = ALL.to_vec();
    order.sort_by(|a, b| {
        factors[b.index()]
            .partial_cmp(&factors[a.index()])
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.index().cmp(&b.index()))
    });
    for t in order.iter().take(2) {
        let score = person.scores[t.index()].clamp(0.0, 100.0);
        // a side worth naming: the product leans to it and the person has it
        if product.shares[t.index()] >= 0.2 && factors[t.index()] > 0.0 && score >= 40.0 {
            // f64::round: half away from zero, like Postgres's round()
            out.push(format!(
                "fits your {} side ({}/100)",
                t.name(),
                score.round()
            ));
        }
    }
    if let Some(cat) = product.category.as_deref() {
        if category_alignment >= 0.5 {
            out.push(format!("{cat} is a favourite category for people like you"));
        }
        if let Some(c) = person.by_category.get(&norm(cat)) {
            let n = c.likes + c.dislikes;
            if n >= 3.0 && c.likes / n >= 0.6 {
                out.push(format!(
                    "you liked {:.0} of {:.0} {cat} items you swiped",
                    c.likes, n
                ));
            }
        }
    }
    if let Some(occ) = &person.occasion {
        if person.occasion_factor(&product.shares) >= 0.85 {
            out.push(format!("a good fit for {}", occ.replace('_', " ")));
        }
    }
    if let (Some(cap), Some(p)) = (max_price, product.price) {
        if p <= cap {
            out.push(format!("within your budget ({p:.2} of {cap:.2})"));
        }
    }
    if out.is_empty() {
        out.push("matches your personality profile".to_string());
    }
    out
}

/// An upper bound of the combined score of any product whose shares are at most
/// `depth` (per trait), for the threshold algorithm.
pub fn upper_bound(
    person: &Person,
    w: &Weights,
    depth: &Vector,
    categories: &[Option<String>],
) -> f64 {
    let mut best = 0.0_f64;
    for c in categories {
        for band in 0..4 {
            best = best.max(category_bound(person, w, depth, c.as_deref(), band));
        }
    }
    best
}

/// An upper bound of the combined score of any product of `category` whose shares are
/// at most `depth` (the threshold algorithm, run per category: within a category the
/// category alignment and the behavioural prediction are constants, so this is tight).
pub fn category_bound(
    person: &Person,
    w: &Weights,
    depth: &Vector,
    category: Option<&str>,
    band: i32,
) -> f64 {
    let os = person.occasion_scores();
    let s = os.map(|x| unit(x / 100.0));
    // Rounded to 4 decimals like the match the scores use (rounding is monotone, so
    // this stays a bound; unrounded, a k-th score that rounded down could never reach it).
    let matching = unit(
        ((0.75 * max_fit(&s, depth) + 0.25 * person.seed_base(&os)) * 10_000.0).round() / 10_000.0,
    );
    unit(
        (w.matching * matching
            + w.category * person.category_alignment(category)
            + w.behavior * person.behavioral_prediction(category))
            * person.band_modifier(band),
    )
}

/// The largest `Σ s_t·x_t` over shares `x` with `Σ x = 1` and `x_t <= depth_t`: fill
/// the person's strongest traits first (a fractional knapsack; tighter than `Σ s·depth`).
pub fn max_fit(s: &Vector, depth: &Vector) -> f64 {
    let mut order: Vec<usize> = (0..5).collect();
    order.sort_by(|a, b| {
        s[*b]
            .partial_cmp(&s[*a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut left = 1.0_f64;
    let mut fit = 0.0;
    for t in order {
        let take = unit(depth[t]).min(left);
        fit += s[t] * take;
        left -= take;
        if left <= 0.0 {
            break;
        }
    }
    fit
}

/// Whether the k-th best score found reaches the bound (with room for float rounding:
/// the bound and the exact scores add the same terms in different orders).
pub fn reached(kth: f64, bound: f64) -> bool {
    kth >= bound - 1e-9
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(rec: &[&str], avoid: &[&str]) -> Option<TraitMapping> {
        Some(TraitMapping {
            recommended: rec.iter().map(|s| s.to_string()).collect(),
            avoided: avoid.iter().map(|s| s.to_string()).collect(),
            occasions: HashMap::from([("birthday".to_string(), 0.9)]),
            price_modifiers: HashMap::from([("premium".to_string(), 1.1)]),
        })
    }

    fn person(scores: Vector) -> Person {
        Person {
            scores,
            confidence: 0.8,
            mappings: [
                mapping(&["sports-outdoors", "experiences"], &["home-garden"]),
                mapping(&["books-media"], &["fashion"]),
                mapping(&["home-garden"], &["art-crafts"]),
                mapping(&["art-crafts"], &["electronics"]),
                mapping(&["food-drink"], &["books-media"]),
            ],
            by_category: HashMap::new(),
            overall: Counts::default(),
            occasion: None,
        }
    }

    fn product(cat: &str, shares: Vector) -> Product {
        Product {
            category: Some(cat.to_string()),
            price: Some(50.0),
            shares,
        }
    }

    #[test]
    fn adventurous_person_prefers_adventurous_products() {
        let p = person([90.0, 30.0, 20.0, 40.0, 30.0]);
        let w = Weights::new(0.6, 0.25, 0.15);
        let a = score(
            &p,
            &product("sports-outdoors", [1.0, 0.0, 0.0, 0.0, 0.0]),
            &w,
            None,
        );
        let b = score(
            &p,
            &product("home-garden", [0.0, 0.0, 1.0, 0.0, 0.0]),
            &w,
            None,
        );
        assert!(a.combined > b.combined, "{a:?} {b:?}");
        assert!(
            a.reasons
                .iter()
                .any(|r| r.contains("adventurous side (90/100)")),
            "{:?}",
            a.reasons
        );
        assert_eq!(p.avoided_categories(), vec!["home-garden".to_string()]);
    }

    #[test]
    fn behaviour_is_smoothed() {
        let mut p = person([50.0; 5]);
        assert!((p.behavioral_prediction(Some("x")) - 0.5).abs() < 1e-12);
        p.by_category.insert(
            "x".into(),
            Counts {
                likes: 10.0,
                dislikes: 0.0,
            },
        );
        p.overall = Counts {
            likes: 10.0,
            dislikes: 0.0,
        };
        let b = p.behavioral_prediction(Some("x"));
        assert!(b > 0.9 && b < 1.0, "{b}");
    }

    #[test]
    fn bound_dominates_every_product_below_depth() {
        let p = person([80.0, 10.0, 55.0, 30.0, 70.0]);
        let w = Weights::new(0.6, 0.25, 0.15);
        let cats: Vec<Option<String>> = [
            "sports-outdoors",
            "books-media",
            "home-garden",
            "food-drink",
        ]
        .iter()
        .map(|c| Some(c.to_string()))
        .collect();
        let depth = [0.5, 0.4, 0.3, 0.2, 0.6];
        for i in 0..200 {
            let x = i as f64 / 200.0;
            let raw = [
                x * 0.5,
                (1.0 - x) * 0.4,
                0.3 * x * x,
                0.2 * (1.0 - x),
                0.6 * x,
            ];
            let sum: f64 = raw.iter().sum();
            let shares = raw.map(|v| v / sum);
            if (0..5).any(|t| shares[t] > depth[t]) {
                continue;
            }
            for c in &cats {
                let s = score(
                    &p,
                    &Product {
                        category: c.clone(),
                        price: Some(150.0),
                        shares,
                    },
                    &w,
                    None,
                );
                assert!(s.combined <= upper_bound(&p, &w, &depth, &cats), "{s:?}");
            }
        }
    }

    #[test]
    fn max_fit_is_a_knapsack() {
        let s = [0.9, 0.1, 0.5, 0.0, 0.0];
        assert!((max_fit(&s, &[1.0; 5]) - 0.9).abs() < 1e-12);
        assert!((max_fit(&s, &[0.5, 1.0, 0.3, 1.0, 1.0]) - (0.45 + 0.15 + 0.02)).abs() < 1e-12);
    }

    #[test]
    fn one_ranker_for_many_products_agrees_with_score() {
        let mut p = person([70.0, 20.0, 55.0, 35.0, 80.0]);
        p.by_category.insert(
            "books-media".into(),
            Counts {
                likes: 3.0,
                dislikes: 1.0,
            },
        );
        let w = Weights::new(0.5, 0.3, 0.2);
        for occasion in [None, Some("birthday".to_string())] {
            p.occasion = occasion;
            let mut ranker = Ranker::new(&p, &w);
            // categories repeat (the ranker's cache), in varied case and with none
            for i in 0..60 {
                let cat = [
                    "food-drink",
                    "Books-Media",
                    "books-media",
                    "home-garden",
                    "",
                ][i % 5];
                let x = i as f64 / 60.0;
                let prod = Product {
                    category: Some(cat.to_string()).filter(|c| !c.is_empty()),
                    price: [Some(10.0), Some(50.0), Some(1000.0), None][i % 4],
                    shares: [x * 0.5, 0.2, (1.0 - x) * 0.3, 0.0, 0.1],
                };
                assert_eq!(
                    ranker.combined(&prod),
                    score(&p, &prod, &w, None).combined,
                    "{prod:?}"
                );
            }
        }
    }

    #[test]
    fn combined_agrees_with_score() {
        let mut p = person([70.0, 20.0, 55.0, 35.0, 80.0]);
        let w = Weights::new(0.6, 0.25, 0.15);
        for occasion in [None, Some("birthday".to_string())] {
            p.occasion = occasion;
            for (cat, price) in [
                ("food-drink", 20.0),
                ("books-media", 60.0),
                ("home-garden", 300.0),
            ] {
                let prod = Product {
                    category: Some(cat.into()),
                    price: Some(price),
                    shares: [0.2, 0.1, 0.3, 0.0, 0.4],
                };
                assert_eq!(combined(&p, &prod, &w), score(&p, &prod, &w, None).combined);
                let band = price_band(Some(price));
                let by_band = Product {
                    price: band_price(band),
                    ..prod.clone()
                };
                assert_eq!(combined(&p, &by_band, &w), combined(&p, &prod, &w));
            }
        }
    }

    #[test]
    fn weights_normalise() {
        let w = Weights::new(2.0, 1.0, 1.0);
        assert!((w.matching - 0.5).abs() < 1e-12);
        assert_eq!(
            Weights::new(0.0, 0.0, f64::NAN),
            Weights::new(0.6, 0.25, 0.15)
        );
    }
}
