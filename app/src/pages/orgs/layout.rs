//! The frame around every organization page. Signed out, it redirects to
//! sign-in (and back here after); not a member, it is the 404 page.

use leptos::prelude::*;
use leptos_router::components::Outlet;

use super::use_org_slug;
use crate::{
    api::orgs::get_org_shell,
    components::{
        errors::PageError,
        layout::{Sidebar, TopBar},
        org::OrgContext,
    },
    pages::palette::ProjectPalette,
};

#[component]
pub fn OrgLayout() -> impl IntoView {
    let slug = use_org_slug();
    let shell = Resource::new_blocking(move || slug.get(), get_org_shell);
    provide_context(OrgContext { slug, shell });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match shell.await {
                    Ok(shell) => {
                        let slug = shell.org.slug.clone();
                        view! {
                            <div class="flex min-h-screen flex-col">
                                <TopBar shell />
                                <div class="flex flex-1">
                                    <Sidebar slug />
                                    <main class="min-w-0 flex-1 p-8">
                                        <Outlet />
                                    </main>
                                </div>
                            </div>
                            <ProjectPalette />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
