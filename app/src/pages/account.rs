//! `/account`: the signed-in person's own settings: profile, email
//! (verification and change), password, two-factor authentication and the
//! sessions (devices) they are signed in with.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::account::{
        ChangeEmail, ChangePassword, ConfirmPassword, ConfirmTwoFactor, DisableTwoFactor, RenewRecoveryCodes,
        ResendVerification, RevokeOtherSessions, RevokeSession, StartTwoFactor, UpdateProfile, get_account,
    },
    components::{
        errors::PageError,
        format::when,
        forms::{FormError, PasswordField, SubmitButton, TextField, field_error, form_error},
    },
    model::{AccountOverview, DeviceSession, DisplayName, Email, TwoFactorEnrolment},
    pages::auth::password_field::NewPasswordField,
};

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-6 shadow-sm";
const H2: &str = "text-lg font-semibold text-slate-900";
const NOTICE: &str = "rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900";
const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 \
                      hover:bg-slate-50 disabled:opacity-60";

/// How many times `action` has succeeded here.
fn successes<S>(action: ServerAction<S>) -> ReadSignal<u32>
where
    S: leptos::server_fn::ServerFn<Error = crate::error::AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let (count, set_count) = signal(0_u32);
    Effect::new(move |_| {
        if action.value().with(|value| matches!(value, Some(Ok(_)))) {
            set_count.update(|n| *n += 1);
        }
    });
    count
}

/// The success message of `action`'s last result, made by `message`.
fn done<S, F>(action: ServerAction<S>, message: F) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static
where
    S: leptos::server_fn::ServerFn<Error = crate::error::AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    F: Fn(&S::Output) -> String + Copy + Send + Sync + 'static,
{
    move || action.value().with(|value| value.as_ref().and_then(|result| result.as_ref().ok()).map(message))
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let profile = ServerAction::<UpdateProfile>::new();
    let resend = ServerAction::<ResendVerification>::new();
    let email = ServerAction::<ChangeEmail>::new();
    let password = ServerAction::<ChangePassword>::new();
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let start = ServerAction::<StartTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let renew = ServerAction::<RenewRecoveryCodes>::new();
    let confirm_password = ServerAction::<ConfirmPassword>::new();
    // Read again only after a change: a refused form is not redrawn, so it
    // keeps what was typed.
    let changes = [
        successes(profile),
        successes(email),
        successes(password),
        successes(revoke),
        successes(revoke_others),
        successes(start),
        successes(confirm),
        successes(disable),
        successes(renew),
        successes(confirm_password),
    ];
    let account = Resource::new(move || changes.map(|count| count.get()), |_| get_account());
    // The newest recovery codes made here, until two-factor is turned off.
    let codes = RwSignal::new(None::<Vec<String>>);
    for made in [confirm.value(), renew.value()] {
        Effect::new(move |_| {
            if let Some(Ok(new)) = made.get() {
                codes.set(Some(new));
            }
        });
    }
    Effect::new(move |_| {
        if matches!(disable.value().get(), Some(Ok(()))) {
            codes.set(None);
        }
    });
    let query = use_query_map();
    let verified = move || query.with(|q| q.get("verified").is_some());
    view! {
        <Title text="Your account · Atrium" />
        <div class="min-h-screen bg-slate-50">
            <header class="flex items-center gap-4 border-b border-slate-200 bg-white px-6 py-3">
                <a href="/" class="text-lg font-bold tracking-tight text-indigo-700">"Atrium"</a>
                <span class="text-sm text-slate-500">"Your account"</span>
                <div class="flex-1"></div>
                <a href="/" class="text-sm font-medium text-indigo-700 hover:underline">"Back to your dashboard"</a>
            </header>
            <main id="main" tabindex="-1" class="mx-auto max-w-3xl space-y-6 p-6">
                <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Your account"</h1>
                <Show when=verified>
                    <p role="status" class=NOTICE>"Your email address is confirmed."</p>
                </Show>
                <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match account.await {
                            Ok(account) => {
                                let AccountOverview {
                                    user,
                                    sessions,
                                    two_factor,
                                    recovery_codes_left,
                                    pending_two_factor,
                                    recently_authenticated,
                                } = account;
                                view! {
                                    <section aria-labelledby="profile-heading" class=CARD>
                                        <h2 id="profile-heading" class=H2>"Profile"</h2>
                                        <ActionForm action=profile attr:class="mt-4 max-w-md space-y-4" attr:novalidate=true>
                                            <FormError message=form_error(profile) />
                                            {move || done(profile, |()| "Saved.".to_owned())().map(|m| view! { <p role="status" class=NOTICE>{m}</p> })}
                                            <TextField
                                                label="Name"
                                                name="display_name"
                                                autocomplete="name"
                                                required=true
                                                maxlength=DisplayName::MAX_LEN
                                                value=Some(user.display_name.clone())
                                                error=field_error(profile, "display_name")
                                            />
                                            <SubmitButton label="Save name" pending_label="Saving…" pending=profile.pending() />
                                        </ActionForm>
                                    </section>
                                    <EmailSection email_action=email resend user_email=user.email.clone() verified=user.email_verified />
                                    <PasswordSection action=password />
                                    <TwoFactorSection
                                        on=two_factor
                                        codes_left=recovery_codes_left
                                        pending=pending_two_factor
                                        start
                                        confirm
                                        disable
                                        renew
                                        codes=codes.read_only()
                                    />
                                    <SessionsSection
                                        sessions
                                        revoke
                                        revoke_others
                                        recent=recently_authenticated
                                        confirm=confirm_password
                                    />
                                }
                                    .into_any()
                            }
                            Err(error) => view! { <PageError error /> }.into_any(),
                        }
                    })}
                </Transition>
            </main>
        </div>
    }
}

