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
CREATE INDEX "deletion_receipts_session_idx" ON "deletion_receipts" USING btree ("session_id","deleted_at");--> statement-breakpoint
CREATE INDEX "deletion_receipts_room_idx" ON "deletion_receipts" USING btree ("room_name");