//! Restores of a database whose operator edited the defaults (issue 11): one default
//! gift mapping updated (…0002), one deleted (…0003), default question q05 edited and
//! q07 deleted. Under 0.2.0 a plain SQL dump restored with psql, or a one-step
//! pg_restore, left personality_product_vectors empty and personality_recommend then
//! silently returned no rows; a one-step `pg_restore -j 4` failed.
//!
//! Each of the three ways must succeed (or fail loudly naming the exact repair
//! command, which the test then runs) and give back the same product vectors, the
//! edits, and the same recommendations as the source database.
use personality_integration::*;
use postgres::Client;

const EDITED_MAPPING: &str = "00000000-0000-4000-a000-000000000002";
const DELETED_MAPPING: &str = "00000000-0000-4000-a000-000000000003";
const USERS: [u32; 3] = [1, 2, 3];

fn texts(c: &mut Client, sql: &str) -> Vec<String> {
    c.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn one(c: &mut Client, sql: &str) -> i64 {
    c.query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

/// The vectors without refreshed_at: they are derived (not dumped) since 0.3.0, so a
/// restore computes them again, later than the source did.
const VECTORS: &str =
    "SELECT (to_jsonb(t) - 'refreshed_at')::text FROM personality_product_vectors t ORDER BY product_id";
const MAPPINGS: &str = "SELECT t::text FROM personality_gift_mappings t ORDER BY id";
const QUESTIONS: &str = "SELECT t::text FROM personality_quiz_questions t ORDER BY question_id";

/// personality_recommend of a user as rows "product score", best first.
fn recommend(c: &mut Client, user: u32) -> Result<Vec<String>, postgres::Error> {
    Ok(c.query(
        "SELECT product_id::text || ' ' || combined_score::text
               FROM personality_recommend($1::text::uuid, 15)",
        &[&user_id(user)],
    )?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

fn fill_and_edit(db: &str) {
    let mut c = fresh_db(db, 80, 6, true);
    let answers = quiz_answers(&mut c);
    for u in USERS {
        c.query_one(
            "SELECT 1 FROM personality_assess($1::text::uuid, $2::text::jsonb, 240, 'initial')",
            &[&user_id(u), &answers],
        )
        .expect("quiz");
    }
    c.batch_execute(
        "INSERT INTO swipes (user_id, product_id, direction)
         SELECT ('00000000-0000-4000-d000-' || lpad((1 + g % 5)::text, 12, '0'))::uuid,
                ('00000000-0000-4000-c000-' || lpad((1 + (g * 7) % 80)::text, 12, '0'))::uuid,
                (ARRAY['right', 'left', 'up', 'down'])[1 + g % 4]
           FROM generate_series(1, 60) g",
    )
    .expect("swipes");
    for u in USERS {
        recommend(&mut c, u).expect("recommend before the edits");
    }
    // The operator's edits, as postgres.
    c.batch_execute(&format!(
        "UPDATE personality_gift_mappings SET recommendation_weight = 0.33,
                recommended_categories = '{{toys-games,books-media,experiences}}'
          WHERE id = '{EDITED_MAPPING}';
         DELETE FROM personality_gift_mappings WHERE id = '{DELETED_MAPPING}';
         UPDATE personality_quiz_questions SET prompt = prompt || ' (edited by the operator)'
          WHERE question_id = 'q05';
         DELETE FROM personality_quiz_questions WHERE question_id = 'q07';"
    ))
    .expect("operator edits");
    for u in USERS {
        recommend(&mut c, u).expect("recommend after the edits");
    }
}

/// The repair command a failed restore names (`SELECT personality_...;`), if any.
fn named_repair(stderr: &str) -> Option<String> {
    let i = stderr.find("SELECT personality_")?;
    let rest = &stderr[i..];
    let end = rest
        .find(';')
        .or_else(|| rest.find('\n'))
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

/// Restores with `tool args` into a new `dst`; on failure runs the repair the error
/// names, or panics. Returns a line for the report.
fn restore(dst: &str, tool: &str, args: &[&str]) -> String {
    drop_db(dst);
    connect("postgres", "postgres")
        .batch_execute(&format!("CREATE DATABASE {dst}"))
        .expect("create target");
    let mut full = vec!["-d", dst];
    full.extend_from_slice(args);
    let out = run_pg_tool(tool, &full);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("error"))
        .collect();
    if out.status.success() && errors.is_empty() {
        return format!("{tool} {args:?}: ok");
    }
    match named_repair(&stderr) {
        Some(cmd) => {
            connect(dst, "postgres")
                .batch_execute(&cmd)
                .unwrap_or_else(|e| panic!("the named repair `{cmd}` failed: {e}"));
            format!("{tool} {args:?}: failed, ran the named repair `{cmd}`: {errors:?}")
        }
        None => panic!(
            "{tool} {args:?} failed (exit {:?}) without naming a repair command: {stderr}",
            out.status.code()
        ),
    }
}

struct Source {
    vectors: Vec<String>,
    mappings: Vec<String>,
    questions: Vec<String>,
    products: i64,
    recommendations: Vec<Vec<String>>,
}

fn check(src: &Source, dst: &str, how: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut c = connect(dst, "postgres");
    let vectors = texts(&mut c, VECTORS);
    if vectors.len() as i64 != src.products {
        problems.push(format!(
            "{how}: {} product vectors for {} products",
            vectors.len(),
            src.products
        ));
    } else if vectors != src.vectors {
        let differ = vectors
            .iter()
            .zip(&src.vectors)
            .filter(|(a, b)| a != b)
            .count();
        problems.push(format!(
            "{how}: {differ} product vectors differ from the source's"
        ));
    }
    if texts(&mut c, MAPPINGS) != src.mappings {
        problems.push(format!(
            "{how}: gift mappings differ: {:?} vs source {:?}",
            texts(&mut c, MAPPINGS),
            src.mappings
        ));
    }
    let edited = texts(
        &mut c,
        &format!("SELECT recommendation_weight::text FROM personality_gift_mappings WHERE id = '{EDITED_MAPPING}'"),
    );
    if edited != vec!["0.33".to_string()] {
        problems.push(format!("{how}: edited mapping is {edited:?}"));
    }
    if one(
        &mut c,
        &format!("SELECT count(*) FROM personality_gift_mappings WHERE id = '{DELETED_MAPPING}'"),
    ) != 0
    {
        problems.push(format!("{how}: the deleted mapping is back"));
    }
    if one(
        &mut c,
        "SELECT count(*) FROM personality_quiz_questions WHERE question_id = 'q07'",
    ) != 0
    {
        problems.push(format!("{how}: the deleted question q07 is back"));
    }
    if one(
        &mut c,
        "SELECT count(*) FROM personality_quiz_questions WHERE question_id = 'q05' AND prompt LIKE '%(edited by the operator)'",
    ) != 1
    {
        problems.push(format!("{how}: the edit of q05 is lost"));
    }
    if texts(&mut c, QUESTIONS) != src.questions {
        problems.push(format!("{how}: quiz questions differ from the source's"));
    }
    for (k, u) in USERS.iter().enumerate() {
        match recommend(&mut c, *u) {
            Ok(r) if r.is_empty() => problems.push(format!(
                "{how}: personality_recommend(user {u}) returned no rows"
            )),
            Ok(r) if r != src.recommendations[k] => problems.push(format!(
                "{how}: recommendations of user {u} differ: {:?} vs source {:?}",
                &r[..r.len().min(3)],
                &src.recommendations[k][..src.recommendations[k].len().min(3)]
            )),
            Ok(_) => {}
            Err(e) => problems.push(format!(
                "{how}: personality_recommend(user {u}): {:?}",
                describe(&e)
            )),
        }
    }
    // service_role, as the app's backend calls it (PostgREST: authenticator + SET ROLE)
    let mut svc = connect(dst, "authenticator");
    svc.batch_execute("SET ROLE service_role")
        .expect("SET ROLE service_role");
    match recommend(&mut svc, USERS[0]) {
        Ok(r) if r == src.recommendations[0] => {}
        Ok(r) => problems.push(format!(
            "{how}: as service_role, personality_recommend(user {}) gave {} rows, not the source's {}",
            USERS[0],
            r.len(),
            src.recommendations[0].len()
        )),
        Err(e) => problems.push(format!("{how}: as service_role: {:?}", describe(&e))),
    }
    problems
}

#[test]
fn restores_after_operator_edits_keep_vectors_and_recommendations() {
    let src = "it_restore_edits_src";
    fill_and_edit(src);
    let dir = std::env::temp_dir();
    let custom = dir
        .join(format!("{src}.dump"))
        .to_string_lossy()
        .to_string();
    let plain = dir.join(format!("{src}.sql")).to_string_lossy().to_string();
    for (fmt, file) in [("-Fc", &custom), ("-Fp", &plain)] {
        let out = run_pg_tool("pg_dump", &[fmt, "-d", src, "-f", file]);
        assert!(
            out.status.success(),
            "pg_dump {fmt}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The source's state and recommendations, taken after the dump.
    let mut c = connect(src, "postgres");
    let source = Source {
        vectors: texts(&mut c, VECTORS),
        mappings: texts(&mut c, MAPPINGS),
        questions: texts(&mut c, QUESTIONS),
        products: one(&mut c, "SELECT count(*) FROM products"),
        recommendations: USERS
            .iter()
            .map(|&u| recommend(&mut c, u).expect("source recommendations"))
            .collect(),
    };
    drop(c);
    assert_eq!(
        source.vectors.len() as i64,
        source.products,
        "source vectors"
    );
    assert!(
        source.recommendations.iter().all(|r| !r.is_empty()),
        "source recommends nothing"
    );

    let ways: [(&str, &str, Vec<&str>); 3] = [
        (
            "it_restore_edits_psql",
            "psql",
            vec!["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", &plain],
        ),
        ("it_restore_edits_one", "pg_restore", vec![&custom]),
        (
            "it_restore_edits_j4",
            "pg_restore",
            vec!["-j", "4", &custom],
        ),
    ];
    let mut report = Vec::new();
    let mut problems = Vec::new();
    for (dst, tool, args) in &ways {
        let line = std::panic::catch_unwind(|| restore(dst, tool, args)).unwrap_or_else(|e| {
            let m = e
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "panic".into());
            problems.push(m.chars().take(1500).collect());
            format!("{tool} {args:?}: FAILED")
        });
        report.push(line.clone());
        if !line.ends_with("FAILED") {
            problems.extend(check(&source, dst, &format!("{tool} {args:?}")));
        }
    }
    println!("restores: {report:#?}\nproblems: {problems:#?}");
    let _ = std::fs::remove_file(&custom);
    let _ = std::fs::remove_file(&plain);
    assert!(
        problems.is_empty(),
        "restores after operator edits: {problems:#?}"
    );
    for (dst, _, _) in &ways {
        drop_db(dst);
    }
    drop_db(src);
}
