//! SQL layer of the quiz (maths in personality_core::quiz): scoring a user's answers
//! against the question bank, and the computed fields of an assessment that
//! personality_assess() (sql/assess.sql) writes.
use crate::cache::{self, query, Query};
use crate::errors::{raise, Error};
#[allow(unused_imports)]
use crate::text::{RowText, Text};
use personality_core::quiz::{self, Question};
use personality_core::round::round_to;
use personality_core::traits::{Trait, Vector, ALL};
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

/// The question bank as the caller can see it (RLS: readable by everyone).
fn load_bank() -> Vec<Question> {
    const QUESTION_BANK: Query = query!("quiz/question_bank", []);
    let Ok(sql) = cache::text(&QUESTION_BANK) else {
        raise(Error::not_installed())
    };
    let rows = Spi::connect(|client| {
        let table = client.select(&sql, None, &[])?;
        let mut out = Vec::new();
        for row in table {
            let id: Option<String> = row.text(1)?;
            let options: Option<String> = row.text(2)?;
            let active: Option<bool> = row.get(3)?;
            out.push((id.unwrap_or_default(), options, active));
        }
        Ok::<_, pgrx::spi::Error>(out)
    });
    let rows = match rows {
        Ok(r) => r,
        Err(e) => raise(crate::spi::error("cannot read the quiz questions", e)),
    };
    let mut bank = Vec::with_capacity(rows.len());
    for (id, options, active) in rows {
        let options = match parse_json(options.as_deref())
            .map_err(|e| quiz::invalid_options(&id, e))
            .and_then(|v| quiz::parse_options(&id, &v))
        {
            Ok(o) => o,
            Err(e) => raise(e),
        };
        bank.push(Question {
            id,
            options,
            active: active.unwrap_or(true),
        });
    }
    bank
}

/// A jsonb value received as its text (pgrx's JsonB argument would panic, XX000, on
/// documents nested deeper than serde_json's limit). Deep nesting is an error here.
fn parse_json(text: Option<&str>) -> Result<Value, serde_json::Error> {
    match text {
        None => Ok(Value::Null),
        Some(t) => serde_json::from_str(t),
    }
}

fn score(responses: Option<&str>, completion: Option<i32>) -> quiz::QuizResult {
    let responses = match responses.map(|t| parse_json(Some(t))) {
        None => raise(
            Error::invalid_parameter("quiz responses must be a JSON object, got NULL")
                .with_hint("send {\"question_id\": \"option value\", ...}"),
        ),
        Some(Ok(v)) => v,
        Some(Err(e)) => raise(
            Error::invalid_parameter(format!("invalid quiz responses: {e}"))
                .with_hint("send a flat JSON object {\"question_id\": \"option value\", ...}"),
        ),
    };
    let answers = quiz::responses_from_json(&responses).unwrap_or_else(|e| raise(e));
    let bank = load_bank();
    quiz::score(&bank, &answers, completion).unwrap_or_else(|e| raise(e))
}

/// Scores quiz answers `{question_id: option value}` against the active questions.
///
/// ```sql
/// SELECT personality_score_quiz('{"q01": "new_trail", "q02": "..."}');
/// ```
///
/// (The SQL function personality_score_quiz(jsonb, int), sql/assess.sql, passes the
/// answers as text: see [`parse_json`].)
// Named personality_score_quiz in Rust so that its C symbol is 0.2.0's: the 0.2.0
// SQL objects still resolve against this library until ALTER EXTENSION UPDATE.
#[pg_extern(stable, parallel_safe, name = "_personality_score_quiz")]
#[search_path(pg_catalog, pg_temp)]
fn personality_score_quiz(
    p_responses: Option<Text>,
    p_completion_time_seconds: Option<i32>,
) -> JsonB {
    JsonB(
        score(
            p_responses.as_ref().map(Text::as_str),
            p_completion_time_seconds,
        )
        .to_json(),
    )
}

fn vector_from(scores: Option<&Value>) -> Option<Vector> {
    let obj = scores?.as_object()?;
    let mut v = [0.0; 5];
    let mut any = false;
    for t in ALL {
        if let Some(x) = obj.get(t.name()).and_then(value_f64) {
            v[t.index()] = x;
            any = true;
        }
    }
    any.then_some(v)
}

