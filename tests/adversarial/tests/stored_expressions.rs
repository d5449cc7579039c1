//! Class 1 (install time): stored expressions bind only to trusted objects.
//!
//! A view, policy, default, CHECK constraint, index expression or trigger condition
//! resolves its functions and operators once, when it is created, with the installing
//! session's search_path (`public` first in CREATE EXTENSION ... SCHEMA public, then
//! pg_catalog). An overload planted in `public` before the install that matches the
//! call better (an exact match where pg_catalog's needs an implicit cast, or `text` for
//! an unknown literal where pg_catalog's takes `name`) is bound for good and runs with
//! the rights of whoever reads the object later: the owner inside
//! `personality_recommend`, a superuser reading `personality_health()`.
//!
//! The test derives the functions and operators the extension's stored expressions
//! use from a clean install (pg_depend for the extension's own objects, the stored
//! node trees for pg_catalog's, which are pinned and have no pg_depend rows), plants
//! in `public`, as a role that may create there, an exact copy and a variant of each
//! with every argument position swapped for each type it could have been called with
//! (its type family and `text`), then installs, and upgrades from 0.3.0, next to them.
//! Nothing of the extension may depend on a planted object, and reading every view
//! must not run planted code.
use personality_adversarial::*;
use personality_integration::{fixture, pgbin};
use postgres::Client;
use std::collections::BTreeSet;

/// The stored node trees of the extension's expressions (one text per object).
const TREES: &str = "
WITH ext AS (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'personality_ext'),
members AS (SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
             WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
               AND d.refobjid OPERATOR(pg_catalog.=) (SELECT oid FROM ext) AND d.deptype OPERATOR(pg_catalog.=) 'e'),
rels AS (SELECT m.objid FROM members m WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass)
SELECT r.ev_action::pg_catalog.text FROM pg_catalog.pg_rewrite r WHERE r.ev_class IN (SELECT objid FROM rels)
UNION ALL SELECT a.adbin::pg_catalog.text FROM pg_catalog.pg_attrdef a WHERE a.adrelid IN (SELECT objid FROM rels)
UNION ALL SELECT c.conbin::pg_catalog.text FROM pg_catalog.pg_constraint c
           WHERE c.conrelid IN (SELECT objid FROM rels) AND c.conbin IS NOT NULL
UNION ALL SELECT p.polqual::pg_catalog.text FROM pg_catalog.pg_policy p
           WHERE p.polrelid IN (SELECT objid FROM rels) AND p.polqual IS NOT NULL
UNION ALL SELECT p.polwithcheck::pg_catalog.text FROM pg_catalog.pg_policy p
           WHERE p.polrelid IN (SELECT objid FROM rels) AND p.polwithcheck IS NOT NULL
UNION ALL SELECT t.tgqual::pg_catalog.text FROM pg_catalog.pg_trigger t
           WHERE t.tgrelid IN (SELECT objid FROM rels) AND t.tgqual IS NOT NULL
UNION ALL SELECT i.indexprs::pg_catalog.text FROM pg_catalog.pg_index i
           WHERE i.indrelid IN (SELECT objid FROM rels) AND i.indexprs IS NOT NULL
UNION ALL SELECT i.indpred::pg_catalog.text FROM pg_catalog.pg_index i
           WHERE i.indrelid IN (SELECT objid FROM rels) AND i.indpred IS NOT NULL
UNION ALL SELECT p.prosqlbody::pg_catalog.text FROM pg_catalog.pg_proc p
           WHERE p.oid IN (SELECT objid FROM members) AND p.prosqlbody IS NOT NULL";

/// Functions and operators the extension's own objects (views, policies, ...) depend
/// on by pg_depend: the extension's functions (pg_catalog's are pinned, not recorded).
const DEPENDS: &str = "
WITH ext AS (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'personality_ext'),
rels AS (SELECT d.objid FROM pg_catalog.pg_depend d
          WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
            AND d.refobjid OPERATOR(pg_catalog.=) (SELECT oid FROM ext)
            AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass),
