CREATE TABLE `execution_rollups` (
	`tool_id` text NOT NULL,
	`hour` text NOT NULL,
	`outcome` text NOT NULL,
	`tool_name` text NOT NULL,
	`calls` integer NOT NULL,
	`duration_ms_sum` integer NOT NULL,
	`h0` integer DEFAULT 0 NOT NULL,
	`h1` integer DEFAULT 0 NOT NULL,
	`h2` integer DEFAULT 0 NOT NULL,
	`h3` integer DEFAULT 0 NOT NULL,
	`h4` integer DEFAULT 0 NOT NULL,
	`h5` integer DEFAULT 0 NOT NULL,
	`h6` integer DEFAULT 0 NOT NULL,
	`h7` integer DEFAULT 0 NOT NULL,
	`h8` integer DEFAULT 0 NOT NULL,
	`h9` integer DEFAULT 0 NOT NULL,
	`h10` integer DEFAULT 0 NOT NULL,
	`h11` integer DEFAULT 0 NOT NULL,
	`h12` integer DEFAULT 0 NOT NULL,
	`h13` integer DEFAULT 0 NOT NULL,
	`h14` integer DEFAULT 0 NOT NULL,
	`h15` integer DEFAULT 0 NOT NULL,
	`h16` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tool_id`, `hour`, `outcome`)
);
--> statement-breakpoint
CREATE INDEX `execution_rollups_hour` ON `execution_rollups` (`hour`);--> statement-breakpoint
CREATE INDEX `executions_started_id` ON `executions` (`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_outcome_started` ON `executions` (`outcome`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_status_started` ON `executions` (`upstream_status`,`started_at`,`id`);