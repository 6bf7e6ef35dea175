//! template.yaml must declare what the code expects (shared/storage/src/schema.rs), a
//! function for every Lambda binary, and each function's triggers and permissions: HTTP
//! routes, schedules, the publish worker's SQS source, queue and secret access.

use postiz_storage::schema::{
    queues, AUTOPOST_QUEUE, EMAIL_QUEUE, PUBLISH_QUEUE, TABLE, WEBHOOK_QUEUE,
};
use serde_yaml::Value;
use std::collections::BTreeSet;

fn template() -> Value {
    let raw = std::fs::read_to_string(postiz_tests::repo_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&raw).unwrap()
}

fn resources_of(t: &Value, kind: &str) -> Vec<(String, Value)> {
    t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(k, r)| (k.as_str().unwrap().to_string(), r.clone()))
        .collect()
}

fn sub_text(v: &Value) -> String {
    match v {
        Value::Tagged(t) => t.value.as_str().unwrap_or_default().to_string(),
        other => other.as_str().unwrap_or_default().to_string(),
    }
}

/// `(tag, text)` of a short-form intrinsic such as `!GetAtt Queue.Arn`.
fn tagged(v: &Value) -> Option<(String, String)> {
    match v {
        Value::Tagged(t) => Some((t.tag.to_string(), t.value.as_str()?.to_string())),
        _ => None,
    }
}

fn intrinsic(tag: &str, text: &str) -> Option<(String, String)> {
    Some((tag.to_string(), text.to_string()))
}

/// `sam build` target → binary, from the Makefile's `build-<Function>:` rules, each
/// `$(call bootstrap,<binary>)`.
fn makefile_binaries() -> std::collections::BTreeMap<String, String> {
    let raw = std::fs::read_to_string(postiz_tests::repo_root().join("Makefile")).unwrap();
    let mut found = std::collections::BTreeMap::new();
    let mut target = None;
    for line in raw.lines() {
        if let Some(name) = line
            .strip_prefix("build-")
            .and_then(|l| l.strip_suffix(':'))
        {
            target = Some(name.to_string());
        } else if let Some(bin) = line
            .strip_prefix("\t$(call bootstrap,")
            .and_then(|l| l.strip_suffix(')'))
        {
            let name = target.take().expect("a recipe under a build- target");
            assert!(found.insert(name, bin.to_string()).is_none());
        }
    }
    found
}

/// The binary `sam build` puts in function `id` (built by the Makefile's `build-<id>`).
fn binary_of(id: &str, f: &Value) -> String {
    assert_eq!(
        f["Metadata"]["BuildMethod"].as_str(),
        Some("makefile"),
        "{id} is built by the Makefile, with the measured profile"
    );
    makefile_binaries()
        .remove(id)
        .unwrap_or_else(|| panic!("the Makefile has no build-{id} target"))
}

/// The function whose build binary is `bin`.
fn function(t: &Value, bin: &str) -> Value {
    resources_of(t, "AWS::Serverless::Function")
        .into_iter()
        .find(|(id, f)| binary_of(id, f) == bin)
        .map(|(_, f)| f)
        .unwrap_or_else(|| panic!("template.yaml has no function for {bin}"))
}

