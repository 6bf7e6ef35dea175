//! The `media` function: the media library routes (`/media*`).

use axum::Router;
use postiz_web::AppState;

/// The routes of this function.
pub fn router() -> Router<AppState> {
    Router::new()
}
