//! Atrium's application: everything shared by the server and the browser.
//!
//! Built twice: with `ssr` into the server binary (rendering, server
//! functions, database) and with `hydrate` into the browser's wasm bundle.

#![recursion_limit = "512"]

pub mod api;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use crate::{
    components::{errors::NotFound, toast::ToastRegion},
    pages::{
        account::AccountPage,
        admin::{PlatformAuditPage, PlatformJobsPage, PlatformPage},
        auth::{
            EndSessionsPage, ForgotPasswordPage, LoginPage, ResetPasswordPage, SignupPage, TwoFactorPage,
            VerifyEmailPage,
        },
        files::{FilesPage, ImportPage, ImportUploadPage, OrgJobsPage, UploadSessionPage, UploadsPage},
        home::HomePage,
        invite::InvitePage,
        licenses::{LicensePage, LicensesPage, PoliciesPage, PolicyPage, SelfServePage},
        orgs::{
            AuditPageView, MembersPage, NewOrganizationPage, OrgDashboardPage, OrgLayout, SettingsPage, TokensPage,
            WebhooksPage,
        },
        projects::{ProjectPage, ProjectsPage},
    },
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::csp::provide_request_nonce();
    // `data-theme` forces a scheme; without it the stylesheet follows the
    // device (`prefers-color-scheme`).
    #[cfg(feature = "ssr")]
    let theme = server::theme::from_request().and_then(model::Theme::attribute);
    #[cfg(not(feature = "ssr"))]
    let theme: Option<&str> = None;
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" id="leptos" href=stylesheet_href(&options) />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="bg-white text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// The stylesheet's URL: `/pkg/atrium.css`, or with the content hash
/// cargo-leptos put in its name (`atrium.<hash>.css`, listed in the hash
/// file beside the server binary), so browsers may cache it for good.
/// Read once per process.
fn stylesheet_href(options: &LeptosOptions) -> String {
    #[cfg(feature = "ssr")]
    {
        static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        HREF.get_or_init(|| {
            let hash = options
                .hash_files
                .then(|| {
                    let exe = std::env::current_exe().ok()?;
                    let file = std::fs::read_to_string(exe.parent()?.join(options.hash_file.as_ref())).ok()?;
                    file.lines()
                        .find_map(|line| line.trim().strip_prefix("css:").map(|hash| format!(".{}", hash.trim())))
                })
                .flatten()
                .unwrap_or_default();
            format!("/{}/{}{hash}.css", options.site_pkg_dir, options.output_name)
        })
        .clone()
    }
    #[cfg(not(feature = "ssr"))]
    format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
}

/// The app: routes and their pages.
///
/// Pages that load data on the server render with `SsrMode::Async`, so
/// their HTTP status (404) and redirects (to sign-in) are decided before
/// the first byte is sent.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    view! {
        <Title text="Atrium" />
        // WCAG 2.4.1 (bypass blocks): the first stop of the keyboard. The
        // browser follows it (not the router), moving focus to `<main>`.
        <a href="#main" rel="external" class="skip-link">"Skip to content"</a>
        <ToastRegion>
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                <Route path=path!("/signup") view=SignupPage />
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/login/two-factor") view=TwoFactorPage />
                <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async />
                <Route path=path!("/verify-email") view=VerifyEmailPage ssr=SsrMode::Async />
                <Route path=path!("/end-sessions") view=EndSessionsPage ssr=SsrMode::Async />
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                <Route path=path!("/organizations/new") view=NewOrganizationPage ssr=SsrMode::Async />
                <Route path=path!("/invite/:token") view=InvitePage ssr=SsrMode::Async />
                <Route path=path!("/license") view=SelfServePage />
                <Route path=path!("/docs/api") view=crate::pages::api_docs::ApiDocsPage />
                <Route path=path!("/docs/license-api") view=crate::pages::api_docs::LicenseApiDocsPage />
                <Route path=path!("/admin") view=PlatformPage ssr=SsrMode::Async />
                <Route path=path!("/admin/audit") view=PlatformAuditPage ssr=SsrMode::Async />
                <Route path=path!("/admin/jobs") view=PlatformJobsPage ssr=SsrMode::Async />
                <ParentRoute path=path!("/o/:org") view=OrgLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=OrgDashboardPage />
                    <Route path=path!("members") view=MembersPage />
                    <Route path=path!("audit") view=AuditPageView />
                    <Route path=path!("settings") view=SettingsPage />
                    <Route path=path!("settings/tokens") view=TokensPage />
                    <Route path=path!("settings/webhooks") view=WebhooksPage />
                    <Route path=path!("policies") view=PoliciesPage />
                    <Route path=path!("policies/:policy") view=PolicyPage />
                    <Route path=path!("licenses") view=LicensesPage />
                    <Route path=path!("licenses/:license") view=LicensePage />
                    <Route path=path!("projects") view=ProjectsPage />
                    <Route path=path!("projects/:project") view=ProjectPage />
                    <Route path=path!("projects/:project/files") view=FilesPage />
                    <Route path=path!("projects/:project/uploads") view=UploadsPage />
                    <Route path=path!("projects/:project/import") view=ImportUploadPage />
                    <Route path=path!("uploads/:session") view=UploadSessionPage />
                    <Route path=path!("imports/:import") view=ImportPage />
                    <Route path=path!("jobs") view=OrgJobsPage />
                </ParentRoute>
            </Routes>
        </Router>
        </ToastRegion>
    }
}

/// Sets `data-hydrated` on `<body>` once the browser app has taken over, so
/// end-to-end tests (and styles) can tell a live page from server HTML.
/// Effects never run on the server.
fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
