//! template.yaml must declare what the code expects (shared/storage/src/schema.rs) and a
//! function for every Lambda binary.

use postiz_storage::schema::{queues, TABLE};
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
        .map(|(_, f)| {
            assert_eq!(
                f["Metadata"]["BuildMethod"].as_str(),
                Some("rust-cargolambda")
            );
            f["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
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
