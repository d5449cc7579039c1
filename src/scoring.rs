//! SQL layer of match scoring (maths in personality_core::scoring):
//! calculate_personality_product_match, the seed's function, native and reading the
//! jsonb datums in place; and personality_product_traits.
use crate::errors::{raise, Error};
use crate::jsonb::{self, Container, Value};
#[allow(unused_imports)]
use crate::text::{RowText, Text, TextArray};
use personality_core::scoring::{self, Mapping, Num, Raw, Scores};
use personality_core::traits::{Trait, Vector, ALL};
use pgrx::prelude::*;
use pgrx::JsonB;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{json, Map};
use std::cell::RefCell;
use std::rc::Rc;

/// The five trait keys in jsonb's storage order (shorter keys first): the order in
/// which the seed's `jsonb_object_keys` loop visits them, which its per-step rounding
/// depends on. Other keys are ignored, so looking these up is the whole loop.
const JSONB_ORDER: [&str; 5] = [
    "social",
    "creative",
    "practical",
    "adventurous",
    "intellectual",
];

fn raw<'a>(v: &Value<'a>) -> Raw<'a> {
    match v {
        Value::Null => Raw::Null,
        Value::Bool(b) => Raw::Bool(*b),
        Value::Number(n, dscale) => Raw::Decoded(Num::from_numeric(n.clone(), Some(*dscale))),
        Value::String(s) => Raw::String(s),
        Value::Array => Raw::Array,
        Value::Object => Raw::Object,
    }
}

fn scores_of(c: &Container) -> Result<Scores, Error> {
    if !c.is_object() {
        return Err(scoring::not_an_object(c.type_name()));
    }
    let values: Vec<(&str, Value)> = JSONB_ORDER
        .iter()
        .filter_map(|k| c.get(k).map(|v| (*k, v)))
        .collect();
    scoring::parse_scores(values.iter().map(|(k, v)| (*k, raw(v))))
}

fn affinities_of(c: &Container) -> Result<Option<Vector>, Error> {
    if c.is_object() {
        let values: Vec<(&str, Value)> = ALL
            .iter()
            .filter_map(|t| c.get(t.name()).map(|v| (t.name(), v)))
            .collect();
        scoring::parse_affinities_object(values.iter().map(|(k, v)| (*k, raw(v))))
    } else if c.is_array() {
        let mut names = Vec::new();
        for i in 0..c.len() {
            if (i as usize).is_multiple_of(scoring::TICK_EVERY) {
                pgrx::check_for_interrupts!();
            }
            match c.element(i) {
                Some(Value::String(s)) => names.push(s),
                // nested containers are no tag names (and no way to hide work)
                Some(v @ (Value::Array | Value::Object)) => {
                    return Err(scoring::bad_tags(&format!("array of {}s", v.type_name())))
                }
                _ => {}
            }
        }
        Ok(scoring::affinities_from_tag_names(names))
    } else {
        match c.element(0) {
            Some(Value::Null) | None => Ok(None),
            Some(v) => Err(scoring::bad_tags(v.type_name())),
        }
    }
}

fn alignment_of(c: &Container) -> Result<Option<Num>, Error> {
    let v = c.get("alignment_score");
    scoring::parse_alignment(Some(v.as_ref().map(raw).unwrap_or(Raw::Null)))
}

/// Reads argument `i` as a jsonb container, or None when it is SQL NULL.
unsafe fn arg(fcinfo: pg_sys::FunctionCallInfo, i: usize) -> Option<Container> {
    if pgrx::pg_arg_is_null(fcinfo, i) {
        None
    } else {
        Some(Container::from_datum(pgrx::pg_getarg_datum_raw(fcinfo, i)))
    }
}

/// The common case in integer arithmetic (scoring::seed_fast): no affinities, every
/// value a plain number with at most 6 decimals. None means "take the general path"
/// (which also produces the errors).
fn seed_fast(scores: Option<&Container>, mappings: Option<&Container>) -> Option<u32> {
    use personality_core::numeric_binary::Numeric;
    let mut vals = [(Trait::Social, 0i64); 5];
    let mut n = 0;
    if let Some(c) = scores {
        if !c.is_object() {
            return None;
        }
        for key in JSONB_ORDER {
            match c.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Number(Numeric::Exact(d), _)) => {
                    vals[n] = (Trait::from_name(key)?, scoring::micro_units(d)?);
                    n += 1;
                }
                Some(_) => return None,
            }
        }
    }
    let alignment = match mappings {
        None => None,
        Some(c) => match c.get("alignment_score") {
            None | Some(Value::Null) => Some(0),
            Some(Value::Number(Numeric::Exact(d), _)) => Some(scoring::micro_units(d)?),
            Some(_) => return None,
        },
    };
    scoring::seed_fast(&vals[..n], alignment)
}

