//! Match scoring: how well a product suits a person, from 0.0000 to 1.0000.
//!
//! This is the pure core of `calculate_personality_product_match(scores, tags, mappings)`
//! and of `personality_product_traits(category, tags)`. The pgrx layer decodes the jsonb
//! arguments into [`Raw`] values; everything below is plain Rust so it can be unit- and
//! property-tested without a database.
//!
//! # The match score
//!
//! This is the authoritative text of the rules; README "Match scoring" summarises it and
//! the `COMMENT ON` of the SQL function points there.
//!
//! Scores are the person's trait scores (normally 0 to 100). The product may come with
//! *affinities*: how strongly it appeals to each trait, from 0 to 1.
//!
//! * **Without affinities** the result is exactly what the original PL/pgSQL function
//!   returned: each trait score is divided by 100 and weighted (adventurous 0.30,
//!   intellectual 0.25, practical 0.20, creative 0.15, social 0.10); the terms are added in
//!   the order the keys are stored in the jsonb, rounding to 4 decimals (half away from
//!   zero) after every addition, as the original's `DECIMAL(5,4)` variable did. If category
//!   mappings were passed, 0.2 × their `alignment_score` (missing or null counts as 0) is
//!   added last. The result is clamped to 0..1. Where the original failed with "numeric
//!   field overflow" (a running total of 10 or more, huge or infinite values) the result is
//!   the exact sum clamped to 0..1 instead (so +Infinity gives 1 and -Infinity gives 0).
//!   Unknown keys are ignored (the original raised `CASE_NOT_FOUND`) and a JSON null score
//!   counts as absent (the original then returned 1.0 whatever the other scores were).
//! * **With affinities**, let `s` be each score divided by 100 and clamped to 0..1 (a
//!   missing trait is 0) and `a` the product's affinities. The *fit* `F` is the average of
//!   the person's `s` over the traits the product appeals to, weighted by `a`
//!   (`F = Σ a·s / Σ a`); the *base* `B` is the original weighted sum of `s` (weights above).
//!   The score is `0.75·F + 0.25·B + 0.2·alignment_score`, clamped to 0..1 and rounded to 4
//!   decimals. The fit makes the score personal: for the same person, a product aimed at
//!   their strongest trait beats one aimed at their weakest trait by `0.75 × (difference of
//!   the two scores) / 100`. The base is a quarter of the original score; it does not
//!   depend on the product, so it never reorders one person's products, but it keeps the
//!   scores on the original's scale and keeps the original weights in play when the same
//!   product is compared across people. Both parts only grow when a score grows, so
//!   raising a trait the product appeals to never lowers its match. This mode is computed
//!   in floating point (the seed has no equivalent to be exact to).
//!
//! # Product affinities from gift mappings
//!
//! `personality_product_traits(category, tags)` derives a product's affinities from the
//! gift mappings (see [`product_affinities`]): for each trait mapping, the category part is
//! 1.0 for its first recommended category, 0.85 for the second, 0.70 for the third and so
//! on (never below 0.5), and 0 for other categories; the tag part is the share of the
//! product's tags that are among the mapping's tags (or are the trait's name), counted out
//! of at most two tags, so two matching tags are a full match. The affinity is
//! `weight × (0.65·category + 0.35·tags)`, clamped to 0..1 and rounded to 4 decimals, and
//! 0 when the category is one the mapping avoids. If several mappings target one trait, the
//! highest affinity wins. Categories and tags are compared trimmed and case-insensitively.

use crate::error::{Error, SqlState};
use crate::numeric_binary::Numeric;
use crate::round::round_to;
use crate::traits::{Trait, Vector, ALL};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::HashSet;
use std::fmt;

mod numeric_text;
#[cfg(test)]
mod tests;

/// Seed weights of the traits, in the order of [`ALL`].
pub const SEED_WEIGHTS: Vector = [0.30, 0.25, 0.20, 0.15, 0.10];
/// The same weights in hundredths, for the exact decimal emulation of the seed.
const SEED_WEIGHTS_HUNDREDTHS: [i128; 5] = [30, 25, 20, 15, 10];
/// Scores are on a 0..100 scale; the seed divides them by this.
pub const SCORE_SCALE: f64 = 100.0;
/// Weight of the category mappings' `alignment_score` in both modes.
pub const ALIGNMENT_WEIGHT: f64 = 0.2;
/// Share of the fit (affinity-weighted average of the person's scores) in affinity mode.
pub const FIT_SHARE: f64 = 0.75;
/// Share of the seed's weighted sum in affinity mode.
pub const BASE_SHARE: f64 = 0.25;
/// Decimal places of every match score (the seed returns `DECIMAL(5,4)`).
pub const SCORE_DECIMALS: u32 = 4;

/// Share of the category in a product affinity.
pub const CATEGORY_SHARE: f64 = 0.65;
/// Share of the tags in a product affinity.
pub const TAG_SHARE: f64 = 0.35;
/// Each later position in a mapping's recommended categories is worth this much less.
pub const CATEGORY_RANK_STEP: f64 = 0.15;
/// A recommended category is worth at least this much, however far down the list.
pub const CATEGORY_RANK_FLOOR: f64 = 0.5;
/// Number of matching tags that make a full tag match.
pub const TAGS_FOR_FULL_MATCH: usize = 2;

/// Longest stretch of a rejected string quoted back in an error message.
const QUOTE_LIMIT: usize = 60;

// ---------------------------------------------------------------------------------------
// Input model
// ---------------------------------------------------------------------------------------

