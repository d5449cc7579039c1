//! Behaviour learning from real clients: many connections swiping at once, attaching
//! the trigger to another swipe table, swiping as PostgREST does (authenticated role
//! that may not write profiles), and a dump/restore that keeps learning wired.
use personality_integration::*;
use postgres::Client;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Instant;

const TRAITS: [&str; 5] = [
    "adventurous",
    "intellectual",
    "practical",
    "creative",
    "social",
];
const DIRECTIONS: [&str; 4] = ["right", "left", "up", "down"];

/// Swipes learnt for a user (personality_learning, else the profile row's
/// behavior_evidence); None when the user has no profile (or no key).
fn evidence(c: &mut Client, user: &str) -> Option<i64> {
    // swipes queued while another transaction held the user's learning state are
    // applied by the next swipe or sync (README "Behaviour learning")
    c.execute("SELECT personality_sync_profile($1::text::uuid)", &[&user])
        .expect("applying queued swipes");
    c.query_opt(
        &format!(
            "SELECT {LEARNT_SWIPES}
           FROM personality_profiles p WHERE user_id = $1::text::uuid"
        ),
        &[&user],
    )
    .expect("reading evidence")
    .and_then(|r| r.get::<_, Option<i64>>(0))
}

/// The five learnt trait scores of a user (panics when one is missing).
fn trait_scores(c: &mut Client, user: &str) -> Vec<(String, f64)> {
    TRAITS
        .iter()
        .map(|t| {
            let v: Option<String> = c
                .query_one(
                    "SELECT coalesce(to_jsonb(l) ->> $2, p.personality_scores->>$2)
                       FROM personality_profiles p LEFT JOIN personality_learning l USING (user_id)
                      WHERE p.user_id = $1::text::uuid",
                    &[&user, t],
                )
                .expect("reading scores")
                .get(0);
            let v = v.unwrap_or_else(|| panic!("trait {t} missing from the profile of {user}"));
            let x: f64 = v
                .parse()
                .unwrap_or_else(|e| panic!("trait {t} = {v:?} is not a number: {e}"));
            (t.to_string(), x)
        })
        .collect()
}

fn assert_scores_in_range(c: &mut Client, user: &str) {
    for (t, x) in trait_scores(c, user) {
        assert!(
            x.is_finite() && (0.0..=100.0).contains(&x),
            "{user}: {t} = {x} outside 0..100"
        );
    }
}

