//! Class 5: a lint of the installed extension's catalog entries.
//!
//! * every SECURITY DEFINER function pins a search_path that ends with pg_temp;
//! * no function that writes (volatile, SECURITY DEFINER, or a trigger) is EXECUTE-able
//!   by PUBLIC, anon or authenticated, except the allow-list below;
//! * no pinned search_path lists public or the extension's schema before pg_catalog;
//! * every pinned search_path ends with pg_temp (else pg_temp is searched FIRST for
//!   relations), and native functions that run SQL pin one;
//! * heuristic: no plpgsql/sql body names an extension relation or `_personality_`
//!   function without a schema, nor a catalog relation unqualified unless its
//!   search_path ends with pg_temp;
//! * anon has no privilege but SELECT on personality_gift_mappings and
//!   personality_quiz_questions.
use personality_adversarial::*;
use postgres::Client;

const EXT_FUNCS: &str = "SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_depend d
      ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
   WHERE d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'personality_ext')";

/// Functions that write and that users may call, with the reason.
const WRITE_ALLOW: &[(&str, &[&str], &str)] = &[
    (
        "personality_assess",
        &["authenticated"],
        "seed API: a user takes the quiz; authorizes the user id itself",
    ),
    (
        "personality_recommend",
        &["authenticated"],
        "seed API: stores the user's recommendations; authorizes the user id itself",
    ),
    (
        "personality_similar_products",
        &["authenticated"],
        "issue 14: read-only (stable) SECURITY DEFINER reader of the co-like neighbours",
    ),
    (
        "personality_sync_profile",
        &["authenticated"],
        "a user syncs their own profile; authorizes the user id itself",
    ),
    (
        "calculate_personality_product_match",
        &["PUBLIC", "anon", "authenticated"],
        "seed API: pure (immutable)",
    ),
    (
        "personality_product_traits",
        &["PUBLIC", "anon", "authenticated"],
        "seed API: read-only (stable)",
    ),
    (
        "personality_score_quiz",
        &["PUBLIC", "anon", "authenticated"],
        "seed API: read-only (stable), writes nothing",
    ),
];

struct Func {
    sig: String,
    name: String,
    secdef: bool,
    writes: bool,
    lang: String,
    config: Vec<String>,
    src: String,
    exec_public: bool,
    exec_anon: bool,
    exec_authenticated: bool,
}

fn functions(c: &mut Client) -> Vec<Func> {
    c.query(
        &format!(
            "SELECT p.oid::regprocedure::text, p.proname::text, p.prosecdef,
                    p.provolatile = 'v' OR p.prosecdef OR p.prorettype IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype),
                    l.lanname::text, coalesce(p.proconfig, '{{}}')::text[], coalesce(p.prosrc, ''),
                    coalesce((SELECT bool_or(a.grantee = 0 AND a.privilege_type = 'EXECUTE')
                                FROM pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a), false),
                    pg_catalog.has_function_privilege('anon', p.oid, 'EXECUTE'),
                    pg_catalog.has_function_privilege('authenticated', p.oid, 'EXECUTE')
               FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
              WHERE p.oid IN ({EXT_FUNCS}) ORDER BY 1"
        ),
        &[],
    )
    .expect("extension functions")
    .iter()
    .map(|r| Func {
        sig: r.get(0),
        name: r.get(1),
        secdef: r.get(2),
        writes: r.get(3),
        lang: r.get(4),
        config: r.get(5),
        src: r.get(6),
        exec_public: r.get(7),
        exec_anon: r.get(8),
        exec_authenticated: r.get(9),
    })
    .collect()
}

