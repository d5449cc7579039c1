//! Upgrades: an installation of 0.3.0, 0.2.0 or 0.1.0 (their SQL as released, recorded in
//! tests/fixtures/personality_ext--0.3.0.sql, --0.2.0.sql and --0.1.0.sql) with data is updated
//! with `ALTER EXTENSION personality_ext UPDATE`; its data are kept, its objects equal
//! those of a fresh installation of the current version
//! (tests/fixtures/extension_objects.sql: pg_depend members and what defines each),
//! and learning carries on from what the old version learnt.
//!
//! The library is the current one throughout: a machine upgrades by installing
//! the new library and SQL files, then running ALTER EXTENSION ... UPDATE. Between
//! the two, swipes are kept and not learnt from (with a WARNING), which is tested too.
use personality_integration::*;
use postgres::Client;
use std::process::Command;

/// Where Postgres looks for extension scripts.
fn extension_dir() -> String {
    let out = Command::new(format!("{}/pg_config", pgbin()))
        .arg("--sharedir")
        .output()
        .expect("pg_config --sharedir");
    format!("{}/extension", String::from_utf8_lossy(&out.stdout).trim())
}

/// The current version, as Cargo.toml (and so the control file) has it.
const CURRENT: &str = env!("CARGO_PKG_VERSION");

/// Makes the recorded 0.1.0, 0.2.0 and 0.3.0 scripts installable next to the current version.
fn install_recorded_versions() {
    // once per test binary: the two tests run in parallel and read these files
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(write_recorded_versions);
}

fn write_recorded_versions() {
    let dir = extension_dir();
    for update in ["0.1.0--0.2.0", "0.2.0--0.3.0", "0.3.0--0.4.0"] {
        let path = format!("{dir}/personality_ext--{update}.sql");
        assert!(
            std::path::Path::new(&path).exists(),
            "{path} is not installed: cargo pgrx install copies sql/personality_ext--*--*.sql"
        );
    }
    for version in ["0.1.0", "0.2.0", "0.3.0"] {
        std::fs::write(
            format!("{dir}/personality_ext--{version}.sql"),
            fixture(&format!("personality_ext--{version}.sql")),
        )
        .expect(
            "installing a recorded script (run the tests as the owner of the extension directory)",
        );
    }
}

fn objects(c: &mut Client) -> Vec<String> {
    c.query(&fixture("extension_objects.sql"), &[])
        .expect("listing the extension's objects")
        .iter()
        .map(|r| {
            format!(
                "{} | {} | {}",
                r.get::<_, String>(0),
                r.get::<_, String>(1),
                r.get::<_, String>(2)
            )
        })
        .collect()
}

/// Every row of every table of the extension, as text.
fn data(c: &mut Client) -> Vec<String> {
    let tables: Vec<String> = c
        .query(
            "SELECT c.oid::regclass::text FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
              WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'personality_ext')
                AND d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind = 'r'
              ORDER BY 1",
            &[],
        )
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut rows = Vec::new();
    for t in tables {
        for r in c
            .query(&format!("SELECT t::text FROM {t} t ORDER BY 1"), &[])
            .unwrap_or_else(|e| panic!("reading {t}: {e}"))
        {
            rows.push(format!("{t}: {}", r.get::<_, String>(0)));
        }
    }
    rows
}

