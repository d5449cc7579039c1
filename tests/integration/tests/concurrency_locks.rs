//! Locking of the swipe trigger and the quiz under real concurrent connections
//! (issue 11): a retake while the same user swipes, transactions that insert swipes
//! of several users in opposite orders, row- and statement-level triggers mixed, and
//! advisory locks an app user can take on keys derived from another user's id.
//!
//! What must hold: no valid swipe insert or quiz fails (no 40P01, 55P03, 57014), and
//! after the final `personality_sync_profile(NULL)` every user's learnt swipes equal
//! their stored swipes.
use personality_integration::*;
use postgres::Client;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

const DIRECTIONS: [&str; 4] = ["right", "left", "up", "down"];

/// Errors of a concurrent run: their SQLSTATEs and the first few messages.
#[derive(Default)]
struct Failures {
    states: Vec<String>,
    samples: Vec<String>,
    /// transactions not run because the run hit its time budget
    skipped: u32,
}

impl Failures {
    fn record(&mut self, what: &str, e: &postgres::Error) {
        let (state, msg) = describe(e);
        if self.samples.len() < 8 {
            self.samples.push(format!("{what}: {state} {msg}"));
        }
        self.states.push(state);
    }
    fn report(&self) -> String {
        format!(
            "{} failed ({}), {} not run (time budget): {:#?}",
            self.states.len(),
            sqlstate_summary(&self.states),
            self.skipped,
            self.samples
        )
    }
}

type Shared = Arc<Mutex<Failures>>;

fn insert_swipe(
    c: &mut Client,
    table: &str,
    user: &str,
    product: &str,
    dir: &str,
) -> Result<u64, postgres::Error> {
    c.execute(
        &format!(
            "INSERT INTO {table} (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, $3)"
        ),
        &[&user, &product, &dir],
    )
}

/// learnt == stored for each user (after the final sync); returns "user: learnt vs stored" lines.
fn learnt_vs_stored(
    c: &mut Client,
    tables: &[&str],
    users: &[u32],
) -> Vec<(u32, Option<i64>, i64)> {
    sync_all(c);
    users
        .iter()
        .map(|&u| {
            let id = user_id(u);
            (u, learnt_swipes(c, &id), stored_swipes(c, tables, &id))
        })
        .collect()
}

fn assert_learnt_eq_stored(rows: &[(u32, Option<i64>, i64)]) {
    let bad: Vec<String> = rows
        .iter()
        .filter(|(_, l, s)| *l != Some(*s))
        .map(|(u, l, s)| format!("user {u}: learnt {l:?} vs stored {s}"))
        .collect();
    assert!(bad.is_empty(), "learning lost or doubled: {bad:#?}");
}

// ---------------------------------------------------------------------------------
// 1. A quiz retake while the same user swipes

const SWIPERS: u32 = 4;
const SWIPES_EACH: u32 = 150;

