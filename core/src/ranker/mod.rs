//! The learnt ranker (issue 23): a linear score over features of a (person, product)
//! pair, each a reason a person can read, with weights learnt per install from its own
//! swipes ([`learn`]) or, with too few swipes, the defaults below.
//!
//! `score = Σ_k w_k · x_k`, where the features `x_k` are all in 0..1:
//!
//! | feature | value |
//! |---|---|
//! | `personality_fit` | the 0.2.0 `combined_score` (quiz or learnt traits, category fit, occasion, price) |
//! | `collaborative` | `c`, the co-like score of the person's recent likes (their best candidate is 1) |
//! | `co_like_support` | `s / (s + 20)`, `s` the recency-weighted co-likes behind `c` |
//! | `item_quality` | the smoothed, 90-day decayed like rate times popularity |
//! | `popularity` | `ln(1 + decayed likes) / ln(1 + the catalog's most)` |
//! | `favourite_category` | the share of the person's likes in the product's category |
//! | `side_popularity` | the share of the product's likers who share the person's top trait |
//! | `…_x_evidence` | the feature times the person's evidence `e = n / (n + 10)`, `n` their swipes |
//!
//! The evidence crosses let a newcomer (e = 0) lean on the quiz and the catalog while a
//! heavy swiper (e → 1) leans on co-likes: the weight of a feature for a person is
//! `w_k + e · w_{k_x_evidence}`.

pub mod learn;

use crate::collab::finite_or;

/// Number of features.
pub const N: usize = 11;

/// Feature names, in order (the rows of personality_ranker_weights).
pub const FEATURES: [&str; N] = [
    "personality_fit",
    "personality_fit_x_evidence",
    "collaborative",
    "collaborative_x_evidence",
    "co_like_support",
    "item_quality",
    "item_quality_x_evidence",
    "popularity",
    "popularity_x_evidence",
    "favourite_category",
    "side_popularity",
];

pub const FIT: usize = 0;
pub const FIT_X: usize = 1;
pub const COLLAB: usize = 2;
pub const COLLAB_X: usize = 3;
pub const SUPPORT: usize = 4;
pub const QUALITY: usize = 5;
pub const QUALITY_X: usize = 6;
pub const POPULARITY: usize = 7;
pub const POPULARITY_X: usize = 8;
pub const CATEGORY: usize = 9;
pub const SIDE: usize = 10;

/// The defaults: close to the 0.3 hand-set blend (`g·(c + 0.1·q) + (1 − g)·fit + 0.01·q`
/// with `g ≈ e`), used until an install has swipes enough to learn from.
pub const DEFAULTS: [f64; N] = [1.0, -0.7, 0.0, 0.8, 0.1, 0.02, 0.08, 0.0, 0.0, 0.0, 0.02];

/// Swipes at which the evidence `e` reaches one half.
pub const EVIDENCE_K: f64 = 10.0;
/// Co-likes at which `co_like_support` reaches one half.
pub const SUPPORT_K: f64 = 20.0;

/// What a (person, product) pair is scored from, before crossing with the evidence.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Inputs {
    pub fit: f64,
    pub collab: f64,
    /// raw recency-weighted co-likes behind `collab`
    pub support: f64,
    pub quality: f64,
    pub popularity: f64,
    pub category: f64,
    pub side: f64,
    /// the person's likes and dislikes (each product's latest swipe)
    pub swipes: f64,
}

fn unit(x: f64) -> f64 {
    finite_or(x, 0.0).clamp(0.0, 1.0)
}

/// The evidence `e = n / (n + 10)` of a person with `n` swipes.
pub fn evidence(n: f64) -> f64 {
    let n = finite_or(n, 0.0).max(0.0);
    n / (n + EVIDENCE_K)
}

/// The feature vector of a pair (every entry finite, in −1..1).
pub fn features(x: &Inputs) -> [f64; N] {
    let e = evidence(x.swipes);
    let s = finite_or(x.support, 0.0).max(0.0);
    let mut f = [0.0; N];
    f[FIT] = unit(x.fit);
    f[FIT_X] = e * f[FIT];
    f[COLLAB] = unit(x.collab);
    f[COLLAB_X] = e * f[COLLAB];
    f[SUPPORT] = s / (s + SUPPORT_K);
    f[QUALITY] = unit(x.quality);
    f[QUALITY_X] = e * f[QUALITY];
    f[POPULARITY] = unit(x.popularity);
    f[POPULARITY_X] = e * f[POPULARITY];
    f[CATEGORY] = unit(x.category);
    f[SIDE] = unit(x.side);
    f
}

/// Weights of the linear score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    pub w: [f64; N],
}

impl Default for Model {
    fn default() -> Self {
        Model { w: DEFAULTS }
    }
}

impl Model {
    /// A model from weights by name (unknown names ignored, missing or non-finite ones
    /// default).
    pub fn from_named<'a>(named: impl IntoIterator<Item = (&'a str, f64)>) -> Model {
        let mut m = Model::default();
        for (name, w) in named {
            if let Some(k) = FEATURES.iter().position(|f| *f == name) {
                if w.is_finite() {
                    m.w[k] = w;
                }
            }
        }
        m
    }

    pub fn score(&self, f: &[f64; N]) -> f64 {
        finite_or(self.w.iter().zip(f).map(|(w, x)| w * x).sum(), 0.0)
    }

    /// Each feature's part of the score.
    pub fn contributions(&self, f: &[f64; N]) -> [f64; N] {
        let mut c = [0.0; N];
        for k in 0..N {
            c[k] = finite_or(self.w[k] * f[k], 0.0);
        }
        c
    }
}

