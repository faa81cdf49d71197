// Background work that must run on one node at a time (calendar feeds, retention, the
// controller ticker, the cut-off pass) runs under a lease: a row naming the node that holds
// it and until when. The holder renews it as it works; a node that dies stops renewing, and
// once the lease has expired the next node to ask takes it over. Nodes compare their own
// clocks with the stored expiry, so a lease lasts far longer than any clock skew between them.

import type { Clock } from '../clock.js';
import type { Store } from '../storage/store.js';

/** Lease is one named piece of background work as this node sees it. */
export type Lease = {
  /** name is what the lease guards, e.g. 'retention'. */
  readonly name: string;
  /**
   * hold returns true when this node holds the lease now, taking it (when free or expired)
   * or renewing it as needed; false while another node's lease lasts.
   */
  hold(): Promise<boolean>;
  /** release gives the lease up (a graceful stop), so another node may take it at once. */
  release(): Promise<void>;
};

/** LeaseService hands out this node's leases. */
export type LeaseService = {
  /** node is this node's name (PORTICO_NODE_ID), the holder stored in its leases. */
  readonly node: string;
  /** lease returns the lease `name`, held `ttlMs` from each renewal. */
  lease(name: string, ttlMs: number): Lease;
};

/** createLeaseService returns the leases of the node `node` over `store`. */
export function createLeaseService(deps: {
  store: Store;
  clock: Clock;
  node: string;
}): LeaseService {
  const { store, clock, node } = deps;
  return {
    node,
    lease(name: string, ttlMs: number): Lease {
      // Until when this node is sure it holds the lease (0: not held). Renewal waits until
      // half of it has passed, so a pass every few seconds does not write every time.
      let heldUntil = 0;
      // A node that was just refused does not ask again at once (wakes come in bursts).
      let refusedUntil = 0;
      return {
        name,
        async hold() {
          const now = clock.now();
          if (now < heldUntil - ttlMs / 2) return true;
          if (now < refusedUntil) return false;
          const until = now + ttlMs;
          const got = await store.leases.acquire(name, node, now, until);
          heldUntil = got ? until : 0;
          refusedUntil = got ? 0 : now + Math.min(1000, ttlMs / 10);
          return got;
        },
        async release() {
          if (heldUntil === 0) return;
          heldUntil = 0;
          await store.leases.release(name, node);
        },
      };
    },
  };
}

/** alwaysHeld is the lease of a process that shares its database with nobody (tests, CLI). */
export const alwaysHeld = (name: string): Lease => ({
  name,
  hold: () => Promise.resolve(true),
  release: () => Promise.resolve(),
});
