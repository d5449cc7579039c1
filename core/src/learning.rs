//! Behaviour learning: every swipe teaches the user's personality profile.
//!
//! This is the pure maths behind the swipe trigger. It never fails: every input,
//! including NaN, infinities and out-of-range numbers, gives a finite, bounded result.
//!
//! # Rules
//!
//! * **Swipe directions.** The swipe's direction is read case-insensitively, with
//!   surrounding spaces ignored: `right`, `like`, `yes` are a *like*; `up`, `super`,
//!   `superlike`, `love` are a *strong like*; `left`, `dislike`, `no`, `pass` are a
//!   *dislike*; `down`, `skip`, `neutral` are *neutral*; anything else (or no direction)
//!   is *unknown*. Directions are stored as `right` / `up` / `left` / `down`.
//! * **Learning rate.** How far one swipe moves the scores is the setting
//!   `personality.learning_rate` (default 0.05, valid range 0 to 1). Values outside the
//!   range are clamped to it; a missing or NaN value means the default.
//! * **Strength.** A like counts 1, a strong like 1.5, a dislike 1. Neutral and unknown
//!   swipes count 0: they never change the scores.
//! * **Scores, centred on the person's like rate** (so they do not drift). With `a`
//!   the product's affinity to a trait (0 to 1), `s` the user's score (0 to 100) and
//!   `r` the user's like rate before this swipe, `(likes + 1) / (likes + dislikes + 2)`
//!   over their informative swipes (0.5 for a new profile):
//!   a like moves the score toward 100 by `2 × rate × strength × a × (1 − r) × (100 − s)`;
//!   a dislike moves it toward 0 by `2 × rate × strength × a × r × s`.
//!   So scores move toward the product's traits on a like and away from them on a
//!   dislike, in proportion to how strongly the product expresses each trait, and a
//!   trait the product does not express at all (`a = 0`) does not move. The factor
//!   `1 − r` / `r` centres each swipe on what the person does anyway: someone who likes
//!   60 % of everything they see keeps their scores where they are on average, and
//!   learns what they like *more* or *less* than usual: a trait settles where
//!   `s / (100 − s)` is the person's odds of liking products that express it over their
//!   odds of liking anything, `(p / (1 − p)) / (r / (1 − r))` (50 when `p = r`).
//!   0.2.0's rule ([`learn_0_2_0`], no centring) made every trait climb, because most
//!   swipes are likes. On a new profile (`r = 0.5`) both rules move the same. The result
//!   is always kept within 0 to 100 (a strong like at a high rate could otherwise
//!   overshoot 100; it stops at 100).
//! * **Like and dislike counts.** An informative like or strong like adds one to
//!   `likes`, an informative dislike one to `dislikes` (see *Informative swipes*).
//! * **Bad inputs.** A missing (NaN) score is treated as 50, the neutral middle; a
//!   missing (NaN) affinity is treated as 0 (the product does not express that trait).
//!   Scores are clamped to 0..100 and affinities to 0..1 before use (so +∞ becomes the
//!   upper bound and −∞ the lower one). A NaN consistency is treated as 0.5 and a NaN
//!   confidence as 0.1 (the values of a brand-new profile); both are clamped to 0..1.
//! * **Evidence.** Every swipe adds one to the profile's swipe count (`evidence`),
//!   including neutral and unknown swipes and products with no trait affinities.
//! * **Informative swipes.** A swipe is *informative* when it is a like, strong like or
//!   dislike of a product that expresses at least one trait (some affinity above 0).
//!   The profile keeps a separate count of informative swipes.
//! * **Prediction.** Before learning, the profile predicts how much the user will like
//!   the product: the affinity-weighted average of the user's scores on the 0..1 scale,
//!   `Σ(a × s / 100) / Σ a`, or 0.5 when the product expresses no trait.
//! * **Consistency** (`behavioral_consistency`): how well the profile's predictions
//!   agree with what the user actually swiped. A like or strong like is an outcome of 1,
//!   a dislike an outcome of 0; the agreement of one swipe is `1 − |prediction − outcome|`.
//!   Consistency is the plain average of the agreement over all informative swipes
//!   (kept as a running mean: `c ← c + (agreement − c) / k`, `k` = number of informative
//!   swipes including this one). Non-informative swipes leave it unchanged. A new
//!   profile starts at 0.5 ("no idea yet"); the first informative swipe replaces that
//!   starting value. It always stays within 0 to 1.
//! * **Confidence** grows with evidence: each informative swipe closes 2 % of the gap
//!   between the current confidence and 0.95, i.e. `conf ← conf + (0.95 − conf) × 0.02`.
//!   It never decreases, and never goes above 0.95 by learning; a confidence already
//!   above 0.95 (e.g. set elsewhere) is left as it is. Non-informative swipes leave it
//!   unchanged. It always stays within 0 to 1.
//! * **New users.** A user with no profile starts from a behaviour-only profile: all
//!   scores 50, no evidence, consistency 0.5 and a low confidence of 0.1.
//! * **Assessment method.** After a swipe, a profile whose method was `quiz` or `hybrid`
//!   (or any other method) becomes `hybrid`; a profile with no method or the method
//!   `behavior` stays / becomes `behavior`.
//! * **Primary type.** The primary and secondary types are recomputed from the new
//!   scores with the usual ranking; the outcome says whether the primary type changed.

