//! One signed HTTPS client for the four AWS services the adapters use: requests signed with
//! Signature Version 4 (AWS's `aws-sigv4` crate), sent with reqwest, retried with backoff
//! when the service is throttling or failing, and failures read into [`AwsError`].
//!
//! DynamoDB, SQS and Secrets Manager speak AWS's JSON protocol (a `POST /` with an
//! `X-Amz-Target` naming the operation); S3 speaks REST. That is all the adapters need, so
//! the AWS SDK's generated clients (about 40 % of every function's code) are not linked.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
    SignatureLocation, SigningInstructions, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use serde_json::Value;
use std::time::{Duration, SystemTime};

use crate::StorageError;

/// Attempts per call (the first and four retries), as the SDK's standard retry mode.
const MAX_ATTEMPTS: u32 = 5;
/// The first retry waits up to this long; each next one up to twice as long.
const BASE_BACKOFF: Duration = Duration::from_millis(100);
/// No retry waits longer than this.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How long a connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// One of the services the adapters call: its signing name, endpoint prefix and the
/// `AWS_ENDPOINT_URL_<SERVICE>` variable that points it elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    DynamoDb,
    Sqs,
    S3,
    SecretsManager,
}

impl Service {
    fn signing_name(self) -> &'static str {
        match self {
            Service::DynamoDb => "dynamodb",
            Service::Sqs => "sqs",
            Service::S3 => "s3",
            Service::SecretsManager => "secretsmanager",
        }
    }

    fn env_suffix(self) -> &'static str {
        match self {
            Service::DynamoDb => "DYNAMODB",
            Service::Sqs => "SQS",
            Service::S3 => "S3",
            Service::SecretsManager => "SECRETS_MANAGER",
        }
    }

    /// The JSON protocol's content type and target prefix (not S3's REST).
    fn json_protocol(self) -> (&'static str, &'static str) {
        match self {
            Service::DynamoDb => ("application/x-amz-json-1.0", "DynamoDB_20120810"),
            Service::Sqs => ("application/x-amz-json-1.0", "AmazonSQS"),
            Service::SecretsManager => ("application/x-amz-json-1.1", "secretsmanager"),
            Service::S3 => ("application/xml", ""),
        }
    }
}

/// Region, credentials and endpoints shared by every adapter (built once per process).
#[derive(Clone)]
pub struct AwsConfig {
    region: String,
    identity: Identity,
    endpoint: Option<String>,
    service_endpoints: Vec<(Service, String)>,
    http: reqwest::Client,
}

