// Schema version 7: the openNDS faskey a router shares with Portico.

/** MIGRATION_0007 adds nas_clients.fas_key, the pre-shared key of an openNDS gateway. */
export const MIGRATION_0007 = {
  version: 7,
  name: 'nas-fas-key',
  sql: /* sql */ `
-- openNDS's faskey: it hashes (level 1) or encrypts (level 2) what the gateway sends the
-- splash page, and BinAuth's reports to Portico are signed with a key derived from it.
-- NULL for routers that are not openNDS gateways.
ALTER TABLE nas_clients ADD COLUMN fas_key TEXT;
`,
  postgres: /* sql */ `
ALTER TABLE nas_clients ADD COLUMN fas_key TEXT;
`,
};
