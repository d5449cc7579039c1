//! Class 3: settings and functions the caller controls.
//!
//! * `personality.host_schema` is an ordinary user setting; owner code uses it to find
//!   the host's products/profiles, so a caller can point it at tables of their own
//!   (a schema they created, or simply `pg_temp`).
//! * `auth.uid()`: on plain Postgres (no Supabase auth schema) any role that may
//!   CREATE in the database can create schema `auth` and a function `auth.uid()`,
//!   which _personality_current_user_id() then trusts (for RLS and for
//!   personality_assess / personality_recommend) and calls from owner code.
use personality_adversarial::*;
use postgres::Client;

/// As the attacker: a products table of their own in `schema`, the setting pointed
/// at it, personality_attach_catalog(), then the real product ids inserted and deleted.
fn host_schema_attack(c: &mut Client, schema: &str, create: &str) -> (String, String) {
    c.batch_execute(create).expect("attacker's products table");
    // Refusing the SET itself (42501) is one way to block the attack; then the rest
    // runs without it and must be refused or harmless too.
    let set = c.batch_execute(&format!("SET personality.host_schema = '{schema}'"));
    eprintln!("SET personality.host_schema: {}", sqlstate(&set));
    let attach = c.query_one("SELECT personality_attach_catalog()", &[]);
    let cut = c.batch_execute(&format!(
        "INSERT INTO {schema}.products (id, name)
           SELECT ('00000000-0000-4000-c000-' || lpad(g::text, 12, '0'))::uuid, 'x' FROM generate_series(1, 120) g;
         DELETE FROM {schema}.products;"
    ));
    (sqlstate(&attach), sqlstate(&cut))
}

#[test]
fn host_schema_points_attach_catalog_at_a_temp_table() {
    let mut s = Scene::new("cs_host_schema_temp", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    let (attach, cut) = host_schema_attack(
        &mut c,
        "pg_temp",
        "CREATE TEMP TABLE products (id uuid PRIMARY KEY, name text, category_id uuid, tags text[],
                                    price numeric, is_active boolean)",
    );
    s.assert_unchanged(
        &before,
        &format!("SET personality.host_schema = 'pg_temp': personality_attach_catalog() attaches the vector triggers to the attacker's temp products, whose DELETE cuts the real vectors (attach: {attach}, delete: {cut})"),
    );
}

#[test]
fn host_schema_points_attach_catalog_at_an_own_schema() {
    let mut s = Scene::new("cs_host_schema_own", Attacker::SchemaCreator);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    let (attach, cut) = host_schema_attack(
        &mut c,
        "adv",
        "CREATE SCHEMA adv;
         CREATE TABLE adv.products (id uuid PRIMARY KEY, name text, category_id uuid, tags text[],
                                    price numeric, is_active boolean)",
    );
    s.assert_unchanged(
        &before,
        &format!("SET personality.host_schema = 'adv' (the attacker's schema): vector triggers on the attacker's products cut the real vectors (attach: {attach}, delete: {cut})"),
    );
}