/// A jsonb value as the pgrx layer sees it; only scalars carry their contents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Raw<'a> {
    Null,
    /// A JSON number as printed by Postgres' `numeric_out` (e.g. `85`, `-0.5`, a 301-digit
    /// integer for 1e300; `NaN` and `Infinity` are possible in principle).
    Number(&'a str),
    /// A JSON number already decoded (e.g. with [`Num::from_numeric`] from the binary
    /// numeric, skipping the text round trip). Treated exactly like `Number`.
    Decoded(Num),
    /// A JSON string; the seed casts it with `::DECIMAL`, so numeric text is accepted.
    String(&'a str),
    Bool(bool),
    Array,
    Object,
}

impl Raw<'_> {
    /// The JSON type name, as `jsonb_typeof` spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Raw::Null => "null",
            Raw::Number(_) | Raw::Decoded(_) => "number",
            Raw::String(_) => "string",
            Raw::Bool(_) => "boolean",
            Raw::Array => "array",
            Raw::Object => "object",
        }
    }
}

/// A numeric input value, as the seed's `::DECIMAL` cast would see it.
///
/// Values below 10^15 in magnitude are held as a [`Decimal`] (exactly when they have at
/// most 28 significant digits; longer ones are rounded to 28) together with the display
/// scale they were written with (`85.10` has display scale 2): Postgres picks the
/// precision of the seed's `score / 100.0` from it, so it can change the seed's rounding.
/// Larger values and the specials (`NaN`, infinities) are held as `f64`: the seed
/// overflows on all of them, so only their approximate size matters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(Repr);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Repr {
    /// `value` has no trailing zeros; `dscale` is the display scale (digits after the
    /// point as written, e.g. 2 for `85.10` and for `8510e-2`).
    Decimal {
        value: Decimal,
        dscale: u32,
    },
    Float(f64),
}

impl Num {
    /// Zero (what a missing `alignment_score` counts as).
    pub const ZERO: Num = Num(Repr::Decimal {
        value: Decimal::ZERO,
        dscale: 0,
    });

    /// Parse Postgres numeric text (JSON number text or a numeric string); `None` when the
    /// text is not a number. `NaN` parses (to a NaN value); callers reject it.
    pub fn parse(text: &str) -> Option<Num> {
        numeric_text::parse(text)
    }

    /// A decimal value; its scale is taken as the display scale.
    pub fn from_decimal(value: Decimal) -> Num {
        Num(Repr::Decimal {
            value,
            dscale: value.scale(),
        })
    }

    /// A number decoded from Postgres' binary numeric (`crate::numeric_binary::decode`).
    ///
    /// Pass the numeric's display scale when known (the header's dscale): without it the
    /// seed emulation is still exact for every score with at most 14 decimal places, but a
    /// longer one written with extra trailing zeros may round differently in the last step.
    pub fn from_numeric(n: Numeric, dscale: Option<u32>) -> Num {
        match n {
            Numeric::Exact(value) => Num(Repr::Decimal {
                value,
                dscale: dscale.unwrap_or(value.scale()).max(value.scale()),
            }),
            // Too long for an exact Decimal: round the exact text as the string parser
            // does (to 28 significant digits), like Postgres's own numeric would.
            Numeric::Approx(x, text) => Num::parse(&text).unwrap_or_else(|| Num::from_f64(x)),
            Numeric::NaN => Num(Repr::Float(f64::NAN)),
            Numeric::Infinity => Num(Repr::Float(f64::INFINITY)),
            Numeric::NegInfinity => Num(Repr::Float(f64::NEG_INFINITY)),
        }
    }

    /// A `f64` value: finite values below 10^15 are read from their shortest round-trip
    /// text, as if that had been written in the JSON (so 0.1 is exactly 0.1).
    pub fn from_f64(x: f64) -> Num {
        if x.is_finite() && x.abs() < 1e15 {
            if let Some(n) = numeric_text::parse(&x.to_string()) {
                return n;
            }
        }
        Num(Repr::Float(x))
    }

    /// The exact decimal value, when the value is held as one.
    pub fn decimal(&self) -> Option<Decimal> {
        match self.0 {
            Repr::Decimal { value, .. } => Some(value),
            Repr::Float(_) => None,
        }
    }

    /// The value as `f64` (nearest; infinities and NaN as they are).
    pub fn to_f64(&self) -> f64 {
        match self.0 {
            Repr::Decimal { value, .. } => decimal_to_f64(&value),
            Repr::Float(f) => f,
        }
    }

    /// True for NaN, which no score may be.
    pub fn is_nan(&self) -> bool {
        matches!(self.0, Repr::Float(f) if f.is_nan())
    }
}

impl From<Numeric> for Num {
    /// See [`Num::from_numeric`] (without a display scale).
    fn from(n: Numeric) -> Num {
        Num::from_numeric(n, None)
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Decimal { value, .. } => write!(f, "{value}"),
            Repr::Float(x) if x.is_nan() => f.write_str("NaN"),
            Repr::Float(x) if x.is_infinite() => {
                f.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" })
            }
            Repr::Float(x) => write!(f, "{x:e}"),
        }
    }
}

/// `Decimal` to the nearest `f64` (correctly rounded, hence monotone, which the affinity
/// formula's monotonicity relies on).
fn decimal_to_f64(d: &Decimal) -> f64 {
    let (m, s) = (d.mantissa(), d.scale());
    // Fast path: mantissa and 10^s are exact f64s, so one division rounds correctly.
    const EXACT_POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    if m.unsigned_abs() < (1u128 << 53) {
        if let Some(p) = EXACT_POW10.get(s as usize) {
            return m as f64 / p;
        }
    }
    d.to_string().parse::<f64>().unwrap_or(0.0)
}

/// A person's trait scores, in the order the jsonb stores them (the seed adds them in
/// that order, and its rounding after each addition makes the order matter).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    entries: Vec<(Trait, Num)>,
}

