//! Upgrades: an installation of 0.1.0 (its SQL as recorded at the v0.1.0 tag,
//! tests/fixtures/personality_ext--0.1.0.sql) with data is updated with `ALTER
//! EXTENSION personality_ext UPDATE`; its data are kept, its objects equal those of a
//! fresh 0.2.0 installation (tests/fixtures/extension_objects.sql: pg_depend members
//! and what defines each), and learning carries on from what 0.1.0 learnt.
//!
//! The library is the current one (0.2.0) throughout: a machine upgrades by installing
//! the new library and SQL files, then running ALTER EXTENSION ... UPDATE. Between
//! the two, swipes are kept and not learnt from (with a WARNING), which is tested too.
use personality_it::*;
use postgres::Client;
use std::process::Command;

/// Where Postgres looks for extension scripts.
fn extension_dir() -> String {
    let out = Command::new(format!("{PGBIN}/pg_config"))
        .arg("--sharedir")
        .output()
        .expect("pg_config --sharedir");
    format!("{}/extension", String::from_utf8_lossy(&out.stdout).trim())
}

/// Makes the recorded 0.1.0 script installable next to the current version.
fn install_recorded_0_1_0() {
    let dir = extension_dir();
    let update = format!("{dir}/personality_ext--0.1.0--0.2.0.sql");
    assert!(
        std::path::Path::new(&update).exists(),
        "{update} is not installed: cargo pgrx install copies sql/personality_ext--*--*.sql"
    );
    std::fs::write(
        format!("{dir}/personality_ext--0.1.0.sql"),
        fixture("personality_ext--0.1.0.sql"),
    )
    .expect("installing the recorded 0.1.0 script (run the tests as the owner of the extension directory)");
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
    install_recorded_0_1_0();
    let old = "it_upgrade_old";
    let new = "it_upgrade_new";
    let mut c = fresh_db(old, 200, 10, false);
    c.batch_execute("CREATE EXTENSION personality_ext VERSION '0.1.0'")
        .expect("installing 0.1.0");
    assert_eq!(version(&mut c), "0.1.0");
    assert_eq!(
        one_i64(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relname = 'personality_learning_state'"
        ),
        0,
        "0.1.0 has no learning state table"
    );

    // Data as 0.1.0 leaves them: assessed users, one whose profile learnt from 40
    // swipes (0.1.0 kept the counters in personality_scores), stored recommendations,
    // an operator's edit of a default mapping.
    let answers: String = c
        .query_one(
            "SELECT jsonb_object_agg(question_id, options->0->>'value')::text
               FROM personality_quiz_questions WHERE is_active",
            &[],
        )
        .expect("answers")
        .get(0);
    for n in 1..=3 {
        c.execute(
            "SELECT personality_assess($1::text::uuid, $2::text::jsonb, 240)",
            &[&user_id(n), &answers],
        )
        .expect("assessing on 0.1.0");
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
    .expect("0.1.0 learning counters");
    let recommended = one_i64(
        &mut c,
        &format!(
            "SELECT count(*) FROM personality_recommend('{}', 10)",
            user_id(2)
        ),
    );
    assert_eq!(recommended, 10, "recommendations on 0.1.0");
    c.batch_execute(
        "UPDATE personality_gift_mappings SET recommendation_weight = 0.42 WHERE personality_type = 'social'",
    )
    .expect("operator edit");

    // The new library is in place, the SQL objects are still 0.1.0's: a swipe is kept,
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
    assert_eq!(version(&mut c), "0.2.0");
    let after = data(&mut c);
    assert_eq!(before, after, "ALTER EXTENSION UPDATE changed data");

    // The same objects, defined the same way, as a fresh 0.2.0 installation.
    let mut f = fresh_db(new, 200, 10, true);
    assert_eq!(version(&mut f), "0.2.0");
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

    // Learning carries on from 0.1.0's counters: the next swipe counts 41.
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
    assert_eq!(swipes, 41, "evidence continues from 0.1.0's 40");
    assert!(
        (30..=31).contains(&informative),
        "informative continues from 0.1.0's 30: {informative}"
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
