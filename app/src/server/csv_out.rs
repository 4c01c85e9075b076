//! Every CSV file Atrium writes (the task export, the audit log, an
//! import's refused rows) is written through here, so no cell, header
//! included, reaches a spreadsheet as a formula (OWASP "CSV Injection").

use std::{borrow::Cow, io::Write};

/// What a cell a spreadsheet would run as a formula starts with: `=`,
/// `+`, `-`, `@`, a tab or a carriage return (OWASP "CSV Injection").
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` with a leading `'` when it starts with one of
/// [`FORMULA_STARTS`], so it cannot execute when opened; the import takes
/// the `'` off again (`imports::cell`).
pub fn neutralize_formula(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) { format!("'{cell}").into() } else { cell.into() }
}

/// A CSV writer as every download uses it: RFC 4180 (CRLF line ends,
/// quoting as needed), into memory.
pub fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new())
}

/// Writes one record, header or row, each cell through
/// [`neutralize_formula`]. Errors are the writer's (I/O, or a record of
/// another length on a writer that is not `flexible`).
pub fn write_row<W: Write, C: AsRef<str>>(
    writer: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = C>,
) -> Result<(), csv::Error> {
    writer.write_record(cells.into_iter().map(|cell| neutralize_formula(cell.as_ref()).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralized_headers_included() {
        assert_eq!(neutralize_formula("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralize_formula("\tx"), "'\tx");
        assert_eq!(neutralize_formula("Plain title"), "Plain title");
        let mut csv = writer();
        write_row(&mut csv, ["line", "=HYPERLINK(\"http://x\")"]).unwrap();
        write_row(&mut csv, ["2", "+1"]).unwrap();
        let bytes = csv.into_inner().unwrap();
        assert_eq!(String::from_utf8(bytes).unwrap(), "line,\"'=HYPERLINK(\"\"http://x\"\")\"\r\n2,'+1\r\n");
    }
}
