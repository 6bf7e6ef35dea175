//! Billing: Postiz's plans and their limits ([`plans`], [`limits`]), the subscription record
//! ([`model`], [`repo`]), and the Stripe webhook: its signature ([`signature`]) and the events
//! it applies ([`webhook`]).

pub mod credits;
pub mod limits;
pub mod model;
#[cfg(feature = "stripe")]
pub mod payments;
pub mod plans;
pub mod repo;
pub mod signature;
#[cfg(feature = "stripe")]
pub mod stripe;
pub mod webhook;

pub use credits::{CreditKind, Credits};
pub use limits::{Billing, OrgPlan};
pub use model::Subscription;
pub use plans::{Period, Plan, Tier};
pub use repo::BillingRepo;
pub use webhook::{OrgEffects, Outcome, Webhooks};
