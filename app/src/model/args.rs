//! Reading arguments that name things: ids and optional choices from form
//! fields and URL paths, for server functions and the server's plain
//! routes alike (both answer a malformed id as they answer another
//! organization's).

use crate::error::AppError;

/// An id from a form field or URL. A malformed id names nothing here, so it
/// answers 404 like another organization's id would.
pub fn parse_id<T: std::str::FromStr>(input: &str) -> Result<T, AppError> {
    input.trim().parse().map_err(|_| AppError::NotFound)
}

/// An optional id: empty means none.
pub fn parse_optional_id<T: std::str::FromStr>(input: &str) -> Result<Option<T>, AppError> {
    let input = input.trim();
    if input.is_empty() { Ok(None) } else { parse_id(input).map(Some) }
}

/// A list of ids; any malformed one answers 404.
pub fn parse_ids<T: std::str::FromStr>(inputs: &[String]) -> Result<Vec<T>, AppError> {
    inputs.iter().filter(|s| !s.trim().is_empty()).map(|s| parse_id(s)).collect()
}

/// A list of at most `max` ids from the list argument `field`: beyond
/// that, a field error ("Choose at most {max} {noun}.", 422) before
/// anything is parsed; any malformed id answers 404. Every list argument
/// of a server function has such a documented maximum.
pub fn parse_bounded_ids<T: std::str::FromStr>(
    inputs: &[String],
    max: usize,
    field: &str,
    noun: &str,
) -> Result<Vec<T>, AppError> {
    check_list_len(inputs, max, field, noun)?;
    parse_ids(inputs)
}

/// A field error when the list argument `field` has more than `max` items.
pub fn check_list_len<T>(inputs: &[T], max: usize, field: &str, noun: &str) -> Result<(), AppError> {
    if inputs.len() > max { Err(AppError::field(field, format!("Choose at most {max} {noun}."))) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskId;

    #[test]
    fn malformed_ids_are_not_found() {
        assert_eq!(parse_id::<TaskId>("nope"), Err(AppError::NotFound));
        assert_eq!(parse_optional_id::<TaskId>("  "), Ok(None));
        let id = TaskId::new();
        assert_eq!(parse_ids::<TaskId>(&[id.to_string(), String::new()]), Ok(vec![id]));
        assert_eq!(parse_ids::<TaskId>(&["x".into()]), Err(AppError::NotFound));
    }

    #[test]
    fn too_long_lists_are_field_errors_before_parsing() {
        let three = vec!["x".to_owned(); 3];
        let err = parse_bounded_ids::<TaskId>(&three, 2, "labels", "labels").unwrap_err();
        assert_eq!(err.field_message("labels"), Some("Choose at most 2 labels."));
        assert_eq!(parse_bounded_ids::<TaskId>(&three[..2], 2, "labels", "labels"), Err(AppError::NotFound));
    }
}
