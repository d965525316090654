ALTER TABLE "hints" ADD COLUMN "why" jsonb;--> statement-breakpoint
ALTER TABLE "hints" ADD COLUMN "drops" jsonb DEFAULT '[]'::jsonb NOT NULL;