// Schema version 4: the hosts a router's login URL may point at.

/** MIGRATION_0004 adds nas_clients.login_hosts, the allow-list for the splash page's hand-off. */
export const MIGRATION_0004 = {
  version: 4,
  name: 'nas-login-hosts',
  sql: /* sql */ `
-- Host names and IP literals, separated by commas or spaces, that the router's login URL
-- (MikroTik link-login-only, CoovaChilli uamip) may name. Empty: only router-local addresses.
ALTER TABLE nas_clients ADD COLUMN login_hosts TEXT NOT NULL DEFAULT '';
`,
  postgres: /* sql */ `
ALTER TABLE nas_clients ADD COLUMN login_hosts TEXT NOT NULL DEFAULT '';
`,
};
