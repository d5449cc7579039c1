//! Trait learning without drift.
//!
//! 0.2.0's rule ([`crate::learning::learn`]) moves every trait a liked product touches
//! toward 100; since most swipes are likes, all traits climb together and the profile
//! stops telling products apart. Here each swipe is centred on the person's own like
//! rate `r` (smoothed: `(likes + 1) / (likes + dislikes + 2)` before the swipe): with
//! outcome `y` (like 1, dislike 0) the error `e = y − r` moves each trait score `s` by
//! `2 × rate × strength × a × e × (100 − s)` when `e > 0` and `… × s` when `e < 0`
//! (the factor 2 makes a first swipe, `r = 0.5`, move exactly as 0.2.0 does). A person
//! who likes nearly everything learns from their rare dislikes and little from likes;
//! a product liked no more often than the person's base rate teaches nothing on average.

use crate::learning::{self, Direction};
use crate::traits::Vector;

/// Like / dislike counts of a person (what the learning state would keep).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rate {
    pub likes: f64,
    pub dislikes: f64,
}

impl Rate {
    /// Smoothed like rate, 0..1.
    pub fn value(&self) -> f64 {
        let l = if self.likes.is_finite() {
            self.likes.max(0.0)
        } else {
            0.0
        };
        let d = if self.dislikes.is_finite() {
            self.dislikes.max(0.0)
        } else {
            0.0
        };
        (l + 1.0) / (l + d + 2.0)
    }
}

fn clean(x: f64, nan: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() {
        nan
    } else {
        x.clamp(lo, hi)
    }
}

/// Learns one swipe; returns the new scores and updates `rate`. Never fails.
pub fn learn_centred(
    scores: &Vector,
    affinities: &Vector,
    d: Direction,
    rate: f64,
    counts: &mut Rate,
) -> Vector {
    let step = learning::effective_rate(rate) * d.strength();
    let Some(y) = d.outcome() else {
        return scores.map(|s| clean(s, 50.0, 0.0, 100.0));
    };
    let e = y - counts.value();
    let mut out = [0.0; 5];
    for t in 0..5 {
        let s = clean(scores[t], 50.0, 0.0, 100.0);
        let a = clean(affinities[t], 0.0, 0.0, 1.0);
        let room = if e > 0.0 { 100.0 - s } else { s };
        out[t] = clean(s + 2.0 * step * a * e * room, s, 0.0, 100.0);
    }
    if y > 0.5 {
        counts.likes += 1.0;
    } else {
        counts.dislikes += 1.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::{learn, new_from_behavior};

    #[test]
    fn first_swipe_matches_0_2_0() {
        let a = [0.8, 0.0, 0.3, 0.0, 1.0];
        let mut r = Rate::default();
        let new = learn_centred(&[50.0; 5], &a, Direction::Like, 0.05, &mut r);
        let old = learn(&new_from_behavior(), &a, Direction::Like, 0.05)
            .profile
            .scores;
        for t in 0..5 {
            assert!((new[t] - old[t]).abs() < 1e-9);
        }
        assert_eq!(r.likes, 1.0);
    }

    #[test]
    fn liking_everything_does_not_drift() {
        let (mut s_new, mut p_old, mut r) = ([50.0; 5], new_from_behavior(), Rate::default());
        for k in 0..200 {
            // products of trait 0 liked, of trait 1 liked 90 % (i.e. slightly less)
            let (a, d) = if k % 2 == 0 {
                ([1.0, 0.0, 0.0, 0.0, 0.0], Direction::Like)
            } else if k % 20 == 1 {
                ([0.0, 1.0, 0.0, 0.0, 0.0], Direction::Dislike)
            } else {
                ([0.0, 1.0, 0.0, 0.0, 0.0], Direction::Like)
            };
            s_new = learn_centred(&s_new, &a, d, 0.05, &mut r);
            p_old = learn(&p_old, &a, d, 0.05).profile;
        }
        // old: both traits near 100; new: trait 0 clearly above trait 1
        assert!(p_old.scores[1] > 85.0, "{:?}", p_old.scores);
        assert!(s_new[0] - s_new[1] > 5.0, "{s_new:?}");
        assert!(s_new.iter().all(|s| (0.0..=100.0).contains(s)));
    }

    #[test]
    fn odd_input() {
        let mut r = Rate {
            likes: f64::NAN,
            dislikes: -1.0,
        };
        let s = learn_centred(
            &[f64::NAN, f64::INFINITY, -5.0, 50.0, 50.0],
            &[f64::NAN; 5],
            Direction::Dislike,
            f64::NAN,
            &mut r,
        );
        assert!(s.iter().all(|x| x.is_finite() && (0.0..=100.0).contains(x)));
        let s = learn_centred(&[50.0; 5], &[1.0; 5], Direction::Neutral, 0.05, &mut r);
        assert_eq!(s, [50.0; 5]);
    }
}
