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
}
