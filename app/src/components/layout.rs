//! The signed-in frame: top bar (organization switcher, user menu) and the
//! organization's sidebar.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::{
        account::{ResendVerification, SetTheme},
        auth::{Logout, org_path},
    },
    model::{Action, OrgShell, OrgSummary, Role, SessionUser, Theme},
};

/// The top bar of every signed-in page. Below the `md` breakpoint it
/// carries the organization's sections as a menu button (the sidebar is
/// hidden there).
#[component]
pub fn TopBar(shell: OrgShell) -> impl IntoView {
    let OrgShell { user, org, organizations } = shell;
    let (slug, role) = (org.slug.clone(), org.role);
    view! {
        <header class="relative flex h-14 items-center gap-2 border-b border-slate-200 bg-white px-2 sm:gap-4 sm:px-4">
            <MobileMenu slug role />
            <a href=org_path(&org.slug) class="text-lg font-bold tracking-tight text-indigo-700">"Atrium"</a>
            <OrgSwitcher current=org organizations />
            <div class="flex-1"></div>
            <UserMenu user />
        </header>
    }
}

/// The organization's sections behind a menu button, on narrow screens.
/// A `<details>` disclosure, so it opens without JavaScript too; once
/// hydrated it closes when a link in it is followed.
#[component]
fn MobileMenu(slug: String, role: Role) -> impl IntoView {
    let menu = NodeRef::<leptos::html::Details>::new();
    let close = move |_| {
        if let Some(menu) = menu.get() {
            menu.set_open(false);
        }
    };
    view! {
        <details node_ref=menu class="md:hidden">
            <summary
                class="flex h-10 w-10 cursor-pointer list-none items-center justify-center rounded-md text-slate-700 \
                       hover:bg-slate-100"
                aria-label="Menu"
            >
                <svg aria-hidden="true" viewBox="0 0 20 20" class="h-5 w-5" fill="currentColor">
                    <path d="M3 5h14v2H3zM3 9h14v2H3zM3 13h14v2H3z" />
                </svg>
            </summary>
            <nav
                aria-label="Organization"
                class="absolute inset-x-0 top-14 z-30 border-b border-slate-200 bg-white p-3 shadow-lg"
                on:click=close
            >
                <OrgLinks slug role />
            </nav>
        </details>
    }
}

