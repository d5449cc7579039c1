//! Each person's current opinion of each product, the input of the whole model
//! (issue 21): the refresh folds swipes into opinions, keeps them between refreshes
//! (`personality_model_people`, one row a person, encoded by [`encode`]) and derives
//! from them the per-product statistics ([`product_stats`]) and the like lists the
//! neighbour build reads ([`likes_in_time_order`]). An incremental refresh then reads
//! only the swipes since the last one.
//!
//! A person's opinion of a product is their latest swipe of it: the later time, then
//! the later row (`seq`, its place in its table), then the stronger direction.

use super::Item;

/// A swipe's direction as the model stores it: up, right, down, left.
pub const STRONG_LIKE: i8 = 3;
pub const LIKE: i8 = 2;
pub const NEUTRAL: i8 = 0;
pub const DISLIKE: i8 = -1;

/// The model's code of a direction (`None` for an unknown one, which the model skips).
pub fn direction_code(d: crate::learning::Direction) -> Option<i8> {
    use crate::learning::Direction;
    match d {
        Direction::StrongLike => Some(STRONG_LIKE),
        Direction::Like => Some(LIKE),
        Direction::Neutral => Some(NEUTRAL),
        Direction::Dislike => Some(DISLIKE),
        Direction::Unknown => None,
    }
}

/// One person's opinion of one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opinion {
    pub item: Item,
    /// [`STRONG_LIKE`], [`LIKE`], [`NEUTRAL`] or [`DISLIKE`].
    pub dir: i8,
    /// The swipe's time, microseconds (PostgreSQL's timestamptz).
    pub ts: i64,
    /// The swipe row's place in its table (its ctid as block << 32 | offset).
    pub seq: u64,
}

impl Opinion {
    pub fn is_like(&self) -> bool {
        self.dir > 0
    }

    fn rank(&self) -> (i64, u64, i8) {
        (self.ts, self.seq, self.dir)
    }
}

/// Folds `swipes` into `opinions` (both any order): one opinion per product, the latest
/// ([`Opinion`]'s order). The result is sorted by product.
pub fn fold(opinions: &mut Vec<Opinion>, swipes: &[Opinion]) {
    opinions.extend_from_slice(swipes);
    opinions.sort_unstable_by(|a, b| a.item.cmp(&b.item).then(a.rank().cmp(&b.rank())));
    // keep the last of each product's run
    let mut out = 0;
    for i in 0..opinions.len() {
        if i + 1 < opinions.len() && opinions[i + 1].item == opinions[i].item {
            continue;
        }
        opinions[out] = opinions[i];
        out += 1;
    }
    opinions.truncate(out);
}

/// A person's liked products in time order (oldest first; of two at the same time the
/// higher product first), the order [`super::neighbours`] caps to the most recent.
pub fn likes_in_time_order(opinions: &[Opinion]) -> Vec<Item> {
    let mut likes: Vec<(i64, Item)> = opinions
        .iter()
        .filter(|o| o.is_like())
        .map(|o| (o.ts, o.item))
        .collect();
    likes.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    likes.into_iter().map(|(_, i)| i).collect()
}

/// Bytes of one encoded opinion: product id (16), direction (1), time (8), seq (8).
pub const ENCODED_LEN: usize = 33;
/// The format byte [`encode`] starts with.
const FORMAT: u8 = 1;

/// Encodes a person's opinions, each product by its 16-byte id (`ids[item]`).
pub fn encode(opinions: &[Opinion], ids: &[[u8; 16]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + opinions.len() * ENCODED_LEN);
    out.push(FORMAT);
    for o in opinions {
        let Some(id) = ids.get(o.item as usize) else {
            continue;
        };
        out.extend_from_slice(id);
        out.push(o.dir as u8);
        out.extend_from_slice(&o.ts.to_le_bytes());
        out.extend_from_slice(&o.seq.to_le_bytes());
    }
    out
}

/// Decodes what [`encode`] wrote, numbering each product id through `intern`; `None`
/// when the bytes are not such an encoding (the refresh then rebuilds in full).
pub fn decode(bytes: &[u8], mut intern: impl FnMut(&[u8; 16]) -> Item) -> Option<Vec<Opinion>> {
    let (&format, body) = bytes.split_first()?;
    if format != FORMAT || body.len() % ENCODED_LEN != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() / ENCODED_LEN);
    for chunk in body.chunks_exact(ENCODED_LEN) {
        let id: [u8; 16] = chunk[..16].try_into().ok()?;
        let dir = chunk[16] as i8;
        if ![STRONG_LIKE, LIKE, NEUTRAL, DISLIKE].contains(&dir) {
            return None;
        }
        let ts = i64::from_le_bytes(chunk[17..25].try_into().ok()?);
        let seq = u64::from_le_bytes(chunk[25..33].try_into().ok()?);
        out.push(Opinion {
            item: intern(&id),
            dir,
            ts,
            seq,
        });
    }
    Some(out)
}

/// Per-product statistics of the opinions, as personality_item_stats stores them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProductStats {
    /// People who like it (right or up), dislike it (left), are neutral (down).
    pub likes: f64,
    pub dislikes: f64,
    pub neutral: f64,
    /// The likes weighted `0.5^(age / half_life)` as of the refresh's time.
    pub decayed_likes: f64,
    /// Likers whose trait score is at least [`super::stats::SIDE_SCORE`], per trait.
    pub side_likes: [f32; 5],
}

/// `0.5^(age / half_life)` for an age in microseconds, the exponent capped at 1000
/// half-lives (so that it never underflows, whatever the time).
pub fn decay_weight(now: i64, ts: i64, half_life_seconds: f64) -> f64 {
    let age = (now.saturating_sub(ts)).max(0) as f64 / 1e6;
    let halves = if half_life_seconds > 0.0 {
        (age / half_life_seconds).min(1000.0)
    } else {
        0.0
    };
    0.5f64.powf(halves)
}

