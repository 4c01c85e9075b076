//! Account entry: sign-up and sign-in.

mod login;
mod signup;

pub use login::LoginPage;
pub use signup::SignupPage;

use leptos::prelude::*;

use crate::{components::forms::PasswordField, model::Password};

/// The password field of the forms that make an account (sign-up, and
/// sign-up from an invitation): the length rules and the hint.
#[component]
pub(crate) fn NewPasswordField(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <PasswordField
            label="Password"
            name="password"
            autocomplete="new-password"
            minlength=Password::MIN_LEN
            maxlength=Password::MAX_LEN
            hint="At least 12 characters. A few unrelated words make a strong one."
            error
        />
    }
}

/// The centred card that account-entry forms sit in.
#[component]
pub(crate) fn AuthCard(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <main class="flex min-h-screen items-start justify-center bg-slate-50 px-4 py-16">
            <div class="w-full max-w-md">
                <a href="/" class="block text-center text-xl font-bold tracking-tight text-indigo-700">"Atrium"</a>
                <div class="mt-6 rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
                    <h1 class="mb-6 text-2xl font-bold tracking-tight text-slate-900">{title}</h1>
                    {children()}
                </div>
            </div>
        </main>
    }
}
