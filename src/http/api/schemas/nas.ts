// Schemas for routers (NAS clients) under /api/v1/nas.

import { Type } from '@fastify/type-provider-typebox';
import { NAS_VENDORS } from '../../../storage/nas-repo.js';
import { IsoDateTime, Nullable, StringEnum } from './common.js';

const fields = {
  name: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'A name for the router',
    examples: ['lobby'],
  }),
  address: Type.String({
    minLength: 2,
    maxLength: 64,
    description: 'The IPv4 or IPv6 address it sends RADIUS from',
    examples: ['192.0.2.10'],
  }),
  secret: Type.String({
    minLength: 8,
    maxLength: 128,
    description: 'RADIUS shared secret; generated (and returned once) when omitted',
  }),
  vendor: StringEnum(NAS_VENDORS, { description: 'Vendor profile', default: 'generic' }),
  coaPort: Type.Integer({
    minimum: 1,
    maximum: 65535,
    description: 'Where the router listens for Disconnect/CoA',
    default: 3799,
  }),
  requireMessageAuthenticator: Type.Boolean({
    description: 'Refuse Access-Requests without Message-Authenticator (BlastRADIUS defence)',
  }),
  limitProxyState: Type.Boolean({
    description: 'Drop Access-Requests carrying Proxy-State without Message-Authenticator',
  }),
  coaEventTimestamp: Type.Boolean({
    description:
      'Send Event-Timestamp in Disconnect/CoA (default true, false for openwrt: uspot NAKs it and it is never sent there)',
  }),
  coaMessageAuthenticator: Type.Boolean({
    description:
      'Send Message-Authenticator in Disconnect/CoA (default true, false for openwrt: uspot NAKs it and it is never sent there)',
  }),
  uamSecret: Nullable(Type.String({ maxLength: 128 }), {
    description:
      'CoovaChilli/uspot UAM secret: must be exactly the router\'s uamsecret, or every sign-in fails; null or "" removes it',
  }),
  fasKey: Nullable(Type.String({ maxLength: 64 }), {
    description:
      'openNDS faskey (vendor opennds), the same as the gateway\'s faskey option; null or "" removes it',
  }),
  loginHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
    maxItems: 20,
    description:
      "Host names or IP literals the router's own login URL (MikroTik link-login-only, CoovaChilli uamip) may name; the splash page sends guests' codes nowhere else. Empty: only private, loopback, CGNAT and link-local addresses",
    examples: [['login.hotspot.lan']],
  }),
  controllerUrl: Nullable(Type.String({ maxLength: 300 }), {
    description:
      'UniFi: base URL of the controller or UniFi OS console that authorises guests (external portal); null or "" removes it',
    examples: ['https://unifi.example.lan:8443'],
  }),
  controllerSite: Nullable(Type.String({ maxLength: 64 }), {
    description: "UniFi: the controller's short site name, as in /guest/s/<site>/",
    examples: ['default'],
  }),
  controllerUsername: Type.String({
    minLength: 1,
    maxLength: 128,
    description: 'UniFi: controller account (with controllerPassword; stored encrypted)',
  }),
  controllerPassword: Type.String({
    minLength: 1,
    maxLength: 256,
    description:
      'UniFi: controller password, stored encrypted under PORTICO_SECRET_KEY and never shown',
  }),
};

/** NasCreateBody adds a router. */
export const NasCreateBody = Type.Object(
  {
    name: fields.name,
    address: fields.address,
    secret: Type.Optional(fields.secret),
    vendor: Type.Optional(fields.vendor),
    coaPort: Type.Optional(fields.coaPort),
    requireMessageAuthenticator: Type.Optional(fields.requireMessageAuthenticator),
    limitProxyState: Type.Optional(fields.limitProxyState),
    coaEventTimestamp: Type.Optional(fields.coaEventTimestamp),
    coaMessageAuthenticator: Type.Optional(fields.coaMessageAuthenticator),
    uamSecret: Type.Optional(fields.uamSecret),
    fasKey: Type.Optional(fields.fasKey),
    loginHosts: Type.Optional(fields.loginHosts),
    controllerUrl: Type.Optional(fields.controllerUrl),
    controllerSite: Type.Optional(fields.controllerSite),
    controllerUsername: Type.Optional(fields.controllerUsername),
    controllerPassword: Type.Optional(fields.controllerPassword),
  },
  {
    additionalProperties: false,
    examples: [{ name: 'lobby', address: '192.0.2.10', vendor: 'mikrotik' }],
  },
);

/** NasUpdateBody changes a router; omitted fields keep their value. */
export const NasUpdateBody = Type.Partial(NasCreateBody, {
  additionalProperties: false,
  examples: [{ coaPort: 1700 }],
});

/** NasSchema is a router as the API shows it: without its secrets. */
export const NasSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  address: Type.String(),
  vendor: StringEnum(NAS_VENDORS),
  coaPort: Type.Integer(),
  requireMessageAuthenticator: Type.Boolean(),
  limitProxyState: Type.Boolean(),
  coaEventTimestamp: Type.Boolean(),
  coaMessageAuthenticator: Type.Boolean(),
  hasUamSecret: Type.Boolean(),
  hasFasKey: Type.Boolean(),
  loginHosts: fields.loginHosts,
  controllerUrl: Nullable(Type.String()),
  controllerSite: Nullable(Type.String()),
  hasControllerAccount: Type.Boolean(),
  createdAt: IsoDateTime,
  lastSeenAt: Nullable(IsoDateTime, { description: 'When the router last spoke to Portico' }),
});

/** NasWithSecret is a router just added or given a new secret: the secret is shown this once. */
export const NasWithSecret = Type.Object({
  nas: NasSchema,
  secret: Type.String({ description: 'The shared secret; store it in the router now' }),
});

/** NasList is every router. */
export const NasList = Type.Object({ nas: Type.Array(NasSchema) });
