//! The rows the recommend wing passes between its phases: a person's swipe as read,
//! a candidate product, what decides what may be shown, and a result row.
use personality_core::collab::stats::ItemStats;
use personality_core::learning::Direction;
use personality_core::recommend::{Person, Product, Weights};
use pgrx::Uuid;

/// One swipe of the person as read in the request.
pub struct SwipeRow {
    pub product: Uuid,
    pub direction: Direction,
    /// created_at in seconds, 0 when the table has none
    pub ts: f64,
    /// order read (ties in ts: later rows count as newer)
    pub seq: usize,
}

/// One row of the result, as personality_recommendations stores it.
pub struct ListRow {
    pub id: Uuid,
    pub personality_match: f64,
    pub category_alignment: f64,
    pub behavioral_prediction: f64,
    pub combined: f64,
    pub reasons: Vec<String>,
    pub factors: serde_json::Map<String, serde_json::Value>,
}

/// What the request knows about a candidate product (only products it may show).
pub(crate) struct Candidate {
    pub(crate) product: Product,
    pub(crate) strength: f64,
    pub(crate) stats: ItemStats,
    pub(crate) side_likes: [f64; 5],
    pub(crate) fit: f64,
}

/// What decides whether and how a candidate may be shown to this person.
pub(crate) struct Shown<'a> {
    pub(crate) person: &'a Person,
    pub(crate) w: &'a Weights,
    pub(crate) max_price: Option<f64>,
    pub(crate) avoided: &'a [Option<String>],
    pub(crate) min_people: u32,
    pub(crate) stats_at: f64,
}