impl std::fmt::Debug for AwsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsConfig")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl AwsConfig {
    /// A configuration for `region` with static credentials; every service at its AWS
    /// endpoint unless `endpoint` (an emulator, a proxy) is given.
    pub fn new(
        region: &str,
        access_key_id: &str,
        secret_access_key: &str,
        session_token: Option<String>,
        endpoint: Option<String>,
    ) -> Result<Self, StorageError> {
        let credentials = Credentials::new(
            access_key_id,
            secret_access_key,
            session_token,
            None,
            "environment",
        );
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| StorageError::Backend(format!("HTTPS client: {e}")))?;
        Ok(Self {
            region: region.to_string(),
            identity: credentials.into(),
            endpoint: endpoint.map(|e| e.trim_end_matches('/').to_string()),
            service_endpoints: Vec::new(),
            http,
        })
    }

    /// The configuration from the environment, as Lambda sets it: `AWS_REGION` (or
    /// `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, and optionally `AWS_ENDPOINT_URL` and
    /// `AWS_ENDPOINT_URL_<SERVICE>`. `endpoint` overrides them all.
    pub fn from_env(endpoint: Option<&str>) -> Result<Self, StorageError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let missing = |what: &str| {
            StorageError::Backend(format!(
                "{what} is not set: the AWS adapters read the region and credentials from the environment"
            ))
        };
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .ok_or_else(|| missing("AWS_REGION"))?;
        let key = var("AWS_ACCESS_KEY_ID").ok_or_else(|| missing("AWS_ACCESS_KEY_ID"))?;
        let secret =
            var("AWS_SECRET_ACCESS_KEY").ok_or_else(|| missing("AWS_SECRET_ACCESS_KEY"))?;
        let mut config = Self::new(
            &region,
            &key,
            &secret,
            var("AWS_SESSION_TOKEN"),
            endpoint
                .map(str::to_string)
                .or_else(|| var("AWS_ENDPOINT_URL")),
        )?;
        if endpoint.is_none() {
            for service in [
                Service::DynamoDb,
                Service::Sqs,
                Service::S3,
                Service::SecretsManager,
            ] {
                if let Some(url) = var(&format!("AWS_ENDPOINT_URL_{}", service.env_suffix())) {
                    config
                        .service_endpoints
                        .push((service, url.trim_end_matches('/').to_string()));
                }
            }
        }
        Ok(config)
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The endpoint of `service`: its override (an emulator, a proxy), else AWS's regional one.
    pub(crate) fn endpoint(&self, service: Service) -> String {
        if let Some((_, url)) = self.service_endpoints.iter().find(|(s, _)| *s == service) {
            return url.clone();
        }
        match &self.endpoint {
            Some(url) => url.clone(),
            None => format!(
                "https://{}.{}.amazonaws.com",
                service.signing_name(),
                self.region
            ),
        }
    }

    fn settings(service: Service) -> SigningSettings {
        let mut settings = SigningSettings::default();
        if service == Service::S3 {
            // S3 signs the path as sent (no second encoding, no normalisation) and wants
            // the payload's hash in `x-amz-content-sha256`.
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        settings
    }

    /// Signs a request (`url` already percent-encoded) with `settings`: the headers or query
    /// parameters to add.
    fn signing_instructions(
        &self,
        service: Service,
        settings: SigningSettings,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: SignableBody<'_>,
    ) -> Result<SigningInstructions, StorageError> {
        let params = SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name(service.signing_name())
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| StorageError::Backend(format!("signing: {e}")))?
            .into();
        let request = SignableRequest::new(
            method,
            url,
            headers.iter().map(|(k, v)| (*k, v.as_str())),
            body,
        )
        .map_err(|e| StorageError::Invalid(format!("signing: {e}")))?;
        let (instructions, _) = sign(request, &params)
            .map_err(|e| StorageError::Backend(format!("signing: {e}")))?
            .into_parts();
        Ok(instructions)
    }

    /// The headers that sign a request (`url` already percent-encoded).
    fn sign_headers(
        &self,
        service: Service,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, StorageError> {
        let instructions = self.signing_instructions(
            service,
            Self::settings(service),
            method,
            url,
            headers,
            SignableBody::Bytes(body),
        )?;
        Ok(instructions
            .headers()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }

    /// A presigned URL for `method` on `url` (S3), valid for `expires_in`; `headers` are
    /// signed and must be sent as given.
    pub(crate) fn presign(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        expires_in: Duration,
    ) -> Result<String, StorageError> {
        let mut settings = Self::settings(Service::S3);
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(expires_in);
        settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
        let instructions = self.signing_instructions(
            Service::S3,
            settings,
            method,
            url,
            headers,
            SignableBody::UnsignedPayload,
        )?;
        let mut out = url.to_string();
        for (i, (name, value)) in instructions.params().iter().enumerate() {
            let sep = if i == 0 && !url.contains('?') {
                '?'
            } else {
                '&'
            };
            out.push(sep);
            out.push_str(&uri_encode(name, true));
            out.push('=');
            out.push_str(&uri_encode(value, true));
        }
        Ok(out)
    }

    /// Sends a signed request, retrying throttling, server errors and dropped connections
    /// with exponential backoff and jitter. Answers the response of any other status.
    pub(crate) async fn send(
        &self,
        service: Service,
        method: reqwest::Method,
        url: &str,
        headers: Vec<(&str, String)>,
        body: Bytes,
    ) -> Result<Answer, AwsError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .send_once(service, method.clone(), url, &headers, body.clone())
                .await;
            let retry = match &result {
                Ok(answer) if answer.status < 300 => return result,
                Ok(answer) => {
                    let err = answer.error();
                    if !err.is_retryable() {
                        return Err(err);
                    }
                    err
                }
                Err(e) => e.clone(),
            };
            if attempt >= MAX_ATTEMPTS {
                return Err(retry);
            }
            let cap = BASE_BACKOFF
                .saturating_mul(1 << (attempt - 1))
                .min(MAX_BACKOFF);
            let wait = cap.mul_f64(rand::random::<f64>());
            tracing::debug!(
                service = service.signing_name(),
                attempt,
                code = %retry.code,
                wait_ms = wait.as_millis() as u64,
                "retrying an AWS call"
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once(
        &self,
        service: Service,
        method: reqwest::Method,
        url: &str,
        headers: &[(&str, String)],
        body: Bytes,
    ) -> Result<Answer, AwsError> {
        let signed = self
            .sign_headers(service, method.as_str(), url, headers, &body)
            .map_err(|e| AwsError {
                status: 0,
                code: "Signing".into(),
                message: e.to_string(),
                body: Value::Null,
            })?;
        let mut request = self.http.request(method, url);
        for (k, v) in headers {
            request = request.header(*k, v);
        }
        for (k, v) in signed {
            request = request.header(k, v);
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| AwsError::transport(transport_text(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| AwsError::transport(transport_text(&e)))?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Calls a JSON-protocol operation (`DynamoDB_20120810.PutItem`, `AmazonSQS.SendMessage`,
    /// `secretsmanager.GetSecretValue`) and answers its JSON output.
    pub(crate) async fn call_json(
        &self,
        service: Service,
        operation: &str,
        input: &Value,
    ) -> Result<Value, AwsError> {
        let (content_type, prefix) = service.json_protocol();
        let endpoint = self.endpoint(service);
        let url = format!("{endpoint}/");
        let body = Bytes::from(serde_json::to_vec(input).unwrap_or_default());
        let answer = self
            .send(
                service,
                reqwest::Method::POST,
                &url,
                vec![
                    ("content-type", content_type.to_string()),
                    ("x-amz-target", format!("{prefix}.{operation}")),
                ],
                body,
            )
            .await?;
        if answer.body.is_empty() {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_slice(&answer.body).map_err(|e| AwsError {
            status: answer.status,
            code: "SerializationException".into(),
            message: format!("{operation}: the answer is not JSON: {e}"),
            body: Value::Null,
        })
    }
}

/// A transport error's text without its URL (a presigned or signed URL must not reach a log).
fn transport_text(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "could not connect"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off"
    } else {
        "the request failed"
    };
    let mut text = kind.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// An answer of any status.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The error this answer carries: the JSON protocol's `__type` and `message`, or S3's
    /// XML `<Code>` and `<Message>`, or the status alone.
    pub fn error(&self) -> AwsError {
        let text = String::from_utf8_lossy(&self.body);
        if let Ok(body) = serde_json::from_slice::<Value>(&self.body) {
            let code = body["__type"]
                .as_str()
                .or_else(|| body["code"].as_str())
                .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
                .or_else(|| self.header("x-amzn-query-error").map(query_error_code))
                .unwrap_or_else(|| format!("HTTP {}", self.status));
            let message = body["message"]
                .as_str()
                .or_else(|| body["Message"].as_str())
                .unwrap_or_default()
                .to_string();
            return AwsError {
                status: self.status,
                code,
                message,
                body,
            };
        }
        let tag = |name: &str| {
            let open = format!("<{name}>");
            let start = text.find(&open)? + open.len();
            let end = text[start..].find(&format!("</{name}>"))? + start;
            Some(text[start..end].to_string())
        };
        AwsError {
            status: self.status,
            code: tag("Code")
                .or_else(|| self.header("x-amz-error-code").map(str::to_string))
                .unwrap_or_else(|| format!("HTTP {}", self.status)),
            message: tag("Message").unwrap_or_default(),
            body: Value::Null,
        }
    }
}

/// `AWS.SimpleQueueService.NonExistentQueue;Sender` → `AWS.SimpleQueueService.NonExistentQueue`.
fn query_error_code(header: &str) -> String {
    header.split(';').next().unwrap_or(header).to_string()
}

/// A failed AWS call: the HTTP status (0 when no answer came), the service's error code and
/// message, and the JSON error body (for DynamoDB's cancellation reasons).
#[derive(Debug, Clone)]
pub(crate) struct AwsError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub body: Value,
}

impl AwsError {
    fn transport(message: String) -> Self {
        Self {
            status: 0,
            code: "Transport".into(),
            message,
            body: Value::Null,
        }
    }

    /// Throttling, a server error, or no answer at all (not a request that could not be
    /// signed): worth another attempt.
    fn is_retryable(&self) -> bool {
        const THROTTLING: [&str; 9] = [
            "ThrottlingException",
            "Throttling",
            "ThrottledException",
            "RequestThrottledException",
            "TooManyRequestsException",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "SlowDown",
            "RequestThrottled",
        ];
        self.code == "Transport"
            || self.status >= 500
            || self.status == 429
            || THROTTLING.contains(&self.code.as_str())
    }

    /// The error as a storage backend error (its code and message; never a URL).
    pub fn into_storage(self, what: &str) -> StorageError {
        if self.message.is_empty() {
            StorageError::Backend(format!("{what}: {}", self.code))
        } else {
            StorageError::Backend(format!("{what}: {}: {}", self.code, self.message))
        }
    }
}

/// Percent-encodes as SigV4 does: unreserved characters kept, `/` kept unless `slash`.
pub(crate) fn uri_encode(s: &str, slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if !slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: Default::default(),
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn errors_are_read_from_json_and_xml() {
        let e = answer(
            400,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#,
        )
        .error();
        assert_eq!(e.code, "ConditionalCheckFailedException");
        assert_eq!(e.message, "The conditional request failed");
        assert!(!e.is_retryable());
        let e = answer(
            400,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","Message":"slow down"}"#,
        )
        .error();
        assert!(e.is_retryable());
        assert_eq!(e.message, "slow down");
        let e = answer(
            404,
            "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>gone</Message></Error>",
        )
        .error();
        assert_eq!((e.code.as_str(), e.message.as_str()), ("NoSuchKey", "gone"));
        assert!(answer(503, "").error().is_retryable());
        assert!(!answer(403, "").error().is_retryable());
        assert!(AwsError::transport("reset".into()).is_retryable());
    }

    #[test]
    fn encoding_keeps_unreserved_characters() {
        assert_eq!(uri_encode("a b/c~d", false), "a%20b/c~d");
        assert_eq!(uri_encode("a b/c", true), "a%20b%2Fc");
        assert_eq!(uri_encode("é", true), "%C3%A9");
    }

    #[test]
    fn endpoints_follow_the_overrides() {
        let mut config = AwsConfig::new("eu-west-1", "AKID", "secret", None, None).unwrap();
        assert_eq!(
            config.endpoint(Service::DynamoDb),
            "https://dynamodb.eu-west-1.amazonaws.com"
        );
        config
            .service_endpoints
            .push((Service::S3, "http://localhost:9000".into()));
        assert_eq!(config.endpoint(Service::S3), "http://localhost:9000");
        let proxied = AwsConfig::new(
            "eu-west-1",
            "AKID",
            "secret",
            None,
            Some("http://p:1/".into()),
        )
        .unwrap();
        assert_eq!(proxied.endpoint(Service::Sqs), "http://p:1");
    }

    #[test]
    fn a_presigned_url_carries_its_signature_and_expiry() {
        let config =
            AwsConfig::new("us-east-1", "AKID", "secret", Some("tok".into()), None).unwrap();
        let url = config
            .presign(
                "GET",
                "https://b.s3.us-east-1.amazonaws.com/media/a%20b.png",
                &[],
                Duration::from_secs(600),
            )
            .unwrap();
        assert!(url.starts_with("https://b.s3.us-east-1.amazonaws.com/media/a%20b.png?"));
        for part in [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Expires=600",
            "X-Amz-Signature=",
            "X-Amz-Security-Token=tok",
            "X-Amz-Credential=AKID%2F",
        ] {
            assert!(url.contains(part), "{part} in {url}");
        }
        assert!(!url.contains("secret"));
    }
}
