//! pg_dump of a database using personality_ext, restored with plain pg_restore into a
//! new, empty database: every personality row, the foreign keys to the host tables,
//! the policies and indexes, and operator edits to the default mappings come back.
use personality_integration::*;
use postgres::Client;

const TABLES: [&str; 7] = [
    "personality_quiz_questions",
    "personality_profiles",
    "personality_learning_state",
    "personality_gift_mappings",
    "personality_assessment_history",
    "personality_recommendations",
    "personality_seed_deletions",
];

fn rows(c: &mut Client, table: &str) -> Vec<String> {
    c.query(
        &format!("SELECT t::text FROM {table} t ORDER BY t::text"),
        &[],
    )
    .unwrap_or_else(|e| panic!("reading {table}: {e}"))
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn catalog(c: &mut Client, sql: &str) -> Vec<String> {
    c.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.get(0))
        .collect()
}

const FKS: &str = "SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' valid=' || convalidated
                     FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text LIKE 'personality\\_%' ORDER BY 1";
const POLICIES: &str = "SELECT tablename || ' ' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
                          FROM pg_policies WHERE tablename LIKE 'personality\\_%' ORDER BY 1";
const INDEXES: &str =
    "SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'personality\\_%' ORDER BY 1";
const RLS: &str = "SELECT relname || ' ' || relrowsecurity FROM pg_class WHERE relname LIKE 'personality\\_%' AND relkind = 'r' ORDER BY 1";
const GRANTS: &str = "SELECT table_name || ' ' || grantee || ' ' || privilege_type FROM information_schema.role_table_grants
                        WHERE table_name LIKE 'personality\\_%' ORDER BY 1";

fn fill(c: &mut Client) {
    c.batch_execute(
        "INSERT INTO personality_profiles (user_id, primary_type, secondary_types, personality_scores, confidence_level)
         SELECT id, 'adventurous', '{creative}', jsonb_build_object('adventurous', 80, 'creative', 70), 0.8 FROM profiles;
         INSERT INTO personality_assessment_history
             (user_id, assessment_data, personality_scores, primary_type, assessment_trigger, questions_answered)
         SELECT user_id, '{\"answers\": 20}', personality_scores, primary_type, 'initial', 20 FROM personality_profiles;
         INSERT INTO personality_recommendations
             (user_id, product_id, personality_profile_id, personality_match_score, category_alignment_score,
              behavioral_prediction, combined_score, confidence_level, recommendation_reasons)
         SELECT pp.user_id, p.id, pp.id, 0.7, 0.6, 0.5, 0.65, 0.8, '[\"fits your adventurous side (80/100)\"]'
           FROM personality_profiles pp CROSS JOIN (SELECT id FROM products ORDER BY id LIMIT 5) p;
         -- swipes: every user gets a learning state
         INSERT INTO swipes (user_id, product_id, direction)
         SELECT pp.user_id, p.id, 'right'
           FROM personality_profiles pp CROSS JOIN (SELECT id FROM products ORDER BY id OFFSET 5 LIMIT 3) p;
         -- operator edits to the defaults: one changed, one deleted, one added
         UPDATE personality_gift_mappings SET recommendation_weight = 0.42,
                recommended_categories = recommended_categories || '{books-media}'
          WHERE personality_type = 'social';
         DELETE FROM personality_gift_mappings WHERE personality_type = 'practical';
         INSERT INTO personality_gift_mappings (personality_type, recommended_categories, recommendation_weight)
         VALUES ('thrifty', '{home-garden}', 0.3);",
    )
    .expect("filling");
}

fn dump_and_restore(src: &str, dst: &str, restore_args: &[&str]) {
    dump_and_restore_steps(src, dst, &[restore_args]);
}

/// Dumps `src` and restores it into a new `dst` with one pg_restore run per step.
fn dump_and_restore_steps(src: &str, dst: &str, steps: &[&[&str]]) {
    let file = std::env::temp_dir().join(format!("{src}_{dst}.dump"));
    let file = file.to_string_lossy().to_string();
    let out = run_pg_tool("pg_dump", &["-Fc", "-d", src, "-f", &file]);
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop_db(dst);
    let mut admin = connect("postgres", "postgres");
    admin
        .batch_execute(&format!("CREATE DATABASE {dst}"))
        .expect("create target");
    for restore_args in steps {
        let mut args = vec!["-d", dst];
        args.extend_from_slice(restore_args);
        args.push(&file);
        let out = run_pg_tool("pg_restore", &args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            out.status.success(),
            "pg_restore {restore_args:?} failed: {stderr}"
        );
        assert!(
            !stderr.contains("error"),
            "pg_restore reported errors: {stderr}"
        );
    }
    let _ = std::fs::remove_file(&file);
}

