//! Reading Postgres `numeric` text (what `::DECIMAL` accepts) into a [`Num`].
//!
//! The seed casts every score with `(scores->>key)::DECIMAL`, so a JSON number (printed by
//! `numeric_out`) and a JSON string holding numeric text are both accepted. This module
//! accepts exactly the PostgreSQL 15 `numeric_in` syntax:
//!
//! * optional surrounding whitespace (space, `\t`, `\n`, `\r`, `\v`, `\f`);
//! * `NaN` (no sign), `Infinity` / `inf` with an optional sign, case-insensitive;
//! * otherwise an optional sign, digits with at most one `.` (at least one digit in
//!   total: `5.`, `.5` are fine, `.` is not), then optionally `e`/`E`, optional whitespace,
//!   an optional sign and at least one digit.
//!
//! Anything else (`1_000`, `0x10`, `1e3.5`, non-ASCII digits, the empty string) is
//! rejected, as Postgres 15 does. Values Postgres would reject as "value overflows numeric
//! format" (exponents beyond its range) are accepted here and become infinities or zero:
//! the scorer treats them like any other value the seed cannot hold.

use super::{Num, Repr};
use rust_decimal::Decimal;

/// Values with at least this many integer digits (|v| >= 10^15) are kept as `f64`: the
/// seed overflows long before (any |score| >= 10^5 does), so only their rough size matters.
const MAX_DECIMAL_INT_DIGITS: i64 = 15;
/// At most this many significant digits are kept in a `Decimal` (its mantissa is below
/// 2^96 ~ 7.9e28, so 28 digits always fit).
const MAX_DECIMAL_DIGITS: i64 = 28;
/// Exponents are saturated here; anything this large is far outside both `Decimal` and
/// the range where the exact digits matter, and it keeps the arithmetic below overflow-free.
const EXPONENT_LIMIT: i64 = 1_000_000_000_000;

/// `isspace` in the C locale, which is what `numeric_in` skips.
fn is_pg_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Parse numeric text; `None` when it is not valid Postgres numeric syntax.
pub(super) fn parse(text: &str) -> Option<Num> {
    let t = text.trim_matches(is_pg_space);
    if let Some(special) = parse_special(t) {
        return Some(special);
    }
    let b = t.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };

    // Significant digits (leading zeros dropped) and how many digits followed the point.
    let mut digits: Vec<u8> = Vec::new();
    let mut frac_len: i64 = 0;
    let mut seen_digit = false;
    let mut seen_point = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                seen_digit = true;
                if seen_point {
                    frac_len = frac_len.saturating_add(1);
                }
                if !(digits.is_empty() && c == b'0') {
                    digits.push(c - b'0');
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }

    let mut exponent: i64 = 0;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        // strtol: optional whitespace, optional sign, at least one digit.
        while b.get(i).is_some_and(|&c| is_pg_space(c as char)) {
            i += 1;
        }
        let exp_negative = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            exponent = (exponent * 10 + i64::from(c - b'0')).min(EXPONENT_LIMIT);
            i += 1;
        }
        if i == start {
            return None;
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if i != b.len() {
        return None;
    }
    Some(build(negative, digits, frac_len, exponent))
}

/// `NaN`, `Infinity`, `inf` with the signs `numeric_in` allows.
fn parse_special(t: &str) -> Option<Num> {
    if t.len() > 9 {
        return None;
    }
    match t.to_ascii_lowercase().as_str() {
        "nan" => Some(Num(Repr::Float(f64::NAN))),
        "infinity" | "+infinity" | "inf" | "+inf" => Some(Num(Repr::Float(f64::INFINITY))),
        "-infinity" | "-inf" => Some(Num(Repr::Float(f64::NEG_INFINITY))),
        _ => None,
    }
}

/// The value `±digits × 10^(exponent - frac_len)`, where `digits` has no leading zeros.
fn build(negative: bool, mut digits: Vec<u8>, frac_len: i64, exponent: i64) -> Num {
    // Postgres' display scale: digits typed after the point, shifted by the exponent.
    let dscale = frac_len.saturating_sub(exponent).max(0);
    let dscale_u32 = u32::try_from(dscale).unwrap_or(u32::MAX);
    let mut x = exponent.saturating_sub(frac_len);
    while digits.last() == Some(&0) {
        digits.pop();
        x = x.saturating_add(1);
    }
    if digits.is_empty() {
        let scale = dscale.min(MAX_DECIMAL_DIGITS) as u32;
        let value = Decimal::try_from_i128_with_scale(0, scale).unwrap_or(Decimal::ZERO);
        return Num(Repr::Decimal {
            value,
            dscale: dscale_u32,
        });
    }
    let n = digits.len() as i64;
    // Decimal exponent of the leading digit: 10^e10 <= |v| < 10^(e10+1).
    let e10 = (n - 1).saturating_add(x);
    if e10 >= MAX_DECIMAL_INT_DIGITS {
        return Num(Repr::Float(to_f64(negative, &digits, x)));
    }

    // The value without trailing zeros (the display scale is kept separately), cut to
    // 28 significant digits.
    let frac_digits = (-x).max(0);
    let int_digits = (e10 + 1).max(0);
    let scale = frac_digits.min(MAX_DECIMAL_DIGITS - int_digits).max(0);
    // mantissa = digits × 10^(x + scale), rounded half away from zero when digits are cut.
    let shift = x.saturating_add(scale);
    let mut mantissa: u128 = 0;
    let keep = if shift >= 0 {
        n
    } else {
        n.saturating_add(shift).max(0)
    };
    for &d in digits.iter().take(keep as usize) {
        mantissa = mantissa * 10 + u128::from(d);
    }
    if shift >= 0 {
        for _ in 0..shift {
            mantissa *= 10;
        }
    } else if -shift <= n && digits.get(keep as usize).is_some_and(|&d| d >= 5) {
        // Digits were cut: round half away from zero on the first dropped digit (when
        // more digits are dropped than there are, the first dropped one is a zero).
        mantissa += 1;
    }
    let signed = if negative {
        -(mantissa as i128)
    } else {
        mantissa as i128
    };
    match Decimal::try_from_i128_with_scale(signed, scale as u32) {
        Ok(value) => Num(Repr::Decimal {
            value,
            dscale: dscale_u32,
        }),
        Err(_) => Num(Repr::Float(to_f64(negative, &digits, x))),
    }
}

/// `±digits × 10^x` as the nearest `f64` (infinite when out of range).
fn to_f64(negative: bool, digits: &[u8], x: i64) -> f64 {
    let mut s = String::with_capacity(digits.len() + 24);
    if negative {
        s.push('-');
    }
    s.extend(digits.iter().map(|&d| char::from(b'0' + d)));
    s.push('e');
    s.push_str(&x.to_string());
    s.parse::<f64>().unwrap_or(if negative {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    })
}
