CREATE TABLE "audit_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"actor" text NOT NULL,
	"subject" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conduct_notes" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"interviewer_identity" text NOT NULL,
	"kind" text NOT NULL,
	"topic" text,
	"text" text NOT NULL,
	"quote" text,
	"rephrase" text,
	"severity" text NOT NULL,
	"source" text NOT NULL,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"values" jsonb,
	"observed_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "conduct_severity_check" CHECK ("conduct_notes"."severity" in ('info', 'warning')),
	CONSTRAINT "conduct_source_check" CHECK ("conduct_notes"."source" in ('rules', 'llm'))
);
--> statement-breakpoint
CREATE TABLE "consent_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"identity" text NOT NULL,
	"action" text NOT NULL,
	"disclosure_version" text,
	"groups" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"accommodations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"source" text NOT NULL,
	"reason" text,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "consent_events_action_check" CHECK ("consent_events"."action" in ('given', 'withdrawn', 'refused'))
);
--> statement-breakpoint
CREATE TABLE "deletion_receipts" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"room_name" text NOT NULL,
	"session_created_at" timestamp with time zone NOT NULL,
	"deleted_at" timestamp with time zone NOT NULL,
	"requested_by" text NOT NULL,
	"reason" text NOT NULL,
	"room" text NOT NULL,
	"rows" jsonb NOT NULL,
	CONSTRAINT "deletion_receipts_reason_check" CHECK ("deletion_receipts"."reason" in ('request', 'retention')),
	CONSTRAINT "deletion_receipts_room_check" CHECK ("deletion_receipts"."room" in ('closed', 'not-open', 'unreachable', 'not-checked'))
);
--> statement-breakpoint
CREATE TABLE "session_plans" (
	"session_id" text PRIMARY KEY NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"plan" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	"coverage" jsonb,
	"coverage_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conduct_notes" ADD CONSTRAINT "conduct_notes_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consent_events" ADD CONSTRAINT "consent_events_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_plans" ADD CONSTRAINT "session_plans_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_session_idx" ON "audit_events" USING btree ("session_id","at","id");--> statement-breakpoint
CREATE INDEX "conduct_session_interviewer_idx" ON "conduct_notes" USING btree ("session_id","interviewer_identity","created_at");--> statement-breakpoint
CREATE INDEX "consent_events_session_identity_idx" ON "consent_events" USING btree ("session_id","identity","at");--> statement-breakpoint
CREATE INDEX "deletion_receipts_session_idx" ON "deletion_receipts" USING btree ("session_id","deleted_at");--> statement-breakpoint
CREATE INDEX "deletion_receipts_room_idx" ON "deletion_receipts" USING btree ("room_name");