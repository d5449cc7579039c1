//! Row-level security matrix: anon, user A, user B and service_role, connected the way
//! PostgREST connects (login role `authenticator`, SET ROLE, request.jwt.claims), on the
//! four seed tables and the learning state, for SELECT / INSERT / UPDATE / DELETE, and
//! who may call personality_sync_profile. Every cell is asserted.
use personality_integration::*;
use postgres::Client;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// permission denied (42501)
    Denied,
    /// succeeds and touches exactly this many rows (SELECT: sees this many)
    Rows(u64),
}
use Expect::*;

#[derive(Debug, Clone, Copy)]
enum Actor {
    Anon,
    User(u32),
    Service,
}

const A: u32 = 1;
const B: u32 = 2;

fn load(c: &mut Client) {
    // Users 1, 2 and 3 each have 1 profile, 2 history rows and 3 recommendations.
    c.batch_execute(
        "INSERT INTO personality_profiles (user_id, primary_type, personality_scores)
         SELECT id, 'creative', '{\"creative\": 80}' FROM profiles;
         INSERT INTO personality_assessment_history
             (user_id, assessment_data, personality_scores, primary_type, assessment_trigger, questions_answered)
         SELECT user_id, '{}', personality_scores, primary_type, t, 20
           FROM personality_profiles, (VALUES ('initial'), ('periodic')) v(t);
         INSERT INTO personality_recommendations
             (user_id, product_id, personality_profile_id, personality_match_score,
              category_alignment_score, behavioral_prediction, combined_score, confidence_level)
         SELECT pp.user_id, p.id, pp.id, 0.5, 0.5, 0.5, 0.5, 0.5
           FROM personality_profiles pp CROSS JOIN (SELECT id FROM products ORDER BY id LIMIT 3) p;
         -- a neutral swipe each: a learning state row per user, nothing else changes
         INSERT INTO swipes (user_id, product_id, direction)
         SELECT user_id, (SELECT id FROM products ORDER BY id LIMIT 1), 'down' FROM personality_profiles;
         INSERT INTO profiles (id, email) VALUES ('00000000-0000-4000-d000-000000000004', 'four@example.com');",
    )
    .expect("loading rows");
}

