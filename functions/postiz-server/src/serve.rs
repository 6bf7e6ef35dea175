//! The HTTP server loop of `postiz-server`, with limits on slow clients (in Lambda, API
//! Gateway does this): a request's headers must arrive within `CLIENT_HEADER_TIMEOUT_SECS`
//! (default 10), and a body may not pause for more than `CLIENT_BODY_TIMEOUT_SECS`
//! (default 30) between two pieces. A client that holds a connection open without sending
//! ("slowloris") is cut off, and other clients are served meanwhile.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use axum::response::Response;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::{Service, ServiceExt};
use tower_http::timeout::RequestBodyTimeoutLayer;

/// How long a slow client may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientLimits {
    /// Until the request's headers are complete.
    pub headers: Duration,
    /// Between two pieces of a request body.
    pub body_pause: Duration,
}

impl ClientLimits {
    /// From `CLIENT_HEADER_TIMEOUT_SECS` and `CLIENT_BODY_TIMEOUT_SECS`.
    pub fn from_env() -> Self {
        let secs = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|s| *s > 0)
                .unwrap_or(default)
        };
        Self {
            headers: Duration::from_secs(secs("CLIENT_HEADER_TIMEOUT_SECS", 10)),
            body_pause: Duration::from_secs(secs("CLIENT_BODY_TIMEOUT_SECS", 30)),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets the open requests finish
/// (for up to 30 s). Each request carries its peer address (`ConnectInfo<SocketAddr>`).
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    limits: ClientLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.headers);
    builder.http2().timer(TokioTimer::new());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let per_connection = tower::ServiceBuilder::new()
            .layer(RequestBodyTimeoutLayer::new(limits.body_pause))
            .service_fn(move |req: Request<_>| {
                let mut req = req.map(Body::new);
                req.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(req)
            });
        let connection = builder
            .serve_connection_with_upgrades(
                TokioIo::new(tcp),
                TowerToHyperService::new(per_connection),
            )
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("requests still open after 30 s; stopping anyway");
        }
    }
    Ok(())
}