impl Scores {
    /// No scores.
    pub fn new() -> Scores {
        Scores::default()
    }

    /// Set a trait's score. A trait set twice keeps its first position and its last value
    /// (jsonb never stores a key twice, so this only matters to other callers).
    pub fn set(&mut self, t: Trait, value: Num) {
        match self.entries.iter_mut().find(|(k, _)| *k == t) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((t, value)),
        }
    }

    /// The scores in order.
    pub fn entries(&self) -> &[(Trait, Num)] {
        &self.entries
    }

    /// One trait's score, if present.
    pub fn get(&self, t: Trait) -> Option<Num> {
        self.entries.iter().find(|(k, _)| *k == t).map(|(_, v)| *v)
    }

    /// True when no known trait has a score.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Scores as a [`Vector`] on the 0..100 scale (missing traits are 0; values are not
    /// clamped, infinities stay infinite).
    pub fn to_vector(&self) -> Vector {
        let mut v = [0.0; 5];
        for (t, n) in &self.entries {
            v[t.index()] = n.to_f64();
        }
        v
    }
}

impl FromIterator<(Trait, Num)> for Scores {
    fn from_iter<I: IntoIterator<Item = (Trait, Num)>>(iter: I) -> Scores {
        let mut s = Scores::new();
        for (t, v) in iter {
            s.set(t, v);
        }
        s
    }
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// The personality scores argument is not a JSON object (22023); `kind` is its JSON type
/// as [`Raw::kind`] / `jsonb_typeof` name it (e.g. `"array"`).
pub fn not_an_object(kind: &str) -> Error {
    Error::invalid_parameter(format!(
        "personality scores must be a JSON object, got a JSON {kind}"
    ))
    .with_hint(Subject::SCORE_HINT)
}

/// The product tags argument is neither an object of trait affinities nor an array of
/// tag names (22023); `kind` is its JSON type.
pub fn bad_tags(kind: &str) -> Error {
    Error::invalid_parameter(format!(
        "product tags must be a JSON object of trait affinities or a JSON array of tag names, got a JSON {kind}"
    ))
    .with_hint(Subject::AFFINITY_HINT)
}

/// What a value is, for error messages.
#[derive(Debug, Clone, Copy)]
enum Subject {
    Score(Trait),
    Alignment,
    Affinity(Trait),
}

impl Subject {
    const SCORE_HINT: &'static str =
        "Personality scores map trait names to numbers, usually from 0 to 100, e.g. {\"adventurous\": 85, \"creative\": 60}.";
    const ALIGNMENT_HINT: &'static str =
        "alignment_score is a number, usually from 0 to 1, e.g. {\"alignment_score\": 0.8}.";
    const AFFINITY_HINT: &'static str =
        "Tag affinities map trait names to numbers from 0 to 1, e.g. {\"adventurous\": 0.9}.";

    fn hint(self) -> &'static str {
        match self {
            Subject::Score(_) => Subject::SCORE_HINT,
            Subject::Alignment => Subject::ALIGNMENT_HINT,
            Subject::Affinity(_) => Subject::AFFINITY_HINT,
        }
    }

    fn wrong_type(self, raw: &Raw) -> Error {
        Error::invalid_parameter(format!(
            "{self} must be a number, got a JSON {}",
            raw.kind()
        ))
        .with_hint(self.hint())
    }

    fn not_numeric(self, text: &str) -> Error {
        Error::new(
            SqlState::InvalidTextRepresentation,
            format!("{self} is not a number: {}", quote(text)),
        )
        .with_detail(
            "Numbers may be JSON numbers or strings holding a number, such as \"85\" or \"8.5e1\".",
        )
        .with_hint(self.hint())
    }

    fn nan(self) -> Error {
        Error::invalid_parameter(format!("{self} must be a number, got NaN"))
            .with_detail("NaN is not a finite number and cannot be scored.")
            .with_hint(self.hint())
    }

    /// Decode one value: `Ok(None)` for JSON null, an error for anything not numeric.
    fn decode(self, raw: Raw) -> Result<Option<Num>, Error> {
        match raw {
            Raw::Null => Ok(None),
            Raw::Number(text) | Raw::String(text) => match Num::parse(text) {
                Some(n) if n.is_nan() => Err(self.nan()),
                Some(n) => Ok(Some(n)),
                None => Err(self.not_numeric(text)),
            },
            Raw::Decoded(n) if n.is_nan() => Err(self.nan()),
            Raw::Decoded(n) => Ok(Some(n)),
            Raw::Bool(_) | Raw::Array | Raw::Object => Err(self.wrong_type(&raw)),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Score(t) => write!(f, "personality score \"{}\"", t.name()),
            Subject::Alignment => f.write_str("alignment_score"),
            Subject::Affinity(t) => write!(f, "tag affinity \"{}\"", t.name()),
        }
    }
}

/// A user string quoted for an error message, shortened so a huge input cannot flood it.
fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(QUOTE_LIMIT).collect();
    if chars.next().is_some() {
        format!("{head:?}...")
    } else {
        format!("{head:?}")
    }
}

// ---------------------------------------------------------------------------------------
// Parsing the arguments
// ---------------------------------------------------------------------------------------

/// The personality scores object, entries in jsonb storage order.
///
/// Known trait keys keep their position and numeric value; unknown keys are ignored
/// whatever their value (the extension's own trigger stores `behavioral_consistency`); a
/// JSON null counts as absent. Errors: a boolean, array or object value (22023), a string
/// that is not numeric (22P02), NaN (22023).
pub fn parse_scores<'a>(
    entries: impl IntoIterator<Item = (&'a str, Raw<'a>)>,
) -> Result<Scores, Error> {
    let mut scores = Scores::new();
    for (key, raw) in entries {
        let Some(t) = Trait::from_name(key) else {
            continue;
        };
        if let Some(n) = Subject::Score(t).decode(raw)? {
            scores.set(t, n);
        }
    }
    Ok(scores)
}