#[test]
fn host_schema_redirects_the_link_and_status_functions() {
    let mut s = Scene::new("cs_host_schema_link", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut c = s.attacker();
    c.batch_execute(&s.evil_sql("pg_temp.evil")).expect("evil");
    // A temp 'profiles' whose id column's type is read by owner code, plus a temp
    // view the status function reads, calling pg_temp.evil().
    c.batch_execute(
        "CREATE TEMP TABLE profiles (id uuid PRIMARY KEY);
         CREATE TEMP VIEW pg_index AS SELECT x.* FROM pg_catalog.pg_index x WHERE pg_temp.evil();",
    )
    .expect("setup");
    let set = c.batch_execute("SET personality.host_schema = 'pg_temp'");
    eprintln!("SET personality.host_schema: {}", sqlstate(&set));
    let r1 = c.query("SELECT * FROM personality_link_host()", &[]);
    let r2 = c.query("SELECT * FROM personality_host_status()", &[]);
    s.assert_unchanged(
        &before,
        "personality.host_schema + temp relations in personality_link_host / host_status",
    );
    eprintln!(
        "link_host: {}, host_status: {}",
        sqlstate(&r1),
        sqlstate(&r2)
    );
}

/// As the SchemaCreator attacker: schema auth with auth.uid() returning `body`.
fn plant_auth_uid(s: &Scene, body: &str) {
    let mut a = s.attacker();
    a.batch_execute("CREATE SCHEMA auth")
        .expect("create schema auth");
    a.batch_execute(&s.evil_sql("auth.adv_evil"))
        .expect("auth.adv_evil");
    a.batch_execute(&format!(
        "CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE plpgsql STABLE AS $$ BEGIN {body} END $$;
         GRANT USAGE ON SCHEMA auth TO PUBLIC;"
    ))
    .expect("auth.uid()");
}

#[test]
fn planted_auth_uid_reads_and_acts_for_another_user() {
    let mut s = Scene::new("cs_auth_uid_victim", Attacker::SchemaCreator);
    plant_auth_uid(&s, &format!("RETURN '{}'::uuid;", user_id(VICTIM)));
    let answers = s.answers(2);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    let mut f = Failures::default();
    for (what, sql) in [
        (
            "profiles",
            "SELECT count(*) FROM personality_profiles WHERE user_id = $1::text::uuid",
        ),
        (
            "history",
            "SELECT count(*) FROM personality_assessment_history WHERE user_id = $1::text::uuid",
        ),
        (
            "recommendations",
            "SELECT count(*) FROM personality_recommendations WHERE user_id = $1::text::uuid",
        ),
        (
            "learning state",
            "SELECT count(*) FROM personality_learning_state WHERE user_id = $1::text::uuid",
        ),
    ] {
        match c.query_one(sql, &[&user_id(VICTIM)]) {
            Ok(r) => {
                let n: i64 = r.get(0);
                f.check(n == 0, || {
                    format!("user 1 reads {n} {what} row(s) of user 2 through RLS")
                });
            }
            Err(e) => f.push(format!("{what}: {e}")),
        }
    }
    let rec = c.query(
        "SELECT product_id FROM personality_recommend($1::text::uuid, 5)",
        &[&user_id(VICTIM)],
    );
    f.check(sqlstate(&rec) == "42501", || {
        format!(
            "personality_recommend(user 2) as user 1: {}",
            sqlstate(&rec)
        )
    });
    let ass = c.query(
        "SELECT user_id FROM personality_assess($1::text::uuid, $2::text::jsonb)",
        &[&user_id(VICTIM), &answers],
    );
    f.check(sqlstate(&ass) == "42501", || {
        format!("personality_assess(user 2) as user 1: {}", sqlstate(&ass))
    });
    let del = c.execute(
        "DELETE FROM personality_profiles WHERE user_id = $1::text::uuid",
        &[&user_id(VICTIM)],
    );
    f.check(matches!(del, Ok(0)) || sqlstate(&del) == "42501", || {
        format!("user 1 deletes user 2's profile: {del:?}")
    });
    s.assert_unchanged(
        &before,
        "auth.uid() planted by a role with CREATE on the database returns user 2 for user 1",
    );
    f.assert_none("a planted auth.uid() lets user 1 act as user 2");
}

#[test]
fn planted_auth_uid_runs_with_owner_rights() {
    let mut s = Scene::new("cs_auth_uid_escalate", Attacker::SchemaCreator);
    plant_auth_uid(
        &s,
        &format!(
            "PERFORM auth.adv_evil(); RETURN '{}'::uuid;",
            user_id(ATTACKER_USER)
        ),
    );
    let answers = s.answers(1);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut c = s.user(ATTACKER_USER);
    let _ = c.query(
        "SELECT user_id FROM personality_assess($1::text::uuid, $2::text::jsonb)",
        &[&user_id(ATTACKER_USER), &answers],
    );
    let _ = c.query(
        "SELECT product_id FROM personality_recommend($1::text::uuid, 5)",
        &[&user_id(ATTACKER_USER)],
    );
    let _ = c.query_one(
        "SELECT personality_sync_profile($1::text::uuid)",
        &[&user_id(ATTACKER_USER)],
    );
    s.assert_unchanged(&before, "auth.uid() planted in a schema the attacker created is called by _personality_current_user_id inside SECURITY DEFINER personality_assess/recommend/sync_profile");
}

#[test]
fn planted_auth_uid_runs_when_the_back_end_reads_rls_tables() {
    // Even a trusted caller must not run the attacker's auth.uid() with more rights
    // than the attacker: here the superuser (the owner) reads a policy-protected view.
    let mut s = Scene::new("cs_auth_uid_owner_read", Attacker::SchemaCreator);
    plant_auth_uid(&s, "PERFORM auth.adv_evil(); RETURN NULL;");
    let before = s.snapshot(&[]);
    let mut op = connect(&s.db, "postgres");
    // security_invoker view over an RLS table: the owner bypasses RLS, so the policy
    // (and auth.uid()) must not run; a non-owner trusted role (service_role) bypasses too.
    let r1 = op.query("SELECT * FROM personality_learning", &[]);
    let mut svc = s.service();
    let r2 = svc.query("SELECT * FROM personality_learning", &[]);
    s.assert_unchanged(
        &before,
        "auth.uid() called with elevated rights while the back end reads RLS tables",
    );
    eprintln!("{} {}", sqlstate(&r1), sqlstate(&r2));
}

#[test]
fn host_schema_as_a_role_default_before_the_library_loads() {
    // The attacker sets the parameter as a default of its own role, while it is still
    // an unknown placeholder in that session (the library is not loaded yet).
    let mut s = Scene::new("cs_host_schema_role_default", Attacker::NoGrants);
    let before = s.snapshot(&[]);
    let mut a = s.attacker();
    let alter = a.batch_execute(&format!(
        "ALTER ROLE {} SET personality.host_schema = 'pg_temp'",
        s.role
    ));
    let set = a.batch_execute("SELECT set_config('personality.host_schema', 'pg_temp', false)");
    drop(a);
    let mut c = s.attacker();
    let (attach, cut) = host_schema_attack(
        &mut c,
        "pg_temp",
        "CREATE TEMP TABLE products (id uuid PRIMARY KEY, name text, category_id uuid, tags text[],
                                    price numeric, is_active boolean)",
    );
    let seen: Option<String> = c
        .query_one(
            "SELECT current_setting('personality.host_schema', true)",
            &[],
        )
        .ok()
        .and_then(|r| r.get(0));
    eprintln!(
        "ALTER ROLE: {}, set_config: {}, seen: {seen:?}, attach: {attach}, delete: {cut}",
        sqlstate(&alter),
        sqlstate(&set)
    );
    s.assert_unchanged(
        &before,
        &format!("personality.host_schema as a role default / placeholder (ALTER ROLE: {}, set_config: {}, seen: {seen:?}, attach: {attach}, delete: {cut})",
                 sqlstate(&alter), sqlstate(&set)),
    );
}

