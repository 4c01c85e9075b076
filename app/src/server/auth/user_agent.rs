//! Browser and operating system names from a `User-Agent` header, for the
//! list of a person's sessions. Parsed by `woothee` (its rules are compiled
//! in; no data file at run time).

use std::sync::LazyLock;

use woothee::{parser::Parser, woothee::VALUE_UNKNOWN};

static PARSER: LazyLock<Parser> = LazyLock::new(Parser::new);

/// `(browser, os)`, like `("Chrome 131", "Windows 10")`; "Unknown browser"
/// and "Unknown system" where the header says nothing usable.
pub fn describe(user_agent: Option<&str>) -> (String, String) {
    let parsed = user_agent.and_then(|agent| PARSER.parse(agent));
    let known = |value: &str| !value.is_empty() && value != VALUE_UNKNOWN;
    let browser = parsed
        .as_ref()
        .filter(|p| known(p.name))
        .map(|p| {
            let major = p.version.split('.').next().filter(|v| known(v));
            major.map_or_else(|| p.name.to_owned(), |major| format!("{} {major}", p.name))
        })
        .unwrap_or_else(|| "Unknown browser".to_owned());
    let os = parsed
        .as_ref()
        .filter(|p| known(p.os))
        .map(|p| match p.os {
            "Mac OSX" => "macOS".to_owned(),
            other => other.to_owned(),
        })
        .unwrap_or_else(|| "Unknown system".to_owned());
    (browser, os)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_agents_are_named_and_others_are_unknown() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(chrome)), ("Chrome 131".to_owned(), "Windows 10".to_owned()));
        let firefox = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0";
        assert_eq!(describe(Some(firefox)), ("Firefox 132".to_owned(), "macOS".to_owned()));
        let unknown = ("Unknown browser".to_owned(), "Unknown system".to_owned());
        assert_eq!(describe(Some("curl/8.5.0")).1, unknown.1);
        assert_eq!(describe(None), unknown);
    }
}