/// The alignment bonus input.
///
/// * `None`: the SQL argument `p_category_mappings` is NULL: no bonus at all (`Ok(None)`).
/// * `Some(raw)`: mappings were given; `raw` is their `alignment_score` value, or
///   [`Raw::Null`] when the key is missing or the mappings are not a JSON object (the
///   seed's `COALESCE(mappings->>'alignment_score', 0)` treats all of these as 0). The
///   result is `Ok(Some(value))`, with 0 for null.
///
/// A wrong type errors like a trait score, naming `alignment_score`.
pub fn parse_alignment(raw: Option<Raw>) -> Result<Option<Num>, Error> {
    match raw {
        None => Ok(None),
        Some(raw) => Ok(Some(Subject::Alignment.decode(raw)?.unwrap_or(Num::ZERO))),
    }
}

/// Product affinities given as an object (`{"adventurous": 0.9, "creative": 0.4}`).
///
/// Values are clamped to 0..1; unknown keys and nulls are ignored; a non-numeric value
/// errors like a trait score, naming the key. `None` when no trait has affinity > 0.
pub fn parse_affinities_object<'a>(
    entries: impl IntoIterator<Item = (&'a str, Raw<'a>)>,
) -> Result<Option<Vector>, Error> {
    let mut a = [0.0; 5];
    for (key, raw) in entries {
        let Some(t) = Trait::from_name(key) else {
            continue;
        };
        if let Some(n) = Subject::Affinity(t).decode(raw)? {
            a[t.index()] = clamp_unit(n.to_f64());
        }
    }
    Ok(usable_affinities(&a))
}

/// Product affinities from plain tag names: a tag that is a trait's name (trimmed,
/// case-insensitive) gives that trait affinity 1; other tags are ignored. `None` when no
/// tag names a trait.
pub fn affinities_from_tag_names<'a>(tags: impl IntoIterator<Item = &'a str>) -> Option<Vector> {
    let mut a = [0.0; 5];
    for tag in tags {
        let tag = normalize(tag);
        if let Some(t) = Trait::from_name(&tag) {
            a[t.index()] = 1.0;
        }
    }
    usable_affinities(&a)
}

/// Clamp affinities to 0..1 (NaN counts as 0); `None` if none is positive.
fn usable_affinities(a: &Vector) -> Option<Vector> {
    let clean = a.map(clamp_unit);
    clean.iter().any(|&x| x > 0.0).then_some(clean)
}

// ---------------------------------------------------------------------------------------
// The match score
// ---------------------------------------------------------------------------------------

/// The match score, 0.0000 to 1.0000 with exactly four decimal places.
///
/// `affinities: None` reproduces the seed (see the module docs); `Some` uses the
/// affinity formula. An affinity vector with nothing above 0 counts as `None`.
/// `alignment: None` means no bonus (mappings argument NULL). Never panics.
pub fn match_score(
    scores: &Scores,
    affinities: Option<&Vector>,
    alignment: Option<&Num>,
) -> Decimal {
    match affinities.and_then(usable_affinities) {
        None => seed_score(scores, alignment),
        Some(a) => round_unit_f64(affinity_score_unrounded(scores, &a, alignment)),
    }
}

/// Each trait's part of the personality component of the score (before the alignment
/// bonus, clamping and rounding), for explanations. The parts add up to that component.
///
/// Seed mode (`None`): `score_t / 100 × weight_t` (unclamped; infinite for infinite
/// scores). Affinity mode: `0.75 × a_t·s_t / Σa + 0.25 × weight_t·s_t`.
pub fn contributions(scores: &Scores, affinities: Option<&Vector>) -> Vector {
    let mut out = [0.0; 5];
    match affinities.and_then(usable_affinities) {
        None => {
            for (t, v) in scores.entries() {
                let i = t.index();
                let c = v.to_f64() / SCORE_SCALE * SEED_WEIGHTS[i];
                out[i] = if c.is_nan() { 0.0 } else { c };
            }
        }
        Some(a) => {
            let s = unit_scores(scores);
            let total: f64 = a.iter().sum();
            for t in ALL {
                let i = t.index();
                out[i] = FIT_SHARE * a[i] * s[i] / total + BASE_SHARE * SEED_WEIGHTS[i] * s[i];
            }
        }
    }
    out
}

/// Scores divided by 100 and clamped to 0..1; missing traits are 0.
fn unit_scores(scores: &Scores) -> Vector {
    let mut s = [0.0; 5];
    for (t, v) in scores.entries() {
        s[t.index()] = clamp_unit(v.to_f64() / SCORE_SCALE);
    }
    s
}

/// Affinity mode before rounding, clamped to 0..1. `a` must be clamped with a positive sum.
///
/// Evaluated in `f64` with non-negative coefficients only, so it is non-decreasing in every
/// score (floating-point rounding is monotone), which the property tests check.
fn affinity_score_unrounded(scores: &Scores, a: &Vector, alignment: Option<&Num>) -> f64 {
    affinity_formula(&unit_scores(scores), a, alignment.map(Num::to_f64))
}