fn count(c: &mut Client, sql: &str) -> i64 {
    c.query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

/// WARNINGs other than the documented one of installing without host tables.
fn learning_warnings(notices: &[String]) -> Vec<String> {
    notices
        .iter()
        .filter(|n| n.starts_with("WARNING"))
        .filter(|n| !n.contains("installed without foreign keys to host tables"))
        // the collaborative model's note at attach (issue 21), not about learning
        .filter(|n| !n.contains("has no time column: the model reads it whole"))
        .cloned()
        .collect()
}

struct Run {
    errors: Vec<String>,
    error_count: usize,
    warnings: Vec<String>,
    seconds: f64,
}

/// `threads` connections insert `per_thread` swipes each, one autocommit INSERT per
/// swipe, all starting together; `user_of(thread, i)` picks the swiping user.
fn swipe_storm(
    db: &str,
    threads: u32,
    per_thread: u32,
    products: u32,
    user_of: fn(u32, u32) -> u32,
) -> Run {
    let barrier = Arc::new(Barrier::new(threads as usize + 1));
    let errors = Arc::new(Mutex::new((0usize, Vec::<String>::new())));
    let warnings = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut handles = Vec::new();
    for t in 0..threads {
        let (db, barrier, errors, warnings) = (
            db.to_string(),
            barrier.clone(),
            errors.clone(),
            warnings.clone(),
        );
        handles.push(std::thread::spawn(move || {
            let (mut c, notices) = connect_with_notices(&db, "postgres");
            let stmt = c
                .prepare(
                    "INSERT INTO swipes (user_id, product_id, direction)
                     VALUES ($1::text::uuid, $2::text::uuid, $3)",
                )
                .expect("prepare");
            barrier.wait();
            for i in 0..per_thread {
                let user = user_id(user_of(t, i));
                let product = product_id(1 + (t * per_thread + i * 7) % products);
                let dir = DIRECTIONS[((t + i) % 4) as usize];
                if let Err(e) = c.execute(&stmt, &[&user, &product, &dir]) {
                    let mut g = errors.lock().unwrap();
                    g.0 += 1;
                    if g.1.len() < 10 {
                        g.1.push(format!("thread {t} swipe {i}: {e:?}"));
                    }
                }
            }
            let seen = notices.lock().unwrap().clone();
            warnings
                .lock()
                .unwrap()
                .extend(learning_warnings(&seen).into_iter().take(10));
        }));
    }
    barrier.wait();
    let t0 = Instant::now();
    for h in handles {
        h.join().expect("swiping thread panicked");
    }
    let seconds = t0.elapsed().as_secs_f64();
    let (error_count, errors) = Arc::try_unwrap(errors).unwrap().into_inner().unwrap();
    let warnings = Arc::try_unwrap(warnings).unwrap().into_inner().unwrap();
    Run {
        errors,
        error_count,
        warnings,
        seconds,
    }
}

const THREADS: u32 = 16;
const PER_THREAD: u32 = 200;
const PRODUCTS: u32 = 100;

#[test]
fn concurrent_swipes_of_one_user_all_count() {
    let db = "it_behavior_one_user";
    let mut c = fresh_db(db, PRODUCTS as i32, 3, true);
    let run = swipe_storm(db, THREADS, PER_THREAD, PRODUCTS, |_, _| 1);
    let total = i64::from(THREADS * PER_THREAD);
    println!(
        "one user: {total} swipes from {THREADS} connections in {:.2}s ({:.0} tps)",
        run.seconds,
        total as f64 / run.seconds
    );
    assert_eq!(
        run.error_count, 0,
        "swipe inserts failed: {:#?}",
        run.errors
    );
    assert!(
        run.warnings.is_empty(),
        "warnings while learning: {:#?}",
        run.warnings
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM swipes"), total);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM personality_profiles WHERE user_id = '00000000-0000-4000-d000-000000000001'"
        ),
        1
    );
    assert_eq!(evidence(&mut c, &user_id(1)), Some(total));
    // Likes, strong likes and dislikes of categorised products are informative: they
    // were counted too (every informative swipe, none lost).
    let informative: Option<i64> = c
        .query_one(
            &format!(
                "SELECT {LEARNT_INFORMATIVE} FROM personality_profiles p
              WHERE user_id = $1::text::uuid"
            ),
            &[&user_id(1)],
        )
        .expect("informative")
        .get(0);
    let informative = informative.expect("behavior_informative missing");
    assert!(
        informative > 0 && informative <= total,
        "behavior_informative = {informative}"
    );
    assert_scores_in_range(&mut c, &user_id(1));
    drop(c);
    drop_db(db);
}

#[test]
fn concurrent_swipes_of_many_users_all_count() {
    let db = "it_behavior_many_users";
    let mut c = fresh_db(db, PRODUCTS as i32, THREADS as i32, true);
    // Every thread swipes for every user in turn: the users' rows are contended.
    let run = swipe_storm(db, THREADS, PER_THREAD, PRODUCTS, |t, i| 1 + (t + i) % 16);
    let total = i64::from(THREADS * PER_THREAD);
    println!(
        "{THREADS} users: {total} swipes from {THREADS} connections in {:.2}s ({:.0} tps)",
        run.seconds,
        total as f64 / run.seconds
    );
    assert_eq!(
        run.error_count, 0,
        "swipe inserts failed: {:#?}",
        run.errors
    );
    assert!(
        run.warnings.is_empty(),
        "warnings while learning: {:#?}",
        run.warnings
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM swipes"), total);
    let mut sum = 0;
    for u in 1..=THREADS {
        let swiped: i64 = c
            .query_one(
                "SELECT count(*) FROM swipes WHERE user_id = $1::text::uuid",
                &[&user_id(u)],
            )
            .expect("count")
            .get(0);
        let e = evidence(&mut c, &user_id(u));
        assert_eq!(e, Some(swiped), "user {u}: evidence vs swipes");
        sum += e.unwrap_or(0);
        assert_scores_in_range(&mut c, &user_id(u));
    }
    assert_eq!(sum, total);
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM personality_profiles"),
        i64::from(THREADS)
    );
    drop(c);
    drop_db(db);
}

