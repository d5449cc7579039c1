//! Class 1: name resolution inside owner-privileged code controlled by the caller.
//!
//! * pg_temp: with `SET search_path = pg_catalog` (no pg_temp at the end) the session's
//!   temporary schema is searched FIRST for relations, so a temp view named pg_roles,
//!   pg_class, pg_namespace, pg_extension, pg_constraint, pg_trigger, pg_depend or
//!   personality_* replaces the catalog / extension relation inside SECURITY DEFINER
//!   code, and a schema-qualified pg_temp.evil() in that view runs as the owner.
//! * public: functions whose search_path lists public (the extension schema) before
//!   pg_catalog, or that inherit the caller's search_path, resolve exact-match
//!   functions and operators planted in public.
//! * casts: a user-defined cast on an attached swipe table's direction column runs
//!   when owner code converts the column to text.
//! * overloads: an unknown-typed argument (NULL, a literal) prefers a text overload
//!   planted in public over the extension's own function.
//!
//! Every test asserts the attack is refused or harmless and that the [`Snapshot`]
//! (superusers, planted-code marker, shared tables, other users' rows) is unchanged.
use personality_adversarial::*;
use postgres::Client;

/// Plants pg_temp.evil() and a temp view over pg_catalog.<rel> calling it per row.
fn temp_catalog_shadows(s: &Scene, c: &mut Client, rels: &[&str]) {
    c.batch_execute(&s.evil_sql("pg_temp.evil"))
        .expect("plant pg_temp.evil");
    for r in rels {
        // pg_attribute.attmissingval is anyarray, which a view cannot have.
        let cols = if *r == "pg_attribute" {
            "x.attrelid, x.attname, x.atttypid, x.attnum, x.attlen, x.atttypmod, x.attnotnull, x.attisdropped, x.attgenerated"
        } else {
            "x.*"
        };
        c.batch_execute(&format!(
            "CREATE TEMP VIEW {r} AS SELECT {cols} FROM pg_catalog.{r} x WHERE pg_temp.evil()"
        ))
        .unwrap_or_else(|e| panic!("temp view {r}: {e}"));
    }
}

const CATALOGS: &[&str] = &[
    "pg_roles",
    "pg_class",
    "pg_namespace",
    "pg_extension",
    "pg_attribute",
    "pg_trigger",
    "pg_depend",
    "pg_index",
];