/// The affinity formula on unit scores `s` (clamped to 0..1), clamped affinities `a`
/// with a positive sum, and the alignment value (None: no mappings), clamped to 0..1.
fn affinity_formula(s: &Vector, a: &Vector, alignment: Option<f64>) -> f64 {
    let total: f64 = a.iter().sum();
    let fit = a.iter().zip(s).map(|(a, s)| a * s).sum::<f64>() / total;
    let base = SEED_WEIGHTS.iter().zip(s).map(|(w, s)| w * s).sum::<f64>();
    let bonus = alignment.map_or(0.0, |x| {
        if x.is_nan() {
            0.0
        } else {
            ALIGNMENT_WEIGHT * x
        }
    });
    clamp_unit(FIT_SHARE * fit + BASE_SHARE * base + bonus)
}

/// Affinity mode from exact decimal inputs, in units of 0.0001: what [`match_score`]
/// gives (times 10^4) for these scores (a missing trait as 0), affinities (a missing
/// one as 0) and alignment value (None: no mappings; 0 for a null one). None when no
/// affinity is above 0 (the seed mode applies). The fast path of the SQL function for
/// plain numbers: the same conversions (`decimal_to_f64`) and formula as the general one.
pub fn affinity_fast(
    scores: &[Decimal; 5],
    affinities: &[Decimal; 5],
    alignment: Option<Decimal>,
) -> Option<u32> {
    Some(affinity_fast_with(
        scores,
        &affinity_vector(affinities)?,
        alignment,
    ))
}

/// The affinities of [`affinity_fast`] as its formula uses them (clamped to 0..1); None
/// when none is above 0.
pub fn affinity_vector(affinities: &[Decimal; 5]) -> Option<Vector> {
    usable_affinities(&affinities.map(|d| clamp_unit(decimal_to_f64(&d))))
}

/// [`affinity_fast`] with the affinities from [`affinity_vector`].
pub fn affinity_fast_with(scores: &[Decimal; 5], a: &Vector, alignment: Option<Decimal>) -> u32 {
    let s = scores.map(|d| clamp_unit(decimal_to_f64(&d) / SCORE_SCALE));
    let x = affinity_formula(&s, a, alignment.map(|d| decimal_to_f64(&d)));
    ((clamp_unit(x) * 10_000.0).round() as i128).clamp(0, 10_000) as u32
}

/// Seed mode: the exact emulation, or the clamped true sum where the seed would fail.
fn seed_score(scores: &Scores, alignment: Option<&Num>) -> Decimal {
    match seed_exact(scores, alignment) {
        Some(ticks) => from_ticks(ticks),
        None => seed_fallback(scores, alignment),
    }
}

/// Scale (decimal places) of `score / 100` in the emulation. The seed's quotient has at
/// most 30 places here (inputs have at most 28), so 32 holds it exactly.
const TV_SCALE: u32 = 32;
/// Units of 10^-4 (the seed's `DECIMAL(5,4)` steps) per unit at scale `TV_SCALE + 2`.
const TICK: i128 = 1_000_000_000_000_000_000_000_000_000_000; // 10^30
/// |match_score| of 10.0000 (in ticks) or more overflows `DECIMAL(5,4)`.
const OVERFLOW_TICKS: i128 = 100_000;
/// A score of this magnitude or more makes the seed overflow whatever else is in the sum:
/// it adds at least |score| / 100 × 0.1 >= 100 to a total below 10.
const SEED_SCORE_LIMIT: i64 = 100_000;
/// Likewise for the alignment score: 0.2 × 1000 = 200.
const SEED_ALIGNMENT_LIMIT: i64 = 1_000;

/// The seed's result in ticks (units of 0.0001, before the final clamp), computed exactly
/// as Postgres numeric does; `None` when the seed would fail (overflow) or an input is not
/// an exact decimal.
///
/// Per trait: `trait_value := score / 100.0` (numeric division, rounded to the scale
/// Postgres picks, see [`pg_div_scale`]), then `match_score := match_score + trait_value ×
/// weight`, rounded to 4 places half away from zero, failing if it reaches 10. Then
/// likewise `+ alignment × 0.2` if mappings were given. All in `i128` fixed point.
fn seed_exact(scores: &Scores, alignment: Option<&Num>) -> Option<i128> {
    let mut ticks: i128 = 0;
    for (t, v) in scores.entries() {
        let tv = seed_trait_value(v)?;
        let term = tv.checked_mul(SEED_WEIGHTS_HUNDREDTHS[t.index()])?;
        ticks = seed_assign(ticks, term)?;
    }
    if let Some(a) = alignment {
        let a = a.decimal()?;
        if a.abs() >= Decimal::from(SEED_ALIGNMENT_LIMIT) {
            return None;
        }
        // a × 0.2 = a × 2 / 10, at scale TV_SCALE + 2.
        let bonus = rescale(a.mantissa(), a.scale(), TV_SCALE + 1)?.checked_mul(2)?;
        ticks = seed_assign(ticks, bonus)?;
    }
    Some(ticks)
}

/// `score / 100.0` as Postgres computes it, as a fixed-point value at scale `TV_SCALE`;
/// `None` if the score is not a decimal or too large for the seed.
fn seed_trait_value(v: &Num) -> Option<i128> {
    let Repr::Decimal { value, dscale } = v.0 else {
        return None;
    };
    if value.abs() >= Decimal::from(SEED_SCORE_LIMIT) {
        return None;
    }
    let (m, s) = (value.mantissa(), value.scale());
    let rscale = pg_div_scale(m.unsigned_abs(), s, dscale);
    // The exact quotient is the same mantissa at scale s + 2; numeric_div rounds it to
    // rscale places (which is never fewer than s) half away from zero.
    let exact_scale = s + 2;
    if exact_scale > rscale {
        let q = div_round_half_away(m, pow10(exact_scale - rscale)?);
        rescale(q, rscale, TV_SCALE)
    } else {
        rescale(m, exact_scale, TV_SCALE)
    }
}

