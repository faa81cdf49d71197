// The Settings page: the space's name and logo, time zone, terms of service, portal languages
// the RADIUS defaults and how long history is kept (with the last retention run's result).
// A wrong field re-renders the form with the message beside it.

import type { FastifyPluginAsync } from 'fastify';
import { SETTING_KEYS, type SettingsPatch } from '../../services/settings-service.js';
import { staffActor } from '../plugins/staff-auth.js';
import { fieldErrors, formBody, str, type AdminOptions } from './pages.js';

/** settingsRoutes registers the Settings page (admins only). */
export const settingsRoutes: FastifyPluginAsync<AdminOptions> = async (
  app,
  { services, pages },
) => {
  const shown = () => {
    const s = services.settings.get();
    return { ...s, portalLanguages: s.portalLanguages.join(', '), logo: s.logo ?? '' };
  };

  app.get<{ Querystring: { saved?: string } }>('/settings', async (request, reply) =>
    pages.render(request, reply, 'settings', {
      title: 'Settings',
      values: shown(),
      logo: services.settings.value('logo'),
      lastRetention: services.retention.lastRun(),
      notice: request.query.saved !== undefined ? 'Settings saved.' : '',
    }),
  );

  app.post('/settings', async (request, reply) => {
    const body = formBody(request);
    const patch: SettingsPatch = {};
    for (const k of SETTING_KEYS) if (body[k] !== undefined) patch[k] = str(body[k]);
    if (str(body.removeLogo) === '1') patch.logo = null;
    try {
      services.settings.update(patch, staffActor(request));
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
          values: body,
          logo: services.settings.value('logo'),
          lastRetention: services.retention.lastRun(),
          errors,
          notice: '',
        },
        400,
      );
    }
  });
};
