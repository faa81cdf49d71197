/** RadiusErrorCode lists the stable codes of every error the RADIUS layer throws. */
export const RadiusErrorCode = {
  Dictionary: 'ERR_RADIUS_DICTIONARY',
  UnknownAttribute: 'ERR_RADIUS_UNKNOWN_ATTRIBUTE',
  AttributeType: 'ERR_RADIUS_ATTRIBUTE_TYPE',
  AttributeValue: 'ERR_RADIUS_ATTRIBUTE_VALUE',
  PacketTooLong: 'ERR_RADIUS_PACKET_TOO_LONG',
  Password: 'ERR_RADIUS_PASSWORD',
  Closed: 'ERR_RADIUS_CLOSED',
} as const;

/** RadiusErrorCode is the union of the codes in the RadiusErrorCode object. */
export type RadiusErrorCode = (typeof RadiusErrorCode)[keyof typeof RadiusErrorCode];

/**
 * RadiusError is thrown for programming and configuration mistakes (an unknown attribute
 * name, a value of the wrong type, a broken dictionary); bad packets from the network are
 * results with a reason, never exceptions.
 */
export class RadiusError extends Error {
  override readonly name = 'RadiusError';
  readonly code: RadiusErrorCode;

  constructor(code: RadiusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
