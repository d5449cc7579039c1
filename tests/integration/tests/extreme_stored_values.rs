//! Stored profile values out of any sane range (issue 11): an owner or service_role
//! can write `1e400`, `-1e400`, `1e308` or `"NaN"` into
//! personality_profiles.personality_scores (jsonb numeric accepts them). A learning
//! state rebuilt from such a profile must never make a swipe fail (no XX000), neither
//! row by row nor in a statement-level bulk insert that mixes this user with healthy
//! users, whose learning must be complete. At most a WARNING is acceptable.
use personality_integration::*;
use postgres::Client;

/// Profiles of users 1..4 (bad ones), each with a different kind of extreme value.
const BAD: [(u32, &str); 4] = [
    (
        1,
        r#"{"adventurous": 1e400, "intellectual": 50, "practical": 50, "creative": 50, "social": 50}"#,
    ),
    (
        2,
        r#"{"adventurous": 1e308, "intellectual": -1e400, "practical": 50, "creative": 50, "social": 50}"#,
    ),
    (
        3,
        r#"{"adventurous": "NaN", "intellectual": "NaN", "practical": "Infinity", "creative": 50, "social": 50}"#,
    ),
    (
        4,
        r#"{"adventurous": 1e400, "intellectual": 1e400, "practical": -1e400, "creative": 1e308, "social": "NaN",
            "behavior_evidence": 1e400, "behavior_informative": -1e400, "behavioral_consistency": "NaN"}"#,
    ),
];
const HEALTHY: [u32; 4] = [5, 6, 7, 8];

fn warnings(n: &[String]) -> Vec<String> {
    n.iter()
        .filter(|m| !m.contains("installed without foreign keys to host tables"))
        .cloned()
        .collect()
}

/// SQLSTATE and message, the message cut (1e400 prints as 401 digits).
fn short(e: &postgres::Error) -> String {
    let (state, msg) = describe(e);
    format!("{state} {}", cut(&msg))
}

fn cut(s: &str) -> String {
    let mut out = String::new();
    let mut zeros = 0;
    for ch in s.chars().chain(std::iter::once('\n')) {
        if ch == '0' {
            zeros += 1;
            continue;
        }
        if zeros > 12 {
            out.push_str(&format!("0<{zeros} zeros>"));
        } else {
            out.push_str(&"0".repeat(zeros));
        }
        zeros = 0;
        out.push(ch);
    }
    out.pop();
    out.chars().take(200).collect()
}

fn swipe(
    c: &mut Client,
    table: &str,
    user: u32,
    product: u32,
    dir: &str,
) -> Result<u64, postgres::Error> {
    c.execute(
        &format!("INSERT INTO {table} (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, $3)"),
        &[&user_id(user), &product_id(product), &dir],
    )
}

