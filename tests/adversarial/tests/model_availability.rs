//! Classes 4, 5 and 8 of issue 20, as an attacker plays them: one row of their own must
//! not stop the model for everyone, a role that may only connect must not stall it, and
//! one bulk request of their own swipes must cost in proportion to its size.
use personality_adversarial::*;
use postgres::Client;
use std::time::{Duration, Instant};

fn refresh(admin: &mut Client, full: bool) -> Result<String, postgres::Error> {
    admin
        .query_one("SELECT personality_refresh_model($1)::text", &[&full])
        .map(|r| r.get(0))
}

#[test]
fn a_users_own_swipe_with_an_absurd_time_stops_no_refresh() {
    // The attacker's own swipes, through the app's API (RLS: their own user_id only),
    // dated at the extremes Postgres accepts.
    let mut s = Scene::new("avail_bad_time", Attacker::NoGrants);
    let mut u = s.user(ATTACKER_USER);
    for ts in [
        "-infinity",
        "infinity",
        "1500-01-01",
        "4000-01-01",
        "0001-01-01 BC",
    ] {
        u.execute(
            "INSERT INTO swipes (user_id, product_id, direction, created_at)
             VALUES ($1::text::uuid, $2::text::uuid, 'right', $3::text::timestamptz)",
            &[&user_id(ATTACKER_USER), &product_id(30), &ts],
        )
        .unwrap_or_else(|e| panic!("the attacker's own swipe at {ts}: {e}"));
    }
    for full in [true, false, true] {
        let r = refresh(&mut s.admin, full);
        assert!(
            r.is_ok(),
            "ATTACK SUCCEEDED: one user's swipe stopped the model refresh (full = {full}): {r:?}"
        );
    }
    let skipped: i64 = s
        .admin
        .query_one(
            "SELECT coalesce(model_rows_skipped, 0)::bigint FROM personality_health()",
            &[],
        )
        .expect("health")
        .get(0);
    assert!(
        skipped >= 2,
        "the bad rows are counted in personality_health(): {skipped}"
    );
    let mut v = s.user(VICTIM);
    let n: i64 = v
        .query_one(
            "SELECT count(*) FROM personality_recommend($1::text::uuid, 10)",
            &[&user_id(VICTIM)],
        )
        .expect("the victim's recommendations")
        .get(0);
    assert!(n > 0);
}

#[test]
fn a_role_that_may_only_connect_cannot_stall_the_refresh() {
    let mut s = Scene::new("avail_stall", Attacker::NoGrants);
    refresh(&mut s.admin, true).expect("first refresh");
    // The attacker: an idle transaction, and the advisory key 0.3.0 used, held.
    let mut a = s.attacker();
    a.batch_execute(
        "BEGIN; SELECT 1;
         SELECT pg_advisory_lock(hashtextextended('personality_refresh_model', 0));",
    )
    .expect("idle transaction and advisory lock");
    // New swipes by others after the attacker's transaction started.
    let mut v = s.user(VICTIM);
    for p in 50..56 {
        v.execute(
            "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'right')",
            &[&user_id(VICTIM), &product_id(p)],
        )
        .expect("victim swipe");
    }
    s.admin
        .batch_execute("SET statement_timeout = '20s'")
        .expect("timeout");
    let t = Instant::now();
    let r = refresh(&mut s.admin, false);
    assert!(
        r.is_ok(),
        "ATTACK SUCCEEDED: the refresh waited for the attacker's lock or transaction: {r:?}"
    );
    assert!(
        t.elapsed() < Duration::from_secs(15),
        "the refresh waited {:?}",
        t.elapsed()
    );
    let likes: f64 = s
        .admin
        .query_one(
            "SELECT coalesce((SELECT likes FROM personality_item_stats WHERE product_id = $1::text::uuid), 0)::float8",
            &[&product_id(50)],
        )
        .expect("item stats")
        .get(0);
    assert!(
        likes >= 1.0,
        "ATTACK SUCCEEDED: an idle transaction kept the new swipes out of the model: {r:?}"
    );
    a.batch_execute("ROLLBACK").ok();
}