exprs AS (
  SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass AS cls, r.oid FROM pg_catalog.pg_rewrite r WHERE r.ev_class IN (SELECT objid FROM rels)
  UNION ALL SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass, a.oid FROM pg_catalog.pg_attrdef a WHERE a.adrelid IN (SELECT objid FROM rels)
  UNION ALL SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, c.oid FROM pg_catalog.pg_constraint c WHERE c.conrelid IN (SELECT objid FROM rels)
  UNION ALL SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_policy p WHERE p.polrelid IN (SELECT objid FROM rels)
  UNION ALL SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, t.oid FROM pg_catalog.pg_trigger t WHERE t.tgrelid IN (SELECT objid FROM rels))
SELECT DISTINCT CASE WHEN d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                     THEN 'funcid' ELSE 'opno' END, d.refobjid
  FROM pg_catalog.pg_depend d JOIN exprs e ON d.classid OPERATOR(pg_catalog.=) e.cls AND d.objid OPERATOR(pg_catalog.=) e.oid
 WHERE d.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_operator'::pg_catalog.regclass)
   AND d.deptype OPERATOR(pg_catalog.=) 'n'";

/// A function or operator some stored expression uses.
#[derive(Debug)]
enum Used {
    Func {
        name: String,
        schema: String,
        kind: String,
        retset: bool,
        ret: String,
        args: Vec<String>,
    },
    Op {
        name: String,
        left: Option<String>,
        right: String,
        result: String,
    },
}

/// Every function (funcid, aggfnoid) and operator (opno) the stored expressions of
/// the installed extension reference.
fn used(c: &mut Client) -> Vec<Used> {
    let mut refs: BTreeSet<(String, u32)> = BTreeSet::new();
    for r in c.query(TREES, &[]).expect("stored node trees") {
        let tree: String = r.get(0);
        let words: Vec<&str> = tree.split_whitespace().collect();
        for w in words.windows(2) {
            let kind = match w[0] {
                ":funcid" | ":aggfnoid" | ":winfnoid" => "funcid",
                ":opno" => "opno",
                _ => continue,
            };
            if let Ok(oid) = w[1].trim_end_matches(['}', ')']).parse::<u32>() {
                if oid != 0 {
                    refs.insert((kind.to_string(), oid));
                }
            }
        }
    }
    for r in c.query(DEPENDS, &[]).expect("pg_depend") {
        let kind: String = r.get(0);
        let oid: u32 = r.get(1);
        refs.insert((kind, oid));
    }
    let mut out = Vec::new();
    for (kind, oid) in refs {
        if kind == "funcid" {
            let r = c
                .query_one(
                    "SELECT p.proname::pg_catalog.text, n.nspname::pg_catalog.text, p.prokind::pg_catalog.text,
                            p.proretset, p.prorettype::pg_catalog.regtype::pg_catalog.text,
                            ARRAY(SELECT t::pg_catalog.regtype::pg_catalog.text
                                    FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i)
                       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
                      WHERE p.oid OPERATOR(pg_catalog.=) $1",
                    &[&oid],
                )
                .expect("function");
            out.push(Used::Func {
                name: r.get(0),
                schema: r.get(1),
                kind: r.get(2),
                retset: r.get(3),
                ret: r.get(4),
                args: r.get(5),
            });
        } else {
            let r = c
                .query_one(
                    "SELECT o.oprname::pg_catalog.text,
                            CASE WHEN o.oprleft OPERATOR(pg_catalog.=) 0 THEN NULL
                                 ELSE o.oprleft::pg_catalog.regtype::pg_catalog.text END,
                            o.oprright::pg_catalog.regtype::pg_catalog.text,
                            o.oprresult::pg_catalog.regtype::pg_catalog.text
                       FROM pg_catalog.pg_operator o WHERE o.oid OPERATOR(pg_catalog.=) $1",
                    &[&oid],
                )
                .expect("operator");
            out.push(Used::Op {
                name: r.get(0),
                left: r.get(1),
                right: r.get(2),
                result: r.get(3),
            });
        }
    }
    out
}

