import { AttributeType } from './codes.js';
import {
  type AttributeDefinition,
  type Dictionary,
  DataType,
  defaultDictionary,
} from './dictionary.js';
import { RadiusError, RadiusErrorCode } from './errors.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './ip-address.js';
import type { RadiusAttribute } from './packet.js';

/** AttributeValue is what a caller may give or get for one attribute value. */
export type AttributeValue = string | number | bigint | Buffer;

/** AttributePair names one attribute by its dictionary name and gives its value. */
export type AttributePair = readonly [name: string, value: AttributeValue];

/** AttributeSource is the part of a decoded packet the attribute getters read. */
export interface AttributeSource {
  readonly attributes: readonly RadiusAttribute[];
}

/** VendorSpecific is the content of one Vendor-Specific attribute (RFC 2865 §5.26). */
export interface VendorSpecific {
  readonly vendorId: number;
  readonly attributes: readonly RadiusAttribute[];
}

/**
 * parseVendorSpecific splits a Vendor-Specific value into its Vendor-Id and the
 * type/length/value sub-attributes RFC 2865 §5.26 recommends, or returns undefined when
 * the value does not have that shape; such a value is kept as raw octets, never dropped.
 */
export function parseVendorSpecific(value: Buffer): VendorSpecific | undefined {
  if (value.length < 4) return undefined;
  const attributes: RadiusAttribute[] = [];
  let offset = 4;
  while (offset < value.length) {
    if (offset + 2 > value.length) return undefined;
    const length = value[offset + 1]!;
    if (length < 2 || offset + length > value.length) return undefined;
    attributes.push({ type: value[offset]!, value: value.subarray(offset + 2, offset + length) });
    offset += length;
  }
  return { vendorId: value.readUInt32BE(0), attributes };
}

function resolve(name: string, dictionary: Dictionary): AttributeDefinition {
  const definition = dictionary.attribute(name);
  if (!definition) {
    throw new RadiusError(RadiusErrorCode.UnknownAttribute, `no attribute named ${name}`);
  }
  return definition;
}

function collect(source: AttributeSource, definition: AttributeDefinition, all: boolean): Buffer[] {
  const found: Buffer[] = [];
  if (definition.vendorId === 0) {
    for (const attribute of source.attributes) {
      if (attribute.type !== definition.type) continue;
      found.push(attribute.value);
      if (!all) break;
    }
    return found;
  }
  for (const attribute of source.attributes) {
    if (attribute.type !== AttributeType.VendorSpecific || attribute.value.length < 6) continue;
    if (attribute.value.readUInt32BE(0) !== definition.vendorId) continue;
    for (const sub of parseVendorSpecific(attribute.value)?.attributes ?? []) {
      if (sub.type !== definition.type) continue;
      found.push(sub.value);
      if (!all) return found;
    }
  }
  return found;
}

function first(source: AttributeSource, definition: AttributeDefinition): Buffer | undefined {
  return collect(source, definition, false)[0];
}

function requireType(
  definition: AttributeDefinition,
  allowed: readonly DataType[],
  getter: string,
): void {
  if (!allowed.includes(definition.dataType)) {
    throw new RadiusError(
      RadiusErrorCode.AttributeType,
      `${getter} cannot read ${definition.name}, which is of type ${definition.dataType}`,
    );
  }
}

/** hasAttribute returns whether the packet carries the named attribute at least once. */
export function hasAttribute(
  source: AttributeSource,
  name: string,
  dictionary: Dictionary = defaultDictionary(),
): boolean {
  return first(source, resolve(name, dictionary)) !== undefined;
}

/**
 * getOctets returns the raw value of the first named attribute (vendor attributes by their
 * own name), or undefined when absent; it throws a RadiusError for an unknown name.
 */
export function getOctets(
  source: AttributeSource,
  name: string,
  dictionary: Dictionary = defaultDictionary(),
): Buffer | undefined {
  return first(source, resolve(name, dictionary));
}

/** getAllOctets returns the raw values of every occurrence of the named attribute, in order. */
export function getAllOctets(
  source: AttributeSource,
  name: string,
  dictionary: Dictionary = defaultDictionary(),
): Buffer[] {
  return collect(source, resolve(name, dictionary), true);
}