/// The result scale Postgres' `select_div_scale` picks for `v / 100.0`, where `v` is
/// `m × 10^-s` with display scale `dscale`: enough for 16 significant digits, and at
/// least the dividend's display scale and the divisor's (1).
fn pg_div_scale(m: u128, s: u32, dscale: u32) -> u32 {
    const MIN_SIG_DIGITS: i64 = 16; // NUMERIC_MIN_SIG_DIGITS
    const DEC_DIGITS: i64 = 4; // decimal digits per base-10000 digit
    const DIVISOR_FIRST_DIGIT: u128 = 100; // 100.0 is the single base-10000 digit 100
    let (weight1, first1) = match m.checked_ilog10() {
        None => (0, 0), // zero
        Some(lg) => {
            let e10 = i64::from(lg) - i64::from(s); // 10^e10 <= v < 10^(e10+1)
            let weight = e10.div_euclid(DEC_DIGITS);
            // The leading base-10000 digit is floor(v / 10000^weight) = m / 10^shift; the
            // shift is negative (down to -3) when that digit ends below m's last digit.
            let shift = i64::from(s) + DEC_DIGITS * weight;
            let first = if shift >= 0 {
                pow10u(shift as u32).map_or(0, |p| m / p)
            } else {
                pow10u((-shift) as u32).map_or(0, |p| m.saturating_mul(p))
            };
            (weight, first)
        }
    };
    // Divisor weight is 0; if the leading digits compare <=, the quotient is one lower.
    let qweight = if first1 <= DIVISOR_FIRST_DIGIT {
        weight1 - 1
    } else {
        weight1
    };
    let rscale = (MIN_SIG_DIGITS - qweight * DEC_DIGITS)
        .max(i64::from(dscale))
        .max(1);
    rscale.min(1000) as u32 // NUMERIC_MAX_DISPLAY_SCALE
}

/// `match_score := match_score + term` for a `DECIMAL(5,4)` variable: `term` is at scale
/// `TV_SCALE + 2`; the result is rounded to ticks and `None` on overflow.
fn seed_assign(ticks: i128, term: i128) -> Option<i128> {
    let sum = ticks.checked_mul(TICK)?.checked_add(term)?;
    let rounded = div_round_half_away(sum, TICK);
    (rounded.abs() < OVERFLOW_TICKS).then_some(rounded)
}

/// Where the seed fails: the sum `Σ score/100 × weight + 0.2 × alignment` without
/// intermediate rounding, clamped to 0..1 and rounded to 4 places. Computed in `Decimal`
/// (28 significant digits) when all values are decimals and the sum fits, else in `f64`
/// (so +Infinity gives 1, -Infinity 0, and +Infinity plus -Infinity, which has no
/// meaningful sum, gives 0).
fn seed_fallback(scores: &Scores, alignment: Option<&Num>) -> Decimal {
    let exact = || -> Option<Decimal> {
        let mut sum = Decimal::ZERO;
        for (t, v) in scores.entries() {
            // weight / 100, e.g. 0.003 for adventurous
            let w =
                Decimal::try_from_i128_with_scale(SEED_WEIGHTS_HUNDREDTHS[t.index()], 4).ok()?;
            sum = sum.checked_add(v.decimal()?.checked_mul(w)?)?;
        }
        if let Some(a) = alignment {
            let w = Decimal::try_from_i128_with_scale(2, 1).ok()?;
            sum = sum.checked_add(a.decimal()?.checked_mul(w)?)?;
        }
        Some(sum)
    };
    if let Some(sum) = exact() {
        let clamped = sum.clamp(Decimal::ZERO, Decimal::ONE);
        let rounded =
            clamped.round_dp_with_strategy(SCORE_DECIMALS, RoundingStrategy::MidpointAwayFromZero);
        return from_ticks(
            rounded.mantissa() * pow10(SCORE_DECIMALS.saturating_sub(rounded.scale())).unwrap_or(1),
        );
    }
    let mut sum = 0.0;
    for (t, v) in scores.entries() {
        sum += v.to_f64() / SCORE_SCALE * SEED_WEIGHTS[t.index()];
    }
    if let Some(a) = alignment {
        sum += ALIGNMENT_WEIGHT * a.to_f64();
    }
    round_unit_f64(clamp_unit(sum))
}

// ---------------------------------------------------------------------------------------
// Product affinities from the gift mappings
// ---------------------------------------------------------------------------------------

/// One row of `personality_gift_mappings`, as far as affinities are concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// The trait the mapping is about; `None` (an unknown type) is ignored.
    pub personality: Option<Trait>,
    /// Recommended categories, best first.
    pub recommended: Vec<String>,
    /// Categories to avoid for this trait.
    pub avoided: Vec<String>,
    /// Product tags that suit this trait.
    pub tags: Vec<String>,
    /// `recommendation_weight`, normally 0..1.
    pub weight: f64,
}

/// A product's affinity to each trait, derived from the gift mappings.
///
/// For each mapping of trait `t`: `category` = 0 if the product's category is avoided,
/// `1 - 0.15·i` (at least 0.5) if it is the `i`-th (0-based) recommended category, else 0;
/// `tags` = number of the product's distinct tags that are in the mapping's tags or equal
/// the trait's name, divided by `min(number of product tags, 2)`, at most 1 (0 without
/// tags). The affinity is `weight × (0.65·category + 0.35·tags)` clamped to 0..1, but 0 if
/// the category is avoided. Several mappings of one trait: the highest wins. Strings are
/// compared trimmed and case-insensitively; empty tags are ignored. Each affinity is
/// rounded to 4 decimals.
pub fn product_affinities(category: Option<&str>, tags: &[&str], mappings: &[Mapping]) -> Vector {
    product_affinities_with(category, tags, mappings, &mut || {})
}

