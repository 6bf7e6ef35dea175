//! Logging: JSON lines in Lambda (or with `LOG_FORMAT=json`), readable text otherwise.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The levels `RUST_LOG` asks for (`info`, `warn,postiz_posts=debug`): a default level and
/// per-target levels. `info` when unset or unreadable (span and field filters are not read).
pub fn filter(directives: Option<&str>) -> Targets {
    directives
        .and_then(|d| d.parse::<Targets>().ok())
        .filter(|t| t.default_level().is_some() || t.iter().next().is_some())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

/// Installs the global subscriber once; later calls do nothing.
pub fn init(json: bool) {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref());
    let json = json || std::env::var("LOG_FORMAT").is_ok_and(|v| v == "json");
    let layer = tracing_subscriber::fmt::layer().with_target(false);
    let _ = if json {
        tracing_subscriber::registry()
            .with(
                layer
                    .json()
                    .flatten_event(true)
                    .without_time()
                    .with_filter(filter),
            )
            .try_init()
    } else {
        tracing_subscriber::registry()
            .with(layer.with_filter(filter))
            .try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn rust_log_sets_the_default_and_per_target_levels() {
        let f = filter(Some("warn,postiz_posts=debug"));
        assert!(f.would_enable("postiz_posts::service", &Level::DEBUG));
        assert!(!f.would_enable("postiz_web", &Level::INFO));
        assert!(f.would_enable("postiz_web", &Level::WARN));
        let unset = filter(None);
        assert!(unset.would_enable("anything", &Level::INFO));
        assert!(!unset.would_enable("anything", &Level::DEBUG));
        let unreadable = filter(Some("[span{x=1}]=trace"));
        assert!(unreadable.would_enable("anything", &Level::INFO));
        assert!(!unreadable.would_enable("anything", &Level::TRACE));
    }
}