/// The score a person is ranked by: [`Model::score`], except for a person with no
/// swipe at all (`swipes` = 0), who is ranked by the personality fit (the quiz), the
/// learnt score breaking its ties (weight 0.01). The training sees few people without
/// any history, and a catalog's popularity says little about one newcomer's taste;
/// from the first swipe on the learnt weights (and their evidence crosses) apply.
pub fn rank_score(model: &Model, f: &[f64; N], swipes: f64) -> f64 {
    if finite_or(swipes, 0.0) <= 0.0 {
        f[FIT] + NEWCOMER_TIE * model.score(f)
    } else {
        model.score(f)
    }
}

/// Weight of the learnt score among a newcomer's equal fits.
pub const NEWCOMER_TIE: f64 = 0.01;

/// A reason a person can read, from the features that carried a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// "because you liked X"
    Collaborative,
    /// "popular with people who share your … side"
    Side,
    /// "fits your … side" (the 0.2.0 content reasons)
    Fit,
    /// "a favourite category of yours"
    Category,
    /// "popular right now"
    Popular,
}

/// The reasons behind a score, largest part first: the groups of features (a feature
/// and its evidence cross together) whose part is positive and at least `share` of the
/// positive total (at most 3).
pub fn reasons(model: &Model, f: &[f64; N], share: f64) -> Vec<Reason> {
    let c = model.contributions(f);
    let mut groups = [
        (Reason::Collaborative, c[COLLAB] + c[COLLAB_X] + c[SUPPORT]),
        (Reason::Side, c[SIDE]),
        (Reason::Fit, c[FIT] + c[FIT_X]),
        (Reason::Category, c[CATEGORY]),
        (
            Reason::Popular,
            c[QUALITY] + c[QUALITY_X] + c[POPULARITY] + c[POPULARITY_X],
        ),
    ];
    let total: f64 = groups.iter().map(|g| g.1.max(0.0)).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    groups.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    groups
        .iter()
        .filter(|g| g.1 > 0.0 && g.1 >= share * total)
        .take(3)
        .map(|g| g.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_bounded_and_crossed() {
        let x = Inputs {
            fit: 2.0,
            collab: f64::NAN,
            support: 20.0,
            quality: 0.5,
            popularity: -1.0,
            category: 0.25,
            side: 0.0,
            swipes: 10.0,
        };
        let f = features(&x);
        assert_eq!(f[FIT], 1.0);
        assert_eq!(f[FIT_X], 0.5);
        assert_eq!(f[COLLAB], 0.0);
        assert_eq!(f[SUPPORT], 0.5);
        assert_eq!(f[QUALITY_X], 0.25);
        assert_eq!(f[POPULARITY], 0.0);
        assert!(f.iter().all(|v| v.is_finite() && v.abs() <= 1.0));
    }

    #[test]
    fn a_newcomer_is_ranked_by_fit_with_the_defaults() {
        let m = Model::default();
        let fits = Inputs {
            fit: 0.9,
            quality: 0.1,
            ..Inputs::default()
        };
        let popular = Inputs {
            fit: 0.5,
            quality: 1.0,
            popularity: 1.0,
            ..Inputs::default()
        };
        assert!(m.score(&features(&fits)) > m.score(&features(&popular)));
        assert_eq!(reasons(&m, &features(&fits), 0.2), vec![Reason::Fit]);
    }

    #[test]
    fn with_evidence_the_defaults_trust_co_likes() {
        let m = Model::default();
        let co = Inputs {
            fit: 0.3,
            collab: 1.0,
            support: 40.0,
            swipes: 100.0,
            ..Inputs::default()
        };
        let fit = Inputs {
            fit: 0.9,
            swipes: 100.0,
            ..Inputs::default()
        };
        assert!(m.score(&features(&co)) > m.score(&features(&fit)));
        assert_eq!(reasons(&m, &features(&co), 0.3)[0], Reason::Collaborative);
    }

    #[test]
    fn a_newcomer_is_ranked_by_fit_whatever_the_weights() {
        let popular_first = Model::from_named([("popularity", 5.0), ("personality_fit", 0.1)]);
        let fits = features(&Inputs {
            fit: 0.9,
            ..Inputs::default()
        });
        let popular = features(&Inputs {
            fit: 0.5,
            popularity: 1.0,
            ..Inputs::default()
        });
        assert!(rank_score(&popular_first, &fits, 0.0) > rank_score(&popular_first, &popular, 0.0));
        // ties of the fit go to the learnt score
        let tie = features(&Inputs {
            fit: 0.9,
            popularity: 1.0,
            ..Inputs::default()
        });
        assert!(rank_score(&popular_first, &tie, 0.0) > rank_score(&popular_first, &fits, 0.0));
        // one swipe on: the learnt weights
        assert!(rank_score(&popular_first, &fits, 1.0) < rank_score(&popular_first, &popular, 1.0));
    }

    #[test]
    fn named_weights_override_defaults() {
        let m = Model::from_named([
            ("popularity", 2.0),
            ("nope", 5.0),
            ("item_quality", f64::NAN),
        ]);
        assert_eq!(m.w[POPULARITY], 2.0);
        assert_eq!(m.w[QUALITY], DEFAULTS[QUALITY]);
        assert_eq!(m.w[FIT], DEFAULTS[FIT]);
    }
}