const FAMILIES: &[&[&str]] = &[
    &["text", "name", "character varying", "character"],
    &[
        "smallint",
        "integer",
        "bigint",
        "numeric",
        "real",
        "double precision",
    ],
    &[
        "timestamp with time zone",
        "timestamp without time zone",
        "date",
    ],
];

fn pseudo(t: &str) -> bool {
    t.starts_with("any")
        || matches!(
            t,
            "internal" | "record" | "trigger" | "event_trigger" | "cstring" | "void" | "\"any\""
        )
}

/// The types a call could have passed at a position declared `t`: its family, and
/// `text` (an unknown literal prefers the string category).
fn alternatives(t: &str) -> Vec<String> {
    if pseudo(t) {
        return vec![t.to_string()];
    }
    let mut alts: Vec<String> = vec![t.to_string()];
    for fam in FAMILIES {
        if fam.contains(&t) {
            alts.extend(fam.iter().map(|s| s.to_string()));
        }
    }
    alts.push("text".to_string());
    let mut seen = BTreeSet::new();
    alts.retain(|a| seen.insert(a.clone()));
    alts
}

/// The exact signature and each one-position variant.
fn variants(args: &[String]) -> Vec<Vec<String>> {
    let mut out = vec![args.to_vec()];
    for i in 0..args.len() {
        for alt in alternatives(&args[i]).into_iter().skip(1) {
            let mut v = args.to_vec();
            v[i] = alt;
            out.push(v);
        }
    }
    out
}

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Plants the overloads as the attacker; returns how many were created.
fn plant(a: &mut Client, used: &[Used]) -> (usize, Vec<String>) {
    let mut made = 0;
    let mut failed = Vec::new();
    let mut seen = BTreeSet::new();
    let mut n = 0;
    for u in used {
        match u {
            Used::Func {
                name,
                schema,
                kind,
                retset,
                ret,
                args,
            } => {
                if pseudo(ret) && ret != "void" && !args.iter().any(|a| pseudo(a)) {
                    continue;
                }
                for v in variants(args) {
                    if schema != "pg_catalog" && v == *args {
                        continue; // the extension's own function itself
                    }
                    if !seen.insert(format!("f {name}({})", v.join(","))) {
                        continue;
                    }
                    n += 1;
                    let sql = if kind == "a" {
                        if pseudo(ret) {
                            continue;
                        }
                        let sargs = std::iter::once(ret.clone())
                            .chain(v.iter().cloned())
                            .collect::<Vec<_>>()
                            .join(", ");
                        let aargs = if v.is_empty() {
                            "*".to_string()
                        } else {
                            v.join(", ")
                        };
                        format!(
                            "CREATE FUNCTION public.adv_sf_{n}({sargs}) RETURNS {ret} LANGUAGE plpgsql AS
                               $$ BEGIN PERFORM public.adv_evil(); RETURN $1; END $$;
                             CREATE AGGREGATE public.{}({aargs}) (SFUNC = public.adv_sf_{n}, STYPE = {ret});",
                            q(name)
                        )
                    } else {
                        let (rets, body) = if *retset {
                            (format!("SETOF {ret}"), "RETURN;")
                        } else if ret == "void" {
                            (ret.clone(), "RETURN;")
                        } else {
                            (ret.clone(), "RETURN NULL;")
                        };
                        format!(
                            "CREATE FUNCTION public.{}({}) RETURNS {rets} LANGUAGE plpgsql AS
                               $$ BEGIN PERFORM public.adv_evil(); {body} END $$",
                            q(name),
                            v.join(", ")
                        )
                    };
                    match a.batch_execute(&sql) {
                        Ok(()) => made += 1,
                        Err(e) => failed.push(format!("{name}({}): {e}", v.join(","))),
                    }
                }
            }
            Used::Op {
                name,
                left,
                right,
                result,
            } => {
                let args: Vec<String> = left.iter().cloned().chain([right.clone()]).collect();
                for v in variants(&args) {
                    if !seen.insert(format!("o {name}({})", v.join(","))) {
                        continue;
                    }
                    n += 1;
                    let sides = if left.is_some() {
                        format!("LEFTARG = {}, RIGHTARG = {}", v[0], v[1])
                    } else {
                        format!("RIGHTARG = {}", v[0])
                    };
                    let sql = format!(
                        "CREATE FUNCTION public.adv_op_{n}({}) RETURNS {result} LANGUAGE plpgsql AS
                           $$ BEGIN PERFORM public.adv_evil(); RETURN NULL; END $$;
                         CREATE OPERATOR public.{name} ({sides}, FUNCTION = public.adv_op_{n});",
                        v.join(", ")
                    );
                    match a.batch_execute(&sql) {
                        Ok(()) => made += 1,
                        Err(e) => failed.push(format!("operator {name}({}): {e}", v.join(","))),
                    }
                }
            }
        }
    }
    (made, failed)
}