/// Runs `sql` as `actor` in a transaction that is rolled back; returns rows touched.
fn run_as(c: &mut Client, actor: Actor, sql: &str) -> Result<u64, postgres::Error> {
    let mut tx = c.transaction()?;
    let (role, claims) = match actor {
        Actor::Anon => ("anon", r#"{"role": "anon"}"#.to_string()),
        Actor::User(n) => (
            "authenticated",
            format!(r#"{{"sub": "{}", "role": "authenticated"}}"#, user_id(n)),
        ),
        Actor::Service => ("service_role", r#"{"role": "service_role"}"#.to_string()),
    };
    tx.batch_execute(&format!("SET LOCAL ROLE {role}"))?;
    tx.execute(
        "SELECT set_config('request.jwt.claims', $1, true)",
        &[&claims],
    )?;
    let n = tx.execute(sql, &[])?;
    tx.rollback()?;
    Ok(n)
}

fn check(c: &mut Client, actor: Actor, what: &str, sql: &str, expect: Expect) -> Option<String> {
    let got = run_as(c, actor, sql);
    let ok = match (&got, expect) {
        (Ok(n), Rows(m)) => *n == m,
        (Err(e), Denied) => e.code().map(|s| s.code()) == Some("42501"),
        _ => false,
    };
    if ok {
        None
    } else {
        Some(format!(
            "{actor:?} {what}: expected {expect:?}, got {}",
            match got {
                Ok(n) => format!("Rows({n})"),
                Err(e) => format!("error {}", sqlstate::<()>(&Err(e))),
            }
        ))
    }
}

#[test]
fn rls_matrix() {
    let mut c = fresh_db("it_rls", 20, 3, true);
    load(&mut c);
    let mut app = connect("it_rls", "authenticator");
    let a = user_id(A);
    let b = user_id(B);
    let ins_profile = |u: &str| {
        format!("INSERT INTO personality_profiles (user_id, primary_type, personality_scores) VALUES ('{u}', 'social', '{{}}')")
    };
    let ins_history = |u: &str| {
        format!("INSERT INTO personality_assessment_history (user_id, assessment_data, personality_scores, primary_type, assessment_trigger, questions_answered) VALUES ('{u}', '{{}}', '{{}}', 'social', 'initial', 1)")
    };
    let ins_rec = |u: &str| {
        format!("INSERT INTO personality_recommendations (user_id, product_id, personality_profile_id, personality_match_score, category_alignment_score, behavioral_prediction, combined_score, confidence_level) SELECT '{u}', '{}', id, 0.1, 0.1, 0.1, 0.1, 0.1 FROM personality_profiles WHERE user_id = '{u}'", product_id(10))
    };
    let ins_mapping = "INSERT INTO personality_gift_mappings (personality_type, recommended_categories, recommendation_weight) VALUES ('social', '{food-drink}', 0.5)";

    let mut cells: Vec<(Actor, String, String, Expect)> = Vec::new();
    let mut cell = |actor: Actor, what: &str, sql: String, e: Expect| {
        cells.push((actor, what.to_string(), sql, e));
    };

    for (table, own) in [
        ("personality_profiles", 1u64),
        ("personality_assessment_history", 2),
    ] {
        let ins = if table == "personality_profiles" {
            ins_profile(&a)
        } else {
            ins_history(&a)
        };
        let ins_b = if table == "personality_profiles" {
            ins_profile(&b)
        } else {
            ins_history(&b)
        };
        // anon: nothing at all
        cell(
            Actor::Anon,
            &format!("{table} select"),
            format!("SELECT * FROM {table}"),
            Denied,
        );
        cell(Actor::Anon, &format!("{table} insert"), ins.clone(), Denied);
        cell(
            Actor::Anon,
            &format!("{table} update"),
            format!("UPDATE {table} SET primary_type = 'x'"),
            Denied,
        );
        cell(
            Actor::Anon,
            &format!("{table} delete"),
            format!("DELETE FROM {table}"),
            Denied,
        );
        // users: read and delete their own rows only, never write
        for (u, other) in [(A, &b), (B, &a)] {
            cell(
                Actor::User(u),
                &format!("{table} select all"),
                format!("SELECT * FROM {table}"),
                Rows(own),
            );
            cell(
                Actor::User(u),
                &format!("{table} select other's"),
                format!("SELECT * FROM {table} WHERE user_id = '{other}'"),
                Rows(0),
            );
            cell(
                Actor::User(u),
                &format!("{table} insert own"),
                if u == A { ins.clone() } else { ins_b.clone() },
                Denied,
            );
            cell(
                Actor::User(u),
                &format!("{table} insert other's"),
                if u == A { ins_b.clone() } else { ins.clone() },
                Denied,
            );
            cell(
                Actor::User(u),
                &format!("{table} update"),
                format!("UPDATE {table} SET primary_type = 'x'"),
                Denied,
            );
            cell(
                Actor::User(u),
                &format!("{table} delete all"),
                format!("DELETE FROM {table}"),
                Rows(own),
            );
            cell(
                Actor::User(u),
                &format!("{table} delete other's"),
                format!("DELETE FROM {table} WHERE user_id = '{other}'"),
                Rows(0),
            );
        }
        // service_role: everything
        cell(
            Actor::Service,
            &format!("{table} select"),
            format!("SELECT * FROM {table}"),
            Rows(own * 3),
        );
        // user 4 exists in the host but has no personality profile yet
        let ins_4 = if table == "personality_profiles" {
            ins_profile(&user_id(4))
        } else {
            ins_history(&user_id(4))
        };
        cell(Actor::Service, &format!("{table} insert"), ins_4, Rows(1));
        cell(
            Actor::Service,
            &format!("{table} update"),
            format!("UPDATE {table} SET primary_type = 'x'"),
            Rows(own * 3),
        );
        cell(
            Actor::Service,
            &format!("{table} delete"),
            format!("DELETE FROM {table}"),
            Rows(own * 3),
        );
    }

    let t = "personality_recommendations";
    cell(
        Actor::Anon,
        "recommendations select",
        format!("SELECT * FROM {t}"),
        Denied,
    );
    cell(Actor::Anon, "recommendations insert", ins_rec(&a), Denied);
    cell(
        Actor::Anon,
        "recommendations update",
        format!("UPDATE {t} SET is_shown = true"),
        Denied,
    );
    cell(
        Actor::Anon,
        "recommendations delete",
        format!("DELETE FROM {t}"),
        Denied,
    );
    for (u, other) in [(A, &b), (B, &a)] {
        let own = user_id(u);
        cell(
            Actor::User(u),
            "recommendations select all",
            format!("SELECT * FROM {t}"),
            Rows(3),
        );
        cell(
            Actor::User(u),
            "recommendations select other's",
            format!("SELECT * FROM {t} WHERE user_id = '{other}'"),
            Rows(0),
        );
        cell(
            Actor::User(u),
            "recommendations insert own",
            ins_rec(&own),
            Denied,
        );
        cell(Actor::User(u), "recommendations update interaction columns", format!("UPDATE {t} SET is_shown = true, shown_at = now(), is_swiped = true, swipe_direction = 'right', interacted_at = now(), is_purchased = true"), Rows(3));
        cell(
            Actor::User(u),
            "recommendations update other's",
            format!("UPDATE {t} SET is_shown = true WHERE user_id = '{other}'"),
            Rows(0),
        );
        cell(
            Actor::User(u),
            "recommendations update a score",
            format!("UPDATE {t} SET combined_score = 1"),
            Denied,
        );
        cell(
            Actor::User(u),
            "recommendations move a row to another user",
            format!("UPDATE {t} SET user_id = '{other}'"),
            Denied,
        );
        cell(
            Actor::User(u),
            "recommendations delete",
            format!("DELETE FROM {t}"),
            Denied,
        );
    }
    cell(
        Actor::Service,
        "recommendations select",
        format!("SELECT * FROM {t}"),
        Rows(9),
    );
    cell(
        Actor::Service,
        "recommendations insert",
        ins_rec(&a),
        Rows(1),
    );
    cell(
        Actor::Service,
        "recommendations update",
        format!("UPDATE {t} SET combined_score = 1"),
        Rows(9),
    );
    cell(
        Actor::Service,
        "recommendations delete",
        format!("DELETE FROM {t}"),
        Rows(9),
    );

    let m = "personality_gift_mappings";
    for actor in [Actor::Anon, Actor::User(A), Actor::User(B)] {
        cell(
            actor,
            "mappings select",
            format!("SELECT * FROM {m}"),
            Rows(5),
        );
        cell(actor, "mappings insert", ins_mapping.to_string(), Denied);
        cell(
            actor,
            "mappings update",
            format!("UPDATE {m} SET recommendation_weight = 0.1"),
            Denied,
        );
        cell(actor, "mappings delete", format!("DELETE FROM {m}"), Denied);
    }
    cell(
        Actor::Service,
        "mappings select",
        format!("SELECT * FROM {m}"),
        Rows(5),
    );
    cell(
        Actor::Service,
        "mappings insert",
        ins_mapping.to_string(),
        Rows(1),
    );
    cell(
        Actor::Service,
        "mappings update",
        format!("UPDATE {m} SET recommendation_weight = 0.1"),
        Rows(5),
    );
    cell(
        Actor::Service,
        "mappings delete",
        format!("DELETE FROM {m}"),
        Rows(5),
    );

    // The learning state: users read and delete their own row (table and view), nobody
    // but the extension writes it; service_role reads and deletes.
    let t = "personality_learning_state";
    let ins_state = format!("INSERT INTO {t} (user_id, state) VALUES ('{a}', '{{1}}')");
    for (actor, own) in [
        (Actor::Anon, None),
        (Actor::User(A), Some(1)),
        (Actor::User(B), Some(1)),
        (Actor::Service, Some(3)),
    ] {
        let read = own.map_or(Denied, Rows);
        cell(
            actor,
            "learning state select",
            format!("SELECT * FROM {t}"),
            read,
        );
        cell(
            actor,
            "learning view select",
            "SELECT * FROM personality_learning".to_string(),
            read,
        );
        cell(actor, "learning state insert", ins_state.clone(), Denied);
        cell(
            actor,
            "learning state update",
            format!("UPDATE {t} SET state = '{{1}}'"),
            Denied,
        );
        // users delete their own row (right to erasure, SECURITY.md), service_role any
        let delete = own.map_or(Denied, Rows);
        cell(
            actor,
            "learning state delete",
            format!("DELETE FROM {t}"),
            delete,
        );
        if let Actor::User(u) = actor {
            let other = if u == A { &b } else { &a };
            cell(
                actor,
                "learning state delete other's",
                format!("DELETE FROM {t} WHERE user_id = '{other}'"),
                Rows(0),
            );
        }
    }
    // personality_sync_profile: users for themselves, service_role for anyone / everyone.
    for (actor, own, other, all) in [
        (Actor::Anon, Denied, Denied, Denied),
        (Actor::User(A), Rows(1), Denied, Denied),
        (Actor::Service, Rows(1), Rows(1), Rows(1)),
    ] {
        cell(
            actor,
            "sync own profile",
            format!("SELECT personality_sync_profile('{a}')"),
            own,
        );
        cell(
            actor,
            "sync another user's profile",
            format!("SELECT personality_sync_profile('{b}')"),
            other,
        );
        cell(
            actor,
            "sync every profile",
            "SELECT personality_sync_profile()".to_string(),
            all,
        );
    }

    let n = cells.len();
    let failures: Vec<String> = cells
        .into_iter()
        .filter_map(|(actor, what, sql, e)| check(&mut app, actor, &what, &sql, e))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {n} RLS cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(n > 100, "matrix too small: {n}");
    drop(app);
    drop(c);
    drop_db("it_rls");
}

/// On Supabase, auth.uid() decides; the policies must call it where it exists.
#[test]
fn uses_auth_uid_when_it_exists() {
    let mut c = fresh_db("it_rls_auth", 5, 2, true);
    load(&mut c);
    c.batch_execute(
        "CREATE SCHEMA auth;
         CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
           AS $$ SELECT nullif(current_setting('test.uid', true), '')::uuid $$;
         GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;",
    )
    .expect("auth schema");
    let mut app = connect("it_rls_auth", "authenticator");
    let mut tx = app.transaction().expect("tx");
    tx.batch_execute("SET LOCAL ROLE authenticated")
        .expect("role");
    // Claims say user 2, auth.uid() says user 1: auth.uid() wins.
    tx.execute(
        "SELECT set_config('request.jwt.claims', $1, true), set_config('test.uid', $2, true)",
        &[&format!(r#"{{"sub": "{}"}}"#, user_id(2)), &user_id(1)],
    )
    .expect("claims");
    let rows = tx
        .query("SELECT user_id::text FROM personality_profiles", &[])
        .expect("select");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, String>(0), user_id(1));
    // A malformed token identifies nobody instead of failing the query.
    tx.execute("SELECT set_config('test.uid', 'not-a-uuid', true)", &[])
        .expect("bad uid");
    let rows = tx.query("SELECT 1 FROM personality_profiles", &[]);
    assert_eq!(rows.map(|r| r.len()).ok(), Some(0));
    tx.rollback().expect("rollback");
    drop(app);
    drop(c);
    drop_db("it_rls_auth");
}

/// The older PostgREST setting request.jwt.claim.sub is honoured too.
#[test]
fn honours_legacy_claim_sub() {
    let mut c = fresh_db("it_rls_legacy", 5, 2, true);
    load(&mut c);
    let mut app = connect("it_rls_legacy", "authenticator");
    let mut tx = app.transaction().expect("tx");
    tx.batch_execute("SET LOCAL ROLE authenticated")
        .expect("role");
    tx.execute(
        "SELECT set_config('request.jwt.claim.sub', $1, true)",
        &[&user_id(2)],
    )
    .expect("claim");
    let rows = tx
        .query("SELECT user_id::text FROM personality_profiles", &[])
        .expect("select");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, String>(0), user_id(2));
    tx.rollback().expect("rollback");
    drop(app);
    drop(c);
    drop_db("it_rls_legacy");
}