/**
 * getString returns the first named string or octets attribute decoded as UTF-8, or
 * undefined when absent; it throws a RadiusError for another type.
 */
export function getString(
  source: AttributeSource,
  name: string,
  dictionary: Dictionary = defaultDictionary(),
): string | undefined {
  const definition = resolve(name, dictionary);
  requireType(definition, [DataType.String, DataType.Octets], 'getString');
  return first(source, definition)?.toString('utf8');
}

function readInteger(dataType: DataType, value: Buffer): number | undefined {
  switch (dataType) {
    case DataType.Byte:
      return value.length === 1 ? value[0] : undefined;
    case DataType.Short:
      return value.length === 2 ? value.readUInt16BE(0) : undefined;
    case DataType.Signed:
      return value.length === 4 ? value.readInt32BE(0) : undefined;
    default:
      return value.length === 4 ? value.readUInt32BE(0) : undefined;
  }
}

/**
 * getInteger returns the first named integer, date, byte, short or signed attribute as a
 * number, or undefined when absent or of the wrong length; it throws a RadiusError for
 * another type.
 */
export function getInteger(
  source: AttributeSource,
  name: string,
  dictionary: Dictionary = defaultDictionary(),
): number | undefined {
  const definition = resolve(name, dictionary);
  requireType(
    definition,
    [DataType.Integer, DataType.Date, DataType.Byte, DataType.Short, DataType.Signed],
    'getInteger',
  );
  const value = first(source, definition);
  return value === undefined ? undefined : readInteger(definition.dataType, value);
}

/**
 * getInteger64 returns the first named integer64 or integer attribute as a bigint, or
 * undefined when absent or of the wrong length; it throws a RadiusError for another type.
 */
export function getInteger64(
  source: AttributeSource,
  name: string,
  dictionary: Dictionary = defaultDictionary(),
): bigint | undefined {
  const definition = resolve(name, dictionary);
  requireType(definition, [DataType.Integer64, DataType.Integer], 'getInteger64');
  const value = first(source, definition);
  if (value?.length === 8) return value.readBigUInt64BE(0);
  if (value?.length === 4) return BigInt(value.readUInt32BE(0));
  return undefined;
}

function readIp(dataType: DataType, value: Buffer): string | undefined {
  if (dataType === DataType.IpAddr) return value.length === 4 ? formatIpv4(value) : undefined;
  if (dataType === DataType.Ipv6Addr) return value.length === 16 ? formatIpv6(value) : undefined;
  // RFC 3162 §2.3: reserved octet, prefix length, then only the prefix's significant octets.
  const bits = value[1];
  if (value.length < 2 || value.length > 18 || bits === undefined || bits > 128) return undefined;
  const address = Buffer.alloc(16);
  value.copy(address, 0, 2);
  return `${formatIpv6(address)}/${bits}`;
}

/**
 * getIp returns the first named ipaddr, ipv6addr or ipv6prefix attribute as text
 * (`10.0.0.1`, `2001:db8::1`, `2001:db8::/64`), or undefined when absent or malformed; it
 * throws a RadiusError for another type.
 */
export function getIp(
  source: AttributeSource,
  name: string,
  dictionary: Dictionary = defaultDictionary(),
): string | undefined {
  const definition = resolve(name, dictionary);
  requireType(definition, [DataType.IpAddr, DataType.Ipv6Addr, DataType.Ipv6Prefix], 'getIp');
  const value = first(source, definition);
  return value === undefined ? undefined : readIp(definition.dataType, value);
}

/**
 * combineCounter returns the 64-bit count gigawords × 2^32 + octets of an accounting
 * counter pair (RFC 2869 §5.1); it stays exact below 2^53 octets (8 PiB).
 */
export function combineCounter(octets: number, gigawords = 0): number {
  return gigawords * 0x1_0000_0000 + octets;
}

function counter64(
  source: AttributeSource,
  prefix: 'Acct-Input' | 'Acct-Output',
  dictionary: Dictionary,
): number | undefined {
  const octets = getInteger(source, `${prefix}-Octets`, dictionary);
  if (octets === undefined) return undefined;
  return combineCounter(octets, getInteger(source, `${prefix}-Gigawords`, dictionary));
}

