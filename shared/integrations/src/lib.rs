//! Channels ("integrations" in Postiz): connecting social accounts, their encrypted tokens,
//! the token refresh job, customers, posting times, and the in-app notifications the jobs
//! raise.

pub mod model;
pub mod notifications;
pub mod refresh;
pub mod repo;
pub mod service;

pub use model::Channel;
pub use notifications::Notifications;
pub use refresh::RefreshJob;
pub use repo::ChannelRepo;
pub use service::Channels;
