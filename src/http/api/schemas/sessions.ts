// Schemas for device sessions under /api/v1/sessions.

import { Type } from '@fastify/type-provider-typebox';
import { DateInput, IsoDateTime, Nullable, StringEnum } from './common.js';

/** SessionSchema is one device session. */
export const SessionSchema = Type.Object({
  id: Type.Integer(),
  tokenId: Type.Integer(),
  code: Type.String({ description: 'The token, grouped', examples: ['7KQ4-M2XD'] }),
  status: StringEnum(['reserved', 'live', 'closed'] as const),
  mac: Nullable(Type.String({ examples: ['aa-bb-cc-dd-ee-ff'] })),
  ip: Nullable(Type.String({ examples: ['10.5.50.23'] })),
  nasId: Nullable(Type.Integer()),
  nasName: Nullable(Type.String()),
  startedAt: Nullable(IsoDateTime),
  lastSeenAt: Nullable(IsoDateTime, { description: 'End of the online time charged so far' }),
  stoppedAt: Nullable(IsoDateTime),
  sessionSeconds: Type.Integer(),
  inputOctets: Type.Integer(),
  outputOctets: Type.Integer(),
  terminateCause: Nullable(Type.String()),
  lastCoa: Nullable(
    Type.Object({
      kind: Type.String({ examples: ['disconnect'] }),
      state: StringEnum(['pending', 'sending', 'ack', 'nak', 'timeout'] as const),
      at: IsoDateTime,
      errorCause: Nullable(Type.Integer({ description: 'RFC 5176 Error-Cause of a NAK' })),
    }),
    { description: 'The latest Disconnect/CoA and what the NAS answered' },
  ),
});

/** SessionList is one page of sessions and how many match in all. */
export const SessionList = Type.Object({
  sessions: Type.Array(SessionSchema),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

const page = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
};
const token = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 40,
    description: 'Only sessions of this token (code)',
    examples: ['7KQ4-M2XD'],
  }),
);

/** LiveQuery filters the live list. */
export const LiveQuery = Type.Object(
  {
    token,
    nas: Type.Optional(Type.Integer({ minimum: 1, description: 'Only sessions on this router' })),
    ...page,
  },
  { additionalProperties: false },
);

/** HistoryQuery filters the session history. */
export const HistoryQuery = Type.Object(
  {
    token,
    mac: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'Only this device, in any common spelling',
        examples: ['AA:BB:CC:DD:EE:FF'],
      }),
    ),
    since: Type.Optional(DateInput),
    until: Type.Optional(DateInput),
    ...page,
  },
  { additionalProperties: false },
);

/** DisconnectQuery says how long to wait for the router's answer. */
export const DisconnectQuery = Type.Object(
  {
    waitMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 15_000,
        default: 5000,
        description:
          "How long to wait for the router's answer; when it has not come by then the reply is 202 with the job id",
      }),
    ),
    reason: Type.Optional(
      Type.String({ maxLength: 200, description: 'Recorded in the audit log' }),
    ),
  },
  { additionalProperties: false },
);

/** DisconnectOutcome is what came of a Disconnect-Request. */
export const DisconnectOutcome = Type.Object({
  jobId: Nullable(Type.Integer({ description: 'The Disconnect job; null when none was needed' })),
  state: StringEnum(['ack', 'nak', 'timeout', 'pending', 'sending', 'released'] as const, {
    description:
      'ack: the router ended the session; nak: it refused (see errorCause); timeout: it never answered; pending/sending: still waiting (202); released: only a reservation, or a session the router already ended: nothing to send',
  }),
  errorCause: Type.Optional(Type.Integer()),
});

/** DeviceSchema is one device of a token: online, holding a reserved slot, or bound by MAC. */
export const DeviceSchema = Type.Object({
  mac: Nullable(Type.String({ examples: ['aa-bb-cc-dd-ee-ff'] })),
  status: StringEnum(['online', 'reserved', 'bound'] as const),
  sessionId: Nullable(Type.Integer()),
  since: IsoDateTime,
  lastSeenAt: Nullable(IsoDateTime),
  nasId: Nullable(Type.Integer()),
  nasName: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  bound: Type.Boolean({
    description: 'A MAC-authentication binding lets this device back on without the code',
  }),
});

/** DeviceList is every device of a token. */
export const DeviceList = Type.Object({ devices: Type.Array(DeviceSchema) });

/** DeviceParams is a path with a token code and a device MAC. */
export const DeviceParams = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 40, examples: ['7KQ4-M2XD'] }),
  mac: Type.String({
    minLength: 12,
    maxLength: 40,
    description: 'The device MAC in any common spelling',
    examples: ['aa-bb-cc-dd-ee-ff'],
  }),
});

/** SignedOut lists the Disconnect jobs queued for a device's live sessions. */
export const SignedOut = Type.Object({
  jobIds: Type.Array(Type.Integer(), {
    description: 'Disconnect jobs sent for its live sessions (see GET /sessions/{id})',
  }),
});
