import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RadiusError, RadiusErrorCode } from './errors.js';

/** DataType lists the FreeRADIUS value types the dictionary files may use. */
export const DataType = {
  String: 'string',
  Octets: 'octets',
  IpAddr: 'ipaddr',
  Ipv6Addr: 'ipv6addr',
  Ipv6Prefix: 'ipv6prefix',
  InterfaceId: 'ifid',
  Integer: 'integer',
  Integer64: 'integer64',
  Date: 'date',
  Byte: 'byte',
  Short: 'short',
  Signed: 'signed',
  Vsa: 'vsa',
} as const;

/** DataType is the union of the value types in the DataType object. */
export type DataType = (typeof DataType)[keyof typeof DataType];

const knownTypes: ReadonlySet<string> = new Set(Object.values(DataType));

/** AttributeDefinition describes one attribute: its name, where it lives and its type. */
export interface AttributeDefinition {
  readonly name: string;
  /** 0 for standard attributes, else the IANA enterprise number of the vendor. */
  readonly vendorId: number;
  readonly type: number;
  readonly dataType: DataType;
  /** 0 plain, 1 User-Password hiding (RFC 2865 §5.2), 2 Tunnel-Password, 3 Ascend. */
  readonly encrypt: number;
  readonly hasTag: boolean;
  readonly concat: boolean;
  /** VALUE names of an integer attribute, name to number. */
  readonly values: ReadonlyMap<string, number>;
  /** VALUE names of an integer attribute, number to name. */
  readonly valueNames: ReadonlyMap<number, string>;
}

/** VendorDefinition describes one VENDOR line. */
export interface VendorDefinition {
  readonly name: string;
  readonly id: number;
  /** Octets of the sub-attribute type and length fields; only 1,1 is decoded. */
  readonly typeSize: number;
  readonly lengthSize: number;
}

/** Dictionary holds the precomputed lookup tables of a parsed dictionary tree. */
export interface Dictionary {
  /** Finds an attribute by name, exactly or else case-insensitively. */
  attribute(name: string): AttributeDefinition | undefined;
  /** Finds an attribute by vendor id (0 = standard) and type number. */
  attributeByCode(vendorId: number, type: number): AttributeDefinition | undefined;
  /** Finds a vendor by name or enterprise number. */
  vendor(nameOrId: string | number): VendorDefinition | undefined;
  /** Every attribute in file order. */
  readonly attributes: readonly AttributeDefinition[];
}

interface MutableDefinition extends AttributeDefinition {
  readonly values: Map<string, number>;
  readonly valueNames: Map<number, string>;
}

interface PendingValue {
  readonly attribute: string;
  readonly name: string;
  readonly value: number;
  readonly where: string;
}

/** DictionaryFileReader reads one dictionary file; tests pass an in-memory one. */
export type DictionaryFileReader = (path: string) => string | undefined;

const readFromDisk: DictionaryFileReader = (path) =>
  existsSync(path) ? readFileSync(path, 'utf8') : undefined;

function fail(where: string, message: string): never {
  throw new RadiusError(RadiusErrorCode.Dictionary, `${where}: ${message}`);
}

function parseNumber(text: string | undefined, where: string, what: string): number {
  if (text === undefined) fail(where, `missing ${what}`);
  const value = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : Number(text);
  if (!Number.isSafeInteger(value) || value < 0) fail(where, `bad ${what} "${text}"`);
  return value;
}

/**
 * parseDictionary reads the FreeRADIUS-format file at rootPath and everything it
 * `$INCLUDE`s, and returns the lookup tables; it throws a RadiusError naming the file and
 * line of the first malformed or contradictory line.
 */
