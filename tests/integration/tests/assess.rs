//! Who may call personality_assess(), connected the way PostgREST connects: a user
//! assesses only themselves, anon nobody, service_role anyone; retakes append history;
//! concurrent assessments of one user keep exactly one profile row.
use personality_integration::*;
use postgres::Client;
use std::sync::{Arc, Barrier, Mutex};

#[derive(Debug, Clone, Copy)]
enum Actor {
    Anon,
    /// anon carrying a sub claim: still no EXECUTE on personality_assess
    AnonWithSub(u32),
    User(u32),
    Service,
}

/// A valid answer set: each active question answered with its first option.
fn answers(c: &mut Client) -> String {
    let a: String = c
        .query_one(
            "SELECT jsonb_object_agg(question_id, options->0->>'value')::text
               FROM personality_quiz_questions WHERE is_active",
            &[],
        )
        .expect("building answers")
        .get(0);
    assert!(a.len() > 20, "no questions: {a}");
    a
}

/// Runs `f` as `actor` in a transaction (committed when `f` succeeds).
fn as_actor<T>(
    app: &mut Client,
    actor: Actor,
    f: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<T, postgres::Error>,
) -> Result<T, postgres::Error> {
    let mut tx = app.transaction()?;
    let (role, claims) = match actor {
        Actor::Anon => ("anon", r#"{"role": "anon"}"#.to_string()),
        Actor::AnonWithSub(n) => (
            "anon",
            format!(r#"{{"sub": "{}", "role": "anon"}}"#, user_id(n)),
        ),
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
    let v = f(&mut tx)?;
    tx.commit()?;
    Ok(v)
}

const ASSESS: &str =
    "SELECT user_id::text, primary_type FROM personality_assess($1::text::uuid, $2::text::jsonb, 240, $3)";

fn assess(
    app: &mut Client,
    actor: Actor,
    user: u32,
    answers: &str,
    trigger: &str,
) -> Result<String, postgres::Error> {
    as_actor(app, actor, |tx| {
        let row = tx.query_one(ASSESS, &[&user_id(user), &answers, &trigger])?;
        Ok(row.get::<_, String>(0))
    })
}

/// (profile rows, history rows) of a user, as the owner sees them.
fn rows_of(c: &mut Client, user: u32) -> (i64, i64) {
    let r = c
        .query_one(
            "SELECT (SELECT count(*) FROM personality_profiles WHERE user_id = $1::text::uuid),
                    (SELECT count(*) FROM personality_assessment_history WHERE user_id = $1::text::uuid)",
            &[&user_id(user)],
        )
        .expect("counting");
    (r.get(0), r.get(1))
}

/// (profile rows, history rows) of `of` that `actor` can see.
fn visible_to(app: &mut Client, actor: Actor, of: Option<u32>) -> (i64, i64) {
    let filter = of
        .map(|u| format!("WHERE user_id = '{}'", user_id(u)))
        .unwrap_or_default();
    as_actor(app, actor, |tx| {
        let r = tx.query_one(
            &format!(
                "SELECT (SELECT count(*) FROM personality_profiles {filter}),
                        (SELECT count(*) FROM personality_assessment_history {filter})"
            ),
            &[],
        )?;
        Ok((r.get(0), r.get(1)))
    })
    .expect("reading as actor")
}

const A: u32 = 1;
const B: u32 = 2;
const C: u32 = 3;

#[test]
fn who_may_assess_whom() {
    let db = "it_quiz_security";
    let mut c = fresh_db(db, 20, 4, true);
    let ans = answers(&mut c);
    let mut app = connect(db, "authenticator");

    // A assesses themselves: one profile, one history row, both readable by A.
    let got = assess(&mut app, Actor::User(A), A, &ans, "initial").expect("A assesses A");
    assert_eq!(got, user_id(A));
    assert_eq!(rows_of(&mut c, A), (1, 1));
    assert_eq!(visible_to(&mut app, Actor::User(A), None), (1, 1));

    // A cannot assess B, and nothing is written for B.
    let r = assess(&mut app, Actor::User(A), B, &ans, "initial");
    assert_eq!(sqlstate(&r), "42501", "A assessing B: {r:?}");
    assert_eq!(rows_of(&mut c, B), (0, 0));

    // Nor can an authenticated role without a signed-in user.
    let r = {
        let mut tx = app.transaction().expect("tx");
        tx.batch_execute("SET LOCAL ROLE authenticated")
            .expect("role");
        let r = tx.query_one(ASSESS, &[&user_id(B), &ans, &"initial"]);
        let _ = tx.rollback();
        r
    };
    assert_eq!(sqlstate(&r), "42501", "authenticated without claims: {r:?}");
    assert_eq!(rows_of(&mut c, B), (0, 0));

    // anon cannot assess anyone, with or without a sub claim.
    let r = assess(&mut app, Actor::Anon, C, &ans, "initial");
    assert_eq!(sqlstate(&r), "42501", "anon: {r:?}");
    let r = assess(&mut app, Actor::AnonWithSub(C), C, &ans, "initial");
    assert_eq!(sqlstate(&r), "42501", "anon with sub: {r:?}");
    assert_eq!(rows_of(&mut c, C), (0, 0));

    // service_role assesses anyone.
    assert_eq!(
        assess(&mut app, Actor::Service, B, &ans, "initial").expect("service assesses B"),
        user_id(B)
    );
    assert_eq!(
        assess(&mut app, Actor::Service, C, &ans, "manual").expect("service assesses C"),
        user_id(C)
    );
    assert_eq!(rows_of(&mut c, B), (1, 1));
    assert_eq!(rows_of(&mut c, C), (1, 1));

    // A still cannot read B's rows, and sees only their own.
    assert_eq!(visible_to(&mut app, Actor::User(A), Some(B)), (0, 0));
    assert_eq!(visible_to(&mut app, Actor::User(A), None), (1, 1));
    assert_eq!(visible_to(&mut app, Actor::User(B), None), (1, 1));
    assert_eq!(visible_to(&mut app, Actor::Service, None), (3, 3));

    // A retake appends history and keeps one profile row.
    assess(&mut app, Actor::User(A), A, &ans, "retake").expect("A retakes");
    assert_eq!(rows_of(&mut c, A), (1, 2));
    assert_eq!(visible_to(&mut app, Actor::User(A), None), (1, 2));
    let triggers: Vec<String> = c
        .query(
            "SELECT assessment_trigger FROM personality_assessment_history
              WHERE user_id = $1::text::uuid ORDER BY assessment_trigger",
            &[&user_id(A)],
        )
        .expect("triggers")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(triggers, vec!["initial", "retake"]);
    // A failed attempt on B did not touch B's profile either.
    let r = assess(&mut app, Actor::User(A), B, &ans, "retake");
    assert_eq!(sqlstate(&r), "42501");
    assert_eq!(rows_of(&mut c, B), (1, 1));

    drop(app);
    drop(c);
    drop_db(db);
}

#[test]
fn concurrent_assessments_of_one_user() {
    let db = "it_quiz_concurrent";
    let mut c = fresh_db(db, 10, 2, true);
    let ans = answers(&mut c);
    const N: usize = 8;
    let barrier = Arc::new(Barrier::new(N));
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let handles: Vec<_> = (0..N)
        .map(|i| {
            let (barrier, errors, ans) = (barrier.clone(), errors.clone(), ans.clone());
            std::thread::spawn(move || {
                let mut c = connect(db, "postgres");
                let trigger = if i == 0 { "initial" } else { "retake" };
                barrier.wait();
                if let Err(e) = c.query_one(ASSESS, &[&user_id(2), &ans, &trigger]) {
                    errors.lock().unwrap().push(format!("thread {i}: {e:?}"));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("assessing thread panicked");
    }
    let errors = errors.lock().unwrap().clone();
    assert!(
        errors.is_empty(),
        "concurrent assessments failed: {errors:#?}"
    );
    assert_eq!(rows_of(&mut c, 2), (1, N as i64));
    drop(c);
    drop_db(db);
}

/// A swipe that commits while personality_assess() of the same user is running is
/// not undone by the assessment: its evidence is in the profile afterwards.
#[test]
fn swipe_committed_during_an_assessment_is_kept() {
    let db = "it_quiz_swipe_race";
    let mut c = fresh_db(db, 20, 2, true);
    let ans = answers(&mut c);
    let user = user_id(1);
    let swipe = "INSERT INTO swipes (user_id, product_id, direction)
                 VALUES ($1::text::uuid, $2::text::uuid, 'right')";
    c.execute(swipe, &[&user, &product_id(1)])
        .expect("first swipe");
    let evidence = |c: &mut Client| -> Option<i64> {
        c.query_one(
            &format!(
                "SELECT {LEARNT_SWIPES} FROM personality_profiles p
              WHERE user_id = $1::text::uuid"
            ),
            &[&user],
        )
        .expect("evidence")
        .get(0)
    };
    assert_eq!(evidence(&mut c), Some(1));

    // A second swipe is in flight (its transaction has learned, not yet committed) ...
    let mut s = connect(db, "postgres");
    let mut tx = s.transaction().expect("tx");
    tx.execute(swipe, &[&user, &product_id(2)])
        .expect("second swipe");
    // ... when the user retakes the quiz.
    let (pid_tx, pid_rx) = std::sync::mpsc::channel();
    let (u, a) = (user.clone(), ans.clone());
    let assessing = std::thread::spawn(move || {
        let mut q = connect(db, "postgres");
        let pid: i32 = q
            .query_one("SELECT pg_backend_pid()", &[])
            .expect("pid")
            .get(0);
        pid_tx.send(pid).expect("send pid");
        q.query_one(ASSESS, &[&u, &a, &"retake"]).map(|_| ())
    });
    let pid = pid_rx.recv().expect("pid");
    // Wait until the assessment is blocked behind the swipe (it must wait for it).
    let t0 = std::time::Instant::now();
    let mut waited = false;
    while t0.elapsed() < std::time::Duration::from_secs(10) {
        let w: Option<String> = c
            .query_one(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1",
                &[&pid],
            )
            .expect("activity")
            .get(0);
        if w.as_deref() == Some("Lock") {
            waited = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    tx.commit().expect("commit swipe");
    let r = assessing.join().expect("assessing thread panicked");
    assert!(r.is_ok(), "assessment failed: {r:?}");
    assert!(
        waited,
        "the assessment did not wait for the in-flight swipe"
    );
    assert_eq!(
        evidence(&mut c),
        Some(2),
        "the assessment overwrote the evidence of a swipe that committed meanwhile"
    );
    assert_eq!(count_swipes(&mut c, &user), 2);
    assert!(
        waited,
        "the assessment did not wait for the in-flight swipe"
    );
    drop(s);
    drop(c);
    drop_db(db);
}

fn count_swipes(c: &mut Client, user: &str) -> i64 {
    c.query_one(
        "SELECT count(*) FROM swipes WHERE user_id = $1::text::uuid",
        &[&user],
    )
    .expect("count swipes")
    .get(0)
}
