//! After the blend (personality_recommend's hybrid engine, src/recommend/hybrid.rs):
//! the rotation penalty, the order of the list, when a "popular with people who share
//! your … side" reason may be shown, and the behavioural prediction stored with a row.
//! Pure, so that `cargo test` reaches them.
use super::score::Scored;
use super::Item;
use std::cmp::Ordering;

/// Multiplies by `1 - rotation` the score of every candidate `shown` recently and not
/// swiped since (personality.rotation); a negative score (the learnt ranker's weights
/// may give one) by `1 + rotation`, so it too moves down.
pub fn rotate(ranked: &mut [Scored], shown: impl Fn(Item) -> bool, rotation: f64) {
    let rotation = rotation.clamp(0.0, 1.0);
    if rotation <= 0.0 {
        return;
    }
    for s in ranked.iter_mut() {
        if shown(s.item) {
            s.score *= if s.score >= 0.0 {
                1.0 - rotation
            } else {
                1.0 + rotation
            };
        }
    }
}

/// Best first: by score, then item quality, then the strength of the product's trait
/// profile, then the product id (bytes), so the order never depends on numbering.
pub fn best_first(
    ranked: &mut [Scored],
    strength: impl Fn(Item) -> f64,
    id: impl Fn(Item) -> [u8; 16],
) {
    ranked.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(Ordering::Equal)
            .then(b.quality.partial_cmp(&a.quality).unwrap_or(Ordering::Equal))
            .then(
                strength(b.item)
                    .partial_cmp(&strength(a.item))
                    .unwrap_or(Ordering::Equal),
            )
            .then(id(a.item).cmp(&id(b.item)))
    });
}

/// Whether a product liked by `side` people on the person's top side (of `likes`
/// people) is "popular with people who share your … side": at least `min_people` (and
/// at least 3) of them, and at least half its likers.
pub fn side_popular(side: f64, likes: f64, min_people: u32) -> bool {
    side >= min_people.max(3) as f64 && side >= 0.5 * likes
}

/// The behavioural prediction stored with a row: the collaborative part and the item
/// quality weighted `quality_weight`, in 0..1.
pub fn prediction(collab: f64, quality: f64, quality_weight: f64) -> f64 {
    ((collab + quality_weight * quality) / (1.0 + quality_weight)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(item: Item, score: f64, quality: f64) -> Scored {
        Scored {
            item,
            score,
            collab: 0.0,
            fit: 0.0,
            quality,
            because: None,
            trust: 0.0,
            support: 0.0,
        }
    }

    #[test]
    fn rotation_demotes_negative_scores_too() {
        let mut r = vec![scored(1, -0.5, 0.0), scored(2, -0.6, 0.0)];
        rotate(&mut r, |i| i == 1, 0.5);
        assert!(r[0].score < r[1].score, "{r:?}");
    }

    #[test]
    fn rotation_demotes_only_shown_products() {
        let mut r = vec![scored(1, 1.0, 0.0), scored(2, 1.0, 0.0)];
        rotate(&mut r, |i| i == 2, 0.25);
        assert_eq!((r[0].score, r[1].score), (1.0, 0.75));
        rotate(&mut r, |_| true, 0.0);
        assert_eq!((r[0].score, r[1].score), (1.0, 0.75));
    }

    #[test]
    fn best_first_breaks_ties_by_quality_strength_then_id() {
        let mut r = vec![
            scored(1, 0.5, 0.1),
            scored(2, 0.9, 0.0),
            scored(3, 0.5, 0.2),
            scored(4, 0.5, 0.1),
            scored(5, 0.5, 0.1),
        ];
        let strength = |i: Item| if i == 5 { 2.0 } else { 1.0 };
        let id = |i: Item| {
            let mut b = [0u8; 16];
            b[15] = 10 - i as u8; // ids in the reverse order of items
            b
        };
        best_first(&mut r, strength, id);
        let order: Vec<Item> = r.iter().map(|s| s.item).collect();
        assert_eq!(order, vec![2, 3, 5, 4, 1]);
    }

    #[test]
    fn side_popular_needs_people_and_half_the_likers() {
        assert!(
            !side_popular(2.0, 2.0, 1),
            "at least 3 people, whatever min_people"
        );
        assert!(side_popular(3.0, 6.0, 3));
        assert!(!side_popular(3.0, 7.0, 3), "less than half the likers");
        assert!(!side_popular(4.0, 4.0, 5), "below personality.min_people");
    }

    #[test]
    fn prediction_blends_and_clamps() {
        assert!((prediction(0.5, 1.0, 1.0) - 0.75).abs() < 1e-12);
        assert_eq!(prediction(2.0, 2.0, 0.5), 1.0);
        assert_eq!(prediction(-1.0, 0.0, 0.5), 0.0);
    }
}
