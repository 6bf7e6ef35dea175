//! Creates the resources of [`crate::schema`] on an AWS endpoint (an emulator, or an account
//! for a manual setup): the table with its indexes and TTL, the queues with their dead-letter
//! queues, the bucket and the app secret. Existing resources are left as they are.

use base64::Engine;
use bytes::Bytes;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::blobs::bucket_url;
use super::client::{AwsConfig, AwsError, Service};
use crate::schema::{QueueDef, ResourceNames, TABLE};
use crate::secrets::{ENCRYPTION_KEY, JWT_SECRET};
use crate::{StorageError, StorageResult};

/// Creates resources through one configuration.
#[derive(Debug)]
pub struct Provisioner {
    config: AwsConfig,
    path_style: bool,
}

fn key_schema(pk: &str, sk: &str) -> Value {
    json!([
        {"AttributeName": pk, "KeyType": "HASH"},
        {"AttributeName": sk, "KeyType": "RANGE"},
    ])
}

fn err(what: &str) -> impl Fn(AwsError) -> StorageError + '_ {
    move |e| e.into_storage(what)
}

impl Provisioner {
    /// A provisioner; `path_style` as for [`super::S3Blobs`].
    pub fn new(config: &AwsConfig, path_style: bool) -> Self {
        Self {
            config: config.clone(),
            path_style,
        }
    }

    /// Creates everything the product needs under `names`.
    pub async fn provision_all(
        &self,
        names: &ResourceNames,
        queues: &[QueueDef],
    ) -> StorageResult<()> {
        self.create_table(&names.table).await?;
        for q in queues {
            self.create_queue(&names.queue_prefix, q).await?;
        }
        self.create_bucket(&names.bucket).await?;
        let first = names
            .app_secret
            .split(',')
            .next()
            .unwrap_or_default()
            .trim();
        self.create_app_secret(first).await
    }

    /// Creates the table (on-demand billing, every index projecting all attributes) and enables TTL.
    pub async fn create_table(&self, name: &str) -> StorageResult<()> {
        let mut attrs = vec![TABLE.pk, TABLE.sk];
        for i in TABLE.indexes {
            for a in [i.pk, i.sk] {
                if !attrs.contains(&a) {
                    attrs.push(a);
                }
            }
        }
        let input = json!({
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": attrs
                .iter()
                .map(|a| json!({"AttributeName": a, "AttributeType": "S"}))
                .collect::<Vec<_>>(),
            "KeySchema": key_schema(TABLE.pk, TABLE.sk),
            "GlobalSecondaryIndexes": TABLE
                .indexes
                .iter()
                .map(|i| json!({
                    "IndexName": i.name,
                    "KeySchema": key_schema(i.pk, i.sk),
                    "Projection": {"ProjectionType": "ALL"},
                }))
                .collect::<Vec<_>>(),
        });
        match self
            .config
            .call_json(Service::DynamoDb, "CreateTable", &input)
            .await
        {
            Ok(_) => {}
            Err(e) if e.code == "ResourceInUseException" => return Ok(()),
            Err(e) => return Err(e.into_storage("DynamoDB CreateTable")),
        }
        let ttl = json!({
            "TableName": name,
            "TimeToLiveSpecification": {"Enabled": true, "AttributeName": TABLE.ttl},
        });
        self.config
            .call_json(Service::DynamoDb, "UpdateTimeToLive", &ttl)
            .await
            .map_err(err("DynamoDB UpdateTimeToLive"))?;
        Ok(())
    }

    async fn queue_arn(&self, url: &str) -> StorageResult<String> {
        let out = self
            .config
            .call_json(
                Service::Sqs,
                "GetQueueAttributes",
                &json!({"QueueUrl": url, "AttributeNames": ["QueueArn"]}),
            )
            .await
            .map_err(err("SQS GetQueueAttributes"))?;
        out["Attributes"]["QueueArn"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| StorageError::Backend("queue has no ARN".into()))
    }

    /// Creates a queue (and first its dead-letter queue, wired by a redrive policy).
    pub async fn create_queue(&self, prefix: &str, def: &QueueDef) -> StorageResult<String> {
        let mut attributes = serde_json::Map::new();
        attributes.insert(
            "VisibilityTimeout".into(),
            json!(def.visibility_timeout_secs.to_string()),
        );
        if let (Some(dlq), Some((_, max))) = (def.dlq(), &def.dead_letter) {
            let dlq_url = Box::pin(self.create_queue(prefix, &dlq)).await?;
            let arn = self.queue_arn(&dlq_url).await?;
            attributes.insert(
                "RedrivePolicy".into(),
                json!(
                    json!({"deadLetterTargetArn": arn, "maxReceiveCount": max.to_string()})
                        .to_string()
                ),
            );
        }
        let out = self
            .config
            .call_json(
                Service::Sqs,
                "CreateQueue",
                &json!({"QueueName": format!("{prefix}{}", def.name), "Attributes": attributes}),
            )
            .await
            .map_err(err("SQS CreateQueue"))?;
        Ok(out["QueueUrl"].as_str().unwrap_or_default().to_string())
    }

    /// Creates the bucket if missing.
    pub async fn create_bucket(&self, name: &str) -> StorageResult<()> {
        let region = self.config.region();
        let body = if region == "us-east-1" {
            Bytes::new()
        } else {
            Bytes::from(format!(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <LocationConstraint>{region}</LocationConstraint></CreateBucketConfiguration>"
            ))
        };
        let url = bucket_url(&self.config, name, self.path_style, "/");
        match self
            .config
            .send(Service::S3, Method::PUT, &url, Vec::new(), body)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code == "BucketAlreadyOwnedByYou" || e.code == "BucketAlreadyExists" => {
                Ok(())
            }
            Err(e) => Err(e.into_storage("S3 CreateBucket")),
        }
    }

    /// Lets anyone read the bucket's objects (a bucket policy allowing `s3:GetObject`): for
    /// an emulator, or a bucket that serves media links itself with no CDN in front.
    pub async fn allow_public_reads(&self, name: &str) -> StorageResult<()> {
        let policy = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "PublicMediaReads",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": format!("arn:aws:s3:::{name}/*"),
            }],
        })
        .to_string();
        // S3 wants a checksum of a bucket policy.
        let checksum = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&policy));
        let url = bucket_url(&self.config, name, self.path_style, "/?policy");
        self.config
            .send(
                Service::S3,
                Method::PUT,
                &url,
                vec![
                    ("content-type", "application/json".to_string()),
                    ("x-amz-checksum-sha256", checksum),
                ],
                Bytes::from(policy),
            )
            .await
            .map_err(err("S3 PutBucketPolicy"))?;
        Ok(())
    }

    /// Creates the app secret with fresh random values if missing.
    pub async fn create_app_secret(&self, name: &str) -> StorageResult<()> {
        let value = json!({
            JWT_SECRET: postiz_core::crypto::random_token(48),
            ENCRYPTION_KEY: postiz_core::crypto::new_key_base64(),
        });
        let input = json!({
            "Name": name,
            "SecretString": value.to_string(),
            "ClientRequestToken": uuid::Uuid::new_v4().to_string(),
        });
        match self
            .config
            .call_json(Service::SecretsManager, "CreateSecret", &input)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code == "ResourceExistsException" => Ok(()),
            Err(e) => Err(e.into_storage("Secrets Manager CreateSecret")),
        }
    }
}
