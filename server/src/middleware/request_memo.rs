//! Gives every request a fresh `RequestMemo` (see `app::server::ctx`), so
//! the server functions one page render runs read the signed-in user and
//! their membership once between them.

use std::sync::Arc;

use app::server::ctx::RequestMemo;
use axum::{extract::Request, middleware::Next, response::Response};

pub async fn insert_request_memo(mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(Arc::new(RequestMemo::default()));
    next.run(request).await
}
