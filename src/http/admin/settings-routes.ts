// The Settings page: the space's name and logo, time zone, terms of service, portal languages
// the RADIUS defaults and how long history is kept (with the last retention run's result).
// A wrong field re-renders the form with the message beside it.

import type { FastifyPluginAsync } from 'fastify';
import { languageName, LANGUAGES } from '../../i18n/i18n.js';
import { SETTING_KEYS, type SettingsPatch } from '../../services/settings-service.js';
import { staffActor } from '../plugins/staff-auth.js';
import { fieldErrors, formBody, list, str, type AdminOptions } from './pages.js';

/** LANGUAGE_CHOICES are the portal languages the form offers as checkboxes, with their names. */
const LANGUAGE_CHOICES = LANGUAGES.map((code) => ({ code, name: languageName(code) }));

/**
 * languagesFromForm returns the portal languages a form chose: the default first, then the
 * other ticked ones in the order Portico lists them (the default counts as ticked).
 */
function languagesFromForm(body: Record<string, string | string[] | undefined>): string[] {
  const ticked = list(body.portalLanguages);
  const first = str(body.defaultLanguage);
  return [...new Set([...(first ? [first] : []), ...LANGUAGES.filter((l) => ticked.includes(l))])];
}

/** settingsRoutes registers the Settings page (admins only). */
export const settingsRoutes: FastifyPluginAsync<AdminOptions> = async (
  app,
  { services, pages },
) => {
  const shown = async () => {
    const s = await services.settings.get();
    return {
      ...s,
      portalLanguages: s.portalLanguages,
      defaultLanguage: s.portalLanguages[0] ?? '',
      logo: s.logo ?? '',
    };
  };

  app.get<{ Querystring: { saved?: string } }>('/settings', async (request, reply) =>
    pages.render(request, reply, 'settings', {
      title: 'Settings',
      values: await shown(),
      languages: LANGUAGE_CHOICES,
      logo: services.settings.value('logo'),
      lastRetention: await services.retention.lastRun(),
      notice: request.query.saved !== undefined ? 'Settings saved.' : '',
    }),
  );

  app.post('/settings', async (request, reply) => {
    const body = formBody(request);
    const patch: SettingsPatch = {};
    for (const k of SETTING_KEYS) if (body[k] !== undefined) patch[k] = str(body[k]);
    // Checkboxes send nothing when none is ticked; the marker says the form had them.
    if (body.languagesShown !== undefined) patch.portalLanguages = languagesFromForm(body);
    if (str(body.removeLogo) === '1') patch.logo = null;
    // Unticked checkboxes send nothing; the marker says the form had them.
    if (body.cardChecksShown !== undefined) {
      patch.showWifiQr = str(body.showWifiQr) === '1';
      patch.wifiHidden = str(body.wifiHidden) === '1';
    }
    try {
      await services.settings.update(patch, staffActor(request));
      return reply.redirect('/admin/settings?saved=1', 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return pages.render(
        request,
        reply,
        'settings',
        {
          title: 'Settings',
          values: {
            ...body,
            portalLanguages: list(body.portalLanguages),
            defaultLanguage: str(body.defaultLanguage),
          },
          languages: LANGUAGE_CHOICES,
          logo: services.settings.value('logo'),
          lastRetention: await services.retention.lastRun(),
          errors,
          notice: '',
        },
        400,
      );
    }
  });
};
