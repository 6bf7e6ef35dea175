//! The AWS adapters' signatures checked by an independent implementation: a second moto server
//! with IAM authentication on (`INITIAL_NO_AUTH_ACTION_COUNT`), which recomputes each request's
//! Signature Version 4 with botocore and refuses a mismatch. Every adapter's operations (and
//! provisioning) succeed with an IAM user's keys; the same calls with a wrong secret are
//! refused, so a signing mistake cannot pass as an emulator's leniency.

use postiz_core::SystemClock;
use postiz_storage::aws::{AwsConfig, DynamoTable, Provisioner, S3Blobs, SecretsManager, SqsQueue};
use postiz_storage::schema::{queues, PUBLISH_QUEUE};
use postiz_storage::secrets::JWT_SECRET;
use postiz_storage::{Blobs, Key, Query, Queue, Secrets, StorageError, Table, TxOp, Update};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Creates an IAM user and a role allowed everything, prints the user's access key, then the
/// temporary credentials of the role assumed by the user (as Lambda hands a function). The
/// server's first five actions are unauthenticated; everything after is checked.
const IAM_SETUP: &str = r#"
import json, sys, time, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup")
for attempt in range(200):
    try:
        iam.create_user(UserName="signer")
        break
    except Exception as e:
        if "connect" not in str(e).lower():
            raise
        time.sleep(0.1)
iam.put_user_policy(UserName="signer", PolicyName="everything", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="signer")["AccessKey"]
role = iam.create_role(RoleName="function", AssumeRolePolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}))["Role"]
iam.put_role_policy(RoleName="function", PolicyName="everything", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
sts = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id=key["AccessKeyId"],
                   aws_secret_access_key=key["SecretAccessKey"])
session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="lambda")["Credentials"]
print(key["AccessKeyId"], key["SecretAccessKey"])
print(session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])
"#;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn item(pk: &str, sk: &str, n: i64) -> postiz_storage::Item {
    json!({"pk": pk, "sk": sk, "n": n, "text": "a b/c é"})
        .as_object()
        .unwrap()
        .clone()
}

