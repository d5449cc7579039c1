//! A full rebuild of the product vectors that waits on another transaction's change of
//! the gift mappings (issue 11). With `pg_restore -j 4` the products link (the event
//! trigger, on the products primary key) rebuilds every vector while the mappings'
//! COPY rebuilds them too: the link read the older mappings, waited for the COPY's
//! vector rows, and wrote its stale values over the new ones once the COPY committed.
//! The rebuild must end with the mappings that are committed when it ends.
use personality_integration::*;
use std::time::Duration;

const VECTORS: &str = "SELECT coalesce(string_agg((to_jsonb(t) - 'refreshed_at')::text, E'\\n' ORDER BY product_id), '')
                         FROM personality_product_vectors t";

fn vectors(c: &mut postgres::Client) -> String {
    c.query_one(VECTORS, &[]).expect("vectors").get(0)
}

#[test]
fn rebuild_that_waited_for_a_mapping_change_keeps_the_new_mappings() {
    let db = "it_mapping_rebuild";
    let mut setup = fresh_db(db, 60, 0, true);
    let before = vectors(&mut setup);

    // The operator's change, not committed yet: its statement trigger has rebuilt every
    // vector and holds their row locks.
    let mut operator = connect(db, "postgres");
    operator
        .batch_execute(
            "BEGIN;
             UPDATE personality_gift_mappings SET recommendation_weight = 0.2,
                    recommended_categories = '{toys-games,books-media,experiences}'
              WHERE id = '00000000-0000-4000-a000-000000000002';",
        )
        .expect("mapping change");

    // A second full rebuild (what the products link runs during a restore) reads the
    // committed mappings, the old ones, and waits for the operator's rows.
    let rebuild = std::thread::spawn(move || {
        let mut c = connect(db, "postgres");
        c.query_one("SELECT personality_refresh_product_vectors()", &[])
            .map(|r| r.get::<_, i64>(0))
    });
    let mut watcher = connect(db, "postgres");
    let mut waiting = false;
    for _ in 0..200 {
        waiting = watcher
            .query_one(
                "SELECT count(*) > 0 FROM pg_stat_activity
                  WHERE datname = current_database() AND wait_event_type = 'Lock'
                    AND query LIKE '%personality_refresh_product_vectors%'",
                &[],
            )
            .expect("pg_stat_activity")
            .get(0);
        if waiting {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        waiting,
        "the second rebuild never waited for the operator's rows"
    );
    operator.batch_execute("COMMIT").expect("commit");
    let written = rebuild.join().expect("rebuild thread").expect("rebuild");
    assert!(written > 0, "the rebuild wrote no vectors");

    let after = vectors(&mut setup);
    // What a rebuild with nothing running concurrently computes from the same mappings.
    setup
        .query_one("SELECT personality_refresh_product_vectors()", &[])
        .expect("quiet rebuild");
    let quiet = vectors(&mut setup);
    let differ = |a: &str, b: &str| a.lines().zip(b.lines()).filter(|(x, y)| x != y).count();
    assert!(
        differ(&before, &quiet) > 0,
        "the mapping change does not change any vector: the test proves nothing"
    );
    assert_eq!(
        differ(&after, &quiet),
        0,
        "the concurrent rebuild left {} vectors of the old mappings",
        differ(&after, &quiet)
    );
    drop(setup);
    drop(watcher);
    drop_db(db);
}
