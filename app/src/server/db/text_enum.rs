//! Storing Rust enums as `TEXT` with a CHECK constraint on both backends.

/// Implements sqlx `Type`, `Encode` and `Decode` for an enum with
/// `as_str(self) -> &'static str` and `FromStr`, on SQLite and PostgreSQL,
/// storing the name as text. A stored name the enum does not know is a
/// decode error (the CHECK constraint makes that a schema bug).
macro_rules! text_enum {
    ($ty:ty) => {
        $crate::server::db::text_enum::text_enum!(@backend $ty, sqlx::Sqlite);
        $crate::server::db::text_enum::text_enum!(@backend $ty, sqlx::Postgres);
    };
    (@backend $ty:ty, $db:ty) => {
        impl sqlx::Type<$db> for $ty {
            fn type_info() -> <$db as sqlx::Database>::TypeInfo {
                <str as sqlx::Type<$db>>::type_info()
            }
            fn compatible(ty: &<$db as sqlx::Database>::TypeInfo) -> bool {
                <str as sqlx::Type<$db>>::compatible(ty)
            }
        }

        impl<'q> sqlx::Encode<'q, $db> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut <$db as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, $db>>::encode(self.as_str(), buf)
            }
        }

        impl<'r> sqlx::Decode<'r, $db> for $ty {
            fn decode(
                value: <$db as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, $db>>::decode(value)?;
                Ok(text.parse::<$ty>()?)
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(crate::model::Role);
text_enum!(crate::model::TokenRole);
text_enum!(crate::model::Priority);
text_enum!(crate::model::LabelColor);
text_enum!(crate::model::AuditAction);
text_enum!(crate::model::Plan);
text_enum!(crate::model::FileStatus);
text_enum!(crate::model::UploadStatus);
text_enum!(crate::model::ImportStatus);
text_enum!(crate::model::Theme);
