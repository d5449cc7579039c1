//! Per-product statistics, aggregated from swipes in batches (never updated per swipe,
//! so a popular product is not a hot row): likes, dislikes, neutral swipes and a
//! time-decayed like mass. [`ItemStats::merge`] adds a batch's aggregate to the stored
//! row; [`ItemStats::decay_to`] ages the decayed mass to a new reference time, so a
//! refresh only reads the swipes since the last one.
//!
//! * smoothed like rate = `(likes + m·p) / (likes + dislikes + m)`, `p` the catalog's like
//!   rate, `m` = [`RATE_PRIOR`] pseudo-swipes;
//! * popularity = `ln(1 + decayed likes) / ln(1 + max decayed likes)`, in 0..1; the decayed
//!   likes weigh a like of age `a` by `0.5^(a / half_life)`.

use super::{finite_or, Swipe};
use crate::learning::Direction;

/// Pseudo-swipes of the like-rate prior.
pub const RATE_PRIOR: f64 = 10.0;

/// Default of `personality.min_people`: an aggregate about other people (popularity,
/// side likes, co-like pairs) is shown or used only when this many distinct people
/// stand behind it.
pub const MIN_PEOPLE: u32 = 3;

/// Trait score from which a liker is on the "high side" of a trait (`side_likes`, the
/// reason "popular with people who share your … side").
pub const SIDE_SCORE: f64 = 60.0;

/// Default half-life of the popularity, in seconds (90 days).
pub const HALF_LIFE: f64 = 90.0 * 86_400.0;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ItemStats {
    pub likes: f64,
    pub dislikes: f64,
    pub neutral: f64,
    /// Likes weighted by `0.5^(age / half_life)` at time `at`.
    pub decayed_likes: f64,
    /// Reference time of `decayed_likes` (seconds).
    pub at: i64,
}

fn decay(age: f64, half_life: f64) -> f64 {
    if !(half_life.is_finite() && half_life > 0.0) {
        return 1.0; // no decay
    }
    finite_or(0.5f64.powf(age.max(0.0) / half_life), 0.0)
}

impl ItemStats {
    /// The decayed mass as seen at time `now` (later than `at`; earlier is treated as `at`).
    pub fn decay_to(&self, now: i64, half_life: f64) -> ItemStats {
        let age = now.saturating_sub(self.at).max(0) as f64;
        ItemStats {
            decayed_likes: self.decayed_likes * decay(age, half_life),
            at: self.at.max(now),
            ..*self
        }
    }

    /// Adds another aggregate (both aged to the later reference time).
    pub fn merge(&self, other: &ItemStats, half_life: f64) -> ItemStats {
        let now = self.at.max(other.at);
        let a = self.decay_to(now, half_life);
        let b = other.decay_to(now, half_life);
        ItemStats {
            likes: a.likes + b.likes,
            dislikes: a.dislikes + b.dislikes,
            neutral: a.neutral + b.neutral,
            decayed_likes: a.decayed_likes + b.decayed_likes,
            at: now,
        }
    }

    /// Smoothed like rate toward the catalog rate `prior` (0..1).
    pub fn like_rate(&self, prior: f64) -> f64 {
        let prior = finite_or(prior, 0.5).clamp(0.0, 1.0);
        let l = finite_or(self.likes, 0.0).max(0.0);
        let d = finite_or(self.dislikes, 0.0).max(0.0);
        finite_or((l + RATE_PRIOR * prior) / (l + d + RATE_PRIOR), prior).clamp(0.0, 1.0)
    }
}

