//! The tools' bodies.

use chrono::{DateTime, Utc};
use postiz_core::{Error, Result};
use postiz_posts::request::{parse_date, ChannelPost, CreatePost};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::{error_text, helpers, Toolbox};

/// A `{key, value}` pair of settings or helper inputs.
#[derive(Deserialize)]
struct KeyValue {
    key: String,
    #[serde(default)]
    value: Value,
}

fn to_object(pairs: Vec<KeyValue>) -> Map<String, Value> {
    pairs.into_iter().map(|p| (p.key, p.value)).collect()
}

fn input<T: serde::de::DeserializeOwned>(tool: &str, v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::invalid(format!("{tool}: {e}")))
}

fn output(v: Value) -> Value {
    json!({ "output": v })
}

/// A mistake the model can fix: `{output: {errors}}`.
fn errors(text: String) -> Value {
    output(json!({ "errors": text }))
}

fn date(field: &str, s: &str) -> Result<DateTime<Utc>> {
    parse_date(s).ok_or_else(|| Error::invalid(format!("{field} must be a date (ISO 8601, UTC)")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SocialPost {
    integration_id: String,
    date: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    short_link: bool,
    posts_and_comments: Vec<Message>,
    #[serde(default)]
    settings: Vec<KeyValue>,
}

#[derive(Deserialize)]
struct Message {
    content: String,
    #[serde(default)]
    attachments: Vec<String>,
}

impl Toolbox {
    /// Runs tool `name` with `args` for organization `org`.
    pub async fn call(&self, org: &str, name: &str, args: Value) -> Result<Value> {
        let args = if args.is_null() { json!({}) } else { args };
        match name {
            "integrationList" => self.integration_list(org, args).await,
            "groupList" => self.group_list(org).await,
            "integrationSchema" => self.integration_schema(args),
            "triggerTool" => self.trigger_tool(org, args).await,
            "schedulePost" => self.schedule_post(org, args).await,
            "postsList" => self.posts_list(org, args).await,
            "postSettings" => self.post_settings(org, args).await,
            "uploadFromUrl" => self.upload_from_url(org, args).await,
            "generateImage" if self.pictures.is_some() => self.generate_image(org, args).await,
            other => Err(Error::invalid(format!("Unknown tool {other}"))),
        }
    }

    async fn integration_list(&self, org: &str, args: Value) -> Result<Value> {
        #[derive(Deserialize)]
        struct In {
            group: Option<String>,
        }
        let i: In = input("integrationList", args)?;
        let repo = &self.channels.repo;
        let (channels, customers) = (repo.list(org).await?, repo.customers(org).await?);
        let group = i.group.filter(|g| !g.is_empty());
        let list: Vec<Value> = channels
            .iter()
            .filter(|c| c.deleted_at.is_none() && !c.in_between_steps)
            .filter(|c| group.is_none() || c.customer_id == group)
            .map(|c| {
                let customer = c
                    .customer_id
                    .as_ref()
                    .and_then(|id| customers.iter().find(|k| &k.id == id))
                    .map(|k| json!({"id": k.id, "name": k.name}));
                json!({
                    "id": c.id, "name": c.name, "disabled": c.disabled,
                    "picture": c.picture_or_default(), "platform": c.provider_identifier,
                    "display": c.profile, "customer": customer,
                })
            })
            .collect();
        Ok(output(Value::Array(list)))
    }

    async fn group_list(&self, org: &str) -> Result<Value> {
        let customers = self.channels.repo.customers(org).await?;
        Ok(output(Value::Array(
            customers
                .iter()
                .map(|c| json!({"id": c.id, "name": c.name}))
                .collect(),
        )))
    }

    fn integration_schema(&self, args: Value) -> Result<Value> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct In {
            platform: String,
            #[serde(default)]
            is_premium: bool,
        }
        let i: In = input("integrationSchema", args)?;
        let Some(p) = self.channels.providers().get(&i.platform) else {
            return Ok(output(
                json!({"rules": "", "maxLength": 0, "settings": {}, "tools": []}),
            ));
        };
        let info = p.info();
        let additional = if i.is_premium {
            json!([{"title": "Verified", "value": true}])
        } else {
            json!([])
        };
        let max = p.max_length(&json!({}), &additional);
        let settings = postiz_providers::rules::settings_schema(info.identifier)
            .unwrap_or_else(|| json!("No additional settings required"));
        Ok(output(json!({
            "rules": postiz_providers::rules::rules_text(info.identifier),
            "maxLength": max,
            "settings": settings,
            "tools": helpers::described(info.identifier, info.tools),
        })))
    }

    async fn trigger_tool(&self, org: &str, args: Value) -> Result<Value> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct In {
            integration_id: String,
            method_name: String,
            #[serde(default)]
            data_schema: Vec<KeyValue>,
        }
        let i: In = input("triggerTool", args)?;
        let data = Value::Object(to_object(i.data_schema));
        let answer = self
            .channels
            .call_tool(org, &i.integration_id, &i.method_name, &data)
            .await?;
        Ok(output(answer))
    }

    async fn schedule_post(&self, org: &str, args: Value) -> Result<Value> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct In {
            social_post: Vec<SocialPost>,
        }
        let i: In = input("schedulePost", args)?;
        if i.social_post.is_empty() {
            return Ok(errors("socialPost needs at least one post".into()));
        }
        // Every post is checked before any is created.
        let mut requests = Vec::with_capacity(i.social_post.len());
        for p in i.social_post {
            let req = match self.request_of(org, p).await {
                Ok(r) => r,
                Err(e) => return Ok(errors(error_text(&e))),
            };
            if let Some(text) = self.check(org, &req).await? {
                return Ok(errors(text));
            }
            requests.push(req);
        }
        let mut created = Vec::new();
        for req in requests {
            match self.posts.create(org, req, self.creation_method).await {
                Ok(Value::Array(items)) => created.extend(items),
                Ok(other) => created.push(other),
                Err(e) if created.is_empty() => return Ok(errors(error_text(&e))),
                Err(e) => {
                    return Ok(output(json!({
                        "created": created,
                        "errors": format!("{} (the posts listed in `created` were scheduled)", error_text(&e)),
                    })))
                }
            }
        }
        Ok(output(Value::Array(created)))
    }

    /// The editor's request for one channel's post.
    async fn request_of(&self, org: &str, p: SocialPost) -> Result<CreatePost> {
        let c = self
            .channels
            .repo
            .get(org, &p.integration_id)
            .await?
            .filter(|c| c.deleted_at.is_none())
            .ok_or_else(|| {
                Error::NotFound(
                    "Integration not found, use integrationList to get a valid integration id"
                        .into(),
                )
            })?;
        if !matches!(p.kind.as_str(), "draft" | "schedule" | "now") {
            return Err(Error::invalid("type must be one of draft, schedule, now"));
        }
        date("date", &p.date)?;
        let mut settings = to_object(p.settings);
        settings.insert("__type".into(), json!(c.provider_identifier));
        let value: Vec<Value> = p
            .posts_and_comments
            .into_iter()
            .map(|m| {
                json!({
                    "content": m.content,
                    "image": m.attachments.iter().map(|path| json!({
                        "id": uuid::Uuid::new_v4().simple().to_string(), "path": path
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::from_value(json!({
            "type": p.kind,
            "date": p.date,
            "shortLink": p.short_link,
            "tags": [],
            "posts": [{"integration": {"id": c.id}, "settings": settings, "value": value}],
        }))
        .map_err(|e| Error::invalid(format!("schedulePost: {e}")))
    }

    /// The editor's checks: an error text the model can act on, or `None`.
    async fn check(&self, org: &str, req: &CreatePost) -> Result<Option<String>> {
        let entries: &[ChannelPost] = &req.posts;
        let verdicts = match self.posts.validate(org, entries).await {
            Ok(v) => v,
            Err(e) => return Ok(Some(error_text(&e))),
        };
        for v in verdicts.as_array().into_iter().flatten() {
            let name = v["name"].as_str().unwrap_or_default();
            if v["emptyContent"] == true {
                return Ok(Some(format!(
                    "{name}: Your post should have at least one character or one image."
                )));
            }
            if req.kind == "draft" {
                continue;
            }
            if v["valid"] == false {
                let why = v["settingsError"]
                    .as_str()
                    .unwrap_or("Please fix your settings");
                return Ok(Some(format!(
                    "{name}: {why}, please fix it, and try schedulePost again."
                )));
            }
            if let Some(why) = v["errors"].as_str() {
                return Ok(Some(format!(
                    "{name}: {why}, please fix it, and try schedulePost again."
                )));
            }
            if v["tooLong"] == true {
                return Ok(Some(format!(
                    "{name}: The maximum characters is {}, please fix it, and try schedulePost again.",
                    v["maximumCharacters"]
                )));
            }
        }
        Ok(None)
    }

    async fn posts_list(&self, org: &str, args: Value) -> Result<Value> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct In {
            start_date: String,
            end_date: String,
            customer: Option<String>,
        }
        let i: In = input("postsList", args)?;
        let (start, end) = (
            date("startDate", &i.start_date)?,
            date("endDate", &i.end_date)?,
        );
        if end <= start {
            return Err(Error::invalid("endDate must be after startDate"));
        }
        if end - start > chrono::Duration::days(400) {
            return Err(Error::invalid("The window may span at most 400 days"));
        }
        let customer = i.customer.as_deref().filter(|c| !c.is_empty());
        // The calendar answers windows of up to 62 days: a longer one is read in pieces.
        let mut listed = Vec::new();
        let mut from = start;
        while from < end {
            let to = (from + chrono::Duration::days(60)).min(end);
            let text = self.posts.public_list(org, from, to, customer).await?;
            let page: Value = serde_json::from_slice(&text).map_err(Error::internal)?;
            listed.extend(page["posts"].as_array().cloned().unwrap_or_default());
            from = to;
        }
        let posts: Vec<Value> = listed
            .iter()
            .map(|p| {
                json!({
                    "id": p["id"], "publishDate": p["publishDate"], "state": p["state"],
                    "content": p["content"], "settings": p["settings"], "group": p["group"],
                    "integrationId": p["integration"]["id"],
                    "platform": p["integration"]["providerIdentifier"],
                    "integrationName": p["integration"]["name"],
                })
            })
            .collect();
        Ok(output(json!({ "posts": posts })))
    }

    async fn post_settings(&self, org: &str, args: Value) -> Result<Value> {
        #[derive(Deserialize)]
        struct In {
            id: String,
            #[serde(default)]
            settings: Vec<KeyValue>,
        }
        let i: In = input("postSettings", args)?;
        let settings = Value::Object(to_object(i.settings));
        match self.posts.merge_settings(org, &i.id, &settings).await {
            Ok(v) => Ok(output(v)),
            Err(e @ (Error::Internal(_) | Error::Unavailable(_))) => Err(e),
            Err(e) => Ok(errors(error_text(&e))),
        }
    }

    async fn upload_from_url(&self, org: &str, args: Value) -> Result<Value> {
        #[derive(Deserialize)]
        struct In {
            url: String,
        }
        let i: In = input("uploadFromUrl", args)?;
        let m = self.media.import_url(&self.fetcher, org, &i.url).await?;
        Ok(output(json!({"id": m.id, "path": m.path, "name": m.name})))
    }

    async fn generate_image(&self, org: &str, args: Value) -> Result<Value> {
        #[derive(Deserialize)]
        struct In {
            prompt: String,
        }
        let i: In = input("generateImage", args)?;
        let Some((ai, credits)) = &self.pictures else {
            return Err(Error::BadRequest(
                "AI is not configured on this server".into(),
            ));
        };
        let prompt = i.prompt.trim();
        if prompt.is_empty() {
            return Err(Error::invalid("prompt must not be empty"));
        }
        let now = self.clock.now();
        let Some(picture) = crate::paid_picture(ai, credits, org, now, prompt, true).await? else {
            return Ok(errors("No AI image credits left this month".into()));
        };
        let m = crate::store_picture(&self.media, org, &picture).await?;
        Ok(output(json!({"id": m.id, "path": m.path})))
    }
}
