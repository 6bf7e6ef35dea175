//! Posts: one channel's thread (root message and its comments) per stored item, the
//! create/edit rules, the calendar, the sparse due index, the scheduler that turns due posts
//! into queue messages, and the publisher that moves a post through its states with
//! conditional writes.

pub mod calendar;
pub mod dispatch;
pub mod format;
pub mod gate;
pub mod model;
pub mod plugs;
pub mod public;
pub mod publisher;
pub mod repo;
pub mod request;
pub mod scheduler;
pub mod schema;
pub mod service;
pub mod sharing;
pub mod views;
pub mod worker;

use chrono::Duration;
use postiz_core::Clock;
use postiz_integrations::Channels;
use postiz_storage::{Queue, Table};
use std::sync::Arc;

pub use dispatch::{Dispatcher, PublishMessage};
pub use gate::{Gate, LocalGate, TableGate};
pub use model::{Post, PostState};
pub use plugs::{PlugMessage, PlugOutcome, PlugRuns};
pub use publisher::{Outcome, Publisher, PublisherConfig};
pub use repo::PostRepo;
pub use scheduler::{Scheduler, SweepReport};
pub use service::Posts;

/// Every posts component, wired on the same ports.
#[derive(Clone)]
pub struct PostsModule {
    /// The rules behind the routes.
    pub posts: Posts,
    /// Sends due posts to the queue.
    pub dispatcher: Dispatcher,
    /// Finds due posts.
    pub scheduler: Scheduler,
    /// Publishes one post per message.
    pub publisher: Publisher,
}

impl PostsModule {
    /// Wires the components; posts due within `horizon` are sent at once.
    pub fn new(
        table: Arc<dyn Table>,
        queue: Arc<dyn Queue>,
        channels: Arc<Channels>,
        clock: Arc<dyn Clock>,
        gate: Arc<dyn Gate>,
        horizon: Duration,
        config: PublisherConfig,
    ) -> Self {
        let events = postiz_webhooks::Events::new(
            postiz_webhooks::WebhookRepo::new(table.clone()),
            queue.clone(),
            clock.clone(),
        );
        let plugs = PlugRuns::new(
            table.clone(),
            channels.clone(),
            queue.clone(),
            clock.clone(),
        );
        let repo = PostRepo::new(table);
        let dispatcher = Dispatcher::new(queue, repo.clone(), clock.clone(), horizon);
        Self {
            posts: Posts::new(
                repo.clone(),
                channels.clone(),
                clock.clone(),
                dispatcher.clone(),
                events.clone(),
            ),
            scheduler: Scheduler::new(
                repo.clone(),
                dispatcher.clone(),
                plugs.clone(),
                clock.clone(),
            ),
            publisher: Publisher::new(repo, channels, clock, gate, config, events, plugs),
            dispatcher,
        }
    }
}