fn search_path(f: &Func) -> Option<Vec<String>> {
    f.config
        .iter()
        .find_map(|c| c.strip_prefix("search_path="))
        .map(|p| {
            p.split(',')
                .map(|x| x.trim().trim_matches('"').to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
}

fn scene(name: &str) -> Scene {
    Scene::new(name, Attacker::NoGrants)
}

#[test]
fn security_definer_functions_pin_search_path_ending_with_pg_temp() {
    let mut s = scene("cl_secdef_path");
    let mut f = Failures::default();
    let funcs = functions(&mut s.admin);
    assert!(
        funcs.iter().any(|x| x.secdef),
        "no SECURITY DEFINER function found: lint query broken?"
    );
    for x in funcs.iter().filter(|x| x.secdef) {
        match search_path(x) {
            None => f.push(format!(
                "{}: SECURITY DEFINER without SET search_path",
                x.sig
            )),
            Some(p) => f.check(p.last().map(String::as_str) == Some("pg_temp"), || {
                format!(
                    "{}: search_path = {} does not end with pg_temp",
                    x.sig,
                    p.join(", ")
                )
            }),
        }
    }
    f.assert_none("SECURITY DEFINER functions");
}

#[test]
fn every_pinned_search_path_ends_with_pg_temp_and_native_sql_functions_pin_one() {
    // A SET search_path without pg_temp last puts pg_temp FIRST for relations, also in
    // helpers that are not SECURITY DEFINER themselves but run inside one.
    let mut s = scene("cl_all_paths");
    let mut f = Failures::default();
    // Native (Rust) functions that run SQL through SPI.
    let spi_native = [
        "personality_product_traits",
        "personality_score_quiz",
        "_personality_assessment",
        "_personality_recommend",
        "_personality_sync_profiles",
        "update_personality_from_behavior",
        "update_personality_from_behavior_bulk",
    ];
    for x in functions(&mut s.admin) {
        match search_path(&x) {
            Some(p) => f.check(p.last().map(String::as_str) == Some("pg_temp"), || {
                format!(
                    "{}: search_path = {} does not end with pg_temp",
                    x.sig,
                    p.join(", ")
                )
            }),
            None if spi_native.contains(&x.name.as_str()) => f.push(format!(
                "{}: native function running SQL with the caller's search_path",
                x.sig
            )),
            None if x.lang == "plpgsql" || x.lang == "sql" => f.push(format!(
                "{}: {} function without SET search_path",
                x.sig, x.lang
            )),
            None => {}
        }
    }
    f.assert_none("search_path of extension functions");
}

#[test]
fn writing_functions_are_not_executable_by_public_anon_authenticated() {
    let mut s = scene("cl_exec_writes");
    let mut f = Failures::default();
    for x in functions(&mut s.admin).iter().filter(|x| x.writes) {
        let allowed: &[&str] = WRITE_ALLOW
            .iter()
            .find(|(n, _, _)| *n == x.name)
            .map(|(_, who, _)| *who)
            .unwrap_or(&[]);
        for (who, can) in [
            ("PUBLIC", x.exec_public),
            ("anon", x.exec_anon),
            ("authenticated", x.exec_authenticated),
        ] {
            f.check(!can || allowed.contains(&who), || {
                format!(
                    "{who} may EXECUTE {} (writes: volatile/definer/trigger)",
                    x.sig
                )
            });
        }
    }
    f.assert_none("writing extension functions executable beyond the allow-list");
}

#[test]
fn no_search_path_lists_public_or_the_extension_schema_before_pg_catalog() {
    let mut s = scene("cl_path_order");
    let ext_schema: String = s
        .admin
        .query_one(
            "SELECT n.nspname::text FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
              WHERE e.extname = 'personality_ext'",
            &[],
        )
        .unwrap()
        .get(0);
    let mut f = Failures::default();
    for x in functions(&mut s.admin) {
        let Some(p) = search_path(&x) else { continue };
        let cat = p.iter().position(|e| e == "pg_catalog");
        for (i, e) in p.iter().enumerate() {
            let bad = e == "public" || *e == ext_schema || e == "$user";
            f.check(!(bad && cat.is_none_or(|c| i < c)), || {
                format!(
                    "{}: search_path = {} lists {e} before pg_catalog",
                    x.sig,
                    p.join(", ")
                )
            });
        }
    }
    f.assert_none("search_path order");
}

/// The body with comments and string literals blanked out.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'-' && i + 1 < b.len() && b[i + 1] == b'-' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && i + 1 < b.len() && b[i + 1] == b'*' {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'\'' {
            i += 1;
            loop {
                if i >= b.len() {
                    break;
                }
                if b[i] == b'\'' {
                    if i + 1 < b.len() && b[i + 1] == b'\'' {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            out.push_str("''");
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Identifiers in `code` that are in `names` and not preceded by a '.'.
fn unqualified<'a>(code: &str, names: &'a [String]) -> Vec<&'a str> {
    let b = code.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    let is_id = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    while i < b.len() {
        if is_id(b[i]) && (i == 0 || !is_id(b[i - 1])) {
            let start = i;
            while i < b.len() && is_id(b[i]) {
                i += 1;
            }
            let word = &code[start..i];
            let mut j = start;
            while j > 0 && (b[j - 1] == b' ' || b[j - 1] == b'\n' || b[j - 1] == b'\t') {
                j -= 1;
            }
            let qualified = j > 0 && b[j - 1] == b'.';
            if !qualified {
                if let Some(n) = names.iter().find(|n| n.as_str() == word) {
                    if !found.contains(&n.as_str()) {
                        found.push(n.as_str());
                    }
                }
            }
        } else {
            i += 1;
        }
    }
    found
}

#[test]
fn function_bodies_qualify_extension_names() {
    let mut s = scene("cl_bodies_ext");
    let names: Vec<String> = s
        .admin
        .query(
            &("SELECT c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_depend d
                ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
              WHERE d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'personality_ext')
             UNION
             SELECT p.proname::text FROM pg_catalog.pg_proc p WHERE p.oid IN (".to_string()
                + EXT_FUNCS
                + ") AND p.proname LIKE '\\_personality\\_%'"),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(names.len() > 10, "names: {names:?}");
    let mut f = Failures::default();
    for x in functions(&mut s.admin) {
        if x.lang != "plpgsql" && x.lang != "sql" {
            continue;
        }
        let hits = unqualified(&code_only(&x.src), &names);
        f.check(hits.is_empty(), || {
            format!("{} names {} without a schema", x.sig, hits.join(", "))
        });
    }
    f.assert_none("unqualified extension names in function bodies");
}

#[test]
fn function_bodies_name_catalog_relations_only_with_pg_temp_last_or_qualified() {
    let mut s = scene("cl_bodies_catalog");
    let names: Vec<String> = s
        .admin
        .query(
            "SELECT c.relname::text FROM pg_catalog.pg_class c
              WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind IN ('r', 'v')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut f = Failures::default();
    for x in functions(&mut s.admin) {
        if x.lang != "plpgsql" && x.lang != "sql" {
            continue;
        }
        if search_path(&x).and_then(|p| p.last().cloned()).as_deref() == Some("pg_temp") {
            continue;
        }
        let hits = unqualified(&code_only(&x.src), &names);
        f.check(hits.is_empty(), || {
            format!(
                "{} names {} unqualified while pg_temp is searched first (search_path {:?})",
                x.sig,
                hits.join(", "),
                search_path(&x)
            )
        });
    }
    f.assert_none("catalog relations a temp view can shadow");
}

#[test]
fn anon_has_only_select_on_gift_mappings_and_quiz_questions() {
    let mut s = scene("cl_anon_grants");
    let rows = s
        .admin
        .query(
            "SELECT c.oid::regclass::text, c.relname::text, priv,
                    pg_catalog.has_table_privilege('anon', c.oid, priv)
                    OR (c.relkind IN ('r', 'v', 'p') AND priv IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
                        AND pg_catalog.has_any_column_privilege('anon', c.oid, priv))
               FROM pg_catalog.pg_class c JOIN pg_catalog.pg_depend d
                 ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
              CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) priv
              WHERE d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'personality_ext')
                AND c.relkind IN ('r', 'v', 'm', 'S', 'p', 'f')
              ORDER BY 1, 3",
            &[],
        )
        .expect("privileges");
    assert!(rows.len() > 20, "no extension relations found");
    let mut f = Failures::default();
    for r in rows {
        let (rel, name, priv_, has): (String, String, String, bool) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        let allowed = priv_ == "SELECT"
            && (name == "personality_gift_mappings" || name == "personality_quiz_questions");
        f.check(!has || allowed, || format!("anon has {priv_} on {rel}"));
    }
    f.assert_none("anon's privileges on extension relations");
}

/// The string literals of a Rust source file that hold SQL (SELECT, INSERT, WITH), with
/// `\` line continuations joined.
fn sql_literals(src: &str) -> Vec<String> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // skip // comments (doc comments quote SQL for people, not for the server)
        if b[i] == b'/' && i + 1 < b.len() && b[i + 1] == b'/' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if b[i] == b'\'' && i + 2 < b.len() && (b[i + 2] == b'\'' || b[i + 1] == b'\\') {
            // a char literal such as '"' or '\n'
            i += 3;
            continue;
        }
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let mut s = String::new();
        i += 1;
        while i < b.len() && b[i] != b'"' {
            if b[i] == b'\\' && i + 1 < b.len() {
                if b[i + 1] == b'\n' {
                    i += 2;
                    while i < b.len() && (b[i] == b' ' || b[i] == b'\n') {
                        i += 1;
                    }
                    s.push(' ');
                    continue;
                }
                s.push(b[i + 1] as char);
                i += 2;
                continue;
            }
            s.push(b[i] as char);
            i += 1;
        }
        i += 1;
        let up = s.to_uppercase();
        if up.contains("SELECT ") || up.contains("INSERT ") || up.starts_with("WITH ") {
            out.push(s);
        }
    }
    out
}

/// What is bare in one SQL text: operators without OPERATOR(pg_catalog.…), casts to
/// unqualified types, and built-in functions called without pg_catalog.
fn bare_sql(sql: &str) -> Vec<String> {
    let mut code = code_only(sql);
    // `col = EXCLUDED.col` of ON CONFLICT DO UPDATE SET assigns, it compares nothing
    if let Some(p) = code.find("DO UPDATE SET") {
        if !code[p..].contains(" WHERE ") {
            code.truncate(p);
        }
    }
    // `col = expr` lines of an UPDATE's SET assign, they compare nothing
    if code.trim_start().starts_with("UPDATE ") {
        code = code
            .lines()
            .map(|l| {
                let t = l.trim_start();
                match t.split_once(" = ") {
                    Some((col, rest))
                        if !col.is_empty()
                            && col.chars().all(|c| c.is_ascii_lowercase() || c == '_') =>
                    {
                        rest.to_string()
                    }
                    _ => l.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    }
    let mut found = Vec::new();
    for op in [
        " = ", " <> ", " <= ", " >= ", " < ", " > ", " || ", " - ", " + ",
    ] {
        if code.contains(op) {
            found.push(format!("operator `{}`", op.trim()));
        }
    }
    let mut rest = code.as_str();
    while let Some(p) = rest.find("::") {
        rest = &rest[p + 2..];
        if !rest.starts_with("pg_catalog.") {
            found.push(format!(
                "cast ::{}",
                rest.split(|c: char| !c.is_alphanumeric() && c != '_' && c != '[' && c != ']')
                    .next()
                    .unwrap_or("")
            ));
        }
    }
    let names: Vec<String> = [
        "now",
        "unnest",
        "round",
        "extract",
        "make_interval",
        "quote_ident",
        "textin",
        "enum_out",
        "array_position",
        "date_part",
        "pg_class",
        "pg_namespace",
        "pg_trigger",
        "array_agg",
        "count",
        "sum",
        "min",
        "max",
        "format",
        "lower",
        "btrim",
        "to_regclass",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in unqualified(&code, &names) {
        found.push(format!("`{n}` without pg_catalog."));
    }
    found
}

#[test]
fn recommend_engines_qualify_every_name_in_their_sql() {
    // Issue 11: the statements src/recommend/, src/model.rs, src/copies/ and
    // src/visibility.rs run through SPI (their files under sql/queries/recommend, model,
    // copies and visibility) name every operator,
    // type, function and catalog relation by schema (the functions pin search_path too;
    // this keeps the rule when a statement is copied elsewhere).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut f = Failures::default();
    for dir in [
        "sql/queries/recommend",
        "sql/queries/model",
        "sql/queries/copies",
        "sql/queries/visibility",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect(dir)
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        assert!(files.len() >= 2, "{dir}: query files not found: {files:?}");
        for file in files {
            let sql = std::fs::read_to_string(&file).expect("query file");
            let bare = bare_sql(&sql);
            f.check(bare.is_empty(), || {
                format!("{}: {}", file.display(), bare.join(", "))
            });
        }
    }
    // and no statement is left in the Rust files themselves
    let mut rust: Vec<std::path::PathBuf> =
        ["src/visibility.rs"].iter().map(|f| root.join(f)).collect();
    for dir in ["src/recommend", "src/copies", "src/model"] {
        rust.extend(
            std::fs::read_dir(root.join(dir))
                .expect(dir)
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "rs")),
        );
    }
    assert!(
        rust.len() >= 10,
        "Rust files of the recommend side: {rust:?}"
    );
    for path in rust {
        let file = path.display().to_string();
        let src = std::fs::read_to_string(&path).expect("a Rust file");
        for sql in sql_literals(&src) {
            let upper = sql.to_uppercase();
            f.check(
                !["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH "]
                    .iter()
                    .any(|k| upper.trim_start().starts_with(k)),
                || format!("{file}: SQL in a Rust string (move it to sql/queries/): {sql}"),
            );
        }
    }
    f.assert_none("unqualified names in the recommend engines' SQL");
}