#[test]
fn product_traits_schema_cache_poisoned_then_used_as_owner() {
    // personality_product_traits looks the extension's schema up once per backend,
    // with the caller's search_path. A user who calls it first, with a temp
    // pg_extension pointing at pg_temp, makes later owner code in that backend read
    // the user's temp "personality_gift_mappings" view. Here the app lets users list
    // products, so the user's INSERT fires the owner's vector refresh.
    let mut s = Scene::new("cs_traits_cache", Attacker::NoGrants);
    s.admin
        .batch_execute("GRANT INSERT ON products TO authenticated")
        .expect("grant");
    let mut c = s.user(ATTACKER_USER);
    c.batch_execute(&s.evil_sql("pg_temp.evil")).expect("evil");
    c.batch_execute(
        "CREATE TEMP VIEW personality_gift_mappings AS
           SELECT m.* FROM public.personality_gift_mappings m WHERE pg_temp.evil();
         CREATE TEMP VIEW pg_extension AS
           SELECT e.oid, e.extname, pg_catalog.pg_my_temp_schema() AS extnamespace FROM pg_catalog.pg_extension e;",
    )
    .expect("temp views");
    let warm = c.query_one(
        "SELECT personality_product_traits('electronics', '{outdoor}')",
        &[],
    );
    let ins = c.execute(
        "INSERT INTO products (id, name, category_id, tags, price)
         VALUES ('00000000-0000-4000-c000-000000099999', 'listed by user 1',
                 '00000000-0000-4000-b000-000000000001', '{outdoor}', 10)",
        &[],
    );
    eprintln!("warm-up: {}, insert: {}", sqlstate(&warm), sqlstate(&ins));
    s.assert_not_escalated(&format!(
        "schema cache of personality_product_traits poisoned by the user's own call, then used by the owner's vector refresh (warm-up: {}, insert: {})",
        sqlstate(&warm),
        sqlstate(&ins)
    ));
}

