//! The zh-CN and en strings live in `locales/zh-CN.yml` and `locales/en.yml`, rust-i18n's
//! one-file-per-locale format (`_version: 1`, the file name is the locale). This test fails when a
//! key is in one file and not the other, or when a key the code or the templates use is missing.
//!
//! Nothing is compiled: the string literals of `src/**/*.rs` (comments skipped) and of the
//! `{{ … }}` / `{% … %}` blocks of `templates/**` are read, and these count as keys used:
//! - the first argument of `.t(…)` or `t!(…)`: `ctx.t("nav.home")`, `t!("x.y", locale = …)`;
//! - any other literal shaped like a key (`"home.link.report"`) whose first part is a namespace of
//!   the locale files (`home`), unless it names a file under `templates/` (`"home.html"`);
//! - each word of a `word_enum!` whose vocabulary has labels (`Role` → `Role.butler`, …).
//!
//! Keys built at run time are checked loosely: the prefix of a `format!("matter.{…}")` and the
//! vocabulary of a `label("Role", …)` must each begin at least one key.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The locale files, in `locales/`.
const LOCALE_FILES: [&str; 2] = ["zh-CN.yml", "en.yml"];

type Strings = BTreeMap<String, String>;

/// One locale file: `_version: 1` first, then one `"key": "text"` a line (double-quoted, with
/// JSON's escapes such as `\"`, `\\` and `\n`), blank lines and `#` comments.
fn parse_locale(name: &str, text: &str) -> Result<Strings, Vec<String>> {
    let mut strings = Strings::new();
    let mut errors = Vec::new();
    let mut header = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !header {
            header = true;
            if line.trim_end() == "_version: 1" {
                continue;
            }
            errors.push(format!(
                "{name}:{n}: the file must start with `_version: 1` (rust-i18n's one-file-per-locale format)"
            ));
        }
        let entry = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&format!(
            "{{{line}}}"
        ));
        match entry {
            Ok(map) if map.len() == 1 => {
                for (key, value) in map {
                    match value {
                        serde_json::Value::String(s) => {
                            if strings.insert(key.clone(), s).is_some() {
                                errors.push(format!("{name}:{n}: `{key}` is there twice"));
                            }
                        }
                        _ => errors.push(format!("{name}:{n}: the text of `{key}` is not a string")),
                    }
                }
            }
            _ => errors.push(format!(
                "{name}:{n}: write each entry on one line as \"key\": \"text\" (double quotes, escapes as in JSON): {line}"
            )),
        }
    }
    if !header {
        errors.push(format!("{name}: empty; it must start with `_version: 1`"));
    }
    if errors.is_empty() {
        Ok(strings)
    } else {
        Err(errors)
    }
}

/// A string literal: the offset where it starts (its opening quote, or the `r` of a raw string)
/// and what is between its quotes, escapes as written.
struct Lit {
    start: usize,
    text: String,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The offset of the quote that ends a string whose text starts at `from` (or the end).
fn string_end(b: &[u8], from: usize) -> usize {
    let mut j = from;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return j,
            _ => j += 1,
        }
    }
    b.len()
}

/// Rust source with its comments blanked out (offsets kept), and its string literals.
fn rust_literals(src: &str) -> (Vec<u8>, Vec<Lit>) {
    let b = src.as_bytes();
    let mut code = b.to_vec();
    let mut lits = Vec::new();
    let blank = |code: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut code[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == b'/' && next == Some(b'/') {
            let end = b[i..]
                .iter()
                .position(|&x| x == b'\n')
                .map_or(b.len(), |p| i + p);
            blank(&mut code, i, end);
            i = end;
        } else if c == b'/' && next == Some(b'*') {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                    depth += 1;
                    j += 2;
                } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            let end = j.min(b.len());
            blank(&mut code, i, end);
            i = end;
        } else if c == b'"' {
            let end = string_end(b, i + 1);
            lits.push(Lit {
                start: i,
                text: src[i + 1..end].to_string(),
            });
            i = end + 1;
        } else if (c == b'r' || (c == b'b' && next == Some(b'r')))
            && (i == 0 || !is_ident(b[i - 1]))
        {
            // Maybe a raw string: r"…", r#"…"#, br"…".
            let mut j = if c == b'b' { i + 2 } else { i + 1 };
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) == Some(&b'"') {
                let body = j + 1;
                let mut k = body;
                while k < b.len()
                    && !(b[k] == b'"'
                        && b.len() >= k + 1 + hashes
                        && b[k + 1..k + 1 + hashes].iter().all(|&x| x == b'#'))
                {
                    k += 1;
                }
                let end = k.min(b.len());
                lits.push(Lit {
                    start: i,
                    text: src[body..end].to_string(),
                });
                i = end + 1 + hashes;
            } else {
                i += 1;
            }
        } else if c == b'\'' {
            if next == Some(b'\\') {
                // '\n', '\'', '\u{…}'
                let mut j = i + 3;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                i = j + 1;
            } else {
                // 'x' is a character; 'a in <'a> is a lifetime.
                let width = src[i + 1..].chars().next().map_or(0, |ch| ch.len_utf8());
                if width > 0 && b.get(i + 1 + width) == Some(&b'\'') {
                    i += 2 + width;
                } else {
                    i += 1;
                }
            }
        } else {
            i += 1;
        }
    }
    (code, lits)
}

