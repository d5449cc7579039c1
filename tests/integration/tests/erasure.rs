//! Right to erasure (issue 20, point 6): deleting a person's profile, or their account,
//! removes what the extension holds about them (learning state, queued swipes,
//! recommendations; history too with the account, as the seed's foreign keys say), a
//! queued swipe of a deleted profile is never learnt into a new profile of the same
//! user, and a user may delete their own learning state and queue (SECURITY.md).
use personality_integration::*;
use postgres::Client;

fn count(c: &mut Client, sql: &str, user: &str) -> i64 {
    c.query_one(sql, &[&user])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

/// What the extension holds about `user`: (profiles, learning states, queued swipes,
/// recommendations, history rows).
fn held(c: &mut Client, user: &str) -> [i64; 5] {
    [
        "SELECT count(*) FROM personality_profiles WHERE user_id = $1::text::uuid",
        "SELECT count(*) FROM personality_learning_state WHERE user_id = $1::text::uuid",
        "SELECT count(*) FROM personality_learning_queue WHERE user_id = $1::text::uuid",
        "SELECT count(*) FROM personality_recommendations WHERE user_id = $1::text::uuid",
        "SELECT count(*) FROM personality_assessment_history WHERE user_id = $1::text::uuid",
    ]
    .map(|q| count(c, q, user))
}

fn assess(c: &mut Client, user: &str, answers: &str, trigger: &str) {
    c.query_one(
        "SELECT 1 FROM personality_assess($1::text::uuid, $2::text::jsonb, 240, $3)",
        &[&user, &answers, &trigger],
    )
    .unwrap_or_else(|e| panic!("personality_assess: {e}"));
}

fn swipe(c: &mut Client, user: &str, product: u32, direction: &str) {
    c.execute(
        "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, $3)",
        &[&user, &product_id(product), &direction],
    )
    .unwrap_or_else(|e| panic!("swipe: {e}"));
}

/// A swipe that goes into the queue: another transaction holds the user's learning
/// state row while it is inserted.
fn queued_swipe(db: &str, c: &mut Client, user: &str, product: u32) {
    let mut holder = connect(db, "postgres");
    let mut tx = holder.transaction().expect("begin");
    tx.execute(
        "SELECT 1 FROM personality_learning_state WHERE user_id = $1::text::uuid FOR UPDATE",
        &[&user],
    )
    .expect("holding the learning state");
    swipe(c, user, product, "right");
    tx.rollback().expect("rollback");
}

/// Profile, learning state, a queued swipe, recommendations and history for `user`.
fn person(db: &str, c: &mut Client, user: &str) {
    let answers = quiz_answers(c);
    assess(c, user, &answers, "initial");
    swipe(c, user, 1, "right");
    c.query(
        "SELECT * FROM personality_recommend($1::text::uuid, 5)",
        &[&user],
    )
    .expect("personality_recommend");
    queued_swipe(db, c, user, 2);
    let h = held(c, user);
    assert!(
        h.iter().all(|n| *n > 0),
        "setup: profile, state, queue, recommendations, history: {h:?}"
    );
}

#[test]
fn deleting_a_profile_erases_what_was_learnt_and_queued() {
    let db = "it_erasure_profile";
    let mut c = fresh_db(db, 30, 3, true);
    let u = user_id(1);
    let other = user_id(2);
    person(db, &mut c, &u);
    person(db, &mut c, &other);
    let other_before = held(&mut c, &other);
    // the model keeps each person's opinions between refreshes
    c.execute("SELECT personality_refresh_model()", &[])
        .expect("refresh");
    let kept = "SELECT count(*) FROM personality_model_people WHERE user_id = $1::text::uuid";
    assert_eq!(
        (count(&mut c, kept, &u), count(&mut c, kept, &other)),
        (1, 1)
    );

    // the user deletes their own profile, as PostgREST lets them
    let mut app = connect_as_app_user(db, &u);
    let n = app
        .execute("DELETE FROM personality_profiles", &[])
        .expect("a user deletes their own profile");
    assert_eq!(n, 1);
    // the history references the account (seed: profiles(id)), not the profile
    let h = held(&mut c, &u);
    assert_eq!(
        h[..4],
        [0, 0, 0, 0],
        "profile, learning state, queue, recommendations after deleting the profile: {h:?}"
    );
    assert_eq!(held(&mut c, &other), other_before, "another user's rows");
    assert_eq!(
        (count(&mut c, kept, &u), count(&mut c, kept, &other)),
        (0, 1),
        "the model's copy of the opinions"
    );

    // the quiz again: a new profile that has learnt nothing of the old one's swipes
    let answers = quiz_answers(&mut c);
    assess(&mut c, &u, &answers, "retake");
    sync_all(&mut c);
    assert_eq!(
        learnt_swipes(&mut c, &u).unwrap_or(0),
        0,
        "swipes learnt into the new profile"
    );
    drop_db(db);
}

/// A swipe queued while the profile is being deleted (the deleting transaction holds
/// the learning state row) is kept by the queue but never learnt into the new profile.
#[test]
fn a_swipe_queued_during_the_deletion_is_not_learnt_into_a_new_profile() {
    let db = "it_erasure_race";
    let mut c = fresh_db(db, 30, 2, true);
    let u = user_id(1);
    person(db, &mut c, &u);
    let mut deleter = connect(db, "postgres");
    let mut tx = deleter.transaction().expect("begin");
    tx.execute(
        "DELETE FROM personality_profiles WHERE user_id = $1::text::uuid",
        &[&u],
    )
    .expect("deleting the profile");
    // the learning state row is locked by the deletion: this swipe is queued
    swipe(&mut c, &u, 3, "right");
    swipe(&mut c, &u, 4, "up");
    tx.commit().expect("commit");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM personality_learning_queue WHERE user_id = $1::text::uuid",
            &u
        ),
        2,
        "the swipes made during the deletion are queued"
    );
    let answers = quiz_answers(&mut c);
    assess(&mut c, &u, &answers, "retake");
    sync_all(&mut c);
    assert_eq!(
        learnt_swipes(&mut c, &u).unwrap_or(0),
        0,
        "swipes queued under the deleted profile were learnt into the new one"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM personality_learning_queue WHERE user_id = $1::text::uuid",
            &u
        ),
        0,
        "the stale queued swipes are gone"
    );
    // the next swipe is learnt as usual
    swipe(&mut c, &u, 5, "right");
    sync_all(&mut c);
    assert_eq!(learnt_swipes(&mut c, &u), Some(1));
    drop_db(db);
}

