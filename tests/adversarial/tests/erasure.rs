//! Erasure (issue 20, point 6) as an attacker sees it: a signed-in user may delete
//! their own profile, learning state, queued swipes and recorded swipes, and nobody
//! else's; a role without grants deletes nothing; deleting one's profile takes every
//! row the extension held about that user.
use personality_adversarial::*;

const TABLES: [&str; 5] = [
    "personality_profiles",
    "personality_learning_state",
    "personality_learning_queue",
    "personality_recommendation_swipes",
    "personality_recommendations",
];

#[test]
fn a_user_erases_their_own_rows_and_nobody_elses() {
    let mut s = Scene::new("erasure_own", Attacker::NoGrants);
    // a queued swipe and a recorded swipe for each user
    for n in [ATTACKER_USER, VICTIM] {
        s.admin
            .batch_execute(&format!(
                "INSERT INTO personality_learning_queue (user_id, product_id, direction)
                 VALUES ('{u}', '{p}', 'right');
                 INSERT INTO personality_recommendation_swipes (user_id, product_id, direction)
                 SELECT user_id, product_id, 'right' FROM personality_recommendations
                  WHERE user_id = '{u}' LIMIT 1;",
                u = user_id(n),
                p = product_id(1)
            ))
            .expect("queued and recorded swipes");
    }
    let before = s.snapshot(&[ATTACKER_USER]);
    let mut me = s.user(ATTACKER_USER);
    for t in &TABLES[..4] {
        let victim = me
            .execute(
                &format!("DELETE FROM {t} WHERE user_id = $1::text::uuid"),
                &[&user_id(VICTIM)],
            )
            .map_err(|e| format!("{t}: {e}"));
        assert_eq!(victim, Ok(0), "deleting the victim's rows of {t}");
    }
    me.execute("DELETE FROM personality_profiles", &[])
        .expect("deleting one's own profile");
    s.assert_unchanged(&before, "a user deleting other users' rows");
    for t in TABLES {
        let n: i64 = s
            .admin
            .query_one(
                &format!("SELECT count(*) FROM {t} WHERE user_id = $1::text::uuid"),
                &[&user_id(ATTACKER_USER)],
            )
            .unwrap()
            .get(0);
        assert_eq!(n, 0, "{t} keeps rows of a deleted profile");
    }
    // a role without grants deletes nothing
    let mut a = s.attacker();
    for t in TABLES {
        assert_eq!(
            sqlstate(&a.execute(&format!("DELETE FROM public.{t}"), &[])),
            "42501",
            "{t}"
        );
    }
    s.assert_not_escalated("erasure");
}
