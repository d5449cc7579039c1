//! Reading what personality_recommend knows about a person before ranking: their
//! profile and gift mappings, and their swipes in every attached swipe table.
use crate::cache::{query, Query};
use crate::copies::Key;
use crate::errors::{raise, Error, SqlState};
use crate::spi::{filled, or_raise, plan};
use crate::text::RowText;
use personality_core::learning;
use personality_core::recommend::{Counts, Person, TraitMapping};
use personality_core::traits::{Trait, ALL};
use pgrx::spi::SpiClient;
use pgrx::Uuid;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

const PROFILE: Query = query!("recommend/profile", [UUIDOID]);
const GIFT_MAPPINGS: Query = query!("recommend/gift_mappings", []);
const SWIPE_TABLES: Query = query!("recommend/swipe_tables", []);
const SWIPES: Query = query!("recommend/swipes", [UUIDOID]);

fn f64_of(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn map_of(v: Option<String>) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    if let Some(Value::Object(m)) = v.and_then(|t| serde_json::from_str(&t).ok()) {
        for (k, v) in m {
            if let Some(x) = f64_of(Some(&v)) {
                out.insert(k.trim().to_lowercase(), x);
            }
        }
    }
    out
}

fn load_person(
    client: &SpiClient<'_>,
    user: Uuid,
    occasion: Option<&str>,
) -> Result<Option<(Uuid, Person)>, pgrx::spi::Error> {
    let profile_stmt = plan(client, &PROFILE);
    let rows = client.select(&*profile_stmt, Some(1), &[user.into()])?;
    if rows.is_empty() {
        return Ok(None);
    }
    let row = rows.first();
    let Some(profile_id) = row.get::<Uuid>(1)? else {
        return Ok(None);
    };
    // as text: a stored value nested too deeply reads as no scores (pgrx's JsonB would panic)
    let scores: Value = row
        .text(2)?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let mut v = [50.0; 5];
    for t in ALL {
        if let Some(x) = f64_of(scores.get(t.name())) {
            v[t.index()] = x;
        }
    }
    let mut mappings: [Option<TraitMapping>; 5] = Default::default();
    let mut best_weight = [f64::NEG_INFINITY; 5];
    let mappings_stmt = plan(client, &GIFT_MAPPINGS);
    for m in client.select(&*mappings_stmt, None, &[])? {
        let Some(t) = m.text(1)?.as_deref().and_then(Trait::from_name) else {
            continue;
        };
        let weight = m.get::<f64>(6)?.unwrap_or(0.0);
        if weight <= best_weight[t.index()] {
            continue;
        }
        best_weight[t.index()] = weight;
        let list = |x: Option<Vec<Option<String>>>| -> Vec<String> {
            x.unwrap_or_default().into_iter().flatten().collect()
        };
        mappings[t.index()] = Some(TraitMapping {
            recommended: list(m.texts(2)?),
            avoided: list(m.texts(3)?),
            occasions: map_of(m.text(4)?),
            price_modifiers: map_of(m.text(5)?),
        });
    }
    Ok(Some((
        profile_id,
        Person {
            scores: v,
            confidence: row.get::<f64>(3)?.unwrap_or(0.5),
            mappings,
            by_category: HashMap::new(),
            overall: Counts::default(),
            occasion: occasion
                .map(|o| o.trim().to_lowercase())
                .filter(|o| !o.is_empty()),
        },
    )))
}

/// An attached swipe table: its qualified name, direction and time expressions.
type SwipeTable = (String, String, String);

thread_local! {
    /// The attached swipe tables as last read, and the catalog generation they were read in.
    static SWIPE_TABLE_COPY: RefCell<Option<(u64, Rc<[SwipeTable]>)>> = const { RefCell::new(None) };
}