fn refused_for_its_signature(e: StorageError) {
    assert!(
        matches!(&e, StorageError::Backend(m) if m.contains("SignatureDoesNotMatch")),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adapters_signatures_are_verified_by_botocore() {
    if !postiz_tests::aws_available() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let _server = Server(
        Command::new(postiz_tests::venv_bin("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("INITIAL_NO_AUTH_ACTION_COUNT", "5")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server from the virtualenv"),
    );
    let setup = Command::new(postiz_tests::venv_bin("python"))
        .args(["-c", IAM_SETUP, &endpoint])
        .output()
        .expect("python from the virtualenv");
    assert!(
        setup.status.success(),
        "{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let printed = String::from_utf8(setup.stdout).unwrap();
    let mut lines = printed.lines();
    let (key_id, secret) = lines
        .next()
        .and_then(|l| l.split_once(' '))
        .expect("an access key");
    let session: Vec<&str> = lines
        .next()
        .expect("the role's credentials")
        .split(' ')
        .collect();
    let config = AwsConfig::new("us-east-1", key_id, secret, None, Some(endpoint.clone())).unwrap();

    // Provisioning: DynamoDB CreateTable and UpdateTimeToLive, SQS CreateQueue and
    // GetQueueAttributes, S3 CreateBucket, Secrets Manager CreateSecret, all signed.
    let provisioner = Provisioner::new(&config, true);
    provisioner.create_table("signed").await.unwrap();
    for def in queues() {
        provisioner.create_queue("signed-", &def).await.unwrap();
    }
    provisioner.create_bucket("signed-media").await.unwrap();
    provisioner.create_app_secret("signed/app").await.unwrap();
    provisioner
        .allow_public_reads("signed-media")
        .await
        .unwrap();

    // DynamoDB: every operation of the Table port.
    let table = DynamoTable::new(&config, "signed", Arc::new(SystemClock));
    table.put(item("P", "A", 1), None).await.unwrap();
    assert_eq!(
        table.get(&Key::new("P", "A")).await.unwrap().unwrap()["text"],
        json!("a b/c é")
    );
    table
        .update(&Key::new("P", "A"), Update::new().add("n", 2), None)
        .await
        .unwrap();
    table
        .transact(vec![TxOp::Put {
            item: item("P", "B", 5),
            condition: None,
        }])
        .await
        .unwrap();
    let page = table.query(Query::partition("P")).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0]["n"], json!(3));
    table.delete(&Key::new("P", "B"), None).await.unwrap();

    // SQS: send, receive, change visibility, acknowledge.
    let queue = SqsQueue::new(&config, "signed-");
    queue
        .send(PUBLISH_QUEUE, "signed body", Duration::ZERO)
        .await
        .unwrap();
    let got = queue
        .receive(
            PUBLISH_QUEUE,
            1,
            Duration::from_secs(30),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    queue
        .change_visibility(PUBLISH_QUEUE, &got[0].receipt, Duration::from_secs(5))
        .await
        .unwrap();
    queue.ack(PUBLISH_QUEUE, &got[0].receipt).await.unwrap();

    // S3: put, get, a range read and delete.
    let blobs = S3Blobs::new(&config, "signed-media", true);
    let key = "org/a-file_1.png";
    blobs
        .put(key, bytes::Bytes::from_static(b"\x89PNG body"), "image/png")
        .await
        .unwrap();
    let blob = blobs.get(key).await.unwrap().unwrap();
    assert_eq!(
        (&blob.bytes[..], blob.content_type.as_str()),
        (&b"\x89PNG body"[..], "image/png")
    );
    let head = blobs.head(key, 4).await.unwrap().unwrap();
    assert_eq!((&head.prefix[..], head.size), (&b"\x89PNG"[..], 9));
    blobs.delete(key).await.unwrap();
    assert!(blobs.get(key).await.unwrap().is_none());

    // Secrets Manager.
    let secrets = SecretsManager::new(&config, "signed/app");
    assert!(!secrets.get(JWT_SECRET).await.unwrap().is_empty());

    // With a role's temporary credentials, as Lambda gives them: the session token is sent
    // and signed.
    let role = AwsConfig::new(
        "us-east-1",
        session[0],
        session[1],
        Some(session[2].to_string()),
        Some(endpoint.clone()),
    )
    .unwrap();
    let table = DynamoTable::new(&role, "signed", Arc::new(SystemClock));
    table.put(item("R", "A", 1), None).await.unwrap();
    assert!(table.get(&Key::new("R", "A")).await.unwrap().is_some());
    SqsQueue::new(&role, "signed-")
        .send(PUBLISH_QUEUE, "from the role", Duration::ZERO)
        .await
        .unwrap();
    S3Blobs::new(&role, "signed-media", true)
        .put("role.txt", bytes::Bytes::from_static(b"r"), "text/plain")
        .await
        .unwrap();
    let forged_token = AwsConfig::new(
        "us-east-1",
        session[0],
        session[1],
        Some("not-the-token".into()),
        Some(endpoint.clone()),
    )
    .unwrap();
    let refused = DynamoTable::new(&forged_token, "signed", Arc::new(SystemClock))
        .get(&Key::new("R", "A"))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, StorageError::Backend(m) if m.contains("InvalidClientTokenId")),
        "{refused:?}"
    );

    // The same calls signed with a wrong secret are refused by the verifier.
    let forged =
        AwsConfig::new("us-east-1", key_id, "not-the-secret", None, Some(endpoint)).unwrap();
    refused_for_its_signature(
        DynamoTable::new(&forged, "signed", Arc::new(SystemClock))
            .get(&Key::new("P", "A"))
            .await
            .unwrap_err(),
    );
    refused_for_its_signature(
        SqsQueue::new(&forged, "signed-")
            .send(PUBLISH_QUEUE, "forged", Duration::ZERO)
            .await
            .unwrap_err(),
    );
    refused_for_its_signature(
        S3Blobs::new(&forged, "signed-media", true)
            .put("forged", bytes::Bytes::from_static(b"x"), "text/plain")
            .await
            .unwrap_err(),
    );
    refused_for_its_signature(
        SecretsManager::new(&forged, "signed/app")
            .get(JWT_SECRET)
            .await
            .unwrap_err(),
    );
}