#[component]
fn EmailSection(
    email_action: ServerAction<ChangeEmail>,
    resend: ServerAction<ResendVerification>,
    user_email: String,
    verified: bool,
) -> impl IntoView {
    view! {
        <section aria-labelledby="email-heading" class=CARD>
            <h2 id="email-heading" class=H2>"Email address"</h2>
            <p class="mt-2 text-sm text-slate-700">
                <span class="font-medium">{user_email.clone()}</span>
                {if verified {
                    view! { <span class="ml-2 rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-medium text-emerald-800">"Verified"</span> }.into_any()
                } else {
                    view! { <span class="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-900">"Not verified"</span> }.into_any()
                }}
            </p>
            {(!verified)
                .then(|| {
                    view! {
                        <ActionForm action=resend attr:class="mt-3 space-y-2">
                            <FormError message=form_error(resend) />
                            {move || {
                                done(resend, |()| "We sent a new link. It works for two days.".to_owned())()
                                    .map(|m| view! { <p role="status" class=NOTICE>{m}</p> })
                            }}
                            <button type="submit" class=BUTTON disabled=move || resend.pending().get()>
                                "Send the verification link again"
                            </button>
                        </ActionForm>
                    }
                })}
            <h3 class="mt-6 text-sm font-semibold text-slate-900">"Change your email address"</h3>
            <ActionForm action=email_action attr:class="mt-2 max-w-md space-y-4" attr:novalidate=true>
                <FormError message=form_error(email_action) />
                {move || {
                    done(email_action, |new: &String| format!("We sent a link to {new}. Your address changes when you open it."))()
                        .map(|m| view! { <p role="status" class=NOTICE>{m}</p> })
                }}
                <TextField
                    label="New email address"
                    name="email"
                    id="new-email"
                    kind="email"
                    autocomplete="email"
                    required=true
                    maxlength=Email::MAX_LEN
                    error=field_error(email_action, "email")
                />
                <PasswordField
                    label="Your password"
                    name="password"
                    id="email-password"
                    autocomplete="current-password"
                    error=field_error(email_action, "password")
                />
                <SubmitButton label="Send a confirmation link" pending_label="Sending…" pending=email_action.pending() />
            </ActionForm>
        </section>
    }
}

#[component]
fn PasswordSection(action: ServerAction<ChangePassword>) -> impl IntoView {
    view! {
        <section aria-labelledby="password-heading" class=CARD>
            <h2 id="password-heading" class=H2>"Password"</h2>
            <ActionForm action attr:class="mt-4 max-w-md space-y-4" attr:novalidate=true>
                <FormError message=form_error(action) />
                {move || {
                    done(action, |ended: &u64| match ended {
                        0 => "Password changed.".to_owned(),
                        1 => "Password changed. 1 other session was signed out.".to_owned(),
                        n => format!("Password changed. {n} other sessions were signed out."),
                    })()
                        .map(|m| view! { <p role="status" class=NOTICE>{m}</p> })
                }}
                <PasswordField
                    label="Current password"
                    name="current_password"
                    autocomplete="current-password"
                    error=field_error(action, "current_password")
                />
                <NewPasswordField label="New password" id="new-password" error=field_error(action, "password") />
                <label class="flex items-center gap-2 text-sm text-slate-700">
                    <input type="checkbox" name="sign_out_others" value="on" checked=true class="h-4 w-4" />
                    "Sign out my other sessions"
                </label>
                <SubmitButton label="Change password" pending_label="Changing…" pending=action.pending() />
            </ActionForm>
        </section>
    }
}

