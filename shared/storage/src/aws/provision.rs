//! Creates the resources of [`crate::schema`] on an AWS endpoint (an emulator, or an account
//! for a manual setup): the table with its indexes and TTL, the queues with their dead-letter
//! queues, the bucket and the app secret. Existing resources are left as they are.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use std::collections::HashMap;

use super::sdk_err;
use crate::schema::{QueueDef, ResourceNames, TABLE};
use crate::secrets::{ENCRYPTION_KEY, JWT_SECRET};
use crate::{StorageError, StorageResult};

/// Creates resources through one SDK configuration.
#[derive(Debug)]
pub struct Provisioner {
    dynamo: aws_sdk_dynamodb::Client,
    sqs: aws_sdk_sqs::Client,
    s3: aws_sdk_s3::Client,
    secrets: aws_sdk_secretsmanager::Client,
}

fn invalid(e: impl std::fmt::Display) -> StorageError {
    StorageError::Invalid(e.to_string())
}

fn key(attr: &str, kind: KeyType) -> StorageResult<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(attr)
        .key_type(kind)
        .build()
        .map_err(invalid)
}

impl Provisioner {
    /// A provisioner; `path_style` as for [`super::S3Blobs`].
    pub fn new(config: &aws_config::SdkConfig, path_style: bool) -> Self {
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .build();
        Self {
            dynamo: aws_sdk_dynamodb::Client::new(config),
            sqs: aws_sdk_sqs::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            secrets: aws_sdk_secretsmanager::Client::new(config),
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
            attrs.extend([i.pk, i.sk]);
        }
        let defs = attrs
            .iter()
            .map(|a| {
                AttributeDefinition::builder()
                    .attribute_name(*a)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(invalid)
            })
            .collect::<StorageResult<Vec<_>>>()?;
        let gsis = TABLE
            .indexes
            .iter()
            .map(|i| {
                GlobalSecondaryIndex::builder()
                    .index_name(i.name)
                    .key_schema(key(i.pk, KeyType::Hash)?)
                    .key_schema(key(i.sk, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(invalid)
            })
            .collect::<StorageResult<Vec<_>>>()?;
        let created = self
            .dynamo
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(defs))
            .key_schema(key(TABLE.pk, KeyType::Hash)?)
            .key_schema(key(TABLE.sk, KeyType::Range)?)
            .set_global_secondary_indexes(Some(gsis))
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) =>
            {
                return Ok(())
            }
            Err(e) => return Err(sdk_err(e)),
        }
        self.dynamo
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(TABLE.ttl)
                    .build()
                    .map_err(invalid)?,
            )
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    async fn queue_arn(&self, url: &str) -> StorageResult<String> {
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(sdk_err)?;
        out.attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .ok_or_else(|| StorageError::Backend("queue has no ARN".into()))
    }

    /// Creates a queue (and first its dead-letter queue, wired by a redrive policy).
    pub async fn create_queue(&self, prefix: &str, def: &QueueDef) -> StorageResult<String> {
        let mut attributes = HashMap::from([(
            QueueAttributeName::VisibilityTimeout,
            def.visibility_timeout_secs.to_string(),
        )]);
        if let (Some(dlq), Some((_, max))) = (def.dlq(), &def.dead_letter) {
            let dlq_url = Box::pin(self.create_queue(prefix, &dlq)).await?;
            let arn = self.queue_arn(&dlq_url).await?;
            attributes.insert(
                QueueAttributeName::RedrivePolicy,
                serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max.to_string()})
                    .to_string(),
            );
        }
        let out = self
            .sqs
            .create_queue()
            .queue_name(format!("{prefix}{}", def.name))
            .set_attributes(Some(attributes))
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(out.queue_url().unwrap_or_default().to_string())
    }

    /// Creates the bucket if missing.
    pub async fn create_bucket(&self, name: &str) -> StorageResult<()> {
        match self.s3.create_bucket().bucket(name).send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error().is_some_and(|s| {
                    s.is_bucket_already_owned_by_you() || s.is_bucket_already_exists()
                }) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_err(e)),
        }
    }

    /// Lets anyone read the bucket's objects (a bucket policy allowing `s3:GetObject`): for
    /// an emulator, or a bucket that serves media links itself with no CDN in front.
    pub async fn allow_public_reads(&self, name: &str) -> StorageResult<()> {
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "PublicMediaReads",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": format!("arn:aws:s3:::{name}/*"),
            }],
        });
        self.s3
            .put_bucket_policy()
            .bucket(name)
            .policy(policy.to_string())
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    /// Creates the app secret with fresh random values if missing.
    pub async fn create_app_secret(&self, name: &str) -> StorageResult<()> {
        let value = serde_json::json!({
            JWT_SECRET: postiz_core::crypto::random_token(48),
            ENCRYPTION_KEY: postiz_core::crypto::new_key_base64(),
        });
        match self
            .secrets
            .create_secret()
            .name(name)
            .secret_string(value.to_string())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_exists_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_err(e)),
        }
    }
}