/// The string literals inside the `{{ … }}` and `{% … %}` blocks of an Askama template.
fn template_literals(src: &str) -> Vec<Lit> {
    let b = src.as_bytes();
    let mut lits = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        let close: &[u8] = match (b[i], b[i + 1]) {
            (b'{', b'{') => b"}}",
            (b'{', b'%') => b"%}",
            (b'{', b'#') => b"#}",
            _ => {
                i += 1;
                continue;
            }
        };
        let comment = b[i + 1] == b'#';
        let mut j = i + 2;
        while j < b.len() && !b[j..].starts_with(close) {
            if b[j] == b'"' && !comment {
                let end = string_end(b, j + 1);
                lits.push(Lit {
                    start: j,
                    text: src[j + 1..end].to_string(),
                });
                j = end + 1;
            } else {
                j += 1;
            }
        }
        i = j + close.len();
    }
    lits
}

fn trim_end_ws(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    &s[..n]
}

/// Whether `before` ends with `name(` and optional whitespace, `name` not the tail of a longer
/// identifier (`format!(` does not end in `t!(`).
fn ends_with_call(before: &[u8], name: &[u8]) -> bool {
    match trim_end_ws(before)
        .strip_suffix(b"(")
        .and_then(|s| s.strip_suffix(name))
    {
        Some(rest) => name.first() == Some(&b'.') || rest.last().is_none_or(|&c| !is_ident(c)),
        None => false,
    }
}

/// `(?:\.t|(?<![A-Za-z0-9_])t!)\(\s*&?\s*` right before the literal.
fn is_t_argument(before: &[u8]) -> bool {
    let s = trim_end_ws(before);
    let s = s.strip_suffix(b"&").unwrap_or(s);
    ends_with_call(s, b".t") || ends_with_call(s, b"t!")
}

/// `[A-Za-z][A-Za-z0-9_]*` parts joined by dots, at least `min_parts` of them.
fn is_key_path(s: &str, min_parts: usize) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() >= min_parts
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(is_ident))
}

/// Everything found in the sources.
#[derive(Default)]
struct Uses {
    /// Key → files that use it.
    keys: BTreeMap<String, BTreeSet<String>>,
    /// `matter.` of `format!("matter.{m}")` → files.
    prefixes: BTreeMap<String, BTreeSet<String>>,
    /// `Role` of `label("Role", …)` → files.
    vocabularies: BTreeMap<String, BTreeSet<String>>,
    /// (file, enum name, words) of each `word_enum!`.
    word_enums: Vec<(String, String, Vec<String>)>,
}

fn note(map: &mut BTreeMap<String, BTreeSet<String>>, what: &str, file: &str) {
    map.entry(what.to_string())
        .or_default()
        .insert(file.to_string());
}

fn scan(
    file: &str,
    code: &[u8],
    lits: &[Lit],
    namespaces: &BTreeSet<&str>,
    template_files: &BTreeSet<&str>,
    uses: &mut Uses,
) {
    for lit in lits {
        let before = &code[..lit.start];
        let text = lit.text.as_str();
        let key_shaped = is_key_path(text, 2)
            && namespaces.contains(text.split('.').next().unwrap_or(""))
            && !template_files.contains(text);
        if is_t_argument(before) || key_shaped {
            note(&mut uses.keys, text, file);
        }
        if ends_with_call(before, b"label") {
            note(&mut uses.vocabularies, text, file);
        }
        if ends_with_call(before, b"format!")
            && let Some(brace) = text.find('{')
            && let Some(path) = text[..brace].strip_suffix('.')
            && is_key_path(path, 1)
        {
            note(&mut uses.prefixes, &text[..brace], file);
        }
    }
}

