//! A keyed hasher for 16-byte product ids (uuids) in the request's maps.
//!
//! The SQL side maps every product id a request touches (swipes, neighbours,
//! candidates: about 12,000 lookups for a person with 500 swipes) to a dense index.
//! SipHash made that a sixth of the request's CPU. Product ids are chosen by the host
//! application, possibly by an attacker, so the hash is keyed: a key drawn once per
//! connection keeps the buckets unpredictable. It is not a cryptographic MAC.
use std::hash::{BuildHasher, Hasher};

const M1: u64 = 0x9e37_79b9_7f4a_7c15;
const M2: u64 = 0xbf58_476d_1ce4_e5b9;

/// Builds [`KeyHasher`]s with one key.
#[derive(Clone, Copy, Debug)]
pub struct KeyState {
    k0: u64,
    k1: u64,
}

impl KeyState {
    pub fn new(k0: u64, k1: u64) -> Self {
        KeyState { k0, k1 }
    }
}

impl BuildHasher for KeyState {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher {
            h: self.k0,
            k: self.k1,
        }
    }
}

/// Mixes 8 bytes at a time with the key (multiply-rotate), then a finaliser.
pub struct KeyHasher {
    h: u64,
    k: u64,
}

impl KeyHasher {
    fn mix(&mut self, x: u64) {
        self.h = ((self.h ^ x ^ self.k).wrapping_mul(M1)).rotate_left(31);
        self.k = self.k.wrapping_add(M2);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        // splitmix64's finaliser: every input bit reaches the bucket bits
        let mut x = self.h;
        x = (x ^ (x >> 30)).wrapping_mul(M2);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.mix(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 56));
        }
    }
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn h(s: &KeyState, id: [u8; 16]) -> u64 {
        s.hash_one(id)
    }

    #[test]
    fn equal_ids_hash_equal_and_keys_change_hashes() {
        let a = KeyState::new(1, 2);
        let b = KeyState::new(3, 4);
        let id = [7u8; 16];
        assert_eq!(h(&a, id), h(&a, id));
        assert_ne!(h(&a, id), h(&b, id));
    }

    #[test]
    fn sequential_ids_spread_over_buckets() {
        // ids differing in one byte only (sequential uuids) fill 1024 buckets evenly
        let s = KeyState::new(0x1234, 0x5678);
        let mut buckets = vec![0u32; 1024];
        for n in 0..65_536u32 {
            let mut id = [0u8; 16];
            id[12..16].copy_from_slice(&n.to_be_bytes());
            buckets[(h(&s, id) & 1023) as usize] += 1;
        }
        let max = *buckets.iter().max().unwrap_or(&0);
        assert!(max < 2 * 64, "a bucket holds {max} of 65,536 (mean 64)");
        let top: HashSet<u64> = (0..4096u32)
            .map(|n| {
                let mut id = [0u8; 16];
                id[0..4].copy_from_slice(&n.to_be_bytes());
                h(&s, id) >> 57
            })
            .collect();
        assert_eq!(
            top.len(),
            128,
            "the top 7 bits (hashbrown's tags) take every value"
        );
    }
}