#[test]
fn temp_catalog_views_in_attach_behavior() {
    let mut s = Scene::new("nr_attach_behavior", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    temp_catalog_shadows(&s, &mut c, CATALOGS);
    let r = c.query_one(
        "SELECT personality_attach_behavior('public.swipes'::regclass)",
        &[],
    );
    s.assert_unchanged(
        &before,
        "temp views pg_roles/pg_class shadowing the catalog inside personality_attach_behavior's ownership check",
    );
    assert_refused(
        &r,
        &["42501"],
        "no-grants role attaching learning to the host's swipes",
    );
}

#[test]
fn temp_pg_roles_lie_lets_a_user_assess_another() {
    let mut s = Scene::new("nr_roles_lie_assess", Attacker::NoGrants);
    let answers = s.answers(2);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    // Every role looks like a superuser to _personality_caller_is_trusted().
    c.batch_execute(
        "CREATE TEMP VIEW pg_roles AS
           SELECT r.oid, r.rolname, true AS rolsuper, true AS rolbypassrls FROM pg_catalog.pg_roles r",
    )
    .expect("temp view");
    let r = c.query_one(
        "SELECT user_id::text FROM personality_assess($1::text::uuid, $2::text::jsonb)",
        &[&user_id(VICTIM), &answers],
    );
    s.assert_unchanged(
        &before,
        "lying temp view pg_roles makes authenticated 'trusted' in personality_assess",
    );
    assert_refused(&r, &["42501"], "user 1 assessing user 2");
}

#[test]
fn temp_pg_roles_lie_lets_a_user_read_anothers_recommendations() {
    let mut s = Scene::new("nr_roles_lie_recommend", Attacker::NoGrants);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    c.batch_execute(
        "CREATE TEMP VIEW pg_roles AS
           SELECT r.oid, r.rolname, true AS rolsuper, true AS rolbypassrls FROM pg_catalog.pg_roles r",
    )
    .expect("temp view");
    let r = c.query(
        "SELECT product_id::text, user_id::text FROM personality_recommend($1::text::uuid, 5)",
        &[&user_id(VICTIM)],
    );
    s.assert_unchanged(&before, "lying temp view pg_roles in personality_recommend");
    assert_refused(&r, &["42501"], "user 1 reading user 2's recommendations");
}

#[test]
fn temp_pg_roles_lie_lets_a_user_sync_another() {
    let mut s = Scene::new("nr_roles_lie_sync", Attacker::NoGrants);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    c.batch_execute(
        "CREATE TEMP VIEW pg_roles AS
           SELECT r.oid, r.rolname, true AS rolsuper, true AS rolbypassrls FROM pg_catalog.pg_roles r",
    )
    .expect("temp view");
    let r = c.query_one("SELECT personality_sync_profile(NULL)", &[]);
    s.assert_unchanged(
        &before,
        "lying temp view pg_roles in personality_sync_profile(NULL)",
    );
    assert_refused(&r, &["42501"], "user 1 syncing every user's profile");
}

#[test]
fn temp_pg_roles_lie_detaches_host_swipes() {
    let mut s = Scene::new("nr_roles_lie_detach", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute(
        "CREATE TEMP VIEW pg_roles AS
           SELECT r.oid, r.rolname, true AS rolsuper, true AS rolbypassrls FROM pg_catalog.pg_roles r",
    )
    .expect("temp view");
    let r = c.query_one(
        "SELECT personality_detach_behavior('public.swipes'::regclass)",
        &[],
    );
    s.assert_unchanged(
        &before,
        "lying temp view pg_roles lets a no-grants role drop the host's swipe trigger",
    );
    assert_refused(
        &r,
        &["42501"],
        "no-grants role detaching learning from swipes",
    );
}

#[test]
fn temp_quiz_questions_view_in_assess() {
    let mut s = Scene::new("nr_quiz_view_assess", Attacker::NoGrants);
    let answers = s.answers(3);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    c.batch_execute(&s.evil_sql("pg_temp.evil")).expect("evil");
    // The Rust scorer reads personality_quiz_questions unqualified.
    c.batch_execute(
        "CREATE TEMP VIEW personality_quiz_questions AS
           SELECT q.* FROM public.personality_quiz_questions q WHERE pg_temp.evil()",
    )
    .expect("temp view");
    let _ = c.query_one(
        "SELECT user_id::text FROM personality_assess($1::text::uuid, $2::text::jsonb)",
        &[&user_id(ATTACKER_USER), &answers],
    );
    s.assert_unchanged(&before, "temp view personality_quiz_questions read by personality_assess (owner) via _personality_assessment");
}

#[test]
fn temp_profiles_view_in_recommend() {
    let mut s = Scene::new("nr_profiles_view_recommend", Attacker::NoGrants);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    c.batch_execute(&s.evil_sql("pg_temp.evil")).expect("evil");
    c.batch_execute(
        "CREATE TEMP VIEW personality_profiles AS
           SELECT p.* FROM public.personality_profiles p WHERE pg_temp.evil();
         CREATE TEMP VIEW personality_gift_mappings AS
           SELECT m.* FROM public.personality_gift_mappings m WHERE pg_temp.evil();",
    )
    .expect("temp views");
    let _ = c.query(
        "SELECT product_id FROM personality_recommend($1::text::uuid, 5)",
        &[&user_id(ATTACKER_USER)],
    );
    s.assert_unchanged(&before, "temp views personality_profiles/personality_gift_mappings read by _personality_recommend as owner");
}

#[test]
fn temp_swipe_tables_view_injects_sql_in_recommend() {
    let mut s = Scene::new("nr_swipe_tables_inject", Attacker::NoGrants);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    c.batch_execute(&s.evil_sql("pg_temp.evil")).expect("evil");
    // _personality_recommend formats swipe_table::text into its SQL unquoted.
    c.batch_execute(
        "CREATE TEMP VIEW personality_swipe_tables AS
           SELECT '(SELECT w.* FROM public.swipes w WHERE pg_temp.evil())'::text AS swipe_table,
                  'direction'::name AS direction_column, true AS enabled, 'row'::text AS for_each",
    )
    .expect("temp view");
    let _ = c.query(
        "SELECT product_id FROM personality_recommend($1::text::uuid, 5)",
        &[&user_id(ATTACKER_USER)],
    );
    s.assert_unchanged(
        &before,
        "temp view personality_swipe_tables: its swipe_table text is spliced into owner SQL",
    );
}

#[test]
fn temp_catalog_views_in_refresh_product_vectors() {
    let mut s = Scene::new("nr_refresh_vectors", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    // personality_product_traits looks up the extension schema through pg_extension /
    // pg_namespace with the caller's (here: the definer's pg_catalog) search_path.
    temp_catalog_shadows(&s, &mut c, &["pg_namespace", "pg_extension"]);
    let r = c.query_one("SELECT personality_refresh_product_vectors()", &[]);
    s.assert_unchanged(
        &before,
        "temp views pg_namespace/pg_extension inside personality_refresh_product_vectors",
    );
    assert_refused(
        &r,
        &["42501"],
        "no-grants role rebuilding every product vector",
    );
}

#[test]
fn temp_pg_extension_redirects_gift_mappings_into_vectors() {
    let mut s = Scene::new("nr_redirect_mappings", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    // Point the extension's schema at the attacker's temp schema, where a forged
    // personality_gift_mappings makes everything 'adventurous' at full weight.
    c.batch_execute(
        "CREATE TEMP TABLE personality_gift_mappings (personality_type text, recommended_categories text[],
             avoided_categories text[], product_tags jsonb, recommendation_weight numeric);
         INSERT INTO personality_gift_mappings VALUES
           ('adventurous', '{electronics,fashion,home-garden,books-media,health-beauty,sports-outdoors,food-drink,toys-games,art-crafts,experiences}', '{}', '[]', 1.0);
         CREATE TEMP VIEW pg_extension AS
           SELECT e.oid, e.extname, pg_catalog.pg_my_temp_schema() AS extnamespace FROM pg_catalog.pg_extension e;",
    )
    .expect("forged mappings");
    let r = c.query_one("SELECT personality_refresh_product_vectors()", &[]);
    s.assert_unchanged(&before, "temp view pg_extension makes personality_product_traits read forged gift mappings; vectors rewritten");
    assert_refused(
        &r,
        &["42501"],
        "no-grants role rebuilding every product vector",
    );
}

#[test]
fn temp_pg_constraint_view_in_event_trigger() {
    let mut s = Scene::new("nr_event_trigger_table", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute(&s.evil_sql("pg_temp.evil")).expect("evil");
    // Empty, so the event trigger thinks the foreign keys are missing and calls the
    // SECURITY DEFINER _personality_link_host(), which reads the same view as owner.
    c.batch_execute(
        "CREATE TEMP VIEW pg_constraint AS
           SELECT x.* FROM pg_catalog.pg_constraint x WHERE NOT pg_temp.evil()",
    )
    .expect("temp view");
    let r = c.batch_execute("CREATE TEMP TABLE adv_any (id int)");
    s.assert_unchanged(&before, "DDL by the attacker fires personality_link_host_on_ddl -> _personality_link_host reads temp pg_constraint as owner");
    assert!(r.is_ok(), "the attacker's own DDL should still work: {r:?}");
}

#[test]
fn temp_pg_trigger_view_in_event_trigger_create_trigger() {
    let mut s = Scene::new("nr_event_trigger_trig", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    // Not pg_depend: _personality_adopt_triggers UPDATEs it (a view over the catalog
    // would fail the attacker's DDL before anything runs).
    temp_catalog_shadows(&s, &mut c, &["pg_trigger", "pg_extension"]);
    let r = c.batch_execute(
        "CREATE TEMP TABLE adv_t (id int);
         CREATE FUNCTION pg_temp.adv_tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER adv_tr AFTER INSERT ON adv_t FOR EACH ROW EXECUTE FUNCTION pg_temp.adv_tf();",
    );
    s.assert_unchanged(&before, "CREATE TRIGGER by the attacker fires the event trigger -> SECURITY DEFINER _personality_adopt_triggers reads temp pg_trigger/pg_extension");
    eprintln!("attacker's DDL: {}", sqlstate(&r));
}

#[test]
fn temp_catalog_views_in_adopt_triggers_called_directly() {
    let mut s = Scene::new("nr_adopt_triggers", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    temp_catalog_shadows(&s, &mut c, &["pg_trigger", "pg_extension"]);
    let r = c.query_one("SELECT _personality_adopt_triggers()", &[]);
    s.assert_unchanged(&before, "SECURITY DEFINER _personality_adopt_triggers() (EXECUTE granted to PUBLIC) reads temp catalog views");
    assert_refused(
        &r,
        &["42501"],
        "no-grants role calling _personality_adopt_triggers",
    );
}

#[test]
fn temp_catalog_views_in_link_host() {
    let mut s = Scene::new("nr_link_host", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    temp_catalog_shadows(&s, &mut c, &["pg_attribute", "pg_index", "pg_class"]);
    c.batch_execute(
        "CREATE TEMP VIEW pg_constraint AS
           SELECT x.* FROM pg_catalog.pg_constraint x WHERE NOT pg_temp.evil()",
    )
    .expect("temp view");
    let r1 = c.query("SELECT * FROM personality_link_host()", &[]);
    let r2 = c.query_one("SELECT _personality_link_host(false)", &[]);
    s.assert_unchanged(&before, "personality_link_host / _personality_link_host (SECURITY DEFINER, PUBLIC) read temp catalog views");
    assert_refused(
        &r1,
        &["42501"],
        "no-grants role calling personality_link_host()",
    );
    assert_refused(
        &r2,
        &["42501"],
        "no-grants role calling _personality_link_host()",
    );
}

#[test]
fn temp_catalog_views_in_attach_catalog() {
    let mut s = Scene::new("nr_attach_catalog", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    temp_catalog_shadows(&s, &mut c, CATALOGS);
    let r = c.query_one("SELECT personality_attach_catalog()", &[]);
    s.assert_unchanged(
        &before,
        "temp catalog views in personality_attach_catalog's ownership check",
    );
    assert_refused(&r, &["42501"], "no-grants role attaching the catalog");
}

#[test]
fn temp_catalog_views_in_sync_profile() {
    let mut s = Scene::new("nr_sync_profile", Attacker::NoGrants);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    temp_catalog_shadows(
        &s,
        &mut c,
        &["pg_roles", "pg_class", "pg_namespace", "pg_extension"],
    );
    let _ = c.query_one(
        "SELECT personality_sync_profile($1::text::uuid)",
        &[&user_id(ATTACKER_USER)],
    );
    s.assert_unchanged(&before, "temp catalog views in personality_sync_profile / _personality_sync_profiles (no search_path of its own)");
}

#[test]
fn temp_catalog_views_in_swipe_row_trigger() {
    let mut s = Scene::new("nr_swipe_row_trigger", Attacker::NoGrants);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    // The trigger function is SECURITY DEFINER without a search_path: it resolves
    // pg_extension / pg_namespace in the swiping session (a fresh backend: plans are
    // built on the first swipe).
    temp_catalog_shadows(&s, &mut c, &["pg_namespace", "pg_extension"]);
    let r = c.execute(
        "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'right')",
        &[&user_id(ATTACKER_USER), &product_id(77)],
    );
    s.assert_unchanged(&before, "temp views pg_namespace/pg_extension read by update_personality_from_behavior (SECURITY DEFINER, no search_path)");
    assert!(
        r.is_ok(),
        "the user's own swipe should still be stored: {r:?}"
    );
}

#[test]
fn temp_catalog_views_in_swipe_statement_trigger() {
    let mut s = Scene::new("nr_swipe_stmt_trigger", Attacker::NoGrants);
    s.admin
        .batch_execute("SELECT personality_attach_behavior('swipes', 'direction', 'statement')")
        .expect("statement-level learning");
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    temp_catalog_shadows(&s, &mut c, &["pg_namespace", "pg_extension"]);
    let r = c.execute(
        "INSERT INTO swipes (user_id, product_id, direction)
         SELECT $1::text::uuid, ('00000000-0000-4000-c000-' || lpad(g::text, 12, '0'))::uuid, 'up' FROM generate_series(80, 83) g",
        &[&user_id(ATTACKER_USER)],
    );
    s.assert_unchanged(
        &before,
        "temp views pg_namespace/pg_extension read by update_personality_from_behavior_bulk",
    );
    assert!(
        r.is_ok(),
        "the user's own swipes should still be stored: {r:?}"
    );
}

#[test]
fn public_shadows_in_recommend_run_as_owner() {
    let mut s = Scene::new("nr_public_recommend", Attacker::PublicCreator);
    let mut a = s.attacker();
    s.plant_public_shadows(&mut a);
    // The victim (an ordinary signed-in user) just asks for recommendations.
    let before = s.snapshot(&[VICTIM]);
    let mut v = s.user(VICTIM);
    let r = v.query(
        "SELECT product_id FROM personality_recommend($1::text::uuid, 5)",
        &[&user_id(VICTIM)],
    );
    s.assert_unchanged(&before, "public.=(uuid,uuid) / public.round(numeric,int) planted in public run inside _personality_recommend (search_path public, pg_catalog) as owner");
    assert!(
        r.is_ok(),
        "the victim's recommendations should still work: {r:?}"
    );
}

#[test]
fn public_shadows_in_assess_run_as_owner() {
    let mut s = Scene::new("nr_public_assess", Attacker::PublicCreator);
    let mut a = s.attacker();
    s.plant_public_shadows(&mut a);
    let answers = s.answers(4);
    let before = s.snapshot(&[VICTIM]);
    let mut v = s.user(VICTIM);
    let r = v.query(
        "SELECT user_id FROM personality_assess($1::text::uuid, $2::text::jsonb, 200, 'retake')",
        &[&user_id(VICTIM), &answers],
    );
    s.assert_unchanged(&before, "functions planted in public run inside personality_assess / _personality_assessment as owner");
    assert!(
        r.is_ok(),
        "the victim's assessment should still work: {r:?}"
    );
}

#[test]
fn public_shadows_in_swipe_trigger_with_callers_search_path() {
    let mut s = Scene::new("nr_public_swipe_path", Attacker::PublicCreator);
    let mut a = s.attacker();
    s.plant_public_shadows(&mut a);
    let before = s.snapshot(&[ATTACKER_USER]);
    // The swiping session chooses its search_path; the trigger (SECURITY DEFINER, no
    // SET search_path) inherits it.
    let mut c = s.user(ATTACKER_USER);
    c.batch_execute("SET search_path = public, pg_catalog")
        .expect("search_path");
    let r = c.execute(
        "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'left')",
        &[&user_id(ATTACKER_USER), &product_id(91)],
    );
    s.assert_unchanged(&before, "the swipe trigger runs with the swiper's search_path (public first): public.=(uuid,uuid) etc. run as owner");
    assert!(r.is_ok(), "the swipe should still be stored: {r:?}");
}

#[test]
fn public_shadows_in_swipe_trigger_with_default_search_path() {
    let mut s = Scene::new("nr_public_swipe_default", Attacker::PublicCreator);
    let mut a = s.attacker();
    s.plant_public_shadows(&mut a);
    let before = s.snapshot(&[VICTIM]);
    let mut v = s.user(VICTIM);
    let r = v.execute(
        "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'up')",
        &[&user_id(VICTIM), &product_id(92)],
    );
    s.assert_unchanged(&before, "functions planted in public run inside the swipe trigger of an ordinary user (default search_path)");
    assert!(r.is_ok(), "the swipe should still be stored: {r:?}");
}

#[test]
fn public_shadows_when_superuser_runs_health_and_link_host() {
    let mut s = Scene::new("nr_public_health", Attacker::PublicCreator);
    let mut a = s.attacker();
    s.plant_public_shadows(&mut a);
    let before = s.snapshot(&[]);
    // An operator, as superuser, with the default search_path.
    let mut op = connect(&s.db, "postgres");
    let r1 = op.query("SELECT * FROM personality_health()", &[]);
    let r2 = op.query("SELECT * FROM personality_link_host()", &[]);
    let r3 = op.query("SELECT * FROM personality_host_status()", &[]);
    s.assert_unchanged(&before, "functions planted in public run when a superuser calls personality_health / personality_link_host");
    assert!(
        r1.is_ok() && r2.is_ok() && r3.is_ok(),
        "{r1:?} {r2:?} {r3:?}"
    );
}

#[test]
fn public_overload_of_refresh_product_vectors_hijacks_attach_catalog() {
    let mut s = Scene::new("nr_overload_refresh", Attacker::PublicCreator);
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil"))
        .expect("evil");
    // personality_attach_catalog and _personality_mappings_changed call
    // public.personality_refresh_product_vectors(NULL): an unknown-typed NULL prefers
    // a text overload over the extension's uuid[] one.
    a.batch_execute(
        "CREATE FUNCTION public.personality_refresh_product_vectors(text) RETURNS bigint LANGUAGE plpgsql AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN 0; END $$",
    )
    .expect("overload");
    let before = s.snapshot(&[]);
    // The operator (superuser, the owner) re-attaches the catalog, as the README says.
    let mut op = connect(&s.db, "postgres");
    let r = op.query_one("SELECT personality_attach_catalog()", &[]);
    s.assert_unchanged(&before, "public.personality_refresh_product_vectors(text) overload called by personality_attach_catalog as owner");
    assert!(
        r.is_ok(),
        "the owner attaching the catalog should still work: {r:?}"
    );
}

#[test]
fn public_overloads_of_internal_functions_on_mapping_change() {
    let mut s = Scene::new("nr_overload_mappings", Attacker::PublicCreator);
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil"))
        .expect("evil");
    a.batch_execute(
        "CREATE FUNCTION public.personality_refresh_product_vectors(text) RETURNS bigint LANGUAGE plpgsql AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN 0; END $$;
         CREATE FUNCTION public._personality_is_seed_mapping(text) RETURNS boolean LANGUAGE plpgsql AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN false; END $$;
         CREATE FUNCTION public._personality_host_table(varchar) RETURNS regclass LANGUAGE plpgsql AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN NULL; END $$;",
    )
    .expect("overloads");
    let mut svc = s.service();
    // A no-op edit of a mapping by the back end fires the mapping triggers.
    let r = svc.execute(
        "UPDATE personality_gift_mappings SET confidence_score = confidence_score
          WHERE id = '00000000-0000-4000-a000-000000000001'",
        &[],
    );
    let marker: i64 = s
        .admin
        .query_one("SELECT count(*) FROM adv_marker.log", &[])
        .unwrap()
        .get(0);
    let hits: bool = s
        .admin
        .query_one("SELECT is_called FROM adv_marker.hits", &[])
        .unwrap()
        .get(0);
    assert!(r.is_ok(), "the back end's mapping edit should work: {r:?}");
    assert!(
        marker == 0 && !hits && !s.attacker_is_superuser(),
        "ATTACK SUCCEEDED: overloads planted in public (personality_refresh_product_vectors(text)) ran as owner from the gift-mapping triggers"
    );
}

#[test]
fn enum_cast_on_swipe_direction_in_statement_trigger() {
    let mut s = Scene::new("nr_cast_stmt", Attacker::PublicCreator);
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil"))
        .expect("evil");
    a.batch_execute(
        "CREATE TYPE public.adv_dir AS ENUM ('left', 'right', 'up', 'down');
         CREATE FUNCTION public.adv_dir_text(public.adv_dir) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.enum_out($1)::text; END $$;
         CREATE CAST (public.adv_dir AS text) WITH FUNCTION public.adv_dir_text(public.adv_dir);
         CREATE TABLE public.adv_swipes (user_id uuid, product_id uuid, direction public.adv_dir);",
    )
    .expect("type, cast, table");
    let before = s.snapshot(&[]);
    let attach = a.query_one(
        "SELECT personality_attach_behavior('public.adv_swipes', 'direction', 'statement')",
        &[],
    );
    let ins = a.execute(
        "INSERT INTO public.adv_swipes VALUES ($1::text::uuid, $2::text::uuid, 'right')",
        &[&user_id(VICTIM), &product_id(5)],
    );
    s.assert_unchanged(&before, "user-defined cast adv_dir -> text runs as owner in update_personality_from_behavior_bulk (n.d::text)");
    eprintln!(
        "attach: {:?}, insert: {:?}",
        sqlstate(&attach),
        sqlstate(&ins)
    );
}

#[test]
fn enum_and_domain_direction_in_row_trigger() {
    // Row level: the trigger reads NEW.direction as text itself; an enum (with a
    // planted cast) or a domain over an enum must neither run the cast as owner nor
    // crash the backend.
    let mut s = Scene::new("nr_cast_row", Attacker::PublicCreator);
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil"))
        .expect("evil");
    a.batch_execute(
        "CREATE TYPE public.adv_dir AS ENUM ('left', 'right', 'up', 'down');
         CREATE FUNCTION public.adv_dir_text(public.adv_dir) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.enum_out($1)::text; END $$;
         CREATE CAST (public.adv_dir AS text) WITH FUNCTION public.adv_dir_text(public.adv_dir) AS IMPLICIT;
         CREATE DOMAIN public.adv_dom AS public.adv_dir;
         CREATE TABLE public.adv_swipes (user_id uuid, product_id uuid, direction public.adv_dir);
         CREATE TABLE public.adv_swipes2 (user_id uuid, product_id uuid, direction public.adv_dom);",
    )
    .expect("types, cast, tables");
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut codes = Vec::new();
    for t in ["public.adv_swipes", "public.adv_swipes2"] {
        let attach = a.query_one(
            &format!("SELECT personality_attach_behavior('{t}', 'direction')"),
            &[],
        );
        let ins = a.execute(
            &format!("INSERT INTO {t} VALUES ($1::text::uuid, $2::text::uuid, 'up')"),
            &[&user_id(ATTACKER_USER), &product_id(6)],
        );
        codes.push(format!(
            "{t}: attach {} insert {}",
            sqlstate(&attach),
            sqlstate(&ins)
        ));
    }
    let alive = connect(&s.db, "postgres")
        .query_one("SELECT 1", &[])
        .is_ok();
    assert!(alive, "server down after enum/domain swipes: {codes:?}");
    s.assert_unchanged(
        &before,
        &format!(
            "enum/domain direction column with a planted cast, row-level learning ({codes:?})"
        ),
    );
}

#[test]
fn enum_cast_on_swipe_direction_in_recommend() {
    let mut s = Scene::new("nr_cast_recommend", Attacker::PublicCreator);
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil"))
        .expect("evil");
    a.batch_execute(
        "CREATE TYPE public.adv_dir AS ENUM ('left', 'right', 'up', 'down');
         CREATE FUNCTION public.adv_dir_text(public.adv_dir) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.enum_out($1)::text; END $$;
         CREATE CAST (public.adv_dir AS text) WITH FUNCTION public.adv_dir_text(public.adv_dir);
         CREATE TABLE public.adv_swipes (user_id uuid, product_id uuid, direction public.adv_dir);
         INSERT INTO public.adv_swipes VALUES ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-c000-000000000005', 'left');",
    )
    .expect("type, cast, table");
    let attach = a.query_one(
        "SELECT personality_attach_behavior('public.adv_swipes', 'direction')",
        &[],
    );
    // Now the victim, an ordinary user, asks for recommendations: every attached
    // swipe table is read with s.direction::text, as owner.
    let before = s.snapshot(&[VICTIM]);
    let mut v = s.user(VICTIM);
    let r = v.query(
        "SELECT product_id FROM personality_recommend($1::text::uuid, 5)",
        &[&user_id(VICTIM)],
    );
    s.assert_unchanged(&before, "user-defined cast on an attached swipe table's direction column runs as owner in _personality_recommend's load_swipes");
    assert!(
        r.is_ok(),
        "the victim's recommendations should still work: {r:?} (attach: {})",
        sqlstate(&attach)
    );
}

#[test]
fn upgrade_to_current_with_planted_objects() {
    upgrade_case("0.2.0", "nr_upgrade");
}

#[test]
fn upgrade_from_0_1_0_to_current_with_planted_objects() {
    // Installations still on the seed's 0.1.0 go through every script in one ALTER.
    upgrade_case("0.1.0", "nr_upgrade_010");
}

#[test]
fn upgrade_from_0_3_0_to_current_with_planted_objects() {
    upgrade_case("0.3.0", "nr_upgrade_030");
}

fn upgrade_case(from: &str, name: &str) {
    // The recorded older scripts are written into the extension directory by the
    // integration tests (tests/integration/tests/upgrade.rs).
    let mut probe = connect("postgres", "postgres");
    let current: String = probe
        .query_one(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'personality_ext'",
            &[],
        )
        .expect("default version")
        .get(0);
    let versions: Vec<String> = probe
        .query(
            "SELECT version FROM pg_available_extension_versions WHERE name = 'personality_ext'",
            &[],
        )
        .expect("versions")
        .iter()
        .map(|r| r.get(0))
        .collect();
    if !versions.iter().any(|v| v == from) {
        eprintln!(
            "SKIPPED upgrade {from} -> {current} with planted objects: personality_ext {from} is not available (have {versions:?})"
        );
        return;
    }
    let mut s = Scene::without_extension(name, Attacker::PublicCreator);
    s.admin
        .batch_execute(&format!(
            "CREATE EXTENSION personality_ext VERSION '{from}' SCHEMA public"
        ))
        .unwrap_or_else(|e| panic!("create {from}: {e:?}"));
    // (no data: the 0.2.0 SQL runs against the newer library here; the attack is on
    // the upgrade script)
    let mut a = s.attacker();
    s.plant_public_shadows(&mut a);
    // More exact-type bait for extension scripts (pg_catalog is searched first there,
    // so only better-matching overloads can win).
    a.batch_execute(
        "CREATE FUNCTION public.lower(character varying) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.lower($1::text); END $$;
         CREATE FUNCTION public.adv_eq_vt(character varying, text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN $1::text OPERATOR(pg_catalog.=) $2; END $$;
         CREATE OPERATOR public.= (LEFTARG = character varying, RIGHTARG = text, FUNCTION = public.adv_eq_vt);
         CREATE FUNCTION public.adv_evil_event() RETURNS event_trigger LANGUAGE plpgsql AS
           $$ BEGIN PERFORM public.adv_evil(); END $$;",
    )
    .expect("bait");
    a.batch_execute(&s.evil_sql("public.personality_upgrade_hook"))
        .expect("name bait");
    // Only the attacker's role and the extension's objects are 'other' here.
    let before_roles: Vec<(String, bool)> = s
        .admin
        .query(
            "SELECT rolname::text, rolsuper FROM pg_roles ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let r = s.admin.batch_execute(&format!(
        "ALTER EXTENSION personality_ext UPDATE TO '{current}'"
    ));
    let after_roles: Vec<(String, bool)> = s
        .admin
        .query(
            "SELECT rolname::text, rolsuper FROM pg_roles ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let marker: i64 = s
        .admin
        .query_one("SELECT count(*) FROM adv_marker.log", &[])
        .unwrap()
        .get(0);
    let hits: bool = s
        .admin
        .query_one("SELECT is_called FROM adv_marker.hits", &[])
        .unwrap()
        .get(0);
    assert!(r.is_ok(), "upgrade failed: {r:?}");
    // After the upgrade, nothing of the extension may be bound to planted code, and
    // the operator's usual reads must not run it.
    let bound = s.dependencies_on_attacker();
    assert!(
        bound.is_empty(),
        "ATTACK SUCCEEDED: the upgrade bound extension objects to functions/operators the attacker planted in public: {bound:?}"
    );
    let mut op = connect(&s.db, "postgres");
    for q in [
        "SELECT * FROM personality_health()",
        "SELECT * FROM personality_learning",
        "SELECT * FROM personality_table_stats",
        "SELECT * FROM personality_swipe_tables",
        "SELECT * FROM personality_host_status()",
    ] {
        let r = op.batch_execute(q);
        eprintln!("{q}: {}", sqlstate(&r));
    }
    s.assert_not_escalated(&format!("planted objects ran as superuser during or after ALTER EXTENSION personality_ext UPDATE TO '{current}'"));
    // Roles are cluster-wide and other tests create theirs meanwhile: compare the
    // roles that existed before; none may have become superuser.
    let promoted: Vec<&String> = after_roles
        .iter()
        .filter(|(name, sup)| *sup && before_roles.iter().any(|(b, was)| b == name && !*was))
        .map(|(name, _)| name)
        .collect();
    assert!(
        marker == 0 && !hits && promoted.is_empty(),
        "ATTACK SUCCEEDED: objects planted in public ran as superuser during ALTER EXTENSION personality_ext UPDATE TO '{current}' (promoted: {promoted:?})"
    );
}

#[test]
fn direction_column_name_injection() {
    // A column name carrying SQL: owner code that splices the direction column (or
    // the table name) into SQL without quoting would run it.
    let mut s = Scene::new("nr_column_injection", Attacker::PublicCreator);
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil"))
        .expect("evil");
    a.batch_execute(
        r#"CREATE TABLE public."adv_sw"" s, (SELECT public.adv_evil()) e --" (user_id uuid, product_id uuid,
             "d"" FROM public.swipes s WHERE (SELECT public.adv_evil()) --" text);
           CREATE TABLE public.adv_sw2 (user_id uuid, product_id uuid,
             "d"" FROM public.swipes s WHERE (SELECT public.adv_evil()) --" text);"#,
    )
    .expect("tables");
    let col = r#"d" FROM public.swipes s WHERE (SELECT public.adv_evil()) --"#;
    let before = s.snapshot(&[ATTACKER_USER, VICTIM]);
    let mut codes = Vec::new();
    for (t, level) in [
        (
            r#"public."adv_sw"" s, (SELECT public.adv_evil()) e --""#,
            "row",
        ),
        ("public.adv_sw2", "statement"),
    ] {
        let attach = a.query_one(
            "SELECT personality_attach_behavior($1::text::regclass, $2::text::name, $3::text)",
            &[&t, &col, &level],
        );
        let ins = a.execute(
            &format!("INSERT INTO {t} VALUES ($1::text::uuid, $2::text::uuid, 'right')"),
            &[&user_id(ATTACKER_USER), &product_id(8)],
        );
        codes.push(format!(
            "{level}: attach {} insert {}",
            sqlstate(&attach),
            sqlstate(&ins)
        ));
    }
    let mut v = s.user(VICTIM);
    let r = v.query(
        "SELECT product_id FROM personality_recommend($1::text::uuid, 5)",
        &[&user_id(VICTIM)],
    );
    codes.push(format!("victim recommend {}", sqlstate(&r)));
    s.assert_unchanged(
        &before,
        &format!(
            "SQL in a swipe table's / direction column's name spliced into owner SQL ({codes:?})"
        ),
    );
}

#[test]
fn create_extension_after_attacker_planted_objects() {
    // A role that may create in public plants, before the superuser installs the
    // extension: shadows of built-ins, and the products adapter view
    // personality_product_features (the extension adopts an existing one instead of
    // creating its own, then reads it as owner to compute the vectors).
    let mut s = Scene::without_extension("nr_create_after_plant", Attacker::PublicCreator);
    let mut a = s.attacker();
    s.plant_public_shadows(&mut a);
    a.batch_execute(
        "CREATE VIEW public.personality_product_features AS
           SELECT ('00000000-0000-4000-c000-' || lpad(g::text, 12, '0'))::uuid AS product_id,
                  'electronics'::text AS category, '{outdoor}'::text[] AS tags, 1::numeric AS price,
                  true AS is_active
             FROM generate_series(1, 120) g WHERE public.adv_evil()",
    )
    .expect("planted adapter view");
    let r = s
        .admin
        .batch_execute("CREATE EXTENSION personality_ext SCHEMA public");
    let owner: Option<String> = s
        .admin
        .query_one(
            "SELECT pg_catalog.pg_get_userbyid(c.relowner)::text FROM pg_catalog.pg_class c
              WHERE c.oid = pg_catalog.to_regclass('public.personality_product_features')",
            &[],
        )
        .ok()
        .map(|r| r.get(0));
    s.assert_not_escalated(&format!(
        "objects planted in public before CREATE EXTENSION ran as superuser during the install (install: {})",
        sqlstate(&r)
    ));
    let bound = s.dependencies_on_attacker();
    assert!(
        bound.is_empty(),
        "ATTACK SUCCEEDED: the install bound extension objects to planted functions/operators: {bound:?}"
    );
    if r.is_ok() {
        assert!(
            owner.as_deref() != Some(s.role.as_str()),
            "ATTACK SUCCEEDED: the extension adopted the attacker's view personality_product_features as its products adapter"
        );
        // The usual work afterwards must not run planted code either.
        s.load_data();
        s.assert_not_escalated("planted objects ran as superuser after an install next to them");
    }
}

#[test]
fn attacker_supplies_the_products_table_with_custom_type_casts() {
    // The extension is installed before the app created its products table (README:
    // the event trigger links it later). A role that may create in public creates
    // public.products first, with columns of its own types whose casts to the types
    // the adapter view uses (text[], numeric, text) run its code.
    let mut s = Scene::without_extension("nr_attacker_products", Attacker::PublicCreator);
    s.admin
        .batch_execute(
            "DROP TABLE swipes, products CASCADE;
             CREATE EXTENSION personality_ext SCHEMA public;",
        )
        .expect("install without products");
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil"))
        .expect("evil");
    let planted = a.batch_execute(
        "CREATE TYPE public.adv_money AS (v numeric);
         CREATE FUNCTION public.adv_money_num(public.adv_money) RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN ($1).v; END $$;
         CREATE CAST (public.adv_money AS numeric) WITH FUNCTION public.adv_money_num(public.adv_money);
         CREATE TYPE public.adv_tags AS (t text);
         CREATE FUNCTION public.adv_tags_arr(public.adv_tags) RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN ARRAY[($1).t]; END $$;
         CREATE CAST (public.adv_tags AS text[]) WITH FUNCTION public.adv_tags_arr(public.adv_tags);
         CREATE TABLE public.products (id uuid PRIMARY KEY, name text, category text,
                                       tags public.adv_tags, price public.adv_money, is_active boolean);
         INSERT INTO public.products
           SELECT ('00000000-0000-4000-c000-' || lpad(g::text, 12, '0'))::uuid, 'p' || g, 'electronics',
                  ROW('outdoor')::public.adv_tags, ROW(10)::public.adv_money, true
             FROM generate_series(1, 20) g;",
    );
    // An ordinary user then takes the quiz and asks for recommendations (which
    // attaches the catalog when products appeared after the install).
    let answers = s.answers(0);
    let mut svc = s.service();
    let r1 = svc.query(
        "SELECT user_id FROM personality_assess($1::text::uuid, $2::text::jsonb)",
        &[&user_id(VICTIM), &answers],
    );
    let mut v = s.user(VICTIM);
    let r2 = v.query(
        "SELECT product_id FROM personality_recommend($1::text::uuid, 5)",
        &[&user_id(VICTIM)],
    );
    let mut op = connect(&s.db, "postgres");
    let r3 = op.query("SELECT personality_attach_catalog()", &[]);
    let bound = s.dependencies_on_attacker();
    eprintln!(
        "plant: {}, assess: {}, recommend: {}, attach_catalog: {} {:?}",
        sqlstate(&planted),
        sqlstate(&r1),
        sqlstate(&r2),
        sqlstate(&r3),
        r3.as_ref().err()
    );
    s.assert_not_escalated(&format!(
        "casts of the attacker's column types in its own public.products run inside owner code (plant: {}, assess: {}, recommend: {}, attach_catalog: {}, bound: {bound:?})",
        sqlstate(&planted),
        sqlstate(&r1),
        sqlstate(&r2),
        sqlstate(&r3)
    ));
    assert!(
        bound.is_empty(),
        "ATTACK SUCCEEDED: extension objects bound to the attacker's cast functions: {bound:?}"
    );
}

#[test]
fn attacker_view_takes_the_adapters_place_after_a_drop() {
    // The README's way to change the adapter's column types is to drop and create
    // personality_product_features. In that window a role that may create in public
    // creates its own; the owner's refresh (and every later one) then reads it as owner.
    let mut s = Scene::new("nr_adapter_window", Attacker::PublicCreator);
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil"))
        .expect("evil");
    s.admin
        .batch_execute(
            "ALTER EXTENSION personality_ext DROP VIEW personality_product_features;
             DROP VIEW personality_product_features;",
        )
        .expect("operator drops the adapter");
    // after the operator's own change (the members count drops by the view)
    let before = s.snapshot(&[]);
    a.batch_execute(
        "CREATE VIEW public.personality_product_features AS
           SELECT ('00000000-0000-4000-c000-' || lpad(g::text, 12, '0'))::uuid AS product_id,
                  'toys-games'::text AS category, '{party}'::text[] AS tags, 1::numeric AS price,
                  true AS is_active
             FROM generate_series(1, 120) g WHERE public.adv_evil()",
    )
    .expect("attacker's adapter");
    // The back end (service_role) refreshes, as documented after replacing the view.
    let mut svc = s.service();
    let r = svc.query_one("SELECT personality_refresh_product_vectors()", &[]);
    s.assert_unchanged(
        &before,
        &format!(
            "an attacker-owned personality_product_features read by personality_refresh_product_vectors as owner (refresh: {})",
            sqlstate(&r)
        ),
    );
}
