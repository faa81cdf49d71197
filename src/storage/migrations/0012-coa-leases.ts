// Schema version 12: cut-off jobs are claimed by one node at a time, for a while.

/**
 * MIGRATION_0012 gives each cut-off job the node that claimed it and until when, so that a
 * job claimed by a node that died is taken over by another once the claim runs out.
 */
export const MIGRATION_0012 = {
  version: 12,
  name: 'coa-leases',
  sql: /* sql */ `
-- claimed_by: the node (PORTICO_NODE_ID) that last took the job; lease_until: while a
-- 'sending' job's lease has not run out, no other node takes it. The claiming node renews
-- the lease while it waits for the router's answer.
ALTER TABLE coa_jobs ADD COLUMN claimed_by TEXT;
ALTER TABLE coa_jobs ADD COLUMN lease_until INTEGER;
`,
  postgres: /* sql */ `
ALTER TABLE coa_jobs ADD COLUMN claimed_by TEXT;
ALTER TABLE coa_jobs ADD COLUMN lease_until BIGINT;
-- The sessions a NAS calls by one Acct-Session-Id, read under a transaction-level lock on
-- that pair: two nodes recording a packet of the same session (a router retransmitting to
-- the other server) take turns, and the second one reads what the first committed. The lock
-- comes first in its own statement so the read takes a snapshot after it (a VOLATILE
-- function takes a new snapshot per statement under READ COMMITTED).
CREATE FUNCTION portico_sessions_by_acct(p_nas BIGINT, p_acct TEXT) RETURNS SETOF sessions
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7401, hashtext(p_nas::text || ':' || p_acct));
  RETURN QUERY SELECT * FROM sessions WHERE nas_id = p_nas AND acct_session_id = p_acct
    ORDER BY id DESC LIMIT 8;
END
$$;
`,
};
