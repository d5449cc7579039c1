//! The learning state the swipe trigger keeps per user, and when it is written through
//! to the user's `personality_profiles` row.
//!
//! Every swipe updates one narrow row of `personality_learning_state` (a `float8[]`
//! keyed by user id, no other index, so the update is HOT). The wide profile row, with
//! the seed's eight indexes, is rewritten only when the profile *materially* changes:
//!
//! * the primary type or the set of secondary types changed;
//! * a trait score moved by at least `sync_points` since the profile was last written
//!   (setting `personality.profile_sync_points`, default 5; 0 writes on every swipe);
//! * the confidence moved by at least [`SYNC_CONFIDENCE`];
//! * `sync_swipes` swipes were learnt since the last write (setting
//!   `personality.profile_sync_swipes`, default 20);
//! * or the profile shows no behaviour yet (its first swipe: the method becomes
//!   `hybrid` / `behavior` at once).
//!
//! Between writes the profile row lags the state by less than those bounds;
//! `personality_sync_profile()`, `personality_recommend()` and `personality_assess()`
//! write the pending state first.
//!
//! # Layout of the state array (0-based here, 1-based in SQL)
//!
//! | index | meaning |
//! |---|---|
//! | 0..5 | trait scores 0..100 (adventurous, intellectual, practical, creative, social) |
//! | 5 | swipes learnt from (evidence) |
//! | 6 | informative swipes |
//! | 7 | behavioural consistency 0..1 |
//! | 8 | confidence 0..1 (unrounded) |
//! | 9..14 | trait scores when the profile row was last written |
//! | 14 | confidence when the profile row was last written |
//! | 15 | evidence when the profile row was last written |
//! | 16 | primary type (0..4) when the profile row was last written |
//! | 17 | secondary types (bit mask) when the profile row was last written |
//! | 18 | outcome of the last step: 0 learnt, 1 learnt and the profile row is due, 2 the product's affinities are needed (nothing learnt) |
//! | 19 | primary type (0..4) the profile row had before this step's write (with outcome 1) |
//! | 20 | informative likes (the like rate each swipe is centred on, [`learning::like_rate`]) |
//! | 21 | informative dislikes |
//!
//! Arrays written before 0.3.0 have 20 elements: the counts read as 0 (like rate 0.5)
//! and the next step writes all 22. A state rebuilt from the profile row starts the
//! counts at 0 as well (the profile row does not keep them).
use crate::learning::{self, Direction, Profile};
use crate::traits::{primary_and_secondary, Trait, Vector, ALL};

/// Length of the state array.
pub const LEN: usize = 22;

// The slots of the state array (0-based; the table above). A public contract: the pgrx
// layer and SQL name them (SQL through `_personality_state_slot(name)`, see [`SLOTS`]),
// never by number.
/// the five trait scores, in the order of [`crate::traits::ALL`]
pub const SCORES: usize = 0;
pub const EVIDENCE: usize = 5;
pub const INFORMATIVE: usize = 6;
pub const CONSISTENCY: usize = 7;
pub const CONFIDENCE: usize = 8;
pub const SYNCED_SCORES: usize = 9;
pub const SYNCED_CONFIDENCE: usize = 14;
pub const SYNCED_EVIDENCE: usize = 15;
pub const SYNCED_PRIMARY: usize = 16;
pub const SYNCED_SECONDARY: usize = 17;
pub const OUTCOME: usize = 18;
pub const PREVIOUS_PRIMARY: usize = 19;
/// likes and dislikes counted since the state was built (the centred rule's like rate)
pub const LIKES: usize = 20;
pub const DISLIKES: usize = 21;

/// The slots by the names SQL uses for them (a trait's name is its score).
pub const SLOTS: [(&str, usize); 18] = [
    ("adventurous", SCORES),
    ("intellectual", SCORES + 1),
    ("practical", SCORES + 2),
    ("creative", SCORES + 3),
    ("social", SCORES + 4),
    ("evidence", EVIDENCE),
    ("informative", INFORMATIVE),
    ("consistency", CONSISTENCY),
    ("confidence", CONFIDENCE),
    ("synced_scores", SYNCED_SCORES),
    ("synced_confidence", SYNCED_CONFIDENCE),
    ("synced_evidence", SYNCED_EVIDENCE),
    ("synced_primary", SYNCED_PRIMARY),
    ("synced_secondary", SYNCED_SECONDARY),
    ("outcome", OUTCOME),
    ("previous_primary", PREVIOUS_PRIMARY),
    ("likes", LIKES),
    ("dislikes", DISLIKES),
];