fn assert_same(src: &str, dst: &str) {
    let mut a = connect(src, "postgres");
    let mut b = connect(dst, "postgres");
    for t in TABLES {
        let (ra, rb) = (rows(&mut a, t), rows(&mut b, t));
        assert!(
            !ra.is_empty() || t == "personality_seed_deletions",
            "{t} is empty in the source"
        );
        assert_eq!(ra, rb, "rows of {t} differ after restore");
    }
    for (what, sql) in [
        ("foreign keys", FKS),
        ("policies", POLICIES),
        ("indexes", INDEXES),
        ("rls", RLS),
        ("grants", GRANTS),
    ] {
        let (ca, cb) = (catalog(&mut a, sql), catalog(&mut b, sql));
        assert!(!ca.is_empty(), "no {what} in the source");
        assert_eq!(ca, cb, "{what} differ after restore");
    }
    let fks = catalog(&mut b, FKS);
    assert_eq!(fks.len(), 6, "expected 6 foreign keys, got {fks:?}");
    assert!(fks.iter().all(|f| f.ends_with("valid=true")), "{fks:?}");
    // The edits survived: weight 0.42 for social, practical gone, thrifty there.
    let m = catalog(
        &mut b,
        "SELECT personality_type || '=' || recommendation_weight FROM personality_gift_mappings ORDER BY 1",
    );
    assert_eq!(
        m,
        vec![
            "adventurous=0.90",
            "creative=0.85",
            "intellectual=0.85",
            "social=0.42",
            "thrifty=0.30"
        ]
    );
    // The foreign keys are enforced in the restored database ...
    let r = b.execute(
        "INSERT INTO personality_profiles (user_id, primary_type, personality_scores) VALUES (gen_random_uuid(), 'social', '{}')",
        &[],
    );
    assert_eq!(sqlstate(&r), "23503");
    // ... and cascade.
    let before: i64 = b
        .query_one("SELECT count(*) FROM personality_recommendations", &[])
        .expect("count")
        .get(0);
    b.execute(
        "DELETE FROM products WHERE id = (SELECT product_id FROM personality_recommendations LIMIT 1)",
        &[],
    )
    .expect("delete product");
    let after: i64 = b
        .query_one("SELECT count(*) FROM personality_recommendations", &[])
        .expect("count")
        .get(0);
    assert!(after < before, "ON DELETE CASCADE to products lost");
}

#[test]
fn dump_and_plain_restore_brings_everything_back() {
    let mut c = fresh_db("it_backup_src", 50, 10, true);
    fill(&mut c);
    drop(c);
    dump_and_restore("it_backup_src", "it_backup_dst", &[]);
    assert_same("it_backup_src", "it_backup_dst");
    drop_db("it_backup_dst");
    drop_db("it_backup_src");
}

/// The documented recipe for big databases (README "Backups and restores"): schema and
/// data in one serial run (pg_restore -j does not order the data of extension tables
/// that reference each other), then indexes and constraints in parallel.
#[test]
fn two_step_parallel_restore_works() {
    let mut c = fresh_db("it_backup_psrc", 50, 10, true);
    fill(&mut c);
    drop(c);
    dump_and_restore_steps(
        "it_backup_psrc",
        "it_backup_pdst",
        &[
            &["--section=pre-data", "--section=data"],
            &["--section=post-data", "-j", "4"],
        ],
    );
    assert_same("it_backup_psrc", "it_backup_pdst");
    drop_db("it_backup_pdst");
    drop_db("it_backup_psrc");
}

/// A second restore-like event: the dump restored into a database where an operator
/// then re-creates the host tables itself still links (event trigger).
#[test]
fn extension_first_then_host_tables() {
    ensure_roles();
    drop_db("it_backup_late");
    let mut admin = connect("postgres", "postgres");
    admin
        .batch_execute("CREATE DATABASE it_backup_late")
        .expect("db");
    let (mut c, notices) = connect_with_notices("it_backup_late", "postgres");
    c.batch_execute("CREATE EXTENSION personality_ext")
        .expect("create");
    let seen = notices.lock().map(|v| v.join("\n")).unwrap_or_default();
    assert!(
        seen.contains("WARNING: personality_ext: installed without foreign keys to host tables: products (missing table), profiles (missing table)"),
        "missing-table warning not seen: {seen}"
    );
    c.batch_execute(&fixture("host_schema.sql"))
        .expect("host schema");
    let linked: i64 = c
        .query_one(
            "SELECT count(*) FROM personality_host_status() WHERE status = 'linked'",
            &[],
        )
        .expect("status")
        .get(0);
    assert_eq!(linked, 6); // four host links and the two between personality tables
    drop(c);
    drop_db("it_backup_late");
}