use serde::{Deserialize, Serialize};

use crate::traits::{primary_and_secondary, Trait, Vector};

/// Default learning rate (the default of the SQL setting `personality.learning_rate`).
pub const DEFAULT_RATE: f64 = 0.05;

/// Confidence is moved toward this ceiling by informative swipes.
pub const CONFIDENCE_CEILING: f64 = 0.95;

/// Fraction of the gap to [`CONFIDENCE_CEILING`] closed by one informative swipe.
pub const CONFIDENCE_STEP: f64 = 0.02;

/// Score of every trait in a new behaviour-only profile (and the stand-in for NaN scores).
pub const NEUTRAL_SCORE: f64 = 50.0;

/// Consistency of a new profile (and the stand-in for a NaN consistency).
pub const INITIAL_CONSISTENCY: f64 = 0.5;

/// Confidence of a new behaviour-only profile (and the stand-in for a NaN confidence).
pub const INITIAL_CONFIDENCE: f64 = 0.1;

/// Prediction used when the product expresses no trait.
pub const NEUTRAL_PREDICTION: f64 = 0.5;

/// What a swipe said about the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// right / like / yes
    Like,
    /// up / super / superlike / love
    StrongLike,
    /// left / dislike / no / pass
    Dislike,
    /// down / skip / neutral
    Neutral,
    /// anything else, or no direction
    Unknown,
}

impl Direction {
    /// The storage spelling (`swipes.direction`): right / up / left / down;
    /// `None` for [`Direction::Unknown`].
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Direction::Like => Some("right"),
            Direction::StrongLike => Some("up"),
            Direction::Dislike => Some("left"),
            Direction::Neutral => Some("down"),
            Direction::Unknown => None,
        }
    }

    /// How strongly the swipe moves the scores: like 1, strong like 1.5, dislike 1,
    /// neutral / unknown 0.
    pub fn strength(self) -> f64 {
        match self {
            Direction::Like | Direction::Dislike => 1.0,
            Direction::StrongLike => 1.5,
            Direction::Neutral | Direction::Unknown => 0.0,
        }
    }

    /// The observed outcome for consistency: 1 for (strong) likes, 0 for dislikes,
    /// `None` for swipes that say nothing about preference.
    pub fn outcome(self) -> Option<f64> {
        match self {
            Direction::Like | Direction::StrongLike => Some(1.0),
            Direction::Dislike => Some(0.0),
            Direction::Neutral | Direction::Unknown => None,
        }
    }
}

/// Parse a swipe direction: case-insensitive, surrounding whitespace ignored.
pub fn parse_direction(s: Option<&str>) -> Direction {
    let Some(s) = s else {
        return Direction::Unknown;
    };
    match s.trim().to_ascii_lowercase().as_str() {
        "right" | "like" | "yes" => Direction::Like,
        "up" | "super" | "superlike" | "love" => Direction::StrongLike,
        "left" | "dislike" | "no" | "pass" => Direction::Dislike,
        "down" | "skip" | "neutral" => Direction::Neutral,
        _ => Direction::Unknown,
    }
}

/// A user's learnt personality profile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Trait scores, 0..100, in the order of [`crate::traits::ALL`].
    pub scores: Vector,
    /// Number of swipes learnt from (every swipe counts).
    pub evidence: u64,
    /// Number of informative swipes (likes / strong likes / dislikes of products with
    /// some trait affinity): the `k` of the consistency running mean.
    pub informative: u64,
    /// Behavioural consistency, 0..1: mean agreement between prediction and swipe.
    pub consistency: f64,
    /// Confidence in the profile, 0..1.
    pub confidence: f64,
    /// Informative likes and strong likes: with `dislikes`, the like rate each swipe
    /// is centred on (see [`like_rate`]).
    #[serde(default)]
    pub likes: u64,
    /// Informative dislikes.
    #[serde(default)]
    pub dislikes: u64,
}