#[test]
fn setting_reader_does_not_leak_privileged_settings() {
    // _personality_setting(text) is EXECUTE-able by PUBLIC and reads settings through
    // the library: it must not hand out what current_setting() refuses a non-superuser.
    let s = Scene::new("cs_setting_reader", Attacker::NoGrants);
    let mut f = Failures::default();
    let mut op = connect(&s.db, "postgres");
    let mut c = s.anon();
    for name in [
        "data_directory",
        "hba_file",
        "config_file",
        "ident_file",
        "ssl_key_file",
        "log_directory",
    ] {
        let real: Option<String> = op
            .query_one("SELECT current_setting($1::text)", &[&name])
            .ok()
            .and_then(|r| r.get(0));
        let got = c.query_one("SELECT _personality_setting($1::text)", &[&name]);
        if let Ok(row) = &got {
            let v: Option<String> = row.get(0);
            f.check(v.is_none() || v.as_deref() == Some("") || v != real, || {
                format!("anon reads {name} = {v:?} through _personality_setting")
            });
        }
    }
    f.assert_none("privileged settings leaked");
}

#[test]
fn trusted_roles_setting_cannot_be_widened_by_the_caller() {
    // auth.uid() is trusted when its owner is a superuser or named in
    // personality.trusted_roles. A signed-in user names the planter's role there
    // (SET, set_config, before and after the library is loaded), then reads user 2's
    // rows and acts for user 2.
    let mut s = Scene::new("cs_trusted_roles", Attacker::SchemaCreator);
    plant_auth_uid(&s, &format!("RETURN '{}'::uuid;", user_id(VICTIM)));
    let answers = s.answers(3);
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut f = Failures::default();
    let role = s.role.clone();
    for when in ["before the library loads", "after the library loads"] {
        let mut c = s.user(ATTACKER_USER);
        if when.starts_with("after") {
            let _ = c.query_one(
                "SELECT personality_product_traits('electronics', '{}')",
                &[],
            );
        }
        let set1 = c.batch_execute(&format!("SET personality.trusted_roles = '{role}'"));
        let set2 = c.batch_execute(&format!(
            "SELECT set_config('personality.trusted_roles', '{role}', false)"
        ));
        let n: Option<i64> = c
            .query_one(
                "SELECT count(*) FROM personality_profiles WHERE user_id = $1::text::uuid",
                &[&user_id(VICTIM)],
            )
            .ok()
            .map(|r| r.get(0));
        f.check(n.unwrap_or(0) == 0, || {
            format!(
                "{when}: user 1 reads user 2's profile (SET: {}, set_config: {})",
                sqlstate(&set1),
                sqlstate(&set2)
            )
        });
        let ass = c.query(
            "SELECT user_id FROM personality_assess($1::text::uuid, $2::text::jsonb)",
            &[&user_id(VICTIM), &answers],
        );
        f.check(sqlstate(&ass) == "42501", || {
            format!(
                "{when}: personality_assess(user 2) as user 1 -> {}",
                sqlstate(&ass)
            )
        });
    }
    s.assert_unchanged(
        &before,
        "personality.trusted_roles widened by the caller to trust a planted auth.uid()",
    );
    f.assert_none("trusted_roles set by the caller");
}
