//! The rows of a hybrid list: scores, factors and the reasons a person can read
//! ("because you liked X", "popular with people who share your … side", the content
//! reasons), never naming a product hidden from the caller.
use super::rows::{Candidate, ListRow, Shown};
use crate::cache::{query, Query};
use crate::copies;
use crate::spi::{filled, or_raise, plan};
use crate::text::RowText;
use personality_core::collab::post;
use personality_core::collab::score::{self};
use personality_core::collab::Item;
use personality_core::ranker;
use personality_core::recommend::{self, Person};
use personality_core::traits::ALL;
use pgrx::spi::SpiClient;
use pgrx::Uuid;
use std::collections::{HashMap, HashSet};

const HOST_PRODUCTS: Query = query!("model/host_products", []);
const PRODUCT_NAMES: Query = query!("model/product_names", [UUIDARRAYOID]);

/// The person's top trait, when it is on the high side (personality_core's SIDE_SCORE).
pub(super) fn top_trait(person: &Person) -> Option<personality_core::traits::Trait> {
    ALL.iter()
        .copied()
        .max_by(|a, b| {
            person.scores[a.index()]
                .partial_cmp(&person.scores[b.index()])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.index().cmp(&a.index()))
        })
        .filter(|t| person.scores[t.index()] >= personality_core::collab::stats::SIDE_SCORE)
}

/// What the reasons of a list need besides each row.
pub(super) struct ReasonContext {
    pub(super) names: HashMap<[u8; 16], String>,
    pub(super) hidden: HashSet<[u8; 16]>,
    pub(super) top_trait: Option<personality_core::traits::Trait>,
    pub(super) min_people: u32,
    pub(super) quality_weight: f64,
    /// the weights in use (personality_ranker)
    pub(super) model: ranker::Model,
}

/// One row of the result: scores, reasons a person can read, factors.
#[allow(clippy::too_many_arguments)]
pub(super) fn out_row(
    ids: &copies::Registry,
    item: Item,
    s: &score::Scored,
    f: &[f64; ranker::N],
    c: &Candidate,
    shown: &Shown<'_>,
    rc: &ReasonContext,
) -> ListRow {
    let parts = recommend::score(shown.person, &c.product, shown.w, shown.max_price);
    // the reasons are the features that carried the score, largest part first
    let why = ranker::reasons(&rc.model, f, 0.15);
    let has = |r: ranker::Reason| why.contains(&r);
    let because = s
        .because
        .filter(|_| s.collab > 0.0 && has(ranker::Reason::Collaborative))
        .map(|b| {
            let id = ids.id(b);
            (*id.as_bytes(), id)
        });
    let mut reasons = Vec::new();
    if let Some((key, id)) = because {
        // a product the caller may not see (host row-level security) is never named
        if let Some(name) = rc.names.get(&key) {
            reasons.push(format!("because you liked {name}"));
        } else if !rc.hidden.contains(&key) {
            reasons.push(format!("because you liked product {id}"));
        }
    }
    if let Some(t) = rc.top_trait {
        if has(ranker::Reason::Side)
            && post::side_popular(c.side_likes[t.index()], c.stats.likes, rc.min_people)
        {
            reasons.push(format!(
                "popular with people who share your {} side",
                t.name()
            ));
        }
    }
    if has(ranker::Reason::Category) {
        reasons.push("a favourite category of yours".to_string());
    }
    if has(ranker::Reason::Popular) && c.stats.likes >= rc.min_people as f64 {
        reasons.push("popular right now".to_string());
    }
    // the personality reasons ("fits your … side") when the fit carried the score, or
    // when nothing else explains it
    if has(ranker::Reason::Fit) || reasons.is_empty() {
        reasons.extend(parts.reasons.iter().cloned());
    }
    let mut factors = serde_json::Map::new();
    for t in ALL {
        factors.insert(t.name().to_string(), round4(parts.factors[t.index()]));
    }
    let mut blend = serde_json::Map::new();
    blend.insert("collaborative".into(), round4(s.collab));
    blend.insert("item_quality".into(), round4(s.quality));
    blend.insert("personality_fit".into(), round4(s.fit));
    blend.insert("collaborative_trust".into(), round4(s.trust));
    factors.insert("blend".into(), serde_json::Value::Object(blend));
    let mut parts_of = serde_json::Map::new();
    for (k, v) in rc.model.contributions(f).iter().enumerate() {
        if *v != 0.0 {
            parts_of.insert(ranker::FEATURES[k].into(), round4(*v));
        }
    }
    factors.insert("ranker".into(), serde_json::Value::Object(parts_of));
    ListRow {
        id: ids.id(item),
        personality_match: parts.personality_match,
        category_alignment: parts.category_alignment,
        behavioral_prediction: post::prediction(s.collab, s.quality, rc.quality_weight),
        combined: s.score.clamp(0.0, 1.0),
        reasons,
        factors,
    }
}

/// Names of products from the host's products table (name column), when it has one,
/// and the products of `ids` the caller may not SELECT there (host row-level security:
/// they are never named).
pub(super) fn product_names(
    client: &SpiClient<'_>,
    ids: &[Uuid],
    restricted: Option<&crate::visibility::Restricted>,
) -> (HashMap<[u8; 16], String>, HashSet<[u8; 16]>) {
    let mut out = HashMap::new();
    let mut hidden = HashSet::new();
    if ids.is_empty() {
        return (out, hidden);
    }
    if let Some(r) = restricted {
        let seen = r.visible(client, ids);
        hidden = ids
            .iter()
            .map(|id| *id.as_bytes())
            .filter(|id| !seen.contains(id))
            .collect();
    }
    // the table's name built from the catalog (regclass output depends on the search_path)
    let host = plan(client, &HOST_PRODUCTS);
    let table: Option<String> = or_raise(client.select(&*host, Some(1), &[]))
        .next()
        .and_then(|r| or_raise(r.text(1)));
    let Some(table) = table else {
        return (out, hidden);
    };
    let stmt = filled(client, &PRODUCT_NAMES, &[("table", &table)]);
    for r in or_raise(client.select(&*stmt, None, &[ids.to_vec().into()])) {
        if let (Some(id), Some(name)) = (or_raise(r.get::<Uuid>(1)), or_raise(r.text(2))) {
            if !hidden.contains(id.as_bytes()) {
                out.insert(*id.as_bytes(), name);
            }
        }
    }
    (out, hidden)
}

pub(super) fn round4(x: f64) -> serde_json::Value {
    serde_json::json!((x * 10000.0).round() / 10000.0)
}
