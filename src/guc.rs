//! Settings, namespaced like pgvector's `hnsw.ef_search`.
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};

/// `personality.learning_rate`: how far one swipe moves the trait scores (0..1).
pub static LEARNING_RATE: GucSetting<f64> =
    GucSetting::<f64>::new(personality_core::learning::DEFAULT_RATE);

pub fn init() {
    GucRegistry::define_float_guc(
        c"personality.learning_rate",
        c"How far one swipe moves a user's trait scores (0 = not at all, 1 = all the way).",
        c"A like moves each trait score toward 100 by rate x strength x affinity x (100 - score); a dislike toward 0. Default 0.05.",
        &LEARNING_RATE,
        0.0,
        1.0,
        GucContext::Userset,
        GucFlags::default(),
    );
}
