//! The OpenAPI document as a reviewed snapshot: every change to the API (a path, a parameter, a
//! schema, a summary) shows in review as a change of `tests/snapshots/openapi__openapi.snap`.
//! After an intended change: `INSTA_UPDATE=always cargo test --test openapi`, then review the diff.

#[test]
fn the_openapi_document_is_as_reviewed() {
    let doc = redbutler::http::api::openapi();
    insta::assert_json_snapshot!("openapi", doc);
}

#[test]
fn every_operation_has_a_summary_a_description_and_a_tag() {
    let doc = serde_json::to_value(redbutler::http::api::openapi()).unwrap();
    let mut missing = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for field in ["summary", "description"] {
                if op[field].as_str().is_none_or(|s| s.trim().is_empty()) {
                    missing.push(format!("{method} {path}: {field}"));
                }
            }
            if op["tags"].as_array().is_none_or(|t| t.is_empty()) {
                missing.push(format!("{method} {path}: tag"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