/// The affinity case for plain numbers (personality_core::scoring::affinity_fast): the
/// affinities an object, every score, affinity and alignment value a number held
/// exactly (or null, or missing). None means "take the general path" (which also
/// produces the errors, and the seed mode when no affinity is above 0).
fn affinity_fast(
    scores: Option<&Container>,
    tags: &Container,
    mappings: Option<&Container>,
) -> Option<u32> {
    use personality_core::numeric_binary::Numeric;
    use rust_decimal::Decimal;
    fn exact(v: Option<Value>) -> Option<Decimal> {
        match v {
            None | Some(Value::Null) => Some(Decimal::ZERO),
            Some(Value::Number(Numeric::Exact(d), _)) => Some(d),
            Some(_) => None,
        }
    }
    if !tags.is_object() {
        return None;
    }
    // the same affinities come again and again (a constant, or one object per
    // product): decoded once, found again by their bytes
    let cached = tags.raw_bytes().and_then(|bytes| {
        AFFINITIES.with(|c| {
            let c = c.borrow();
            let slot = &c[affinity_slot(bytes)];
            (slot.0 == bytes).then_some(slot.1)
        })
    });
    let a = match cached {
        Some(a) => a?,
        None => {
            let mut d = [Decimal::ZERO; 5];
            for t in ALL {
                d[t.index()] = exact(tags.get(t.name()))?;
            }
            let a = scoring::affinity_vector(&d);
            if let Some(bytes) = tags.raw_bytes() {
                AFFINITIES.with(|c| {
                    let mut c = c.borrow_mut();
                    let slot = &mut c[affinity_slot(bytes)];
                    slot.0.clear();
                    slot.0.extend_from_slice(bytes);
                    slot.1 = a;
                });
            }
            a?
        }
    };
    let mut s = [Decimal::ZERO; 5];
    if let Some(c) = scores {
        if !c.is_object() {
            return None;
        }
        for t in ALL {
            s[t.index()] = exact(c.get(t.name()))?;
        }
    }
    let alignment = match mappings {
        None => None,
        Some(c) => Some(exact(c.get("alignment_score"))?),
    };
    Some(scoring::affinity_fast_with(&s, &a, alignment))
}

/// Slots of the cache of decoded affinity objects (direct-mapped by a hash of the bytes).
const AFFINITY_SLOTS: usize = 64;

thread_local! {
    /// Affinity objects as stored (the bytes of the whole jsonb, at most 512), with their
    /// vector (None: nothing above 0); only objects of exact numbers are kept.
    static AFFINITIES: RefCell<Vec<(Vec<u8>, Option<Vector>)>> =
        RefCell::new(vec![(Vec::new(), None); AFFINITY_SLOTS]);
}

