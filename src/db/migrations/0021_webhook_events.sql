-- Hand-written (drizzle-kit does not manage functions or triggers).
-- Webhook and Slack deliveries are queued in the transaction that records the change, so an event is
-- never lost and never queued twice: one row per (receiver URL, event id). A ticket activity is the event
-- (its id is the event id); an SLA warning, which records no activity, calls queue_webhook_event itself.
CREATE FUNCTION queue_webhook_event(
  p_event_id uuid, p_event_type text, p_ticket_id uuid, p_action text, p_actor_id uuid, p_details jsonb,
  p_at timestamptz
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t record;
  payload jsonb;
  slack_url text;
BEGIN
  SELECT id, organization_id, ticket_number, title, status, priority, assignee_id INTO t
    FROM tickets WHERE id = p_ticket_id;
  IF NOT FOUND THEN RETURN; END IF;
  -- Called under a tenant context, only for that organisation's tickets.
  IF coalesce(current_setting('app.current_org_id', true), '') NOT IN ('', t.organization_id::text) THEN
    RAISE EXCEPTION 'queue_webhook_event: ticket of another organisation' USING ERRCODE = '42501';
  END IF;
  payload := jsonb_build_object(
    'id', p_event_id,
    'type', p_event_type,
    'createdAt', to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'organizationId', t.organization_id,
    'data', jsonb_build_object(
      'ticket', jsonb_build_object(
        'id', t.id, 'number', t.ticket_number, 'title', t.title, 'status', t.status,
        'priority', t.priority, 'assigneeId', t.assignee_id),
      'action', p_action,
      'actorId', p_actor_id,
      'details', coalesce(p_details, '{}'::jsonb)));
  INSERT INTO webhook_deliveries (organization_id, webhook_id, format, url, event_id, event_type, payload)
    SELECT w.organization_id, w.id, 'signed', w.url, p_event_id, p_event_type, payload
      FROM webhooks w
     WHERE w.organization_id = t.organization_id AND w.is_active AND p_event_type = ANY (w.events)
  ON CONFLICT (url, event_id) DO NOTHING;
  IF p_event_type IN ('ticket.created', 'sla.breached') THEN
    SELECT nullif(settings -> 'notifications' ->> 'slackWebhookUrl', '') INTO slack_url
      FROM organizations WHERE id = t.organization_id;
    IF slack_url IS NOT NULL THEN
      INSERT INTO webhook_deliveries (organization_id, format, url, event_id, event_type, payload)
        VALUES (t.organization_id, 'slack', slack_url, p_event_id, p_event_type, payload)
      ON CONFLICT (url, event_id) DO NOTHING;
    END IF;
  END IF;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION queue_webhook_event(uuid, text, uuid, text, uuid, jsonb, timestamptz) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION queue_webhook_event(uuid, text, uuid, text, uuid, jsonb, timestamptz) TO app_user, service_role;
--> statement-breakpoint
CREATE FUNCTION queue_webhook_events_of_activity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM queue_webhook_event(
    NEW.id,
    CASE NEW.action
      WHEN 'created' THEN 'ticket.created'
      WHEN 'message_added' THEN 'message.created'
      WHEN 'sla_breached' THEN 'sla.breached'
      ELSE 'ticket.updated'
    END,
    NEW.ticket_id, NEW.action::text, NEW.user_id, NEW.metadata, NEW.created_at);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER ticket_activities_webhook_events AFTER INSERT ON ticket_activities
  FOR EACH ROW EXECUTE FUNCTION queue_webhook_events_of_activity();
