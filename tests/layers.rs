//! Layers point down only: `http → services → domain` and `services → db → domain`. This test
//! fails when `src/services`, `src/db` or `src/domain` names `crate::http`, or when
//! `src/domain` names `crate::db` or sqlx (see ARCHITECTURE.md).
use std::path::{Path, PathBuf};

/// (layer folder, what it must not name)
const RULES: &[(&str, &[&str])] = &[
    ("services", &["crate::http"]),
    ("db", &["crate::http", "crate::services"]),
    (
        "domain",
        &["crate::http", "crate::services", "crate::db", "sqlx"],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every line of a lower layer that names a higher one: "file:line: text".
fn back_imports(src: &Path) -> Vec<String> {
    let mut found = vec![];
    for (layer, forbidden) in RULES {
        let mut files = vec![];
        rust_files(&src.join(layer), &mut files);
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for word in *forbidden {
                    let named = code.match_indices(word).any(|(i, _)| {
                        let before = code[..i].chars().next_back();
                        let after = code[i + word.len()..].chars().next();
                        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    });
                    if named {
                        found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn lower_layers_never_import_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert!(src.join("services").is_dir() && src.join("domain").is_dir());
    let found = back_imports(&src);
    assert!(
        found.is_empty(),
        "imports against the layers:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_finds_a_back_import() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "services/cases/intake.rs",
        "use crate::http::session::Actor;\n",
    );
    write(
        "domain/vote.rs",
        "// crate::db in a comment is fine\nuse sqlx::Row;\n",
    );
    write(
        "db/places.rs",
        "use crate::domain::area::AreaCentiM2;\nuse crate::httpd::X;\n",
    );
    let found = back_imports(dir.path());
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].contains("intake.rs:1") || found[1].contains("intake.rs:1"));
    assert!(found.iter().any(|f| f.contains("vote.rs:2")));
}