/// The statement-level trigger under concurrent bulk INSERTs whose users overlap:
/// states are locked in user-id order, so no deadlock; every swipe counts.
#[test]
fn concurrent_bulk_statements_all_count() {
    let db = "it_behavior_bulk";
    let mut c = fresh_db(db, PRODUCTS as i32, 16, true);
    c.batch_execute("SELECT personality_attach_behavior('swipes', 'direction', 'statement')")
        .expect("attach per statement");
    let threads = 8u32;
    let statements = 5u32;
    let rows = 200u32;
    let barrier = Arc::new(Barrier::new(threads as usize));
    let mut handles = Vec::new();
    for t in 0..threads {
        let (db, barrier) = (db.to_string(), barrier.clone());
        handles.push(std::thread::spawn(move || {
            let (mut c, notices) = connect_with_notices(&db, "postgres");
            barrier.wait();
            let mut errors = Vec::new();
            for s in 0..statements {
                // users in a different order in every statement
                let sql = format!(
                    "INSERT INTO swipes (user_id, product_id, direction)
                     SELECT ('00000000-0000-4000-d000-' || lpad((1 + (g * {m} + {t}) % 16)::text, 12, '0'))::uuid,
                            ('00000000-0000-4000-c000-' || lpad((1 + (g * 7 + {s}) % {PRODUCTS})::text, 12, '0'))::uuid,
                            (ARRAY['right', 'left', 'up', 'down'])[1 + (g + {t}) % 4]
                       FROM generate_series(1, {rows}) g",
                    m = 2 * t + 3
                );
                if let Err(e) = c.batch_execute(&sql) {
                    errors.push(format!("thread {t} statement {s}: {e:?}"));
                }
            }
            let seen = notices.lock().unwrap().clone();
            (errors, learning_warnings(&seen))
        }));
    }
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for h in handles {
        let (e, w) = h.join().expect("bulk thread panicked");
        errors.extend(e);
        warnings.extend(w);
    }
    assert!(errors.is_empty(), "bulk inserts failed: {errors:#?}");
    assert!(
        warnings.is_empty(),
        "warnings while learning: {warnings:#?}"
    );
    let total = i64::from(threads * statements * rows);
    assert_eq!(count(&mut c, "SELECT count(*) FROM swipes"), total);
    for u in 1..=16 {
        let swiped: i64 = c
            .query_one(
                "SELECT count(*) FROM swipes WHERE user_id = $1::text::uuid",
                &[&user_id(u)],
            )
            .expect("count")
            .get(0);
        assert_eq!(evidence(&mut c, &user_id(u)), Some(swiped), "user {u}");
        assert_scores_in_range(&mut c, &user_id(u));
    }
    drop(c);
    drop_db(db);
}