/**
 * getAcctInputOctets64 returns Acct-Input-Octets combined with Acct-Input-Gigawords (what
 * the user sent), or undefined when the packet has no Acct-Input-Octets.
 */
export function getAcctInputOctets64(
  source: AttributeSource,
  dictionary: Dictionary = defaultDictionary(),
): number | undefined {
  return counter64(source, 'Acct-Input', dictionary);
}

/**
 * getAcctOutputOctets64 returns Acct-Output-Octets combined with Acct-Output-Gigawords
 * (what the user received), or undefined when the packet has no Acct-Output-Octets.
 */
export function getAcctOutputOctets64(
  source: AttributeSource,
  dictionary: Dictionary = defaultDictionary(),
): number | undefined {
  return counter64(source, 'Acct-Output', dictionary);
}

function badValue(definition: AttributeDefinition, value: AttributeValue): never {
  const shown = Buffer.isBuffer(value) ? `${value.length} octets` : String(value);
  throw new RadiusError(
    RadiusErrorCode.AttributeValue,
    `${shown} is not a valid ${definition.dataType} value for ${definition.name}`,
  );
}

function encodeUnsigned(
  definition: AttributeDefinition,
  value: AttributeValue,
  octets: number,
): Buffer {
  let number: number | bigint | undefined;
  if (typeof value === 'string') {
    number = definition.values.get(value) ?? (/^\d+$/.test(value) ? Number(value) : undefined);
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    number = value;
  }
  if (number === undefined) badValue(definition, value);
  if (typeof number === 'number' && !Number.isInteger(number)) badValue(definition, value);
  const big = BigInt(number);
  const limit = 1n << BigInt(octets * 8);
  const signed = definition.dataType === DataType.Signed;
  const low = signed ? -(limit >> 1n) : 0n;
  const high = signed ? (limit >> 1n) - 1n : limit - 1n;
  if (big < low || big > high) badValue(definition, value);
  const out = Buffer.alloc(octets);
  if (octets === 8) out.writeBigUInt64BE(big);
  else if (signed) out.writeInt32BE(Number(big));
  else out.writeUIntBE(Number(big), 0, octets);
  return out;
}

function encodeIpv6Prefix(definition: AttributeDefinition, value: string): Buffer {
  const [address, bitsText] = value.split('/');
  const bits = Number(bitsText ?? 128);
  const bytes = parseIpv6(address ?? '');
  if (!bytes || !Number.isInteger(bits) || bits < 0 || bits > 128) badValue(definition, value);
  const significant = Math.ceil(bits / 8);
  return Buffer.concat([Buffer.of(0, bits), bytes.subarray(0, significant)]);
}

/**
 * encodeValue returns the wire form of value for an attribute of the given definition:
 * text as UTF-8, integers (or their VALUE names) big-endian, addresses in network order
 * (RFC 2865 §5, RFC 3162 §2); it throws a RadiusError when the value does not fit the type.
 */
export function encodeValue(definition: AttributeDefinition, value: AttributeValue): Buffer {
  switch (definition.dataType) {
    case DataType.String:
    case DataType.Octets:
    case DataType.Vsa:
      if (Buffer.isBuffer(value)) return value;
      if (typeof value === 'string') return Buffer.from(value, 'utf8');
      return badValue(definition, value);
    case DataType.Integer:
    case DataType.Date:
    case DataType.Signed:
      return encodeUnsigned(definition, value, 4);
    case DataType.Byte:
      return encodeUnsigned(definition, value, 1);
    case DataType.Short:
      return encodeUnsigned(definition, value, 2);
    case DataType.Integer64:
      return encodeUnsigned(definition, value, 8);
    case DataType.IpAddr:
      if (Buffer.isBuffer(value) && value.length === 4) return value;
      return (typeof value === 'string' && parseIpv4(value)) || badValue(definition, value);
    case DataType.Ipv6Addr:
      if (Buffer.isBuffer(value) && value.length === 16) return value;
      return (typeof value === 'string' && parseIpv6(value)) || badValue(definition, value);
    case DataType.Ipv6Prefix:
      if (Buffer.isBuffer(value)) return value;
      return typeof value === 'string'
        ? encodeIpv6Prefix(definition, value)
        : badValue(definition, value);
    case DataType.InterfaceId: {
      if (Buffer.isBuffer(value) && value.length === 8) return value;
      const hex = typeof value === 'string' ? value.replace(/[:-]/g, '') : '';
      return /^[0-9a-f]{16}$/i.test(hex) ? Buffer.from(hex, 'hex') : badValue(definition, value);
    }
  }
}

