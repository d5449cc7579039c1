//! The personality quiz: scoring a user's answers against the question bank, and the
//! small pieces of maths around an assessment (feature vector, clustering segment,
//! consistency with the previous profile, blending a retaken quiz with behaviour).
//!
//! The question bank lives in the table `personality_quiz_questions`; its default
//! content (q01..q24) has a single source of truth, `sql/quiz.sql`, which the tests
//! below read. Nothing here knows about Postgres: the SQL layer loads the active
//! questions, turns the user's JSON object into `(question id, answer)` pairs and
//! raises the [`Error`] (22023, message and hint) returned here.
//!
//! # Rules
//!
//! This is the authoritative text of the quiz rules; README "The quiz" summarises it.
//!
//!
//! * **Options.** Each question's `options` is a JSON array of
//!   `{"value": text, "label": text, "traits": {trait: weight}}` with weights 0..1 and
//!   trait names among adventurous, intellectual, practical, creative, social. A trait
//!   an option does not name weighs 0. Option values are unique within a question.
//! * **Answers.** A quiz is a JSON object `{question_id: option value}`. Each answer
//!   must name an active question of the bank and one of that question's option values,
//!   given as a JSON string. Everything wrong is reported at once (error 22023): unknown
//!   questions, values the question does not offer (the hint lists the valid values),
//!   inactive questions, non-string answers, a question answered twice, an empty quiz,
//!   a negative completion time. The message lists at most [`MAX_LISTED_PROBLEMS`]
//!   problems (then "and N more"); names longer than 64 characters are shortened.
//! * **Scores** (0..100, one decimal, for all five traits): for each trait, the sum of
//!   the chosen options' weights for that trait divided by the sum, over the same
//!   answered questions, of the largest weight any option of the question gives that
//!   trait, times 100. A trait no answered question can express scores 0. With the
//!   default bank (every question offers weight 1.0 to every trait) this is the mean
//!   weight of the chosen options × 100.
//! * **Primary and secondary types:** [`traits::primary_and_secondary`] on the rounded
//!   scores: the top trait, then up to 2 others within 15 points of it; ties follow the
//!   fixed trait order (adventurous, intellectual, practical, creative, social).
//! * **Confidence** (0..1, two decimals) grows with the number of answers `n` and with
//!   the margin `m` (in points) between the top two scores:
//!   `n / (n + 5) × (0.3 + 0.7 × min(1, m / 40))`. So 20 clear answers give 0.8, a
//!   tie between the top two at most 0.3, and a single answer at most 0.17.
//! * **Quality** (0..1, two decimals) starts at 1 and loses
//!   - up to 0.5 for straight-lining: with at least 5 answers, let `s` be the share of
//!     answers that chose the option at the most common position (index in the
//!     question's options array); the loss is `0.5 × clamp((s − 0.5) / 0.5, 0, 1)`, so
//!     answering the same position every time loses 0.5 and no position chosen in more
//!     than half of the answers loses nothing (the answers are a JSON object, so their
//!     order is unknown: only the positions' shares count, not runs);
//!   - up to 0.5 for speed, when a completion time is given: with `t` seconds per
//!     answered question, the loss is `0.5 × max(0, 1 − t / 3)`; 3 s or more per
//!     question loses nothing, 0 s loses 0.5.
//!
//!   Quality is never below 0.
//! * **Assessment triggers** ([`validate_trigger`]): `initial` (the user's first quiz),
//!   `periodic` (a scheduled re-assessment), `behavior_change` (behaviour drifted from
//!   the quiz profile), `retake` (the user chose to retake the quiz), `manual` (entered
//!   or started by an operator). Exact, lowercase; anything else is error 22023.
//! * **Feature vector** ([`feature_vector`]): scores / 100, then scaled to unit length
//!   (L2); an all-zero vector stays zero.
//! * **Clustering segment** ([`clustering_segment`]): `"balanced"` when the highest and
//!   lowest scores are less than 10 points apart; else the primary type, joined with
//!   `-` to the first secondary type when there is one (e.g. `"adventurous-creative"`,
//!   `"practical"`).
//! * **Consistency** ([`consistency`]) between the previous and new scores:
//!   `1 − mean(|previous − new|) / 100` over the five traits, in 0..1, two decimals.
//!   Identical scores give 1; opposite extremes (0 vs 100 everywhere) give 0.
//! * **Blend** ([`blend`]): when a user retakes the quiz, behaviour learned from `n`
//!   swipes is kept with weight `w = n / (n + 20)`:
//!   `result = (1 − w) × quiz + w × behaviour`, per trait, clamped to 0..100, one
//!   decimal. No swipes: the quiz alone; 20 swipes: half and half; the quiz never
//!   vanishes entirely.
//! * **Bad numbers.** Non-finite (NaN, ±∞) scores and weights count as 0 in every
//!   function here; weights are clamped to 0..1.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use crate::error::Error;
use crate::round::round_to;
use crate::traits::{self, Trait, Vector, ALL};

/// The valid values of `personality_assessment_history.assessment_trigger`.
pub const ASSESSMENT_TRIGGERS: [&str; 5] =
    ["initial", "periodic", "behavior_change", "retake", "manual"];

/// Answers at which [`QuizResult::confidence`]'s count factor reaches one half.
pub const CONFIDENCE_HALF_ANSWERS: f64 = 5.0;
/// Margin (points) between the top two scores at which confidence stops growing with it.
pub const CONFIDENCE_FULL_MARGIN: f64 = 40.0;
/// Share of confidence kept when the top two scores tie.
pub const CONFIDENCE_TIE_FLOOR: f64 = 0.3;
/// Straight-lining is judged only from this many answers on.
pub const STRAIGHT_LINE_MIN_ANSWERS: usize = 5;
/// Seconds per question below which answers count as too fast to have been read.
pub const MIN_SECONDS_PER_QUESTION: f64 = 3.0;
/// Spread (points) below which a profile's segment is `"balanced"`.
pub const BALANCED_SPREAD: f64 = 10.0;
/// Swipes at which behaviour weighs as much as the quiz in [`blend`].
pub const BLEND_HALF_EVIDENCE: f64 = 20.0;
/// At most this many problems are spelled out in an error message.
pub const MAX_LISTED_PROBLEMS: usize = 20;

