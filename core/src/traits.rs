//! The five traits of the seed and their fixed order.

/// A trait of the five-trait model, in the seed's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Trait {
    Adventurous,
    Intellectual,
    Practical,
    Creative,
    Social,
}

/// All traits in the seed's order (the order of its CASE statement).
pub const ALL: [Trait; 5] = [
    Trait::Adventurous,
    Trait::Intellectual,
    Trait::Practical,
    Trait::Creative,
    Trait::Social,
];

impl Trait {
    /// The JSON key / SQL name of the trait.
    pub fn name(self) -> &'static str {
        match self {
            Trait::Adventurous => "adventurous",
            Trait::Intellectual => "intellectual",
            Trait::Practical => "practical",
            Trait::Creative => "creative",
            Trait::Social => "social",
        }
    }

    /// Parse a trait name; anything else is `None` (unknown keys are ignored, not errors).
    pub fn from_name(s: &str) -> Option<Trait> {
        ALL.iter().copied().find(|t| t.name() == s)
    }

    /// Position of the trait in [`ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Five trait values in the order of [`ALL`] (scores 0..100, or affinities 0..1).
pub type Vector = [f64; 5];

/// How close to the top score (in points, on the 0..100 scale) another trait must be
/// to count as a secondary type.
pub const SECONDARY_MARGIN: f64 = 15.0;
/// At most this many secondary types are reported.
pub const MAX_SECONDARY: usize = 2;

/// Traits ranked by score, highest first; ties keep the seed's order
/// (adventurous, intellectual, practical, creative, social), so ranking is deterministic.
/// NaN ranks last.
pub fn ranked(scores: &Vector) -> [Trait; 5] {
    let mut out = ALL;
    out.sort_by(|a, b| {
        let (x, y) = (scores[a.index()], scores[b.index()]);
        let x = if x.is_nan() { f64::NEG_INFINITY } else { x };
        let y = if y.is_nan() { f64::NEG_INFINITY } else { y };
        y.partial_cmp(&x)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.index().cmp(&b.index()))
    });
    out
}

/// The primary type (top score) and the secondary types: the other traits within
/// [`SECONDARY_MARGIN`] points of the top, best first, at most [`MAX_SECONDARY`].
pub fn primary_and_secondary(scores: &Vector) -> (Trait, Vec<Trait>) {
    let order = ranked(scores);
    let top = scores[order[0].index()];
    let secondary = order[1..]
        .iter()
        .copied()
        .filter(|t| top - scores[t.index()] <= SECONDARY_MARGIN)
        .take(MAX_SECONDARY)
        .collect();
    (order[0], secondary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in ALL {
            assert_eq!(Trait::from_name(t.name()), Some(t));
            assert_eq!(ALL[t.index()], t);
        }
        assert_eq!(Trait::from_name("behavioral_consistency"), None);
    }

    #[test]
    fn ties_follow_seed_order() {
        let (p, s) = primary_and_secondary(&[50.0; 5]);
        assert_eq!(p, Trait::Adventurous);
        assert_eq!(s, vec![Trait::Intellectual, Trait::Practical]);
    }

    #[test]
    fn secondary_only_within_margin() {
        let (p, s) = primary_and_secondary(&[10.0, 20.0, 90.0, 80.0, 74.0]);
        assert_eq!(p, Trait::Practical);
        assert_eq!(s, vec![Trait::Creative]);
    }
}
