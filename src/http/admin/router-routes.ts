// Routers (RADIUS clients): add, change, remove, a shared secret shown once after it is made,
// and a test view that says when the router last spoke to Portico.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { VENDOR_PROFILES } from '../../adapters/registry.js';
import { generateSecret, type NasInput } from '../../services/nas-service.js';
import { staffActor } from '../plugins/staff-auth.js';
import { fieldErrors, formBody, list, str, type AdminOptions, type FieldErrors } from './pages.js';

type Form = Record<string, string | string[] | undefined>;

const FLAGS = [
  'requireMessageAuthenticator',
  'limitProxyState',
  'coaEventTimestamp',
  'coaMessageAuthenticator',
] as const;

/** nasInput returns the router fields a form carries; each checkbox follows a hidden "0". */
export function nasInput(body: Form): NasInput {
  const input: NasInput = {
    name: str(body.name),
    address: str(body.address),
    vendor: str(body.vendor),
    coaPort: str(body.coaPort),
  };
  // The page never shows the UAM secret, so a blank field keeps it unless Remove is ticked.
  const uamSecret = str(body.uamSecret).trim();
  if (uamSecret !== '') input.uamSecret = uamSecret;
  else if (list(body.removeUamSecret).includes('1')) input.uamSecret = '';
  const fasKey = str(body.fasKey).trim();
  if (fasKey !== '') input.fasKey = fasKey;
  else if (list(body.removeFasKey).includes('1')) input.fasKey = '';
  // A form without the field (an older page) leaves the list as it is.
  if (body.loginHosts !== undefined) input.loginHosts = str(body.loginHosts);
  for (const k of FLAGS) input[k] = list(body[k]).includes('1');
  return input;
}

const idParams = {
  schema: {
    params: {
      type: 'object',
      properties: { id: { type: 'string', pattern: '^[0-9]{1,12}$' } },
    },
  },
};

/** routerRoutes registers the router pages (admins only). */
export const routerRoutes: FastifyPluginAsync<AdminOptions> = async (app, { services, pages }) => {
  const formPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    data: {
      id?: number;
      values: Form;
      errors?: FieldErrors;
      uamSecretSet?: boolean;
      fasKeySet?: boolean;
    },
  ) =>
    pages.render(
      request,
      reply,
      'routers/form',
      {
        title: data.id === undefined ? 'Add a router' : 'Change router',
        vendors: VENDOR_PROFILES,
        id: data.id ?? null,
        uamSecretSet: data.uamSecretSet ?? false,
        fasKeySet: data.fasKeySet ?? false,
        values: data.values,
        errors: data.errors ?? {},
      },
      data.errors && Object.keys(data.errors).length > 0 ? 400 : 200,
    );

  const secretPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    router: { id: number; name: string; address: string; secret: string },
    fresh: boolean,
  ) =>
    pages.render(request, reply, 'routers/secret', {
      title: fresh ? 'Router added' : 'New shared secret',
      router,
      fresh,
    });

  app.get('/routers', async (request, reply) =>
    pages.render(request, reply, 'routers/list', {
      title: 'Routers',
      routers: await services.nas.list(),
      signInProblems: services.portal.signInProblems(),
      coa: new Map((await services.cutoff.routerHealth()).map((h) => [h.nasId, h])),
      removed: (request.query as Record<string, string>).removed ?? '',
    }),
  );

  app.get('/routers/new', async (request, reply) =>
    formPage(request, reply, {
      values: {
        vendor: 'generic',
        coaPort: '3799',
        requireMessageAuthenticator: '1',
        limitProxyState: '1',
        coaEventTimestamp: '1',
        coaMessageAuthenticator: '1',
      },
    }),
  );

  app.post('/routers', async (request, reply) => {
    const body = formBody(request);
    try {
      const nas = await services.nas.add(nasInput(body), staffActor(request));
      return secretPage(request, reply, nas, true);
    } catch (err) {
      const errors = fieldErrors(err) ?? conflictErrors(err);
      if (!errors) throw err;
      return formPage(request, reply, { values: flagValues(body), errors });
    }
  });

  app.get<{ Params: { id: string } }>('/routers/:id', idParams, async (request, reply) => {
    const nas = await services.nas.get(Number(request.params.id));
    const values: Form = {
      name: nas.name,
      address: nas.address,
      vendor: nas.vendor,
      coaPort: String(nas.coaPort),
      uamSecret: '',
      fasKey: '',
      loginHosts: nas.loginHosts.join(' '),
    };
    for (const k of FLAGS) values[k] = nas[k] ? '1' : '0';
    return formPage(request, reply, {
      id: nas.id,
      values,
      uamSecretSet: nas.uamSecret !== null,
      fasKeySet: nas.fasKey !== null,
    });
  });

  app.post<{ Params: { id: string } }>('/routers/:id', idParams, async (request, reply) => {
    const id = Number(request.params.id);
    const body = formBody(request);
    try {
      await services.nas.update(id, nasInput(body), staffActor(request));
      // What the splash page saw was about the old settings.
      services.portal.clearSignInProblems(id);
      return reply.redirect(`/admin/routers/${id}/test?saved=1`, 303);
    } catch (err) {
      const errors = fieldErrors(err) ?? conflictErrors(err);
      if (!errors) throw err;
      const nas = await services.nas.get(id);
      return formPage(request, reply, {
        id,
        values: flagValues(body),
        errors,
        uamSecretSet: nas.uamSecret !== null,
        fasKeySet: nas.fasKey !== null,
      });
    }
  });

  app.post<{ Params: { id: string } }>('/routers/:id/secret', idParams, async (request, reply) => {
    const id = Number(request.params.id);
    const nas = await services.nas.update(id, { secret: generateSecret() }, staffActor(request));
    return secretPage(request, reply, nas, false);
  });

  app.get<{ Params: { id: string }; Querystring: { saved?: string } }>(
    '/routers/:id/test',
    idParams,
    async (request, reply) => {
      const nas = await services.nas.get(Number(request.params.id));
      return pages.render(request, reply, 'routers/test', {
        title: `Test ${nas.name}`,
        router: nas,
        signInProblems: services.portal.signInProblems(nas.id),
        saved: request.query.saved !== undefined,
        radius: {
          host: services.config.radiusHost,
          auth: services.config.radiusAuthPort,
          acct: services.config.radiusAcctPort,
        },
      });
    },
  );

  app.get<{ Params: { id: string } }>('/routers/:id/delete', idParams, async (request, reply) => {
    const nas = await services.nas.get(Number(request.params.id));
    return pages.render(request, reply, 'routers/confirm-delete', {
      title: `Remove ${nas.name}?`,
      router: nas,
    });
  });

  app.post<{ Params: { id: string } }>('/routers/:id/delete', idParams, async (request, reply) => {
    await services.nas.remove(Number(request.params.id), staffActor(request));
    return reply.redirect('/admin/routers?removed=1', 303);
  });
};

/** flagValues returns the form as re-shown after an error: each checkbox as '1' or '0'. */
function flagValues(body: Form): Form {
  const out: Form = { ...body };
  for (const k of FLAGS) out[k] = list(body[k]).includes('1') ? '1' : '0';
  return out;
}

/** conflictErrors returns a form-level error for a taken name or address, or null. */
function conflictErrors(err: unknown): FieldErrors | null {
  const e = err as { code?: string; message?: string };
  return e.code === 'PORTICO_CONFLICT' ? { name: e.message ?? 'is taken' } : null;
}
