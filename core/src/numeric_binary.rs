//! Decoding and encoding PostgreSQL's on-disk `numeric` format without going through
//! text. jsonb stores every JSON number as a `numeric`; reading its base-10000 digits
//! directly is what makes the match function cheap (README "Benchmarks").
//!
//! Layout (src/backend/utils/adt/numeric.c): after the 4-byte varlena header comes a
//! 16-bit header word. Short format (bit 15 set, bit 14 clear): sign bit 13, display
//! scale in bits 7..12, weight in bits 0..6 (bit 6 is its sign). Long format: the word is
//! sign (bits 14..15) and display scale (bits 0..13), followed by a 16-bit weight.
//! Special values (NaN, +/-Infinity) have both top bits set. Then the digits, each a
//! u16 in 0..9999; value = sum(digit[i] * 10000^(weight - i)).

use rust_decimal::Decimal;

const NUMERIC_SIGN_MASK: u16 = 0xC000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_SHORT: u16 = 0x8000;
const NUMERIC_SPECIAL: u16 = 0xC000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_EXT_SIGN_MASK: u16 = 0xF000;
const SHORT_SIGN_MASK: u16 = 0x2000;
const SHORT_DSCALE_MASK: u16 = 0x1F80;
const SHORT_DSCALE_SHIFT: u16 = 7;
const SHORT_WEIGHT_SIGN_MASK: u16 = 0x0040;
const SHORT_WEIGHT_MASK: u16 = 0x003F;

/// A decoded numeric value.
#[derive(Debug, Clone, PartialEq)]
pub enum Numeric {
    /// Exactly representable as a Decimal (at most 28 significant digits).
    Exact(Decimal),
    /// Finite but too large or too precise for Decimal: an f64 approximation and the
    /// exact decimal text (so callers can round it as Postgres would).
    Approx(f64, String),
    NaN,
    Infinity,
    NegInfinity,
}

impl Numeric {
    /// The value as f64 (NaN for NaN).
    pub fn to_f64(&self) -> f64 {
        match self {
            Numeric::Exact(d) => {
                use rust_decimal::prelude::ToPrimitive;
                d.to_f64().unwrap_or(f64::NAN)
            }
            Numeric::Approx(f, _) => *f,
            Numeric::NaN => f64::NAN,
            Numeric::Infinity => f64::INFINITY,
            Numeric::NegInfinity => f64::NEG_INFINITY,
        }
    }
}

fn word(b: &[u8], i: usize) -> Option<u16> {
    let lo = *b.get(i)?;
    let hi = *b.get(i + 1)?;
    Some(u16::from_ne_bytes([lo, hi]))
}

/// The display scale (digits after the point as written) of an encoded numeric; 0 for
/// the special values. Postgres uses it to decide how precisely to divide.
pub fn display_scale(payload: &[u8]) -> Option<u32> {
    let header = word(payload, 0)?;
    Some(if header & NUMERIC_SIGN_MASK == NUMERIC_SPECIAL {
        0
    } else if header & NUMERIC_SHORT != 0 {
        ((header & SHORT_DSCALE_MASK) >> SHORT_DSCALE_SHIFT) as u32
    } else {
        (header & 0x3FFF) as u32
    })
}