/// `word_enum!( Name { A = "a", B = "b" } )` in comment-blanked Rust code.
fn word_enums(file: &str, code: &[u8], lits: &[Lit], uses: &mut Uses) {
    let needle = b"word_enum!(";
    let mut from = 0;
    while let Some(p) = code[from..].windows(needle.len()).position(|w| w == needle) {
        let p = from + p;
        from = p + needle.len();
        if p > 0 && is_ident(code[p - 1]) {
            continue;
        }
        let mut j = from;
        loop {
            while j < code.len() && code[j].is_ascii_whitespace() {
                j += 1;
            }
            if code.get(j) == Some(&b'#') {
                while j < code.len() && code[j] != b']' {
                    j += 1;
                }
                j += 1;
            } else {
                break;
            }
        }
        let name_start = j.min(code.len());
        let mut j = name_start;
        while j < code.len() && is_ident(code[j]) {
            j += 1;
        }
        let name = String::from_utf8_lossy(&code[name_start..j]).to_string();
        while j < code.len() && code[j].is_ascii_whitespace() {
            j += 1;
        }
        if name.is_empty() || code.get(j) != Some(&b'{') {
            continue;
        }
        let Some(close) = code[j..].iter().position(|&c| c == b'}').map(|q| j + q) else {
            continue;
        };
        let words: Vec<String> = lits
            .iter()
            .filter(|l| l.start > j && l.start < close)
            .filter(|l| trim_end_ws(&code[..l.start]).ends_with(b"="))
            .map(|l| l.text.clone())
            .collect();
        uses.word_enums.push((file.to_string(), name, words));
    }
}

/// What is wrong with `locales` (file name, strings) given `sources` (path from the project
/// root, text): `.rs` files are Rust, files under `templates/` are Askama templates. Also gives
/// how many keys the sources use.
fn check(locales: &[(&str, &Strings)], sources: &[(String, String)]) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    for (a, sa) in locales {
        for (b, sb) in locales {
            for key in sa.keys().filter(|k| a != b && !sb.contains_key(*k)) {
                problems.push(format!("`{key}` is in {a} but not in {b}"));
            }
        }
    }
    let all: BTreeSet<&str> = locales
        .iter()
        .flat_map(|(_, s)| s.keys())
        .map(|k| k.as_str())
        .collect();
    let namespaces: BTreeSet<&str> = all
        .iter()
        .filter_map(|k| k.split_once('.'))
        .map(|(ns, _)| ns)
        .collect();
    let template_files: BTreeSet<&str> = sources
        .iter()
        .filter_map(|(p, _)| p.strip_prefix("templates/"))
        .collect();
    let mut uses = Uses::default();
    for (file, text) in sources {
        if file.ends_with(".rs") {
            let (code, lits) = rust_literals(text);
            scan(file, &code, &lits, &namespaces, &template_files, &mut uses);
            word_enums(file, &code, &lits, &mut uses);
        } else if file.starts_with("templates/") {
            let lits = template_literals(text);
            scan(
                file,
                text.as_bytes(),
                &lits,
                &namespaces,
                &template_files,
                &mut uses,
            );
        }
    }
    let has_prefix = |p: &str| all.iter().any(|k| k.starts_with(p));
    // A vocabulary with labels has a label for every word.
    for (file, name, words) in &uses.word_enums {
        let vocabulary = format!("{name}.");
        if has_prefix(&vocabulary) || uses.vocabularies.contains_key(name) {
            for w in words {
                note(&mut uses.keys, &format!("{vocabulary}{w}"), file);
            }
        }
    }
    for (key, files) in &uses.keys {
        let missing: Vec<&str> = locales
            .iter()
            .filter(|(_, s)| !s.contains_key(key))
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            let files: Vec<&str> = files.iter().map(|f| f.as_str()).collect();
            problems.push(format!(
                "`{key}` (used in {}) is missing from {}",
                files.join(", "),
                missing.join(" and ")
            ));
        }
    }
    for (prefix, files) in &uses.prefixes {
        if !has_prefix(prefix) {
            let files: Vec<&str> = files.iter().map(|f| f.as_str()).collect();
            problems.push(format!(
                "no key starts with `{prefix}` (format!(\"{prefix}{{…}}\") in {})",
                files.join(", ")
            ));
        }
    }
    for (vocabulary, files) in &uses.vocabularies {
        if !has_prefix(&format!("{vocabulary}.")) {
            let files: Vec<&str> = files.iter().map(|f| f.as_str()).collect();
            problems.push(format!(
                "no key starts with `{vocabulary}.` (label(\"{vocabulary}\", …) in {})",
                files.join(", ")
            ));
        }
    }
    (problems, uses.keys.len())
}

/// Every file under `dir` (relative to `root`) whose name ends with `ext`, as (path with `/`, text).
fn read_tree(root: &Path, dir: &str, ext: &str, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = fs::read_dir(root.join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 file name");
        let rel = format!("{dir}/{name}");
        if path.is_dir() {
            read_tree(root, &rel, ext, out);
        } else if name.ends_with(ext) {
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
            out.push((rel, text));
        }
    }
}

