//! The organization's webhook endpoints (`/o/{org}/settings/webhooks`):
//! Admins and Owners add, change, rotate, delete, read deliveries,
//! redeliver and send test events. The rules are `server::webhooks`',
//! which these functions only call.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::webhook::{WebhookDelivery, WebhookEndpoint, WebhookSecret},
};

#[cfg(feature = "ssr")]
use crate::{
    model::Action,
    server::{
        ctx,
        jobs::{self, Job},
        webhooks::{self, EndpointForm},
    },
};

/// The organization's endpoints, oldest first; never their secrets.
#[server(endpoint = "list_webhook_endpoints")]
pub async fn list_webhook_endpoints(org: String) -> Result<Vec<WebhookEndpoint>, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageWebhooks)?;
    webhooks::list(req.db(), &admin).await
}

/// Adds an endpoint: `url` (`https://`), `description` (optional, at
/// most 500 characters), `event_types[]` (none: every type), `enabled`
/// (`on` or absent). The answer holds the signing secret, shown this
/// once.
#[server(endpoint = "create_webhook_endpoint")]
pub async fn create_webhook_endpoint(
    org: String,
    url: String,
    #[server(default)] description: String,
    #[server(default)] event_types: Vec<String>,
    #[server(default)] enabled: Option<String>,
) -> Result<WebhookSecret, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageWebhooks)?;
    let form = EndpointForm { url, description, event_types, enabled: enabled.is_some() };
    webhooks::create(&req.state, &admin, &req.actor()?, &form).await
}

/// Changes the endpoint `endpoint` (fields as
/// [`create_webhook_endpoint`]); enabling it again forgets why Atrium
/// disabled it.
#[server(endpoint = "update_webhook_endpoint")]
pub async fn update_webhook_endpoint(
    org: String,
    endpoint: String,
    url: String,
    #[server(default)] description: String,
    #[server(default)] event_types: Vec<String>,
    #[server(default)] enabled: Option<String>,
) -> Result<WebhookEndpoint, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageWebhooks)?;
    let form = EndpointForm { url, description, event_types, enabled: enabled.is_some() };
    webhooks::update(&req.state, &admin, &req.actor()?, &endpoint, &form).await
}

/// Gives the endpoint a new signing secret, shown this once; the old one
/// also signs for 24 hours, so receivers can switch without losing
/// deliveries.
#[server(endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(org: String, endpoint: String) -> Result<WebhookSecret, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageWebhooks)?;
    webhooks::rotate_secret(&req.state, &admin, &req.actor()?, &endpoint).await
}

/// Deletes the endpoint and its deliveries log.
#[server(endpoint = "delete_webhook_endpoint")]
pub async fn delete_webhook_endpoint(org: String, endpoint: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageWebhooks)?;
    webhooks::delete(req.db(), &admin, &req.actor()?, &endpoint).await
}

/// The endpoint's latest 50 delivery attempts, newest first.
#[server(endpoint = "list_webhook_deliveries")]
pub async fn list_webhook_deliveries(org: String, endpoint: String) -> Result<Vec<WebhookDelivery>, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageWebhooks)?;
    webhooks::deliveries(req.db(), &admin, &endpoint).await
}

/// Sends a `webhook.test` event to the endpoint (through the queue, as
/// every delivery).
#[server(endpoint = "send_webhook_test")]
pub async fn send_webhook_test(org: String, endpoint: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageWebhooks)?;
    let delivery = webhooks::test_event(req.db(), &admin, &endpoint).await?;
    jobs::enqueue_for(&req.state, admin.org_id(), &Job::DeliverWebhook(delivery)).await.map(|_| ())
}

/// Sends a logged delivery's event again, with the same `webhook-id`.
#[server(endpoint = "redeliver_webhook")]
pub async fn redeliver_webhook(org: String, delivery: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageWebhooks)?;
    let delivery = webhooks::redelivery(req.db(), &admin, &delivery).await?;
    jobs::enqueue_for(&req.state, admin.org_id(), &Job::DeliverWebhook(delivery)).await.map(|_| ())
}
