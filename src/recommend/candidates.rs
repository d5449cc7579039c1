//! The hybrid engine's candidates: what the request may show of the products the
//! collaborative side, the popular list and the personality fits put forward, with
//! their vectors and people-counted stats (src/recommend/hybrid.rs).
use super::rows::{Candidate, Shown};
use crate::copies;
use personality_core::collab::score::IdMap;
use personality_core::collab::stats::{ItemStats, HALF_LIFE};
use personality_core::collab::Item;
use personality_core::recommend::{self, Product};
use pgrx::spi::SpiClient;
use pgrx::Uuid;

/// What the request may show of the `wanted` products (active, under the price cap,
/// category not avoided), with their vectors and stats (copied per connection:
/// crate::copies).
pub(super) fn candidate_rows(
    client: &SpiClient<'_>,
    ids: &mut copies::Registry,
    wanted: &[Item],
    shown: &Shown<'_>,
) -> IdMap<Candidate> {
    let wanted_ids: Vec<Uuid> = wanted.iter().map(|i| ids.id(*i)).collect();
    let rows = copies::product_rows(client, &wanted_ids);
    let mut ranker = recommend::Ranker::new(shown.person, shown.w);
    let mut cands: IdMap<Candidate> = IdMap::default();
    for id in &wanted_ids {
        let Some(r) = rows.get(id.as_bytes()) else {
            continue;
        };
        // as `price <= cap` in SQL: a product without a price is out under a cap
        if !r.active
            || shown
                .max_price
                .is_some_and(|cap| r.price.is_none_or(|p| p > cap))
        {
            continue;
        }
        let category = Some(r.category.clone()).filter(|c| !c.is_empty());
        if category.is_some() && shown.avoided.contains(&category) {
            continue;
        }
        let product = Product {
            category,
            price: r.price,
            shares: r.shares,
        };
        let st = people_stats(r.stats.unwrap_or_default(), shown);
        let fit = ranker.combined(&product);
        cands.insert(
            ids.intern(*id),
            Candidate {
                product,
                strength: r.strength,
                stats: st,
                side_likes: r.side_likes,
                fit,
            },
        );
    }
    cands
}

/// A product's stats as the blend may use them: counts of people (issue 20 point 3),
/// fewer than personality.min_people saying nothing about others, decayed to the
/// model's reference time like the catalog maximum.
pub(super) fn people_stats(raw: copies::Stats, shown: &Shown<'_>) -> ItemStats {
    let few = |n: f64| {
        if n >= shown.min_people as f64 {
            n
        } else {
            0.0
        }
    };
    let likes = few(raw.likes);
    let st = ItemStats {
        likes,
        dislikes: few(raw.dislikes),
        neutral: few(raw.neutral),
        decayed_likes: if likes > 0.0 { raw.decayed_likes } else { 0.0 },
        at: raw.at.unwrap_or(shown.stats_at) as i64,
    };
    st.decay_to(shown.stats_at as i64, HALF_LIFE)
}

/// The content candidates: `(2k).clamp(40, 400)` fits; with a per-category cap, at most
/// twice the cap from one category and at least enough categories to fill the list
/// under the cap, plus one.
pub(super) fn content_candidates(
    content: impl FnOnce(usize, usize, usize) -> Vec<Uuid>,
    k: usize,
    cap: usize,
) -> Vec<Uuid> {
    let want = (2 * k).clamp(40, 400);
    if cap == 0 {
        return content(want, want, 1);
    }
    content(want, 2 * cap, k.div_ceil(cap) + 1)
}