/// A disclosure listing the user's organizations; works without JavaScript.
#[component]
fn OrgSwitcher(current: OrgSummary, organizations: Vec<OrgSummary>) -> impl IntoView {
    view! {
        <details class="group relative">
            <summary
                class="flex cursor-pointer list-none items-center gap-2 rounded-md px-2 py-1 text-sm font-medium \
                       text-slate-800 hover:bg-slate-100"
                aria-label=format!("Organization: {}. Switch organization", current.name)
            >
                <span class="max-w-[8rem] truncate sm:max-w-xs">{current.name.clone()}</span>
                <span aria-hidden="true" class="text-slate-500">"▾"</span>
            </summary>
            <nav
                aria-label="Your organizations"
                class="absolute left-0 z-20 mt-1 w-64 max-w-[calc(100vw-4rem)] rounded-md border border-slate-200 bg-white py-1 shadow-lg"
            >
                <ul>
                    {organizations
                        .into_iter()
                        .map(|org| {
                            let is_current = org.id == current.id;
                            view! {
                                <li>
                                    <a
                                        href=org_path(&org.slug)
                                        aria-current=is_current.then_some("page")
                                        class="flex justify-between px-3 py-2 text-sm text-slate-700 hover:bg-slate-50 \
                                               aria-[current=page]:font-semibold"
                                    >
                                        <span>{org.name}</span>
                                        <span class="text-xs text-slate-500">{org.role.label()}</span>
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <a
                    href="/organizations/new"
                    class="block border-t border-slate-100 px-3 py-2 text-sm font-medium text-indigo-700 hover:bg-slate-50"
                >
                    "New organization"
                </a>
            </nav>
        </details>
    }
}

/// The signed-in person's menu: who they are, and sign out.
#[component]
fn UserMenu(user: SessionUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <details class="relative">
            <summary
                class="flex cursor-pointer list-none items-center gap-2 rounded-md px-2 py-1 text-sm text-slate-700 \
                       hover:bg-slate-100"
            >
                // Named by its text, not by an `aria-label` the visible
                // initials are missing from (WCAG 2.5.3, label in name):
                // "AT, account menu for Ada Tester", the name shown from
                // `sm` up, the rest for screen readers only.
                <span class="flex h-7 w-7 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold \
                             text-indigo-800">
                    {initials(&user.display_name)}
                </span>
                <span class="sr-only">", account menu for"</span>
                " "
                <span class="sr-only sm:not-sr-only">{user.display_name.clone()}</span>
            </summary>
            <div class="absolute right-0 z-20 mt-1 w-64 rounded-md border border-slate-200 bg-white p-3 shadow-lg">
                <p class="text-sm font-medium text-slate-900">{user.display_name.clone()}</p>
                <p class="truncate text-xs text-slate-500">{user.email.clone()}</p>
                <a href="/account" class="mt-3 block text-sm font-medium text-indigo-700 hover:underline">
                    "Your account"
                </a>
                {user
                    .is_platform_admin
                    .then(|| {
                        view! {
                            <a href="/admin" class="mt-3 block text-sm font-medium text-indigo-700 hover:underline">
                                "Platform admin"
                            </a>
                        }
                    })}
                <ThemeChoice current=user.theme />
                <ActionForm action=logout attr:class="mt-3">
                    <button
                        type="submit"
                        class="w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50"
                    >
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        </details>
    }
}

/// Light, dark or the device's scheme, kept with the account. Each choice
/// is a form of its own, so it works without JavaScript (the page comes
/// back in the new scheme); hydrated, the scheme changes in place.
#[component]
fn ThemeChoice(current: Theme) -> impl IntoView {
    let set = ServerAction::<SetTheme>::new();
    let theme = RwSignal::new(current);
    // The account's scheme, also on a page the router reached without a
    // full load (signed in with JavaScript, the shell came before the
    // cookie did). Runs once, in the browser.
    Effect::new(move |_| apply_theme(current));
    Effect::new(move |_| {
        if let Some(Ok(chosen)) = set.value().get() {
            theme.set(chosen);
            apply_theme(chosen);
        }
    });
    view! {
        <fieldset class="mt-3">
            <legend class="text-xs font-medium text-slate-600">"Theme"</legend>
            <div class="mt-1 flex gap-1">
                {Theme::ALL
                    .iter()
                    .map(|&choice| {
                        view! {
                            <ActionForm action=set attr:class="flex-1">
                                <input type="hidden" name="theme" value=choice.as_str() />
                                <button
                                    type="submit"
                                    class="theme-choice"
                                    aria-pressed=move || (theme.get() == choice).to_string()
                                >
                                    {choice.label()}
                                </button>
                            </ActionForm>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

/// Puts `theme` on `<html>` (the stylesheet keys its colours on it).
fn apply_theme(theme: Theme) {
    #[cfg(feature = "hydrate")]
    if let Some(root) = document().document_element() {
        let _ = match theme.attribute() {
            Some(value) => root.set_attribute("data-theme", value),
            None => root.remove_attribute("data-theme"),
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}

/// Above every page of a person whose address is not verified yet: why,
/// and a button that sends the link again (limited to one a minute).
#[component]
pub fn VerifyEmailBanner(email: String) -> impl IntoView {
    let resend = ServerAction::<ResendVerification>::new();
    view! {
        <div role="region" aria-label="Email verification" class="border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900">
            <ActionForm action=resend attr:class="flex flex-wrap items-center gap-x-3 gap-y-1">
                <span>{format!("Confirm your email address: we sent a link to {email}.")}</span>
                <button type="submit" class="font-medium underline" disabled=move || resend.pending().get()>
                    "Send it again"
                </button>
                <span role="status">
                    {move || {
                        resend
                            .value()
                            .get()
                            .map(|result| match result {
                                Ok(()) => "Sent. Check your inbox.".to_owned(),
                                Err(err) => err.to_string(),
                            })
                    }}
                </span>
            </ActionForm>
        </div>
    }
}

/// Up to two initials of a name, for the avatar.
fn initials(name: &str) -> String {
    name.split_whitespace().filter_map(|word| word.chars().next()).take(2).flat_map(char::to_uppercase).collect()
}

/// The organization's sections, beside the page from the `md` breakpoint
/// up (the top bar's menu holds them below it).
#[component]
pub fn Sidebar(slug: String, role: Role) -> impl IntoView {
    view! {
        <nav aria-label="Organization" class="hidden w-56 shrink-0 border-r border-slate-200 bg-slate-50 p-3 md:block">
            <OrgLinks slug role />
            <p class="mt-6 px-3 text-xs text-slate-500">
                <kbd class="rounded border border-slate-300 bg-white px-1">"Ctrl"</kbd>
                " + "
                <kbd class="rounded border border-slate-300 bg-white px-1">"K"</kbd>
                " to jump to a project"
            </p>
        </nav>
    }
}

/// The links to the organization's sections that `role` may open.
#[component]
fn OrgLinks(slug: String, role: Role) -> impl IntoView {
    // A component class (`style/main.css`): the links are rendered twice
    // (the phone's menu and the sidebar) on every page.
    let link = "nav-link";
    view! {
        <ul class="space-y-1">
            <li>
                <A href=org_path(&slug) exact=true attr:class=link>
                    "Dashboard"
                </A>
            </li>
            <li>
                <A href=format!("{}/projects", org_path(&slug)) attr:class=link>
                    "Projects"
                </A>
            </li>
            <li>
                <A href=format!("{}/members", org_path(&slug)) attr:class=link>
                    "Members"
                </A>
            </li>
            <li>
                <A href=format!("{}/jobs", org_path(&slug)) attr:class=link>
                    "Jobs"
                </A>
            </li>
            {role
                .can(Action::ViewLicenses)
                .then(|| {
                    view! {
                        <li>
                            <A href=format!("{}/licenses", org_path(&slug)) attr:class=link>
                                "Licenses"
                            </A>
                        </li>
                        <li>
                            <A href=format!("{}/policies", org_path(&slug)) attr:class=link>
                                "Policies"
                            </A>
                        </li>
                    }
                })}
            {role
                .can(Action::ViewAudit)
                .then(|| {
                    view! {
                        <li>
                            <A href=format!("{}/audit", org_path(&slug)) attr:class=link>
                                "Audit log"
                            </A>
                        </li>
                    }
                })}
            {role
                .can(Action::ManageSettings)
                .then(|| {
                    view! {
                        <li>
                            <A href=format!("{}/settings", org_path(&slug)) exact=true attr:class=link>
                                "Settings"
                            </A>
                        </li>
                    }
                })}
            {role
                .can(Action::ManageApiTokens)
                .then(|| {
                    view! {
                        <li>
                            <A href=format!("{}/settings/tokens", org_path(&slug)) attr:class=link>
                                "API tokens"
                            </A>
                        </li>
                    }
                })}
            {role
                .can(Action::ManageWebhooks)
                .then(|| {
                    view! {
                        <li>
                            <A href=format!("{}/settings/webhooks", org_path(&slug)) attr:class=link>
                                "Webhooks"
                            </A>
                        </li>
                    }
                })}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        assert_eq!(initials("ada lovelace byron"), "AL");
        assert_eq!(initials("Grace"), "G");
        assert_eq!(initials(""), "");
    }
}
