use super::*;
use crate::numeric_binary::Numeric;
use crate::traits::ranked;
use proptest::prelude::*;
use std::str::FromStr;

fn n(s: &str) -> Raw<'_> {
    Raw::Number(s)
}

fn st(s: &str) -> Raw<'_> {
    Raw::String(s)
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("bad decimal {s}: {e}"))
}

/// Seed mode end to end: parse the scores and the alignment, then score.
fn seed(entries: &[(&str, Raw)], alignment: Option<Raw>) -> Result<Decimal, Error> {
    let scores = parse_scores(entries.iter().copied())?;
    let alignment = parse_alignment(alignment)?;
    Ok(match_score(&scores, None, alignment.as_ref()))
}

fn seed_ok(entries: &[(&str, Raw)], alignment: Option<Raw>) -> String {
    match seed(entries, alignment) {
        Ok(d) => d.to_string(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn scores_of(v: &Vector) -> Scores {
    ALL.iter()
        .map(|&t| (t, Num::from_f64(v[t.index()])))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Seed mode: hand-computed cases
// ---------------------------------------------------------------------------------------

#[test]
fn seed_table() {
    // (scores in jsonb order, alignment, expected)
    #[allow(clippy::type_complexity)]
    let cases: &[(&[(&str, Raw)], Option<Raw>, &str)] = &[
        // 0.255 + 0.175 + 0.09
        (
            &[
                ("practical", n("45")),
                ("adventurous", n("85")),
                ("intellectual", n("70")),
            ],
            None,
            "0.5200",
        ),
        (&[], None, "0.0000"),
        (&[], Some(n("1")), "0.2000"),
        // 0.85123456 × 0.3 = 0.255370368 -> 0.2554; + 0.175000415 = 0.430400415 -> 0.4304
        (
            &[
                ("adventurous", n("85.123456")),
                ("intellectual", n("70.000166")),
            ],
            None,
            "0.4304",
        ),
        // Per-step rounding: 0.0005 × 0.3 = 0.00015 -> 0.0002, then + 0.0002 × 0.25 =
        // 0.00025 -> 0.0003, although the exact sum 0.0002 would round to 0.0002.
        (
            &[("adventurous", n("0.05")), ("intellectual", n("0.02"))],
            None,
            "0.0003",
        ),
        // A term below half a step vanishes when it comes first: 0.00003 -> 0.0000.
        (
            &[("creative", n("0.02")), ("adventurous", n("0.05"))],
            None,
            "0.0002",
        ),
        // Half away from zero on a negative intermediate: -0.00015 -> -0.0002, then +0.0003.
        (
            &[("adventurous", n("-0.05")), ("intellectual", n("0.12"))],
            None,
            "0.0001",
        ),
        // Negative scores clamp to 0.
        (
            &[("adventurous", n("-85")), ("social", n("10"))],
            None,
            "0.0000",
        ),
        // Everything at 100 plus full alignment: 1.0 + 0.2 -> 1.
        (
            &[
                ("social", n("100")),
                ("creative", n("100")),
                ("practical", n("100")),
                ("adventurous", n("100")),
                ("intellectual", n("100")),
            ],
            Some(n("1")),
            "1.0000",
        ),
    ];
    // Every case above that the original can evaluate was confirmed against it in
    // PostgreSQL 15; the others (unknown keys, nulls, overflow) are deliberate deviations.
    for (i, (entries, alignment, expected)) in cases.iter().enumerate() {
        assert_eq!(
            seed_ok(entries, *alignment),
            *expected,
            "case {i}: {entries:?} {alignment:?}"
        );
    }
}

#[test]
fn seed_table_edges() {
    // (scores in jsonb order, alignment, expected)
    #[allow(clippy::type_complexity)]
    let cases: &[(&[(&str, Raw)], Option<Raw>, &str)] = &[
        // Alignment: SQL NULL mappings, missing key / JSON null (0), a value.
        (&[("adventurous", n("50"))], None, "0.1500"),
        (&[("adventurous", n("50"))], Some(Raw::Null), "0.1500"),
        (&[("adventurous", n("50"))], Some(n("0.5")), "0.2500"),
        (&[("adventurous", n("50"))], Some(st(" 0.5 ")), "0.2500"),
        (&[("adventurous", n("50"))], Some(n("-1")), "0.0000"),
        // Strings in numeric syntax, as ::DECIMAL reads them.
        (
            &[("adventurous", st("8.5e1")), ("creative", st(" +40 "))],
            None,
            "0.3150",
        ),
        // Unknown keys are ignored whatever their value; nulls count as absent.
        (
            &[
                ("social", n("40")),
                ("behavioral_consistency", Raw::Object),
                ("adventurous", Raw::Null),
            ],
            None,
            "0.0400",
        ),
        // Overflow in the seed (running total 10 or more): exact sum clamped instead.
        (
            &[("adventurous", n("3400")), ("intellectual", n("-4000"))],
            None,
            "0.2000",
        ),
        (&[("adventurous", n("1e300"))], None, "1.0000"),
        (
            &[("adventurous", st("Infinity")), ("social", n("10"))],
            None,
            "1.0000",
        ),
        (
            &[("adventurous", st("-inf")), ("social", n("10"))],
            None,
            "0.0000",
        ),
        (
            &[("adventurous", st("inf")), ("social", st("-Infinity"))],
            None,
            "0.0000",
        ),
        (&[("adventurous", n("50"))], Some(st("1e400")), "1.0000"),
        // 3333.33 × 0.003 = 9.99999 -> 10.0000 overflows; the exact sum clamps to 1.
        (&[("adventurous", n("3333.33"))], None, "1.0000"),
        // Largest total the seed can hold: 3333.31 -> 9.99993 -> 9.9999, then -9.5.
        (
            &[("adventurous", n("3333.31")), ("intellectual", n("-3800"))],
            None,
            "0.4999",
        ),
        // A running total of exactly 9.9999 is still fine, and per-step rounding shows:
        // 0.00003 -> 0, 0.00003 -> 0, + 9.9999, - 9.999 = 0.0009 (the exact sum 0.00096
        // would give 0.0010).
        (
            &[
                ("social", n("0.03")),
                ("creative", n("0.02")),
                ("adventurous", n("3333.3")),
                ("intellectual", n("-3999.6")),
            ],
            None,
            "0.0009",
        ),
    ];
    // Every case above that the original can evaluate was confirmed against it in
    // PostgreSQL 15; the others (unknown keys, nulls, overflow) are deliberate deviations.
    for (i, (entries, alignment, expected)) in cases.iter().enumerate() {
        assert_eq!(
            seed_ok(entries, *alignment),
            *expected,
            "case {i}: {entries:?} {alignment:?}"
        );
    }
}

#[test]
fn seed_division_rounds_like_numeric() {
    // 1234.5678901234567891 / 100.0 is 12.3456789012345679 in Postgres (16 places), so
    // the product lands exactly on a half: 12.3456789012345679 × 0.15 = 1.851851835185185185.
    let tv = seed_trait_value(&Num::from_decimal(dec("1234.5678901234567891")));
    assert_eq!(tv, Some(123_456_789_012_345_679 * 10i128.pow(16)));
    // 0.0499999999999999999996 / 100.0 rounds to 0.0005000000000000000000, and so
    // × 0.3 = 0.00015 -> 0.0002 (exact arithmetic would give 0.0001).
    assert_eq!(
        seed_ok(&[("adventurous", n("0.0499999999999999999996"))], None),
        "0.0002"
    );
    // With enough display scale (trailing zeros), the division is exact again.
    assert_eq!(
        seed_ok(&[("adventurous", n("0.049999999999999999999600"))], None),
        "0.0001"
    );
}

#[test]
fn seed_matches_postgres_fixture() {
    let fixture = include_str!("../../tests/data/seed_cases.txt");
    let raw = |v: &'static str| -> Raw<'static> {
        match v.split_at(2) {
            ("n:", t) => Raw::Number(t),
            ("s:", t) => Raw::String(t),
            _ => panic!("bad value {v}"),
        }
    };
    let mut count = 0;
    for line in fixture
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let parts: Vec<&str> = line.split('|').collect();
        assert_eq!(parts.len(), 4, "{line}");
        let entries: Vec<(&str, Raw)> = parts[0]
            .split(';')
            .filter(|e| !e.is_empty())
            .map(|e| {
                let (k, v) = e.split_once('=').unwrap_or_else(|| panic!("bad entry {e}"));
                (k, raw(v))
            })
            .collect();
        let alignment = match parts[1] {
            "-" => None,
            "missing" | "null" => Some(Raw::Null),
            v => Some(raw(v)),
        };
        let scores =
            parse_scores(entries.iter().copied()).unwrap_or_else(|e| panic!("{line}: {e}"));
        let alignment = parse_alignment(alignment).unwrap_or_else(|e| panic!("{line}: {e}"));
        let got = match_score(&scores, None, alignment.as_ref());
        assert_eq!(got.to_string(), parts[2], "{line}");
        let seed_succeeds = seed_exact(&scores, alignment.as_ref()).is_some();
        assert_eq!(
            seed_succeeds,
            parts[3] == "seed",
            "overflow detection: {line}"
        );
        count += 1;
    }
    assert!(count >= 1000, "fixture has only {count} cases");
}

// ---------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------

#[test]
fn numeric_syntax_follows_postgres() {
    let ok: &[(&str, &str)] = &[
        ("85", "85"),
        ("-0.5", "-0.5"),
        ("85.10", "85.10"),
        ("  12 ", "12"),
        ("\t5\n", "5"),
        ("5.", "5"),
        (".5", "0.5"),
        ("+.5", "0.5"),
        ("-.5e-1", "-0.05"),
        ("1e 5", "100000"),
        ("5.e3", "5000"),
        ("1e+3", "1000"),
        ("8.5E1", "85"),
        ("8510e-2", "85.10"),
        ("000123.4500", "123.4500"),
        ("-0", "0"),
        (
            "0.0000000000000000000000000000001",
            "0.0000000000000000000000000000",
        ),
        ("1e-40000", "0.0000000000000000000000000000"),
    ];
    for (text, expected) in ok {
        match Num::parse(text) {
            Some(Num(Repr::Decimal { value, .. })) => assert_eq!(value, dec(expected), "{text:?}"),
            other => panic!("{text:?} parsed as {other:?}"),
        }
    }
    for bad in [
        "",
        " ",
        ".",
        "+",
        "-",
        ".e3",
        "1e",
        "1e+",
        "- 5",
        "1 e5",
        "1e3.5",
        "1.2.3",
        "1_000",
        "0x10",
        "١",
        "+NaN",
        "abc",
        "85a",
        "Infinityx",
        "e5",
        "--1",
    ] {
        assert_eq!(Num::parse(bad), None, "{bad:?}");
    }
    assert!(Num::parse(" nan ").is_some_and(|n| n.is_nan()));
    assert!(Num::parse("NaN").is_some_and(|n| n.is_nan()));
    for (text, inf) in [
        ("Infinity", f64::INFINITY),
        ("+inFinity", f64::INFINITY),
        ("INF", f64::INFINITY),
        ("-inf", f64::NEG_INFINITY),
        ("-Infinity", f64::NEG_INFINITY),
        ("1e400", f64::INFINITY),
        ("-1e99999999999999999999999", f64::NEG_INFINITY),
    ] {
        assert_eq!(Num::parse(text), Some(Num(Repr::Float(inf))), "{text}");
    }
    let big = format!("1{}", "0".repeat(300));
    assert_eq!(Num::parse(&big), Some(Num(Repr::Float(1e300))));
    assert_eq!(Num::parse("1e15"), Some(Num(Repr::Float(1e15))));
    let decimal = |t: &str| Num::parse(t).and_then(|n| n.decimal());
    assert_eq!(decimal("999999999999999.9"), Some(dec("999999999999999.9")));
    // More than 28 significant digits are rounded to 28.
    assert_eq!(
        decimal("1.23456789012345678901234567890123"),
        Some(dec("1.234567890123456789012345679"))
    );
    assert_eq!(decimal("9.99999999999999999999999999999"), Some(dec("10")));
    // The display scale is kept, even where the digits cannot be.
    let dscale = |t: &str| match Num::parse(t) {
        Some(Num(Repr::Decimal { dscale, .. })) => dscale,
        other => panic!("{other:?}"),
    };
    assert_eq!(dscale("85.10"), 2);
    assert_eq!(dscale("8510e-2"), 2);
    assert_eq!(dscale("1.5e1"), 0);
    assert_eq!(dscale("143.099999999999999999999995600"), 27);
    assert_eq!(dscale("1e-40000"), 40000);
}

#[test]
fn from_f64_reads_shortest_text() {
    assert_eq!(Num::from_f64(0.1), Num::from_decimal(dec("0.1")));
    assert_eq!(Num::from_f64(85.0), Num::from_decimal(dec("85")));
    assert_eq!(Num::from_f64(1e20), Num(Repr::Float(1e20)));
    assert!(Num::from_f64(f64::NAN).is_nan());
    assert_eq!(Num::from_f64(-0.0), Num::ZERO);
    assert_eq!(Num::parse("12.5").map(|n| n.to_f64()), Some(12.5));
}

#[test]
fn decoded_numbers_from_the_binary_numeric() {
    let exact = Num::from_numeric(Numeric::Exact(dec("85.1")), Some(2));
    assert_eq!(exact.decimal(), Some(dec("85.1")));
    assert_eq!(exact, Num::parse("85.10").unwrap_or(Num::ZERO));
    assert_eq!(
        Num::from(Numeric::Exact(dec("85.1"))),
        Num::from_decimal(dec("85.1"))
    );
    assert_eq!(Num::from(Numeric::Infinity).to_f64(), f64::INFINITY);
    assert_eq!(Num::from(Numeric::NegInfinity).to_f64(), f64::NEG_INFINITY);
    assert_eq!(
        Num::from(Numeric::Approx(1e300, format!("1{}", "0".repeat(300)))).to_f64(),
        1e300
    );
    // a long exact value is rounded like the seed's ::DECIMAL text would be
    let long = "0.1666666666666666666666666666666667";
    assert_eq!(
        Num::from(Numeric::Approx(0.16666666666666666, long.to_string())),
        Num::parse(long).unwrap_or(Num::ZERO)
    );
    assert!(Num::from(Numeric::NaN).is_nan());
    let s = parse_scores([("adventurous", Raw::Decoded(exact)), ("social", n("10"))]);
    assert_eq!(
        s.map(|s| match_score(&s, None, None).to_string()),
        Ok("0.2653".to_string())
    );
    let e = parse_scores([("adventurous", Raw::Decoded(Num::from(Numeric::NaN)))]).err();
    assert_eq!(e.map(|e| e.code.code()), Some("22023"));
    assert_eq!(Raw::Decoded(exact).kind(), "number");
    // The display scale decides numeric_div's precision: 1234.56789012345678900 (dscale
    // 17) divides exactly, 1234.567890123456789 (dscale 15) is rounded to 16 places.
    let long = Numeric::Exact(dec("1234.567890123456789"));
    let tv = |n: Num| seed_trait_value(&n);
    assert_eq!(
        tv(Num::from_numeric(long.clone(), Some(17))),
        Some(1_234_567_890_123_456_789 * 10i128.pow(15))
    );
    assert_eq!(
        tv(Num::from_numeric(long, None)),
        Some(123_456_789_012_345_679 * 10i128.pow(16))
    );
}

#[test]
fn parse_scores_keeps_order_and_ignores_unknowns() {
    let s = parse_scores([
        ("social", n("10")),
        ("behavioral_consistency", Raw::Bool(true)),
        ("Adventurous", st("not a number")),
        ("creative", Raw::Null),
        ("adventurous", st("85")),
    ]);
    let s = s.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.entries(),
        &[
            (Trait::Social, Num::from_decimal(dec("10"))),
            (Trait::Adventurous, Num::from_decimal(dec("85")))
        ]
    );
    assert_eq!(s.get(Trait::Creative), None);
    assert_eq!(s.to_vector(), [85.0, 0.0, 0.0, 0.0, 10.0]);
}

#[test]
fn errors_name_key_and_type() {
    let err = |entries: &[(&str, Raw)]| match parse_scores(entries.iter().copied()) {
        Err(e) => e,
        Ok(s) => panic!("accepted {s:?}"),
    };
    let e = err(&[("adventurous", Raw::Bool(true))]);
    assert_eq!(e.code.code(), "22023");
    assert_eq!(
        e.message,
        "personality score \"adventurous\" must be a number, got a JSON boolean"
    );
    assert!(e.hint.is_some());
    let e = err(&[("social", Raw::Array)]);
    assert_eq!(
        e.message,
        "personality score \"social\" must be a number, got a JSON array"
    );
    let e = err(&[("creative", Raw::Object)]);
    assert_eq!(
        e.message,
        "personality score \"creative\" must be a number, got a JSON object"
    );
    let e = err(&[("adventurous", st("very"))]);
    assert_eq!(e.code.code(), "22P02");
    assert_eq!(
        e.message,
        "personality score \"adventurous\" is not a number: \"very\""
    );
    let e = err(&[("adventurous", st("NaN"))]);
    assert_eq!(
        (e.code.code(), e.message.as_str()),
        (
            "22023",
            "personality score \"adventurous\" must be a number, got NaN"
        )
    );
    let e = err(&[("practical", n("NaN"))]);
    assert_eq!(e.code.code(), "22023");
    // Long garbage is shortened in the message.
    let long = "x".repeat(10_000);
    let e = err(&[("adventurous", st(&long))]);
    assert!(e.message.len() < 200, "{}", e.message);
    assert!(e.message.ends_with("\"..."));
    // The first bad value is reported.
    let e = err(&[("social", Raw::Array), ("adventurous", Raw::Bool(false))]);
    assert!(e.message.contains("\"social\""));

    let e = not_an_object("array");
    assert_eq!(e.code.code(), "22023");
    assert_eq!(
        e.message,
        "personality scores must be a JSON object, got a JSON array"
    );
    assert!(e
        .report()
        .starts_with("personality scores must be a JSON object"));
    assert!(e.report().contains("\nHINT: "));
    assert_eq!(bad_tags("number").code.code(), "22023");
}

#[test]
fn alignment_parsing() {
    assert_eq!(parse_alignment(None), Ok(None));
    assert_eq!(parse_alignment(Some(Raw::Null)), Ok(Some(Num::ZERO)));
    assert_eq!(
        parse_alignment(Some(n("0.8"))),
        Ok(Some(Num::from_decimal(dec("0.8"))))
    );
    assert_eq!(
        parse_alignment(Some(st("0.8"))),
        Ok(Some(Num::from_decimal(dec("0.8"))))
    );
    let e = parse_alignment(Some(Raw::Array)).err();
    assert_eq!(
        e.as_ref().map(|e| e.message.as_str()),
        Some("alignment_score must be a number, got a JSON array")
    );
    assert_eq!(e.map(|e| e.code.code()), Some("22023"));
    let e = parse_alignment(Some(st("high"))).err();
    assert_eq!(
        e.as_ref().map(|e| e.message.as_str()),
        Some("alignment_score is not a number: \"high\"")
    );
    assert_eq!(e.map(|e| e.code.code()), Some("22P02"));
    assert_eq!(
        parse_alignment(Some(st("nan")))
            .err()
            .map(|e| e.code.code()),
        Some("22023")
    );
}

#[test]
fn affinities_object_and_tag_names() {
    let a = parse_affinities_object([
        ("adventurous", n("0.9")),
        ("creative", st("0.4")),
        ("social", n("7")),
        ("practical", n("-1")),
        ("intellectual", Raw::Null),
        ("colour", Raw::Bool(true)),
    ]);
    assert_eq!(a, Ok(Some([0.9, 0.0, 0.0, 0.4, 1.0])));
    assert_eq!(parse_affinities_object([("adventurous", n("0"))]), Ok(None));
    assert_eq!(parse_affinities_object([]), Ok(None));
    let e = parse_affinities_object([("creative", Raw::Bool(true))]).err();
    assert_eq!(e.as_ref().map(|e| e.code.code()), Some("22023"));
    assert_eq!(
        e.map(|e| e.message),
        Some("tag affinity \"creative\" must be a number, got a JSON boolean".into())
    );
    assert_eq!(
        parse_affinities_object([("creative", st("lots"))])
            .err()
            .map(|e| e.code.code()),
        Some("22P02")
    );

    assert_eq!(
        affinities_from_tag_names(["hiking", " Creative ", "social"]),
        Some([0.0, 0.0, 0.0, 1.0, 1.0])
    );
    assert_eq!(affinities_from_tag_names(["hiking", "camping"]), None);
    assert_eq!(affinities_from_tag_names([]), None);
}

// ---------------------------------------------------------------------------------------
// Affinity mode
// ---------------------------------------------------------------------------------------

#[test]
fn affinity_mode_formula() {
    let scores = parse_scores([
        ("adventurous", n("90")),
        ("creative", n("32")),
        ("social", n("150")),
    ]);
    let scores = scores.unwrap_or_else(|e| panic!("{e}"));
    // s = [0.9, 0, 0, 0.32, 1]; B = 0.27 + 0.048 + 0.1 = 0.418, a quarter of it 0.1045
    let aimed = |a: Vector, al: Option<&Num>| match_score(&scores, Some(&a), al).to_string();
    // F = 0.9: 0.675 + 0.1045
    assert_eq!(aimed([1.0, 0.0, 0.0, 0.0, 0.0], None), "0.7795");
    // F = 0.32: 0.24 + 0.1045
    assert_eq!(aimed([0.0, 0.0, 0.0, 1.0, 0.0], None), "0.3445");
    // F = (0.5·0.9 + 1·0.32) / 1.5 = 0.51333: 0.385 + 0.1045 + 0.2·0.5 = 0.5895
    assert_eq!(
        aimed(
            [0.5, 0.0, 0.0, 1.0, 0.0],
            Some(&Num::from_decimal(dec("0.5")))
        ),
        "0.5895"
    );
    // Clamped at 1.
    assert_eq!(
        aimed(
            [0.0, 0.0, 0.0, 0.0, 1.0],
            Some(&Num::from_f64(f64::INFINITY))
        ),
        "1.0000"
    );
    // All-zero (or NaN) affinities mean "no affinities": seed mode.
    let seed_value = match_score(&scores, None, None);
    assert_eq!(match_score(&scores, Some(&[0.0; 5]), None), seed_value);
    assert_eq!(match_score(&scores, Some(&[f64::NAN; 5]), None), seed_value);
    // The seed does not clamp social's 150: 0.27 + 0.048 + 0.15.
    assert_eq!(seed_value.to_string(), "0.4680");

    // Contributions add up to the personality part.
    let a = [0.5, 0.0, 0.0, 1.0, 0.0];
    let c = contributions(&scores, Some(&a));
    assert!((c.iter().sum::<f64>() - 0.4895).abs() < 1e-12, "{c:?}");
    assert_eq!(c[Trait::Intellectual.index()], 0.0);
    let c = contributions(&scores, None);
    assert!(
        (c[0] - 0.27).abs() < 1e-12 && (c[4] - 0.15).abs() < 1e-12,
        "{c:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Product affinities
// ---------------------------------------------------------------------------------------

fn mapping(t: Trait, rec: &[&str], avoid: &[&str], tags: &[&str], weight: f64) -> Mapping {
    let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
    Mapping {
        personality: Some(t),
        recommended: v(rec),
        avoided: v(avoid),
        tags: v(tags),
        weight,
    }
}

fn default_mappings() -> Vec<Mapping> {
    vec![
        mapping(
            Trait::Adventurous,
            &["sports-outdoors", "experiences", "electronics"],
            &["home-garden"],
            &[
                "outdoor",
                "travel",
                "adventure",
                "camping",
                "hiking",
                "extreme",
                "gadget",
                "active",
            ],
            0.90,
        ),
        mapping(
            Trait::Intellectual,
            &["books-media", "electronics", "experiences"],
            &["fashion", "toys-games"],
            &[
                "books",
                "learning",
                "puzzle",
                "science",
                "history",
                "strategy",
                "documentary",
                "course",
            ],
            0.85,
        ),
        mapping(
            Trait::Practical,
            &["home-garden", "electronics", "health-beauty"],
            &["art-crafts"],
            &[
                "practical",
                "useful",
                "tools",
                "kitchen",
                "organization",
                "durable",
                "everyday",
                "smart-home",
            ],
            0.80,
        ),
        mapping(
            Trait::Creative,
            &["art-crafts", "books-media", "fashion"],
            &["electronics"],
            &[
                "art",
                "craft",
                "diy",
                "music",
                "design",
                "handmade",
                "photography",
                "writing",
            ],
            0.85,
        ),
        mapping(
            Trait::Social,
            &["food-drink", "experiences", "toys-games"],
            &["books-media"],
            &[
                "party",
                "games",
                "sharing",
                "dining",
                "wine",
                "group",
                "entertaining",
                "friends",
            ],
            0.80,
        ),
    ]
}

#[test]
fn product_affinities_with_default_mappings() {
    let m = default_mappings();
    let a = product_affinities(Some("sports-outdoors"), &["hiking", "camping"], &m);
    assert_eq!(a, [0.9, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(ranked(&a)[0], Trait::Adventurous);

    // electronics: adventurous 3rd (0.70), intellectual and practical 2nd (0.85),
    // creative avoids it. One tag "gadget" matches adventurous fully.
    let a = product_affinities(Some(" Electronics "), &["Gadget"], &m);
    // adventurous 0.9 × (0.65·0.7 + 0.35) = 0.7245; intellectual 0.85 × 0.5525 = 0.469625
    // -> 0.4696; practical 0.8 × 0.5525 = 0.442
    assert_eq!(a, [0.7245, 0.4696, 0.442, 0.0, 0.0]);

    // Avoided category forces 0 even with matching tags.
    let a = product_affinities(Some("books-media"), &["party", "friends"], &m);
    assert_eq!(a[Trait::Social.index()], 0.0);
    assert_eq!(a[Trait::Intellectual.index()], 0.5525); // 0.85 × 0.65
    assert_eq!(a[Trait::Creative.index()], 0.4696); // 0.85 × 0.65 × 0.85 (2nd category)

    // Tags only, no category: one of three tags matches -> 1/2 of the tag share.
    let a = product_affinities(None, &["wine", "cheese", "wine", " "], &m);
    assert_eq!(a, [0.0, 0.0, 0.0, 0.0, 0.14]);
    // A tag that is the trait's own name counts.
    let a = product_affinities(Some("unknown"), &["creative"], &m);
    assert_eq!(a, [0.0, 0.0, 0.0, 0.2975, 0.0]);
    // Nothing known.
    assert_eq!(product_affinities(Some("garden gnomes"), &[], &m), [0.0; 5]);
    // Several mappings of one trait: the highest wins; unknown personality is ignored.
    let mut extra = default_mappings();
    extra.push(mapping(Trait::Social, &["garden gnomes"], &[], &[], 0.5));
    extra.push(Mapping {
        personality: None,
        ..mapping(Trait::Creative, &["garden gnomes"], &[], &[], 1.0)
    });
    assert_eq!(
        product_affinities(Some("garden gnomes"), &[], &extra),
        [0.0, 0.0, 0.0, 0.0, 0.325]
    );
    // Odd weights stay within 0..1.
    let odd = vec![
        mapping(Trait::Social, &["x"], &[], &[], 7.0),
        mapping(Trait::Creative, &["x"], &[], &[], f64::NAN),
        mapping(Trait::Practical, &["x"], &[], &[], -1.0),
    ];
    assert_eq!(
        product_affinities(Some("x"), &[], &odd),
        [0.0, 0.0, 0.0, 0.0, 1.0]
    );
    // Rank floor: the 5th recommended category is still worth 0.5.
    let deep = vec![mapping(
        Trait::Social,
        &["a", "b", "c", "d", "e"],
        &[],
        &[],
        1.0,
    )];
    assert_eq!(product_affinities(Some("e"), &[], &deep)[4], 0.325);
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

/// Numeric-looking text, including huge digit strings, exponents and specials.
fn numeric_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (-200i64..200).prop_map(|i| i.to_string()),
        (-200.0f64..200.0).prop_map(|f| f.to_string()),
        (0u32..3000, 0usize..40).prop_map(|(i, d)| format!("{i}.{}", "7".repeat(d))),
        "[+-]?[0-9]{0,40}(\\.[0-9]{0,40})?([eE][+-]?[0-9]{1,6})?",
        "[ \t]*[+-]?(NaN|nan|Infinity|inf|INF)[ \t]*",
        (1usize..400).prop_map(|k| format!("1{}", "0".repeat(k))),
        any::<f64>().prop_map(|f| format!("{f:e}")),
    ]
}

#[derive(Debug, Clone)]
enum RawOwned {
    Null,
    Number(String),
    Str(String),
    Bool(bool),
    Array,
    Object,
    Decoded(Num),
}

impl RawOwned {
    fn as_raw(&self) -> Raw<'_> {
        match self {
            RawOwned::Null => Raw::Null,
            RawOwned::Number(s) => Raw::Number(s),
            RawOwned::Str(s) => Raw::String(s),
            RawOwned::Bool(b) => Raw::Bool(*b),
            RawOwned::Array => Raw::Array,
            RawOwned::Object => Raw::Object,
            RawOwned::Decoded(n) => Raw::Decoded(*n),
        }
    }
}

fn raw_value() -> impl Strategy<Value = RawOwned> {
    prop_oneof![
        1 => Just(RawOwned::Null),
        2 => any_num().prop_map(RawOwned::Decoded),
        6 => numeric_text().prop_map(RawOwned::Number),
        3 => numeric_text().prop_map(RawOwned::Str),
        2 => any::<String>().prop_map(RawOwned::Str),
        1 => any::<bool>().prop_map(RawOwned::Bool),
        1 => Just(RawOwned::Array),
        1 => Just(RawOwned::Object),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(ALL.to_vec()).prop_map(|t| t.name().to_string()),
        1 => Just("behavioral_consistency".to_string()),
        1 => any::<String>(),
    ]
}

fn any_num() -> impl Strategy<Value = Num> {
    prop_oneof![
        numeric_text().prop_filter_map("not numeric", |t| Num::parse(&t)),
        any::<f64>().prop_map(|x| Num(Repr::Float(x))),
        (-1e20f64..1e20).prop_map(Num::from_f64),
    ]
}

fn any_vector() -> impl Strategy<Value = Vector> {
    prop::array::uniform5(prop_oneof![any::<f64>(), 0.0f64..1.0, Just(0.0), Just(1.0)])
}

fn assert_unit_4dp(d: Decimal) {
    assert_eq!(d.scale(), 4, "{d}");
    assert!(d >= Decimal::ZERO && d <= Decimal::ONE, "{d}");
    assert!(!d.is_sign_negative(), "{d}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary JSON-like input never panics, and every score is in 0..1 with 4 places.
    #[test]
    fn arbitrary_input_never_panics(
        entries in prop::collection::vec((key(), raw_value()), 0..8),
        alignment in prop::option::of(raw_value()),
        affinities in prop::option::of(any_vector()),
    ) {
        let parsed = parse_scores(entries.iter().map(|(k, v)| (k.as_str(), v.as_raw())));
        let alignment = parse_alignment(alignment.as_ref().map(RawOwned::as_raw));
        if let (Ok(scores), Ok(alignment)) = (parsed, alignment) {
            assert_unit_4dp(match_score(&scores, None, alignment.as_ref()));
            assert_unit_4dp(match_score(&scores, affinities.as_ref(), alignment.as_ref()));
            let _ = contributions(&scores, affinities.as_ref());
        }
    }

    /// Any `Num` values (including NaN built directly) still give a valid score.
    #[test]
    fn any_numbers_give_unit_scores(
        values in prop::collection::vec((prop::sample::select(ALL.to_vec()), any_num()), 0..7),
        alignment in prop::option::of(any_num()),
        affinities in prop::option::of(any_vector()),
    ) {
        let scores: Scores = values.into_iter().collect();
        assert_unit_4dp(match_score(&scores, None, alignment.as_ref()));
        assert_unit_4dp(match_score(&scores, affinities.as_ref(), alignment.as_ref()));
    }

    /// With affinities, raising a score of a trait the product appeals to never lowers
    /// the match.
    #[test]
    fn monotone_in_appealing_traits(
        base in prop::array::uniform5(-50.0f64..200.0),
        affinities in prop::array::uniform5(prop_oneof![Just(0.0), 0.0f64..=1.0]),
        t in prop::sample::select(ALL.to_vec()),
        own_affinity in prop_oneof![Just(1.0), 1e-6f64..=1.0],
        bump in 0.0f64..150.0,
        alignment in prop::option::of(-1.0f64..2.0),
    ) {
        let i = t.index();
        let mut affinities = affinities;
        affinities[i] = own_affinity;
        let alignment = alignment.map(Num::from_f64);
        let mut higher = base;
        higher[i] += bump;
        let (lo_s, hi_s) = (scores_of(&base), scores_of(&higher));
        let lo = match_score(&lo_s, Some(&affinities), alignment.as_ref());
        let hi = match_score(&hi_s, Some(&affinities), alignment.as_ref());
        prop_assert!(hi >= lo, "{lo} > {hi}");
        let (lo_u, hi_u) = (
            affinity_score_unrounded(&lo_s, &affinities, alignment.as_ref()),
            affinity_score_unrounded(&hi_s, &affinities, alignment.as_ref()),
        );
        prop_assert!(hi_u >= lo_u);
    }

    /// A product aimed only at the person's strongest trait beats one aimed only at the
    /// weakest, strictly once the unrounded difference is visible at 4 places.
    #[test]
    fn strongest_trait_beats_weakest(
        raw_scores in prop::array::uniform5(prop_oneof![0.0f64..=100.0, (0u32..=100).prop_map(f64::from), -20.0f64..130.0]),
        alignment in prop::option::of(0.0f64..=1.0),
    ) {
        let order = ranked(&raw_scores);
        let (strong, weak) = (order[0], order[4]);
        prop_assume!(raw_scores[strong.index()] > raw_scores[weak.index()]);
        let scores = scores_of(&raw_scores);
        let alignment = alignment.map(Num::from_f64);
        let mut to_strong = [0.0; 5];
        to_strong[strong.index()] = 1.0;
        let mut to_weak = [0.0; 5];
        to_weak[weak.index()] = 1.0;
        let s = match_score(&scores, Some(&to_strong), alignment.as_ref());
        let w = match_score(&scores, Some(&to_weak), alignment.as_ref());
        prop_assert!(s >= w, "{s} < {w}");
        let su = affinity_score_unrounded(&scores, &to_strong, alignment.as_ref());
        let wu = affinity_score_unrounded(&scores, &to_weak, alignment.as_ref());
        if su - wu >= 0.0001 {
            prop_assert!(s > w, "{s} == {w} although unrounded {su} vs {wu}");
        }
        // Within 0..100 and without a bonus, the gap is exactly visible.
        let in_range = raw_scores.iter().all(|&x| (0.0..=100.0).contains(&x));
        if in_range && alignment.is_none() {
            let gap = FIT_SHARE * (raw_scores[strong.index()] - raw_scores[weak.index()]) / 100.0;
            prop_assert!((su - wu - gap).abs() < 1e-9);
        }
    }

    /// Exact decimal inputs in the seed's range agree with a straightforward (slow)
    /// re-implementation of the seed when no division rounding is involved.
    #[test]
    fn seed_mode_matches_simple_model(
        values in prop::collection::vec((prop::sample::select(ALL.to_vec()), -100_000i64..1_000_000, 0u32..5), 0..6),
        alignment in prop::option::of((-2000i64..2000, 0u32..4)),
    ) {
        let scores: Scores = values
            .iter()
            .map(|&(t, m, s)| (t, Num::from_decimal(Decimal::new(m, s))))
            .collect();
        let al = alignment.map(|(m, s)| Num::from_decimal(Decimal::new(m, s)));
        // Slow model: Decimal arithmetic (exact at these sizes) with rounding per step.
        let mut ms = Decimal::ZERO;
        let mut overflow = false;
        let step = |ms: Decimal, add: Decimal| {
            (ms + add).round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
        };
        let mut exact_sum = Decimal::ZERO;
        for (t, v) in scores.entries() {
            let Some(v) = v.decimal() else { unreachable!() };
            let w = Decimal::new(SEED_WEIGHTS_HUNDREDTHS[t.index()] as i64, 2);
            ms = step(ms, v / Decimal::ONE_HUNDRED * w);
            exact_sum += v / Decimal::ONE_HUNDRED * w;
            overflow |= ms.abs() >= Decimal::TEN;
        }
        if let Some(a) = al.and_then(|a| a.decimal()) {
            ms = step(ms, a * Decimal::new(2, 1));
            exact_sum += a * Decimal::new(2, 1);
            overflow |= ms.abs() >= Decimal::TEN;
        }
        let model = if overflow { exact_sum } else { ms }
            .clamp(Decimal::ZERO, Decimal::ONE)
            .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
        let got = match_score(&scores, None, al.as_ref());
        prop_assert_eq!(got, model);
    }

    /// The fast `Decimal` to `f64` conversion rounds like parsing the decimal's text.
    #[test]
    fn decimal_to_f64_is_correctly_rounded(m in any::<i64>(), s in 0u32..=28) {
        let d = Decimal::new(m, s);
        prop_assert_eq!(decimal_to_f64(&d), d.to_string().parse::<f64>().unwrap_or(f64::NAN));
    }

    /// Product affinities stay in 0..1 whatever the strings and weights.
    #[test]
    fn product_affinities_in_range(
        category in prop::option::of(prop_oneof![
            prop::sample::select(vec!["sports-outdoors", "electronics", "books-media", "home-garden"]).prop_map(String::from),
            any::<String>(),
        ]),
        tags in prop::collection::vec(prop_oneof![
            prop::sample::select(vec!["hiking", "art", "party", "creative", " Wine "]).prop_map(String::from),
            any::<String>(),
        ], 0..6),
        weight in any::<f64>(),
    ) {
        let mut m = default_mappings();
        m.push(mapping(Trait::Social, &["sports-outdoors"], &[], &["art"], weight));
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        let a = product_affinities(category.as_deref(), &tags, &m);
        for x in a {
            prop_assert!((0.0..=1.0).contains(&x), "{a:?}");
        }
    }
}
