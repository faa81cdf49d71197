// The first admin on an empty database, when two nodes start on it at the same moment.

import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { createStaffService } from '../../../src/services/staff-service.js';
import { withTestStore } from './mirror.js';

describe('the first admin', () => {
  it('is created once when two nodes start together on an empty database', async () => {
    await withTestStore(async ({ store }) => {
      const clock = fixedClock(Date.UTC(2026, 11, 4, 8));
      const a = createStaffService({ store, clock });
      const b = createStaffService({ store, clock });
      const got = await Promise.all([
        a.ensureFirstAdmin('admin', undefined),
        b.ensureFirstAdmin('admin', undefined),
      ]);
      expect(got.filter((g) => g !== null)).toHaveLength(1);
      expect(got.find((g) => g !== null)?.generatedPassword).toMatch(/\S{12,}/);
      expect(await store.staff.count()).toBe(1);
      // A later start on the same database creates nothing.
      expect(await a.ensureFirstAdmin('admin', undefined)).toBeNull();
    });
  });
});
