//! Class 4: work without bounds.
//!
//! * personality_product_traits with 90,000 and 1,000,000 tags must honour
//!   statement_timeout (1 s) within about 2 s;
//! * JSON nested 200 and 10,000 levels deep into personality_score_quiz,
//!   personality_assess and calculate_personality_product_match must fail with
//!   54001 (stack depth) or 22023 (invalid parameter), never XX000 or a crash;
//! * max_price NaN / Infinity / -Infinity to personality_recommend must give 22023.
use personality_adversarial::*;
use std::time::{Duration, Instant};

/// Runs `sql` as a signed-in user with statement_timeout = 1s on a thread of its own.
/// If it has not returned after 6 s the test cancels it from the client side, then
/// terminates the backend, so a regression cannot hang the suite.
fn timed(s: &mut Scene, sql: String) -> (String, Duration) {
    let mut c = s.user(ATTACKER_USER);
    c.batch_execute("SET statement_timeout = '1s'").unwrap();
    let pid: i32 = c.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    let token = c.cancel_token();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let t = Instant::now();
        let r = c.batch_execute(&sql);
        // The follow-up must work, except that a statement_timeout that fired just as
        // the call finished may cancel it (seen once at exactly 1.00 s; reported, not
        // failed). Anything else means the backend is broken.
        let follow = c.query_one("SELECT 1", &[]);
        let code = match &follow {
            Ok(_) => sqlstate(&r),
            Err(e) if sqlstate(&follow) == "57014" => {
                eprintln!("note: the follow-up SELECT 1 was cancelled by a stale timeout: {e}");
                sqlstate(&r)
            }
            Err(e) => format!("{} (then SELECT 1 failed: {e:?})", sqlstate(&r)),
        };
        let _ = tx.send((code, t.elapsed()));
    });
    match rx.recv_timeout(Duration::from_secs(6)) {
        Ok(v) => v,
        Err(_) => {
            let _ = token.cancel_query(postgres::NoTls);
            match rx.recv_timeout(Duration::from_secs(3)) {
                Ok((code, took)) => (format!("{code} (only after a client-side cancel)"), took),
                Err(_) => {
                    let _ = s.admin.execute("SELECT pg_terminate_backend($1)", &[&pid]);
                    ("still running 9 s later, even after a cancel request (pg_terminate_backend sent)".into(), Duration::from_secs(9))
                }
            }
        }
    }
}

fn assert_bounded(s: &mut Scene, what: &str, tags_sql: &str) {
    let mut f = Failures::default();
    for category in ["electronics", "sports-outdoors"] {
        let (code, took) = timed(
            s,
            format!("SELECT personality_product_traits('{category}', {tags_sql})"),
        );
        f.check(
            (code == "ok" || code == "57014") && took < Duration::from_millis(2500),
            || format!("{what} ({category}): {code} after {took:?} (must finish or be cancelled within ~2 s)"),
        );
    }
    f.assert_none("personality_product_traits is not bounded");
}

#[test]
fn product_traits_with_90k_tags_is_cancellable() {
    let mut s = Scene::new("bd_traits_90k", Attacker::NoGrants);
    // Matching tags (the mapping loop's hot path) and distinct long tags.
    assert_bounded(
        &mut s,
        "90k matching tags",
        "(SELECT array_agg((ARRAY['outdoor','books','kitchen','art','party'])[1 + g % 5]) FROM generate_series(1, 90000) g)",
    );
    assert_bounded(
        &mut s,
        "90k distinct tags",
        "(SELECT array_agg(repeat('x', 40) || g) FROM generate_series(1, 90000) g)",
    );
}

#[test]
fn product_traits_with_1m_tags_is_cancellable() {
    let mut s = Scene::new("bd_traits_1m", Attacker::NoGrants);
    assert_bounded(
        &mut s,
        "1M matching tags",
        "(SELECT array_agg((ARRAY['outdoor','books','kitchen','art','party'])[1 + g % 5]) FROM generate_series(1, 1000000) g)",
    );
    assert_bounded(
        &mut s,
        "1M distinct tags",
        "(SELECT array_agg('t' || g) FROM generate_series(1, 1000000) g)",
    );
}

