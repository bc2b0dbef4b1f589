ALTER TABLE `executions` ADD `attempts` text;--> statement-breakpoint
ALTER TABLE `tools` ADD `max_response_bytes` integer DEFAULT 5242880 NOT NULL;--> statement-breakpoint
ALTER TABLE `tools` ADD `retry_policy` text;