/// The 0-based slot named `name` (see [`SLOTS`]).
pub fn slot(name: &str) -> Option<usize> {
    SLOTS.iter().find(|(n, _)| *n == name).map(|(_, i)| *i)
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn slots_are_named_once_and_inside_the_array() {
        for (i, (name, at)) in SLOTS.iter().enumerate() {
            assert!(*at < LEN, "{name}");
            assert_eq!(slot(name), Some(*at));
            assert!(SLOTS[..i].iter().all(|(n, _)| n != name), "{name} twice");
        }
        for t in ALL {
            assert_eq!(slot(t.name()), Some(SCORES + t.index()));
        }
        assert_eq!(slot("state"), None);
    }
}

/// A confidence change of this much makes the profile row due.
pub const SYNC_CONFIDENCE: f64 = 0.05;

/// Default of `personality.profile_sync_points`.
pub const DEFAULT_SYNC_POINTS: f64 = 5.0;

/// Default of `personality.profile_sync_swipes`.
pub const DEFAULT_SYNC_SWIPES: i64 = 20;

/// What one step did (element 18 of the state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// learnt; the profile row is close enough
    Learned,
    /// learnt; write the profile row now
    WriteProfile,
    /// the product has no known affinities yet: look them up and step again
    NeedAffinities,
}

impl StepOutcome {
    fn code(self) -> f64 {
        match self {
            StepOutcome::Learned => 0.0,
            StepOutcome::WriteProfile => 1.0,
            StepOutcome::NeedAffinities => 2.0,
        }
    }
}

/// When the profile row is rewritten.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyncPolicy {
    /// a trait move (points, 0..100) that makes the row due; 0 or less: every swipe
    pub points: f64,
    /// this many swipes since the last write make the row due (at least 1)
    pub swipes: i64,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy {
            points: DEFAULT_SYNC_POINTS,
            swipes: DEFAULT_SYNC_SWIPES,
        }
    }
}

/// The decoded state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State {
    /// the learnt profile
    pub profile: Profile,
    /// scores when the profile row was last written
    pub synced_scores: Vector,
    /// confidence when the profile row was last written
    pub synced_confidence: f64,
    /// evidence when the profile row was last written
    pub synced_evidence: u64,
    /// primary type when the profile row was last written
    pub synced_primary: Trait,
    /// secondary types (bit mask) when the profile row was last written
    pub synced_secondary: u32,
}

fn mask(ts: &[Trait]) -> u32 {
    ts.iter().fold(0, |m, t| m | (1 << t.index()))
}

/// Secondary types (bit mask by trait index) of some scores.
pub fn secondary_mask(scores: &Vector) -> u32 {
    mask(&primary_and_secondary(scores).1)
}

fn count(x: Option<f64>) -> u64 {
    match x {
        // `as` saturates: NaN is 0, huge values u64::MAX
        Some(v) if v > 0.0 => v as u64,
        _ => 0,
    }
}

/// Element `i`, absent when missing, NULL or NaN.
fn value_at(a: &[Option<f64>], i: usize) -> Option<f64> {
    a.get(i).copied().flatten().filter(|x| !x.is_nan())
}

/// The scores (0..5), evidence (5), informative swipes (6), consistency (7) and like
/// counts (20, 21; absent from the profile fields) of a stored state or of the profile
/// fields (same positions), over a new behaviour-only profile; the confidence is left
/// at that profile's.
fn learnt_part(a: &[Option<f64>]) -> Profile {
    let mut p = learning::new_from_behavior();
    for t in ALL {
        if let Some(s) = value_at(a, t.index()) {
            p.scores[t.index()] = s.clamp(0.0, 100.0);
        }
    }
    p.evidence = count(value_at(a, EVIDENCE));
    p.informative = count(value_at(a, INFORMATIVE));
    if let Some(c) = value_at(a, CONSISTENCY) {
        p.consistency = c.clamp(0.0, 1.0);
    }
    p.likes = count(value_at(a, LIKES));
    p.dislikes = count(value_at(a, DISLIKES));
    p
}