/**
 * decodeValue returns an attribute value in the form its type suggests: text for strings
 * and addresses, a number for 32-bit and smaller integers, a bigint for integer64, a Buffer
 * for octets; a value of the wrong length comes back as its raw Buffer.
 */
export function decodeValue(definition: AttributeDefinition, value: Buffer): AttributeValue {
  switch (definition.dataType) {
    case DataType.String:
      return value.toString('utf8');
    case DataType.Integer:
    case DataType.Date:
    case DataType.Byte:
    case DataType.Short:
    case DataType.Signed:
      return readInteger(definition.dataType, value) ?? value;
    case DataType.Integer64:
      return value.length === 8 ? value.readBigUInt64BE(0) : value;
    case DataType.IpAddr:
    case DataType.Ipv6Addr:
    case DataType.Ipv6Prefix:
      return readIp(definition.dataType, value) ?? value;
    default:
      return value;
  }
}

/**
 * encodeAttributes turns `[name, value]` pairs into wire attributes through the
 * dictionary, wrapping vendor attributes in one Vendor-Specific each (RFC 2865 §5.26); it
 * throws a RadiusError for an unknown name or a value that does not fit. User-Password is
 * left in clear: encodeRequest hides it once the authenticator is known.
 */
export function encodeAttributes(
  pairs: Iterable<AttributePair>,
  dictionary: Dictionary = defaultDictionary(),
): RadiusAttribute[] {
  const out: RadiusAttribute[] = [];
  for (const [name, value] of pairs) {
    const definition = resolve(name, dictionary);
    const encoded = encodeValue(definition, value);
    if (definition.vendorId === 0) {
      out.push({ type: definition.type, value: encoded });
      continue;
    }
    if (encoded.length > 247) badValue(definition, value);
    const vsa = Buffer.allocUnsafe(6 + encoded.length);
    vsa.writeUInt32BE(definition.vendorId, 0);
    vsa[4] = definition.type;
    vsa[5] = encoded.length + 2;
    encoded.copy(vsa, 6);
    out.push({ type: AttributeType.VendorSpecific, value: vsa });
  }
  return out;
}

/** DecodedAttribute is one attribute with its dictionary name and decoded value. */
export interface DecodedAttribute {
  /** The dictionary name, or `Attr-<type>` / `Attr-26.<vendor>.<type>` when unknown. */
  readonly name: string;
  readonly vendorId: number;
  readonly type: number;
  readonly value: AttributeValue;
}

/**
 * listAttributes returns every attribute of the packet in order with names and decoded
 * values, splitting Vendor-Specific attributes into their sub-attributes; unknown vendors
 * and types, and VSAs of another shape, come back as raw octets.
 */
export function listAttributes(
  source: AttributeSource,
  dictionary: Dictionary = defaultDictionary(),
): DecodedAttribute[] {
  const out: DecodedAttribute[] = [];
  for (const attribute of source.attributes) {
    const vsa =
      attribute.type === AttributeType.VendorSpecific
        ? parseVendorSpecific(attribute.value)
        : undefined;
    if (!vsa) {
      const definition = dictionary.attributeByCode(0, attribute.type);
      out.push({
        name: definition?.name ?? `Attr-${attribute.type}`,
        vendorId: 0,
        type: attribute.type,
        value: definition ? decodeValue(definition, attribute.value) : attribute.value,
      });
      continue;
    }
    for (const sub of vsa.attributes) {
      const definition = dictionary.attributeByCode(vsa.vendorId, sub.type);
      out.push({
        name: definition?.name ?? `Attr-26.${vsa.vendorId}.${sub.type}`,
        vendorId: vsa.vendorId,
        type: sub.type,
        value: definition ? decodeValue(definition, sub.value) : sub.value,
      });
    }
  }
  return out;
}
