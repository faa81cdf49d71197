/** RadiusCode maps packet names to their Code field (RFC 2865 §3, RFC 2866 §3, RFC 5176 §2.3, RFC 5997). */
export const RadiusCode = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccountingRequest: 4,
  AccountingResponse: 5,
  AccessChallenge: 11,
  StatusServer: 12,
  StatusClient: 13,
  DisconnectRequest: 40,
  DisconnectAck: 41,
  DisconnectNak: 42,
  CoaRequest: 43,
  CoaAck: 44,
  CoaNak: 45,
} as const;

/** RadiusCode is the union of the codes in the RadiusCode object. */
export type RadiusCode = (typeof RadiusCode)[keyof typeof RadiusCode];

const codeNames: ReadonlyMap<number, string> = new Map([
  [1, 'Access-Request'],
  [2, 'Access-Accept'],
  [3, 'Access-Reject'],
  [4, 'Accounting-Request'],
  [5, 'Accounting-Response'],
  [11, 'Access-Challenge'],
  [12, 'Status-Server'],
  [13, 'Status-Client'],
  [40, 'Disconnect-Request'],
  [41, 'Disconnect-ACK'],
  [42, 'Disconnect-NAK'],
  [43, 'CoA-Request'],
  [44, 'CoA-ACK'],
  [45, 'CoA-NAK'],
]);

/** codeName returns the RFC name of a packet code, or `Code-<n>` for one we do not know. */
export function codeName(code: number): string {
  return codeNames.get(code) ?? `Code-${code}`;
}

/** isKnownCode returns true for a code the dictionary names (codeName is not `Code-N`). */
export function isKnownCode(code: number): boolean {
  return codeNames.has(code);
}

/**
 * isRequestCode returns true for the codes a client sends (Access-, Accounting-,
 * Disconnect-, CoA-Request and Status-Server), false for responses.
 */
export function isRequestCode(code: number): boolean {
  return code === 1 || code === 4 || code === 12 || code === 40 || code === 43;
}

/**
 * usesComputedRequestAuthenticator returns true for the requests whose authenticator is
 * MD5 over the packet and the secret rather than random (RFC 2866 §3, RFC 5176 §2.3).
 */
export function usesComputedRequestAuthenticator(code: number): boolean {
  return code === 4 || code === 40 || code === 43;
}

/** AttributeType holds the standard attribute numbers the codec itself relies on. */
export const AttributeType = {
  UserName: 1,
  UserPassword: 2,
  ChapPassword: 3,
  VendorSpecific: 26,
  ProxyState: 33,
  AcctStatusType: 40,
  EventTimestamp: 55,
  ChapChallenge: 60,
  EapMessage: 79,
  MessageAuthenticator: 80,
  ErrorCause: 101,
} as const;

/** AcctStatusType holds the Acct-Status-Type values (RFC 2866 §5.1). */
export const AcctStatusType = {
  Start: 1,
  Stop: 2,
  InterimUpdate: 3,
  AccountingOn: 7,
  AccountingOff: 8,
  Failed: 15,
} as const;

/** AcctTerminateCause holds the Acct-Terminate-Cause values (RFC 2866 §5.10). */
export const AcctTerminateCause = {
  UserRequest: 1,
  LostCarrier: 2,
  LostService: 3,
  IdleTimeout: 4,
  SessionTimeout: 5,
  AdminReset: 6,
  AdminReboot: 7,
  PortError: 8,
  NasError: 9,
  NasRequest: 10,
  NasReboot: 11,
  PortUnneeded: 12,
  PortPreempted: 13,
  PortSuspended: 14,
  ServiceUnavailable: 15,
  Callback: 16,
  UserError: 17,
  HostRequest: 18,
} as const;

/** ErrorCause holds the Error-Cause values of Disconnect/CoA replies (RFC 5176 §3.5). */
export const ErrorCause = {
  ResidualContextRemoved: 201,
  InvalidEapPacket: 202,
  UnsupportedAttribute: 401,
  MissingAttribute: 402,
  NasIdentificationMismatch: 403,
  InvalidRequest: 404,
  UnsupportedService: 405,
  UnsupportedExtension: 406,
  InvalidAttributeValue: 407,
  AdministrativelyProhibited: 501,
  RequestNotRoutable: 502,
  SessionContextNotFound: 503,
  SessionContextNotRemovable: 504,
  ProxyProcessingError: 505,
  ResourcesUnavailable: 506,
  RequestInitiated: 507,
  MultipleSessionSelectionUnsupported: 508,
} as const;