#[test]
fn locale_files_have_the_same_keys_and_every_key_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    for entry in fs::read_dir(root.join("locales")).expect("locales/") {
        let name = entry
            .expect("a directory entry")
            .file_name()
            .to_string_lossy()
            .to_string();
        if !LOCALE_FILES.contains(&name.as_str()) {
            problems.push(format!(
                "locales/{name}: rust-i18n would load it too; the strings belong in {}",
                LOCALE_FILES.join(" and ")
            ));
        }
    }
    let mut parsed = Vec::new();
    for name in LOCALE_FILES {
        let text = fs::read_to_string(root.join("locales").join(name))
            .unwrap_or_else(|e| panic!("locales/{name}: {e}"));
        match parse_locale(name, &text) {
            Ok(strings) => parsed.push((name, strings)),
            Err(errors) => problems.extend(errors),
        }
    }
    assert!(problems.is_empty(), "locales/:\n{}", problems.join("\n"));

    let mut sources = Vec::new();
    read_tree(root, "src", ".rs", &mut sources);
    read_tree(root, "templates", "", &mut sources);
    let locales: Vec<(&str, &Strings)> = parsed.iter().map(|(n, s)| (*n, s)).collect();
    let (problems, used) = check(&locales, &sources);
    assert!(
        problems.is_empty(),
        "{} problem(s) with locales/{}:\n{}",
        problems.len(),
        LOCALE_FILES.join(", locales/"),
        problems.join("\n")
    );
    assert!(
        used > 100,
        "only {used} keys found in src/ and templates/: is the scan broken?"
    );
}

#[test]
fn the_checker_finds_what_is_missing() {
    fn strings(pairs: &[(&str, &str)]) -> Strings {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
    let zh = strings(&[
        ("nav.home", "首页"),
        ("home.link.report", "报告"),
        ("Role.butler", "红管家"),
        ("matter.fees", "收费"),
        ("zh.only", "只有中文"),
    ]);
    let en = strings(&[
        ("nav.home", "Home"),
        ("home.link.report", "Report"),
        ("Role.butler", "Red Butler"),
        ("matter.fees", "Fees"),
    ]);
    let rust = r##"
// ctx.t("in.a.comment") is not a use, nor /* t!("nav.commented") */ this.
#[derive(Template)]
#[template(path = "home.html")]
struct Home;
fn page(ctx: &Ctx, m: &str) -> String {
    let quote = '"';
    let a = ctx.t("nav.home");
    let b = rust_i18n::t!("nav.missing", locale = "en");
    let links = [("/cases/new", "home.link.report"), ("/gone", "home.link.gone")];
    let c = ctx.t(&format!("matter.{m}"));
    let d = ctx.t(&format!("nothing.{}", m));
    let raw = r#"ctx.t("nav.raw")"#;
    format!("{a}{b}{c}{d}{quote}{raw}")
}
word_enum!(
    /// Who does what { in a comment }.
    Role { Butler = "butler", Resident = "resident" }
);
word_enum!(
    /// Not shown to anyone: no labels needed.
    Hidden { One = "one" }
);
"##;
    let html = r#"{% extends "base.html" %}
<a href="/" title="{{ ctx.t("nav.home") }}">{{ ctx.t("nav.template_only") }}</a>
{# ctx.t("nav.in_template_comment") #}
<p>{{ ctx.label("Nope", w) }} {{ ctx.label("Role", r) }}</p>"#;
    let sources = vec![
        ("src/page.rs".to_string(), rust.to_string()),
        ("templates/home.html".to_string(), html.to_string()),
    ];
    let (problems, _) = check(&[("zh-CN.yml", &zh), ("en.yml", &en)], &sources);
    let expected = [
        "`zh.only` is in zh-CN.yml but not in en.yml",
        "`Role.resident` (used in src/page.rs) is missing from zh-CN.yml and en.yml",
        "`home.link.gone` (used in src/page.rs) is missing from zh-CN.yml and en.yml",
        "`nav.missing` (used in src/page.rs) is missing from zh-CN.yml and en.yml",
        "`nav.template_only` (used in templates/home.html) is missing from zh-CN.yml and en.yml",
        "no key starts with `nothing.` (format!(\"nothing.{…}\") in src/page.rs)",
        "no key starts with `Nope.` (label(\"Nope\", …) in templates/home.html)",
    ];
    assert_eq!(problems, expected, "got:\n{}", problems.join("\n"));

    // And the files themselves: a missing header, a plain YAML value, a key twice.
    assert!(
        parse_locale(
            "en.yml",
            "_version: 1\n# note\n\"a.b\": \"A \\\"quoted\\\"\\nline\"\n"
        )
        .is_ok()
    );
    let errors = parse_locale("en.yml", "\"a.b\": \"A\"\na.c: C\n\"a.b\": \"B\"\n").unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:?}");
    let parsed = parse_locale("en.yml", "_version: 1\n\"a\": \"x \\\"y\\\" \\\\ %{n}\"\n").unwrap();
    assert_eq!(parsed["a"], "x \"y\" \\ %{n}");
}