fn nested_array(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_object(depth: usize) -> String {
    format!("{}1{}", "{\"a\": ".repeat(depth), "}".repeat(depth))
}

fn deep_json_case(depth: usize) {
    let mut s = Scene::new(&format!("bd_deep_json_{depth}"), Attacker::NoGrants);
    let arr = nested_array(depth);
    let obj = nested_object(depth);
    let answers = s.answers(0);
    let mut f = Failures::default();
    let cases: Vec<(String, String, Vec<String>)> = vec![
        (
            "personality_score_quiz(answer value nested array)".into(),
            "SELECT personality_score_quiz($1::text::jsonb)".into(),
            vec![format!("{{\"q01\": {arr}}}")],
        ),
        (
            "personality_score_quiz(answer value nested object)".into(),
            "SELECT personality_score_quiz($1::text::jsonb)".into(),
            vec![format!("{{\"q01\": {obj}}}")],
        ),
        (
            "personality_score_quiz(whole document nested)".into(),
            "SELECT personality_score_quiz($1::text::jsonb)".into(),
            vec![arr.clone()],
        ),
        (
            "personality_assess(user 1, answers with a nested value)".into(),
            "SELECT user_id FROM personality_assess($1::text::uuid, $2::text::jsonb)".into(),
            vec![user_id(ATTACKER_USER), {
                // every answer valid except one deeply nested extra key
                let mut a = answers.trim_end_matches('}').to_string();
                a.push_str(&format!(", \"zz_deep\": {arr}}}"));
                a
            }],
        ),
        (
            "personality_assess(user 1, nested answer to q01)".into(),
            "SELECT user_id FROM personality_assess($1::text::uuid, $2::text::jsonb)".into(),
            vec![user_id(ATTACKER_USER), format!("{{\"q01\": {obj}}}")],
        ),
        (
            "calculate_personality_product_match(nested scores)".into(),
            "SELECT calculate_personality_product_match($1::text::jsonb, '{\"adventurous\": 1}', '{}')".into(),
            vec![format!("{{\"adventurous\": {arr}}}")],
        ),
        (
            "calculate_personality_product_match(nested tags)".into(),
            "SELECT calculate_personality_product_match('{\"adventurous\": 50}', $1::text::jsonb, '{}')".into(),
            vec![format!("[{arr}]")],
        ),
        (
            "calculate_personality_product_match(nested affinities object)".into(),
            "SELECT calculate_personality_product_match('{\"adventurous\": 50}', $1::text::jsonb, '{}')".into(),
            vec![format!("{{\"adventurous\": {obj}}}")],
        ),
        (
            "calculate_personality_product_match(nested mappings)".into(),
            "SELECT calculate_personality_product_match('{\"adventurous\": 50}', NULL, $1::text::jsonb)".into(),
            vec![format!("{{\"alignment_score\": {arr}}}")],
        ),
    ];
    // Every case as service_role (trusted: reaches the parser) and, except
    // personality_assess of user 1's answers, also as signed-in user 1. A user may get
    // 42501 where the function is not theirs to call; never anything else.
    type Case = (String, String, Vec<String>);
    let runs: Vec<(bool, Case)> = cases
        .iter()
        .flat_map(|c| [(true, c.clone()), (false, c.clone())])
        .collect();
    for (as_service, (what, sql, params)) in runs {
        let mut c = if as_service {
            s.service()
        } else {
            s.user(ATTACKER_USER)
        };
        let what = format!(
            "{what} as {}",
            if as_service { "service_role" } else { "user 1" }
        );
        let p: Vec<&(dyn postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|x| x as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let r = c.query(sql.as_str(), &p);
        let code = sqlstate(&r);
        let msg = r
            .as_ref()
            .err()
            .map(|e| format!("{e:?}"))
            .unwrap_or_default();
        let allowed = code == "54001" || code == "22023" || (!as_service && code == "42501");
        f.check(allowed, || {
            format!(
                "{what} at depth {depth}: {code} {}",
                &msg[..msg.len().min(300)]
            )
        });
        f.check(c.query_one("SELECT 1", &[]).is_ok(), || {
            format!("{what}: connection dead afterwards")
        });
    }
    // The server is still up (no backend crashed and took the others with it).
    let up = connect(&s.db, "postgres")
        .query_one("SELECT 1", &[])
        .is_ok();
    f.check(up, || "server not accepting connections afterwards".into());
    f.assert_none("deeply nested JSON");
}

#[test]
fn deep_json_200_levels() {
    deep_json_case(200);
}

#[test]
fn deep_json_10000_levels() {
    deep_json_case(10_000);
}

#[test]
fn recommend_with_nan_or_infinite_max_price() {
    let s = Scene::new("bd_nan_price", Attacker::NoGrants);
    let mut f = Failures::default();
    for who in ["user", "service_role"] {
        let mut c = if who == "user" {
            s.user(ATTACKER_USER)
        } else {
            s.service()
        };
        for price in ["NaN", "Infinity", "-Infinity"] {
            let r = c.query(
                &format!(
                    "SELECT product_id FROM personality_recommend($1::text::uuid, 5, 'discover', NULL, '{price}'::numeric)"
                ),
                &[&user_id(ATTACKER_USER)],
            );
            let code = sqlstate(&r);
            f.check(code == "22023", || {
                format!("{who}: max_price {price} -> {code}")
            });
        }
    }
    f.assert_none("personality_recommend accepts non-finite max_price");
}

#[test]
fn huge_documents_are_cancellable() {
    // Wide rather than deep: 300k answers, 1M tags for the match. Each must finish or
    // honour statement_timeout = 1s within ~2 s (as a signed-in user).
    let mut s = Scene::new("bd_wide_json", Attacker::NoGrants);
    let mut f = Failures::default();
    for sql in [
        "SELECT personality_score_quiz((SELECT jsonb_object_agg('k' || g, 'v') FROM generate_series(1, 300000) g))",
        "SELECT calculate_personality_product_match('{\"adventurous\": 50}',
            (SELECT jsonb_agg('t' || g) FROM generate_series(1, 1000000) g), '{}')",
        "SELECT calculate_personality_product_match('{\"adventurous\": 50}',
            (SELECT jsonb_agg('adventurous'::text) FROM generate_series(1, 1000000) g), '{}')",
        "SELECT calculate_personality_product_match(
            (SELECT jsonb_object_agg('k' || g, g) FROM generate_series(1, 300000) g), NULL, '{}')",
    ] {
        let (code, took) = timed(&mut s, sql.to_string());
        // 42501: a user may not call it at all (then nothing ran)
        f.check(
            (code == "ok" || code == "57014" || code == "42501" || code == "22023")
                && took < Duration::from_millis(2500),
            || format!("{sql}: {code} after {took:?}"),
        );
    }
    f.assert_none("wide documents");
}
