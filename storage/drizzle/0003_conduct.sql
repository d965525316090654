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
ALTER TABLE "conduct_notes" ADD CONSTRAINT "conduct_notes_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conduct_session_interviewer_idx" ON "conduct_notes" USING btree ("session_id","interviewer_identity","created_at");