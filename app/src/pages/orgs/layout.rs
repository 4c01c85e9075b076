//! The frame around every organization page. Signed out, it redirects to
//! sign-in (and back here after); not a member, it is the 404 page.
//!
//! The page inside (the `Outlet`) sits outside the frame's `Suspense`: on
//! the server a `Suspense` runs its children again to find what they wait
//! for, and a page built inside it would be built twice, its data fetched
//! and sent twice. Each page handles its own errors the same way.

use leptos::prelude::*;
use leptos_router::components::Outlet;

use super::slug::use_org_slug;
use crate::{
    api::{flash::take_flash, orgs::get_org_shell},
    components::{
        layout::{Sidebar, TopBar, VerifyEmailBanner},
        live::OrgChanges,
        org::OrgContext,
    },
    pages::palette::ProjectPalette,
};

/// What members of a suspended organization see above every page: why
/// nothing can be changed, and whom to ask.
#[component]
fn SuspendedNotice(name: String) -> impl IntoView {
    view! {
        <div role="alert" class="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-900">
            <p class="font-semibold">{format!("{name} is suspended")}</p>
            <p class="mt-1 text-sm">
                "A platform admin has suspended this organization. You can still read everything in it, but nothing can be changed until it is reactivated. Contact your platform administrator."
            </p>
        </div>
    }
}

/// What the last form posted without JavaScript did (a hydrated page shows
/// a toast instead), once, on the page the form returned to: the frame
/// stays when the router moves to another page, the message does not.
#[component]
fn FlashMessage() -> impl IntoView {
    let flash = Resource::new_blocking(|| (), |()| take_flash());
    let location = leptos_router::hooks::use_location();
    let shown_on = location.pathname.get_untracked();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let shown_on = shown_on.clone();
                Suspend::new(async move {
                    let message = flash.await.ok().flatten()?;
                    Some(move || {
                        (location.pathname.get() == shown_on)
                            .then(|| {
                                view! {
                                    <p
                                        role="status"
                                        class="mb-4 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
                                    >
                                        {message.clone()}
                                    </p>
                                }
                            })
                    })
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn OrgLayout() -> impl IntoView {
    let slug = use_org_slug();
    let shell = Resource::new_blocking(move || slug.get(), get_org_shell);
    provide_context(OrgContext { slug, shell });
    OrgChanges::provide(slug);
    view! {
        <div class="flex min-h-screen flex-col">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    // The page inside shows the error (the same one: it asks
                    // the same question of the same membership).
                    shell
                        .await
                        .ok()
                        .map(|shell| {
                            let unverified = (!shell.user.email_verified).then(|| shell.user.email.clone());
                            view! {
                                <TopBar shell />
                                {unverified.map(|email| view! { <VerifyEmailBanner email /> })}
                            }
                        })
                })}
            </Suspense>
            <div class="flex flex-1">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        shell.await.ok().map(|shell| view! { <Sidebar slug=shell.org.slug role=shell.org.role /> <ProjectPalette /> })
                    })}
                </Suspense>
                <main id="main" tabindex="-1" class="min-w-0 flex-1 p-4 md:p-8">
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            shell
                                .await
                                .ok()
                                .filter(|shell| shell.org.suspended)
                                .map(|shell| view! { <SuspendedNotice name=shell.org.name /> })
                        })}
                    </Suspense>
                    <FlashMessage />
                    <Outlet />
                </main>
            </div>
        </div>
    }
}