/// The statistics of the products `wanted[item]` (true: computed) from every person's
/// `opinions`, as of `now`; `traits(person)` gives a liker's trait scores.
pub fn product_stats(
    persons: &[Vec<Opinion>],
    n_items: usize,
    wanted: &[bool],
    now: i64,
    mut traits: impl FnMut(usize) -> Option<[Option<f64>; 5]>,
) -> Vec<Option<ProductStats>> {
    let mut out: Vec<Option<ProductStats>> = vec![None; n_items];
    for (person, ops) in persons.iter().enumerate() {
        let mut scores: Option<Option<[Option<f64>; 5]>> = None;
        for o in ops {
            if !wanted.get(o.item as usize).copied().unwrap_or(false) {
                continue;
            }
            let Some(slot) = out.get_mut(o.item as usize) else {
                continue;
            };
            let s = slot.get_or_insert_with(ProductStats::default);
            match o.dir {
                d if d > 0 => {
                    s.likes += 1.0;
                    s.decayed_likes += decay_weight(now, o.ts, super::stats::HALF_LIFE);
                    let sc = *scores.get_or_insert_with(|| traits(person));
                    if let Some(sc) = sc {
                        for (t, v) in sc.iter().enumerate() {
                            if v.is_some_and(|v| v >= super::stats::SIDE_SCORE) {
                                s.side_likes[t] += 1.0;
                            }
                        }
                    }
                }
                d if d < 0 => s.dislikes += 1.0,
                _ => s.neutral += 1.0,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(item: Item, dir: i8, ts: i64, seq: u64) -> Opinion {
        Opinion { item, dir, ts, seq }
    }

    #[test]
    fn the_latest_swipe_of_a_product_is_the_opinion() {
        let mut ops = vec![op(1, LIKE, 10, 5), op(2, DISLIKE, 10, 1)];
        fold(
            &mut ops,
            &[
                op(1, DISLIKE, 20, 0),
                op(2, LIKE, 10, 1),
                op(3, NEUTRAL, 1, 1),
            ],
        );
        // later time wins; same time and row: the stronger direction
        assert_eq!(
            ops,
            vec![
                op(1, DISLIKE, 20, 0),
                op(2, LIKE, 10, 1),
                op(3, NEUTRAL, 1, 1)
            ]
        );
        // same time: the later row wins over the stronger direction
        let mut ops = vec![op(1, STRONG_LIKE, 10, 1)];
        fold(&mut ops, &[op(1, DISLIKE, 10, 2)]);
        assert_eq!(ops, vec![op(1, DISLIKE, 10, 2)]);
    }

    #[test]
    fn likes_are_ordered_by_time_then_product_descending() {
        let ops = vec![
            op(4, LIKE, 5, 0),
            op(1, LIKE, 7, 0),
            op(2, STRONG_LIKE, 5, 0),
            op(3, DISLIKE, 9, 0),
        ];
        assert_eq!(likes_in_time_order(&ops), vec![4, 2, 1]);
    }

    #[test]
    fn encoding_round_trips_and_rejects_garbage() {
        let ids = [[1u8; 16], [2u8; 16], [3u8; 16]];
        let ops = vec![op(0, LIKE, -5, 1 << 40), op(2, DISLIKE, i64::MAX, 0)];
        let bytes = encode(&ops, &ids);
        assert_eq!(bytes.len(), 1 + 2 * ENCODED_LEN);
        let back = decode(&bytes, |id| id[0] as Item - 1).unwrap();
        assert_eq!(back, ops);
        assert!(decode(&[], |_| 0).is_none());
        assert!(decode(&bytes[..bytes.len() - 1], |_| 0).is_none());
        let mut bad = bytes.clone();
        bad[17] = 7; // no such direction
        assert!(decode(&bad, |_| 0).is_none());
        assert!(decode(&[9], |_| 0).is_none());
        assert_eq!(decode(&[FORMAT], |_| 0), Some(vec![]));
    }

    #[test]
    fn stats_count_people_and_sides() {
        let persons = vec![
            vec![op(0, LIKE, 0, 0), op(1, DISLIKE, 0, 0)],
            vec![op(0, STRONG_LIKE, 0, 0), op(1, NEUTRAL, 0, 0)],
            vec![op(1, LIKE, 0, 0)],
        ];
        let day = 86_400_000_000i64;
        let st = product_stats(&persons, 3, &[true, true, false], 90 * day, |p| {
            Some([
                Some(if p == 0 { 70.0 } else { 10.0 }),
                None,
                None,
                None,
                None,
            ])
        });
        let a = st[0].unwrap();
        assert_eq!((a.likes, a.dislikes, a.neutral), (2.0, 0.0, 0.0));
        assert!((a.decayed_likes - 1.0).abs() < 1e-12, "{}", a.decayed_likes);
        assert_eq!(a.side_likes, [1.0, 0.0, 0.0, 0.0, 0.0]);
        let b = st[1].unwrap();
        assert_eq!((b.likes, b.dislikes, b.neutral), (1.0, 1.0, 1.0));
        assert!(st[2].is_none());
    }

    #[test]
    fn decay_never_underflows_or_grows() {
        assert_eq!(decay_weight(0, 0, 10.0), 1.0);
        assert_eq!(decay_weight(0, 100, 10.0), 1.0); // from the future: no growth
        assert!(decay_weight(i64::MAX, i64::MIN, 1.0) > 0.0);
        assert!((decay_weight(10_000_000, 0, 10.0) - 0.5).abs() < 1e-15);
    }
}
