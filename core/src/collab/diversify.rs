//! The final list: at most `max_per_category` products of one category among the first
//! `limit`, in score order; when the cap leaves the list short (a catalog with few
//! categories), the best capped-out products fill it. Swiped products never appear:
//! [`super::score::score`] already drops them, and `swiped` is checked again here so a
//! swipe that arrived between scoring and display is honoured.

use super::Item;
use std::collections::{HashMap, HashSet};

/// Picks the final `limit` products from `ranked` (best first).
/// `max_per_category` = 0 means no cap.
pub fn cap_per_category<C: Eq + std::hash::Hash>(
    ranked: &[Item],
    category: impl Fn(Item) -> Option<C>,
    swiped: &HashSet<Item>,
    limit: usize,
    max_per_category: usize,
) -> Vec<Item> {
    let mut out = Vec::with_capacity(limit);
    let mut left = Vec::new();
    let mut per: HashMap<Option<C>, usize> = HashMap::new();
    let mut seen = HashSet::new();
    for &i in ranked {
        if out.len() >= limit {
            break;
        }
        if swiped.contains(&i) || !seen.insert(i) {
            continue;
        }
        let c = per.entry(category(i)).or_insert(0);
        if max_per_category == 0 || *c < max_per_category {
            *c += 1;
            out.push(i);
        } else if left.len() < limit {
            left.push(i);
        }
    }
    for i in left {
        if out.len() >= limit {
            break;
        }
        out.push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_then_fills() {
        let ranked = [1, 2, 3, 4, 5, 6];
        let cat = |i: Item| Some(if i <= 4 { "a" } else { "b" });
        let swiped: HashSet<Item> = [2].into_iter().collect();
        assert_eq!(
            cap_per_category(&ranked, cat, &swiped, 4, 2),
            vec![1, 3, 5, 6]
        );
        assert_eq!(
            cap_per_category(&ranked, cat, &swiped, 5, 2),
            vec![1, 3, 5, 6, 4]
        );
        assert_eq!(cap_per_category(&ranked, cat, &swiped, 3, 0), vec![1, 3, 4]);
        assert!(cap_per_category(&[], cat, &swiped, 3, 1).is_empty());
        assert!(cap_per_category(&ranked, cat, &swiped, 0, 1).is_empty());
    }
}
