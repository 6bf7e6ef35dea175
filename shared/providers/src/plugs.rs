//! Plugs: automations a channel runs on its own published posts (global plugs: "when the
//! post reaches N likes, repost it" or "reply with a promotion") and automations other
//! channels run on a post (internal plugs: "repost it from these accounts", "comment on it
//! from this account"). Each provider declares its plugs; the rules that run them are
//! here, over the provider's `likes`, `repost` and `comment`.

use serde_json::{json, Map, Value};

use crate::{ChannelAuth, PostDetails, Provider, ProviderError, ProviderResult};

/// What a plug field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRule {
    /// Any value.
    Any,
    /// Digits only (`/^\d+$/`).
    Digits,
    /// At least this many characters (`/^[\s\S]{n,}$/g`).
    MinChars(usize),
}

impl FieldRule {
    /// True when `value` satisfies the rule.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            FieldRule::Any => true,
            FieldRule::Digits => !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()),
            FieldRule::MinChars(n) => value.chars().count() >= n,
        }
    }

    /// The rule as the JavaScript regular expression literal the web app rebuilds.
    pub fn literal(self) -> Option<String> {
        match self {
            FieldRule::Any => None,
            FieldRule::Digits => Some(r"/^\d+$/".into()),
            FieldRule::MinChars(n) => Some(format!(r"/^[\s\S]{{{n},}}$/g")),
        }
    }
}

/// One field of a plug's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlugField {
    /// Field name (the key of the stored value).
    pub name: &'static str,
    /// Input type (`number`, `richtext`, `textarea`).
    pub kind: &'static str,
    /// Placeholder.
    pub placeholder: &'static str,
    /// Label.
    pub description: &'static str,
    /// What it accepts.
    pub rule: FieldRule,
}

/// What a global plug does once its post has enough likes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlugAction {
    /// Repost the post from the same account.
    Repost,
    /// Reply to the post with the `post` field's text.
    ReplyWithPromotion,
}

/// A global plug, configured per channel and run after each publish of that channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlugDef {
    /// Catalogue identifier (`x-autoRepostPost`).
    pub identifier: &'static str,
    /// The function name stored with a channel's plug (Postiz's `methodName`).
    pub method: &'static str,
    /// Title.
    pub title: &'static str,
    /// Description.
    pub description: &'static str,
    /// Time between runs.
    pub run_every_ms: u64,
    /// Most runs after one publish.
    pub total_runs: u32,
    /// Form fields.
    pub fields: &'static [PlugField],
    /// What it does when the threshold is reached.
    pub action: PlugAction,
}

/// What an internal plug makes the picked channels do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InternalAction {
    /// Repost the post.
    Repost,
    /// Comment on the post with the `comment` field's text.
    Comment,
}

/// An internal plug: set in a post's settings (`plug--<identifier>--<field>`), run by the
/// picked channels once the post is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InternalPlugDef {
    /// Identifier (`x-repost-post-users`).
    pub identifier: &'static str,
    /// Postiz's method name.
    pub method: &'static str,
    /// Title.
    pub title: &'static str,
    /// Description.
    pub description: &'static str,
    /// Providers whose channels may be picked.
    pub pick: &'static [&'static str],
    /// Form fields.
    pub fields: &'static [PlugField],
    /// What the picked channels do.
    pub action: InternalAction,
}

const LIKES_AMOUNT: PlugField = PlugField {
    name: "likesAmount",
    kind: "number",
    placeholder: "Amount of likes",
    description: "The amount of likes to trigger the repost",
    rule: FieldRule::Digits,
};

const PROMOTION: PlugField = PlugField {
    name: "post",
    kind: "richtext",
    placeholder: "Post to plug",
    description: "Message content to plug",
    rule: FieldRule::MinChars(3),
};

/// Every six hours, three times (Postiz's schedule for every global plug).
const SIX_HOURS_MS: u64 = 21_600_000;

