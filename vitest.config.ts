import { defineConfig } from 'vitest/config';

// Tests that need the PostgreSQL test server whatever the backend (the schema of both dialects,
// PostgreSQL migrations) run only in the postgres project.
const PG_ONLY = ['test/storage/pg/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: PG_ONLY,
          env: { TEST_BACKEND: 'sqlite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          // The store's contract and everything that goes through RADIUS to the store run again
          // on PostgreSQL, on a server this run starts (test/support/pg-global-setup.ts).
          include: [
            ...PG_ONLY,
            'test/storage/contract/**/*.test.ts',
            'test/radius-integration/**/*.test.ts',
            'test/e2e/radclient-portico.test.ts',
            'test/e2e/opennds-gateway.test.ts',
            'test/browser/portal-journey.test.ts',
            'test/browser/portal-first-hour.test.ts',
            'test/browser/admin-dashboard.test.ts',
            'test/browser/admin-layout.test.ts',
            'test/multinode/**/*.test.ts',
          ],
          env: { TEST_BACKEND: 'postgres' },
          globalSetup: ['test/support/pg-global-setup.ts'],
        },
      },
    ],
  },
});