/// Recovery codes just made: shown once, to be kept somewhere safe.
#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    view! {
        <div role="status" class="mt-4 rounded-md border border-indigo-200 bg-indigo-50 p-4">
            <p class="text-sm font-semibold text-indigo-900">"Your recovery codes"</p>
            <p class="mt-1 text-sm text-indigo-900">
                "Each works once, in place of a code from your app. Keep them somewhere safe: they are not shown again."
            </p>
            <ul data-testid="recovery-codes" class="mt-3 grid grid-cols-2 gap-1 font-mono text-sm text-slate-900">
                {codes.into_iter().map(|code| view! { <li>{code}</li> }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn TwoFactorSection(
    on: bool,
    codes_left: i64,
    pending: Option<TwoFactorEnrolment>,
    start: ServerAction<StartTwoFactor>,
    confirm: ServerAction<ConfirmTwoFactor>,
    disable: ServerAction<DisableTwoFactor>,
    renew: ServerAction<RenewRecoveryCodes>,
    /// Codes just made, shown once.
    codes: ReadSignal<Option<Vec<String>>>,
) -> impl IntoView {
    let new_codes = move || codes.get().map(|codes| view! { <RecoveryCodes codes /> });
    let body = if on {
        view! {
            <p class="mt-2 text-sm text-slate-700">
                <span class="rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-medium text-emerald-800">"On"</span>
                {format!(" Signing in asks for a code from your authenticator app. {codes_left} recovery codes left.")}
            </p>
            <div class="mt-4 grid gap-6 sm:grid-cols-2">
                <ActionForm action=renew attr:class="space-y-3" attr:novalidate=true>
                    <h3 class="text-sm font-semibold text-slate-900">"New recovery codes"</h3>
                    <FormError message=form_error(renew) />
                    <PasswordField
                        label="Your password"
                        name="password"
                        id="renew-password"
                        autocomplete="current-password"
                        error=field_error(renew, "password")
                    />
                    <button type="submit" class=BUTTON disabled=move || renew.pending().get()>"Make new codes"</button>
                </ActionForm>
                <ActionForm action=disable attr:class="space-y-3" attr:novalidate=true>
                    <h3 class="text-sm font-semibold text-slate-900">"Turn off two-factor"</h3>
                    <FormError message=form_error(disable) />
                    <PasswordField
                        label="Password"
                        name="password"
                        id="disable-two-factor-password"
                        autocomplete="current-password"
                        error=field_error(disable, "password")
                    />
                    <button type="submit" class=BUTTON disabled=move || disable.pending().get()>"Turn off"</button>
                </ActionForm>
            </div>
        }
        .into_any()
    } else if let Some(enrolment) = pending {
        view! {
            <ol class="mt-3 list-decimal space-y-4 pl-5 text-sm text-slate-700">
                <li>
                    "Scan this code with an authenticator app (1Password, Google Authenticator, Aegis…)."
                    <img
                        src=enrolment.qr_image
                        alt="QR code to add Atrium to an authenticator app"
                        width="200"
                        height="200"
                        class="mt-2 rounded border border-slate-200"
                    />
                    <p class="mt-2">
                        "Or type this key: " <code data-testid="totp-secret" class="font-mono text-slate-900">{enrolment.secret}</code>
                    </p>
                </li>
                <li>
                    "Enter the 6-digit code the app shows, and your password."
                    <ActionForm action=confirm attr:class="mt-2 max-w-xs space-y-3" attr:novalidate=true>
                        <FormError message=form_error(confirm) />
                        <TextField
                            label="Code"
                            name="code"
                            id="two-factor-code"
                            autocomplete="one-time-code"
                            required=true
                            maxlength=40
                            error=field_error(confirm, "code")
                        />
                        <PasswordField
                            label="Your password"
                            name="password"
                            id="enrol-password"
                            autocomplete="current-password"
                            error=field_error(confirm, "password")
                        />
                        <SubmitButton label="Turn on two-factor" pending_label="Checking…" pending=confirm.pending() />
                    </ActionForm>
                </li>
            </ol>
        }
            .into_any()
    } else {
        view! {
            <p class="mt-2 text-sm text-slate-700">
                "Off. With two-factor on, signing in also asks for a code from an app on your phone, so a stolen \
                 password is not enough."
            </p>
            <ActionForm action=start attr:class="mt-3">
                <FormError message=form_error(start) />
                <button type="submit" class=BUTTON disabled=move || start.pending().get()>"Set up two-factor"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="two-factor-heading" class=CARD>
            <h2 id="two-factor-heading" class=H2>"Two-factor authentication"</h2>
            {body}
            {new_codes}
        </section>
    }
}

#[component]
fn SessionsSection(
    sessions: Vec<DeviceSession>,
    revoke: ServerAction<RevokeSession>,
    revoke_others: ServerAction<RevokeOtherSessions>,
    /// Signed in or confirmed the password in the last 10 minutes.
    recent: bool,
    confirm: ServerAction<ConfirmPassword>,
) -> impl IntoView {
    let others = sessions.iter().filter(|s| !s.current).count();
    view! {
        <section aria-labelledby="sessions-heading" class=CARD>
            <div class="flex items-center justify-between gap-4">
                <h2 id="sessions-heading" class=H2>"Sessions"</h2>
                <ActionForm action=revoke_others>
                    <button type="submit" class=BUTTON disabled=move || others == 0 || revoke_others.pending().get()>
                        "Sign out all other sessions"
                    </button>
                </ActionForm>
            </div>
            <p class="mt-1 text-sm text-slate-600">"Where you are signed in. Signing a session out ends it at once."</p>
            {(!recent)
                .then(|| {
                    view! {
                        <ActionForm action=confirm attr:class="mt-3 max-w-md space-y-3" attr:novalidate=true>
                            <p class="text-sm text-slate-700">
                                "You signed in over 10 minutes ago: confirm your password to sign sessions out."
                            </p>
                            <FormError message=form_error(confirm) />
                            <PasswordField
                                label="Password"
                                name="password"
                                id="confirm-password"
                                autocomplete="current-password"
                                error=field_error(confirm, "password")
                            />
                            <button type="submit" class=BUTTON disabled=move || confirm.pending().get()>
                                "Confirm"
                            </button>
                        </ActionForm>
                    }
                })}
            <FormError message=form_error(revoke) />
            <FormError message=form_error(revoke_others) />
            <div class="table-scroll" tabindex="0">
                <table class="mt-4 w-full text-left text-sm">
                    <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                        <tr>
                            <th scope="col" class="py-2 pr-3 font-medium">"Device"</th>
                            <th scope="col" class="py-2 pr-3 font-medium">"Address"</th>
                            <th scope="col" class="py-2 pr-3 font-medium">"Signed in"</th>
                            <th scope="col" class="py-2 pr-3 font-medium">"Last active"</th>
                            <th scope="col" class="py-2 font-medium"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100">
                        {sessions
                            .into_iter()
                            .map(|s| {
                                let device = format!("{} on {}", s.browser, s.os);
                                let id = s.id.to_string();
                                view! {
                                    <tr data-testid="session-row">
                                        <td class="py-2 pr-3 text-slate-900">
                                            {device.clone()}
                                            {s.current.then(|| view! { <span class="ml-2 rounded bg-indigo-100 px-1.5 py-0.5 text-xs font-medium text-indigo-800">"This session"</span> })}
                                        </td>
                                        <td class="py-2 pr-3 text-slate-600">{s.ip.unwrap_or_else(|| "Unknown".to_owned())}</td>
                                        <td class="py-2 pr-3 text-slate-600">{when(s.created_at)}</td>
                                        <td class="py-2 pr-3 text-slate-600">{when(s.last_active_at)}</td>
                                        <td class="py-2 text-right">
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="session" value=id />
                                                <button
                                                    type="submit"
                                                    class=format!("{BUTTON} whitespace-nowrap")
                                                    aria-label=format!("Sign out {device}")
                                                    disabled=move || revoke.pending().get()
                                                >
                                                    "Sign out"
                                                </button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
