//! `Timestamp`: an instant as both backends store it.

use sqlx::{
    Decode, Encode, Postgres, Sqlite, Type,
    encode::IsNull,
    error::BoxDynError,
    postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef},
    sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef},
};
use time::{OffsetDateTime, UtcOffset, format_description::BorrowedFormatItem, macros::format_description};

/// A UTC instant with microsecond precision.
///
/// PostgreSQL stores it as `TIMESTAMPTZ` (microseconds). SQLite stores it as
/// fixed-width RFC 3339 text, `2026-11-21T09:30:00.000000Z`: sqlx's own
/// `OffsetDateTime` encoding drops trailing sub-second zeros, and then text
/// comparison (`ORDER BY`, `<`) no longer orders like time. Truncating to
/// microseconds makes a value read back equal on both backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

const SQLITE_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

impl Timestamp {
    /// The current instant.
    pub fn now() -> Self {
        Self::from(OffsetDateTime::now_utc())
    }

    pub fn into_inner(self) -> OffsetDateTime {
        self.0
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        let utc = value.to_offset(UtcOffset::UTC);
        let micros = utc.microsecond();
        // Infallible: any microsecond value is a valid nanosecond value.
        Self(utc.replace_microsecond(micros).unwrap_or(utc))
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <OffsetDateTime as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <OffsetDateTime as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(self.0.format(SQLITE_FORMAT)?, buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self::from(<OffsetDateTime as Decode<Sqlite>>::decode(value)?))
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self::from(<OffsetDateTime as Decode<Postgres>>::decode(value)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sqlite_text_is_fixed_width_so_it_sorts_like_time() {
        let whole = Timestamp::from(datetime!(2026-11-21 09:30:00 UTC));
        let later = Timestamp::from(datetime!(2026-11-21 09:30:00.5 UTC));
        let a = whole.0.format(SQLITE_FORMAT).unwrap();
        let b = later.0.format(SQLITE_FORMAT).unwrap();
        assert_eq!(a, "2026-11-21T09:30:00.000000Z");
        assert_eq!(b, "2026-11-21T09:30:00.500000Z");
        assert!(a < b);
    }

    #[test]
    fn instants_are_truncated_to_microseconds_in_utc() {
        let t = Timestamp::from(datetime!(2026-11-21 10:30:00.123456789 +01:00));
        assert_eq!(t.into_inner(), datetime!(2026-11-21 09:30:00.123456 UTC));
    }
}
