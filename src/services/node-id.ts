// The name a Portico node claims outbox rows under, so that a row another node holds is told
// apart from one this node holds (and a node never releases a claim that passed to another).

import { hostname } from 'node:os';

/** defaultNodeId returns `hostname:pid`, unique among the nodes running at one time. */
export function defaultNodeId(): string {
  return `${hostname()}:${process.pid}`;
}