/// The "repost after N likes" plug of a provider.
pub const fn auto_repost(identifier: &'static str) -> PlugDef {
    PlugDef {
        identifier,
        method: "autoRepostPost",
        title: "Auto Repost Posts",
        description: "When a post reached a certain number of likes, repost it to increase engagement (1 week old posts)",
        run_every_ms: SIX_HOURS_MS,
        total_runs: 3,
        fields: &[LIKES_AMOUNT],
        action: PlugAction::Repost,
    }
}

/// The "reply with a promotion after N likes" plug of a provider.
pub const fn auto_plug(identifier: &'static str) -> PlugDef {
    PlugDef {
        identifier,
        method: "autoPlugPost",
        title: "Auto plug post",
        description: "When a post reached a certain number of likes, add another post to it so you followers get a notification about your promotion",
        run_every_ms: SIX_HOURS_MS,
        total_runs: 3,
        fields: &[LIKES_AMOUNT, PROMOTION],
        action: PlugAction::ReplyWithPromotion,
    }
}

/// "Add Re-posters" with the providers whose channels may be picked.
pub const fn repost_users(
    identifier: &'static str,
    pick: &'static [&'static str],
) -> InternalPlugDef {
    InternalPlugDef {
        identifier,
        method: "repostPostUsers",
        title: "Add Re-posters",
        description: "Add accounts to repost your post",
        pick,
        fields: &[],
        action: InternalAction::Repost,
    }
}

/// LinkedIn's "comment from another account".
pub const ADD_COMMENT: InternalPlugDef = InternalPlugDef {
    identifier: "linkedin-add-comment",
    method: "addComment",
    title: "Add comments by a different account",
    description: "Add accounts to comment on your post",
    pick: &["linkedin", "linkedin-page"],
    fields: &[PlugField {
        name: "comment",
        kind: "textarea",
        placeholder: "Enter your comment here",
        description: "The comment to add to the post",
        rule: FieldRule::Any,
    }],
    action: InternalAction::Comment,
};

fn field_json(f: &PlugField, with_rule: bool) -> Value {
    let mut v = json!({
        "name": f.name,
        "type": f.kind,
        "placeholder": f.placeholder,
        "description": f.description,
    });
    if let (true, Some(rule)) = (with_rule, f.rule.literal()) {
        v["validation"] = json!(rule);
    }
    v
}

impl PlugDef {
    /// The catalogue entry, in Postiz's shape (validation as a regular expression literal).
    pub fn to_json(&self) -> Value {
        json!({
            "methodName": self.method,
            "identifier": self.identifier,
            "title": self.title,
            "description": self.description,
            "runEveryMilliseconds": self.run_every_ms,
            "totalRuns": self.total_runs,
            "fields": self.fields.iter().map(|f| field_json(f, true)).collect::<Vec<_>>(),
        })
    }

    /// Checks stored field values (`[{name, value}]`): every field present and valid.
    pub fn check_fields(&self, values: &Map<String, Value>) -> Result<(), String> {
        for f in self.fields {
            let value = values.get(f.name).and_then(Value::as_str).unwrap_or("");
            if !f.rule.accepts(value) {
                return Err(format!("{}: invalid value for {}", self.title, f.name));
            }
        }
        Ok(())
    }
}

impl InternalPlugDef {
    /// The catalogue entry, in Postiz's shape.
    pub fn to_json(&self) -> Value {
        json!({
            "methodName": self.method,
            "identifier": self.identifier,
            "title": self.title,
            "description": self.description,
            "pickIntegration": self.pick,
            "fields": self.fields.iter().map(|f| field_json(f, false)).collect::<Vec<_>>(),
        })
    }
}

/// The global plug `method` of `provider`.
pub fn global_plug(provider: &dyn Provider, method: &str) -> Option<PlugDef> {
    provider
        .plugs()
        .iter()
        .find(|p| p.method == method)
        .copied()
}

/// The internal plug `identifier` of `provider`.
pub fn internal_plug(provider: &dyn Provider, identifier: &str) -> Option<InternalPlugDef> {
    provider
        .internal_plugs()
        .iter()
        .find(|p| p.identifier == identifier)
        .copied()
}

