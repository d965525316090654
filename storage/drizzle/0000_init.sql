CREATE TABLE "hints" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"confidence" real NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"feedback_useful" boolean,
	"feedback_at" timestamp with time zone,
	CONSTRAINT "hints_source_check" CHECK ("hints"."source" in ('rules', 'llm')),
	CONSTRAINT "hints_confidence_check" CHECK ("hints"."confidence" >= 0 and "hints"."confidence" <= 1)
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"id" serial PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"identity" text NOT NULL,
	"role" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone,
	CONSTRAINT "participants_role_check" CHECK ("participants"."role" in ('candidate', 'interviewer'))
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"room_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"candidate_invite_hash" text NOT NULL,
	"interviewer_invite_hash" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signals" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"analyser" text NOT NULL,
	"kind" text NOT NULL,
	"media" text NOT NULL,
	"range_start" timestamp with time zone NOT NULL,
	"range_end" timestamp with time zone NOT NULL,
	"values" jsonb NOT NULL,
	"confidence" real NOT NULL,
	"summary" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "signals_media_check" CHECK ("signals"."media" in ('audio', 'video', 'text', 'code')),
	CONSTRAINT "signals_confidence_check" CHECK ("signals"."confidence" >= 0 and "signals"."confidence" <= 1),
	CONSTRAINT "signals_range_check" CHECK ("signals"."range_end" >= "signals"."range_start")
);
--> statement-breakpoint
CREATE TABLE "transcript_segments" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"speaker_identity" text NOT NULL,
	"speaker_role" text NOT NULL,
	"text" text NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"final" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'ok' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transcript_status_check" CHECK ("transcript_segments"."status" in ('ok', 'failed')),
	CONSTRAINT "transcript_role_check" CHECK ("transcript_segments"."speaker_role" in ('candidate', 'interviewer')),
	CONSTRAINT "transcript_range_check" CHECK ("transcript_segments"."end_at" >= "transcript_segments"."start_at")
);
--> statement-breakpoint
ALTER TABLE "hints" ADD CONSTRAINT "hints_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transcript_segments" ADD CONSTRAINT "transcript_segments_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hints_session_created_idx" ON "hints" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "participants_session_joined_idx" ON "participants" USING btree ("session_id","joined_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_room_name_key" ON "sessions" USING btree ("room_name");--> statement-breakpoint
CREATE INDEX "signals_session_created_idx" ON "signals" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "transcript_session_start_idx" ON "transcript_segments" USING btree ("session_id","start_at");