/// One answer option of a question.
#[derive(Debug, Clone, PartialEq)]
pub struct QuizOption {
    /// What the app sends back as the answer.
    pub value: String,
    /// What the user reads.
    pub label: String,
    /// Weight 0..1 of the option for each trait, in the order of [`ALL`].
    pub traits: Vector,
}

/// A question of the bank (a row of `personality_quiz_questions`).
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub options: Vec<QuizOption>,
    /// `is_active`: inactive questions are not offered and cannot be answered.
    pub active: bool,
}

/// One answer: question id and the chosen option value, or `None` when the JSON value
/// of the answer was not a string.
pub type Response = (String, Option<String>);

/// The outcome of a scored quiz.
#[derive(Debug, Clone, PartialEq)]
pub struct QuizResult {
    /// 0..100, one decimal, in the order of [`ALL`].
    pub scores: Vector,
    pub primary_type: Trait,
    /// Best first, at most 2, within 15 points of the primary.
    pub secondary_types: Vec<Trait>,
    /// 0..1, two decimals.
    pub confidence: f64,
    /// 0..1, two decimals.
    pub quality: f64,
    pub questions_answered: u32,
}

impl QuizResult {
    /// `{"scores": {trait: n, ...}, "primary_type": "...", "secondary_types": [...],
    /// "confidence": x, "quality": y, "questions_answered": n}`.
    pub fn to_json(&self) -> Value {
        json!({
            "scores": scores_json(&self.scores),
            "primary_type": self.primary_type.name(),
            "secondary_types": self.secondary_types.iter().map(|t| t.name()).collect::<Vec<_>>(),
            "confidence": self.confidence,
            "quality": self.quality,
            "questions_answered": self.questions_answered,
        })
    }
}

/// `{trait: score, ...}` for all five traits.
pub fn scores_json(scores: &Vector) -> Value {
    let mut m = Map::new();
    for t in ALL {
        m.insert(t.name().to_string(), json!(scores[t.index()]));
    }
    Value::Object(m)
}

/// Invalid quiz input (SQLSTATE 22023): `"{context}: {problem}; {problem}; ..."`, at
/// most [`MAX_LISTED_PROBLEMS`] spelled out, and the hints joined by `"; "`.
fn invalid(context: &str, problems: Vec<String>, hints: Vec<String>) -> Error {
    let mut listed: Vec<String> = problems.iter().take(MAX_LISTED_PROBLEMS).cloned().collect();
    if problems.len() > MAX_LISTED_PROBLEMS {
        listed.push(format!("and {} more", problems.len() - MAX_LISTED_PROBLEMS));
    }
    let e = Error::invalid_parameter(format!("{context}: {}", listed.join("; ")));
    if hints.is_empty() {
        e
    } else {
        e.with_hint(hints.join("; "))
    }
}

/// A row of the question bank whose `options` cannot be used (22023); `problem` says
/// why (see [`parse_options`], or the JSON parser's message).
pub fn invalid_options(question_id: &str, problem: impl std::fmt::Display) -> Error {
    Error::invalid_parameter(format!(
        "quiz question \"{question_id}\" has invalid options: {problem}"
    ))
    .with_hint("fix the row in personality_quiz_questions or set is_active = false")
}

