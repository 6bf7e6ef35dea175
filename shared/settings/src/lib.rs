//! What an organization keeps besides its posts, and what the platform tells every user:
//! saved post sets (editor templates), signatures (one of them added to new posts
//! automatically) and announcements (the banner of the web app).
//!
//! | pattern | key |
//! |---|---|
//! | sets of an organization | `ORG#<orgId>` / `SET#<id>` |
//! | signatures of an organization | `ORG#<orgId>` / `SIGNATURE#<id>` (soft delete) |
//! | the organization's auto-added signature | `ORG#<orgId>` / `SIGNATURE-DEFAULT` → signature id |
//! | announcements | `ANNOUNCEMENTS` / `ANN#<id>` |
//!
//! Sets, signatures and announcements are few per partition, so each list is one query of
//! its partition, sorted in memory.

pub mod model;
pub mod repo;
pub mod service;

pub use model::{Announcement, AnnouncementColor, PostSet, Signature};
pub use service::Settings;
