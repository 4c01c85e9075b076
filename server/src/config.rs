//! Loading `Config`: defaults, then the config file, then the environment.

use app::server::Config;
use figment::{
    Figment,
    providers::{Env, Format, Toml},
};

/// The config file read when `ATRIUM_CONFIG` names none. Missing is fine.
pub const DEFAULT_CONFIG_FILE: &str = "atrium.toml";

/// Reads the configuration: `Config::default()`, overridden by the TOML
/// file (`ATRIUM_CONFIG`, default `atrium.toml`), overridden by
/// `DATABASE_URL` and `ATRIUM_<KEY>` variables (`ATRIUM_PUBLIC_URL`,
/// `ATRIUM_LOG_FORMAT=json`, ...). Unknown keys are errors, so typos surface.
pub fn load() -> Result<Config, Box<figment::Error>> {
    let file = std::env::var("ATRIUM_CONFIG").unwrap_or_else(|_| DEFAULT_CONFIG_FILE.to_owned());
    figment(&file).extract().map_err(Box::new)
}

fn figment(file: &str) -> Figment {
    Figment::new()
        .merge(Toml::file(file))
        .merge(Env::raw().only(&["DATABASE_URL"]))
        .merge(Env::prefixed("ATRIUM_").ignore(&["CONFIG"]))
}

#[cfg(test)]
#[allow(clippy::result_large_err, reason = "figment::Jail closures must return figment::Error")]
mod tests {
    use super::*;
    use app::server::config::LogFormat;
    use secrecy::ExposeSecret;

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("atrium.toml", "public_url = \"https://file.example\"\ndatabase_max_connections = 3\n")?;
            jail.set_env("ATRIUM_PUBLIC_URL", "https://env.example");
            jail.set_env("DATABASE_URL", "postgres://db.example/atrium");
            let config: Config = figment("atrium.toml").extract()?;
            assert_eq!(config.public_url.as_deref(), Some("https://env.example"));
            assert_eq!(config.database_max_connections, 3);
            assert_eq!(config.database_url.expose_secret(), "postgres://db.example/atrium");
            assert_eq!(config.log_format, LogFormat::Pretty);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_rejected() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("ATRIUM_PUBLIK_URL", "https://typo.example");
            assert!(figment("missing.toml").extract::<Config>().is_err());
            Ok(())
        });
    }

    #[test]
    fn no_file_and_no_environment_gives_the_defaults() {
        figment::Jail::expect_with(|_jail| {
            let config: Config = figment("missing.toml").extract()?;
            assert_eq!(config.database_url.expose_secret(), "sqlite://data/atrium.db?mode=rwc");
            assert_eq!(config.session_idle_timeout_minutes, 30);
            Ok(())
        });
    }
}
