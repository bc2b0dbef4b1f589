CREATE TABLE `connection_tokens` (
	`connection_id` text PRIMARY KEY NOT NULL,
	`access_token` text,
	`refresh_token` text,
	`expires_at` integer,
	`token_version` integer NOT NULL,
	`granted_scope` text,
	`account` text,
	`lease_id` text,
	`lease_until` integer,
	`invalid_reason` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `connections` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`auth_type` text NOT NULL,
	`auth_params` text NOT NULL,
	`auth_secrets` text NOT NULL,
	`secrets_version` integer DEFAULT 1 NOT NULL,
	`allowed_origins` text NOT NULL,
	`test_request` text,
	`last_error_code` text,
	`last_error_at` text,
	`last_used_at` text,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `connections_name_unique` ON `connections` (`name`);--> statement-breakpoint
CREATE INDEX `connections_created_at_id` ON `connections` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `oauth_states` (
	`id` text PRIMARY KEY NOT NULL,
	`connection_id` text NOT NULL,
	`principal` text NOT NULL,
	`code_verifier` text NOT NULL,
	`redirect_uri` text NOT NULL,
	`flow_cookie_hash` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `oauth_states_expires_at` ON `oauth_states` (`expires_at`);--> statement-breakpoint
ALTER TABLE `tools` ADD `connection_id` text;--> statement-breakpoint
CREATE INDEX `tools_connection_id` ON `tools` (`connection_id`);