/// Aggregate of a batch of swipes `(product, swipe)` as of time `now`, for `n_items`
/// products (out-of-range products ignored). A strong like counts as one like here.
pub fn aggregate<'a>(
    swipes: impl IntoIterator<Item = &'a Swipe>,
    n_items: usize,
    now: i64,
    half_life: f64,
) -> Vec<ItemStats> {
    let mut out = vec![
        ItemStats {
            at: now,
            ..ItemStats::default()
        };
        n_items
    ];
    for s in swipes {
        let Some(st) = out.get_mut(s.item as usize) else {
            continue;
        };
        match s.direction {
            Direction::Like | Direction::StrongLike => {
                st.likes += 1.0;
                st.decayed_likes += decay(now.saturating_sub(s.ts) as f64, half_life);
            }
            Direction::Dislike => st.dislikes += 1.0,
            Direction::Neutral | Direction::Unknown => st.neutral += 1.0,
        }
    }
    out
}

/// Catalog-level numbers the score needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Catalog {
    /// Share of likes among likes + dislikes (0.5 without any).
    pub like_rate: f64,
    /// `ln(1 + max decayed likes)`, the popularity normaliser (0 without likes).
    pub log_max_decayed: f64,
}

impl Catalog {
    pub fn of(stats: &[ItemStats]) -> Catalog {
        let (mut l, mut d, mut m) = (0.0, 0.0, 0.0f64);
        for s in stats {
            l += finite_or(s.likes, 0.0).max(0.0);
            d += finite_or(s.dislikes, 0.0).max(0.0);
            m = m.max(finite_or(s.decayed_likes, 0.0));
        }
        Catalog {
            like_rate: if l + d > 0.0 { l / (l + d) } else { 0.5 },
            log_max_decayed: m.max(0.0).ln_1p(),
        }
    }

    /// Popularity of a product in 0..1.
    pub fn popularity(&self, s: &ItemStats) -> f64 {
        if self.log_max_decayed <= 0.0 {
            return 0.0;
        }
        finite_or(
            finite_or(s.decayed_likes, 0.0).max(0.0).ln_1p() / self.log_max_decayed,
            0.0,
        )
        .clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sw(item: u32, d: Direction, ts: i64) -> Swipe {
        Swipe {
            item,
            direction: d,
            ts,
        }
    }

    #[test]
    fn batches_merge_like_one_aggregate() {
        let h = 100.0;
        let all = [
            sw(0, Direction::Like, 0),
            sw(0, Direction::Dislike, 50),
            sw(1, Direction::StrongLike, 60),
            sw(0, Direction::Like, 150),
            sw(1, Direction::Neutral, 200),
        ];
        let one = aggregate(&all, 2, 200, h);
        let a = aggregate(&all[..2], 2, 100, h);
        let b = aggregate(&all[2..], 2, 200, h);
        for i in 0..2 {
            let m = a[i].merge(&b[i], h);
            assert_eq!(m.likes, one[i].likes);
            assert_eq!(m.dislikes, one[i].dislikes);
            assert!((m.decayed_likes - one[i].decayed_likes).abs() < 1e-12);
        }
        assert!((one[0].decayed_likes - (0.25 + 0.5f64.powf(0.5))).abs() < 1e-12);
    }

    #[test]
    fn rates_and_popularity_are_bounded() {
        let s = ItemStats {
            likes: f64::NAN,
            dislikes: -3.0,
            neutral: 0.0,
            decayed_likes: f64::INFINITY,
            at: 0,
        };
        let r = s.like_rate(f64::NAN);
        assert!((0.0..=1.0).contains(&r));
        let c = Catalog::of(&[s, ItemStats::default()]);
        let p = c.popularity(&s);
        assert!((0.0..=1.0).contains(&p));
        assert_eq!(Catalog::of(&[]).popularity(&ItemStats::default()), 0.0);
        let fresh = ItemStats {
            likes: 0.0,
            dislikes: 0.0,
            ..ItemStats::default()
        };
        assert!((fresh.like_rate(0.7) - 0.7).abs() < 1e-12);
        assert!(aggregate(&[sw(9, Direction::Like, 0)], 2, 0, HALF_LIFE)
            .iter()
            .all(|s| s.likes == 0.0));
    }
}
