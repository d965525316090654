-- Consent and audit events are append-only: no row is ever changed (rows go only with their session).
CREATE OR REPLACE FUNCTION "append_only_refuse_update"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: rows cannot be changed', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "append_only_refuse_update"();
--> statement-breakpoint
CREATE TRIGGER "consent_events_append_only" BEFORE UPDATE ON "consent_events"
  FOR EACH ROW EXECUTE FUNCTION "append_only_refuse_update"();
