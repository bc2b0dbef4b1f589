CREATE TABLE `executions` (
	`id` text PRIMARY KEY NOT NULL,
	`tool_id` text NOT NULL,
	`tool_name` text NOT NULL,
	`tool_version` integer NOT NULL,
	`started_at` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`outcome` text NOT NULL,
	`upstream_status` integer,
	`method` text,
	`url` text,
	`error_message` text,
	`input` text,
	`input_truncated` integer NOT NULL,
	`output` text,
	`output_truncated` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `executions_tool_started` ON `executions` (`tool_id`,`started_at`,`id`);--> statement-breakpoint
CREATE TABLE `tools` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`execution_type` text NOT NULL,
	`method` text,
	`endpoint_url` text,
	`function_name` text,
	`headers` text NOT NULL,
	`timeout_seconds` integer NOT NULL,
	`body_format` text NOT NULL,
	`input_schema` text NOT NULL,
	`output_schema` text,
	`input_mapping` text,
	`auth_type` text NOT NULL,
	`auth_params` text NOT NULL,
	`auth_secrets` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tools_name_unique` ON `tools` (`name`);--> statement-breakpoint
CREATE INDEX `tools_created_at_id` ON `tools` (`created_at`,`id`);