/// How often [`product_affinities_with`] calls its `tick` (every this many tags).
pub const TICK_EVERY: usize = 4096;

/// [`product_affinities`], calling `tick` every [`TICK_EVERY`] tags so that a caller
/// can check for a cancel request. Linear in the number of tags and mapping tags
/// (hash sets, not pairwise comparisons): any input size finishes or is cancelled
/// promptly.
pub fn product_affinities_with(
    category: Option<&str>,
    tags: &[&str],
    mappings: &[Mapping],
    tick: &mut dyn FnMut(),
) -> Vector {
    let category = category.map(normalize).filter(|c| !c.is_empty());
    let mut product_tags: HashSet<String> = HashSet::new();
    for (i, tag) in tags.iter().enumerate() {
        if i % TICK_EVERY == TICK_EVERY - 1 {
            tick();
        }
        let tag = normalize(tag);
        if !tag.is_empty() {
            product_tags.insert(tag);
        }
    }
    let mut out: Vector = [0.0; 5];
    for m in mappings {
        let Some(t) = m.personality else {
            continue;
        };
        let a = mapping_affinity(t, m, category.as_deref(), &product_tags, tick);
        out[t.index()] = out[t.index()].max(a);
    }
    out.map(|x| round_to(x, 4))
}

/// One mapping's affinity; `tags` are normalized and distinct.
fn mapping_affinity(
    t: Trait,
    m: &Mapping,
    category: Option<&str>,
    tags: &HashSet<String>,
    tick: &mut dyn FnMut(),
) -> f64 {
    // compare without allocating: the category lists are short
    let same = |a: &String, b: &str| a.trim().chars().flat_map(char::to_lowercase).eq(b.chars());
    let category_part = match category {
        Some(c) if m.avoided.iter().any(|x| same(x, c)) => return 0.0,
        Some(c) => m
            .recommended
            .iter()
            .position(|x| same(x, c))
            .map_or(0.0, |i| {
                (1.0 - CATEGORY_RANK_STEP * i as f64).max(CATEGORY_RANK_FLOOR)
            }),
        None => 0.0,
    };
    let tag_part = if tags.is_empty() {
        0.0
    } else {
        // distinct product tags that are the trait's name or one of the mapping's tags
        let mut matching: HashSet<&str> = HashSet::new();
        if tags.contains(t.name()) {
            matching.insert(t.name());
        }
        for (i, x) in m.tags.iter().enumerate() {
            if i % TICK_EVERY == TICK_EVERY - 1 {
                tick();
            }
            let x = normalize(x);
            if let Some(tag) = tags.get(&x) {
                matching.insert(tag.as_str());
            }
        }
        (matching.len() as f64 / tags.len().min(TAGS_FOR_FULL_MATCH) as f64).min(1.0)
    };
    clamp_unit(m.weight * (CATEGORY_SHARE * category_part + TAG_SHARE * tag_part))
}

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------

/// Trimmed and lowercased, for comparing categories and tags.
fn normalize(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Clamp to 0..1, with NaN as 0.
fn clamp_unit(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 1.0)
    }
}

/// A value in 0..1 rounded to 4 places half away from zero (monotone in `x`).
fn round_unit_f64(x: f64) -> Decimal {
    from_ticks((clamp_unit(x) * 10_000.0).round() as i128)
}

/// Ticks (units of 0.0001) clamped to 0..=10000 as a `Decimal` with scale 4.
fn from_ticks(ticks: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(ticks.clamp(0, 10_000), SCORE_DECIMALS)
        .unwrap_or(Decimal::ZERO)
}

fn pow10(k: u32) -> Option<i128> {
    10i128.checked_pow(k)
}

fn pow10u(k: u32) -> Option<u128> {
    10u128.checked_pow(k)
}

/// `m × 10^-from` re-expressed at scale `to` (rounding half away if `to < from`).
fn rescale(m: i128, from: u32, to: u32) -> Option<i128> {
    if to >= from {
        m.checked_mul(pow10(to - from)?)
    } else {
        Some(div_round_half_away(m, pow10(from - to)?))
    }
}

/// `n / d` rounded half away from zero; `d > 0`.
fn div_round_half_away(n: i128, d: i128) -> i128 {
    if d <= 0 {
        return n;
    }
    let (q, r) = (n / d, n % d);
    if r.unsigned_abs() >= (d.unsigned_abs() - r.unsigned_abs()) {
        q + n.signum()
    } else {
        q
    }
}

/// Micro-units (value × 10^6) of a decimal with at most 6 decimals and magnitude below
/// 10^6, the range where the fast seed path is exact; None otherwise.
pub fn micro_units(d: Decimal) -> Option<i64> {
    if d.scale() > 6 {
        return None;
    }
    let m = d.mantissa();
    let m = m.checked_mul(10i128.pow(6 - d.scale()))?;
    (m.abs() < 1_000_000_000_000).then_some(m as i64)
}