/// `"name"`, shortened to 64 characters for error messages.
fn quoted(s: &str) -> String {
    const MAX: usize = 64;
    if s.chars().count() > MAX {
        let short: String = s.chars().take(MAX).collect();
        format!("\"{short}...\"")
    } else {
        format!("\"{s}\"")
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn finite(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

fn weight(x: f64) -> f64 {
    finite(x).clamp(0.0, 1.0)
}

/// Parse the `options` column of a question. Every problem is reported, joined by
/// `"; "`: not an array, an empty array, an option that is not an object, a missing or
/// non-string `value` / `label`, a duplicate value, `traits` not an object, an unknown
/// trait name, a weight that is not a number in 0..1; see [`invalid_options`].
pub fn parse_options(question_id: &str, json: &Value) -> Result<Vec<QuizOption>, Error> {
    let Value::Array(items) = json else {
        return Err(invalid_options(
            question_id,
            format!("options must be a JSON array, not {}", json_type(json)),
        ));
    };
    if items.is_empty() {
        return Err(invalid_options(question_id, "options must not be empty"));
    }
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let Value::Object(o) = item else {
            problems.push(format!(
                "option {n} must be a JSON object, not {}",
                json_type(item)
            ));
            continue;
        };
        let value = match o.get("value") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => {
                problems.push(format!("option {n} needs a non-empty string \"value\""));
                None
            }
        };
        let label = match o.get("label") {
            Some(Value::String(s)) => Some(s.clone()),
            _ => {
                problems.push(format!("option {n} needs a string \"label\""));
                None
            }
        };
        let mut traits = [0.0; 5];
        match o.get("traits") {
            Some(Value::Object(t)) => {
                for (k, w) in t {
                    let Some(tr) = Trait::from_name(k) else {
                        problems.push(format!("option {n} has unknown trait {}", quoted(k)));
                        continue;
                    };
                    match w.as_f64() {
                        Some(x) if (0.0..=1.0).contains(&x) => traits[tr.index()] = x,
                        _ => problems.push(format!(
                            "option {n} has weight {w} for {}: weights are numbers from 0 to 1",
                            tr.name()
                        )),
                    }
                }
            }
            _ => problems.push(format!("option {n} needs an object \"traits\"")),
        }
        if let (Some(value), Some(label)) = (value, label) {
            if out.iter().any(|x: &QuizOption| x.value == value) {
                problems.push(format!("option value {} appears twice", quoted(&value)));
            } else {
                out.push(QuizOption {
                    value,
                    label,
                    traits,
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(invalid_options(question_id, problems.join("; ")))
    }
}

/// The answers of a quiz JSON object `{question_id: option value}`, sorted by question
/// id; a value that is not a JSON string becomes `None` (reported by [`score`]).
/// Anything but an object is error 22023.
pub fn responses_from_json(json: &Value) -> Result<Vec<Response>, Error> {
    let Value::Object(m) = json else {
        return Err(invalid(
            "invalid quiz responses",
            vec![format!(
                "responses must be a JSON object, not {}",
                json_type(json)
            )],
            vec!["send {\"question_id\": \"option value\", ...}".to_string()],
        ));
    };
    let mut out: Vec<Response> = m
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Score a quiz (rules in the module documentation). `bank` is the question bank
/// (active and inactive questions, in display order); `responses` the answers in any
/// order; `completion_time_seconds` the time the user took, if known.
pub fn score(
    bank: &[Question],
    responses: &[Response],
    completion_time_seconds: Option<i32>,
) -> Result<QuizResult, Error> {
    let answered = validate(bank, responses, completion_time_seconds)?;
    let n = answered.len();
    let mut num = [0.0; 5];
    let mut den = [0.0; 5];
    for (q, i) in &answered {
        for t in 0..5 {
            num[t] += weight(q.options[*i].traits[t]);
            den[t] += q
                .options
                .iter()
                .map(|o| weight(o.traits[t]))
                .fold(0.0, f64::max);
        }
    }
    let mut scores = [0.0; 5];
    for t in 0..5 {
        scores[t] = if den[t] > 0.0 {
            round_to(100.0 * num[t] / den[t], 1)
        } else {
            0.0
        };
    }
    let (primary_type, secondary_types) = traits::primary_and_secondary(&scores);

    let positions: Vec<usize> = answered.iter().map(|(_, i)| *i).collect();
    Ok(QuizResult {
        scores,
        primary_type,
        secondary_types,
        confidence: confidence(n as u32, &scores),
        quality: quality(&positions, completion_time_seconds),
        questions_answered: n as u32,
    })
}

/// What [`validate`] found wrong, and what to say about it.
#[derive(Default)]
struct Problems {
    problems: Vec<String>,
    hints: Vec<String>,
    unknown: bool,
    non_string: bool,
}

/// The answered questions with the chosen option's position, each question once, or
/// error 22023 listing every problem (duplicates, unknown or inactive questions,
/// non-string answers, unknown options, no answers, a negative time) with hints.
fn validate<'q>(
    bank: &'q [Question],
    responses: &[Response],
    completion_time_seconds: Option<i32>,
) -> Result<Vec<(&'q Question, usize)>, Error> {
    let by_id: HashMap<&str, &Question> = bank
        .iter()
        .rev() // the first of duplicate ids wins
        .map(|q| (q.id.as_str(), q))
        .collect();
    let mut sorted: Vec<&Response> = responses.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));

    let mut p = Problems::default();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut answered: Vec<(&Question, usize)> = Vec::new();
    for (qid, answer) in sorted {
        let count = seen.entry(qid.as_str()).or_insert(0);
        *count += 1;
        if *count == 2 {
            p.problems.push(format!(
                "question {} is answered more than once",
                quoted(qid)
            ));
        }
        if *count > 1 {
            continue;
        }
        if let Some(a) = check_answer(&by_id, qid, answer.as_deref(), &mut p) {
            answered.push(a);
        }
    }
    if responses.is_empty() {
        p.problems.push("no questions answered".to_string());
    }
    if let Some(t) = completion_time_seconds {
        if t < 0 {
            p.problems
                .push(format!("completion time must not be negative (got {t})"));
        }
    }
    if p.problems.is_empty() {
        return Ok(answered);
    }
    Err(explain(bank, responses.is_empty(), p))
}

/// One answer: its question and option position, or a problem (and hint) noted.
fn check_answer<'q>(
    by_id: &HashMap<&str, &'q Question>,
    qid: &str,
    answer: Option<&str>,
    p: &mut Problems,
) -> Option<(&'q Question, usize)> {
    let Some(q) = by_id.get(qid).copied() else {
        p.problems.push(format!("unknown question {}", quoted(qid)));
        p.unknown = true;
        return None;
    };
    if !q.active {
        p.problems
            .push(format!("question {} is not active", quoted(qid)));
        return None;
    }
    let Some(value) = answer else {
        p.problems.push(format!(
            "the answer to question {} is not a string",
            quoted(qid)
        ));
        p.non_string = true;
        return None;
    };
    if let Some(i) = q.options.iter().position(|o| o.value == value) {
        return Some((q, i));
    }
    p.problems.push(format!(
        "question {} has no option {}",
        quoted(qid),
        quoted(value)
    ));
    p.hints.push(format!(
        "question {} accepts {}",
        quoted(qid),
        q.options
            .iter()
            .map(|o| quoted(&o.value))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    None
}

/// Error 22023 with the problems and hints, plus the active questions when one was
/// unknown and an example answer when answers were missing or not strings.
fn explain(bank: &[Question], no_responses: bool, mut p: Problems) -> Error {
    let active: Vec<&Question> = bank.iter().filter(|q| q.active).collect();
    if p.unknown {
        p.hints.push(format!(
            "active questions: {}",
            active
                .iter()
                .map(|q| q.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if p.non_string || no_responses {
        let example = active
            .iter()
            .find_map(|q| q.options.first().map(|o| (q.id.as_str(), o.value.as_str())));
        p.hints.push(match example {
            Some((q, v)) => {
                format!(
                    "answers are option values given as JSON strings, e.g. {{\"{q}\": \"{v}\"}}"
                )
            }
            None => "answers are option values given as JSON strings".to_string(),
        });
    }
    invalid("invalid quiz responses", p.problems, p.hints)
}

/// Confidence of a quiz with `answered` answers and these scores:
/// `n / (n + 5) × (0.3 + 0.7 × min(1, margin / 40))`, two decimals, where `margin` is
/// the distance in points between the top two scores.
pub fn confidence(answered: u32, scores: &Vector) -> f64 {
    if answered == 0 {
        return 0.0;
    }
    let s = scores.map(finite);
    let order = traits::ranked(&s);
    let margin = (s[order[0].index()] - s[order[1].index()]).max(0.0);
    let n = f64::from(answered);
    let count = n / (n + CONFIDENCE_HALF_ANSWERS);
    let separation = (margin / CONFIDENCE_FULL_MARGIN).min(1.0);
    round_to(
        (count * (CONFIDENCE_TIE_FLOOR + (1.0 - CONFIDENCE_TIE_FLOOR) * separation))
            .clamp(0.0, 1.0),
        2,
    )
}

/// Quality of a quiz from the positions (index in the question's options) of the chosen
/// options and the completion time: see the module documentation.
pub fn quality(positions: &[usize], completion_time_seconds: Option<i32>) -> f64 {
    let n = positions.len();
    let mut q = 1.0;
    if n >= STRAIGHT_LINE_MIN_ANSWERS {
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for p in positions {
            *counts.entry(*p).or_insert(0) += 1;
        }
        let top = counts.values().copied().max().unwrap_or(0);
        let share = top as f64 / n as f64;
        q -= 0.5 * ((share - 0.5) / 0.5).clamp(0.0, 1.0);
    }
    if let Some(t) = completion_time_seconds {
        if n > 0 && t >= 0 {
            let per_question = f64::from(t) / n as f64;
            q -= 0.5 * (1.0 - per_question / MIN_SECONDS_PER_QUESTION).max(0.0);
        }
    }
    round_to(q.clamp(0.0, 1.0), 2)
}

/// Check an assessment trigger (`initial`, `periodic`, `behavior_change`, `retake`,
/// `manual`); returns the canonical value, or error 22023.
pub fn validate_trigger(trigger: &str) -> Result<&'static str, Error> {
    ASSESSMENT_TRIGGERS
        .iter()
        .copied()
        .find(|t| *t == trigger)
        .ok_or_else(|| {
            invalid(
                "invalid assessment trigger",
                vec![format!("{} is not a known trigger", quoted(trigger))],
                vec![
                    "use one of: initial (first quiz), periodic (scheduled re-assessment), \
                     behavior_change (behaviour drifted from the quiz profile), retake (the \
                     user retook the quiz), manual (entered or started by an operator)"
                        .to_string(),
                ],
            )
        })
}

/// Scores / 100, scaled to unit length (L2). An all-zero vector stays zero.
pub fn feature_vector(scores: &Vector) -> Vector {
    let v = scores.map(|x| finite(x) / 100.0);
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.map(|x| x / norm)
    } else {
        [0.0; 5]
    }
}

/// `"balanced"` when the highest and lowest scores are less than 10 points apart,
/// else `"primary"` or `"primary-secondary"` (first secondary type).
pub fn clustering_segment(scores: &Vector) -> String {
    let s = scores.map(finite);
    let max = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = s.iter().copied().fold(f64::INFINITY, f64::min);
    if max - min < BALANCED_SPREAD {
        return "balanced".to_string();
    }
    let (primary, secondary) = traits::primary_and_secondary(&s);
    match secondary.first() {
        Some(second) => format!("{}-{}", primary.name(), second.name()),
        None => primary.name().to_string(),
    }
}

/// Similarity of two score vectors: `1 − mean(|prev − new|) / 100`, clamped to 0..1,
/// two decimals.
pub fn consistency(prev: &Vector, new: &Vector) -> f64 {
    let mean = (0..5)
        .map(|t| (finite(prev[t]) - finite(new[t])).abs())
        .sum::<f64>()
        / 5.0;
    round_to((1.0 - mean / 100.0).clamp(0.0, 1.0), 2)
}

/// A retaken quiz keeps behaviour learned from `behavior_evidence` swipes with weight
/// `w = n / (n + 20)`: `(1 − w) × quiz + w × behaviour`, clamped to 0..100, one decimal.
pub fn blend(quiz: &Vector, behavior: &Vector, behavior_evidence: u32) -> Vector {
    let n = f64::from(behavior_evidence);
    let w = n / (n + BLEND_HALF_EVIDENCE);
    let mut out = [0.0; 5];
    for t in 0..5 {
        out[t] = round_to(
            ((1.0 - w) * finite(quiz[t]) + w * finite(behavior[t])).clamp(0.0, 100.0),
            1,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUIZ_SQL: &str = include_str!("../../sql/quiz.sql");

    /// Read one SQL string literal ('...' with '' for a quote) at the start of `s`;
    /// returns it and the rest.
    fn literal(s: &str) -> (String, &str) {
        let s = s.trim_start();
        assert!(s.starts_with('\''), "expected a string literal at {s:.40}");
        let mut out = String::new();
        let mut chars = s[1..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if let Some((_, '\'')) = chars.peek() {
                    out.push('\'');
                    chars.next();
                } else {
                    return (out, &s[i + 2..]);
                }
            } else {
                out.push(c);
            }
        }
        panic!("unterminated literal");
    }

    struct SeedQuestion {
        id: String,
        prompt: String,
        options_json: Value,
        sort_order: i32,
    }

    /// The default bank: the lines `('qNN', 'prompt', '[options]', sort_order),` of the
    /// INSERT in sql/quiz.sql.
    fn seed() -> Vec<SeedQuestion> {
        QUIZ_SQL
            .lines()
            .filter(|l| l.starts_with("('q"))
            .map(|l| {
                let (id, rest) = literal(&l[1..]);
                let (prompt, rest) = literal(rest.trim_start().strip_prefix(',').unwrap());
                let (options, rest) = literal(rest.trim_start().strip_prefix(',').unwrap());
                let rest = rest.trim_start().strip_prefix(',').unwrap().trim();
                let sort: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                let tail = rest[sort.len()..].trim();
                assert!(tail == ")," || tail == ");", "bad line end {tail:?}");
                SeedQuestion {
                    id,
                    prompt,
                    options_json: serde_json::from_str(&options).unwrap(),
                    sort_order: sort.parse().unwrap(),
                }
            })
            .collect()
    }

    fn bank() -> Vec<Question> {
        seed()
            .into_iter()
            .map(|q| Question {
                options: parse_options(&q.id, &q.options_json).unwrap(),
                id: q.id,
                active: true,
            })
            .collect()
    }

    /// The option of `q` weighing trait `t` most.
    fn leaning(q: &Question, t: Trait) -> &QuizOption {
        let mut best = &q.options[0];
        for o in &q.options {
            if o.traits[t.index()] > best.traits[t.index()] {
                best = o;
            }
        }
        best
    }

    fn answer_all(bank: &[Question], pick: impl Fn(usize, &Question) -> String) -> Vec<Response> {
        bank.iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), Some(pick(i, q))))
            .collect()
    }

    fn resp(pairs: &[(&str, Option<&str>)]) -> Vec<Response> {
        pairs
            .iter()
            .map(|(q, v)| (q.to_string(), v.map(str::to_string)))
            .collect()
    }

    // ---- the default bank ----

    #[test]
    fn bank_has_24_well_formed_questions() {
        let s = seed();
        assert_eq!(s.len(), 24);
        for (i, q) in s.iter().enumerate() {
            assert_eq!(q.id, format!("q{:02}", i + 1));
            assert_eq!(q.sort_order, i as i32 + 1);
            assert!(!q.prompt.is_empty());
        }
        assert!(
            s.iter().any(|q| q.prompt.contains('\'')),
            "quotes are unescaped"
        );
        // _personality_is_seed_question matches exactly these ids.
        assert!(QUIZ_SQL.contains("'^q(0[1-9]|1[0-9]|2[0-4])$'"));
        let labels: Vec<String> = bank()
            .iter()
            .flat_map(|q| q.options.iter().map(|o| o.label.clone()))
            .collect();
        assert!(labels.iter().all(|l| !l.is_empty()));
    }

    #[test]
    fn every_question_leans_once_to_each_trait() {
        for q in bank() {
            assert_eq!(q.options.len(), 5, "{}", q.id);
            for t in ALL {
                let top: Vec<&QuizOption> = q
                    .options
                    .iter()
                    .filter(|o| traits::ranked(&o.traits)[0] == t && o.traits[t.index()] == 1.0)
                    .collect();
                assert_eq!(top.len(), 1, "{} {}", q.id, t.name());
                for o in &q.options {
                    for w in o.traits {
                        assert!((0.0..=1.0).contains(&w));
                    }
                }
            }
        }
    }

    #[test]
    fn bank_weight_totals_are_equal_per_trait() {
        let b = bank();
        let mut total = [0.0; 5];
        let mut max = [0.0; 5];
        for q in &b {
            for t in 0..5 {
                total[t] += q.options.iter().map(|o| o.traits[t]).sum::<f64>();
                max[t] += q.options.iter().map(|o| o.traits[t]).fold(0.0, f64::max);
            }
        }
        for t in 1..5 {
            assert!((total[t] - total[0]).abs() < 1e-9, "totals {total:?}");
            assert!((max[t] - max[0]).abs() < 1e-9, "maxima {max:?}");
        }
        // Stronger: every single question is balanced.
        for q in &b {
            let per: Vec<f64> = (0..5)
                .map(|t| q.options.iter().map(|o| o.traits[t]).sum())
                .collect();
            assert!(
                per.iter().all(|x| (x - per[0]).abs() < 1e-9),
                "{} {per:?}",
                q.id
            );
        }
    }

    #[test]
    fn trait_options_move_around() {
        // No trait's option sits in the same position in most questions, so answering
        // true to one trait is not straight-lining.
        let b = bank();
        for t in ALL {
            let positions: Vec<usize> = b
                .iter()
                .map(|q| {
                    q.options
                        .iter()
                        .position(|o| o.value == leaning(q, t).value)
                        .unwrap()
                })
                .collect();
            assert_eq!(quality(&positions, None), 1.0, "{}", t.name());
        }
    }

    // ---- scoring ----

    #[test]
    fn every_trait_can_be_primary_with_high_confidence() {
        let b = bank();
        for t in ALL {
            let r = answer_all(&b, |_, q| leaning(q, t).value.clone());
            let res = score(&b, &r, Some(300)).unwrap();
            assert_eq!(res.primary_type, t);
            assert_eq!(res.scores[t.index()], 100.0);
            assert!(res.secondary_types.is_empty());
            assert!(res.confidence > 0.7, "{} {}", t.name(), res.confidence);
            assert_eq!(res.quality, 1.0);
            assert_eq!(res.questions_answered, 24);
            for o in ALL.iter().filter(|o| **o != t) {
                assert!(res.scores[o.index()] < 10.0, "{:?}", res.scores);
            }
        }
    }

    #[test]
    fn mixed_answers_give_lower_confidence() {
        let b = bank();
        let pure = score(
            &b,
            &answer_all(&b, |_, q| leaning(q, Trait::Creative).value.clone()),
            None,
        )
        .unwrap();
        // Round robin over the five traits.
        let mixed = answer_all(&b, |i, q| leaning(q, ALL[i % 5]).value.clone());
        let m = score(&b, &mixed, None).unwrap();
        assert!(m.confidence < pure.confidence);
        assert!(m.confidence < 0.4, "{}", m.confidence);
        // Two traits half and half.
        let two = answer_all(&b, |i, q| {
            leaning(
                q,
                if i % 2 == 0 {
                    Trait::Social
                } else {
                    Trait::Practical
                },
            )
            .value
            .clone()
        });
        let r2 = score(&b, &two, None).unwrap();
        assert!(r2.confidence < pure.confidence);
        assert!(r2.scores[Trait::Social.index()] >= 50.0);
        assert!(r2.scores[Trait::Practical.index()] >= 50.0);
        assert!(r2.secondary_types.contains(&Trait::Social) || r2.primary_type == Trait::Social);
    }

    #[test]
    fn fewer_answers_give_lower_confidence() {
        let b = bank();
        let all = answer_all(&b, |_, q| leaning(q, Trait::Adventurous).value.clone());
        let few = score(&b, &all[..3], None).unwrap();
        let many = score(&b, &all, None).unwrap();
        assert_eq!(few.primary_type, Trait::Adventurous);
        assert!(few.confidence < many.confidence);
        assert_eq!(few.questions_answered, 3);
    }

    #[test]
    fn scores_follow_the_documented_rule() {
        let b = bank();
        // q01: new_trail is adventurous 1.0 + intellectual 0.2; q02 party_tickets social 1.0.
        let r = score(
            &b,
            &resp(&[("q01", Some("new_trail")), ("q02", Some("party_tickets"))]),
            None,
        )
        .unwrap();
        assert_eq!(r.scores, [50.0, 10.0, 0.0, 0.0, 50.0]);
        assert_eq!(r.primary_type, Trait::Adventurous); // tie: fixed order
        assert_eq!(r.secondary_types, vec![Trait::Social]);
        // 2/(2+5) × 0.3 = 0.0857...
        assert_eq!(r.confidence, 0.09);
        assert_eq!(
            r.to_json(),
            json!({
                "scores": {"adventurous": 50.0, "intellectual": 10.0, "practical": 0.0,
                           "creative": 0.0, "social": 50.0},
                "primary_type": "adventurous",
                "secondary_types": ["social"],
                "confidence": 0.09,
                "quality": 1.0,
                "questions_answered": 2
            })
        );
    }

    #[test]
    fn denominators_use_the_answered_questions_only() {
        let bank = vec![
            Question {
                id: "a".into(),
                options: vec![
                    QuizOption {
                        value: "x".into(),
                        label: "x".into(),
                        traits: [0.5, 0.0, 0.0, 0.0, 0.0],
                    },
                    QuizOption {
                        value: "y".into(),
                        label: "y".into(),
                        traits: [0.0, 0.8, 0.0, 0.0, 0.0],
                    },
                ],
                active: true,
            },
            Question {
                id: "b".into(),
                options: vec![QuizOption {
                    value: "z".into(),
                    label: "z".into(),
                    traits: [1.0; 5],
                }],
                active: true,
            },
        ];
        let r = score(&bank, &resp(&[("a", Some("x"))]), None).unwrap();
        // adventurous 0.5 of a maximum 0.5; intellectual 0 of 0.8; others not expressible.
        assert_eq!(r.scores, [100.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn ties_are_deterministic() {
        let b = bank();
        // q02 and q07 have no secondary touches: one answer per trait, five-way tie.
        let r1 = resp(&[
            ("q02", Some("rafting_voucher")),
            ("q07", Some("bookshop")),
            ("q13", Some("good_value")),
            ("q19", Some("music_and_decor")),
        ]);
        let mut r2 = r1.clone();
        r2.reverse();
        let a = score(&b, &r1, None).unwrap();
        let c = score(&b, &r2, None).unwrap();
        assert_eq!(a, c);
        assert_eq!(a.scores, [25.0, 25.0, 25.0, 25.0, 0.0]);
        assert_eq!(a.primary_type, Trait::Adventurous);
        assert_eq!(
            a.secondary_types,
            vec![Trait::Intellectual, Trait::Practical]
        );
        for _ in 0..5 {
            assert_eq!(score(&b, &r1, None).unwrap(), a);
        }
    }

    // ---- quality ----

    #[test]
    fn straight_lining_lowers_quality() {
        let b = bank();
        let first = answer_all(&b, |_, q| q.options[0].value.clone());
        let straight = score(&b, &first, Some(300)).unwrap();
        let clean = answer_all(&b, |i, q| q.options[i % 5].value.clone());
        let clean = score(&b, &clean, Some(300)).unwrap();
        assert_eq!(clean.quality, 1.0);
        assert_eq!(straight.quality, 0.5);
        assert!(straight.quality < clean.quality);
    }

    #[test]
    fn answers_too_fast_lower_quality() {
        let b: Vec<Question> = bank().into_iter().take(20).collect();
        let answers = answer_all(&b, |_, q| leaning(q, Trait::Intellectual).value.clone());
        let fast = score(&b, &answers, Some(5)).unwrap();
        let slow = score(&b, &answers, Some(300)).unwrap();
        let unknown = score(&b, &answers, None).unwrap();
        assert_eq!(slow.quality, 1.0);
        assert_eq!(unknown.quality, 1.0);
        assert!(fast.quality < slow.quality);
        // 0.25 s per question: 1 - 0.5 × (1 - 0.25/3) = 0.54
        assert_eq!(fast.quality, 0.54);
        assert_eq!(fast.scores, slow.scores);
        assert_eq!(fast.confidence, slow.confidence);
        // Both faults together.
        let first = answer_all(&b, |_, q| q.options[0].value.clone());
        assert_eq!(score(&b, &first, Some(0)).unwrap().quality, 0.0);
    }

    #[test]
    fn quality_rules() {
        assert_eq!(quality(&[0, 0, 0, 0], None), 1.0); // too few to judge
        assert_eq!(quality(&[0, 0, 0, 0, 0], None), 0.5);
        assert_eq!(quality(&[0, 0, 0, 1, 2], None), 0.9); // share 0.6
        assert_eq!(quality(&[0, 1, 2, 3, 4, 0], None), 1.0);
        assert_eq!(quality(&[0, 1, 2], Some(9)), 1.0);
        assert_eq!(quality(&[0, 1, 2], Some(0)), 0.5);
    }

    // ---- errors ----

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut b = bank();
        b[2].active = false; // q03
        let r = resp(&[
            ("q99", Some("x")),
            ("q01", Some("zzz")),
            ("q03", Some("trivia_night")),
            ("q04", None),
            ("q05", Some("festival")),
        ]);
        let e = score(&b, &r, Some(-1)).unwrap_err();
        assert_eq!(e.code.code(), "22023");
        assert_eq!(
            e.message,
            "invalid quiz responses: question \"q01\" has no option \"zzz\"; \
             question \"q03\" is not active; the answer to question \"q04\" is not a string; \
             unknown question \"q99\"; completion time must not be negative (got -1)"
        );
        assert_eq!(e.message.matches("; ").count() + 1, 5);
        let hint = e.hint.as_deref().unwrap();
        assert!(
            hint.starts_with(
                "question \"q01\" accepts \"new_trail\", \"online_course\", \"build_shelf\", \
             \"make_and_share\", \"group_day_out\"; active questions: q01, q02, q04"
            ),
            "{hint}"
        );
        assert!(hint.contains("e.g. {\"q01\": \"new_trail\"}"), "{hint}");
        assert_eq!(e.to_string(), e.message);
        assert_eq!(e.detail, None);
        assert_eq!(e.message, e.message.to_lowercase());
    }

    #[test]
    fn unknown_question_alone() {
        let e = score(&bank(), &resp(&[("q99", Some("a"))]), None).unwrap_err();
        assert_eq!(
            e.message,
            "invalid quiz responses: unknown question \"q99\""
        );
        assert!(e
            .hint
            .as_deref()
            .unwrap()
            .starts_with("active questions: q01, q02"));
    }

    #[test]
    fn wrong_option_alone() {
        let e = score(&bank(), &resp(&[("q02", Some("Tool_Kit"))]), None).unwrap_err();
        assert_eq!(
            e.message,
            "invalid quiz responses: question \"q02\" has no option \"Tool_Kit\""
        );
        assert!(e.hint.as_deref().unwrap().contains("\"tool_kit\""));
    }

    #[test]
    fn inactive_question_alone() {
        let mut b = bank();
        b[0].active = false;
        let e = score(&b, &resp(&[("q01", Some("new_trail"))]), None).unwrap_err();
        assert_eq!(
            e.message,
            "invalid quiz responses: question \"q01\" is not active"
        );
        assert_eq!(e.hint.as_deref(), None);
    }

    #[test]
    fn non_string_answer_alone() {
        let v = json!({"q01": 3, "q02": "tool_kit"});
        let r = responses_from_json(&v).unwrap();
        assert_eq!(r, resp(&[("q01", None), ("q02", Some("tool_kit"))]));
        let e = score(&bank(), &r, None).unwrap_err();
        assert_eq!(
            e.message,
            "invalid quiz responses: the answer to question \"q01\" is not a string"
        );
    }

    #[test]
    fn empty_quiz() {
        let e = score(&bank(), &[], Some(10)).unwrap_err();
        assert_eq!(e.message, "invalid quiz responses: no questions answered");
        assert_eq!(
            e.hint.as_deref(),
            Some("answers are option values given as JSON strings, e.g. {\"q01\": \"new_trail\"}")
        );
        let e = score(&[], &[], None).unwrap_err();
        assert_eq!(
            e.hint.as_deref(),
            Some("answers are option values given as JSON strings")
        );
    }

    #[test]
    fn duplicate_answers() {
        let r = resp(&[
            ("q02", Some("tool_kit")),
            ("q02", Some("tool_kit")),
            ("q02", None),
        ]);
        let e = score(&bank(), &r, None).unwrap_err();
        assert_eq!(
            e.message,
            "invalid quiz responses: question \"q02\" is answered more than once"
        );
    }

    #[test]
    fn responses_must_be_an_object() {
        let e = responses_from_json(&json!(["q01"])).unwrap_err();
        assert_eq!(e.code.code(), "22023");
        assert_eq!(
            e.message,
            "invalid quiz responses: responses must be a JSON object, not array"
        );
        assert_eq!(responses_from_json(&json!({})).unwrap(), vec![]);
    }

    #[test]
    fn long_error_lists_are_capped() {
        let r: Vec<Response> = (0..30)
            .map(|i| (format!("x{i:02}"), Some("a".into())))
            .collect();
        let long = "y".repeat(100);
        let mut r2 = r.clone();
        r2.push((long.clone(), Some("a".into())));
        let e = score(&bank(), &r2, None).unwrap_err();
        assert!(e.message.ends_with("; and 11 more"), "{}", e.message);
        let e = score(&bank(), &[(long, None)], None).unwrap_err();
        assert!(e.message.contains(&format!("\"{}...\"", "y".repeat(64))));
    }

    #[test]
    fn triggers() {
        for t in ASSESSMENT_TRIGGERS {
            assert_eq!(validate_trigger(t).unwrap(), t);
        }
        for bad in ["", "Initial", "quiz", "behaviour_change"] {
            let e = validate_trigger(bad).unwrap_err();
            assert_eq!(e.code.code(), "22023");
            assert!(e.message.starts_with("invalid assessment trigger: "));
            assert!(e.hint.as_deref().unwrap().contains("behavior_change"));
        }
        assert_eq!(
            validate_trigger("x").unwrap_err().message,
            "invalid assessment trigger: \"x\" is not a known trigger"
        );
    }

    #[test]
    fn parse_options_reports_every_problem() {
        let problem = |j: Value| {
            let e = parse_options("q7", &j).unwrap_err();
            assert_eq!(e.code.code(), "22023");
            assert_eq!(
                e.hint.as_deref(),
                Some("fix the row in personality_quiz_questions or set is_active = false")
            );
            let prefix = "quiz question \"q7\" has invalid options: ";
            assert!(e.message.starts_with(prefix), "{}", e.message);
            e.message[prefix.len()..].to_string()
        };
        assert_eq!(
            problem(json!({})),
            "options must be a JSON array, not object"
        );
        assert_eq!(problem(json!([])), "options must not be empty");
        let e = problem(json!([
            1,
            {"value": "a", "label": "A", "traits": {"social": 1.5, "funny": 0.2}},
            {"value": "a", "label": "A2", "traits": {}},
            {"label": "B", "traits": {"creative": "high"}},
            {"value": "c", "label": "C"}
        ]));
        assert_eq!(
            e,
            "option 1 must be a JSON object, not number; \
             option 2 has unknown trait \"funny\"; \
             option 2 has weight 1.5 for social: weights are numbers from 0 to 1; \
             option value \"a\" appears twice; \
             option 4 needs a non-empty string \"value\"; \
             option 4 has weight \"high\" for creative: weights are numbers from 0 to 1; \
             option 5 needs an object \"traits\""
        );
        let ok = parse_options(
            "q7",
            &json!([
                {"value": "a", "label": "A", "traits": {"social": 1, "creative": 0.25}}
            ]),
        )
        .unwrap();
        assert_eq!(ok[0].traits, [0.0, 0.0, 0.0, 0.25, 1.0]);
        assert_eq!(ok[0].value, "a");
        assert_eq!(ok[0].label, "A");
    }

    // ---- helpers ----

    #[test]
    fn feature_vector_is_unit_length() {
        let f = feature_vector(&[100.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(f, [1.0, 0.0, 0.0, 0.0, 0.0]);
        let f = feature_vector(&[30.0, 40.0, 0.0, 0.0, 0.0]);
        assert!((f[0] - 0.6).abs() < 1e-12 && (f[1] - 0.8).abs() < 1e-12);
        assert_eq!(feature_vector(&[0.0; 5]), [0.0; 5]);
        assert_eq!(feature_vector(&[f64::NAN; 5]), [0.0; 5]);
        let f = feature_vector(&[50.0; 5]);
        assert!((f.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn segments() {
        assert_eq!(
            clustering_segment(&[80.0, 10.0, 5.0, 70.0, 20.0]),
            "adventurous-creative"
        );
        assert_eq!(
            clustering_segment(&[10.0, 10.0, 90.0, 10.0, 10.0]),
            "practical"
        );
        assert_eq!(
            clustering_segment(&[50.0, 55.0, 59.9, 52.0, 50.0]),
            "balanced"
        );
        assert_eq!(
            clustering_segment(&[50.0, 60.0, 50.0, 50.0, 50.0]),
            "intellectual-adventurous"
        );
        assert_eq!(clustering_segment(&[0.0; 5]), "balanced");
        assert_eq!(
            clustering_segment(&[f64::NAN, 0.0, 0.0, 0.0, 40.0]),
            "social"
        );
        // Ties: fixed trait order.
        assert_eq!(
            clustering_segment(&[90.0, 10.0, 10.0, 90.0, 90.0]),
            "adventurous-creative"
        );
    }

    #[test]
    fn consistency_rule() {
        let a = [80.0, 10.0, 5.0, 70.0, 20.0];
        assert_eq!(consistency(&a, &a), 1.0);
        assert_eq!(consistency(&[0.0; 5], &[100.0; 5]), 0.0);
        assert_eq!(
            consistency(&[50.0; 5], &[60.0, 40.0, 50.0, 50.0, 50.0]),
            0.96
        );
        assert_eq!(consistency(&[f64::NAN; 5], &[0.0; 5]), 1.0);
    }

    #[test]
    fn blend_rule() {
        let q = [100.0, 0.0, 50.0, 20.0, 0.0];
        let b = [0.0, 100.0, 50.0, 60.0, 0.0];
        assert_eq!(blend(&q, &b, 0), q);
        assert_eq!(blend(&q, &b, 20), [50.0, 50.0, 50.0, 40.0, 0.0]);
        // 60 swipes: w = 0.75
        assert_eq!(blend(&q, &b, 60), [25.0, 75.0, 50.0, 50.0, 0.0]);
        assert_eq!(blend(&q, &b, u32::MAX), b);
        assert_eq!(blend(&[200.0; 5], &[-5.0; 5], 0), [100.0; 5]);
    }

    #[test]
    fn confidence_rule() {
        assert_eq!(confidence(0, &[100.0, 0.0, 0.0, 0.0, 0.0]), 0.0);
        assert_eq!(confidence(20, &[100.0, 0.0, 0.0, 0.0, 0.0]), 0.8);
        assert_eq!(confidence(20, &[50.0, 50.0, 0.0, 0.0, 0.0]), 0.24);
        // margin 20 → 0.3 + 0.35 = 0.65; × 20/25
        assert_eq!(confidence(20, &[70.0, 50.0, 0.0, 0.0, 0.0]), 0.52);
        assert!(confidence(1000, &[100.0, 0.0, 0.0, 0.0, 0.0]) <= 1.0);
    }
}