#[test]
fn attach_and_detach_another_swipe_table() {
    let db = "it_behavior_attach";
    let (mut c, notices) = {
        drop(fresh_db(db, 20, 3, true));
        connect_with_notices(db, "postgres")
    };
    c.batch_execute(
        "CREATE TABLE swipe_interactions (
             id bigserial PRIMARY KEY,
             user_id uuid,
             product_id uuid,
             swipe_direction text,
             created_at timestamptz DEFAULT now());
         CREATE TABLE swipe_no_product (id bigserial PRIMARY KEY, user_id uuid, direction text);",
    )
    .expect("tables");
    let msg: String = c
        .query_one(
            "SELECT personality_attach_behavior('swipe_interactions')",
            &[],
        )
        .expect("attach")
        .get(0);
    assert!(
        msg.contains("swipe_direction"),
        "attach did not report the detected column: {msg}"
    );
    let listed: Vec<String> = c
        .query(
            "SELECT direction_column::text FROM personality_swipe_tables
              WHERE swipe_table = 'swipe_interactions'::regclass AND enabled",
            &[],
        )
        .expect("swipe tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(listed, vec!["swipe_direction"]);

    let user = user_id(2);
    let ins = "INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
               VALUES ($1::text::uuid, $2::text::uuid, 'right')";
    assert_eq!(evidence(&mut c, &user), None);
    c.execute(ins, &[&user, &product_id(3)]).expect("swipe 1");
    assert_eq!(
        evidence(&mut c, &user),
        Some(1),
        "a right swipe did not learn"
    );
    c.execute(ins, &[&user, &product_id(4)]).expect("swipe 2");
    assert_eq!(evidence(&mut c, &user), Some(2));
    // A right swipe is a like: informative, read from swipe_direction (not NULL).
    let informative: Option<i64> = c
        .query_one(
            &format!(
                "SELECT {LEARNT_INFORMATIVE} FROM personality_profiles p
              WHERE user_id = $1::text::uuid"
            ),
            &[&user],
        )
        .expect("informative")
        .get(0);
    assert_eq!(informative, Some(2), "the direction column was not read");

    let detached: bool = c
        .query_one(
            "SELECT personality_detach_behavior('swipe_interactions')",
            &[],
        )
        .expect("detach")
        .get(0);
    assert!(detached);
    c.execute(ins, &[&user, &product_id(5)])
        .expect("swipe after detach");
    assert_eq!(evidence(&mut c, &user), Some(2), "learning after detach");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'swipe_interactions'::regclass AND NOT tgisinternal"
        ),
        0
    );
    let again: bool = c
        .query_one(
            "SELECT personality_detach_behavior('swipe_interactions')",
            &[],
        )
        .expect("detach again")
        .get(0);
    assert!(!again, "second detach should report false");
    // The swipes table of the host is still attached.
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM personality_swipe_tables WHERE swipe_table = 'swipes'::regclass"
        ),
        1
    );

    let r = c.query_one(
        "SELECT personality_attach_behavior('swipe_no_product')",
        &[],
    );
    assert_eq!(sqlstate(&r), "42703");
    let m = r
        .err()
        .and_then(|e| e.as_db_error().map(|d| d.message().to_string()))
        .unwrap_or_default();
    assert!(
        m.contains("product_id"),
        "message does not name product_id: {m}"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'swipe_no_product'::regclass AND NOT tgisinternal"
        ),
        0
    );

    let seen = notices.lock().unwrap().clone();
    assert!(learning_warnings(&seen).is_empty(), "warnings: {seen:#?}");
    drop(c);
    drop_db(db);
}