/// The default rows CREATE EXTENSION writes, without their timestamps.
fn defaults(c: &mut Client) -> Vec<String> {
    c.query(
        "SELECT 'mapping ' || (to_jsonb(m) - 'created_at' - 'updated_at')::text FROM personality_gift_mappings m
         UNION ALL
         SELECT 'question ' || (to_jsonb(q) - 'created_at' - 'updated_at')::text FROM personality_quiz_questions q
         ORDER BY 1",
        &[],
    )
    .expect("defaults")
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn version(c: &mut Client) -> String {
    c.query_one(
        "SELECT extversion FROM pg_extension WHERE extname = 'personality_ext'",
        &[],
    )
    .expect("version")
    .get(0)
}

fn one_i64(c: &mut Client, sql: &str) -> i64 {
    c.query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

#[test]
fn update_from_0_1_0_keeps_data_and_equals_a_fresh_install() {
    update_keeps_data_and_equals_a_fresh_install("0.1.0");
}

#[test]
fn update_from_0_2_0_keeps_data_and_equals_a_fresh_install() {
    update_keeps_data_and_equals_a_fresh_install("0.2.0");
}

#[test]
fn update_from_0_3_0_keeps_data_and_equals_a_fresh_install() {
    update_keeps_data_and_equals_a_fresh_install("0.3.0");
}

fn update_keeps_data_and_equals_a_fresh_install(from: &str) {
    install_recorded_versions();
    let tag = from.replace('.', "_");
    let old = format!("it_upgrade_old_{tag}");
    let new = format!("it_upgrade_new_{tag}");
    let (old, new) = (old.as_str(), new.as_str());
    let mut c = fresh_db(old, 200, 10, false);
    c.batch_execute(&format!(
        "CREATE EXTENSION personality_ext VERSION '{from}'"
    ))
    .unwrap_or_else(|e| panic!("installing {from}: {e}"));
    assert_eq!(version(&mut c), from);

    // Data as the old version leaves them: assessed users, one whose profile learnt
    // from 40 swipes (0.1.0 kept the counters in personality_scores; 0.2.0 reads them
    // from there too), stored recommendations, an operator's edit of a default mapping.
    let answers: String = c
        .query_one(
            "SELECT jsonb_object_agg(question_id, options->0->>'value')::text
               FROM personality_quiz_questions WHERE is_active",
            &[],
        )
        .expect("answers")
        .get(0);
    // Written as the old version's functions write them (the library here is the
    // new one, whose functions need the new SQL objects: see the module doc).
    for n in 1..=3 {
        c.execute(
            "INSERT INTO personality_profiles (user_id, primary_type, secondary_types,
                    personality_scores, confidence_level, quiz_responses, assessment_method,
                    total_questions_answered)
             VALUES ($1::text::uuid, 'adventurous', '{}',
                    '{\"adventurous\": 80, \"intellectual\": 35, \"practical\": 50,
                      \"creative\": 20, \"social\": 60}', 0.70, $2::text::jsonb, 'quiz', 24)",
            &[&user_id(n), &answers],
        )
        .unwrap_or_else(|e| panic!("a profile on {from}: {e}"));
        c.execute(
            "INSERT INTO personality_assessment_history (user_id, assessment_data,
                    personality_scores, primary_type, assessment_trigger, questions_answered)
             SELECT user_id, '{}', personality_scores, primary_type, 'initial', 24
               FROM personality_profiles WHERE user_id = $1::text::uuid",
            &[&user_id(n)],
        )
        .unwrap_or_else(|e| panic!("a history row on {from}: {e}"));
    }
    c.execute(
        "UPDATE personality_profiles SET assessment_method = 'hybrid',
                personality_scores = personality_scores || '{\"behavior_evidence\": 40,
                  \"behavior_informative\": 30, \"behavioral_consistency\": 0.7,
                  \"behavior_confidence\": 0.6123}'::jsonb,
                confidence_level = 0.61
          WHERE user_id = $1::text::uuid",
        &[&user_id(1)],
    )
    .expect("learning counters");
    let recommended = c
        .execute(
            "INSERT INTO personality_recommendations (user_id, product_id, personality_profile_id,
                    personality_match_score, category_alignment_score, behavioral_prediction,
                    combined_score, confidence_level)
             SELECT p.user_id, pr.id, p.id, 0.6, 0.5, 0.5, 0.55, 0.7
               FROM personality_profiles p, (SELECT id FROM products ORDER BY id LIMIT 10) pr
              WHERE p.user_id = $1::text::uuid",
            &[&user_id(2)],
        )
        .expect("recommendations");
    assert_eq!(recommended, 10, "recommendations on {from}");
    c.batch_execute(
        "UPDATE personality_gift_mappings SET recommendation_weight = 0.42 WHERE personality_type = 'social'",
    )
    .expect("operator edit");

    // The new library is in place, the SQL objects are still the old ones: a swipe is kept,
    // not learnt from, and the WARNING says what to do.
    let (mut w, notices) = connect_with_notices(old, "postgres");
    w.execute(
        "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'right')",
        &[&user_id(1), &product_id(1)],
    )
    .expect("a swipe before ALTER EXTENSION UPDATE is kept");
    let said = notices.lock().expect("notices").join("\n");
    assert!(
        said.contains("ALTER EXTENSION personality_ext UPDATE"),
        "expected a WARNING naming the update, got: {said}"
    );
    drop(w);

    let before = data(&mut c);
    assert!(before.len() > 100, "too little data: {}", before.len());
    c.batch_execute("ALTER EXTENSION personality_ext UPDATE")
        .expect("ALTER EXTENSION personality_ext UPDATE");
    assert_eq!(version(&mut c), CURRENT);
    let after = data(&mut c);
    assert_eq!(before, after, "ALTER EXTENSION UPDATE changed data");

    // The same objects, defined the same way, as a fresh installation.
    let mut f = fresh_db(new, 200, 10, true);
    assert_eq!(version(&mut f), CURRENT);
    let (upgraded, fresh) = (objects(&mut c), objects(&mut f));
    let only_upgraded: Vec<&String> = upgraded.iter().filter(|o| !fresh.contains(o)).collect();
    let only_fresh: Vec<&String> = fresh.iter().filter(|o| !upgraded.contains(o)).collect();
    assert!(
        only_upgraded.is_empty() && only_fresh.is_empty(),
        "objects differ:\nonly in the updated database:\n{}\nonly in the fresh one:\n{}",
        only_upgraded
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        only_fresh
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        upgraded
            .iter()
            .filter(|o| o.starts_with("member |"))
            .count()
            > 40,
        "too few members compared"
    );
    // Default rows: the same, except the operator's edit.
    let (d_old, d_new) = (defaults(&mut c), defaults(&mut f));
    let differing: Vec<&String> = d_old.iter().filter(|r| !d_new.contains(r)).collect();
    assert_eq!(
        differing.len(),
        1,
        "only the edited mapping differs: {differing:?}"
    );
    assert!(differing[0].contains("0.42"), "{differing:?}");

    // Learning carries on from the old version's counters: the next swipe counts 41.
    c.execute(
        "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'right')",
        &[&user_id(1), &product_id(2)],
    )
    .expect("a swipe after the update");
    let row = c
        .query_one(
            "SELECT swipes, informative_swipes, confidence FROM personality_learning WHERE user_id = $1::text::uuid",
            &[&user_id(1)],
        )
        .expect("learning state after the update");
    let (swipes, informative): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(swipes, 41, "evidence continues from {from}'s 40");
    assert!(
        (30..=31).contains(&informative),
        "informative continues from {from}'s 30: {informative}"
    );
    // The functions that changed work on the updated database. (The swipe may have
    // written the profile row itself: 0 or 1 left to write.)
    let written = one_i64(
        &mut c,
        &format!("SELECT personality_sync_profile('{}')", user_id(1)),
    );
    assert!((0..=1).contains(&written), "{written}");
    assert_eq!(
        one_i64(
            &mut c,
            "SELECT (personality_scores->>'behavior_evidence')::bigint FROM personality_profiles
              WHERE user_id = '00000000-0000-4000-d000-000000000001'"
        ),
        41
    );
    c.execute(
        "SELECT personality_assess($1::text::uuid, $2::text::jsonb, 240, 'retake')",
        &[&user_id(1), &answers],
    )
    .expect("assessing after the update");
    assert_eq!(
        one_i64(
            &mut c,
            &format!(
                "SELECT count(*) FROM personality_recommend('{}', 10)",
                user_id(1)
            )
        ),
        10
    );
    drop(c);
    drop(f);
    drop_db(old);
    drop_db(new);
}
