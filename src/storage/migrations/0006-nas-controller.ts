// Schema version 6: a router's controller, for routers that authorise guests through an API
// (UniFi's external portal) rather than RADIUS.

/**
 * MIGRATION_0006 adds the controller URL, site and sealed credentials to nas_clients; the
 * credentials column holds only ciphertext (services seal it under PORTICO_SECRET_KEY).
 */
export const MIGRATION_0006 = {
  version: 6,
  name: 'nas-controller',
  sql: /* sql */ `
-- Base URL of the controller (https://unifi.example.lan:8443, or a UniFi OS console).
ALTER TABLE nas_clients ADD COLUMN controller_url TEXT;
-- The controller site the guests belong to (UniFi's short site name, e.g. "default").
ALTER TABLE nas_clients ADD COLUMN controller_site TEXT;
-- Username and password of the controller account, sealed (AES-256-GCM); never plain text.
ALTER TABLE nas_clients ADD COLUMN controller_credentials TEXT;
`,
  postgres: /* sql */ `
ALTER TABLE nas_clients ADD COLUMN controller_url TEXT;
ALTER TABLE nas_clients ADD COLUMN controller_site TEXT;
ALTER TABLE nas_clients ADD COLUMN controller_credentials TEXT;
`,
};