/// The cache slot of an affinity object's bytes (a multiply-rotate hash of 8 bytes at
/// a time).
fn affinity_slot(bytes: &[u8]) -> usize {
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
    for b in chunks.remainder() {
        h = (h ^ u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    ((h ^ (h >> 32)) % AFFINITY_SLOTS as u64) as usize
}

/// The computation behind calculate_personality_product_match, from raw arguments.
fn compute(
    scores: Option<Container>,
    tags: Option<Container>,
    mappings: Option<Container>,
) -> Result<u32, Error> {
    if let Some(t) = tags.as_ref() {
        if let Some(units) = affinity_fast(scores.as_ref(), t, mappings.as_ref()) {
            return Ok(units);
        }
    }
    let affinities = match tags {
        Some(c) => affinities_of(&c)?,
        None => None,
    };
    if affinities.is_none() {
        if let Some(units) = seed_fast(scores.as_ref(), mappings.as_ref()) {
            return Ok(units);
        }
    }
    let scores = match scores {
        Some(c) => scores_of(&c)?,
        None => Scores::new(),
    };
    let alignment = match mappings {
        Some(c) => alignment_of(&c)?,
        None => None,
    };
    let d = scoring::match_score(&scores, affinities.as_ref(), alignment.as_ref());
    Ok((d * rust_decimal::Decimal::from(10000))
        .round()
        .to_u32()
        .unwrap_or(0)
        .min(10000))
}

#[no_mangle]
#[doc(hidden)]
pub extern "C" fn pg_finfo_personality_match_v1() -> &'static pg_sys::Pg_finfo_record {
    const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1
}

/// `calculate_personality_product_match(p_personality_scores jsonb, p_product_tags jsonb,
/// p_category_mappings jsonb) RETURNS numeric(5,4)`. A raw V1 function (SQL in
/// sql/scoring.sql) so that the jsonb arguments are read in place: pgrx's `JsonB`
/// argument type would print and re-parse every value.
///
/// ```sql
/// SELECT calculate_personality_product_match('{"adventurous": 85}', '{"adventurous": 0.9}', NULL);
/// ```
///
/// # Safety
/// Called by Postgres with a valid `fcinfo` for the signature above.
#[no_mangle]
#[pg_guard]
pub unsafe extern "C-unwind" fn personality_match_v1(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    match compute(arg(fcinfo, 0), arg(fcinfo, 1), arg(fcinfo, 2)) {
        Ok(units) => jsonb::numeric_scale4(units),
        Err(e) => raise(e),
    }
}

type CacheKey = (i64, i64, u32, u64);

thread_local! {
    static MAPPINGS: RefCell<Option<(CacheKey, Rc<Vec<Mapping>>)>> = const { RefCell::new(None) };
}

/// The gift mappings, read once per statement (the function is STABLE).
pub(crate) fn mappings() -> Rc<Vec<Mapping>> {
    // SAFETY: plain reads of transaction state.
    let key: CacheKey = unsafe {
        (
            pg_sys::GetCurrentTransactionStartTimestamp(),
            pg_sys::GetCurrentStatementStartTimestamp(),
            pg_sys::GetCurrentCommandId(false),
            crate::cache::generation(),
        )
    };
    if let Some(m) = MAPPINGS.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, m)| Rc::clone(m))
    }) {
        return m;
    }
    const GIFT_MAPPINGS: crate::cache::Query = crate::cache::query!("scoring/gift_mappings", []);
    let Ok(sql) = crate::cache::text(&GIFT_MAPPINGS) else {
        raise(Error::not_installed())
    };
    let loaded = Spi::connect(|client| {
        let mut out = Vec::new();
        let rows = client.select(sql.as_str(), None, &[])?;
        for m in rows {
            let list = |v: Option<Vec<Option<String>>>| -> Vec<String> {
                v.unwrap_or_default().into_iter().flatten().collect()
            };
            out.push(Mapping {
                personality: m.text(1)?.as_deref().and_then(Trait::from_name),
                recommended: list(m.texts(2)?),
                avoided: list(m.texts(3)?),
                tags: list(m.texts(4)?),
                weight: m.get::<f64>(5)?.unwrap_or(0.0),
            });
        }
        Ok::<_, pgrx::spi::Error>(out)
    });
    let loaded = match loaded {
        Ok(m) => m,
        Err(e) => raise(crate::spi::error(
            "cannot read personality_gift_mappings",
            e,
        )),
    };
    let loaded = Rc::new(loaded);
    MAPPINGS.with(|c| *c.borrow_mut() = Some((key, Rc::clone(&loaded))));
    loaded
}

/// A product's trait affinities (0..1 per trait) from its category slug and tags,
/// using personality_gift_mappings. Feed the result to
/// calculate_personality_product_match as p_product_tags.
///
/// ```sql
/// SELECT personality_product_traits('sports-outdoors', ARRAY['hiking', 'camping']);
/// ```
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn personality_product_traits(p_category: Option<Text>, p_tags: Option<TextArray>) -> JsonB {
    let p_category = p_category.as_ref().map(Text::as_str);
    let mut tags: Vec<String> = Vec::new();
    for (i, t) in p_tags
        .map(|a| a.0)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        if i % scoring::TICK_EVERY == 0 {
            pgrx::check_for_interrupts!();
        }
        if let Some(t) = t {
            tags.push(t);
        }
    }
    let refs: Vec<&str> = tags.iter().map(String::as_str).collect();
    let a = scoring::product_affinities_with(p_category, &refs, &mappings(), &mut || {
        pgrx::check_for_interrupts!();
    });
    let mut m = Map::new();
    for t in ALL {
        m.insert(t.name().to_string(), json!(a[t.index()]));
    }
    JsonB(serde_json::Value::Object(m))
}