#[test]
fn deleting_an_account_erases_everything() {
    let db = "it_erasure_account";
    let mut c = fresh_db(db, 30, 2, true);
    let u = user_id(1);
    person(db, &mut c, &u);
    c.execute("DELETE FROM profiles WHERE id = $1::text::uuid", &[&u])
        .expect("deleting the account");
    assert_eq!(held(&mut c, &u), [0, 0, 0, 0, 0]);
    drop_db(db);
}

#[test]
fn a_user_deletes_their_own_learning_state_and_queue() {
    let db = "it_erasure_own";
    let mut c = fresh_db(db, 30, 3, true);
    let (a, b) = (user_id(1), user_id(2));
    person(db, &mut c, &a);
    person(db, &mut c, &b);
    let b_before = held(&mut c, &b);
    let mut app = connect_as_app_user(db, &a);
    for (t, what) in [
        ("personality_learning_queue", "queue"),
        ("personality_learning_state", "learning state"),
    ] {
        let n = app
            .execute(
                &format!("DELETE FROM {t} WHERE user_id = $1::text::uuid"),
                &[&b],
            )
            .unwrap_or_else(|e| panic!("deleting another user's {what}: {e}"));
        assert_eq!(n, 0, "another user's {what}");
        let n = app
            .execute(&format!("DELETE FROM {t}"), &[])
            .unwrap_or_else(|e| panic!("deleting one's own {what}: {e}"));
        assert_eq!(n, 1, "one's own {what}");
    }
    let h = held(&mut c, &a);
    assert_eq!((h[1], h[2]), (0, 0), "{h:?}");
    assert_eq!(h[0], 1, "the profile stays");
    assert_eq!(held(&mut c, &b), b_before);
    // learning carries on from the profile
    swipe(&mut c, &a, 6, "right");
    sync_all(&mut c);
    assert!(learnt_swipes(&mut c, &a).unwrap_or(0) >= 1);
    drop_db(db);
}
