//! The extension dropped and re-created while the app's connections stay open, and a
//! swipes table re-created after the extension (issue 11).
//!
//! - Connections that swiped before (their backends cached the trigger's plans) keep
//!   swiping after `DROP EXTENSION; CREATE EXTENSION ... SCHEMA ext2`: no 42P01, and
//!   their swipes are learnt by the new installation.
//! - A `swipes` table dropped and created again after CREATE EXTENSION gets the swipe
//!   trigger (as it gets the foreign keys), or at least a WARNING/NOTICE saying how.
use personality_integration::*;
use postgres::Client;

const SWIPE: &str = "INSERT INTO swipes (user_id, product_id, direction)
                     VALUES ($1::text::uuid, $2::text::uuid, 'right')";

fn trigger_on_swipes(c: &mut Client) -> Vec<String> {
    c.query(
        "SELECT tgname::text FROM pg_trigger
          WHERE tgrelid = 'public.swipes'::regclass AND NOT tgisinternal ORDER BY 1",
        &[],
    )
    .expect("triggers")
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[test]
fn open_connections_keep_learning_after_reinstall_in_another_schema() {
    let db = "it_lifecycle_reinstall";
    let mut admin = fresh_db(db, 30, 3, true);
    admin
        .batch_execute("GRANT INSERT, SELECT ON swipes TO authenticated")
        .expect("grant");
    // Two app connections that have swiped: the trigger's plans are cached.
    let (mut a, notices_a) = connect_with_notices(db, "postgres");
    let mut b = connect_as_app_user(db, &user_id(2));
    for p in 1..=3 {
        a.execute(SWIPE, &[&user_id(1), &product_id(p)])
            .expect("swipe before");
        b.execute(SWIPE, &[&user_id(2), &product_id(p)])
            .expect("app swipe before");
    }
    assert_eq!(learnt_swipes(&mut admin, &user_id(1)), Some(3));
    assert_eq!(learnt_swipes(&mut admin, &user_id(2)), Some(3));

    admin
        .batch_execute(
            "DROP EXTENSION personality_ext;
             CREATE SCHEMA ext2;
             CREATE EXTENSION personality_ext SCHEMA ext2;
             GRANT USAGE ON SCHEMA ext2 TO anon, authenticated, service_role;",
        )
        .expect("reinstall in ext2");
    let triggers = trigger_on_swipes(&mut admin);

    let mut results = Vec::new();
    for p in 4..=5 {
        let r = a.execute(SWIPE, &[&user_id(1), &product_id(p)]);
        results.push(format!(
            "postgres connection swipe {p}: {}",
            r.as_ref()
                .map(|_| "ok".to_string())
                .unwrap_or_else(|e| format!("{:?}", describe(e)))
        ));
        let r = b.execute(SWIPE, &[&user_id(2), &product_id(p)]);
        results.push(format!(
            "app connection swipe {p}: {}",
            r.as_ref()
                .map(|_| "ok".to_string())
                .unwrap_or_else(|e| format!("{:?}", describe(e)))
        ));
    }
    // A new connection too.
    let mut fresh = connect(db, "postgres");
    let r = fresh.execute(SWIPE, &[&user_id(3), &product_id(6)]);
    results.push(format!("new connection swipe: {}", sqlstate(&r)));

    admin
        .batch_execute("SET search_path = ext2, public")
        .expect("search_path");
    sync_all(&mut admin);
    // The new installation starts without learning: it learnt the swipes made since.
    let learnt: Vec<Option<i64>> = (1..=3)
        .map(|u| learnt_swipes(&mut admin, &user_id(u)))
        .collect();
    let warnings: Vec<String> = notices_a
        .lock()
        .unwrap()
        .iter()
        .filter(|n| n.starts_with("WARNING"))
        .cloned()
        .collect();
    println!(
        "after DROP/CREATE EXTENSION in ext2: triggers on swipes {triggers:?}\n{results:#?}\nlearnt since (users 1..3) {learnt:?}; warnings {warnings:#?}"
    );
    assert!(
        results.iter().all(|r| r.ends_with("ok")),
        "swipes failed on open connections: {results:#?}"
    );
    assert_eq!(
        triggers,
        vec![
            "personality_swipes_batch".to_string(),
            "update_personality_from_swipes".to_string()
        ],
        "swipes is not attached after the reinstall"
    );
    assert_eq!(
        learnt,
        vec![Some(2), Some(2), Some(1)],
        "swipes after the reinstall not learnt"
    );
    drop((a, b, fresh, admin));
    drop_db(db);
}

#[test]
fn swipes_table_created_after_the_extension_gets_the_trigger() {
    let db = "it_lifecycle_late_swipes";
    drop(fresh_db(db, 20, 2, true));
    let (mut c, notices) = connect_with_notices(db, "postgres");
    c.batch_execute("DROP TABLE swipes").expect("drop swipes");
    let before = notices.lock().unwrap().len();
    c.batch_execute(
        "CREATE TABLE swipes (
             id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
             user_id uuid REFERENCES profiles(id) ON DELETE CASCADE,
             product_id uuid REFERENCES products(id) ON DELETE CASCADE,
             direction text CHECK (direction IN ('left', 'right', 'up', 'down')),
             created_at timestamptz DEFAULT now());",
    )
    .expect("re-create swipes");
    let said: Vec<String> = notices.lock().unwrap()[before..].to_vec();
    let triggers = trigger_on_swipes(&mut c);
    let r = c.execute(SWIPE, &[&user_id(1), &product_id(1)]);
    let learnt = learnt_swipes(&mut c, &user_id(1));
    let fks: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'
               AND conrelid::regclass::text LIKE 'personality\\_%'",
            &[],
        )
        .expect("fks")
        .get(0);
    println!(
        "swipes re-created after CREATE EXTENSION: triggers {triggers:?}, notices {said:?}, swipe {}, learnt {learnt:?}, extension foreign keys {fks}",
        sqlstate(&r)
    );
    assert_eq!(sqlstate(&r), "ok");
    assert_eq!(
        triggers,
        vec![
            "personality_swipes_batch".to_string(),
            "update_personality_from_swipes".to_string()
        ],
        "the re-created swipes table has no swipe trigger (notices: {said:?})"
    );
    assert_eq!(
        learnt,
        Some(1),
        "the swipe on the re-created table was not learnt"
    );
    drop(c);
    drop_db(db);
}
