// /api/v1/settings: what staff change on the Settings page (space name, logo, time zone,
// Wi-Fi name, terms, portal languages, RADIUS defaults, code length). Admin keys only, so an
// integrator can provision a venue without the dashboard.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { LANGUAGES } from '../../i18n/i18n.js';
import type { Services } from '../../services/services.js';
import { apiActor } from '../plugins/api-auth.js';
import { errorResponses, Nullable } from './schemas/common.js';

const tags = ['settings'];

const fields = {
  spaceName: Type.String({
    minLength: 1,
    maxLength: 100,
    description: 'Shown on the splash page, the dashboard and printed cards',
    examples: ['Harbour Coworking'],
  }),
  logo: Nullable(Type.String({ maxLength: 256_000 }), {
    description: 'A base64 data:image URL (PNG, JPEG, GIF, WebP or SVG), or null for none',
  }),
  timeZone: Type.String({
    description: 'IANA zone dates are typed and shown in',
    examples: ['Europe/Berlin'],
  }),
  wifiName: Type.String({
    maxLength: 32,
    description: 'The Wi-Fi network guests join (SSID), named to a guest who is not on it',
  }),
  wifiHidden: Type.Boolean({
    description: 'Whether the network does not broadcast its name (the join QR code says H:true)',
  }),
  showWifiQr: Type.Boolean({
    description: 'Whether printed cards carry a Wi-Fi join QR code (needs wifiName)',
  }),
  cardNote: Type.String({
    maxLength: 120,
    description: 'A free line printed on every card; empty: none',
    examples: ['Help: reception, 8:00–20:00'],
  }),
  termsText: Type.String({
    maxLength: 20_000,
    description: 'Terms guests accept on the splash page; empty: no checkbox',
  }),
  portalLanguages: Type.Array(Type.String({ enum: [...LANGUAGES] }), {
    minItems: 1,
    description: `Languages the splash page offers, the default first (every shipped one: ${LANGUAGES.join(', ')})`,
  }),
  interimIntervalSeconds: Type.Integer({
    minimum: 60,
    maximum: 3600,
    description: 'Acct-Interim-Interval sent to routers',
  }),
  idleTimeoutSeconds: Type.Integer({
    minimum: 0,
    maximum: 86_400,
    description: 'Idle-Timeout sent to routers (0: none)',
  }),
  codeLength: Type.Integer({
    minimum: 6,
    maximum: 16,
    description: 'Characters in newly generated codes',
  }),
};

/** SettingsSchema is every setting in force (stored or default). */
export const SettingsSchema = Type.Object(fields);

/**
 * SettingsPatchBody changes the settings it names; the others keep their value. The Wi-Fi
 * password can be set here but is never returned (the Settings page shows it to admins).
 */
export const SettingsPatchBody = Type.Partial(
  Type.Object({
    ...fields,
    wifiPassword: Type.String({
      maxLength: 64,
      description:
        'The Wi-Fi passphrase for the join QR code on cards (8 to 63 characters or 64 hex digits; empty: an open network). Write-only.',
    }),
  }),
  {
    additionalProperties: false,
    examples: [
      { spaceName: 'Harbour Coworking', wifiName: 'Harbour Guest', portalLanguages: ['de', 'en'] },
    ],
  },
);

/** settingsRoutes registers GET and PATCH /settings over `services`. */
export const settingsRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  app.get(
    '/settings',
    {
      schema: {
        tags,
        summary: 'Show the settings',
        description: 'Every setting of the Settings page, stored or default.',
        response: { 200: SettingsSchema, ...errorResponses(403) },
      },
    },
    async () => services.settings.get(),
  );

  app.patch(
    '/settings',
    {
      schema: {
        tags,
        summary: 'Change settings',
        description:
          'Validated like the Settings page: every bad field is named and nothing is stored. The change is audited.',
        body: SettingsPatchBody,
        response: { 200: SettingsSchema, ...errorResponses(400, 403) },
      },
    },
    async (request) => services.settings.update(request.body, apiActor(request)),
  );
};