/// What a clean install's stored expressions use.
fn clean_install_uses(db: &str) -> Vec<Used> {
    let mut c = fresh_db(db, 20, 2, false);
    c.batch_execute("CREATE EXTENSION personality_ext SCHEMA public")
        .expect("clean install");
    let u = used(&mut c);
    drop(c);
    drop_db(db);
    u
}

/// Reads every view of the extension and its health report as a superuser would.
fn read_everything(c: &mut Client) {
    let views: Vec<String> = c
        .query(
            "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
               FROM pg_catalog.pg_depend d
               JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.objid
               JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
              WHERE d.refobjid OPERATOR(pg_catalog.=) (SELECT e.oid FROM pg_catalog.pg_extension e
                                                         WHERE e.extname OPERATOR(pg_catalog.=) 'personality_ext')
                AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                AND c.relkind OPERATOR(pg_catalog.=) 'v'",
            &[],
        )
        .expect("views")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(views.len() >= 4, "too few views: {views:?}");
    for v in views {
        let r = c.batch_execute(&format!("SELECT * FROM {v}"));
        eprintln!("SELECT * FROM {v}: {}", sqlstate(&r));
    }
    for f in [
        "SELECT * FROM public.personality_health()",
        "SELECT * FROM public.personality_host_status()",
    ] {
        let r = c.batch_execute(f);
        eprintln!("{f}: {}", sqlstate(&r));
    }
}

/// Plants next to an empty database; the harness's own connection then searches
/// pg_catalog only, so that its queries never bind to what was planted.
fn planted_scene(name: &str, uses: &[Used]) -> (Scene, usize) {
    let mut s = Scene::without_extension(name, Attacker::PublicCreator);
    s.admin
        .batch_execute("SET search_path = pg_catalog")
        .expect("search_path");
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil"))
        .expect("plant adv_evil");
    let (made, failed) = plant(&mut a, uses);
    eprintln!(
        "planted {made} overloads; {} could not be created: {failed:#?}",
        failed.len()
    );
    (s, made)
}

#[test]
fn install_next_to_planted_overloads_binds_only_to_pg_catalog() {
    let uses = clean_install_uses("adv_se_clean_install");
    assert!(
        uses.len() >= 20,
        "the stored expressions use too few functions and operators to be a test: {uses:?}"
    );
    let (mut s, made) = planted_scene("se_install", &uses);
    assert!(made >= 100, "only {made} overloads planted");
    let r = s
        .admin
        .batch_execute("CREATE EXTENSION personality_ext SCHEMA public");
    assert!(r.is_ok(), "install next to the planted overloads: {r:?}");
    s.assert_not_escalated("planted overloads ran as superuser during CREATE EXTENSION");
    let bound = s.dependencies_on_attacker();
    assert!(
        bound.is_empty(),
        "ATTACK SUCCEEDED: stored expressions of the extension bound to overloads planted in public: {bound:#?}"
    );
    let mut admin = std::mem::replace(&mut s.admin, connect(&s.db.clone(), "postgres"));
    admin
        .batch_execute("SET search_path = pg_catalog")
        .expect("search_path");
    read_everything(&mut admin);
    s.admin = admin;
    s.assert_not_escalated("reading the extension's views ran planted overloads as superuser");
}

