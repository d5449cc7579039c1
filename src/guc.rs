//! Settings, namespaced like pgvector's `hnsw.ef_search`.
use pgrx::prelude::*;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};
use std::ffi::CString;

/// `personality.learning_rate`: how far one swipe moves the trait scores (0..1).
pub static LEARNING_RATE: GucSetting<f64> =
    GucSetting::<f64>::new(personality_core::learning::DEFAULT_RATE);

/// `personality.profile_sync_points`: a trait move since the profile row was last
/// written that makes the swipe trigger write it again (0 = on every swipe).
pub static PROFILE_SYNC_POINTS: GucSetting<f64> =
    GucSetting::<f64>::new(personality_core::learning_state::DEFAULT_SYNC_POINTS);

/// `personality.profile_sync_swipes`: at most this many swipes between two writes of
/// the profile row.
pub static PROFILE_SYNC_SWIPES: GucSetting<i32> =
    GucSetting::<i32>::new(personality_core::learning_state::DEFAULT_SYNC_SWIPES as i32);

/// Weights of the combined recommendation score (normalised to sum 1).
pub static WEIGHT_MATCH: GucSetting<f64> = GucSetting::<f64>::new(0.6);
pub static WEIGHT_CATEGORY: GucSetting<f64> = GucSetting::<f64>::new(0.25);
pub static WEIGHT_BEHAVIOR: GucSetting<f64> = GucSetting::<f64>::new(0.15);

/// Up to this many (category, price band, shares) groups, personality_recommend ranks
/// groups; above it (or at 0) it uses the threshold algorithm over per-trait indexes.
pub static MAX_GROUPS: GucSetting<i32> = GucSetting::<i32>::new(50_000);

/// `personality.host_schema`: where the host's profiles/products/swipes/categories live.
/// Superuser-only: it redirects owner-privileged code (SECURITY.md).
pub static HOST_SCHEMA: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// `personality.trusted_roles`: roles (comma-separated) whose `auth.uid()` is trusted
/// besides superusers. Superuser-only.
pub static TRUSTED_ROLES: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// `personality.min_people`: an aggregate about other people (popularity, "popular with
/// people who share your ... side", "liked by N people who also liked this", similar
/// products' co-like pairs) is shown only when at least this many distinct people stand
/// behind it. Superuser-only: lowering it lets one person's swipes pose as a crowd.
pub static MIN_PEOPLE: GucSetting<i32> =
    GucSetting::<i32>::new(personality_core::collab::stats::MIN_PEOPLE as i32);

/// `personality.category_cap`: at most this share of the list from one category.
pub static CATEGORY_CAP: GucSetting<f64> = GucSetting::<f64>::new(0.4);
/// `personality.rotation`: how much rank a product shown recently and not swiped loses.
pub static ROTATION: GucSetting<f64> = GucSetting::<f64>::new(0.0);
/// `personality.rotation_days`: what "recently" means for the rotation.
pub static ROTATION_DAYS: GucSetting<i32> = GucSetting::<i32>::new(7);
/// `personality.hybrid_share`: share of people (by a hash of the user id) served by the
/// hybrid engine; the others get the 0.2.0 content ranker (A/B tests). Superuser only.
pub static HYBRID_SHARE: GucSetting<f64> = GucSetting::<f64>::new(1.0);

/// `personality.cache_mb`: memory per connection for the copies; 0 turns them off.
pub static CACHE_MB: GucSetting<i32> = GucSetting::<i32>::new(16);

/// `personality.refresh_memory_mb`: memory the refresh may take for the opinions and
/// swipes it holds (src/model/); past it the refresh fails with 53200 and the previous
/// model stays. Superuser-only.
pub static REFRESH_MEMORY_MB: GucSetting<i32> = GucSetting::<i32>::new(1024);

/// The value of `personality.min_people` (at least 1).
pub fn min_people() -> u32 {
    MIN_PEOPLE.get().max(1) as u32
}

/// Internal: `personality.min_people` for SQL (the refresh and similar products). Read
/// through the library, like `_personality_setting`, so a placeholder value set by an
/// unprivileged session before the library was loaded is never trusted.
#[pg_extern(stable, parallel_safe)]
fn _personality_min_people() -> i32 {
    min_people() as i32
}