/// The properties of the function's events of type `kind`.
fn events_of(f: &Value, kind: &str) -> Vec<Value> {
    f["Properties"]["Events"]
        .as_mapping()
        .map(|m| {
            m.values()
                .filter(|e| e["Type"].as_str() == Some(kind))
                .map(|e| e["Properties"].clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The function's policy templates named `name` (their parameters).
fn policies_of(f: &Value, name: &str) -> Vec<Value> {
    f["Properties"]["Policies"]
        .as_sequence()
        .map(|s| s.iter().filter_map(|p| p.get(name).cloned()).collect())
        .unwrap_or_default()
}

/// A function property, else its Globals default.
fn setting(t: &Value, f: &Value, name: &str) -> Value {
    match &f["Properties"][name] {
        Value::Null => t["Globals"]["Function"][name].clone(),
        v => v.clone(),
    }
}

/// An environment variable of the function, else its Globals default.
fn env_var(t: &Value, f: &Value, name: &str) -> Value {
    match &f["Properties"]["Environment"]["Variables"][name] {
        Value::Null => t["Globals"]["Function"]["Environment"]["Variables"][name].clone(),
        v => v.clone(),
    }
}

/// The logical id of the queue named `<stack>-<name>`.
fn queue_id(t: &Value, name: &str) -> String {
    resources_of(t, "AWS::SQS::Queue")
        .into_iter()
        .find(|(_, r)| {
            sub_text(&r["Properties"]["QueueName"]) == format!("${{AWS::StackName}}-{name}")
        })
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("template.yaml has no queue {name}"))
}

/// Seconds between runs of a `rate(...)` schedule expression.
fn rate_seconds(expr: &str) -> u64 {
    let inner = expr
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not a rate expression: {expr}"));
    let (n, unit) = inner.split_once(' ').unwrap();
    let n: u64 = n.parse().unwrap();
    n * match unit.trim_end_matches('s') {
        "minute" => 60,
        "hour" => 3600,
        "day" => 86400,
        other => panic!("unknown rate unit {other}"),
    }
}

fn keys(schema: &Value) -> Vec<(String, String)> {
    schema
        .as_sequence()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap().to_string(),
                k["KeyType"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn table_matches_the_schema() {
    let t = template();
    let tables = resources_of(&t, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 1, "one table");
    let p = &tables[0].1["Properties"];
    assert_eq!(p["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(
        keys(&p["KeySchema"]),
        vec![
            (TABLE.pk.into(), "HASH".into()),
            (TABLE.sk.into(), "RANGE".into())
        ]
    );
    let indexes = p["GlobalSecondaryIndexes"].as_sequence().unwrap();
    assert_eq!(indexes.len(), TABLE.indexes.len());
    for (def, idx) in TABLE.indexes.iter().zip(indexes) {
        assert_eq!(idx["IndexName"].as_str(), Some(def.name));
        assert_eq!(
            keys(&idx["KeySchema"]),
            vec![
                (def.pk.into(), "HASH".into()),
                (def.sk.into(), "RANGE".into())
            ]
        );
        assert_eq!(idx["Projection"]["ProjectionType"].as_str(), Some("ALL"));
    }
    let declared: BTreeSet<String> = p["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["AttributeType"].as_str(), Some("S"));
            a["AttributeName"].as_str().unwrap().to_string()
        })
        .collect();
    let mut expected: BTreeSet<String> = [TABLE.pk, TABLE.sk].map(String::from).into();
    for i in TABLE.indexes {
        expected.extend([i.pk.to_string(), i.sk.to_string()]);
    }
    assert_eq!(declared, expected);
    assert_eq!(
        p["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some(TABLE.ttl)
    );
    assert_eq!(
        p["TimeToLiveSpecification"]["Enabled"].as_bool(),
        Some(true)
    );
}

#[test]
fn queues_match_the_schema() {
    let t = template();
    let declared = resources_of(&t, "AWS::SQS::Queue");
    let by_name = |name: &str| {
        declared
            .iter()
            .find(|(_, r)| {
                sub_text(&r["Properties"]["QueueName"]) == format!("${{AWS::StackName}}-{name}")
            })
            .map(|(id, r)| (id.clone(), r["Properties"].clone()))
            .unwrap_or_else(|| panic!("template.yaml has no queue {name}"))
    };
    let mut expected = 0;
    for q in queues() {
        let (_, props) = by_name(&q.name);
        expected += 1;
        assert_eq!(
            props["VisibilityTimeout"].as_u64(),
            Some(q.visibility_timeout_secs as u64),
            "{}",
            q.name
        );
        if let Some((dlq, max)) = &q.dead_letter {
            let (dlq_id, _) = by_name(dlq);
            expected += 1;
            let redrive = &props["RedrivePolicy"];
            assert_eq!(redrive["maxReceiveCount"].as_u64(), Some(*max as u64));
            let target = match &redrive["deadLetterTargetArn"] {
                Value::Tagged(t) => t.value.as_str().unwrap_or_default().to_string(),
                _ => String::new(),
            };
            assert_eq!(target, format!("{dlq_id}.Arn"));
        }
    }
    assert_eq!(
        declared.len(),
        expected,
        "template.yaml declares queues the code does not know"
    );
}

#[test]
fn every_lambda_binary_has_a_function() {
    let t = template();
    let declared: BTreeSet<String> = resources_of(&t, "AWS::Serverless::Function")
        .iter()
        .map(|(id, f)| binary_of(id, f))
        .collect();
    // Every build target is a function, built with the profile CI measures.
    let targets: BTreeSet<String> = makefile_binaries().into_values().collect();
    assert_eq!(declared, targets);
    let makefile = std::fs::read_to_string(postiz_tests::repo_root().join("Makefile")).unwrap();
    let ci = std::fs::read_to_string(postiz_tests::repo_root().join("infra/lib.sh")).unwrap();
    assert!(makefile.contains("PROFILE ?= lambda") && makefile.contains("--profile $(PROFILE)"));
    assert!(ci.contains("cargo lambda build --profile lambda --arm64"));
    let mut bins = BTreeSet::new();
    for entry in std::fs::read_dir(postiz_tests::repo_root().join("functions")).unwrap() {
        let manifest = std::fs::read_to_string(entry.unwrap().path().join("Cargo.toml")).unwrap();
        let parsed: toml_shim::Manifest = toml_shim::parse(&manifest);
        bins.extend(parsed.bins.into_iter().filter(|b| b != "postiz-server"));
    }
    assert_eq!(declared, bins);
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Architectures"][0].as_str(), Some("arm64"));
    let env = &globals["Environment"]["Variables"];
    for var in [
        "STORAGE",
        "TABLE_NAME",
        "QUEUE_PREFIX",
        "BUCKET_NAME",
        "APP_SECRET_ID",
    ] {
        assert!(!env[var].is_null(), "functions lack {var}");
    }
}

#[test]
fn http_routes_are_on_the_api_and_claimed_once() {
    let t = template();
    let mut routes = BTreeSet::new();
    for (id, f) in resources_of(&t, "AWS::Serverless::Function") {
        for e in events_of(&f, "HttpApi") {
            assert_eq!(tagged(&e["ApiId"]), intrinsic("!Ref", "HttpApi"), "{id}");
            let route = (
                e["Method"].as_str().unwrap().to_string(),
                e["Path"].as_str().unwrap().to_string(),
            );
            assert!(
                routes.insert(route.clone()),
                "{id}: {route:?} is routed twice"
            );
        }
    }
    let posts = function(&t, "posts");
    let paths: BTreeSet<_> = events_of(&posts, "HttpApi")
        .iter()
        .map(|e| e["Path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        BTreeSet::from([
            "/posts".to_string(),
            "/posts/{proxy+}".to_string(),
            "/public/posts/{proxy+}".to_string(),
            "/analytics/post/{id}".to_string(),
            "/l/{code}".to_string()
        ])
    );
}

#[test]
fn scheduled_functions_run_on_their_schedule_one_at_a_time() {
    let t = template();
    for (bin, expr) in [
        ("token-refresh", "rate(15 minutes)"),
        ("post-scheduler", "rate(1 minute)"),
        ("autopost-scheduler", "rate(1 hour)"),
        ("digest", "rate(15 minutes)"),
    ] {
        let f = function(&t, bin);
        let schedules = events_of(&f, "ScheduleV2");
        assert_eq!(schedules.len(), 1, "{bin}: one schedule");
        assert_eq!(schedules[0]["ScheduleExpression"].as_str(), Some(expr));
        assert_eq!(
            f["Properties"]["ReservedConcurrentExecutions"].as_u64(),
            Some(1),
            "{bin}: runs must not overlap"
        );
        let timeout = setting(&t, &f, "Timeout").as_u64().unwrap();
        assert!(
            bin != "post-scheduler" || timeout < rate_seconds(expr),
            "{bin}: a run ends before the next one starts"
        );
    }
}

#[test]
fn publish_worker_consumes_the_publish_queue_with_partial_batches() {
    let t = template();
    let f = function(&t, "publish-worker");
    assert!(events_of(&f, "HttpApi").is_empty());
    let sources = events_of(&f, "SQS");
    assert_eq!(sources.len(), 1, "one SQS event source");
    let source = &sources[0];
    let queue = queue_id(&t, PUBLISH_QUEUE);
    assert_eq!(
        tagged(&source["Queue"]),
        intrinsic("!GetAtt", &format!("{queue}.Arn"))
    );
    let types: Vec<&str> = source["FunctionResponseTypes"]
        .as_sequence()
        .expect("FunctionResponseTypes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(types, ["ReportBatchItemFailures"]);
    let batch = source["BatchSize"].as_u64().expect("BatchSize");
    assert!((1..=10).contains(&batch), "BatchSize {batch}");

    // Lambda recommends a visibility timeout of at least 6 times the function's timeout.
    let timeout = setting(&t, &f, "Timeout").as_u64().unwrap();
    assert_eq!(timeout, 900);
    // A message starts only with its budget left, so the budget must fit the timeout.
    let budget: u64 = env_var(&t, &f, "PUBLISH_MESSAGE_BUDGET_SECS")
        .as_str()
        .expect("PUBLISH_MESSAGE_BUDGET_SECS")
        .parse()
        .unwrap();
    assert!(
        budget > 0 && budget < timeout,
        "budget {budget} s, timeout {timeout} s"
    );
    let def = queues()
        .into_iter()
        .find(|q| q.name == PUBLISH_QUEUE)
        .unwrap();
    assert!(
        u64::from(def.visibility_timeout_secs) >= 6 * timeout,
        "publish queue visibility {} < 6 x {timeout}",
        def.visibility_timeout_secs
    );
    let (_, max_receives) = def
        .dead_letter
        .clone()
        .expect("the publish queue has a DLQ");
    assert_eq!(max_receives, 5);
}

#[test]
fn dead_letter_queues_raise_an_alarm() {
    let t = template();
    let alarms = resources_of(&t, "AWS::CloudWatch::Alarm");
    for def in queues() {
        let Some((dlq, _)) = &def.dead_letter else {
            continue;
        };
        let dlq_id = queue_id(&t, dlq);
        let watched = alarms.iter().any(|(_, a)| {
            let p = &a["Properties"];
            let dims = p["Dimensions"].as_sequence().cloned().unwrap_or_default();
            p["Namespace"].as_str() == Some("AWS/SQS")
                && p["MetricName"].as_str() == Some("ApproximateNumberOfMessagesVisible")
                && p["ComparisonOperator"].as_str() == Some("GreaterThanThreshold")
                && p["Threshold"].as_f64() == Some(0.0)
                && dims.len() == 1
                && dims[0]["Name"].as_str() == Some("QueueName")
                && tagged(&dims[0]["Value"]) == intrinsic("!GetAtt", &format!("{dlq_id}.QueueName"))
        });
        assert!(watched, "no alarm on messages in {dlq}");
    }
}

/// The functions that may send to each queue: those that dispatch due posts (publish), and
/// those that create, change, publish or delete posts or redeliver (webhooks).
const SENDERS: &[(&str, &[&str])] = &[
    (
        PUBLISH_QUEUE,
        &["posts", "post-scheduler", "public-api", "ai", "mcp"],
    ),
    (
        WEBHOOK_QUEUE,
        &[
            "posts",
            "public-api",
            "ai",
            "mcp",
            // Deleting a channel deletes its posts: post.deleted for each.
            "integrations",
            "publish-worker",
            "webhooks",
            "webhook-delivery",
            "autopost-worker",
        ],
    ),
    (AUTOPOST_QUEUE, &["autopost", "autopost-scheduler"]),
    // Activation, password reset (auth), team invites (users), and notices: publishing
    // outcomes, channels to reconnect, digests and streak reminders.
    (
        EMAIL_QUEUE,
        &["auth", "users", "publish-worker", "token-refresh", "digest"],
    ),
];

#[test]
fn only_the_right_functions_send_to_each_queue() {
    let t = template();
    for (id, f) in resources_of(&t, "AWS::Serverless::Function") {
        let bin = binary_of(&id, &f);
        let bin = bin.as_str();
        let send = policies_of(&f, "SQSSendMessagePolicy");
        let lookups: Vec<Value> = f["Properties"]["Policies"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|p| p["Statement"].as_sequence())
            .flatten()
            .filter(|s| s["Action"].as_str() == Some("sqs:GetQueueUrl"))
            .cloned()
            .collect();
        let expected: Vec<String> = SENDERS
            .iter()
            .filter(|(_, bins)| bins.contains(&bin))
            .map(|(q, _)| queue_id(&t, q))
            .collect();
        let mut granted: Vec<String> = send
            .iter()
            .map(|p| {
                tagged(&p["QueueName"])
                    .and_then(|(_, text)| text.strip_suffix(".QueueName").map(str::to_string))
                    .unwrap_or_else(|| panic!("{id}: a queue by !GetAtt"))
            })
            .collect();
        granted.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(granted, want, "{id} sends to these queues");
        // The queue adapter resolves the queue URL by name first.
        let mut looked_up: Vec<String> = lookups
            .iter()
            .map(|l| {
                assert_eq!(l["Effect"].as_str(), Some("Allow"));
                tagged(&l["Resource"])
                    .and_then(|(_, text)| text.strip_suffix(".Arn").map(str::to_string))
                    .unwrap()
            })
            .collect();
        looked_up.sort();
        assert_eq!(looked_up, want, "{id} may look these queue URLs up");
        if !expected.contains(&queue_id(&t, PUBLISH_QUEUE)) {
            assert!(env_var(&t, &f, "PUBLISH_HORIZON_SECONDS").is_null(), "{id}");
            continue;
        }
        // Saved posts due within the horizon are sent at once; the scheduler sends the others
        // before they are due only if the horizon covers its period.
        let horizon: u64 = env_var(&t, &f, "PUBLISH_HORIZON_SECONDS")
            .as_str()
            .unwrap_or_else(|| panic!("{id} lacks PUBLISH_HORIZON_SECONDS"))
            .parse()
            .unwrap();
        assert_eq!(horizon, 90, "{id}");
        let scheduler = function(&t, "post-scheduler");
        let period = rate_seconds(
            events_of(&scheduler, "ScheduleV2")[0]["ScheduleExpression"]
                .as_str()
                .unwrap(),
        );
        assert!(
            horizon > period,
            "{id}: horizon {horizon} <= period {period}"
        );
    }
}

#[test]
fn autopost_worker_consumes_the_autopost_queue_with_partial_batches() {
    let t = template();
    let f = function(&t, "autopost-worker");
    let sources = events_of(&f, "SQS");
    assert_eq!(sources.len(), 1, "one SQS event source");
    assert_eq!(
        tagged(&sources[0]["Queue"]),
        intrinsic("!GetAtt", &format!("{}.Arn", queue_id(&t, AUTOPOST_QUEUE)))
    );
    assert_eq!(
        sources[0]["FunctionResponseTypes"][0].as_str(),
        Some("ReportBatchItemFailures")
    );
    let timeout = setting(&t, &f, "Timeout").as_u64().unwrap();
    let def = queues()
        .into_iter()
        .find(|q| q.name == AUTOPOST_QUEUE)
        .unwrap();
    assert!(u64::from(def.visibility_timeout_secs) >= 6 * timeout);
}

#[test]
fn webhook_delivery_consumes_the_webhooks_queue_with_partial_batches() {
    let t = template();
    let f = function(&t, "webhook-delivery");
    assert!(events_of(&f, "HttpApi").is_empty());
    let sources = events_of(&f, "SQS");
    assert_eq!(sources.len(), 1, "one SQS event source");
    assert_eq!(
        tagged(&sources[0]["Queue"]),
        intrinsic("!GetAtt", &format!("{}.Arn", queue_id(&t, WEBHOOK_QUEUE)))
    );
    let types: Vec<&str> = sources[0]["FunctionResponseTypes"]
        .as_sequence()
        .expect("FunctionResponseTypes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(types, ["ReportBatchItemFailures"]);
    let batch = sources[0]["BatchSize"].as_u64().unwrap();
    let timeout = setting(&t, &f, "Timeout").as_u64().unwrap();
    // Every attempt of a batch fits the timeout (10 s each, one after another).
    assert!(batch * 10 < timeout, "batch {batch}, timeout {timeout}");
    let def = queues()
        .into_iter()
        .find(|q| q.name == WEBHOOK_QUEUE)
        .unwrap();
    assert!(u64::from(def.visibility_timeout_secs) >= 6 * timeout);
}

#[test]
fn email_sender_consumes_the_email_queue_one_message_at_a_time() {
    let t = template();
    let f = function(&t, "email-sender");
    assert!(events_of(&f, "HttpApi").is_empty());
    let sources = events_of(&f, "SQS");
    assert_eq!(sources.len(), 1, "one SQS event source");
    assert_eq!(
        tagged(&sources[0]["Queue"]),
        intrinsic("!GetAtt", &format!("{}.Arn", queue_id(&t, EMAIL_QUEUE)))
    );
    assert_eq!(
        sources[0]["FunctionResponseTypes"][0].as_str(),
        Some("ReportBatchItemFailures")
    );
    // Three tries of at most 20 s each (shared/email) fit the timeout, for a batch of one.
    assert_eq!(sources[0]["BatchSize"].as_u64(), Some(1));
    let timeout = setting(&t, &f, "Timeout").as_u64().unwrap();
    assert!(3 * 20 + 2 < timeout, "timeout {timeout}");
    let def = queues()
        .into_iter()
        .find(|q| q.name == EMAIL_QUEUE)
        .unwrap();
    assert!(u64::from(def.visibility_timeout_secs) >= 6 * timeout);
    // Every function knows whether email is on (it queues only then); the sender alone has
    // the provider's settings.
    assert!(!t["Globals"]["Function"]["Environment"]["Variables"]["EMAIL_PROVIDER"].is_null());
    for (id, other) in resources_of(&t, "AWS::Serverless::Function") {
        let has_host = !env_var(&t, &other, "EMAIL_HOST").is_null();
        assert_eq!(has_host, binary_of(&id, &other) == "email-sender", "{id}");
    }
}

#[test]
fn functions_may_read_exactly_the_secrets_they_are_given() {
    let t = template();
    for (id, f) in resources_of(&t, "AWS::Serverless::Function") {
        let given: BTreeSet<String> = sub_text(&env_var(&t, &f, "APP_SECRET_ID"))
            .split(',')
            .map(|s| {
                s.trim()
                    .strip_prefix("${")
                    .and_then(|s| s.strip_suffix('}'))
                    .unwrap_or_else(|| panic!("{id}: APP_SECRET_ID part {s}"))
                    .to_string()
            })
            .collect();
        let readable: BTreeSet<String> = policies_of(&f, "AWSSecretsManagerGetSecretValuePolicy")
            .iter()
            .map(|p| match tagged(&p["SecretArn"]) {
                Some((tag, secret)) if tag == "!Ref" => secret,
                other => panic!("{id}: SecretArn {other:?}"),
            })
            .collect();
        assert_eq!(readable, given, "{id}");
        if id == "StripeWebhookFunction" {
            // It checks signatures and writes the table: Stripe's keys and nothing else.
            assert_eq!(given, BTreeSet::from(["BillingSecret".to_string()]));
        } else {
            assert!(given.contains("AppSecret") && given.contains("EncryptionSecret"));
        }
    }
}

/// The few lines of Cargo.toml this test reads: `[[bin]] name = "..."`.
mod toml_shim {
    pub struct Manifest {
        pub bins: Vec<String>,
    }

    pub fn parse(raw: &str) -> Manifest {
        let mut bins = Vec::new();
        let mut in_bin = false;
        for line in raw.lines().map(str::trim) {
            if line.starts_with('[') {
                in_bin = line == "[[bin]]";
            } else if in_bin {
                if let Some(v) = line
                    .strip_prefix("name")
                    .and_then(|r| r.trim().strip_prefix('='))
                {
                    bins.push(v.trim().trim_matches('"').to_string());
                }
            }
        }
        Manifest { bins }
    }
}

/// Backups on AWS: point-in-time recovery of the table, versions of the media kept 30 days.
#[test]
fn the_table_and_the_media_bucket_can_be_restored() {
    let t = template();
    let tables = resources_of(&t, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 1);
    assert_eq!(
        tables[0].1["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
            .as_bool(),
        Some(true)
    );
    let buckets = resources_of(&t, "AWS::S3::Bucket");
    assert_eq!(buckets.len(), 1);
    let bucket = &buckets[0].1["Properties"];
    assert_eq!(
        bucket["VersioningConfiguration"]["Status"].as_str(),
        Some("Enabled")
    );
    let rules = bucket["LifecycleConfiguration"]["Rules"]
        .as_sequence()
        .unwrap();
    assert!(rules
        .iter()
        .any(|r| r["NoncurrentVersionExpiration"]["NoncurrentDays"].as_u64() == Some(30)));
}
