//! Settings read from the environment (every variable is listed in README.md).

use postiz_accounts::AccountsConfig;

/// Which adapters back the ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// redb + folders in `DATA_DIR`.
    Embedded,
    /// DynamoDB, SQS, S3, Secrets Manager.
    Aws,
}

/// HTTP-level settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebConfig {
    /// Header-token mode for plain-HTTP deployments (`NOT_SECURED`).
    pub not_secured: bool,
    /// The web app's origin, allowed by CORS (`FRONTEND_URL`).
    pub frontend_url: String,
    /// Another allowed origin (`MAIN_URL`).
    pub main_url: Option<String>,
    /// Domain of the cookies (`COOKIE_DOMAIN`, default derived from `FRONTEND_URL`).
    pub cookie_domain: String,
}

fn flag(name: &str) -> bool {
    std::env::var(name)
        .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
        .unwrap_or(false)
}

/// A variable, or `default` when unset or empty.
pub fn var(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

static BACKEND_URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Where clients reach this backend, without a trailing slash: `BACKEND_URL`, else Postiz's
/// `NEXT_PUBLIC_BACKEND_URL`, else `PUBLIC_URL`, else what [`default_backend_url`] set (the
/// address `postiz-server` listens on). The OAuth metadata and the MCP resource name it.
pub fn backend_url() -> String {
    ["BACKEND_URL", "NEXT_PUBLIC_BACKEND_URL", "PUBLIC_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(|| BACKEND_URL.get().cloned())
        .unwrap_or_else(|| "http://localhost:3000".into())
        .trim()
        .trim_end_matches('/')
        .to_string()
}

/// The backend's URL when no variable names it (set once, at start).
pub fn default_backend_url(url: &str) {
    let _ = BACKEND_URL.set(url.to_string());
}

impl StorageKind {
    /// `STORAGE=embedded|aws`, else `default`.
    pub fn from_env(default: StorageKind) -> Result<Self, String> {
        match std::env::var("STORAGE").ok().as_deref().map(str::trim) {
            None | Some("") => Ok(default),
            Some("embedded") | Some("local") => Ok(StorageKind::Embedded),
            Some("aws") => Ok(StorageKind::Aws),
            Some(other) => Err(format!("STORAGE must be embedded or aws, not {other:?}")),
        }
    }
}

impl WebConfig {
    /// From the environment.
    pub fn from_env() -> Self {
        let frontend_url = var("FRONTEND_URL", "http://localhost:4200");
        let cookie_domain = std::env::var("COOKIE_DOMAIN")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| cookie_domain_of(&frontend_url));
        Self {
            not_secured: flag("NOT_SECURED"),
            main_url: std::env::var("MAIN_URL").ok().filter(|v| !v.is_empty()),
            frontend_url,
            cookie_domain,
        }
    }
}

/// Account settings from the environment.
pub fn accounts_config() -> AccountsConfig {
    AccountsConfig {
        frontend_url: var("FRONTEND_URL", "http://localhost:4200"),
        disable_registration: flag("DISABLE_REGISTRATION"),
        disallow_plus: flag("DISALLOW_PLUS"),
        email_verification: flag("EMAIL_VERIFICATION"),
        super_admin_emails: std::env::var("SUPER_ADMIN_EMAILS")
            .unwrap_or_default()
            .split(',')
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
            .collect(),
    }
}

/// The cookie domain for a frontend URL: the registrable domain with a leading dot, or the
/// bare host for IP addresses and single-label hosts (as Postiz computes it).
pub fn cookie_domain_of(url: &str) -> String {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or("").to_string()
    };
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') || !host.contains('.') {
        return host;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    let second_level = ["co", "com", "org", "net", "gov", "ac", "edu"];
    let take = if n >= 3 && labels[n - 1].len() == 2 && second_level.contains(&labels[n - 2]) {
        3
    } else {
        2
    };
    format!(".{}", labels[n.saturating_sub(take)..].join("."))
}

#[cfg(test)]
mod tests {
    use super::cookie_domain_of;

    #[test]
    fn cookie_domains() {
        assert_eq!(cookie_domain_of("http://127.0.0.1:4200"), "127.0.0.1");
        assert_eq!(cookie_domain_of("http://localhost:4200"), "localhost");
        assert_eq!(
            cookie_domain_of("https://app.postiz.example.com/x"),
            ".example.com"
        );
        assert_eq!(
            cookie_domain_of("https://app.example.co.uk"),
            ".example.co.uk"
        );
    }
}
