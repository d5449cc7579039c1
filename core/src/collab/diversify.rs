//! The final list: at most `max_per_category` products of one category among the first
//! `limit`, in score order; when the cap leaves the list short (a catalog with few
//! categories), the best capped-out products fill it. Swiped products never appear:
//! [`super::score::score`] already drops them, and `swiped` is checked again here so a
//! swipe that arrived between scoring and display is honoured.
//!
//! The cap can only spread the list when the candidates span categories: the content
//! candidates of a person without collaborative evidence are therefore taken per
//! category ([`content_groups`]), not as the best n fits overall (which tie inside one
//! category for a quiz-only person, so the cap refilled the list from that category).

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

/// Relevance-aware diversity (issue 23): a greedy re-rank of `ranked` (best first, with
/// scores) that widens the list across categories only among close alternatives. At
/// each step the candidates within `closeness` (a share of the best remaining score's
/// magnitude) of the best remaining one are close; among those, the one whose category
/// has the fewest products in the list so far goes next (ties: the better score). A
/// clearly worse product is never pushed in for variety. When the list would hold one
/// category only while another is among the candidates, its best product takes the
/// last place (a list of 3 or more spans at least 2 categories when it can).
pub fn relevance_diverse<C: Eq + std::hash::Hash + Clone>(
    ranked: &[(Item, f64)],
    category: impl Fn(Item) -> Option<C>,
    swiped: &HashSet<Item>,
    limit: usize,
    closeness: f64,
) -> Vec<Item> {
    let mut seen = HashSet::new();
    let mut left: Vec<(Item, f64, Option<C>)> = ranked
        .iter()
        .filter(|(i, _)| !swiped.contains(i) && seen.insert(*i))
        .map(|(i, s)| (*i, if s.is_finite() { *s } else { f64::MIN }, category(*i)))
        .collect();
    let closeness = if closeness.is_finite() {
        closeness.max(0.0)
    } else {
        0.0
    };
    let mut out: Vec<(Item, Option<C>)> = Vec::with_capacity(limit);
    let mut per: HashMap<Option<C>, usize> = HashMap::new();
    while out.len() < limit && !left.is_empty() {
        let best = left[0].1;
        let floor = best - closeness * best.abs().max(1e-9);
        let mut pick = 0;
        let mut fewest = usize::MAX;
        for (k, (_, s, c)) in left.iter().enumerate() {
            if *s < floor {
                break;
            }
            let n = per.get(c).copied().unwrap_or(0);
            if n < fewest {
                fewest = n;
                pick = k;
            }
        }
        let (i, _, c) = left.remove(pick);
        *per.entry(c.clone()).or_insert(0) += 1;
        out.push((i, c));
    }
    if out.len() >= 3 && per.len() == 1 {
        let only = out[0].1.clone();
        if let Some(k) = left.iter().position(|(_, _, c)| *c != only) {
            let (i, _, c) = left.remove(k);
            let last = out.len() - 1;
            out[last] = (i, c);
        }
    }
    out.into_iter().map(|(i, _)| i).collect()
}

/// A group of products that score the same for a person (same category, price band and
/// trait shares): its id, category, the person's fit and how many active products it has.
#[derive(Debug, Clone, PartialEq)]
pub struct Group<C> {
    pub id: i64,
    pub category: Option<C>,
    pub fit: f64,
    pub products: usize,
}

/// Which groups to read for content candidates that span several categories: walking
/// `groups` best fit first, each category claims products from its best groups until it
/// has `per_category`; the walk stops once at least `want` products from at least
/// `categories` categories are claimed (or the groups run out). Returns the group ids
/// in walk order. Linear in the number of groups.
pub fn content_groups<C: Eq + std::hash::Hash + Clone>(
    groups: &[Group<C>],
    want: usize,
    per_category: usize,
    categories: usize,
) -> Vec<i64> {
    let per_category = per_category.max(1);
    let mut claimed: HashMap<Option<C>, usize> = HashMap::new();
    let mut total = 0usize;
    let mut out = Vec::new();
    for g in groups {
        if total >= want && claimed.len() >= categories {
            break;
        }
        if g.products == 0 {
            continue;
        }
        let have = claimed.entry(g.category.clone()).or_insert(0);
        if *have >= per_category {
            continue;
        }
        let take = g.products.min(per_category - *have);
        *have += take;
        total += take;
        out.push(g.id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(id: i64, cat: &'static str, fit: f64, products: usize) -> Group<&'static str> {
        Group {
            id,
            category: Some(cat),
            fit,
            products,
        }
    }

    #[test]
    fn content_groups_span_categories() {
        // A quiz-only person: every top group is in one category, each big enough for
        // the whole list. The best n overall would all be "a".
        let groups = [
            g(1, "a", 0.9, 500),
            g(2, "a", 0.9, 500),
            g(3, "a", 0.8, 500),
            g(4, "b", 0.7, 500),
            g(5, "b", 0.7, 500),
            g(6, "c", 0.6, 3),
            g(7, "c", 0.6, 500),
            g(8, "d", 0.5, 500),
        ];
        // 8 per category, 40 wanted from at least 3 categories
        assert_eq!(content_groups(&groups, 40, 8, 3), vec![1, 4, 6, 7, 8]);
        // enough once 3 categories and 20 products are claimed
        assert_eq!(content_groups(&groups, 20, 8, 3), vec![1, 4, 6, 7]);
        // one category only: all of its groups, then stop
        let one = [g(1, "a", 0.9, 2), g(2, "a", 0.8, 2), g(3, "a", 0.7, 2)];
        assert_eq!(content_groups(&one, 40, 8, 3), vec![1, 2, 3]);
        assert!(content_groups::<&str>(&[], 40, 8, 3).is_empty());
    }

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

    #[test]
    fn relevance_diverse_widens_only_among_close_scores() {
        let cat = |i: Item| Some(i / 10);
        let none = HashSet::new();
        // 0..5 in category 0 close together, 10 in category 1 close, 20 far below
        let ranked = [
            (0, 1.0),
            (1, 0.99),
            (2, 0.98),
            (10, 0.97),
            (3, 0.5),
            (20, 0.1),
        ];
        let out = relevance_diverse(&ranked, cat, &none, 3, 0.05);
        assert_eq!(out, vec![0, 10, 1]);
        // nothing close: score order, no worse product pushed in (but >= 2 categories)
        let ranked = [(0, 1.0), (1, 0.8), (2, 0.6), (3, 0.4), (20, 0.01)];
        let out = relevance_diverse(&ranked, cat, &none, 4, 0.05);
        assert_eq!(out, vec![0, 1, 2, 20]);
        let out = relevance_diverse(&ranked[..4], cat, &none, 4, 0.05);
        assert_eq!(out, vec![0, 1, 2, 3]);
        // swiped products never appear
        let swiped: HashSet<Item> = [0].into_iter().collect();
        assert_eq!(relevance_diverse(&ranked, cat, &swiped, 2, 0.0), vec![1, 2]);
    }
}