/// `personality.refresh_database`: the database whose collaborative model the
/// background worker refreshes (src/worker.rs). Empty: no worker. Read at server start,
/// when the library is in shared_preload_libraries.
pub static REFRESH_DATABASE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// `personality.refresh_interval`: seconds between two refreshes of the background
/// worker (0 pauses it).
pub static REFRESH_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(30);

/// The database the background worker refreshes, if any.
pub fn refresh_database() -> Option<String> {
    text(&REFRESH_DATABASE)
}

/// `personality.host_schema`, if set.
pub fn host_schema() -> Option<String> {
    text(&HOST_SCHEMA)
}

fn text(s: &GucSetting<Option<CString>>) -> Option<String> {
    s.get()
        .map(|c| c.to_string_lossy().trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Internal: the value of one of the extension's superuser-only settings. Reading it
/// through the library (not current_setting) makes sure the setting is defined, so a
/// placeholder value an unprivileged session set before the library was loaded is
/// rejected by Postgres instead of being trusted.
#[pg_extern(stable, parallel_safe)]
fn _personality_setting(p_name: crate::text::Text) -> Option<String> {
    match p_name.as_str() {
        "personality.host_schema" => text(&HOST_SCHEMA),
        "personality.trusted_roles" => text(&TRUSTED_ROLES),
        _ => None,
    }
}

/// Internal: whether objects owned by `p_owner` may be run by the extension's
/// owner-privileged code: superusers, and the roles named in personality.trusted_roles.
#[pg_extern(stable, parallel_safe)]
fn _personality_trusted_owner(p_owner: pg_sys::Oid) -> bool {
    // SAFETY: plain catalog lookups of a role oid; unknown oids give false / NULL.
    unsafe {
        if pg_sys::superuser_arg(p_owner) {
            return true;
        }
        let name = pg_sys::GetUserNameFromId(p_owner, true);
        if name.is_null() {
            return false;
        }
        let name = std::ffi::CStr::from_ptr(name).to_string_lossy().to_string();
        text(&TRUSTED_ROLES)
            .map(|list| list.split(',').any(|r| r.trim() == name))
            .unwrap_or(false)
    }
}

pub fn init() {
    // A server-start setting can only be defined while shared_preload_libraries loads
    // (later it is FATAL); without preloading there is no worker to configure.
    // SAFETY: reads a backend global set by the postmaster.
    if unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        define_worker_settings();
    }
    define_recommend_settings();
    define_trust_settings();
    define_ranker_settings();
    define_learning_settings();
}

fn define_worker_settings() {
    GucRegistry::define_string_guc(
        c"personality.refresh_database",
        c"Database whose collaborative model a background worker refreshes (server start; needs shared_preload_libraries).",
        c"Empty: no worker (schedule SELECT personality_refresh_model() with pg_cron instead). The worker connects as the bootstrap superuser and calls personality_refresh_model() every personality.refresh_interval seconds when the extension is installed there.",
        &REFRESH_DATABASE,
        GucContext::Postmaster,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"personality.refresh_interval",
        c"Seconds between two model refreshes of the background worker (0 pauses it).",
        c"Read at every refresh (SIGHUP: pg_reload_conf()). Default 30: a like reaches the neighbour lists within a minute.",
        &REFRESH_INTERVAL,
        0,
        86_400,
        GucContext::Sighup,
        GucFlags::UNIT_S,
    );
}

/// Settings of personality_recommend: copies, the list's shape, the engines.
fn define_recommend_settings() {
    GucRegistry::define_int_guc(
        c"personality.cache_mb",
        c"Memory (MB) per connection for its copies of product vectors, item stats, neighbour lists and product groups read by personality_recommend.",
        c"Every change to those tables ends the copies of it, in every connection (a change of product vectors ends all of them). When full, the copies are dropped and built again. 0 = read the tables on every call. Default 16.",
        &CACHE_MB,
        0,
        4096,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_float_guc(
        c"personality.category_cap",
        c"At most this share of a recommendation list comes from one category (hybrid engine).",
        c"0.4 = at most 4 of 10 (rounded up, at least 1); the list is filled from capped-out products when the catalog has too few categories. 0 or 1 = no cap. Default 0.4.",
        &CATEGORY_CAP,
        0.0,
        1.0,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_float_guc(
        c"personality.rotation",
        c"Rank a product loses when it was shown recently (is_shown) and not swiped (hybrid engine).",
        c"Its score is multiplied by 1 - rotation when shown within personality.rotation_days and not swiped since. 0 = off (default).",
        &ROTATION,
        0.0,
        1.0,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"personality.rotation_days",
        c"Days a shown and not swiped product keeps losing rank (personality.rotation).",
        c"Default 7.",
        &ROTATION_DAYS,
        1,
        3650,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_float_guc(
        c"personality.hybrid_share",
        c"Share of people served by the hybrid engine; the rest get the 0.2.0 content ranker (A/B split by a hash of the user id; superuser only).",
        c"1 = everyone hybrid (default), 0 = everyone content-0.2. personality_recommendations.algorithm_version names the engine of each row; personality_kpis compares them.",
        &HYBRID_SHARE,
        0.0,
        1.0,
        GucContext::Suset,
        GucFlags::default(),
    );
}

/// Settings that point owner-privileged code at tables or trust (superuser only).
fn define_trust_settings() {
    GucRegistry::define_int_guc(
        c"personality.refresh_memory_mb",
        c"Memory (MB) the model refresh may take for the opinions and swipes it holds; past it the refresh fails (53200) and the previous model stays (superuser only).",
        c"About 96 bytes per opinion (a person's latest swipe of a product) or new swipe. Default 1024.",
        &REFRESH_MEMORY_MB,
        1,
        1_048_576,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"personality.host_schema",
        c"Schema of the host tables profiles, products, swipes and categories (superuser only).",
        c"Empty: the extension's schema, then public. Only superusers may set it: it points owner-privileged code at tables.",
        &HOST_SCHEMA,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"personality.trusted_roles",
        c"Roles whose auth.uid() function the extension trusts, besides superusers (superuser only).",
        c"Comma-separated role names. auth.uid() owned by anyone else is ignored and the JWT claims are read directly.",
        &TRUSTED_ROLES,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"personality.min_people",
        c"Distinct people an aggregate about others needs before it is shown or ranks products (superuser only).",
        c"Popularity (popular products, item quality), \"popular with people who share your ... side\", \"because you liked\" and \"liked by N people who also liked this\" reasons and similar products' co-like pairs count distinct people; below this many they are not used. Default 3.",
        &MIN_PEOPLE,
        1,
        1_000_000,
        GucContext::Suset,
        GucFlags::default(),
    );
}

/// Settings of the content ranker's scores and its search.
fn define_ranker_settings() {
    GucRegistry::define_int_guc(
        c"personality.max_groups",
        c"Up to this many distinct product groups, personality_recommend ranks groups instead of running the threshold algorithm.",
        c"0 always uses the threshold algorithm over the per-trait indexes. Default 50000.",
        &MAX_GROUPS,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::default(),
    );
    for (name, short, setting) in [
        (
            c"personality.weight_match",
            c"Weight of personality_match_score in personality_recommend's combined score.",
            &WEIGHT_MATCH,
        ),
        (
            c"personality.weight_category",
            c"Weight of category_alignment_score in personality_recommend's combined score.",
            &WEIGHT_CATEGORY,
        ),
        (
            c"personality.weight_behavior",
            c"Weight of behavioral_prediction in personality_recommend's combined score.",
            &WEIGHT_BEHAVIOR,
        ),
    ] {
        GucRegistry::define_float_guc(
            name,
            short,
            c"The three weights are normalised to sum 1; defaults 0.6, 0.25, 0.15.",
            setting,
            0.0,
            1.0,
            GucContext::Userset,
            GucFlags::default(),
        );
    }
}

/// Settings of behaviour learning.
fn define_learning_settings() {
    GucRegistry::define_float_guc(
        c"personality.profile_sync_points",
        c"A trait score move (points) that makes the swipe trigger rewrite personality_profiles.",
        c"Swipes learn into personality_learning_state; the profile row is rewritten when a trait moved this much since its last write, the primary or secondary types or the confidence (by 0.05) changed, or personality.profile_sync_swipes swipes are pending. 0 rewrites it on every swipe. Default 5.",
        &PROFILE_SYNC_POINTS,
        0.0,
        100.0,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"personality.profile_sync_swipes",
        c"At most this many swipes are learnt before the swipe trigger rewrites personality_profiles.",
        c"1 rewrites the profile row on every swipe. Default 20.",
        &PROFILE_SYNC_SWIPES,
        1,
        1_000_000,
        GucContext::Userset,
        GucFlags::default(),
    );
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