#[test]
fn retake_during_swipes_loses_nothing() {
    let db = "it_locks_retake";
    let mut c = fresh_db(db, 60, 3, true);
    c.batch_execute("GRANT INSERT, SELECT ON swipes TO authenticated")
        .expect("grant");
    let user = user_id(1);
    let answers = quiz_answers(&mut c);
    c.query_one(
        "SELECT 1 FROM personality_assess($1::text::uuid, $2::text::jsonb, 240, 'initial')",
        &[&user, &answers],
    )
    .expect("initial quiz");

    let failures: Shared = Arc::default();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let barrier = Arc::new(Barrier::new(SWIPERS as usize + 2));
    let mut swipers = Vec::new();
    for t in 0..SWIPERS {
        let (failures, barrier, user) = (failures.clone(), barrier.clone(), user.clone());
        swipers.push(std::thread::spawn(move || {
            // half as postgres, half as the user through PostgREST's roles
            let mut c = if t.is_multiple_of(2) {
                connect(db, "postgres")
            } else {
                connect_as_app_user(db, &user)
            };
            barrier.wait();
            for i in 0..SWIPES_EACH {
                let product = product_id(1 + (t * 13 + i * 7) % 60);
                let dir = DIRECTIONS[((t + i) % 4) as usize];
                if let Err(e) = insert_swipe(&mut c, "swipes", &user, &product, dir) {
                    failures
                        .lock()
                        .unwrap()
                        .record(&format!("swiper {t} swipe {i}"), &e);
                }
            }
        }));
    }
    // The retaker: alternately as the user (authenticator -> authenticated + claims)
    // and as service_role, until the swipers are done.
    let retaker = {
        let (failures, barrier, done, user, answers) = (
            failures.clone(),
            barrier.clone(),
            done.clone(),
            user.clone(),
            answers.clone(),
        );
        std::thread::spawn(move || {
            let mut as_user = connect_as_app_user(db, &user);
            let mut as_service = connect(db, "authenticator");
            as_service
                .batch_execute("SET ROLE service_role")
                .expect("SET ROLE service_role");
            barrier.wait();
            let mut n = 0u32;
            while !done.load(std::sync::atomic::Ordering::SeqCst) || n < 5 {
                let c = if n.is_multiple_of(2) {
                    &mut as_user
                } else {
                    &mut as_service
                };
                if let Err(e) = c.query_one(
                    "SELECT 1 FROM personality_assess($1::text::uuid, $2::text::jsonb, 200, 'retake')",
                    &[&user, &answers],
                ) {
                    failures.lock().unwrap().record(&format!("retake {n}"), &e);
                }
                n += 1;
            }
            n
        })
    };
    barrier.wait();
    let t0 = Instant::now();
    for h in swipers {
        h.join().expect("swiper panicked");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let retakes = retaker.join().expect("retaker panicked");
    let secs = t0.elapsed().as_secs_f64();

    let rows = learnt_vs_stored(&mut c, &["swipes"], &[1]);
    let f = failures.lock().unwrap();
    println!(
        "retake during swipes: {} swipes from {SWIPERS} connections, {retakes} retakes in {secs:.1}s; {}; learnt {:?} vs stored {}",
        SWIPERS * SWIPES_EACH,
        f.report(),
        rows[0].1,
        rows[0].2
    );
    assert!(
        f.states.is_empty(),
        "swipes or retakes failed: {}",
        f.report()
    );
    assert_learnt_eq_stored(&rows);
    drop(c);
    drop_db(db);
}

// ---------------------------------------------------------------------------------
// 2. Transactions inserting swipes of several users in opposite orders

const TX_EACH: u32 = 80;
/// A run stops starting transactions after this (each deadlock costs deadlock_timeout).
const BUDGET: Duration = Duration::from_secs(40);
const ORDER_USERS: [u32; 3] = [1, 2, 3];

/// 4 connections, 2 inserting users A,B,C per transaction and 2 inserting C,B,A,
/// `TX_EACH` explicit transactions each (two swipes per user per transaction).
fn opposite_orders(db: &str, settings: &str) -> Failures {
    let failures: Shared = Arc::default();
    let barrier = Arc::new(Barrier::new(4));
    let mut handles = Vec::new();
    for t in 0..4u32 {
        let (failures, barrier, db, settings) = (
            failures.clone(),
            barrier.clone(),
            db.to_string(),
            settings.to_string(),
        );
        handles.push(std::thread::spawn(move || {
            let mut c = connect(&db, "postgres");
            if !settings.is_empty() {
                c.batch_execute(&settings).expect("settings");
            }
            let mut order: Vec<u32> = ORDER_USERS.to_vec();
            if t % 2 == 1 {
                order.reverse();
            }
            barrier.wait();
            let t0 = Instant::now();
            for i in 0..TX_EACH {
                if t0.elapsed() > BUDGET {
                    failures.lock().unwrap().skipped += TX_EACH - i;
                    break;
                }
                let r = (|| -> Result<(), postgres::Error> {
                    let mut tx = c.transaction()?;
                    for (k, &u) in order.iter().enumerate() {
                        for j in 0..2u32 {
                            let product = product_id(1 + (t * 31 + i * 7 + k as u32 * 3 + j) % 40);
                            let dir = DIRECTIONS[((i + j + k as u32) % 4) as usize];
                            tx.execute(
                                "INSERT INTO swipes (user_id, product_id, direction)
                                 VALUES ($1::text::uuid, $2::text::uuid, $3)",
                                &[&user_id(u), &product, &dir],
                            )?;
                        }
                    }
                    tx.commit()
                })();
                if let Err(e) = r {
                    failures
                        .lock()
                        .unwrap()
                        .record(&format!("connection {t} transaction {i}"), &e);
                }
            }
        }));
    }
    for h in handles {
        h.join().expect("thread panicked");
    }
    Arc::try_unwrap(failures)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap()
}

fn opposite_orders_case(db: &str, settings: &str, with_trigger: bool) {
    let mut c = fresh_db(db, 40, 3, true);
    if !with_trigger {
        c.batch_execute("SELECT personality_detach_behavior('swipes')")
            .expect("detach");
    }
    let t0 = Instant::now();
    let f = opposite_orders(db, settings);
    let secs = t0.elapsed().as_secs_f64();
    let stored: i64 = c
        .query_one("SELECT count(*) FROM swipes", &[])
        .expect("count")
        .get(0);
    let rows = if with_trigger {
        learnt_vs_stored(&mut c, &["swipes"], &ORDER_USERS)
    } else {
        Vec::new()
    };
    println!(
        "opposite orders (trigger: {with_trigger}, settings: {settings:?}): {} transactions in {secs:.1}s, {}; {stored} swipes stored; learnt vs stored {rows:?}",
        4 * TX_EACH,
        f.report()
    );
    assert!(
        f.states.is_empty() && f.skipped == 0,
        "transactions failed: {}",
        f.report()
    );
    assert_eq!(stored, i64::from(4 * TX_EACH * 6));
    assert_learnt_eq_stored(&rows);
    drop(c);
    drop_db(db);
}

/// The control: the host's table alone never fails these transactions.
#[test]
fn opposite_orders_without_trigger_never_fail() {
    opposite_orders_case("it_locks_order_control", "", false);
    opposite_orders_case(
        "it_locks_order_control_t",
        "SET lock_timeout = '50ms'; SET statement_timeout = '2s'",
        false,
    );
}

#[test]
fn opposite_orders_default_settings_never_fail() {
    opposite_orders_case("it_locks_order_default", "", true);
}

#[test]
fn opposite_orders_with_short_timeouts_never_fail() {
    opposite_orders_case(
        "it_locks_order_timeouts",
        "SET lock_timeout = '50ms'; SET statement_timeout = '2s'",
        true,
    );
}

// ---------------------------------------------------------------------------------
// 3. Row-level and statement-level triggers mixed over overlapping users

#[test]
fn row_and_statement_triggers_mixed_lose_nothing() {
    let db = "it_locks_mixed";
    let users: Vec<u32> = (1..=6).collect();
    let mut c = fresh_db(db, 50, 6, true);
    c.batch_execute(
        "CREATE TABLE swipe_imports (user_id uuid, product_id uuid, direction text);
         SELECT personality_attach_behavior('swipe_imports', 'direction', 'statement');",
    )
    .expect("second swipe table");
    let failures: Shared = Arc::default();
    let barrier = Arc::new(Barrier::new(6));
    let mut handles = Vec::new();
    // 3 connections: single-row autocommit swipes, users in different orders
    for t in 0..3u32 {
        let (failures, barrier) = (failures.clone(), barrier.clone());
        handles.push(std::thread::spawn(move || {
            let mut c = connect(db, "postgres");
            barrier.wait();
            for i in 0..200u32 {
                let u = if t == 1 {
                    6 - (i % 6)
                } else {
                    1 + (i * (t + 1)) % 6
                };
                let product = product_id(1 + (t * 17 + i * 3) % 50);
                if let Err(e) = insert_swipe(
                    &mut c,
                    "swipes",
                    &user_id(u),
                    &product,
                    DIRECTIONS[(i % 4) as usize],
                ) {
                    failures.lock().unwrap().record(&format!("row {t}/{i}"), &e);
                }
            }
        }));
    }
    // 2 connections: multi-row INSERT ... SELECT into the statement-level table
    for t in 0..2u32 {
        let (failures, barrier) = (failures.clone(), barrier.clone());
        handles.push(std::thread::spawn(move || {
            let mut c = connect(db, "postgres");
            barrier.wait();
            for s in 0..15u32 {
                let sql = format!(
                    "INSERT INTO swipe_imports (user_id, product_id, direction)
                     SELECT ('00000000-0000-4000-d000-' || lpad((1 + (g * {m} + {s}) % 6)::text, 12, '0'))::uuid,
                            ('00000000-0000-4000-c000-' || lpad((1 + (g * 7 + {s}) % 50)::text, 12, '0'))::uuid,
                            (ARRAY['right', 'left', 'up', 'down'])[1 + (g + {t}) % 4]
                       FROM generate_series(1, 60) g ORDER BY {ord}",
                    m = 2 * t + 1,
                    ord = if t == 0 { "g" } else { "g DESC" }
                );
                if let Err(e) = c.batch_execute(&sql) {
                    failures.lock().unwrap().record(&format!("bulk {t}/{s}"), &e);
                }
            }
        }));
    }
    // 1 connection: transactions mixing a row-level swipe and a bulk import
    {
        let (failures, barrier) = (failures.clone(), barrier.clone());
        handles.push(std::thread::spawn(move || {
            let mut c = connect(db, "postgres");
            barrier.wait();
            for i in 0..40u32 {
                let r = (|| -> Result<(), postgres::Error> {
                    let mut tx = c.transaction()?;
                    let u = 6 - (i % 6);
                    tx.execute(
                        "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'right')",
                        &[&user_id(u), &product_id(1 + i % 50)],
                    )?;
                    tx.batch_execute(&format!(
                        "INSERT INTO swipe_imports (user_id, product_id, direction)
                         SELECT ('00000000-0000-4000-d000-' || lpad((1 + (g + {i}) % 6)::text, 12, '0'))::uuid,
                                ('00000000-0000-4000-c000-' || lpad((1 + (g * 11) % 50)::text, 12, '0'))::uuid,
                                'left'
                           FROM generate_series(1, 12) g"
                    ))?;
                    tx.commit()
                })();
                if let Err(e) = r {
                    failures.lock().unwrap().record(&format!("mixed tx {i}"), &e);
                }
            }
        }));
    }
    let t0 = Instant::now();
    for h in handles {
        h.join().expect("thread panicked");
    }
    let secs = t0.elapsed().as_secs_f64();
    let rows = learnt_vs_stored(&mut c, &["swipes", "swipe_imports"], &users);
    let f = failures.lock().unwrap();
    println!(
        "row + statement triggers mixed in {secs:.1}s: {}; learnt vs stored {rows:?}",
        f.report()
    );
    assert!(f.states.is_empty(), "inserts failed: {}", f.report());
    assert_learnt_eq_stored(&rows);
    drop(c);
    drop_db(db);
}

// ---------------------------------------------------------------------------------
// 4. Advisory locks an app user can take must not block another user

/// Advisory keys an attacker can compute from the victim's id (the key 0.2.0 used,
/// and close variants a fix might choose): (sql, description).
fn attacker_keys(victim: &str) -> Vec<String> {
    vec![
        format!("pg_advisory_lock(hashtextextended('personality_ext:' || '{victim}', 0))"),
        format!("pg_advisory_lock(hashtextextended('{victim}', 0))"),
        format!("pg_advisory_lock(hashtext('personality_ext:' || '{victim}'))"),
        format!("pg_advisory_lock(hashtext('{victim}'))"),
        format!("pg_advisory_lock(hashtext('personality_ext'), hashtext('{victim}'))"),
        format!("pg_advisory_lock(hashtextextended('personality_ext:' || '{victim}', 1))"),
        format!("pg_advisory_lock(hashtextextended('personality_ext:' || '{victim}', 0) # 1)"),
        format!("pg_advisory_lock(('x' || substr(md5('{victim}'), 1, 16))::bit(64)::bigint)"),
    ]
}

#[test]
fn advisory_locks_of_an_app_user_block_nobody() {
    let db = "it_locks_advisory";
    let mut c = fresh_db(db, 30, 4, true);
    c.batch_execute(
        "GRANT INSERT, SELECT ON swipes TO authenticated;
         CREATE TABLE swipe_imports (user_id uuid, product_id uuid, direction text);
         GRANT INSERT, SELECT ON swipe_imports TO authenticated;
         SELECT personality_attach_behavior('swipe_imports', 'direction', 'statement');",
    )
    .expect("grant, statement-level table");
    let answers = quiz_answers(&mut c);
    // user 2: quiz taken and swiped (has a learning state); users 3, 4: nothing yet
    let (attacker, v_state, v_new, v_bulk) = (user_id(1), user_id(2), user_id(3), user_id(4));
    c.query_one(
        "SELECT 1 FROM personality_assess($1::text::uuid, $2::text::jsonb, 240, 'initial')",
        &[&v_state, &answers],
    )
    .expect("quiz of user 2");
    insert_swipe(&mut c, "swipes", &v_state, &product_id(1), "right").expect("swipe of user 2");

    // The attacker: an authenticated app user holding session-level advisory locks on
    // every key it can compute from both victims' ids.
    let mut a = connect_as_app_user(db, &attacker);
    for v in [&v_state, &v_new, &v_bulk] {
        for k in attacker_keys(v) {
            a.batch_execute(&format!("SELECT {k}"))
                .unwrap_or_else(|e| panic!("attacker could not take {k}: {e}"));
        }
    }
    let held: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
            &[],
        )
        .expect("locks")
        .get(0);
    assert!(held >= 2, "the attacker holds no advisory locks ({held})");

    let mut results = Vec::new();
    let mut run =
        |what: &str, victim: &str, sql: &str, args: &[&(dyn postgres::types::ToSql + Sync)]| {
            let mut v = connect_as_app_user(db, victim);
            v.batch_execute("SET statement_timeout = '3s'")
                .expect("timeout");
            let t0 = Instant::now();
            let r = v.execute(sql, args);
            let secs = t0.elapsed().as_secs_f64();
            let state = sqlstate(&r);
            results.push(format!("{what}: {state} after {secs:.2}s"));
            (state, secs)
        };
    let swipe = "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'right')";
    let quiz = "SELECT 1 FROM personality_assess($1::text::uuid, $2::text::jsonb, 240, 'retake')";
    let r1 = run(
        "swipe of a user with a learning state",
        &v_state,
        swipe,
        &[&v_state, &product_id(2)],
    );
    let r2 = run(
        "first swipe of a new user",
        &v_new,
        swipe,
        &[&v_new, &product_id(3)],
    );
    let r3 = run("quiz retake", &v_state, quiz, &[&v_state, &answers]);
    let r4 = run("first quiz", &v_new, quiz, &[&v_new, &answers]);
    // a learning state rebuilt from the profile (the state row deleted by an operator)
    c.execute(
        "DELETE FROM personality_learning_state WHERE user_id = $1::text::uuid",
        &[&v_state],
    )
    .expect("delete state");
    let r5 = run(
        "swipe rebuilding the learning state",
        &v_state,
        swipe,
        &[&v_state, &product_id(4)],
    );
    let r6 = run(
        "first swipes of a new user, statement-level bulk insert",
        &v_bulk,
        "INSERT INTO swipe_imports (user_id, product_id, direction)
         SELECT $1::text::uuid, p, 'up' FROM unnest(ARRAY[$2, $3]::text[]::uuid[]) p",
        &[&v_bulk, &product_id(5), &product_id(6)],
    );
    println!("with the attacker's advisory locks held: {results:#?}");
    drop(a);
    for (i, r) in [r1, r2, r3, r4, r5, r6].iter().enumerate() {
        assert_eq!(
            r.0,
            "ok",
            "victim operation {} blocked or failed: {results:#?}",
            i + 1
        );
    }
    let rows = learnt_vs_stored(&mut c, &["swipes", "swipe_imports"], &[2, 3, 4]);
    assert_learnt_eq_stored(&rows);
    drop(c);
    drop_db(db);
}
