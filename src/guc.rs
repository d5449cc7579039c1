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
