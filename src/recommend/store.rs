//! Storing a ranked list: one upsert into personality_recommendations.
use super::load::Loaded;
use crate::cache::{query, Query};
use crate::errors::raise;
use crate::spi::or_raise;
use crate::text::{Text, TextArray};
use pgrx::spi::SpiClient;
use pgrx::Uuid;
use serde_json::Value;

const UPSERT: Query = query!(
    "recommend/upsert",
    [
        UUIDOID,
        UUIDOID,
        FLOAT8OID,
        TEXTOID,
        UUIDARRAYOID,
        FLOAT8ARRAYOID,
        FLOAT8ARRAYOID,
        FLOAT8ARRAYOID,
        FLOAT8ARRAYOID,
        TEXTARRAYOID,
        TEXTARRAYOID,
        TEXTOID
    ]
);

/// Upserts the ranked rows into personality_recommendations.
pub(super) fn store(
    client: &mut SpiClient<'_>,
    user: Uuid,
    l: &Loaded,
    context: &str,
    engine: &str,
    rows: &[super::rows::ListRow],
) {
    let ids: Vec<Uuid> = rows.iter().map(|f| f.id).collect();
    let col =
        |g: &dyn Fn(&super::rows::ListRow) -> f64| -> Vec<f64> { rows.iter().map(g).collect() };
    let reasons: Vec<String> = rows
        .iter()
        .map(|f| serde_json::to_string(&f.reasons).unwrap_or_else(|_| "[]".into()))
        .collect();
    let factors: Vec<String> = rows
        .iter()
        .map(|f| Value::Object(f.factors.clone()).to_string())
        .collect();
    let upsert = crate::cache::prepared(client, &UPSERT)
        .unwrap_or_else(|e| raise(crate::spi::plan_error(e)));
    or_raise(client.update(
        &*upsert,
        None,
        &[
            user.into(),
            l.profile_id.into(),
            l.person.confidence.clamp(0.0, 1.0).into(),
            Text(context.to_string()).into(),
            ids.into(),
            col(&|f| f.personality_match).into(),
            col(&|f| f.category_alignment).into(),
            col(&|f| f.behavioral_prediction).into(),
            col(&|f| f.combined).into(),
            TextArray(reasons.into_iter().map(Some).collect()).into(),
            TextArray(factors.into_iter().map(Some).collect()).into(),
            engine.into(),
        ],
    ));
}