/// An encoded state (what [`step`] returns) as a stored one (what it takes).
pub fn stored(encoded: &[f64]) -> Vec<Option<f64>> {
    encoded.iter().copied().map(Some).collect()
}

fn trait_at(x: Option<f64>) -> Option<Trait> {
    match x {
        Some(v) if (0.0..5.0).contains(&v) => ALL.get(v as usize).copied(),
        _ => None,
    }
}

impl State {
    /// A state that says the profile row shows exactly `profile`.
    pub fn synced(profile: Profile) -> State {
        let (primary, secondary) = primary_and_secondary(&profile.scores);
        State {
            profile,
            synced_scores: profile.scores,
            synced_confidence: profile.confidence,
            synced_evidence: profile.evidence,
            synced_primary: primary,
            synced_secondary: mask(&secondary),
        }
    }

    /// Decode a stored array. Missing, NULL or NaN elements take the values of a new
    /// behaviour-only profile (the synced part then reads as "never written").
    pub fn decode(a: &[Option<f64>]) -> State {
        let at = |i: usize| value_at(a, i);
        let mut p = learnt_part(a);
        if let Some(c) = at(CONFIDENCE) {
            p.confidence = c.clamp(0.0, 1.0);
        }
        let mut synced_scores = p.scores;
        for t in ALL {
            synced_scores[t.index()] = at(SYNCED_SCORES + t.index()).unwrap_or(f64::NAN);
        }
        let computed = primary_and_secondary(&p.scores);
        State {
            profile: p,
            synced_scores,
            synced_confidence: at(SYNCED_CONFIDENCE).unwrap_or(f64::NAN),
            synced_evidence: count(at(SYNCED_EVIDENCE)).min(p.evidence),
            synced_primary: trait_at(at(SYNCED_PRIMARY)).unwrap_or(computed.0),
            synced_secondary: at(SYNCED_SECONDARY)
                .filter(|m| (0.0..32.0).contains(m))
                .map(|m| m as u32)
                .unwrap_or_else(|| mask(&computed.1)),
        }
    }

    /// Encode, with the outcome of the step that produced it and the primary type the
    /// profile row had before.
    pub fn encode(&self, outcome: StepOutcome, previous_primary: Trait) -> Vec<f64> {
        let mut v = vec![0.0; LEN];
        v[..5].copy_from_slice(&self.profile.scores);
        v[EVIDENCE] = self.profile.evidence as f64;
        v[INFORMATIVE] = self.profile.informative as f64;
        v[CONSISTENCY] = self.profile.consistency;
        v[CONFIDENCE] = self.profile.confidence;
        v[SYNCED_SCORES..SYNCED_SCORES + 5].copy_from_slice(&self.synced_scores);
        v[SYNCED_CONFIDENCE] = self.synced_confidence;
        v[SYNCED_EVIDENCE] = self.synced_evidence as f64;
        v[SYNCED_PRIMARY] = self.synced_primary.index() as f64;
        v[SYNCED_SECONDARY] = self.synced_secondary as f64;
        v[OUTCOME] = outcome.code();
        v[PREVIOUS_PRIMARY] = previous_primary.index() as f64;
        v[LIKES] = self.profile.likes as f64;
        v[DISLIKES] = self.profile.dislikes as f64;
        v
    }

    /// Swipes learnt since the profile row was last written.
    pub fn pending(&self) -> u64 {
        self.profile.evidence.saturating_sub(self.synced_evidence)
    }

    /// Whether the profile row must be written now (see the module documentation).
    pub fn due(&self, policy: SyncPolicy) -> bool {
        let p = &self.profile;
        if self.pending() == 0 {
            return false;
        }
        let (primary, secondary) = primary_and_secondary(&p.scores);
        let moved = p
            .scores
            .iter()
            .zip(&self.synced_scores)
            .map(|(a, b)| (a - b).abs())
            .fold(
                0.0_f64,
                |m, d| if d.is_nan() { f64::INFINITY } else { m.max(d) },
            );
        let points = if policy.points.is_nan() {
            DEFAULT_SYNC_POINTS
        } else {
            policy.points
        };
        let confidence_moved = (p.confidence - self.synced_confidence).abs();
        self.synced_evidence == 0
            || points <= 0.0
            || primary != self.synced_primary
            || mask(&secondary) != self.synced_secondary
            || moved >= points
            || confidence_moved.is_nan()
            || confidence_moved >= SYNC_CONFIDENCE
            || self.pending() >= policy.swipes.max(1) as u64
    }