#[test]
fn upgrade_from_0_3_0_rebinds_what_0_3_0_bound_to_planted_overloads() {
    // 0.3.0 installed next to the planted overloads binds some of its views to them
    // (the hole this release closes); ALTER EXTENSION UPDATE must leave nothing bound.
    let mut probe = connect("postgres", "postgres");
    let available: bool = probe
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extension_versions
                             WHERE name = 'personality_ext' AND version = '0.3.0')",
            &[],
        )
        .expect("versions")
        .get(0);
    if !available {
        // the integration tests write the recorded 0.3.0 script (tests/fixtures)
        install_recorded("0.3.0");
    }
    let uses = clean_install_uses("adv_se_clean_upgrade");
    let (mut s, made) = planted_scene("se_upgrade", &uses);
    assert!(made >= 100, "only {made} overloads planted");
    s.admin
        .batch_execute("CREATE EXTENSION personality_ext VERSION '0.3.0' SCHEMA public")
        .expect("install 0.3.0 next to the planted overloads");
    let before = s.dependencies_on_attacker();
    eprintln!("0.3.0 bound to planted overloads: {before:#?}");
    // What 0.3.0's install ran is 0.3.0's hole, not this release's: start clean.
    s.admin
        .batch_execute(&format!(
            "ALTER ROLE {} NOSUPERUSER; DELETE FROM adv_marker.log; SELECT pg_catalog.setval('adv_marker.hits', 1, false);",
            s.role
        ))
        .expect("reset markers");
    s.admin
        .batch_execute("ALTER EXTENSION personality_ext UPDATE")
        .expect("ALTER EXTENSION personality_ext UPDATE");
    let bound = s.dependencies_on_attacker();
    assert!(
        bound.is_empty(),
        "ATTACK SUCCEEDED: after ALTER EXTENSION UPDATE, stored expressions still bind to overloads planted in public: {bound:#?}"
    );
    s.assert_not_escalated("planted overloads ran as superuser during ALTER EXTENSION UPDATE");
    let mut admin = std::mem::replace(&mut s.admin, connect(&s.db.clone(), "postgres"));
    admin
        .batch_execute("SET search_path = pg_catalog")
        .expect("search_path");
    read_everything(&mut admin);
    s.admin = admin;
    s.assert_not_escalated(
        "reading the upgraded extension's views ran planted overloads as superuser",
    );
}

/// Writes a recorded release script (tests/fixtures) into the extension directory.
fn install_recorded(version: &str) {
    let out = std::process::Command::new(format!("{}/pg_config", pgbin()))
        .arg("--sharedir")
        .output()
        .expect("pg_config --sharedir");
    let dir = format!("{}/extension", String::from_utf8_lossy(&out.stdout).trim());
    let path = format!("{dir}/personality_ext--{version}.sql");
    if !std::path::Path::new(&path).exists() {
        std::fs::write(&path, fixture(&format!("personality_ext--{version}.sql")))
            .expect("writing a recorded script into the extension directory");
    }
}

/// Every pg_catalog function whose name the install's SQL files call (`name(`), and
/// every pg_catalog operator with a name they use, as [`Used`] (polymorphic ones
/// left out: no variant of them can be planted).
fn called_by_the_install_sql(c: &mut Client) -> Vec<Used> {
    called_by(c, |file| !file.starts_with("personality_ext--"))
}