#[test]
fn extreme_stored_profile_values_never_fail_a_swipe() {
    let db = "it_extreme_values";
    let mut admin = fresh_db(db, 40, 8, true);
    admin
        .batch_execute(
            "CREATE TABLE swipe_imports (user_id uuid, product_id uuid, direction text);
             SELECT personality_attach_behavior('swipe_imports', 'direction', 'statement');",
        )
        .expect("statement-level table");
    let answers = quiz_answers(&mut admin);
    // Every user has a quiz profile and a learning state.
    for u in BAD.iter().map(|b| b.0).chain(HEALTHY) {
        admin
            .query_one(
                "SELECT 1 FROM personality_assess($1::text::uuid, $2::text::jsonb, 240, 'initial')",
                &[&user_id(u), &answers],
            )
            .expect("quiz");
        swipe(&mut admin, "swipes", u, 1, "right").expect("first swipe");
    }
    // The operator writes extreme values; the learning states are rebuilt from them.
    for (u, scores) in BAD {
        admin
            .execute(
                "UPDATE personality_profiles SET personality_scores = $2::text::jsonb WHERE user_id = $1::text::uuid",
                &[&user_id(u), &scores],
            )
            .unwrap_or_else(|e| panic!("storing {scores}: {e}"));
        admin
            .execute(
                "DELETE FROM personality_learning_state WHERE user_id = $1::text::uuid",
                &[&user_id(u)],
            )
            .expect("delete state");
    }

    let (mut c, notices) = connect_with_notices(db, "postgres");
    let mut failures = Vec::new();
    // Row level: every swipe of every bad user, every direction.
    for (u, _) in BAD {
        for (i, dir) in ["right", "left", "up", "down", "right"].iter().enumerate() {
            if let Err(e) = swipe(&mut c, "swipes", u, 2 + i as u32, dir) {
                failures.push(format!("row swipe of user {u} ({dir}): {}", short(&e)));
            }
        }
    }
    // Row level for healthy users in between.
    for u in HEALTHY {
        if let Err(e) = swipe(&mut c, "swipes", u, 3, "up") {
            failures.push(format!("row swipe of healthy user {u}: {}", short(&e)));
        }
    }
    // Statement level: bulk inserts mixing the bad users (their state rebuilt again)
    // with healthy ones.
    for (u, _) in BAD {
        c.execute(
            "DELETE FROM personality_learning_state WHERE user_id = $1::text::uuid",
            &[&user_id(u)],
        )
        .expect("delete state");
    }
    for s in 0..3u32 {
        let r = c.batch_execute(&format!(
            "INSERT INTO swipe_imports (user_id, product_id, direction)
             SELECT ('00000000-0000-4000-d000-' || lpad((1 + g % 8)::text, 12, '0'))::uuid,
                    ('00000000-0000-4000-c000-' || lpad((1 + (g * 7 + {s}) % 40)::text, 12, '0'))::uuid,
                    (ARRAY['right', 'left', 'up', 'down'])[1 + (g + {s}) % 4]
               FROM generate_series(1, 40) g"
        ));
        if let Err(e) = r {
            failures.push(format!("bulk statement {s}: {}", short(&e)));
        }
    }
    // After the bulk insert the bad users swipe row by row again.
    for (u, _) in BAD {
        if let Err(e) = swipe(&mut c, "swipes", u, 20, "left") {
            failures.push(format!("row swipe of user {u} after bulk: {}", short(&e)));
        }
    }

    let sync = c.query_one("SELECT personality_sync_profile(NULL)", &[]);
    if let Err(e) = &sync {
        failures.push(format!("personality_sync_profile(NULL): {}", short(e)));
    }
    let mut learning = Vec::new();
    let mut incomplete = Vec::new();
    for u in BAD.iter().map(|b| b.0).chain(HEALTHY) {
        let id = user_id(u);
        let l = c
            .query_opt(
                &format!("SELECT {LEARNT_SWIPES} FROM personality_profiles p WHERE user_id = $1::text::uuid"),
                &[&id],
            )
            .map(|r| r.and_then(|r| r.get::<_, Option<i64>>(0)));
        let s = stored_swipes(&mut c, &["swipes", "swipe_imports"], &id);
        let l = l.map_err(|e| short(&e));
        learning.push(format!("user {u}: learnt {l:?} vs stored {s}"));
        if HEALTHY.contains(&u) && !matches!(l, Ok(Some(x)) if x == s) {
            incomplete.push(format!("healthy user {u}: learnt {l:?} vs stored {s}"));
        }
    }
    let seen = warnings(&notices.lock().unwrap());
    println!(
        "extreme values: {} failures {failures:#?}\nlearning: {learning:#?}\nnotices: {:#?}",
        failures.len(),
        seen.iter().take(10).map(|n| cut(n)).collect::<Vec<_>>()
    );
    assert!(
        !failures.iter().any(|f| f.contains("XX000")),
        "internal errors (XX000): {failures:#?}"
    );
    assert!(failures.is_empty(), "swipes failed: {failures:#?}");
    assert!(
        incomplete.is_empty(),
        "healthy users' learning lost: {incomplete:#?}"
    );
    assert!(
        seen.iter()
            .all(|n| n.starts_with("WARNING") || n.starts_with("NOTICE")),
        "more than a WARNING: {seen:#?}"
    );
    drop((c, admin));
    drop_db(db);
}