    /// The state once the profile row shows the current profile.
    pub fn mark_synced(&self) -> State {
        State::synced(self.profile)
    }
}

/// The state of a user whose profile row holds these values: the five trait scores,
/// behavior_evidence, behavior_informative, behavioral_consistency and
/// behavior_confidence from `personality_scores`, then `confidence_level` (NULL where
/// absent or not a number). The unrounded behavior_confidence is used while it agrees
/// with the two-decimal column (an assessment sets the column and drops the key).
pub fn from_profile_fields(fields: &[Option<f64>]) -> State {
    let at = |i: usize| value_at(fields, i);
    // the fields up to behavioral_consistency are laid out as the state's
    let mut p = learnt_part(fields);
    match (at(9), at(8)) {
        (Some(c), Some(exact)) if (exact - c).abs() < 0.006 => p.confidence = exact,
        (Some(c), _) => p.confidence = c,
        (None, Some(exact)) => p.confidence = exact,
        (None, None) => {}
    }
    p.confidence = p.confidence.clamp(0.0, 1.0);
    State::synced(p)
}

/// One swipe: learn (see [`learning::learn`]) and decide whether the profile row is due.
/// `affinities` None with `lookup_missing` means the product's affinities are unknown
/// yet: nothing is learnt and the outcome asks for them. None otherwise means the
/// product expresses no trait (the swipe still counts as evidence).
pub fn step(
    stored: &[Option<f64>],
    affinities: Option<&Vector>,
    lookup_missing: bool,
    direction: Direction,
    rate: f64,
    policy: SyncPolicy,
) -> Vec<f64> {
    let state = State::decode(stored);
    let Some(affinities) = affinities.or(if lookup_missing {
        None
    } else {
        Some(&[0.0; 5])
    }) else {
        return state.encode(StepOutcome::NeedAffinities, state.synced_primary);
    };
    let out = learning::learn(&state.profile, affinities, direction, rate);
    let learnt = State {
        profile: out.profile,
        ..state
    };
    if learnt.due(policy) {
        learnt
            .mark_synced()
            .encode(StepOutcome::WriteProfile, state.synced_primary)
    } else {
        learnt.encode(StepOutcome::Learned, state.synced_primary)
    }
}

/// The outcome recorded in an encoded state.
pub fn outcome_of(encoded: &[f64]) -> StepOutcome {
    match encoded.get(OUTCOME).copied() {
        Some(1.0) => StepOutcome::WriteProfile,
        Some(2.0) => StepOutcome::NeedAffinities,
        _ => StepOutcome::Learned,
    }
}

