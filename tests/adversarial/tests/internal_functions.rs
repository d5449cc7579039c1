//! Class 2: internal functions anyone can use.
//!
//! The extension's trigger functions are SECURITY DEFINER and, unless revoked, EXECUTE
//! is granted to PUBLIC, so any role can attach them to a table of its own (a temp
//! table needs only the database's default TEMP privilege) and fire them with rows it
//! chose: NEW/OLD and the transition tables are the attacker's. Behaviour learning
//! attached (by its owner) to the attacker's own table writes any user's learning.
//! Maintenance functions must refuse the API roles with 42501.
use personality_adversarial::*;
use postgres::Client;

/// Allowed EXECUTE for every role (anon, a role without grants): the seed's pure
/// scoring API and pure helpers.
const ALLOWED_ANYONE: &[(&str, &str)] = &[
    (
        "calculate_personality_product_match",
        "seed API: pure scoring",
    ),
    (
        "personality_product_traits",
        "seed API: a product's affinities, read-only",
    ),
    (
        "personality_score_quiz",
        "seed API: scores answers, writes nothing",
    ),
    (
        "_personality_current_user_id",
        "called by the RLS policies as the querying role",
    ),
    ("_personality_is_seed_mapping", "pure predicate on an id"),
    ("_personality_is_seed_question", "pure predicate on an id"),
    ("_personality_learn_step", "pure arithmetic on arrays"),
    (
        "_personality_state_slot",
        "pure: a learning state slot's index, read by the personality_learning view",
    ),
];
/// Additionally allowed for authenticated: the user-facing API (README).
const ALLOWED_AUTHENTICATED: &[(&str, &str)] = &[
    (
        "personality_assess",
        "users take the quiz; authorizes per user",
    ),
    (
        "personality_recommend",
        "users get their recommendations; authorizes per user",
    ),
    (
        "personality_sync_profile",
        "users sync their own profile; authorizes per user",
    ),
    (
        "personality_similar_products",
        "issue 14: read-only (stable) reader of the co-like neighbours, no per-user data",
    ),
];

/// (signature, whether it can write: volatile, SECURITY DEFINER or a trigger) of every
/// extension function `role` may execute.
fn executable(s: &mut Scene, role: &str) -> Vec<(String, bool)> {
    s.admin
        .query(
            "SELECT p.proname::text || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
                    p.provolatile = 'v' OR p.prosecdef
                    OR p.prorettype IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype)
               FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_depend d
                 ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
              WHERE d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'personality_ext')
                AND pg_catalog.has_function_privilege($1::text, p.oid, 'EXECUTE')
              ORDER BY 1",
            &[&role],
        )
        .expect("function privileges")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[test]
fn execute_privileges_of_every_extension_function() {
    let mut s = Scene::new("if_execute_privileges", Attacker::NoGrants);
    let mut f = Failures::default();
    let role = s.role.clone();
    for (who, extra) in [
        ("anon", &[][..]),
        (role.as_str(), &[][..]),
        ("authenticated", ALLOWED_AUTHENTICATED),
    ] {
        for (func, writes) in executable(&mut s, who) {
            let name = func.split('(').next().unwrap_or_default();
            let ok = ALLOWED_ANYONE
                .iter()
                .chain(extra.iter())
                .any(|(n, _)| *n == name);
            if ok {
                continue;
            }
            if writes {
                f.push(format!(
                    "{who} may EXECUTE {func} (volatile, SECURITY DEFINER or trigger)"
                ));
            } else {
                // read-only and runs with the caller's rights: reported, not failed
                eprintln!("note: {who} may EXECUTE read-only {func}");
            }
        }
    }
    f.assert_none("extension functions executable beyond the allow-list");
}

/// Columns of personality_gift_mappings, for a look-alike table.
const MAPPING_COLUMNS: &str =
    "id uuid, personality_type varchar(50), recommended_categories text[],
    avoided_categories text[], product_tags jsonb, recommendation_weight numeric(3,2),
    confidence_score numeric(3,2), evidence_strength varchar(20), occasion_relevance jsonb,
    price_range_modifier jsonb, demographic_filters jsonb, algorithm_version varchar(20),
    created_at timestamptz, updated_at timestamptz";

