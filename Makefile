# `sam build` builds each function here (template.yaml: `BuildMethod: makefile`) the way CI
# measures it: cargo-lambda, arm64, the size-optimised `lambda` profile (docs/benchmarks.md,
# "Lambda packages"). `PROFILE=release sam build` trades size for a faster build.
PROFILE ?= lambda
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)

# $(call bootstrap,<binary>): builds one function's binary into SAM's artifacts folder.
define bootstrap
cargo lambda build --profile $(PROFILE) --arm64 --bin $(1)
cp "$(TARGET_DIR)/lambda/$(1)/bootstrap" "$(ARTIFACTS_DIR)/bootstrap"
endef

build-AuthFunction:
	$(call bootstrap,auth)

build-UsersFunction:
	$(call bootstrap,users)

build-SettingsFunction:
	$(call bootstrap,settings)

build-PendingFunction:
	$(call bootstrap,pending)

build-BillingFunction:
	$(call bootstrap,billing)

build-AiFunction:
	$(call bootstrap,ai)

build-OAuthFunction:
	$(call bootstrap,oauth)

build-McpFunction:
	$(call bootstrap,mcp)

build-StripeWebhookFunction:
	$(call bootstrap,stripe-webhook)

build-PublicApiFunction:
	$(call bootstrap,public-api)

build-MediaFunction:
	$(call bootstrap,media)

build-IntegrationsFunction:
	$(call bootstrap,integrations)

build-TokenRefreshFunction:
	$(call bootstrap,token-refresh)

build-PostsFunction:
	$(call bootstrap,posts)

build-PostSchedulerFunction:
	$(call bootstrap,post-scheduler)

build-PublishWorkerFunction:
	$(call bootstrap,publish-worker)

build-WebhooksFunction:
	$(call bootstrap,webhooks)

build-WebhookDeliveryFunction:
	$(call bootstrap,webhook-delivery)

build-AutopostFunction:
	$(call bootstrap,autopost)

build-AutopostSchedulerFunction:
	$(call bootstrap,autopost-scheduler)

build-AutopostWorkerFunction:
	$(call bootstrap,autopost-worker)

build-EmailSenderFunction:
	$(call bootstrap,email-sender)

build-DigestFunction:
	$(call bootstrap,digest)

.PHONY: build-DigestFunction build-EmailSenderFunction build-AutopostFunction build-AutopostSchedulerFunction build-AutopostWorkerFunction build-WebhooksFunction build-WebhookDeliveryFunction build-OAuthFunction build-McpFunction build-BillingFunction build-StripeWebhookFunction build-AuthFunction build-UsersFunction build-SettingsFunction build-PendingFunction build-PublicApiFunction build-MediaFunction build-IntegrationsFunction build-TokenRefreshFunction build-PostsFunction build-PostSchedulerFunction build-PublishWorkerFunction
