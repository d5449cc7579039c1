//! Trait learning without drift, for callers that keep scores and like counts
//! apart (the offline examples).
//!
//! The rule is [`crate::learning::learn`]'s, which the swipe trigger uses: each swipe
//! is centred on the person's smoothed like rate before the swipe,
//! `r = (likes + 1) / (likes + dislikes + 2)`, so a like moves a trait by
//! `2 × rate × strength × a × (1 − r) × (100 − s)` and a dislike by
//! `2 × rate × strength × a × r × s`. 0.2.0's rule
//! ([`crate::learning::learn_0_2_0`]) moved every trait a liked product touches toward
//! 100; since most swipes are likes, all traits climbed together. A person who likes
//! nearly everything learns from their rare dislikes and little from likes; a product
//! liked no more often than the person's base rate teaches nothing on average.

use crate::learning::{self, Direction};
use crate::traits::Vector;

/// Like / dislike counts of a person (what the learning state keeps).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rate {
    pub likes: f64,
    pub dislikes: f64,
}

fn count(x: f64) -> u64 {
    // `as` saturates; NaN and negatives are 0
    if x > 0.0 {
        x as u64
    } else {
        0
    }
}

impl Rate {
    /// Smoothed like rate, 0..1 ([`learning::like_rate`]).
    pub fn value(&self) -> f64 {
        learning::like_rate(count(self.likes), count(self.dislikes))
    }
}

/// Learns one swipe with [`learning::learn`]; returns the new scores and updates
/// `counts`. Never fails.
pub fn learn_centred(
    scores: &Vector,
    affinities: &Vector,
    d: Direction,
    rate: f64,
    counts: &mut Rate,
) -> Vector {
    let p = learning::Profile {
        scores: *scores,
        likes: count(counts.likes),
        dislikes: count(counts.dislikes),
        ..learning::new_from_behavior()
    };
    let out = learning::learn(&p, affinities, d, rate).profile;
    counts.likes = out.likes as f64;
    counts.dislikes = out.dislikes as f64;
    out.scores
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::{learn_0_2_0 as learn, new_from_behavior};

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