/// Decodes the bytes of a numeric that follow its varlena header.
/// Returns None for a malformed value (never panics).
pub fn decode(payload: &[u8]) -> Option<Numeric> {
    let header = word(payload, 0)?;
    let (negative, weight, digits_at) = if header & NUMERIC_SIGN_MASK == NUMERIC_SPECIAL {
        return Some(match header & NUMERIC_EXT_SIGN_MASK {
            NUMERIC_NAN => Numeric::NaN,
            NUMERIC_PINF => Numeric::Infinity,
            _ => Numeric::NegInfinity,
        });
    } else if header & NUMERIC_SHORT != 0 {
        let raw = header & SHORT_WEIGHT_MASK;
        let weight = if header & SHORT_WEIGHT_SIGN_MASK != 0 {
            (raw as i32) - 64
        } else {
            raw as i32
        };
        (header & SHORT_SIGN_MASK != 0, weight, 2)
    } else {
        let w = word(payload, 2)? as i16;
        (header & NUMERIC_SIGN_MASK == NUMERIC_NEG, w as i32, 4)
    };
    let digits = payload.get(digits_at..)?;
    let n = digits.len() / 2;
    if n == 0 {
        return Some(Numeric::Exact(Decimal::ZERO));
    }
    // value = sum(d_i * 10000^(weight - i)); as an integer mantissa with scale
    // 4*(n - 1 - weight) when that is >= 0.
    let scale = 4 * (n as i32 - 1 - weight);
    let mut mantissa: i128 = 0;
    let mut exact = (0..=28).contains(&scale) && n <= 8;
    let mut approx = 0.0f64;
    for i in 0..n {
        let d = word(digits, 2 * i)? as i128;
        if d > 9999 {
            return None;
        }
        if exact {
            mantissa = mantissa * 10000 + d;
        }
        approx += (d as f64) * 10000f64.powi(weight - i as i32);
    }
    if scale < 0 && n <= 7 {
        // Integer with trailing zero base-10000 digits (e.g. 1e8): scale it up.
        let mut m: i128 = 0;
        for i in 0..n {
            m = m * 10000 + word(digits, 2 * i)? as i128;
        }
        let mut ok = true;
        for _ in 0..(-scale) {
            match m.checked_mul(10) {
                Some(v) if v.abs() < 10i128.pow(28) => m = v,
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            let m = if negative { -m } else { m };
            if let Ok(d) = Decimal::try_from_i128_with_scale(m, 0) {
                return Some(Numeric::Exact(d));
            }
        }
        exact = false;
    }
    if exact {
        let m = if negative { -mantissa } else { mantissa };
        if let Ok(d) = Decimal::try_from_i128_with_scale(m, scale as u32) {
            return Some(Numeric::Exact(d.normalize()));
        }
    }
    Some(Numeric::Approx(
        if negative { -approx } else { approx },
        text(negative, weight, digits, n),
    ))
}

/// The exact decimal text of a finite numeric from its base-10000 digits.
fn text(negative: bool, weight: i32, digits: &[u8], n: usize) -> String {
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    let digit = |i: i32| -> u16 {
        if i < 0 || i as usize >= n {
            0
        } else {
            word(digits, 2 * i as usize).unwrap_or(0)
        }
    };
    // integer part: base-10000 positions weight..=0
    if weight < 0 {
        s.push('0');
    } else {
        for i in 0..=weight {
            let d = digit(i);
            if i == 0 {
                s.push_str(&d.to_string());
            } else {
                s.push_str(&format!("{d:04}"));
            }
        }
    }
    // fraction: positions after the point
    let frac_groups = n as i32 - 1 - weight;
    if frac_groups > 0 {
        s.push('.');
        for g in 1..=frac_groups {
            s.push_str(&format!("{:04}", digit(weight + g)));
        }
    }
    s
}

/// Encodes `units / 10000` (0 <= units <= 99_999_999) as a numeric with display scale 4,
/// in the short format, into the payload bytes that follow the varlena header.
/// Returns the number of bytes written (at most 8).
pub fn encode_scale4(units: u32, out: &mut [u8; 8]) -> usize {
    let units = units.min(99_999_999);
    let int_part = (units / 10000) as u16;
    let frac = (units % 10000) as u16;
    let dscale: u16 = 4 << SHORT_DSCALE_SHIFT;
    let mut digits: [u16; 2] = [0; 2];
    let (weight, n): (i32, usize) = match (int_part, frac) {
        (0, 0) => (0, 0),
        (0, f) => {
            digits[0] = f;
            (-1, 1)
        }
        (i, 0) => {
            digits[0] = i;
            (0, 1)
        }
        (i, f) => {
            digits[0] = i;
            digits[1] = f;
            (0, 2)
        }
    };
    let wbits = if weight < 0 {
        SHORT_WEIGHT_SIGN_MASK | ((weight + 64) as u16 & SHORT_WEIGHT_MASK)
    } else {
        weight as u16 & SHORT_WEIGHT_MASK
    };
    let header = NUMERIC_SHORT | dscale | wbits;
    out[0..2].copy_from_slice(&header.to_ne_bytes());
    for (i, d) in digits.iter().take(n).enumerate() {
        out[2 + 2 * i..4 + 2 * i].copy_from_slice(&d.to_ne_bytes());
    }
    2 + 2 * n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn short(neg: bool, weight: i32, dscale: u16, digits: &[u16]) -> Vec<u8> {
        let w = if weight < 0 {
            SHORT_WEIGHT_SIGN_MASK | ((weight + 64) as u16 & SHORT_WEIGHT_MASK)
        } else {
            weight as u16
        };
        let h = NUMERIC_SHORT | if neg { SHORT_SIGN_MASK } else { 0 } | (dscale << 7) | w;
        let mut v = h.to_ne_bytes().to_vec();
        for d in digits {
            v.extend_from_slice(&d.to_ne_bytes());
        }
        v
    }

    #[test]
    fn decodes_short_values() {
        let d = |s: &str| Some(Numeric::Exact(Decimal::from_str(s).unwrap().normalize()));
        assert_eq!(decode(&short(false, 0, 0, &[85])), d("85"));
        assert_eq!(decode(&short(false, 0, 1, &[85, 5000])), d("85.5"));
        assert_eq!(decode(&short(true, -1, 6, &[12, 3456])), d("-0.00123456"));
        assert_eq!(display_scale(&short(true, -1, 6, &[12, 3456])), Some(6));
        assert_eq!(decode(&short(false, 0, 0, &[])), d("0"));
        assert_eq!(decode(&short(false, 2, 0, &[1])), d("100000000"));
    }

    #[test]
    fn decodes_long_and_special_values() {
        // long format: sign/dscale word, then weight
        let mut v = 2u16.to_ne_bytes().to_vec();
        v.extend_from_slice(&(0i16).to_ne_bytes());
        v.extend_from_slice(&(7u16).to_ne_bytes());
        v.extend_from_slice(&(2500u16).to_ne_bytes());
        assert_eq!(
            decode(&v),
            Some(Numeric::Exact(Decimal::from_str("7.25").unwrap()))
        );
        assert_eq!(decode(&0xC000u16.to_ne_bytes()), Some(Numeric::NaN));
        assert_eq!(decode(&0xD000u16.to_ne_bytes()), Some(Numeric::Infinity));
        assert_eq!(decode(&0xF000u16.to_ne_bytes()), Some(Numeric::NegInfinity));
        // 1e300: weight 75, one digit 1
        let mut big = 0u16.to_ne_bytes().to_vec();
        big.extend_from_slice(&(75i16).to_ne_bytes());
        big.extend_from_slice(&(1u16).to_ne_bytes());
        match decode(&big) {
            Some(Numeric::Approx(f, t)) => {
                assert!((f / 1e300 - 1.0).abs() < 1e-9);
                assert_eq!(t, format!("1{}", "0".repeat(300)));
            }
            other => panic!("{other:?}"),
        }
        // 0.1666...67 with 34 significant digits (9 base-10000 digits after the point)
        let mut long = short(
            false,
            -1,
            34,
            &[1666, 6666, 6666, 6666, 6666, 6666, 6666, 6666, 6700],
        );
        long.truncate(long.len());
        match decode(&long) {
            Some(Numeric::Approx(_, t)) => assert_eq!(t, "0.166666666666666666666666666666666700"),
            other => panic!("{other:?}"),
        }
        assert_eq!(decode(&[1]), None);
    }

    #[test]
    fn encodes_scale4() {
        for (units, text) in [
            (0, "0"),
            (5200, "0.52"),
            (10000, "1"),
            (1, "0.0001"),
            (12345, "1.2345"),
        ] {
            let mut buf = [0u8; 8];
            let n = encode_scale4(units, &mut buf);
            assert_eq!(
                decode(&buf[..n]),
                Some(Numeric::Exact(Decimal::from_str(text).unwrap().normalize())),
                "{units}"
            );
        }
    }
}
