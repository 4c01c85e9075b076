//! SQL with a variable number of arguments (optional filters, id lists),
//! still one text for both backends: `$n` placeholders, numbered here.

use time::Date;
use uuid::Uuid;

use super::Timestamp;

/// A value to bind, of one of the types our queries use.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Uuid(Uuid),
    Text(String),
    Date(Date),
    Time(Timestamp),
    Int(i64),
    /// SQL NULL, typed as the column it goes to would be.
    NullUuid,
    NullDate,
    NullText,
    NullTime,
}

macro_rules! arg_from {
    ($($ty:ty => $variant:ident $(. $field:tt)?),* $(,)?) => {
        $(impl From<$ty> for Arg {
            fn from(value: $ty) -> Self {
                Arg::$variant(value $(. $field)?)
            }
        })*
    };
}

arg_from!(
    Uuid => Uuid,
    String => Text,
    Date => Date,
    Timestamp => Time,
    i64 => Int,
    crate::model::OrgId => Uuid.0,
    crate::model::UserId => Uuid.0,
    crate::model::ProjectId => Uuid.0,
    crate::model::TaskId => Uuid.0,
    crate::model::LabelId => Uuid.0,
    crate::model::CycleId => Uuid.0,
    crate::model::AuditEventId => Uuid.0,
    crate::model::InvitationId => Uuid.0,
    crate::model::PolicyId => Uuid.0,
    crate::model::LicenseId => Uuid.0,
    crate::model::MachineId => Uuid.0,
    crate::model::EntitlementId => Uuid.0,
    crate::model::SessionId => Uuid.0,
    crate::model::JobId => Uuid.0,
);

/// The typed NULL of a value type, for optional arguments.
pub trait NullOf {
    const NULL: Arg;
}

impl NullOf for Date {
    const NULL: Arg = Arg::NullDate;
}

impl NullOf for String {
    const NULL: Arg = Arg::NullText;
}

impl NullOf for Timestamp {
    const NULL: Arg = Arg::NullTime;
}

macro_rules! null_uuid {
    ($($ty:ty),*) => {
        $(impl NullOf for $ty {
            const NULL: Arg = Arg::NullUuid;
        })*
    };
}
null_uuid!(crate::model::UserId, crate::model::CycleId, crate::model::LabelId, crate::model::TaskId);

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_owned())
    }
}

/// SQL text being built, with its arguments in placeholder order.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self { text: text.to_owned(), args: Vec::new() }
    }

    /// Appends literal SQL (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn arg(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.args.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends a placeholder for `value`, or for NULL when it is `None`.
    pub fn arg_optional<T: Into<Arg> + NullOf>(&mut self, value: Option<T>) -> &mut Self {
        match value {
            Some(value) => self.arg(value),
            None => self.arg(T::NULL),
        }
    }

    /// Adds `value` as the next argument without writing its placeholder,
    /// and returns the placeholder (`$n`), for text pushed later; a
    /// placeholder may appear several times.
    pub fn bind(&mut self, value: impl Into<Arg>) -> String {
        self.args.push(value.into());
        format!("${}", self.args.len())
    }

    /// [`Sql::bind`] of `value`, or of NULL when it is `None`.
    pub fn bind_optional<T: Into<Arg> + NullOf>(&mut self, value: Option<T>) -> String {
        self.bind(value.map_or(T::NULL, Into::into))
    }

    /// Appends `$a, $b, ...` for each value (callers make sure the list is
    /// not empty: `IN ()` is not SQL).
    pub fn arg_list<T: Into<Arg>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.arg(value);
        }
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Takes the text written so far, keeping the arguments: a condition
    /// built with its placeholders, then placed inside a larger statement
    /// pushed after.
    pub fn take_text(&mut self) -> String {
        std::mem::take(&mut self.text)
    }

    pub fn args(&self) -> &[Arg] {
        &self.args
    }
}

/// Binds every `Arg` of `$args` (an iterator) to the sqlx query `$query`,
/// in order. Expands per backend inside `with_pool!`.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::server::db::sql::Arg::Uuid(v) => query.bind(v),
                $crate::server::db::sql::Arg::Text(v) => query.bind(v),
                $crate::server::db::sql::Arg::Date(v) => query.bind(v),
                $crate::server::db::sql::Arg::Time(v) => query.bind(v),
                $crate::server::db::sql::Arg::Int(v) => query.bind(v),
                $crate::server::db::sql::Arg::NullUuid => query.bind(None::<uuid::Uuid>),
                $crate::server::db::sql::Arg::NullDate => query.bind(None::<time::Date>),
                $crate::server::db::sql::Arg::NullText => query.bind(None::<String>),
                $crate::server::db::sql::Arg::NullTime => query.bind(None::<$crate::server::db::Timestamp>),
            };
        }
        query
    }};
}
pub(crate) use bind_args;

/// `input` as a LIKE pattern matching it anywhere, with `%`, `_` and `\`
/// escaped (use with `ESCAPE '\'`).
pub fn contains_pattern(input: &str) -> String {
    let mut pattern = String::with_capacity(input.len() + 2);
    pattern.push('%');
    for c in input.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.arg(1_i64).push(" AND b IN (").arg_list(["x", "y"]).push(")");
        let c = sql.bind("z");
        sql.push(&format!(" AND (c = {c} OR d = {c})"));
        assert_eq!(sql.text(), "SELECT 1 WHERE a = $1 AND b IN ($2, $3) AND (c = $4 OR d = $4)");
        assert_eq!(sql.args(), [Arg::Int(1), Arg::Text("x".into()), Arg::Text("y".into()), Arg::Text("z".into())]);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(contains_pattern(""), "%%");
    }
}