/// [`called_by_the_install_sql`] for the SQL files `pick` accepts.
fn called_by(c: &mut Client, pick: impl Fn(&str) -> bool) -> Vec<Used> {
    let mut names = BTreeSet::new();
    let dir = personality_integration::root().join("sql");
    for e in std::fs::read_dir(&dir).expect("sql/") {
        let path = e.expect("entry").path();
        let file = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if !file.ends_with(".sql") || !pick(&file) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read sql file");
        let b = text.as_bytes();
        for (i, ch) in b.iter().enumerate() {
            if *ch != b'(' {
                continue;
            }
            let mut j = i;
            while j > 0 && b[j - 1] == b' ' {
                j -= 1;
            }
            let end = j;
            while j > 0
                && (b[j - 1].is_ascii_lowercase() || b[j - 1] == b'_' || b[j - 1].is_ascii_digit())
            {
                j -= 1;
            }
            if end > j {
                names.insert(text[j..end].to_string());
            }
        }
    }
    let names: Vec<String> = names.into_iter().collect();
    let mut out = Vec::new();
    for r in c
        .query(
            "SELECT p.proname::pg_catalog.text, p.prokind::pg_catalog.text, p.proretset,
                    p.prorettype::pg_catalog.regtype::pg_catalog.text,
                    ARRAY(SELECT t::pg_catalog.regtype::pg_catalog.text
                            FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i)
               FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                AND p.proname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[]::pg_catalog.name[])
                AND p.prokind OPERATOR(pg_catalog.=) ANY ('{f,a}'::pg_catalog.\"char\"[])
                AND p.provariadic OPERATOR(pg_catalog.=) 0
                AND p.pronargs OPERATOR(pg_catalog.<=) 3",
            &[&names],
        )
        .expect("functions named in the install SQL")
    {
        out.push(Used::Func {
            name: r.get(0),
            schema: "pg_catalog".into(),
            kind: r.get(1),
            retset: r.get(2),
            ret: r.get(3),
            args: r.get(4),
        });
    }
    // Variadic ones ("any"): the fixed-arity overload a call would prefer, e.g.
    // public.format(text, regprocedure) against pg_catalog.format(text, VARIADIC "any").
    for r in c
        .query(
            "SELECT DISTINCT p.proname::pg_catalog.text, p.prorettype::pg_catalog.regtype::pg_catalog.text
               FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                AND p.proname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[]::pg_catalog.name[])
                AND p.provariadic OPERATOR(pg_catalog.<>) 0",
            &[&names],
        )
        .expect("variadic functions named in the install SQL")
    {
        let (name, ret): (String, String) = (r.get(0), r.get(1));
        if pseudo(&ret) {
            continue;
        }
        for t in [
            "text", "regprocedure", "regclass", "name", "oid", "integer", "bigint", "uuid",
            "numeric", "jsonb", "boolean", "double precision",
        ] {
            for args in [vec!["text", t], vec!["text", t, t], vec![t, t]] {
                out.push(Used::Func {
                    name: name.clone(),
                    schema: "pg_catalog".into(),
                    kind: "f".into(),
                    retset: false,
                    ret: ret.clone(),
                    args: args.iter().map(|a| a.to_string()).collect(),
                });
            }
        }
    }
    for r in c
        .query(
            "SELECT o.oprname::pg_catalog.text,
                    CASE WHEN o.oprleft OPERATOR(pg_catalog.=) 0 THEN NULL
                         ELSE o.oprleft::pg_catalog.regtype::pg_catalog.text END,
                    o.oprright::pg_catalog.regtype::pg_catalog.text,
                    o.oprresult::pg_catalog.regtype::pg_catalog.text
               FROM pg_catalog.pg_operator o
              WHERE o.oprnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                AND o.oprname OPERATOR(pg_catalog.=) ANY ('{=,<>,<,>,<=,>=,||,&,+,-,*,/,~~,->,->>,@>,?}'::pg_catalog.name[])
                AND o.oprleft::pg_catalog.regtype::pg_catalog.text OPERATOR(pg_catalog.=) ANY
                    ('{-,text,name,\"character varying\",integer,bigint,smallint,numeric,\"double precision\",real,oid,regclass,regprocedure,boolean,jsonb,uuid,\"timestamp with time zone\",\"text[]\",\"\\\"char\\\"\"}'::pg_catalog.text[])",
            &[],
        )
        .expect("operators")
    {
        let right: String = r.get(2);
        let result: String = r.get(3);
        let left: Option<String> = r.get(1);
        if pseudo(&right) || pseudo(&result) || left.as_deref().is_some_and(pseudo) {
            continue;
        }
        out.push(Used::Op {
            name: r.get(0),
            left,
            right,
            result,
        });
    }
    out
}

