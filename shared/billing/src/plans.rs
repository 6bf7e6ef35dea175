//! Postiz's plans (`pricing.ts`): prices and limits per tier, exactly as Postiz sells them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A plan. FREE means "no subscription".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Tier {
    /// No subscription: no channels.
    Free,
    /// 5 channels.
    Standard,
    /// 10 channels and a team.
    Team,
    /// 30 channels.
    Pro,
    /// 100 channels.
    Ultimate,
}

/// How often a plan is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Period {
    /// Every month.
    Monthly,
    /// Every year.
    Yearly,
}

/// What a tier costs and allows (Postiz's `pricing` entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The tier.
    pub tier: Tier,
    /// US dollars per month.
    pub month_price: u32,
    /// US dollars per year.
    pub year_price: u32,
    /// Channels that may be connected and active.
    pub channels: u32,
    /// Posts per month (since the subscription's monthly anniversary).
    pub posts_per_month: u32,
    /// Whether members can be invited.
    pub team_members: bool,
    /// Whether the AI features are on.
    pub ai: bool,
    /// AI images per month.
    pub image_generation_count: u32,
    /// AI videos per month.
    pub generate_videos: u32,
    /// Outgoing webhooks.
    pub webhooks: u32,
    /// RSS autopost (not enforced by Postiz's server).
    pub auto_post: bool,
    /// Importing from channels (not enforced).
    pub import_from_channels: bool,
    /// Community features (not enforced).
    pub community_features: bool,
    /// Featured by Gitroom (not enforced).
    pub featured_by_gitroom: bool,
    /// The image generator (not enforced).
    pub image_generator: bool,
    /// The public API (Postiz only requires a subscription).
    pub public_api: bool,
}

impl Tier {
    /// Every tier, cheapest first.
    pub const ALL: [Tier; 5] = [
        Tier::Free,
        Tier::Standard,
        Tier::Team,
        Tier::Pro,
        Tier::Ultimate,
    ];

    /// The tier's name as Postiz writes it (`"PRO"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Free => "FREE",
            Tier::Standard => "STANDARD",
            Tier::Team => "TEAM",
            Tier::Pro => "PRO",
            Tier::Ultimate => "ULTIMATE",
        }
    }

    /// The tier named `name` (case-sensitive, as Postiz stores it).
    pub fn parse(name: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The tier's plan.
    pub fn plan(self) -> Plan {
        let paid = |tier, month_price, year_price, channels, images, videos, webhooks| Plan {
            tier,
            month_price,
            year_price,
            channels,
            posts_per_month: 1_000_000,
            team_members: tier != Tier::Standard,
            ai: true,
            image_generation_count: images,
            generate_videos: videos,
            webhooks,
            auto_post: tier != Tier::Standard,
            import_from_channels: true,
            community_features: tier != Tier::Standard,
            featured_by_gitroom: tier != Tier::Standard,
            image_generator: tier != Tier::Standard,
            public_api: true,
        };
        match self {
            Tier::Free => Plan {
                tier: Tier::Free,
                month_price: 0,
                year_price: 0,
                channels: 0,
                posts_per_month: 0,
                team_members: false,
                ai: false,
                image_generation_count: 0,
                generate_videos: 0,
                webhooks: 0,
                auto_post: false,
                import_from_channels: false,
                community_features: false,
                featured_by_gitroom: false,
                image_generator: false,
                public_api: false,
            },
            Tier::Standard => paid(Tier::Standard, 29, 278, 5, 20, 3, 2),
            Tier::Team => paid(Tier::Team, 39, 374, 10, 100, 10, 10),
            Tier::Pro => paid(Tier::Pro, 49, 470, 30, 300, 30, 30),
            Tier::Ultimate => paid(Tier::Ultimate, 99, 950, 100, 500, 60, 10_000),
        }
    }
}

impl Period {
    /// `"MONTHLY"` or `"YEARLY"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Monthly => "MONTHLY",
            Period::Yearly => "YEARLY",
        }
    }

    /// The period named `name`.
    pub fn parse(name: &str) -> Option<Period> {
        [Period::Monthly, Period::Yearly]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

impl Plan {
    /// The price of `period` in US cents (what Stripe's prices carry).
    pub fn cents(&self, period: Period) -> u64 {
        u64::from(match period {
            Period::Monthly => self.month_price,
            Period::Yearly => self.year_price,
        }) * 100
    }

    /// The plan in Postiz's `pricing` JSON shape (the keys the web app reads).
    pub fn to_json(&self) -> Value {
        json!({
            "current": self.tier.as_str(),
            "month_price": self.month_price,
            "year_price": self.year_price,
            "channel": self.channels,
            "posts_per_month": self.posts_per_month,
            "team_members": self.team_members,
            "community_features": self.community_features,
            "featured_by_gitroom": self.featured_by_gitroom,
            "ai": self.ai,
            "import_from_channels": self.import_from_channels,
            "image_generator": self.image_generator,
            "image_generation_count": self.image_generation_count,
            "generate_videos": self.generate_videos,
            "public_api": self.public_api,
            "webhooks": self.webhooks,
            "autoPost": self.auto_post,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_match_postiz_pricing() {
        let rows: Vec<_> = Tier::ALL
            .iter()
            .map(|t| {
                let p = t.plan();
                (
                    t.as_str(),
                    p.month_price,
                    p.year_price,
                    p.channels,
                    p.team_members,
                    p.image_generation_count,
                    p.generate_videos,
                    p.webhooks,
                    p.auto_post,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("FREE", 0, 0, 0, false, 0, 0, 0, false),
                ("STANDARD", 29, 278, 5, false, 20, 3, 2, false),
                ("TEAM", 39, 374, 10, true, 100, 10, 10, true),
                ("PRO", 49, 470, 30, true, 300, 30, 30, true),
                ("ULTIMATE", 99, 950, 100, true, 500, 60, 10_000, true),
            ]
        );
        assert_eq!(Tier::Free.plan().posts_per_month, 0);
        assert_eq!(Tier::Pro.plan().posts_per_month, 1_000_000);
        assert_eq!(Tier::Team.plan().cents(Period::Yearly), 37_400);
        assert_eq!(Tier::parse("PRO"), Some(Tier::Pro));
        assert_eq!(Tier::parse("pro"), None);
        assert_eq!(Period::parse("YEARLY"), Some(Period::Yearly));
    }
}