fn value_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn names(ts: &[Trait]) -> Vec<&'static str> {
    ts.iter().map(|t| t.name()).collect()
}

/// Internal: everything personality_assess() writes, computed from the answers and
/// the user's previous profile row (to_jsonb of it, or NULL).
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn _personality_assessment(
    p_responses: Option<Text>,
    p_completion_time_seconds: Option<i32>,
    p_trigger: Option<Text>,
    p_previous: Option<Text>,
) -> JsonB {
    let p_responses = p_responses.as_ref().map(Text::as_str);
    let p_trigger = p_trigger.as_ref().map(Text::as_str);
    let p_previous = p_previous.as_ref().map(Text::as_str);
    let Some(p_trigger) = p_trigger else {
        raise(
            Error::invalid_parameter("assessment trigger must not be NULL")
                .with_hint("use one of: initial, periodic, behavior_change, retake, manual"),
        )
    };
    let trigger = quiz::validate_trigger(p_trigger).unwrap_or_else(|e| raise(e));
    if matches!(p_completion_time_seconds, Some(t) if t < 0) {
        raise(Error::invalid_parameter(format!(
            "invalid quiz responses: completion time must not be negative (got {})",
            p_completion_time_seconds.unwrap_or(0)
        )));
    }
    let result = score(p_responses, p_completion_time_seconds);
    // the previous profile row: a stored value nested too deeply reads as no profile
    let previous = parse_json(p_previous).ok().filter(|v| !v.is_null());
    let prev_scores_json = previous.as_ref().and_then(|p| p.get("personality_scores"));
    let prev_scores = vector_from(prev_scores_json);
    let prev_obj = prev_scores_json.and_then(Value::as_object);
    let evidence = prev_obj
        .and_then(|o| o.get("behavior_evidence"))
        .and_then(value_f64)
        .unwrap_or(0.0)
        .max(0.0);
    let informative = prev_obj
        .and_then(|o| o.get("behavior_informative"))
        .and_then(value_f64)
        .unwrap_or(0.0)
        .clamp(0.0, u32::MAX as f64) as u32;
    let has_behavior = evidence > 0.0;

    // A retaken quiz keeps what swipes taught: blend toward the current scores with
    // the weight of the informative swipes (quiz::blend).
    let scores = match prev_scores {
        Some(prev) if has_behavior => quiz::blend(&result.scores, &prev, informative),
        _ => result.scores,
    };
    let (primary, secondary) = personality_core::traits::primary_and_secondary(&scores);
    let mut scores_json = quiz::scores_json(&scores);
    if let (Some(obj), Some(prev)) = (scores_json.as_object_mut(), prev_obj) {
        for key in [
            "behavioral_consistency",
            "behavior_evidence",
            "behavior_informative",
        ] {
            if let Some(v) = prev.get(key) {
                obj.insert(key.to_string(), v.clone());
            }
        }
    }
    let prev_confidence = previous
        .as_ref()
        .and_then(|p| p.get("confidence_level"))
        .and_then(value_f64);
    let confidence = match prev_confidence {
        Some(c) if has_behavior => {
            let w = f64::from(informative) / (f64::from(informative) + quiz::BLEND_HALF_EVIDENCE);
            ((1.0 - w) * result.confidence + w * c).clamp(0.0, 1.0)
        }
        _ => result.confidence,
    };
    let fv = quiz::feature_vector(&scores);
    let mut fv_json = serde_json::Map::new();
    for t in ALL {
        fv_json.insert(t.name().into(), json!(round_to(fv[t.index()], 4)));
    }
    JsonB(json!({
        "quiz": result.to_json(),
        "personality_scores": scores_json,
        "primary_type": primary.name(),
        "secondary_types": names(&secondary),
        "confidence_level": round_to(confidence, 2),
        "assessment_method": if has_behavior { "hybrid" } else { "quiz" },
        "total_questions_answered": result.questions_answered,
        "feature_vector": Value::Object(fv_json),
        "clustering_segment": quiz::clustering_segment(&scores),
        "assessment_quality_score": result.quality,
        "behavioral_consistency": prev_scores.map(|p| quiz::consistency(&p, &scores)),
        "user_swipes_count": evidence as i64,
        "assessment_trigger": trigger,
    }))
}