#[test]
fn install_next_to_overloads_of_everything_the_install_calls() {
    // Statements CREATE EXTENSION runs as the superuser outside a function with a fixed
    // search path (DO blocks, seed data, index and view definitions) resolve names with
    // public searched: none may run an overload planted there.
    let mut probe = fresh_db("adv_se_probe_calls", 0, 0, false);
    let mut uses = called_by_the_install_sql(&mut probe);
    drop(probe);
    drop_db("adv_se_probe_calls");
    uses.extend(clean_install_uses("adv_se_clean_calls"));
    let (mut s, made) = planted_scene("se_calls", &uses);
    assert!(made >= 500, "only {made} overloads planted");
    let r = s
        .admin
        .batch_execute("CREATE EXTENSION personality_ext SCHEMA public");
    s.assert_not_escalated(&format!(
        "overloads planted in public ran as superuser during CREATE EXTENSION (install: {})",
        sqlstate(&r)
    ));
    assert!(r.is_ok(), "install next to the planted overloads: {r:?}");
    let bound = s.dependencies_on_attacker();
    assert!(
        bound.is_empty(),
        "ATTACK SUCCEEDED: the install bound extension objects to planted overloads: {bound:#?}"
    );
    // The usual work afterwards (quiz, swipes, recommendations, the refresh, health)
    // runs under fixed search paths: planted code must not run either.
    let mut admin = std::mem::replace(&mut s.admin, connect(&s.db.clone(), "postgres"));
    admin
        .batch_execute("SET search_path = pg_catalog")
        .expect("search_path");
    read_everything(&mut admin);
    s.admin = admin;
    s.assert_not_escalated("planted overloads ran as superuser when the views were read");
}

#[test]
fn upgrade_next_to_overloads_of_everything_the_upgrade_calls() {
    // A clean 0.3.0; then the overloads are planted and ALTER EXTENSION UPDATE runs the
    // upgrade script as a superuser with public on the search path.
    install_recorded("0.3.0");
    let mut probe = fresh_db("adv_se_probe_upgrade", 0, 0, false);
    let uses = called_by(&mut probe, |f| {
        f.ends_with("--0.4.0.sql") || !f.starts_with("personality_ext--")
    });
    drop(probe);
    drop_db("adv_se_probe_upgrade");
    let mut s = Scene::without_extension("se_upgrade_calls", Attacker::PublicCreator);
    s.admin
        .batch_execute("SET search_path = pg_catalog; CREATE EXTENSION personality_ext VERSION '0.3.0' SCHEMA public")
        .expect("a clean 0.3.0");
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil"))
        .expect("plant adv_evil");
    let (made, failed) = plant(&mut a, &uses);
    eprintln!(
        "planted {made} overloads; {} could not be created",
        failed.len()
    );
    assert!(made >= 500, "only {made} overloads planted");
    let r = s
        .admin
        .batch_execute("ALTER EXTENSION personality_ext UPDATE");
    s.assert_not_escalated(&format!(
        "overloads planted in public ran as superuser during ALTER EXTENSION UPDATE ({})",
        sqlstate(&r)
    ));
    assert!(r.is_ok(), "upgrade next to the planted overloads: {r:?}");
    let bound = s.dependencies_on_attacker();
    assert!(
        bound.is_empty(),
        "ATTACK SUCCEEDED: the upgrade bound extension objects to planted overloads: {bound:#?}"
    );
}