fn text_message(id: &str, text: &str) -> PostDetails {
    PostDetails {
        id: id.to_string(),
        message: text.to_string(),
        settings: json!({}),
        media: Vec::new(),
    }
}

/// The likes threshold a global plug waits for (`likesAmount`).
pub fn threshold(values: &Map<String, Value>) -> Option<u64> {
    values.get("likesAmount")?.as_str()?.trim().parse().ok()
}

/// True when the post `post_id` has reached the plug's likes threshold.
pub async fn threshold_reached(
    provider: &dyn Provider,
    auth: &ChannelAuth,
    post_id: &str,
    values: &Map<String, Value>,
) -> ProviderResult<bool> {
    let wanted = threshold(values)
        .ok_or_else(|| ProviderError::bad("The plug's amount of likes is not a number"))?;
    Ok(provider.likes(auth, post_id).await? >= wanted)
}

/// Does what the global plug does on post `post_id`; `promotion` is the reply's text,
/// already in the provider's format. `run_id` keys the reply where the network takes a key.
pub async fn act(
    provider: &dyn Provider,
    auth: &ChannelAuth,
    plug: &PlugDef,
    post_id: &str,
    promotion: &str,
    run_id: &str,
) -> ProviderResult<()> {
    match plug.action {
        PlugAction::Repost => provider.repost(auth, post_id).await,
        PlugAction::ReplyWithPromotion => provider
            .comment(auth, post_id, post_id, &text_message(run_id, promotion))
            .await
            .map(|_| ()),
    }
}

/// Makes the picked channel (`auth`, on `provider`) do what the internal plug does on post
/// `post_id`; `comment` is the comment's text for plugs that comment.
pub async fn act_internal(
    provider: &dyn Provider,
    auth: &ChannelAuth,
    plug: &InternalPlugDef,
    post_id: &str,
    comment: &str,
    run_id: &str,
) -> ProviderResult<()> {
    match plug.action {
        InternalAction::Repost => provider.repost(auth, post_id).await,
        InternalAction::Comment => {
            if comment.trim().is_empty() {
                return Err(ProviderError::bad("The plug's comment is empty"));
            }
            provider
                .comment(auth, post_id, post_id, &text_message(run_id, comment))
                .await
                .map(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_postiz_regexes() {
        assert!(FieldRule::Digits.accepts("12"));
        assert!(!FieldRule::Digits.accepts("1e3"));
        assert!(!FieldRule::Digits.accepts(""));
        assert!(FieldRule::MinChars(3).accepts("a\nb"));
        assert!(!FieldRule::MinChars(3).accepts("ab"));
        assert_eq!(FieldRule::Digits.literal().unwrap(), r"/^\d+$/");
        assert_eq!(
            FieldRule::MinChars(3).literal().unwrap(),
            r"/^[\s\S]{3,}$/g"
        );
    }

    #[test]
    fn catalogue_entries_have_postiz_shape() {
        let v = auto_plug("x-autoPlugPost").to_json();
        assert_eq!(v["methodName"], "autoPlugPost");
        assert_eq!(v["runEveryMilliseconds"], 21_600_000);
        assert_eq!(v["totalRuns"], 3);
        assert_eq!(v["fields"][1]["validation"], r"/^[\s\S]{3,}$/g");
        let i = ADD_COMMENT.to_json();
        assert_eq!(i["pickIntegration"], json!(["linkedin", "linkedin-page"]));
        assert!(i["fields"][0].get("validation").is_none());
    }

    #[test]
    fn fields_are_checked() {
        let plug = auto_plug("x-autoPlugPost");
        let mut values = Map::new();
        values.insert("likesAmount".into(), json!("10"));
        assert!(plug.check_fields(&values).is_err(), "post missing");
        values.insert("post".into(), json!("Buy it"));
        assert!(plug.check_fields(&values).is_ok());
        values.insert("likesAmount".into(), json!("ten"));
        assert!(plug.check_fields(&values).is_err());
        assert_eq!(threshold(&values), None);
    }
}
