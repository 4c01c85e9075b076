-- A delivery's first attempt waits for older events' first attempts on
-- the same endpoint: finding whether an event was tried on an endpoint
-- reads this index.
CREATE INDEX webhook_deliveries_endpoint_event_idx ON webhook_deliveries (endpoint_id, event_id);
