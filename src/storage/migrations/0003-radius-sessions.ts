// Schema version 3: what the RADIUS handler and the cut-off worker need beyond versions 1 and 2.

/** MIGRATION_0003 adds session identity for Disconnect/CoA, slot release and binding NAS. */
export const MIGRATION_0003 = {
  version: 3,
  name: 'radius-sessions',
  sql: /* sql */ `
-- How the device logged in ('code' or 'mac') and the User-Name the NAS sent, which a
-- Disconnect-Request must repeat exactly; the NAS's own address and identifier as it sent
-- them (behind NAT they differ from the packet's source); Calling-Station-Id as sent.
ALTER TABLE sessions ADD COLUMN login TEXT CHECK (login IS NULL OR login IN ('code', 'mac'));
ALTER TABLE sessions ADD COLUMN user_name TEXT;
ALTER TABLE sessions ADD COLUMN nas_ip_address TEXT;
ALTER TABLE sessions ADD COLUMN nas_identifier TEXT;
ALTER TABLE sessions ADD COLUMN calling_station_id TEXT;
-- Set when Portico asked the NAS to end the session (eviction, cut-off, staff): from then
-- on it no longer holds one of the token's device slots, though accounting still charges it.
ALTER TABLE sessions ADD COLUMN slot_released_at INTEGER;
CREATE INDEX sessions_mac ON sessions (device_mac, id);
CREATE INDEX sessions_started ON sessions (started_at) WHERE started_at IS NOT NULL;

ALTER TABLE device_bindings ADD COLUMN nas_id INTEGER REFERENCES nas_clients (id) ON DELETE SET NULL;
`,
  postgres: /* sql */ `
ALTER TABLE sessions ADD COLUMN login TEXT CHECK (login IS NULL OR login IN ('code', 'mac'));
ALTER TABLE sessions ADD COLUMN user_name TEXT;
ALTER TABLE sessions ADD COLUMN nas_ip_address TEXT;
ALTER TABLE sessions ADD COLUMN nas_identifier TEXT;
ALTER TABLE sessions ADD COLUMN calling_station_id TEXT;
ALTER TABLE sessions ADD COLUMN slot_released_at BIGINT;
CREATE INDEX sessions_mac ON sessions (device_mac, id);
CREATE INDEX sessions_started ON sessions (started_at) WHERE started_at IS NOT NULL;

ALTER TABLE device_bindings ADD COLUMN nas_id BIGINT REFERENCES nas_clients (id) ON DELETE SET NULL;
`,
};
