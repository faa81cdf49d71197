// Batches: the tokens made together for one event. Staff look one up with its counts, or
// delete the whole batch at once (usage history stays, live sessions are cut off).

import type { Clock } from '../clock.js';
import type { TokenState } from '../core/token.js';
import { notFound } from '../errors.js';
import type { BatchSummary } from '../storage/batch-repo.js';
import type { Store } from '../storage/store.js';
import type { TokenChange } from './token-service.js';

/** BatchView is a batch with how many of its live tokens are in each state. */
export type BatchView = {
  id: number;
  name: string;
  createdAt: number;
  total: number;
  counts: Record<TokenState, number>;
};

/** createBatchService returns the batch use cases over a store. */
export function createBatchService(deps: {
  store: Store;
  clock: Clock;
  /** Called for each deleted token after the commit, so its live sessions are cut off. */
  onChange?: (tokenId: number, change: TokenChange) => Promise<void>;
}) {
  const { store, clock } = deps;
  return {
    /** list returns the newest batches that still have tokens, newest first. */
    async list(limit = 50): Promise<BatchSummary[]> {
      return store.batches.listRecent(Math.min(Math.max(limit, 1), 500));
    },
    /** get returns a batch with its counts; throws PORTICO_NOT_FOUND. */
    async get(id: number): Promise<BatchView> {
      const b = await store.tokens.getBatch(id);
      if (!b) throw notFound(`batch #${id}`);
      const counts = await store.tokens.countByState({ batchId: id }, clock.now());
      const total = Object.values(counts).reduce((a, n) => a + n, 0);
      return { ...b, total, counts };
    },
    /**
     * remove deletes every live token of a batch in one transaction and returns how many;
     * their live sessions are then cut off as a single delete's are. Throws
     * PORTICO_NOT_FOUND for an unknown batch.
     */
    async remove(id: number, actor: string): Promise<{ deleted: number }> {
      const b = await store.tokens.getBatch(id);
      if (!b) throw notFound(`batch #${id}`);
      const now = clock.now();
      const ids = await store.transaction(async (tx) => {
        const ids: number[] = [];
        for (const t of await tx.tokens.listBatch(id)) {
          if (await tx.tokens.softDelete(t.id, now)) ids.push(t.id);
        }
        await tx.audit.record({
          at: now,
          actor,
          action: 'batch.delete',
          targetType: 'batch',
          targetId: String(id),
          details: { name: b.name, count: ids.length },
        });
        return ids;
      });
      for (const tokenId of ids) await deps.onChange?.(tokenId, { kind: 'deleted' });
      return { deleted: ids.length };
    },
  };
}

/** BatchService is the batch use cases' interface. */
export type BatchService = ReturnType<typeof createBatchService>;
