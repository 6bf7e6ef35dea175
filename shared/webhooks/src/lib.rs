//! Outgoing webhooks: an organization's endpoints, the post lifecycle events sent to them
//! (`post.created`, `post.updated`, `post.published`, `post.failed`, `post.deleted`), and
//! their deliveries: recorded in a log, handed to a queue, signed with the webhook's secret
//! (HMAC-SHA256, [`signature`]), POSTed through the guarded fetcher and retried with
//! exponential backoff for a day.
//!
//! The body is Postiz's: a JSON array with the post (`id, content, publishDate, releaseURL,
//! state, integration{id, name, providerIdentifier, picture, type}`); the event and the
//! delivery are named in headers.

pub mod delivery;
pub mod events;
pub mod model;
pub mod repo;
pub mod service;
pub mod signature;

pub use delivery::{run_pool, Deliverer, DeliveryConfig, Handled};
pub use events::Events;
pub use model::{Delivery, DeliveryStatus, EventKind, Webhook};
pub use repo::WebhookRepo;
pub use service::{WebhookInput, WebhookService};