#[test]
fn authenticated_user_swiping_through_postgrest_learns() {
    let db = "it_behavior_postgrest";
    let mut c = fresh_db(db, 20, 3, true);
    c.batch_execute("GRANT INSERT, SELECT ON swipes TO authenticated")
        .expect("grant");
    let user = user_id(3);
    let (mut app, notices) = connect_with_notices(db, "authenticator");
    let as_user = |app: &mut Client, sql: &str, product: u32| -> Result<u64, postgres::Error> {
        let mut tx = app.transaction()?;
        tx.batch_execute("SET LOCAL ROLE authenticated")?;
        tx.execute(
            "SELECT set_config('request.jwt.claims', $1, true)",
            &[&format!(r#"{{"sub": "{user}", "role": "authenticated"}}"#)],
        )?;
        let n = if product == 0 {
            tx.execute(sql, &[])?
        } else {
            tx.execute(sql, &[&user, &product_id(product)])?
        };
        tx.commit()?;
        Ok(n)
    };
    let swipe = "INSERT INTO swipes (user_id, product_id, direction)
                 VALUES ($1::text::uuid, $2::text::uuid, 'up')";
    // The user may not write profiles themselves ...
    let r = as_user(
        &mut app,
        "UPDATE personality_profiles SET personality_scores = '{}'",
        0,
    );
    assert_eq!(sqlstate(&r), "42501");
    let r = as_user(
        &mut app,
        &format!("INSERT INTO personality_profiles (user_id, primary_type, personality_scores) VALUES ('{user}', 'social', '{{}}')"),
        0,
    );
    assert_eq!(sqlstate(&r), "42501");
    // ... but their swipes teach the profile (first swipe creates it).
    assert_eq!(as_user(&mut app, swipe, 4).expect("swipe 1"), 1);
    assert_eq!(
        evidence(&mut c, &user),
        Some(1),
        "first swipe did not learn"
    );
    assert_eq!(as_user(&mut app, swipe, 5).expect("swipe 2"), 1);
    assert_eq!(
        evidence(&mut c, &user),
        Some(2),
        "second swipe did not learn"
    );
    // And they can read the profile that was learned, through RLS.
    let seen: Option<i64> = {
        let mut tx = app.transaction().expect("tx");
        tx.batch_execute("SET LOCAL ROLE authenticated")
            .expect("role");
        tx.execute(
            "SELECT set_config('request.jwt.claims', $1, true)",
            &[&format!(r#"{{"sub": "{user}"}}"#)],
        )
        .expect("claims");
        let v = tx
            .query_opt(
                &format!("SELECT {LEARNT_SWIPES} FROM personality_profiles p"),
                &[],
            )
            .expect("read own profile")
            .and_then(|r| r.get(0));
        tx.rollback().expect("rollback");
        v
    };
    assert_eq!(seen, Some(2));
    let n = notices.lock().unwrap().clone();
    assert!(learning_warnings(&n).is_empty(), "warnings: {n:#?}");
    drop(app);
    drop(c);
    drop_db(db);
}

#[test]
fn dump_and_restore_keeps_learning_wired() {
    let (src, dst) = ("it_behavior_dump_src", "it_behavior_dump_dst");
    let mut c = fresh_db(src, 30, 3, true);
    for (i, d) in DIRECTIONS.iter().enumerate() {
        c.execute(
            "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, $3)",
            &[&user_id(1), &product_id(i as u32 + 1), d],
        )
        .expect("swipe");
    }
    assert_eq!(evidence(&mut c, &user_id(1)), Some(4));
    drop(c);

    let file = std::env::temp_dir().join(format!("{src}.dump"));
    let file = file.to_string_lossy().to_string();
    let out = run_pg_tool("pg_dump", &["-Fc", "-d", src, "-f", &file]);
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop_db(dst);
    connect("postgres", "postgres")
        .batch_execute(&format!("CREATE DATABASE {dst}"))
        .expect("create target");
    let out = run_pg_tool("pg_restore", &["-d", dst, &file]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "pg_restore failed: {stderr}");
    assert!(!stderr.contains("error"), "pg_restore errors: {stderr}");

    let (mut r, notices) = connect_with_notices(dst, "postgres");
    let triggers = "SELECT count(*) FROM pg_trigger
                     WHERE tgrelid = 'public.swipes'::regclass AND tgname = 'update_personality_from_swipes'";
    assert_eq!(count(&mut r, triggers), 1, "trigger lost in the restore");
    assert_eq!(
        count(
            &mut r,
            "SELECT count(*) FROM personality_swipe_tables WHERE swipe_table = 'public.swipes'::regclass AND enabled"
        ),
        1
    );
    assert_eq!(evidence(&mut r, &user_id(1)), Some(4));
    r.execute(
        "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'right')",
        &[&user_id(1), &product_id(9)],
    )
    .expect("swipe in restored db");
    assert_eq!(
        evidence(&mut r, &user_id(1)),
        Some(5),
        "a swipe in the restored database did not learn"
    );
    r.execute(
        "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'left')",
        &[&user_id(2), &product_id(10)],
    )
    .expect("swipe of a new user in restored db");
    assert_eq!(evidence(&mut r, &user_id(2)), Some(1));
    let seen = notices.lock().unwrap().clone();
    assert!(learning_warnings(&seen).is_empty(), "warnings: {seen:#?}");

    // The restored trigger dies with the extension, and nothing of the host's does.
    r.batch_execute("DROP EXTENSION personality_ext")
        .expect("DROP EXTENSION without CASCADE in the restored database");
    assert_eq!(
        count(
            &mut r,
            "SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.swipes')"
        ),
        1,
        "swipes was dropped"
    );
    assert_eq!(count(&mut r, "SELECT count(*) FROM swipes"), 6);
    assert_eq!(count(&mut r, triggers), 0);
    r.execute(
        "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'right')",
        &[&user_id(1), &product_id(11)],
    )
    .expect("swipe after DROP EXTENSION");
    drop(r);
    drop_db(dst);
    drop_db(src);
}

/// A connection that swiped before the host's products table existed keeps learning
/// from product traits once the products migration has created the table (and with
/// it personality_product_features), without reconnecting.
#[test]
fn open_connections_pick_up_a_products_view_created_later() {
    let db = "it_behavior_late_products";
    ensure_roles();
    drop_db(db);
    connect("postgres", "postgres")
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .expect("create database");
    let (mut c, notices) = connect_with_notices(db, "postgres");
    // The users migration ran, the catalog migration not yet.
    c.batch_execute(&format!(
        "CREATE TABLE profiles (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text UNIQUE,
                                display_name text, created_at timestamptz DEFAULT now());
         INSERT INTO profiles (id) VALUES ('{}');
         CREATE EXTENSION personality_ext;
         CREATE TABLE my_swipes (id bigserial PRIMARY KEY, user_id uuid, product_id uuid, direction text);
         SELECT personality_attach_behavior('my_swipes');",
        user_id(1)
    ))
    .expect("setup");
    let swipe = "INSERT INTO my_swipes (user_id, product_id, direction)
                 VALUES ($1::text::uuid, $2::text::uuid, 'right')";
    c.execute(swipe, &[&user_id(1), &product_id(1)])
        .expect("swipe before the catalog exists");
    assert_eq!(evidence(&mut c, &user_id(1)), Some(1));
    let informative = |c: &mut Client| -> i64 {
        count(
            c,
            &format!("SELECT {LEARNT_INFORMATIVE} FROM personality_profiles p"),
        )
    };
    // Nothing is known about the product yet: not informative.
    assert_eq!(informative(&mut c), 0);

    // The catalog migration runs in another session.
    let mut admin = connect(db, "postgres");
    admin
        .batch_execute(&fixture("host_schema.sql"))
        .expect("host schema");
    admin
        .batch_execute(
            &fixture("sample_data.sql")
                .replace(":products", "20")
                .replace(":users", "1"),
        )
        .expect("sample data");
    assert_eq!(
        count(
            &mut admin,
            "SELECT count(*) FROM pg_class WHERE oid = to_regclass('personality_product_features')"
        ),
        1,
        "the products adapter view was not created"
    );
    // A fresh connection learns from the product's category ...
    let mut fresh = connect(db, "postgres");
    fresh
        .execute(swipe, &[&user_id(1), &product_id(1)])
        .expect("swipe from a new connection");
    assert_eq!(evidence(&mut c, &user_id(1)), Some(2));
    assert_eq!(
        informative(&mut c),
        1,
        "a new connection did not use the products view"
    );
    // ... and so must the connection that was open all along.
    c.execute(swipe, &[&user_id(1), &product_id(1)])
        .expect("swipe from the old connection");
    assert_eq!(evidence(&mut c, &user_id(1)), Some(3));
    assert_eq!(
        informative(&mut c),
        2,
        "the connection open before the catalog existed still ignores product traits"
    );
    let seen = notices.lock().unwrap().clone();
    assert!(learning_warnings(&seen).is_empty(), "warnings: {seen:#?}");
    drop((c, admin, fresh));
    drop_db(db);
}
