// Schema version 15: each staff account's dashboard language.

/**
 * MIGRATION_0015 adds staff_users.language: the language the dashboard speaks to that
 * account ('en' or 'de'), English for every existing account.
 */
export const MIGRATION_0015 = {
  version: 15,
  name: 'staff-language',
  sql: /* sql */ `
ALTER TABLE staff_users ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'de'));
`,
  postgres: /* sql */ `
ALTER TABLE staff_users ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'de'));
`,
};