/// The attacker's own swipes in one request: `n` rows in one INSERT, rolled back.
fn bulk(c: &mut Client, user: &str, table: &str, n: i32) -> Duration {
    let mut tx = c.transaction().expect("begin");
    let t = Instant::now();
    tx.batch_execute(&format!(
        "INSERT INTO {table} (user_id, product_id, direction)
         SELECT '{user}'::uuid, ('00000000-0000-4000-c000-' || lpad((1 + g % 100)::text, 12, '0'))::uuid,
                (ARRAY['left','right','up','down'])[1 + g % 4]
           FROM generate_series(1, {n}) g"
    ))
    .unwrap_or_else(|e| panic!("bulk insert into {table}: {e}"));
    let took = t.elapsed();
    tx.rollback().expect("rollback");
    took
}

#[test]
fn one_bulk_request_of_own_swipes_costs_in_proportion() {
    // A bulk POST of one's own swipes (PostgREST: one INSERT of many rows) was O(N²):
    // 10,000 took 6.5 s against 0.12 s without the trigger. The same rows into a copy of
    // the table without the trigger are the yardstick, measured on the same connection.
    let mut s = Scene::new("avail_bulk", Attacker::NoGrants);
    s.admin
        .batch_execute(
            "CREATE TABLE swipes_plain (LIKE swipes INCLUDING DEFAULTS);
             GRANT INSERT ON swipes_plain TO authenticated;",
        )
        .expect("plain table");
    let mut u = s.user(ATTACKER_USER);
    let user = user_id(ATTACKER_USER);
    // a first small request on the connection (the app's connections are pooled)
    bulk(&mut u, &user, "swipes", 10);
    let plain = (0..2)
        .map(|_| bulk(&mut u, &user, "swipes_plain", 10_000))
        .min()
        .unwrap();
    let small = (0..2)
        .map(|_| bulk(&mut u, &user, "swipes", 2_500))
        .min()
        .unwrap();
    let large = (0..2)
        .map(|_| bulk(&mut u, &user, "swipes", 10_000))
        .min()
        .unwrap();
    eprintln!("10,000 without trigger {plain:?}; with: 2,500 {small:?}, 10,000 {large:?}");
    // linear: four times the rows cost well under the sixteen times of a quadratic cost
    assert!(
        large.as_secs_f64() < 8.0 * small.as_secs_f64().max(0.05),
        "ATTACK SUCCEEDED: 4x the swipes in one request cost {:.1}x (quadratic)",
        large.as_secs_f64() / small.as_secs_f64()
    );
    assert!(
        large.as_secs_f64() < 40.0 * plain.as_secs_f64().max(0.02),
        "ATTACK SUCCEEDED: 10,000 own swipes in one request cost {:.0}x the trigger-less insert",
        large.as_secs_f64() / plain.as_secs_f64()
    );
}

#[test]
fn a_bulk_request_as_a_new_connections_first_statement_is_linear() {
    // A brand-new connection's first statement loaded the library from its first row
    // trigger, too late to batch the statement: it learnt row by row, in quadratic time.
    // Each request here is the first statement of a new connection.
    let mut s = Scene::new("avail_first", Attacker::NoGrants);
    s.admin
        .batch_execute(
            "CREATE TABLE swipes_plain (LIKE swipes INCLUDING DEFAULTS);
             GRANT INSERT ON swipes_plain TO authenticated;",
        )
        .expect("plain table");
    let user = user_id(ATTACKER_USER);
    let first = |table: &str, n: i32| {
        let mut u = s.user(ATTACKER_USER);
        bulk(&mut u, &user, table, n)
    };
    let plain = (0..2).map(|_| first("swipes_plain", 10_000)).min().unwrap();
    let small = (0..2).map(|_| first("swipes", 2_500)).min().unwrap();
    let large = (0..2).map(|_| first("swipes", 10_000)).min().unwrap();
    eprintln!("first statements: 10,000 without trigger {plain:?}; with: 2,500 {small:?}, 10,000 {large:?}");
    assert!(
        large.as_secs_f64() < 8.0 * small.as_secs_f64().max(0.05),
        "ATTACK SUCCEEDED: as a connection's first statement, 4x the swipes cost {:.1}x (quadratic)",
        large.as_secs_f64() / small.as_secs_f64()
    );
    assert!(
        large.as_secs_f64() < 40.0 * plain.as_secs_f64().max(0.02),
        "ATTACK SUCCEEDED: 10,000 own swipes as a connection's first statement cost {:.0}x the trigger-less insert",
        large.as_secs_f64() / plain.as_secs_f64()
    );
}
