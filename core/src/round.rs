//! Rounding to decimal places: the one helper behind every score the extension stores
//! or returns rounded (scores to 1 decimal, confidences to 2, affinities and feature
//! vectors to 4).

/// `x` rounded half away from zero to `decimals` places, in f64 (as Postgres's
/// `round(float8)` would after scaling). A result of zero is always `0.0`, never
/// `-0.0`, so JSON never shows `-0.0`.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    let r = (x * f).round() / f;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::round_to;

    #[test]
    fn rounds_half_away_from_zero_without_negative_zero() {
        assert_eq!(round_to(0.12346, 4), 0.1235);
        assert_eq!(round_to(-0.125, 2), -0.13);
        assert_eq!(round_to(2.5, 0), 3.0);
        assert_eq!(round_to(-0.00001, 2).to_string(), "0");
        assert_eq!(round_to(66.66666, 1), 66.7);
        assert!(round_to(f64::NAN, 2).is_nan());
    }
}
