CREATE TABLE "session_reports" (
	"session_id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"report" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "hints" ADD COLUMN "trigger_signal_id" text;--> statement-breakpoint
ALTER TABLE "hints" ADD COLUMN "trigger_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "hints" ADD COLUMN "decided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "hints" ADD COLUMN "llm_first_token_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "hints" ADD COLUMN "recipients" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "hints" ADD COLUMN "merged_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "session_reports" ADD CONSTRAINT "session_reports_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;