#[test]
fn restore_trigger_on_own_table_rewrites_a_default_mapping() {
    let mut s = Scene::new("if_mapping_restore", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute(&format!("CREATE TEMP TABLE adv_m ({MAPPING_COLUMNS})"))
        .unwrap();
    let t = c.batch_execute(
        "CREATE TRIGGER adv_restore BEFORE INSERT ON adv_m
           FOR EACH ROW EXECUTE FUNCTION public._personality_seed_restore()",
    );
    // adventurous now recommends nothing and avoids everything
    let _ = c.batch_execute(
        "INSERT INTO adv_m VALUES ('00000000-0000-4000-a000-000000000001', 'adventurous', '{}',
           '{electronics,fashion,home-garden,books-media,health-beauty,sports-outdoors,food-drink,toys-games,art-crafts,experiences}',
           '[]', 0.00, 0.00, 'low', '{}', '{}', '{}', 'evil', now(), now())",
    );
    s.assert_unchanged(&before, "_personality_seed_restore (SECURITY DEFINER, PUBLIC) on the attacker's temp table updates the default mapping from NEW");
    assert_refused(
        &t,
        &["42501"],
        "CREATE TRIGGER ... EXECUTE FUNCTION _personality_seed_restore()",
    );
}

#[test]
fn restore_trigger_on_own_table_rewrites_a_default_question() {
    let mut s = Scene::new("if_quiz_restore", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute(
        "CREATE TEMP TABLE adv_q (question_id text, prompt text, options jsonb, sort_order int, is_active boolean)",
    )
    .unwrap();
    let t = c.batch_execute(
        "CREATE TRIGGER adv_restore BEFORE INSERT ON adv_q
           FOR EACH ROW EXECUTE FUNCTION public._personality_seed_restore()",
    );
    let _ = c.batch_execute(
        "INSERT INTO adv_q VALUES ('q01', 'Pwned?', '[{\"value\": \"yes\", \"label\": \"yes\", \"traits\": {\"social\": 1.0}}]', 1, true);
         INSERT INTO adv_q VALUES ('q02', 'Gone', '[{\"value\": \"x\", \"label\": \"x\", \"traits\": {}}]', 2, false);",
    );
    s.assert_unchanged(
        &before,
        "_personality_seed_restore on the attacker's temp table rewrites q01 / deactivates q02",
    );
    assert_refused(
        &t,
        &["42501"],
        "CREATE TRIGGER ... EXECUTE FUNCTION _personality_seed_restore()",
    );
}

#[test]
fn forget_trigger_on_own_table_deletes_a_default_mapping() {
    let mut s = Scene::new("if_mapping_forget", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute("CREATE TEMP TABLE adv_f (id uuid)")
        .unwrap();
    let t = c.batch_execute(
        "CREATE TRIGGER adv_forget AFTER DELETE ON adv_f
           FOR EACH ROW EXECUTE FUNCTION public._personality_seed_forget()",
    );
    // The recorded 'deletion' fires personality_seed_deletions_apply, which deletes
    // the real default mapping.
    let _ = c.batch_execute(
        "INSERT INTO adv_f VALUES ('00000000-0000-4000-a000-000000000003'); DELETE FROM adv_f;",
    );
    s.assert_unchanged(&before, "_personality_seed_forget on the attacker's table inserts into personality_seed_deletions, whose trigger deletes the default mapping");
    assert_refused(
        &t,
        &["42501"],
        "CREATE TRIGGER ... EXECUTE FUNCTION _personality_seed_forget()",
    );
}

#[test]
fn forget_trigger_on_own_table_deletes_a_default_question() {
    let mut s = Scene::new("if_quiz_forget", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute("CREATE TEMP TABLE adv_f (question_id text)")
        .unwrap();
    let t = c.batch_execute(
        "CREATE TRIGGER adv_forget AFTER DELETE ON adv_f
           FOR EACH ROW EXECUTE FUNCTION public._personality_seed_forget()",
    );
    let _ = c.batch_execute("INSERT INTO adv_f VALUES ('q05'), ('q06'); DELETE FROM adv_f;");
    s.assert_unchanged(&before, "_personality_seed_forget on the attacker's table deletes default questions through personality_seed_deletions");
    assert_refused(
        &t,
        &["42501"],
        "CREATE TRIGGER ... EXECUTE FUNCTION _personality_seed_forget()",
    );
}

#[test]
fn products_changed_trigger_on_own_table_cuts_product_vectors() {
    let mut s = Scene::new("if_products_changed", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute("CREATE TEMP TABLE adv_p (id uuid)")
        .unwrap();
    let t = c.batch_execute(
        "CREATE TRIGGER adv_cut AFTER DELETE ON adv_p REFERENCING OLD TABLE AS old_rows
           FOR EACH STATEMENT EXECUTE FUNCTION public._personality_products_changed()",
    );
    // The sample catalog's ids are predictable (and public in any app).
    let _ = c.batch_execute(
        "INSERT INTO adv_p SELECT ('00000000-0000-4000-c000-' || lpad(g::text, 12, '0'))::uuid FROM generate_series(1, 120) g;
         DELETE FROM adv_p;",
    );
    s.assert_unchanged(&before, "_personality_products_changed on the attacker's table deletes every product vector named in old_rows");
    assert_refused(
        &t,
        &["42501"],
        "CREATE TRIGGER ... EXECUTE FUNCTION _personality_products_changed()",
    );
}

#[test]
fn vector_groups_trigger_on_own_table_forges_groups() {
    let mut s = Scene::new("if_vector_groups", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute(
        "CREATE TEMP TABLE adv_v (group_id bigint, category text, price_band smallint, is_active boolean,
           adventurous real, intellectual real, practical real, creative real, social real)",
    )
    .unwrap();
    let t = c.batch_execute(
        "CREATE TRIGGER adv_groups AFTER INSERT ON adv_v REFERENCING NEW TABLE AS new_rows
           FOR EACH STATEMENT EXECUTE FUNCTION public._personality_vector_groups_sync()",
    );
    let _ = c.batch_execute(
        "INSERT INTO adv_v SELECT 4242 + g, 'electronics', 1, true, 1, 0, 0, 0, 0 FROM generate_series(1, 50) g;",
    );
    s.assert_unchanged(&before, "_personality_vector_groups_sync on the attacker's table inserts forged rows into personality_vector_groups");
    assert_refused(
        &t,
        &["42501"],
        "CREATE TRIGGER ... EXECUTE FUNCTION _personality_vector_groups_sync()",
    );
}

#[test]
fn mappings_changed_and_learning_triggers_on_own_table_are_refused() {
    let mut s = Scene::new("if_other_triggers", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute(
        "CREATE TEMP TABLE adv_x (user_id uuid, product_id uuid, direction text, id uuid)",
    )
    .unwrap();
    let mut f = Failures::default();
    for (func, ddl) in [
        (
            "_personality_mappings_changed",
            "CREATE TRIGGER adv_t1 AFTER INSERT ON adv_x FOR EACH STATEMENT EXECUTE FUNCTION public._personality_mappings_changed()",
        ),
        (
            "update_personality_from_behavior",
            "CREATE TRIGGER adv_t2 AFTER INSERT ON adv_x FOR EACH ROW EXECUTE FUNCTION public.update_personality_from_behavior('direction')",
        ),
        (
            "update_personality_from_behavior_bulk",
            "CREATE TRIGGER adv_t3 AFTER INSERT ON adv_x REFERENCING NEW TABLE AS personality_new_swipes FOR EACH STATEMENT EXECUTE FUNCTION public.update_personality_from_behavior_bulk('direction')",
        ),
        (
            "_personality_seed_deletions_apply",
            "CREATE TRIGGER adv_t4 AFTER INSERT ON adv_x FOR EACH ROW EXECUTE FUNCTION public._personality_seed_deletions_apply()",
        ),
    ] {
        let r = c.batch_execute(ddl);
        f.check(sqlstate(&r) == "42501", || format!("CREATE TRIGGER with {func}: {}", sqlstate(&r)));
    }
    let _ = c.execute(
        "INSERT INTO adv_x VALUES ($1::text::uuid, $2::text::uuid, 'right', NULL)",
        &[&user_id(VICTIM), &product_id(3)],
    );
    s.assert_unchanged(
        &before,
        "extension trigger functions fired from the attacker's table",
    );
    f.assert_none("trigger functions attachable by a role without grants");
}

/// A temp swipe table with behaviour learning attached by its owner, the attacker.
fn attach_temp_swipes(c: &mut Client) -> Result<postgres::Row, postgres::Error> {
    c.batch_execute("CREATE TEMP TABLE adv_swipes (user_id uuid, product_id uuid, direction text)")
        .unwrap();
    c.query_one(
        "SELECT personality_attach_behavior('pg_temp.adv_swipes'::regclass)",
        &[],
    )
}

#[test]
fn attach_behavior_on_temp_table_writes_another_users_learning() {
    let mut s = Scene::new("if_temp_swipes_victim", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    let attach = attach_temp_swipes(&mut c);
    // Twenty strong likes of electronics for the victim.
    let _ = c.execute(
        "INSERT INTO adv_swipes SELECT $1::text::uuid, ('00000000-0000-4000-c000-' || lpad((10 * g + 1)::text, 12, '0'))::uuid, 'up'
           FROM generate_series(0, 11) g",
        &[&user_id(VICTIM)],
    );
    s.assert_unchanged(&before, "learning attached to the attacker's own temp table: its rows teach the victim's profile (user_id chosen by the attacker)");
    assert_refused(
        &attach,
        &["42809", "0A000", "42501", "22023", "55000"],
        "personality_attach_behavior on a temporary table",
    );
}

#[test]
fn attach_behavior_on_own_table_writes_another_users_learning() {
    let mut s = Scene::new("if_own_swipes_victim", Attacker::PublicCreator);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute(
        "CREATE TABLE public.adv_swipes (user_id uuid, product_id uuid, direction text)",
    )
    .unwrap();
    let attach = c.query_one(
        "SELECT personality_attach_behavior('public.adv_swipes', 'direction', 'statement')",
        &[],
    );
    let _ = c.execute(
        "INSERT INTO public.adv_swipes SELECT $1::text::uuid, ('00000000-0000-4000-c000-' || lpad((10 * g + 2)::text, 12, '0'))::uuid, 'left'
           FROM generate_series(0, 11) g",
        &[&user_id(VICTIM)],
    );
    s.assert_unchanged(&before, "learning attached (statement level) to the attacker's own table in public writes the victim's learning state/profile");
    eprintln!("attach on own table: {}", sqlstate(&attach));
}

#[test]
fn temp_swipe_table_of_one_session_breaks_everyones_recommendations() {
    let mut s = Scene::new("if_temp_swipes_dos", Attacker::NoGrants);
    let before = s.snapshot(&[VICTIM]);
    let mut c = s.attacker();
    let attach = attach_temp_swipes(&mut c);
    // c stays open: its temp table is attached while the victim asks.
    let mut v = s.user(VICTIM);
    let r = v.query(
        "SELECT product_id FROM personality_recommend($1::text::uuid, 5)",
        &[&user_id(VICTIM)],
    );
    assert!(
        r.is_ok(),
        "ATTACK SUCCEEDED: another session's attached temp swipe table breaks personality_recommend for everyone: {}",
        r.as_ref().err().map(|e| format!("{e:?}")).unwrap_or_default()
    );
    assert_refused(
        &attach,
        &["42809", "0A000", "42501", "22023", "55000"],
        "personality_attach_behavior on a temporary table",
    );
    s.assert_unchanged(&before, "attaching a temp table");
    drop(c);
}

#[test]
fn attach_behavior_on_a_view_is_refused() {
    let mut s = Scene::new("if_attach_view", Attacker::PublicCreator);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute(
        "CREATE TABLE public.adv_base (user_id uuid, product_id uuid, direction text);
         CREATE VIEW public.adv_view AS SELECT * FROM public.adv_base;
         CREATE TEMP VIEW adv_tview AS SELECT * FROM public.adv_base;",
    )
    .unwrap();
    let r1 = c.query_one("SELECT personality_attach_behavior('public.adv_view')", &[]);
    let r2 = c.query_one(
        "SELECT personality_attach_behavior('pg_temp.adv_tview')",
        &[],
    );
    s.assert_unchanged(&before, "attaching learning to a view");
    assert_refused(
        &r1,
        &["42809", "0A000", "42501", "22023"],
        "personality_attach_behavior on a view",
    );
    assert_refused(
        &r2,
        &["42809", "0A000", "42501", "22023"],
        "personality_attach_behavior on a temp view",
    );
}

#[test]
fn maintenance_functions_refuse_api_roles_and_roles_without_grants() {
    let mut s = Scene::new("if_maintenance", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let calls = [
        "SELECT personality_refresh_product_vectors()",
        "SELECT personality_refresh_product_vectors(ARRAY['00000000-0000-4000-c000-000000000001']::uuid[])",
        "SELECT personality_attach_catalog()",
        "SELECT * FROM personality_link_host()",
        "SELECT _personality_link_host(false)",
        "SELECT _personality_adopt_triggers()",
        "SELECT _personality_create_product_features()",
        "SELECT personality_sync_profile(NULL)",
        "SELECT _personality_sync_profiles(NULL)",
        "SELECT personality_detach_behavior('public.swipes')",
        "SELECT personality_attach_behavior('public.swipes')",
        "SELECT * FROM personality_health()",
        "SELECT * FROM personality_slow_queries()",
        "SELECT _personality_recommend('00000000-0000-4000-d000-000000000002', 5, 'discover', NULL, NULL)",
    ];
    let mut f = Failures::default();
    let mut clients: Vec<(&str, Client)> = vec![
        ("anon", s.anon()),
        ("authenticated", s.user(ATTACKER_USER)),
        ("no-grants role", s.attacker()),
    ];
    for (who, c) in clients.iter_mut() {
        for call in calls {
            let mut tx = c.transaction().expect("begin");
            let r = tx.batch_execute(call);
            let code = sqlstate(&r);
            let _ = tx.rollback();
            f.check(code == "42501", || format!("{who}: {call} -> {code}"));
        }
    }
    s.assert_unchanged(&before, "maintenance calls by API roles (rolled back)");
    f.assert_none("maintenance functions callable by anon / authenticated / a role without grants");
}
