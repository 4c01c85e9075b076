//! The flash message left by the last plain form (see `server::flash`).

use leptos::prelude::*;

use crate::error::AppError;

/// The message the last form posted without JavaScript left for this
/// page, once; `None` when there is none.
#[server(endpoint = "take_flash")]
pub async fn take_flash() -> Result<Option<String>, AppError> {
    crate::server::flash::take().await
}
