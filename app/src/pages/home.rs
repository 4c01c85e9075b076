//! `/`: the landing page; signed in, a redirect to the last organization.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    api::auth::{Landing, Logout, get_landing},
    components::errors::PageError,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let destination = Resource::new_blocking(|| (), |()| get_landing());
    view! {
        <Title text="Atrium" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match destination.await {
                    Ok(Landing::SignedOut) => view! { <Welcome /> }.into_any(),
                    Ok(Landing::Organization(path)) => view! { <Redirect path /> }.into_any(),
                    Ok(Landing::NoOrganization(user)) => view! { <NoOrganization name=user.display_name /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <main id="main" tabindex="-1" class="mx-auto flex min-h-screen max-w-3xl flex-col justify-center px-6 py-24">
            <p class="text-sm font-semibold uppercase tracking-wider text-indigo-600">"Atrium"</p>
            <h1 class="mt-3 text-4xl font-bold tracking-tight text-slate-900">
                "Your team's projects, tasks and software licenses, on your own server."
            </h1>
            <p class="mt-6 text-lg text-slate-600">
                "Sign up to create your organization, invite your team, and get to work."
            </p>
            <div class="mt-10 flex gap-4">
                <a href="/signup" class="rounded-md bg-indigo-600 px-5 py-2.5 font-semibold text-white hover:bg-indigo-500">
                    "Sign up"
                </a>
                <a href="/login" class="rounded-md px-5 py-2.5 font-semibold text-indigo-700 hover:bg-indigo-50">
                    "Sign in"
                </a>
            </div>
        </main>
    }
}

#[component]
fn NoOrganization(name: String) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <main id="main" tabindex="-1" class="mx-auto max-w-lg px-6 py-24 text-center">
            <h1 class="text-2xl font-bold text-slate-900">{format!("Welcome, {name}")}</h1>
            <p class="mt-4 text-slate-600">
                "You are not a member of any organization yet. Ask an administrator of your team to invite you, "
                "or start your own."
            </p>
            <a
                href="/organizations/new"
                class="mt-6 inline-block rounded-md bg-indigo-600 px-5 py-2.5 font-semibold text-white hover:bg-indigo-500"
            >
                "Create an organization"
            </a>
            <ActionForm action=logout attr:class="mt-8">
                <button type="submit" class="font-medium text-indigo-700 hover:underline">"Sign out"</button>
            </ActionForm>
        </main>
    }
}