impl Default for Profile {
    fn default() -> Self {
        new_from_behavior()
    }
}

/// The result of learning from one swipe.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The updated profile.
    pub profile: Profile,
    /// Primary type of the updated scores.
    pub primary: Trait,
    /// Secondary types of the updated scores (see [`primary_and_secondary`]).
    pub secondary: Vec<Trait>,
    /// Primary type before this swipe (of the sanitized old scores).
    pub previous_primary: Trait,
    /// Whether the primary type changed.
    pub primary_changed: bool,
    /// The profile's prediction (0..1) of how much the user likes the product, made
    /// before learning from the swipe.
    pub prediction: f64,
    /// Whether the swipe was informative (counted toward consistency and confidence).
    pub informative: bool,
}

/// Profile of a user with no profile yet, built from behaviour alone.
pub fn new_from_behavior() -> Profile {
    Profile {
        scores: [NEUTRAL_SCORE; 5],
        evidence: 0,
        informative: 0,
        consistency: INITIAL_CONSISTENCY,
        confidence: INITIAL_CONFIDENCE,
        likes: 0,
        dislikes: 0,
    }
}

/// A person's like rate before a swipe, smoothed by one pseudo-like and one
/// pseudo-dislike: `(likes + 1) / (likes + dislikes + 2)`; 0.5 for a new profile,
/// strictly between 0 and 1 always.
pub fn like_rate(likes: u64, dislikes: u64) -> f64 {
    let (l, d) = (likes as f64, dislikes as f64);
    (l + 1.0) / (l + d + 2.0)
}

/// The assessment method after a swipe: `quiz`, `hybrid` (or any other existing
/// method) become `hybrid`; no method, an empty one, or `behavior` give `behavior`.
/// Case-insensitive, surrounding whitespace ignored.
pub fn method_after_swipe(current: Option<&str>) -> &'static str {
    match current.map(|s| s.trim().to_ascii_lowercase()) {
        None => "behavior",
        Some(m) if m.is_empty() || m == "behavior" || m == "behaviour" => "behavior",
        Some(_) => "hybrid",
    }
}

/// The learning rate actually used: NaN means [`DEFAULT_RATE`], otherwise clamped to 0..1.
pub fn effective_rate(rate: f64) -> f64 {
    if rate.is_nan() {
        DEFAULT_RATE
    } else {
        rate.clamp(0.0, 1.0)
    }
}

fn sanitize(x: f64, if_nan: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() {
        if_nan
    } else {
        x.clamp(lo, hi)
    }
}

fn sanitize_scores(v: &Vector) -> Vector {
    v.map(|s| sanitize(s, NEUTRAL_SCORE, 0.0, 100.0))
}

fn sanitize_affinities(v: &Vector) -> Vector {
    v.map(|a| sanitize(a, 0.0, 0.0, 1.0))
}

/// The profile's prediction (0..1) of how much the user likes a product:
/// `Σ(a·s/100) / Σa`, or 0.5 when the product has no affinity. Inputs are sanitized
/// as in [`learn`].
pub fn predict(scores: &Vector, affinities: &Vector) -> f64 {
    let s = sanitize_scores(scores);
    let a = sanitize_affinities(affinities);
    predict_sane(&s, &a)
}

fn predict_sane(s: &Vector, a: &Vector) -> f64 {
    let total: f64 = a.iter().sum();
    if total > 0.0 {
        let weighted: f64 = a.iter().zip(s).map(|(a, s)| a * s / 100.0).sum();
        sanitize(weighted / total, NEUTRAL_PREDICTION, 0.0, 1.0)
    } else {
        NEUTRAL_PREDICTION
    }
}

/// Learn from one swipe of a product with the given trait affinities (0..1), centred
/// on the person's like rate. See the module documentation for the rules. Never fails.
pub fn learn(p: &Profile, affinities: &Vector, d: Direction, rate: f64) -> Outcome {
    learn_with(p, affinities, d, rate, true)
}

/// 0.2.0's rule: like [`learn`] but not centred (a like moves a score toward 100 by
/// `rate × strength × a × (100 − s)`, a dislike toward 0 by `rate × strength × a × s`).
/// Kept to measure against (bench/movielens, the drift tests); the extension does not
/// use it. The like and dislike counts are kept as [`learn`] keeps them.
pub fn learn_0_2_0(p: &Profile, affinities: &Vector, d: Direction, rate: f64) -> Outcome {
    learn_with(p, affinities, d, rate, false)
}

