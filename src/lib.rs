//! personality_ext: personality-driven gift recommendations inside PostgreSQL.
//!
//! This file is the table of contents. The maths lives in the pgrx-free crate
//! `personality_core` (core/); the modules here are the thin SQL layer.
//! Hand-written DDL is in sql/, wired in dependency order below.

::pgrx::pg_module_magic!(name, version);

// The seed's four tables and indexes, created before anything else.
::pgrx::extension_sql_file!("../sql/schema.sql", name = "schema", bootstrap);
// Foreign keys to the host's profiles/products, added when those exist.
::pgrx::extension_sql_file!(
    "../sql/host_link.sql",
    name = "host_link",
    requires = ["schema", guc::_personality_setting]
);
// Row-level security and grants for Supabase's roles.
::pgrx::extension_sql_file!(
    "../sql/security.sql",
    name = "security",
    requires = ["schema", guc::_personality_trusted_owner]
);
// Default rows (mappings, questions) surviving dump/restore: one mechanism for both.
::pgrx::extension_sql_file!(
    "../sql/seed_defaults.sql",
    name = "seed_defaults",
    requires = ["schema"]
);
// Default gift mappings.
::pgrx::extension_sql_file!(
    "../sql/gift_mappings.sql",
    name = "gift_mappings",
    requires = ["schema", "seed_defaults"]
);
// calculate_personality_product_match, a raw C function reading jsonb in place.
::pgrx::extension_sql_file!(
    "../sql/scoring.sql",
    name = "scoring",
    requires = ["schema", scoring::personality_product_traits]
);
// The quiz's question bank.
::pgrx::extension_sql_file!(
    "../sql/quiz.sql",
    name = "quiz",
    requires = ["gift_mappings"]
);
// What swipes taught, per user; personality_sync_profile().
::pgrx::extension_sql_file!(
    "../sql/learning.sql",
    name = "learning",
    requires = [
        "security",
        learning::step::_personality_learn_step,
        learning::step::_personality_state_slot,
        learning::sync::_personality_sync_profiles
    ]
);
// personality_assess(): scoring, profile upsert and history in one call.
::pgrx::extension_sql_file!(
    "../sql/assess.sql",
    name = "assess",
    requires = [
        "learning",
        "quiz",
        quiz::personality_score_quiz,
        quiz::_personality_assessment
    ]
);
// The products adapter view (the catalog as the extension reads it).
::pgrx::extension_sql_file!(
    "../sql/product_features.sql",
    name = "product_features",
    requires = ["assess"]
);
// Attaching the swipe triggers to swipe tables.
::pgrx::extension_sql_file!(
    "../sql/learning_triggers.sql",
    name = "learning_triggers",
    requires = [
        "product_features",
        learning::row_trigger::update_personality_from_behavior,
        learning::row_trigger::_personality_swipes_batch,
        learning::statement_trigger::update_personality_from_behavior_bulk
    ]
);
// Precomputed product vectors and their maintenance.
::pgrx::extension_sql_file!(
    "../sql/recommend.sql",
    name = "recommend",
    requires = ["learning_triggers", "scoring"]
);
// personality_recommend(): checks, then the native top-k.
::pgrx::extension_sql_file!(
    "../sql/recommend_api.sql",
    name = "recommend_api",
    requires = ["recommend", recommend::_personality_recommend]
);
// The collaborative model (issue 14): item stats, neighbours, personality_refresh_model(),
// personality_similar_products(), personality_kpis.
::pgrx::extension_sql_file!(
    "../sql/model.sql",
    name = "model",
    requires = [
        "recommend_api",
        copies::_personality_invalidate_copies,
        guc::_personality_min_people,
        model::_personality_model_constant,
        model::_personality_decay,
        model::_personality_refresh_model
    ]
);
// The learnt ranker (issue 23): its weights, the operator's pins, the view.
::pgrx::extension_sql_file!(
    "../sql/ranker.sql",
    name = "ranker",
    requires = ["model", ranker::_personality_ranker_defaults]
);
// Monitoring views and personality_health().
::pgrx::extension_sql_file!(
    "../sql/monitoring.sql",
    name = "monitoring",
    requires = ["recommend_api"]
);
// Link to the host tables now, or warn what is missing.
::pgrx::extension_sql_file!("../sql/finalize.sql", name = "finalize", finalize);

mod cache;
mod copies;
mod errors;
mod guc;
mod jsonb;
mod learning;
mod model;
mod quiz;
mod ranker;
mod recommend;
mod scoring;
mod spi;
mod subxact;
mod text;
mod visibility;
mod worker;

/// Called once when Postgres loads the library.
#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    guc::init();
    cache::init();
    copies::init();
    learning::batch::init();
    worker::init();
}

#[cfg(any(test, feature = "pg_test"))]
mod tests;

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
