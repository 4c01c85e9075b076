//! The audit log's filters as people give them (the log page's fields, the
//! CSV export's query), read in one place for every door.

use crate::{
    error::{AppError, FieldErrors},
    model::{
        AuditAction, AuditEventId,
        args::{parse_id, parse_optional_id},
    },
    server::db::audit::AuditFilter,
};

/// The filter of the audit log's parameters, each optional (empty means
/// all): `action`, an event type (`member.role_changed`, ...); `actor`, a
/// person's id; `from` and `to`, days (`YYYY-MM-DD`, UTC, inclusive);
/// `before`, the cursor of a page (an event id).
///
/// Errors: `Validation` on `action`, `from`, `to`; `NotFound` for a
/// malformed `actor` or `before`.
pub fn parse_filter(action: &str, actor: &str, from: &str, to: &str, before: &str) -> Result<AuditFilter, AppError> {
    let mut errors = FieldErrors::new();
    let action = match action.trim() {
        "" => None,
        name => errors.check("action", name.parse::<AuditAction>().map_err(|_| "Choose an event type from the list.")),
    };
    let mut day = |field: &str, text: &str| match text.trim() {
        "" => None,
        text => errors.check(
            field,
            time::Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
                .map_err(|_| "Enter a date as YYYY-MM-DD."),
        ),
    };
    let (from, to) = (day("from", from), day("to", to));
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        errors.add("to", "The end date is before the start date.");
    }
    errors.into_result()?;
    Ok(AuditFilter {
        action,
        actor: parse_optional_id(actor)?,
        from,
        to,
        before: match before.trim() {
            "" => None,
            id => Some(parse_id::<AuditEventId>(id)?),
        },
    })
}