fn learn_with(p: &Profile, affinities: &Vector, d: Direction, rate: f64, centred: bool) -> Outcome {
    let rate = effective_rate(rate);
    let old = sanitize_scores(&p.scores);
    let a = sanitize_affinities(affinities);
    let consistency = sanitize(p.consistency, INITIAL_CONSISTENCY, 0.0, 1.0);
    let confidence = sanitize(p.confidence, INITIAL_CONFIDENCE, 0.0, 1.0);

    let prediction = predict_sane(&old, &a);
    let step = rate * d.strength();
    // the centring weights: 2(1 - r) for a like, 2r for a dislike (1 and 1 at r = 0.5)
    let r = like_rate(p.likes, p.dislikes);
    let (up, down) = if centred {
        (2.0 * (1.0 - r), 2.0 * r)
    } else {
        (1.0, 1.0)
    };

    let mut scores = old;
    for (s, &a) in scores.iter_mut().zip(&a) {
        let delta = match d {
            Direction::Like | Direction::StrongLike => up * step * a * (100.0 - *s),
            Direction::Dislike => -(down * step * a * *s),
            Direction::Neutral | Direction::Unknown => 0.0,
        };
        *s = sanitize(*s + delta, *s, 0.0, 100.0);
    }

    let has_affinity = a.iter().any(|&x| x > 0.0);
    let outcome = d.outcome().filter(|_| has_affinity);
    let informative_swipe = outcome.is_some();

    let mut informative = p.informative;
    let mut new_consistency = consistency;
    let mut new_confidence = confidence;
    let (mut likes, mut dislikes) = (p.likes, p.dislikes);
    if let Some(y) = outcome {
        informative = informative.saturating_add(1);
        if y > 0.5 {
            likes = likes.saturating_add(1);
        } else {
            dislikes = dislikes.saturating_add(1);
        }
        let agreement = 1.0 - (prediction - y).abs();
        // informative >= 1 here; as f64 is exact enough for any realistic count.
        let k = informative as f64;
        new_consistency = sanitize(
            consistency + (agreement - consistency) / k,
            consistency,
            0.0,
            1.0,
        );
        let grown = confidence + (CONFIDENCE_CEILING - confidence) * CONFIDENCE_STEP;
        new_confidence = grown.max(confidence).clamp(0.0, 1.0);
    }

    let (previous_primary, _) = primary_and_secondary(&old);
    let (primary, secondary) = primary_and_secondary(&scores);

    Outcome {
        profile: Profile {
            scores,
            evidence: p.evidence.saturating_add(1),
            informative,
            consistency: new_consistency,
            confidence: new_confidence,
            likes,
            dislikes,
        },
        primary,
        secondary,
        previous_primary,
        primary_changed: primary != previous_primary,
        prediction,
        informative: informative_swipe,
    }
}

