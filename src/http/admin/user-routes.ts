// Staff accounts (admins only): add an account with a role, disable or enable one. A disabled
// account's sessions end at once.

import type { FastifyPluginAsync } from 'fastify';
import { generatePassword } from '../../services/passwords.js';
import { staffActor } from '../plugins/staff-auth.js';
import { fieldErrors, formBody, str, type AdminOptions, type FieldErrors } from './pages.js';

/** userRoutes registers the staff accounts page. */
export const userRoutes: FastifyPluginAsync<AdminOptions> = async (app, { services, pages }) => {
  const page = async (
    request: Parameters<typeof pages.render>[0],
    reply: Parameters<typeof pages.render>[1],
    extra: { values?: Record<string, unknown>; errors?: FieldErrors; notice?: string } = {},
  ) =>
    pages.render(
      request,
      reply,
      'users',
      {
        title: 'Staff accounts',
        users: await services.staff.list(),
        values: extra.values ?? { role: 'staff' },
        errors: extra.errors ?? {},
        notice: extra.notice ?? '',
      },
      extra.errors ? 400 : 200,
    );

  app.get<{ Querystring: { added?: string; changed?: string } }>('/users', async (request, reply) =>
    page(request, reply, {
      notice:
        request.query.added !== undefined
          ? 'Account added. Give the person their password; they can change it under their name.'
          : request.query.changed !== undefined
            ? 'Account changed.'
            : '',
    }),
  );

  app.post('/users', async (request, reply) => {
    const body = formBody(request);
    const username = str(body.username).trim();
    try {
      await services.staff.add(
        username,
        str(body.password),
        str(body.role) as 'admin' | 'staff',
        staffActor(request),
      );
      return reply.redirect('/admin/users?added=1', 303);
    } catch (err) {
      const errors =
        fieldErrors(err) ??
        ((err as { code?: string }).code === 'PORTICO_CONFLICT' ? { username: 'is taken' } : null);
      if (!errors) throw err;
      return page(request, reply, { values: { username, role: str(body.role) }, errors });
    }
  });

  // An admin gives a member who forgot their password a new one, shown once; the member's
  // sessions end, so a borrowed device is signed out too.
  app.post<{ Params: { id: string } }>(
    '/users/:id/reset-password',
    {
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[0-9]{1,12}$' } },
        },
      },
    },
    async (request, reply) => {
      const id = Number(request.params.id);
      const user = (await services.staff.list()).find((u) => u.id === id);
      if (!user) return page(request, reply, { errors: { _form: 'There is no such account.' } });
      if (id === request.staff?.userId)
        return page(request, reply, {
          errors: { _form: 'Change your own password under Your account.' },
        });
      const password = generatePassword();
      await services.staff.setPassword(user.username, password, staffActor(request));
      await services.webSessions.endSessionsOf(id);
      return page(request, reply, {
        notice: `New password for ${user.username}: ${password} (shown once: give it to them; they can change it under their name). Their sessions were ended.`,
      });
    },
  );

  app.post<{ Params: { id: string; action: string } }>(
    '/users/:id/:action',
    {
      schema: {
        params: {
          type: 'object',
          properties: {
            id: { type: 'string', pattern: '^[0-9]{1,12}$' },
            action: { type: 'string', enum: ['disable', 'enable'] },
          },
        },
      },
    },
    async (request, reply) => {
      const id = Number(request.params.id);
      const disable = request.params.action === 'disable';
      if (disable && id === request.staff?.userId)
        return page(request, reply, {
          errors: { _form: 'You cannot disable your own account. Ask another admin.' },
        });
      await services.staff.setDisabled(id, disable, staffActor(request));
      if (disable) await services.webSessions.endSessionsOf(id);
      return reply.redirect('/admin/users?changed=1', 303);
    },
  );
};
