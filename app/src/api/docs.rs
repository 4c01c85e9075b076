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

/// The license API's (`/v1`, Keygen's protocol) routes, parameters,
/// answers and schemas, read from the document the server generates from
/// its handlers. Each route also answers under `/v1/accounts/{account}`
/// (the document lists both); the page lists it once.
#[server(endpoint = "get_license_api_reference")]
pub async fn get_license_api_reference() -> Result<ApiReference, AppError> {
    let state = crate::server::ctx::app_state()?;
    let mut reference = crate::server::api_reference::read(&state.license_api_document);
    reference.operations.retain(|operation| !operation.path.starts_with("/v1/accounts/{account}"));
    // The document's paths are whole (`/v1/licenses`); the page gives
    // them from the API's base, as the REST API's page does.
    reference.base = "/v1".into();
    for operation in &mut reference.operations {
        if let Some(rest) = operation.path.strip_prefix("/v1") {
            operation.path = rest.to_owned();
        }
    }
    Ok(reference)
}