#[cfg(test)]
// Indexing by trait position reads more clearly than zipped iterators here.
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn parses_directions() {
        use Direction::*;
        let cases = [
            ("right", Like),
            (" Like ", Like),
            ("YES", Like),
            ("up", StrongLike),
            ("Super", StrongLike),
            ("superlike", StrongLike),
            ("LOVE\n", StrongLike),
            ("left", Dislike),
            ("dislike", Dislike),
            ("No", Dislike),
            ("pass", Dislike),
            ("down", Neutral),
            ("skip", Neutral),
            ("\tNEUTRAL", Neutral),
            ("", Unknown),
            ("sideways", Unknown),
            ("super like", Unknown),
        ];
        for (s, d) in cases {
            assert_eq!(parse_direction(Some(s)), d, "{s:?}");
        }
        assert_eq!(parse_direction(None), Unknown);
    }

    #[test]
    fn storage_spelling_round_trips() {
        for d in [
            Direction::Like,
            Direction::StrongLike,
            Direction::Dislike,
            Direction::Neutral,
        ] {
            let s = d.as_str();
            assert!(s.is_some());
            assert_eq!(parse_direction(s), d);
        }
        assert_eq!(Direction::Unknown.as_str(), None);
    }

    #[test]
    fn methods_after_swipe() {
        assert_eq!(method_after_swipe(None), "behavior");
        assert_eq!(method_after_swipe(Some("behavior")), "behavior");
        assert_eq!(method_after_swipe(Some(" Behavior ")), "behavior");
        assert_eq!(method_after_swipe(Some("")), "behavior");
        assert_eq!(method_after_swipe(Some("quiz")), "hybrid");
        assert_eq!(method_after_swipe(Some("hybrid")), "hybrid");
        assert_eq!(method_after_swipe(Some("QUIZ")), "hybrid");
    }

    #[test]
    fn new_profile_values() {
        let p = new_from_behavior();
        assert_eq!(p.scores, [50.0; 5]);
        assert_eq!(p.evidence, 0);
        assert_eq!(p.informative, 0);
        assert_eq!(p.consistency, 0.5);
        assert_eq!(p.confidence, 0.1);
        assert_eq!(Profile::default(), p);
    }

    #[test]
    fn rates() {
        assert_eq!(effective_rate(f64::NAN), DEFAULT_RATE);
        assert_eq!(effective_rate(-1.0), 0.0);
        assert_eq!(effective_rate(7.0), 1.0);
        assert_eq!(effective_rate(f64::INFINITY), 1.0);
        assert_eq!(effective_rate(0.3), 0.3);
    }

    /// One like, computed by hand.
    #[test]
    fn one_like_step_by_hand() {
        let p = Profile {
            scores: [80.0, 40.0, 50.0, 50.0, 20.0],
            evidence: 4,
            informative: 2,
            consistency: 0.5,
            confidence: 0.5,
            ..new_from_behavior()
        };
        let a = [1.0, 0.5, 0.0, 0.0, 0.0];
        let o = learn(&p, &a, Direction::Like, 0.1);
        // adventurous: 80 + 0.1*1*1*(100-80) = 82; intellectual: 40 + 0.1*1*0.5*60 = 43
        let want = [82.0, 43.0, 50.0, 50.0, 20.0];
        for (got, want) in o.profile.scores.iter().zip(want) {
            assert!(close(*got, want), "{got} != {want}");
        }
        // prediction: (1*0.80 + 0.5*0.40) / 1.5 = 2/3; agreement with y=1: 2/3
        assert!(close(o.prediction, 2.0 / 3.0));
        // consistency: 0.5 + (2/3 - 0.5)/3 = 0.5 + 1/18
        assert!(close(o.profile.consistency, 0.5 + 1.0 / 18.0));
        // confidence: 0.5 + (0.95 - 0.5)*0.02 = 0.509
        assert!(close(o.profile.confidence, 0.509));
        assert_eq!(o.profile.evidence, 5);
        assert_eq!(o.profile.informative, 3);
        assert!(o.informative);
        assert_eq!(o.primary, Trait::Adventurous);
        assert_eq!(o.previous_primary, Trait::Adventurous);
        assert!(!o.primary_changed);
        assert!(o.secondary.is_empty());
    }

    /// One dislike and one strong like, computed by hand.
    #[test]
    fn dislike_and_strong_like_by_hand() {
        let p = new_from_behavior();
        let o = learn(&p, &[0.0, 0.0, 1.0, 0.0, 0.0], Direction::Dislike, 0.2);
        // practical: 50 - 0.2*1*1*50 = 40; prediction 0.5, y = 0, agreement 0.5
        assert!(close(o.profile.scores[2], 40.0));
        assert!(close(o.prediction, 0.5));
        assert!(close(o.profile.consistency, 0.5));
        // confidence: 0.1 + 0.85*0.02 = 0.117
        assert!(close(o.profile.confidence, 0.117));

        let o = learn(&p, &[0.0, 0.0, 0.0, 0.5, 0.0], Direction::StrongLike, 0.2);
        // creative: 50 + 0.2*1.5*0.5*50 = 57.5
        assert!(close(o.profile.scores[3], 57.5));
        assert_eq!(o.primary, Trait::Creative);
        assert!(o.primary_changed);
        assert_eq!(o.secondary, vec![Trait::Adventurous, Trait::Intellectual]);
    }

    #[test]
    fn neutral_unknown_and_empty_products_only_count_evidence() {
        let p = Profile {
            scores: [10.0, 20.0, 30.0, 40.0, 50.0],
            evidence: 7,
            informative: 3,
            consistency: 0.8,
            confidence: 0.4,
            ..new_from_behavior()
        };
        for (a, d) in [
            ([1.0; 5], Direction::Neutral),
            ([1.0; 5], Direction::Unknown),
            ([0.0; 5], Direction::Like),
            ([f64::NAN; 5], Direction::Dislike),
        ] {
            let o = learn(&p, &a, d, 0.5);
            assert_eq!(o.profile.scores, p.scores);
            assert_eq!(o.profile.evidence, 8);
            assert_eq!(o.profile.informative, 3);
            assert_eq!(o.profile.consistency, 0.8);
            assert_eq!(o.profile.confidence, 0.4);
            assert!(!o.informative);
        }
        assert_eq!(learn(&p, &[0.0; 5], Direction::Like, 0.5).prediction, 0.5);
    }

    #[test]
    fn first_informative_swipe_replaces_initial_consistency() {
        let p = Profile {
            scores: [100.0, 0.0, 0.0, 0.0, 0.0],
            ..new_from_behavior()
        };
        let o = learn(&p, &[1.0, 0.0, 0.0, 0.0, 0.0], Direction::Like, 0.05);
        assert!(close(o.prediction, 1.0));
        assert!(close(o.profile.consistency, 1.0));
    }

    #[test]
    fn sanitizes_garbage() {
        let p = Profile {
            scores: [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -5.0],
            evidence: u64::MAX,
            informative: u64::MAX,
            consistency: f64::NAN,
            confidence: f64::NAN,
            ..new_from_behavior()
        };
        let o = learn(&p, &[f64::NAN; 5], Direction::Neutral, f64::NAN);
        assert_eq!(o.profile.scores, [50.0, 100.0, 0.0, 100.0, 0.0]);
        assert_eq!(o.profile.evidence, u64::MAX);
        assert_eq!(o.profile.consistency, INITIAL_CONSISTENCY);
        assert_eq!(o.profile.confidence, INITIAL_CONFIDENCE);

        let o = learn(&p, &[f64::INFINITY; 5], Direction::StrongLike, 1e300);
        assert!(o.profile.scores.iter().all(|s| (0.0..=100.0).contains(s)));
        assert_eq!(o.profile.scores, [100.0; 5]);
        assert!((0.0..=1.0).contains(&o.profile.consistency));
        assert!((0.0..=1.0).contains(&o.profile.confidence));
    }

    #[test]
    fn confidence_above_ceiling_is_kept() {
        let p = Profile {
            confidence: 0.99,
            ..new_from_behavior()
        };
        let o = learn(&p, &[1.0; 5], Direction::Like, 0.05);
        assert_eq!(o.profile.confidence, 0.99);
        let p = Profile {
            confidence: 3.0,
            ..new_from_behavior()
        };
        assert_eq!(
            learn(&p, &[1.0; 5], Direction::Like, 0.05)
                .profile
                .confidence,
            1.0
        );
    }

    #[test]
    fn likes_and_dislikes_move_the_right_traits() {
        let mut p = new_from_behavior();
        for _ in 0..10 {
            p = learn(
                &p,
                &[1.0, 0.0, 0.0, 0.0, 0.0],
                Direction::Like,
                DEFAULT_RATE,
            )
            .profile;
            p = learn(
                &p,
                &[0.0, 0.0, 1.0, 0.0, 0.0],
                Direction::Dislike,
                DEFAULT_RATE,
            )
            .profile;
        }
        assert!(p.scores[0] > 50.0);
        assert!(p.scores[2] < 50.0);
        assert_eq!(p.scores[1], 50.0);
        assert_eq!(p.evidence, 20);
        assert_eq!(p.informative, 20);
    }

    #[test]
    fn counts_likes_and_dislikes_of_informative_swipes() {
        let mut p = new_from_behavior();
        let a = [0.5, 0.0, 0.0, 0.0, 0.0];
        for d in [
            Direction::Like,
            Direction::StrongLike,
            Direction::Dislike,
            Direction::Neutral,
        ] {
            p = learn(&p, &a, d, 0.05).profile;
        }
        // a product with no trait teaches nothing and is not counted
        p = learn(&p, &[0.0; 5], Direction::Dislike, 0.05).profile;
        assert_eq!(
            (p.likes, p.dislikes, p.informative, p.evidence),
            (2, 1, 3, 5)
        );
        assert_eq!(like_rate(0, 0), 0.5);
        assert_eq!(like_rate(2, 1), 0.6);
    }

    /// On a new profile (like rate 0.5) the centred rule is 0.2.0's rule.
    #[test]
    fn first_swipe_moves_as_0_2_0() {
        let a = [0.8, 0.0, 0.3, 0.0, 1.0];
        for d in [Direction::Like, Direction::StrongLike, Direction::Dislike] {
            let new = learn(&new_from_behavior(), &a, d, 0.05).profile;
            let old = learn_0_2_0(&new_from_behavior(), &a, d, 0.05).profile;
            assert_eq!(new, old);
        }
    }

    /// A person who likes `like_share` of what they see, whatever the product.
    /// Returns the mean over persons of their trait mean, averaged over swipes
    /// 500..1000.
    fn indifferent_population(seed: u64, like_share: f64, centred: bool) -> f64 {
        let mut x = seed | 1;
        let mut uniform = move || {
            // xorshift64*: deterministic, no dependency
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
        };
        let persons = 20;
        let mut total = 0.0;
        for _ in 0..persons {
            let mut p = new_from_behavior();
            let (mut sum, mut n) = (0.0, 0.0);
            for k in 0..1000 {
                // a random product: each trait expressed with probability 0.4
                let mut a = [0.0; 5];
                for t in &mut a {
                    if uniform() < 0.4 {
                        *t = uniform();
                    }
                }
                let d = if uniform() < like_share {
                    Direction::Like
                } else {
                    Direction::Dislike
                };
                p = if centred {
                    learn(&p, &a, d, DEFAULT_RATE).profile
                } else {
                    learn_0_2_0(&p, &a, d, DEFAULT_RATE).profile
                };
                if k >= 500 {
                    sum += p.scores.iter().sum::<f64>() / 5.0;
                    n += 1.0;
                }
            }
            total += sum / n;
        }
        total / persons as f64
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Issue 14 point 4: the drift test. Liking 60 % of random products says
        /// nothing about the traits; the centred rule keeps the means at 50, 0.2.0's
        /// rule lets them climb (to about 60 here, 62-75 on MovieLens).
        #[test]
        fn sixty_percent_liker_keeps_trait_means_stable(seed in any::<u64>()) {
            let centred = indifferent_population(seed, 0.6, true);
            prop_assert!((centred - 50.0).abs() < 3.0, "centred mean {}", centred);
            let old = indifferent_population(seed, 0.6, false);
            prop_assert!(old > 55.0, "0.2.0 mean {}", old);
        }
    }

    /// Any f64, weighted toward the awkward ones.
    fn any_f64() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => -10.0f64..200.0,
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(f64::NEG_INFINITY),
            1 => Just(0.0),
            1 => Just(1.0),
            1 => Just(100.0),
            2 => any::<f64>(),
        ]
    }

    fn any_direction() -> impl Strategy<Value = Direction> {
        prop_oneof![
            Just(Direction::Like),
            Just(Direction::StrongLike),
            Just(Direction::Dislike),
            Just(Direction::Neutral),
            Just(Direction::Unknown),
        ]
    }

    fn any_profile() -> impl Strategy<Value = Profile> {
        (
            prop::array::uniform5(any_f64()),
            any::<u64>(),
            any::<u64>(),
            any_f64(),
            any_f64(),
            (any::<u64>(), any::<u64>()),
        )
            .prop_map(
                |(scores, evidence, informative, consistency, confidence, (likes, dislikes))| {
                    Profile {
                        scores,
                        evidence,
                        informative,
                        consistency,
                        confidence,
                        likes,
                        dislikes,
                    }
                },
            )
    }

    fn sane_profile() -> impl Strategy<Value = Profile> {
        (
            prop::array::uniform5(0.0f64..=100.0),
            0u64..1_000_000,
            0u64..1_000_000,
            0.0f64..=1.0,
            0.0f64..=1.0,
            (0u64..1_000_000, 0u64..1_000_000),
        )
            .prop_map(
                |(scores, evidence, informative, consistency, confidence, (likes, dislikes))| {
                    Profile {
                        scores,
                        evidence,
                        informative,
                        consistency,
                        confidence,
                        likes,
                        dislikes,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn everything_bounded_and_finite(
            p in any_profile(),
            a in prop::array::uniform5(any_f64()),
            d in any_direction(),
            rate in any_f64(),
        ) {
            let o = learn(&p, &a, d, rate);
            for s in o.profile.scores {
                prop_assert!(s.is_finite() && (0.0..=100.0).contains(&s), "score {}", s);
            }
            prop_assert!((0.0..=1.0).contains(&o.profile.consistency));
            prop_assert!((0.0..=1.0).contains(&o.profile.confidence));
            prop_assert!((0.0..=1.0).contains(&o.prediction));
            prop_assert_eq!(o.profile.evidence, p.evidence.saturating_add(1));
        }

        #[test]
        fn evidence_increments_by_one(
            p in sane_profile(),
            a in prop::array::uniform5(any_f64()),
            d in any_direction(),
            rate in any_f64(),
        ) {
            prop_assert_eq!(learn(&p, &a, d, rate).profile.evidence, p.evidence + 1);
        }

        #[test]
        fn like_never_lowers_and_raises_expressed_traits(
            p in sane_profile(),
            a in prop::array::uniform5(prop_oneof![Just(0.0), 0.01f64..=1.0]),
            strong in any::<bool>(),
            rate in 0.001f64..=1.0,
        ) {
            let d = if strong { Direction::StrongLike } else { Direction::Like };
            let o = learn(&p, &a, d, rate);
            for t in 0..5 {
                prop_assert!(o.profile.scores[t] >= p.scores[t]);
                if a[t] > 0.0 && p.scores[t] < 99.9 {
                    prop_assert!(o.profile.scores[t] > p.scores[t]);
                }
                if a[t] == 0.0 {
                    prop_assert_eq!(o.profile.scores[t], p.scores[t]);
                }
            }
        }

        #[test]
        fn like_never_lowers_any_input(
            p in any_profile(),
            a in prop::array::uniform5(any_f64()),
            strong in any::<bool>(),
            rate in any_f64(),
        ) {
            let d = if strong { Direction::StrongLike } else { Direction::Like };
            let before = sanitize_scores(&p.scores);
            let o = learn(&p, &a, d, rate);
            for t in 0..5 {
                prop_assert!(o.profile.scores[t] >= before[t]);
            }
        }

        #[test]
        fn dislike_never_raises(
            p in any_profile(),
            a in prop::array::uniform5(any_f64()),
            rate in any_f64(),
        ) {
            let before = sanitize_scores(&p.scores);
            let o = learn(&p, &a, Direction::Dislike, rate);
            for t in 0..5 {
                prop_assert!(o.profile.scores[t] <= before[t]);
            }
        }

        #[test]
        fn dislike_lowers_expressed_traits(
            p in sane_profile(),
            a in prop::array::uniform5(prop_oneof![Just(0.0), 0.01f64..=1.0]),
            rate in 0.001f64..=1.0,
        ) {
            let o = learn(&p, &a, Direction::Dislike, rate);
            for t in 0..5 {
                if a[t] > 0.0 && p.scores[t] > 0.1 {
                    prop_assert!(o.profile.scores[t] < p.scores[t]);
                }
            }
        }

        #[test]
        fn ten_likes_and_ten_dislikes(rate in 0.001f64..=1.0, interleave in any::<bool>()) {
            let like = [1.0, 0.0, 0.0, 0.0, 0.0];
            let dislike = [0.0, 0.0, 1.0, 0.0, 0.0];
            let mut p = new_from_behavior();
            if interleave {
                for _ in 0..10 {
                    p = learn(&p, &like, Direction::Like, rate).profile;
                    p = learn(&p, &dislike, Direction::Dislike, rate).profile;
                }
            } else {
                for _ in 0..10 {
                    p = learn(&p, &like, Direction::Like, rate).profile;
                }
                for _ in 0..10 {
                    p = learn(&p, &dislike, Direction::Dislike, rate).profile;
                }
            }
            prop_assert!(p.scores[0] > 50.0);
            prop_assert!(p.scores[2] < 50.0);
            prop_assert_eq!(p.evidence, 20);
        }

        #[test]
        fn confidence_monotone_and_capped(
            p in any_profile(),
            swipes in prop::collection::vec(
                (prop::array::uniform5(any_f64()), any_direction(), any_f64()),
                1..30,
            ),
        ) {
            let initial = sanitize(p.confidence, INITIAL_CONFIDENCE, 0.0, 1.0);
            let cap = initial.max(CONFIDENCE_CEILING);
            let mut cur = p;
            let mut last = initial;
            for (a, d, rate) in swipes {
                cur = learn(&cur, &a, d, rate).profile;
                prop_assert!(cur.confidence >= last);
                prop_assert!(cur.confidence <= cap);
                prop_assert!((0.0..=1.0).contains(&cur.consistency));
                last = cur.confidence;
            }
        }

        #[test]
        fn consistency_is_mean_agreement(
            swipes in prop::collection::vec(
                (prop::array::uniform5(0.0f64..=1.0), any_direction()),
                1..30,
            ),
        ) {
            let mut p = new_from_behavior();
            let mut sum = 0.0;
            let mut n = 0u64;
            for (a, d) in swipes {
                let o = learn(&p, &a, d, DEFAULT_RATE);
                if o.informative {
                    let y = d.outcome().unwrap_or(0.0);
                    sum += 1.0 - (o.prediction - y).abs();
                    n += 1;
                }
                p = o.profile;
            }
            prop_assert_eq!(p.informative, n);
            if n > 0 {
                prop_assert!((p.consistency - sum / n as f64).abs() < 1e-9);
            } else {
                prop_assert_eq!(p.consistency, INITIAL_CONSISTENCY);
            }
        }

        #[test]
        fn parse_never_panics(s in any::<Option<String>>()) {
            let d = parse_direction(s.as_deref());
            if let Some(st) = d.as_str() {
                prop_assert_eq!(parse_direction(Some(st)), d);
            }
            let m = method_after_swipe(s.as_deref());
            prop_assert!(m == "behavior" || m == "hybrid");
        }
    }
}
