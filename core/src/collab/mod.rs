//! Collaborative + item-level recommendations (issue 14), designed to run inside
//! Postgres: everything here is bounded by the person's own swipes, the stored neighbour
//! lists (top K per product) and a bounded candidate set, never by the catalog size.
//!
//! * [`neighbours`]: item-to-item similarity from co-likes (cosine by default, Jaccard
//!   and lift available), top K per product, built by streaming over the likes grouped
//!   by person, one block of products at a time (bounded memory).
//! * [`stats`]: per product like / dislike counts, a smoothed like rate and a
//!   time-decayed popularity; aggregated from swipes in batches (mergeable), never
//!   updated per swipe.
//! * [`score`]: the request-time score of one person's candidates from their current
//!   swipes (seconds-old ones included), the neighbour lists, the item stats and the
//!   personality/category fit, with the hybrid blend rule documented there.
//! * [`diversify`]: per-category cap on the final list; swiped products never shown.
//! * [`keyhash`]: a keyed hasher for product ids in the request's maps.
//! * [`profile`]: a trait-learning rule without drift (each swipe centred on the
//!   person's own like rate).
//!
//! Products are dense indices (`u32`) here; the SQL side maps them to product ids.

pub mod diversify;
pub mod keyhash;
pub mod neighbours;
pub mod opinions;
pub mod post;
pub mod profile;
pub mod score;
pub mod stats;

use crate::learning::Direction;

/// The model's constants as SQL names them (the refresh in sql/model.sql reads them
/// through `_personality_model_constant`, so each is defined once, here): the
/// popularity half-life in seconds, the neighbours kept per product, the most recent
/// likes of a person that count, the products recomputed per pass, the pseudo-swipes
/// of the like-rate prior, the trait score of a side's liker, the default of
/// `personality.min_people`.
pub fn constant(name: &str) -> Option<f64> {
    let n = neighbours::Params::default();
    Some(match name {
        "half_life_seconds" => stats::HALF_LIFE,
        "neighbours_per_product" => n.k as f64,
        "likes_per_person" => n.max_likes_per_person as f64,
        "products_per_pass" => n.block as f64,
        "rate_prior" => stats::RATE_PRIOR,
        "side_score" => stats::SIDE_SCORE,
        "min_people" => stats::MIN_PEOPLE as f64,
        _ => return None,
    })
}

/// The names [`constant`] knows.
pub const CONSTANTS: [&str; 7] = [
    "half_life_seconds",
    "neighbours_per_product",
    "likes_per_person",
    "products_per_pass",
    "rate_prior",
    "side_score",
    "min_people",
];

#[cfg(test)]
mod constant_tests {
    #[test]
    fn every_constant_is_known_and_finite() {
        for n in super::CONSTANTS {
            let v = super::constant(n).unwrap_or_else(|| panic!("{n}"));
            assert!(v.is_finite() && v > 0.0, "{n} = {v}");
        }
        assert_eq!(super::constant("nope"), None);
        assert_eq!(super::constant("neighbours_per_product"), Some(100.0));
        assert_eq!(super::constant("likes_per_person"), Some(500.0));
    }
}

/// A dense product index.
pub type Item = u32;

/// One swipe of a person, as far as the engine needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Swipe {
    pub item: Item,
    pub direction: Direction,
    /// Seconds since the epoch (only the order and the age matter).
    pub ts: i64,
}

impl Swipe {
    /// Right or up.
    pub fn is_like(&self) -> bool {
        matches!(self.direction, Direction::Like | Direction::StrongLike)
    }

    /// Left.
    pub fn is_dislike(&self) -> bool {
        matches!(self.direction, Direction::Dislike)
    }

    /// How much the swipe counts as a like: up 1.5 (a strong like), right 1, else 0.
    pub fn like_weight(&self) -> f64 {
        match self.direction {
            Direction::Like => 1.0,
            Direction::StrongLike => 1.5,
            _ => 0.0,
        }
    }
}

/// A finite number, else `fallback`.
pub(crate) fn finite_or(x: f64, fallback: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        fallback
    }
}