/// The seed's score in integer arithmetic, for the common case: every trait value and
/// the alignment given in micro-units (see [`micro_units`]), in jsonb key order.
/// Returns the result in units of 0.0001 (0..=10000), or None when the seed would have
/// overflowed on the way (the caller then takes the general path).
///
/// Each step adds `value/100 × weight` exactly (in units of 10^-10) and rounds the sum
/// to 4 decimals half away from zero, as the seed's `DECIMAL(5,4)` assignment does.
pub fn seed_fast(values: &[(Trait, i64)], alignment_micro: Option<i64>) -> Option<u32> {
    // weights in hundredths: .30 .25 .20 .15 .10
    const W: [i128; 5] = [30, 25, 20, 15, 10];
    fn add(acc: i128, term_e10: i128) -> Option<i128> {
        // acc in 10^-4 units; term in 10^-10 units
        let total = acc * 1_000_000 + term_e10;
        let q = total / 1_000_000;
        let r = total % 1_000_000;
        let rounded = if r.abs() * 2 >= 1_000_000 {
            q + total.signum()
        } else {
            q
        };
        // DECIMAL(5,4) holds |x| < 10 (9.99995 and up round to 10.0000: overflow)
        (rounded.abs() < 100_000).then_some(rounded)
    }
    let mut acc: i128 = 0;
    for (t, v) in values {
        // v/100 × w/100 = v_micro × w / 10^10
        acc = add(acc, *v as i128 * W[t.index()])?;
    }
    if let Some(a) = alignment_micro {
        // a × 0.2 = a_micro × 2 / 10^7 = a_micro × 2000 / 10^10
        acc = add(acc, a as i128 * 2000)?;
    }
    Some(acc.clamp(0, 10_000) as u32)
}

#[cfg(test)]
mod fast_tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap_or(Decimal::ZERO)
    }

    /// The general path for the same inputs as [`affinity_fast`], in units of 0.0001.
    fn affinity_general(
        scores: &[Decimal; 5],
        a: &[Decimal; 5],
        alignment: Option<Decimal>,
    ) -> Option<u32> {
        let mut sc = Scores::new();
        for t in ALL {
            sc.set(t, Num::from_decimal(scores[t.index()]));
        }
        let aff = usable_affinities(&a.map(|d| clamp_unit(Num::from_decimal(d).to_f64())))?;
        let al = alignment.map(Num::from_decimal);
        let d = match_score(&sc, Some(&aff), al.as_ref());
        (d * Decimal::from(10_000)).round().to_string().parse().ok()
    }

    proptest! {
        #[test]
        fn affinity_fast_is_the_general_path(
            s in proptest::array::uniform5(-20_000i64..120_000_000),
            sscale in proptest::array::uniform5(0u32..7),
            a in proptest::array::uniform5(-2_000_000i64..3_000_000),
            ascale in proptest::array::uniform5(0u32..17),
            al in proptest::option::of(-3_000_000i64..3_000_000),
        ) {
            let scores: [Decimal; 5] = std::array::from_fn(|i| Decimal::new(s[i], sscale[i]));
            let aff: [Decimal; 5] = std::array::from_fn(|i| Decimal::new(a[i], ascale[i]));
            let alignment = al.map(|x| Decimal::new(x, 6));
            prop_assert_eq!(affinity_fast(&scores, &aff, alignment), affinity_general(&scores, &aff, alignment));
        }
    }

    #[test]
    fn affinity_fast_examples() {
        let z = Decimal::ZERO;
        let scores = [dec("85"), dec("70"), dec("45"), z, dec("60.5")];
        let a = [dec("0.9"), z, z, dec("0.4"), z];
        assert_eq!(
            affinity_fast(&scores, &a, None),
            affinity_general(&scores, &a, None)
        );
        // nothing above 0: the seed mode, not this one
        assert_eq!(affinity_fast(&scores, &[z; 5], None), None);
    }

    #[test]
    fn seed_examples() {
        let v = [
            (Trait::Social, 0),
            (Trait::Practical, 45_000_000),
            (Trait::Adventurous, 85_000_000),
            (Trait::Intellectual, 70_000_000),
        ];
        assert_eq!(seed_fast(&v[1..], None), Some(5200));
        assert_eq!(
            seed_fast(&[(Trait::Adventurous, 5_000_000_000)], None),
            None
        );
        assert_eq!(
            seed_fast(&[(Trait::Adventurous, -85_000_000)], None),
            Some(0)
        );
        assert_eq!(micro_units(dec("85.123456")), Some(85_123_456));
        assert_eq!(micro_units(dec("0.1234567")), None);
        assert_eq!(micro_units(dec("1000000")), None);
    }

    proptest! {
        /// The fast path agrees with the general one wherever it answers.
        #[test]
        fn agrees_with_match_score(
            vals in proptest::collection::vec((0usize..5, -200_000_000i64..200_000_000i64, 0u32..7), 0..5),
            align in proptest::option::of((-2_000_000i64..2_000_000i64, 0u32..7)),
        ) {
            let mut seen = [false; 5];
            let mut entries = Vec::new();
            for (t, v, scale) in vals {
                if seen[t] { continue; }
                seen[t] = true;
                // a value with `scale` decimals
                let d = Decimal::new(v / 10i64.pow(6 - scale.min(6)), scale.min(6));
                entries.push((crate::traits::ALL[t], d));
            }
            // jsonb order: by key length
            entries.sort_by_key(|(t, _)| (t.name().len(), t.name()));
            let micro: Option<Vec<(Trait, i64)>> =
                entries.iter().map(|(t, d)| micro_units(*d).map(|m| (*t, m))).collect();
            let a = align.map(|(v, s)| Decimal::new(v / 10i64.pow(6 - s.min(6)), s.min(6)));
            let a_micro = a.map(micro_units);
            if let (Some(micro), Some(am)) = (micro, a_micro.map_or(Some(None), |x| x.map(Some))) {
                if let Some(units) = seed_fast(&micro, am) {
                    let scores: Scores = entries.iter().map(|(t, d)| (*t, Num::from_decimal(*d))).collect();
                    let slow = match_score(&scores, None, a.map(Num::from_decimal).as_ref());
                    prop_assert_eq!(Decimal::new(units as i64, 4), slow);
                }
            }
        }
    }
}