/// The attached swipe tables (recommend/swipe_tables.sql), read once per connection
/// while the catalogs stay the same ([`crate::cache::catalog_generation`]: attaching or
/// detaching a table, any change of its triggers or columns, a renamed schema or type
/// all start a new one). The caller took pending invalidations first
/// (crate::copies::begin).
fn swipe_tables(client: &SpiClient<'_>) -> Result<Rc<[SwipeTable]>, pgrx::spi::Error> {
    let gen = crate::cache::catalog_generation();
    if let Some(t) = SWIPE_TABLE_COPY.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(g, _)| *g == gen)
            .map(|(_, t)| t.clone())
    }) {
        return Ok(t);
    }
    let tables_stmt = plan(client, &SWIPE_TABLES);
    let tables: Vec<SwipeTable> = client
        .select(&*tables_stmt, None, &[])?
        .map(|r| {
            Ok((
                r.text(1)?.unwrap_or_default(),
                r.text(2)?.unwrap_or_default(),
                r.text(3)?.unwrap_or_default(),
            ))
        })
        .collect::<Result<_, pgrx::spi::Error>>()?;
    let tables: Rc<[SwipeTable]> = tables.into();
    // kept only when no invalidation arrived while reading
    if crate::cache::catalog_generation() == gen {
        SWIPE_TABLE_COPY.with(|c| *c.borrow_mut() = Some((gen, tables.clone())));
    }
    Ok(tables)
}

/// The user's swipes in every attached swipe table: swiped products and like counts.
fn load_swipes(
    client: &SpiClient<'_>,
    user: Uuid,
    person: &mut Person,
) -> Result<(HashSet<Key>, Vec<super::rows::SwipeRow>), pgrx::spi::Error> {
    let mut swiped = HashSet::new();
    let mut rows = Vec::new();
    let tables = swipe_tables(client)?;
    let mut outcomes: Vec<(Option<Uuid>, f64)> = Vec::new();
    for (table, dir, ts) in tables.iter() {
        let stmt = filled(
            client,
            &SWIPES,
            &[("table", table), ("direction", dir), ("created_at", ts)],
        );
        for r in client.select(&*stmt, None, &[user.into()])? {
            let direction = learning::parse_direction(r.text(2)?.as_deref());
            let product = r.get::<Uuid>(1)?;
            if let Some(p) = product {
                swiped.insert(*p.as_bytes());
                rows.push(super::rows::SwipeRow {
                    product: p,
                    direction,
                    ts: r.get::<f64>(3)?.filter(|x| x.is_finite()).unwrap_or(0.0),
                    seq: rows.len(),
                });
            }
            if let Some(y) = direction.outcome() {
                outcomes.push((product, y));
            }
        }
    }
    // likes and dislikes overall and by the product's category (products without a
    // vector count overall only); the categories come from the per-connection copies
    let ids: Vec<Uuid> = outcomes.iter().filter_map(|(p, _)| *p).collect();
    let products = crate::copies::product_rows(client, &ids);
    for (p, y) in outcomes {
        let add = |c: &mut Counts| {
            if y >= 0.5 {
                c.likes += 1.0;
            } else {
                c.dislikes += 1.0;
            }
        };
        add(&mut person.overall);
        if let Some(row) = p.and_then(|p| products.get(p.as_bytes())) {
            add(person
                .by_category
                .entry(row.category.trim().to_lowercase())
                .or_default());
        }
    }
    Ok((swiped, rows))
}

/// What personality_recommend knows about the person before ranking.
pub(crate) struct Loaded {
    pub(crate) profile_id: Uuid,
    pub(crate) person: Person,
    pub(crate) swiped: HashSet<Key>,
    pub(crate) swipes: Vec<super::rows::SwipeRow>,
    pub(crate) avoided: Vec<Option<String>>,
}

/// The person (P0002 without a profile), their gift mappings and their swipes.
pub(crate) fn load(client: &SpiClient<'_>, user: Uuid, occasion: Option<&str>) -> Loaded {
    let Some((profile_id, mut person)) = or_raise(load_person(client, user, occasion)) else {
        raise(
            Error::new(
                SqlState::NoDataFound,
                format!("user {user} has no personality profile"),
            )
            .with_hint("Take the quiz first: SELECT * FROM personality_assess(user_id, answers);"),
        )
    };
    super::phases::done("person");
    let (swiped, swipes) = or_raise(load_swipes(client, user, &mut person));
    super::phases::done("swipes");
    let avoided = person.avoided_categories().into_iter().map(Some).collect();
    Loaded {
        profile_id,
        person,
        swiped,
        swipes,
        avoided,
    }
}
