// Schema version 13: which node holds an outbox row's lease, so that several Portico nodes
// drain one e-mail outbox and one webhook outbox without one releasing another's claim.

/**
 * MIGRATION_0013 adds claimed_by (the node id of the lease holder, null while nobody holds
 * it) to the e-mail outbox and the webhook deliveries.
 */
export const MIGRATION_0013 = {
  version: 13,
  name: 'outbox-claims',
  sql: /* sql */ `
ALTER TABLE email_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN claimed_by TEXT;
`,
  postgres: /* sql */ `
ALTER TABLE email_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN claimed_by TEXT;
`,
};
