//! SQL layer of the recommendation engine (maths in personality_core::recommend):
//! reads the person, their swipes and the per-trait sorted product vectors, finds the
//! top k with a threshold algorithm, and upserts them into personality_recommendations.
mod candidates;
mod content;
mod hybrid;
mod load;
pub(crate) mod phases;
mod reasons;
mod rows;
mod store;

use crate::text::Text;
use crate::visibility::Restricted;
use content::{content_top, diverse_content};
use hybrid::{hybrid_for, CONTENT, HYBRID};
use load::{load, Loaded};
use personality_core::recommend::Weights;
use personality_core::traits::ALL;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use pgrx::Uuid;
use rows::ListRow;

/// The top `k` by the person's engine (the hybrid one, or the 0.2.0 content ranker for
/// the A/B share personality.hybrid_share leaves out), and the engine's name.
/// `restricted`: what the host's row-level security hides from the caller (reasons never
/// name those products), looked up once per call.
fn rank(
    client: &SpiClient<'_>,
    user: Uuid,
    l: &Loaded,
    w: &Weights,
    k: usize,
    max_price: Option<f64>,
    restricted: Option<&Restricted>,
) -> (Vec<ListRow>, &'static str) {
    if hybrid_for(user) {
        let rows = hybrid::hybrid(
            client,
            user,
            &l.person,
            w,
            k,
            &l.swipes,
            &l.avoided,
            max_price,
            restricted,
            |want, per_category, categories| {
                diverse_content(
                    client,
                    &l.person,
                    w,
                    &l.swiped,
                    &l.avoided,
                    max_price,
                    want,
                    per_category,
                    categories,
                )
            },
        );
        return (rows, HYBRID);
    }
    let rows = content_top(client, &l.person, w, k, &l.swiped, &l.avoided, max_price)
        .into_iter()
        .map(|f| {
            let mut factors = serde_json::Map::new();
            for t in ALL {
                let v = (f.scored.factors[t.index()] * 10000.0).round() / 10000.0;
                factors.insert(t.name().to_string(), serde_json::json!(v));
            }
            ListRow {
                id: Uuid::from_bytes(f.id),
                personality_match: f.scored.personality_match,
                category_alignment: f.scored.category_alignment,
                behavioral_prediction: f.scored.behavioral_prediction,
                combined: f.scored.combined,
                reasons: f.scored.reasons,
                factors,
            }
        })
        .collect();
    (rows, CONTENT)
}

/// [`rank`] when the host's row-level security hides products from the caller: ranks a
/// few more than `k` and keeps the top `k` the caller may SELECT; while too few were
/// visible, ranks again for as many as the share seen visible needs (at most 4,000).
fn rank_visible(
    client: &SpiClient<'_>,
    user: Uuid,
    l: &Loaded,
    w: &Weights,
    k: usize,
    max_price: Option<f64>,
    restricted: &Restricted,
) -> (Vec<ListRow>, &'static str) {
    const MOST: usize = 4000;
    let mut want = k + 10;
    loop {
        let (rows, engine) = rank(client, user, l, w, want, max_price, Some(restricted));
        let exhausted = rows.len() < want || want >= MOST;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let seen = restricted.visible(client, &ids);
        let share = (seen.len() as f64 / rows.len().max(1) as f64).max(0.01);
        let kept: Vec<ListRow> = rows
            .into_iter()
            .filter(|r| seen.contains(r.id.as_bytes()))
            .take(k)
            .collect();
        if kept.len() >= k || exhausted {
            return (kept, engine);
        }
        let need = (1.5 * k as f64 / share).ceil() as usize + 10;
        want = need.max(2 * want).min(MOST);
    }
}

/// Internal: computes and upserts the top `p_limit` recommendations; returns their
/// product ids, best first. personality_recommend() (sql/recommend_api.sql) checks the
/// caller and the arguments, then calls this.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn _personality_recommend(
    p_user_id: Uuid,
    p_limit: i32,
    p_context: Text,
    p_occasion: Option<Text>,
    p_max_price: Option<f64>,
) -> Vec<Uuid> {
    let p_context = p_context.as_str();
    let p_occasion = p_occasion.as_ref().map(Text::as_str);
    let k = p_limit.clamp(1, 1000) as usize;
    let w = Weights::new(
        crate::guc::WEIGHT_MATCH.get(),
        crate::guc::WEIGHT_CATEGORY.get(),
        crate::guc::WEIGHT_BEHAVIOR.get(),
    );
    phases::start();
    Spi::connect_mut(|client| {
        crate::copies::begin(client);
        let loaded = load(client, p_user_id, p_occasion);
        let (rows, engine) = match crate::visibility::restricted(client) {
            None => rank(client, p_user_id, &loaded, &w, k, p_max_price, None),
            Some(r) => rank_visible(client, p_user_id, &loaded, &w, k, p_max_price, &r),
        };
        phases::done("rank");
        store::store(client, p_user_id, &loaded, p_context, engine, &rows);
        phases::done("store");
        let (bytes, starts) = crate::copies::held();
        pgrx::debug1!(
            "personality_recommend ({engine}) ms: {}; copies {} kB, started {starts} times",
            phases::report(),
            bytes >> 10
        );
        rows.iter().map(|f| f.id).collect()
    })
}
