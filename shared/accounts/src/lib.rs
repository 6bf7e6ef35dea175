//! Accounts and organizations: users, organizations, memberships, sessions, invites and the
//! organization's public API key. Models, the repository (the access patterns on the Table
//! port) and the services (the rules) live here; HTTP handlers stay thin in `functions/`.

pub mod limits;
pub mod model;
pub mod repo;
pub mod service;
pub mod tokens;

pub use model::{Membership, Organization, Role, User};
pub use repo::AccountsRepo;
pub use service::{Accounts, AccountsConfig, Session};
