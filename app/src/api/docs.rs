//! The REST API's reference (`/docs/api`), public like the OpenAPI
//! document it is read from.

use leptos::prelude::*;

use crate::{error::AppError, model::api_reference::ApiReference};

/// The REST API's routes, parameters, answers and schemas, read from the
/// document the server generates from its handlers.
#[server(endpoint = "get_api_reference")]
pub async fn get_api_reference() -> Result<ApiReference, AppError> {
    let state = crate::server::ctx::app_state()?;
    Ok(crate::server::api_reference::read(&state.api_document))
}