/// The primary type the profile row had before the step (outcome WriteProfile).
pub fn previous_primary_of(encoded: &[f64]) -> Option<Trait> {
    trait_at(encoded.get(PREVIOUS_PRIMARY).copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn some(v: &[f64]) -> Vec<Option<f64>> {
        stored(v)
    }

    fn quiz_profile(scores: Vector) -> Vec<Option<f64>> {
        // a profile an assessment wrote: no behaviour keys
        let mut f: Vec<Option<f64>> = scores.iter().copied().map(Some).collect();
        f.extend([None, None, None, None, Some(0.8)]);
        f
    }

    const ADVENTUROUS: Vector = [0.9, 0.0, 0.0, 0.1, 0.0];

    #[test]
    fn first_swipe_writes_the_profile() {
        let s = from_profile_fields(&quiz_profile([60.0, 50.0, 40.0, 30.0, 20.0]));
        let enc = s.encode(StepOutcome::Learned, s.synced_primary);
        let out = step(
            &some(&enc),
            Some(&ADVENTUROUS),
            true,
            Direction::Like,
            0.05,
            SyncPolicy::default(),
        );
        assert_eq!(outcome_of(&out), StepOutcome::WriteProfile);
        assert_eq!(State::decode(&some(&out)).pending(), 0);
    }

    #[test]
    fn small_moves_do_not_write_until_a_bound_is_reached() {
        let mut s = from_profile_fields(&quiz_profile([90.0, 20.0, 20.0, 20.0, 20.0]));
        s.profile.evidence = 5;
        s.synced_evidence = 5;
        let mut enc = some(&s.encode(StepOutcome::Learned, s.synced_primary));
        let mut writes = 0;
        for i in 1..=40 {
            let out = step(
                &enc,
                Some(&ADVENTUROUS),
                true,
                Direction::Like,
                0.05,
                SyncPolicy::default(),
            );
            if outcome_of(&out) == StepOutcome::WriteProfile {
                writes += 1;
                assert_eq!(State::decode(&some(&out)).pending(), 0, "swipe {i}");
            } else {
                let st = State::decode(&some(&out));
                assert!(st.pending() < 20);
                for t in 0..5 {
                    assert!((st.profile.scores[t] - st.synced_scores[t]).abs() < 5.0);
                }
            }
            enc = some(&out);
        }
        // 90 -> toward 100 by 0.045 x gap: small moves, so mostly the 20-swipe bound
        assert!((2..=6).contains(&writes), "{writes} writes");
        assert_eq!(State::decode(&enc).profile.evidence, 45);
    }

    #[test]
    fn zero_points_writes_every_swipe() {
        let s = from_profile_fields(&quiz_profile([50.0; 5]));
        let mut enc = some(&s.encode(StepOutcome::Learned, s.synced_primary));
        let policy = SyncPolicy {
            points: 0.0,
            swipes: 1000,
        };
        for _ in 0..10 {
            let out = step(&enc, None, false, Direction::Neutral, 0.05, policy);
            assert_eq!(outcome_of(&out), StepOutcome::WriteProfile);
            enc = some(&out);
        }
    }

    #[test]
    fn primary_change_writes_and_reports_the_previous_primary() {
        let mut s = from_profile_fields(&quiz_profile([51.0, 50.0, 10.0, 10.0, 10.0]));
        s.profile.evidence = 3;
        s.synced_evidence = 3;
        let enc = s.encode(StepOutcome::Learned, s.synced_primary);
        let intellectual = [0.0, 1.0, 0.0, 0.0, 0.0];
        let out = step(
            &some(&enc),
            Some(&intellectual),
            true,
            Direction::Like,
            0.05,
            SyncPolicy {
                points: 50.0,
                swipes: 100,
            },
        );
        assert_eq!(outcome_of(&out), StepOutcome::WriteProfile);
        assert_eq!(previous_primary_of(&out), Some(Trait::Adventurous));
        assert_eq!(
            State::decode(&some(&out)).synced_primary,
            Trait::Intellectual
        );
    }

    #[test]
    fn unknown_affinities_ask_for_a_lookup_and_learn_nothing() {
        let s = from_profile_fields(&quiz_profile([50.0; 5]));
        let enc = s.encode(StepOutcome::Learned, s.synced_primary);
        let out = step(
            &some(&enc),
            None,
            true,
            Direction::Like,
            0.05,
            SyncPolicy::default(),
        );
        assert_eq!(outcome_of(&out), StepOutcome::NeedAffinities);
        assert_eq!(State::decode(&some(&out)).profile, s.profile);
        // without a lookup it counts as evidence only
        let out = step(
            &some(&enc),
            None,
            false,
            Direction::Like,
            0.05,
            SyncPolicy::default(),
        );
        let st = State::decode(&some(&out));
        assert_eq!(st.profile.evidence, 1);
        assert_eq!(st.profile.scores, s.profile.scores);
    }

    #[test]
    fn behaviour_keys_of_the_profile_are_read() {
        let f = vec![
            Some(70.0),
            Some(20.0),
            None,
            Some(f64::NAN),
            Some(500.0),
            Some(12.0),
            Some(9.0),
            Some(0.7),
            Some(0.23456),
            Some(0.23),
        ];
        let s = from_profile_fields(&f);
        assert_eq!(s.profile.scores, [70.0, 20.0, 50.0, 50.0, 100.0]);
        assert_eq!((s.profile.evidence, s.profile.informative), (12, 9));
        assert_eq!(s.profile.consistency, 0.7);
        assert_eq!(s.profile.confidence, 0.23456);
        assert_eq!(s.pending(), 0);
        // an assessment changed the column: the column wins
        let mut g = f.clone();
        g[9] = Some(0.8);
        assert_eq!(from_profile_fields(&g).profile.confidence, 0.8);
    }

    #[test]
    fn missing_state_elements_read_as_never_written() {
        let st = State::decode(&[Some(80.0), None]);
        assert_eq!(st.profile.evidence, 0);
        assert!(st.synced_scores[0].is_nan());
    }

    #[test]
    fn a_0_2_0_state_keeps_working_and_gains_the_like_counts() {
        // a 20-element state as 0.2.0 wrote it: the counts read as 0 (like rate 0.5)
        let s = from_profile_fields(&quiz_profile([60.0, 50.0, 40.0, 30.0, 20.0]));
        let mut old = s.encode(StepOutcome::Learned, s.synced_primary);
        old.truncate(20);
        let st = State::decode(&some(&old));
        assert_eq!((st.profile.likes, st.profile.dislikes), (0, 0));
        assert_eq!(st.profile.scores, s.profile.scores);
        let mut enc = some(&old);
        for d in [Direction::Like, Direction::Like, Direction::Dislike] {
            let out = step(
                &enc,
                Some(&ADVENTUROUS),
                true,
                d,
                0.05,
                SyncPolicy::default(),
            );
            assert_eq!(out.len(), LEN);
            enc = some(&out);
        }
        let st = State::decode(&enc);
        assert_eq!((st.profile.likes, st.profile.dislikes), (2, 1));
        assert_eq!(st.profile.evidence, 3);
    }

    /// The trigger's step learns with the centred rule (issue 14 point 4): after
    /// many likes, one more like moves a trait less than a dislike does.
    #[test]
    fn the_step_is_centred_on_the_like_rate() {
        let mut enc = some(
            &State::synced(learning::new_from_behavior())
                .encode(StepOutcome::Learned, Trait::Adventurous),
        );
        for _ in 0..30 {
            enc = some(&step(
                &enc,
                Some(&ADVENTUROUS),
                true,
                Direction::Like,
                0.05,
                SyncPolicy::default(),
            ));
        }
        let before = State::decode(&enc).profile;
        assert_eq!(before.likes, 30);
        let liked = State::decode(&some(&step(
            &enc,
            Some(&ADVENTUROUS),
            true,
            Direction::Like,
            0.05,
            SyncPolicy::default(),
        )))
        .profile;
        let by_hand = learning::learn(&before, &ADVENTUROUS, Direction::Like, 0.05).profile;
        assert_eq!(liked.scores, by_hand.scores);
        // r = 31/32: a like moves 2(1 - r) = 1/16 of 0.2.0's step
        let old = learning::learn_0_2_0(&before, &ADVENTUROUS, Direction::Like, 0.05).profile;
        let (d_new, d_old) = (
            liked.scores[0] - before.scores[0],
            old.scores[0] - before.scores[0],
        );
        assert!((d_new - d_old / 16.0).abs() < 1e-9, "{d_new} {d_old}");
    }

    proptest! {
        #[test]
        fn evidence_counts_every_swipe_and_state_stays_bounded(
            stored in proptest::collection::vec(proptest::option::of(any::<f64>()), 0..25),
            aff in proptest::option::of(proptest::array::uniform5(any::<f64>())),
            lookup in any::<bool>(),
            dir in 0u8..5,
            rate in any::<f64>(),
            points in any::<f64>(),
            swipes in any::<i64>(),
        ) {
            let d = [Direction::Like, Direction::StrongLike, Direction::Dislike,
                     Direction::Neutral, Direction::Unknown][dir as usize];
            let before = State::decode(&stored);
            let out = step(&stored, aff.as_ref(), lookup, d, rate, SyncPolicy { points, swipes });
            prop_assert_eq!(out.len(), LEN);
            let after = State::decode(&some(&out));
            match outcome_of(&out) {
                StepOutcome::NeedAffinities => {
                    prop_assert!(aff.is_none() && lookup);
                    prop_assert_eq!(after.profile.evidence, before.profile.evidence);
                }
                o => {
                    // f64 counts exactly up to 2^53; past that a +1 may round away
                    if before.profile.evidence < (1u64 << 53) {
                        prop_assert_eq!(after.profile.evidence, before.profile.evidence + 1);
                    } else {
                        prop_assert!(after.profile.evidence >= before.profile.evidence);
                    }
                    if o == StepOutcome::WriteProfile { prop_assert_eq!(after.pending(), 0); }
                }
            }
            for s in after.profile.scores {
                prop_assert!((0.0..=100.0).contains(&s));
            }
            prop_assert!((0.0..=1.0).contains(&after.profile.confidence));
            prop_assert!((0.0..=1.0).contains(&after.profile.consistency));
        }
    }
}
