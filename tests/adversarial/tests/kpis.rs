//! KPIs a user can forge (issue 20, point 9). The seed lets each signed-in user update
//! the interaction columns of their own recommendations (is_shown, shown_at,
//! is_swiped, swipe_direction, interacted_at, is_purchased). personality_kpis must
//! count only what the extension can verify (rows it generated, swipes the swipe
//! trigger recorded) in its unprefixed columns; what users report is labelled
//! reported_*.
use personality_adversarial::*;
use postgres::Client;

/// The verified columns of personality_kpis, summed over days, contexts and engines:
/// (recommended, swiped, right_swiped), and the days listed.
fn verified(svc: &mut Client) -> (i64, i64, i64, Vec<String>) {
    let r = svc
        .query_one(
            "SELECT coalesce(sum(recommended), 0)::bigint, coalesce(sum(swiped), 0)::bigint,
                    coalesce(sum(right_swiped), 0)::bigint,
                    coalesce(array_agg(DISTINCT day::text ORDER BY day::text), '{}')
               FROM personality_kpis",
            &[],
        )
        .expect("service_role reads personality_kpis");
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

fn reported(svc: &mut Client) -> (i64, i64) {
    let r = svc
        .query_one(
            "SELECT coalesce(sum(reported_shown), 0)::bigint, coalesce(sum(reported_purchased), 0)::bigint
               FROM personality_kpis",
            &[],
        )
        .expect("reported columns");
    (r.get(0), r.get(1))
}

#[test]
fn a_user_cannot_forge_the_verified_kpis() {
    let mut s = Scene::new("kpi_forge", Attacker::NoGrants);
    let mut svc = s.service();
    let before = verified(&mut svc);
    assert!(before.0 > 0, "the scene has recommendations: {before:?}");

    // The attacker marks every one of their recommendations shown, swiped right and
    // bought, and moves them to other days, many times over.
    let mut me = s.user(ATTACKER_USER);
    for day in ["2020-01-01", "2031-06-30", "infinity"] {
        let n = me
            .execute(
                &format!(
                    "UPDATE personality_recommendations SET is_shown = true, shown_at = '{day}',
                        is_swiped = true, swipe_direction = 'right', interacted_at = '{day}',
                        is_purchased = true"
                ),
                &[],
            )
            .expect("the seed lets a user update their own interaction columns");
        assert!(n > 0, "the attacker has recommendations");
    }
    let after = verified(&mut svc);
    assert_eq!(
        after, before,
        "verified KPIs moved by self-reported columns"
    );
    let (shown, purchased) = reported(&mut svc);
    assert!(
        shown > 0 && purchased > 0,
        "the reports are kept, labelled reported_*: {shown} {purchased}"
    );

    // The verified record itself is not theirs to write.
    for sql in [
        "INSERT INTO personality_recommendation_swipes (user_id, product_id, direction)
         SELECT user_id, product_id, 'right' FROM personality_recommendations",
        "UPDATE personality_recommendation_swipes SET direction = 'right'",
    ] {
        assert_eq!(
            sqlstate(&me.execute(sql, &[])),
            "42501",
            "a user wrote personality_recommendation_swipes: {sql}"
        );
    }
    assert_eq!(verified(&mut svc), before);
    s.assert_not_escalated("forging KPIs");
}

/// A real swipe of a recommended product, through the attached swipes table, is what
/// moves the verified columns (so the test above can fail).
#[test]
fn a_recorded_swipe_counts_as_verified() {
    let mut s = Scene::new("kpi_real", Attacker::NoGrants);
    let mut svc = s.service();
    let before = verified(&mut svc);
    let mut me = s.user(ATTACKER_USER);
    let products: Vec<String> = me
        .query(
            "SELECT product_id::text FROM personality_recommendations r
              WHERE NOT EXISTS (SELECT 1 FROM personality_recommendation_swipes w
                                 WHERE w.user_id = r.user_id AND w.product_id = r.product_id)
              ORDER BY 1 LIMIT 3",
            &[],
        )
        .expect("own recommendations")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(products.len(), 3);
    for (p, d) in products.iter().zip(["right", "up", "left"]) {
        me.execute(
            "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, $3)",
            &[&user_id(ATTACKER_USER), p, &d],
        )
        .expect("a swipe");
    }
    let after = verified(&mut svc);
    assert_eq!(after.0, before.0);
    assert_eq!(after.1, before.1 + 3, "swiped: {before:?} -> {after:?}");
    assert_eq!(
        after.2,
        before.2 + 2,
        "right_swiped: {before:?} -> {after:?}"
    );
    // A user may delete their own record (erasure); that only lowers the counts.
    let n = me
        .execute("DELETE FROM personality_recommendation_swipes", &[])
        .expect("deleting one's own recorded swipes");
    assert!(n >= 3);
    let erased = verified(&mut svc);
    assert!(erased.1 <= before.1, "{erased:?}");
    s.assert_not_escalated("recording swipes");
}
