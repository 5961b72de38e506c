//! The one way to answer with a CSV file: UTF-8 with a byte-order mark (Excel then opens the
//! Chinese correctly) and every cell neutralised against formula injection (a cell that starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return is read by spreadsheets as a formula: it
//! gets a leading `'`, unless the whole cell is a plain number).
use crate::error::{AppError, AppResult};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;

pub struct CsvExport {
    w: csv::Writer<Vec<u8>>,
}

/// The cell as a spreadsheet may safely open it.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn fail(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("csv: {e}"))
}

impl CsvExport {
    pub fn new(header: &[&str]) -> AppResult<Self> {
        let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
        w.write_record(header).map_err(fail)?;
        Ok(Self { w })
    }

    pub fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) -> AppResult<()> {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        self.w.write_record(&cells).map_err(fail)
    }

    /// The file as a download named `filename` (ASCII).
    pub fn into_response(self, filename: &str) -> AppResult<Response> {
        let body = self.w.into_inner().map_err(fail)?;
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            body,
        )
            .into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(neutralise("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\t=1"), "'\t=1");
        assert_eq!(neutralise("-12.5"), "-12.5");
        assert_eq!(neutralise("凤栖阁"), "凤栖阁");
    }

    proptest! {
        #[test]
        fn no_cell_leaves_as_a_formula(s in any::<String>()) {
            let out = neutralise(&s);
            let formula = out.starts_with(['=', '+', '-', '@', '\t', '\r']);
            prop_assert!(!formula || out.parse::<f64>().is_ok());
        }
    }
}