export function parseDictionary(
  rootPath: string,
  readFile: DictionaryFileReader = readFromDisk,
): Dictionary {
  const byName = new Map<string, MutableDefinition>();
  const byLowerName = new Map<string, MutableDefinition>();
  const standard: (MutableDefinition | undefined)[] = new Array<MutableDefinition | undefined>(256);
  const byVendor = new Map<number, (MutableDefinition | undefined)[]>();
  const vendorsByName = new Map<string, VendorDefinition>();
  const vendorsById = new Map<number, VendorDefinition>();
  const all: MutableDefinition[] = [];
  const pendingValues: PendingValue[] = [];
  const including = new Set<string>();

  const addAttribute = (def: MutableDefinition, where: string): void => {
    const existing = byName.get(def.name);
    if (existing) {
      if (existing.vendorId === def.vendorId && existing.type === def.type) return;
      fail(where, `attribute ${def.name} is already defined with another number`);
    }
    byName.set(def.name, def);
    byLowerName.set(def.name.toLowerCase(), def);
    all.push(def);
    const table =
      def.vendorId === 0
        ? standard
        : (byVendor.get(def.vendorId) ??
          byVendor
            .set(def.vendorId, new Array<MutableDefinition | undefined>(256))
            .get(def.vendorId)!);
    // The first name for a number wins when decoding; later names are aliases.
    table[def.type] ??= def;
  };

  const parseFile = (path: string): void => {
    const text = readFile(path);
    if (text === undefined) fail(path, 'file not found');
    if (including.has(path)) fail(path, 'recursive $INCLUDE');
    including.add(path);
    let vendor: VendorDefinition | undefined;
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const where = `${path}:${i + 1}`;
      const hash = lines[i]!.indexOf('#');
      const line = (hash >= 0 ? lines[i]!.slice(0, hash) : lines[i]!).trim();
      if (line === '') continue;
      const [keyword, ...args] = line.split(/\s+/);
      switch (keyword) {
        case '$INCLUDE':
        case '$INCLUDE-': {
          const target = resolve(dirname(path), args[0] ?? fail(where, 'missing file name'));
          if (readFile(target) === undefined) {
            if (keyword === '$INCLUDE-') break;
            fail(where, `included file ${target} not found`);
          }
          parseFile(target);
          break;
        }
        case 'VENDOR': {
          const [name, idText, format] = args;
          if (!name) fail(where, 'missing vendor name');
          const id = parseNumber(idText, where, 'vendor number');
          let typeSize = 1;
          let lengthSize = 1;
          if (format !== undefined) {
            const match = /^format=(\d),(\d)(,c)?$/.exec(format);
            if (!match) fail(where, `bad vendor format "${format}"`);
            typeSize = Number(match[1]);
            lengthSize = Number(match[2]);
          }
          const def: VendorDefinition = { name, id, typeSize, lengthSize };
          vendorsByName.set(name, def);
          vendorsByName.set(name.toLowerCase(), def);
          vendorsById.set(id, def);
          break;
        }
        case 'BEGIN-VENDOR': {
          if (vendor) fail(where, `BEGIN-VENDOR inside ${vendor.name}`);
          vendor = vendorsByName.get(args[0] ?? '') ?? fail(where, `unknown vendor ${args[0]}`);
          break;
        }
        case 'END-VENDOR': {
          if (!vendor || vendor.name !== args[0]) fail(where, `END-VENDOR ${args[0]} unmatched`);
          vendor = undefined;
          break;
        }
        case 'ATTRIBUTE': {
          const [name, numberText, typeText, ...rest] = args;
          if (!name || !typeText) fail(where, 'ATTRIBUTE needs a name, a number and a type');
          const type = parseNumber(numberText, where, 'attribute number');
          const dataType = typeText.replace(/\[\d+\]$/, '');
          if (!knownTypes.has(dataType)) fail(where, `unknown type "${typeText}"`);
          let vendorId = vendor?.id ?? 0;
          let encrypt = 0;
          let hasTag = false;
          let concat = false;
          for (const extra of rest) {
            const oldStyleVendor = vendorsByName.get(extra);
            if (oldStyleVendor) {
              vendorId = oldStyleVendor.id;
              continue;
            }
            for (const flag of extra.split(',')) {
              if (/^encrypt=[0-3]$/.test(flag)) encrypt = Number(flag.slice(8));
              else if (flag === 'has_tag') hasTag = true;
              else if (flag === 'concat') concat = true;
              else if (flag !== 'array') fail(where, `unknown flag "${flag}"`);
            }
          }
          if (type < 1 || type > 255) fail(where, `attribute number ${type} outside 1..255`);
          addAttribute(
            {
              name,
              vendorId,
              type,
              dataType: dataType as DataType,
              encrypt,
              hasTag,
              concat,
              values: new Map(),
              valueNames: new Map(),
            },
            where,
          );
          break;
        }
        case 'VALUE': {
          const [attribute, name, valueText] = args;
          if (!attribute || !name) fail(where, 'VALUE needs an attribute, a name and a number');
          pendingValues.push({
            attribute,
            name,
            value: parseNumber(valueText, where, 'value'),
            where,
          });
          break;
        }
        default:
          fail(where, `unknown keyword "${keyword}"`);
      }
    }
    if (vendor) fail(path, `BEGIN-VENDOR ${vendor.name} without END-VENDOR`);
    including.delete(path);
  };

  parseFile(resolve(rootPath));

  // VALUE lines may come before their ATTRIBUTE (RFC 5176 adds values to RFC 2865's
  // Service-Type), so they are attached only once every file is read.
  for (const pending of pendingValues) {
    const def = byName.get(pending.attribute);
    if (!def) fail(pending.where, `VALUE for unknown attribute ${pending.attribute}`);
    def.values.set(pending.name, pending.value);
    if (!def.valueNames.has(pending.value)) def.valueNames.set(pending.value, pending.name);
  }

  return {
    attributes: all,
    attribute: (name) => byName.get(name) ?? byLowerName.get(name.toLowerCase()),
    attributeByCode: (vendorId, type) =>
      vendorId === 0 ? standard[type] : byVendor.get(vendorId)?.[type],
    vendor: (nameOrId) =>
      typeof nameOrId === 'number'
        ? vendorsById.get(nameOrId)
        : (vendorsByName.get(nameOrId) ?? vendorsByName.get(nameOrId.toLowerCase())),
  };
}

/**
 * packageRoot returns the nearest directory above this module that holds package.json,
 * which is the project root both from `src/radius` and from compiled `dist/radius`; it
 * throws if there is none.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new RadiusError(RadiusErrorCode.Dictionary, 'package.json not found above radius/');
    }
    dir = parent;
  }
}

/** dictionaryPath returns the path of the root dictionary file in the top-level radius/ folder. */
export function dictionaryPath(): string {
  return join(packageRoot(), 'radius', 'dictionary');
}

let cached: Dictionary | undefined;

/**
 * defaultDictionary returns the project's dictionary, parsed on first use and shared
 * afterwards; it throws a RadiusError if the files are missing or malformed.
 */
export function defaultDictionary(): Dictionary {
  cached ??= parseDictionary(dictionaryPath());
  return cached;
}
