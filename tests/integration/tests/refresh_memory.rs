//! The refresh's memory is bounded by a setting (issue 21): past
//! personality.refresh_memory_mb the refresh fails with 53200, says which setting, and
//! the previous model stays; the next refresh with enough memory works.
use personality_integration::*;

#[test]
fn the_refresh_stops_at_its_memory_bound_and_keeps_the_model() {
    let db = "it_refresh_memory";
    let mut c = fresh_db(db, 120, 300, true);
    // 300 people each like 100 products: 30,000 likes, about 1.2 MB for the build
    // (loaded without the learning trigger: the model reads the swipe table itself)
    c.batch_execute(
        "ALTER TABLE swipes DISABLE TRIGGER USER;
         INSERT INTO swipes (user_id, product_id, direction)
         SELECT p.id, ('00000000-0000-4000-c000-' || lpad(k::text, 12, '0'))::uuid, 'right'
           FROM profiles p, generate_series(1, 100) k;
         ALTER TABLE swipes ENABLE TRIGGER USER;",
    )
    .expect("likes");
    c.batch_execute("SELECT personality_refresh_model(true)")
        .expect("a first refresh within the default bound");
    let before: i64 = c
        .query_one("SELECT count(*) FROM personality_item_neighbours", &[])
        .expect("neighbours")
        .get(0);
    assert!(before > 0);
    let r = c.batch_execute(
        "SET personality.refresh_memory_mb = 1; SELECT personality_refresh_model(true)",
    );
    let (state, message) = match &r {
        Err(e) => describe(e),
        Ok(()) => (String::new(), String::new()),
    };
    assert_eq!(state, "53200", "{r:?}");
    assert!(
        message.contains("personality.refresh_memory_mb"),
        "{message}"
    );
    let after: i64 = c
        .query_one("SELECT count(*) FROM personality_item_neighbours", &[])
        .expect("neighbours")
        .get(0);
    assert_eq!(before, after, "the previous model stays");
    c.batch_execute("RESET personality.refresh_memory_mb; SELECT personality_refresh_model(true)")
        .expect("the refresh works again with enough memory");
    drop(c);
    drop_db(db);
}
