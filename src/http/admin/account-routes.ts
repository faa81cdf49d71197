// Signing in and out, and the signed-in staff member's own account: change password, the
// dashboard's language, sign out everywhere.

import type { FastifyPluginAsync } from 'fastify';
import { languageName } from '../../i18n/i18n.js';
import { DASHBOARD_LANGUAGES } from '../../services/staff-service.js';
import { signInCsrfToken, SIGN_IN_CSRF_COOKIE } from '../plugins/csrf.js';
import { ADMIN_PATH, clearStaffCookie, setStaffCookie } from '../plugins/staff-auth.js';
import { fieldErrors, formBody, str, type AdminOptions } from './pages.js';

/** safeNext returns `next` when it is a dashboard path, else the dashboard home. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(\/[^\\]*)?$/.test(next) && !next.startsWith('//')
    ? next
    : ADMIN_PATH;
}

/** accountRoutes registers sign-in, sign-out and the account page. */
export const accountRoutes: FastifyPluginAsync<AdminOptions> = async (app, { services, pages }) => {
  const languages = DASHBOARD_LANGUAGES.map((l) => ({ value: l, name: languageName(l) }));
  const signInPage = (
    request: Parameters<typeof pages.render>[0],
    reply: Parameters<typeof pages.render>[1],
    data: { next: string; username?: string; error?: string; notice?: string },
    status = 200,
  ) =>
    pages.render(
      request,
      reply,
      'sign-in',
      {
        title: 'Sign in',
        signInCsrf: signInCsrfToken(request, reply, services),
        username: '',
        error: '',
        notice: '',
        ...data,
      },
      status,
    );

  app.get<{ Querystring: { next?: string; expired?: string; out?: string } }>(
    '/sign-in',
    { config: { public: true } },
    async (request, reply) => {
      if (request.staff) return reply.redirect(safeNext(request.query.next), 303);
      const notice =
        request.query.expired !== undefined
          ? 'Your session ended. Sign in again; nothing from the last form was saved.'
          : request.query.out !== undefined
            ? 'You are signed out.'
            : '';
      return signInPage(request, reply, { next: safeNext(request.query.next), notice });
    },
  );

  app.post('/sign-in', { config: { public: true } }, async (request, reply) => {
    const body = formBody(request);
    const username = str(body.username);
    const next = safeNext(str(body.next));
    const result = await services.webSessions.signIn(username, str(body.password), request.ip);
    if (!result.ok) {
      if (result.reason === 'locked') {
        const minutes = Math.max(1, Math.ceil(result.retryAfterMs / 60_000));
        reply.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
        return signInPage(
          request,
          reply,
          {
            next,
            username,
            error: `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or ask an admin to clear the lockout.`,
          },
          429,
        );
      }
      return signInPage(
        request,
        reply,
        { next, username, error: 'Wrong username or password.' },
        401,
      );
    }
    setStaffCookie(reply, result.sessionId, services.config);
    reply.clearCookie(SIGN_IN_CSRF_COOKIE, { path: `${ADMIN_PATH}/sign-in` });
    return reply.redirect(next, 303);
  });

  app.post('/sign-out', { config: { role: 'staff' } }, async (request, reply) => {
    if (request.staff) await services.webSessions.signOut(request.staff);
    clearStaffCookie(reply, services.config);
    return reply.redirect(`${ADMIN_PATH}/sign-in?out=1`, 303);
  });

  app.post('/sign-out-everywhere', { config: { role: 'staff' } }, async (request, reply) => {
    if (request.staff) await services.webSessions.signOutEverywhere(request.staff);
    clearStaffCookie(reply, services.config);
    return reply.redirect(`${ADMIN_PATH}/sign-in?out=1`, 303);
  });

  app.get<{ Querystring: { changed?: string; language?: string } }>(
    '/account',
    { config: { role: 'staff' } },
    async (request, reply) =>
      pages.render(request, reply, 'account', {
        title: 'Your account',
        languages,
        notice:
          request.query.changed !== undefined
            ? 'Your password is changed.'
            : request.query.language !== undefined
              ? 'The dashboard speaks your language now.'
              : '',
      }),
  );

  app.post('/account/language', { config: { role: 'staff' } }, async (request, reply) => {
    const staff = request.staff;
    if (!staff) return reply.redirect(`${ADMIN_PATH}/sign-in`, 303);
    const language = str(formBody(request).language);
    try {
      await services.staff.setLanguage(staff.userId, language, staff.username);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return pages.render(
        request,
        reply,
        'account',
        {
          title: 'Your account',
          languages,
          errors,
          notice: '',
        },
        400,
      );
    }
    return reply.redirect(`${ADMIN_PATH}/account?language=1`, 303);
  });

  app.post('/account/password', { config: { role: 'staff' } }, async (request, reply) => {
    const body = formBody(request);
    const staff = request.staff;
    if (!staff) return reply.redirect(`${ADMIN_PATH}/sign-in`, 303);
    const errors: Record<string, string> = {};
    if (str(body.newPassword) !== str(body.confirmPassword))
      errors.confirmPassword = 'does not match the new password';
    if (Object.keys(errors).length === 0) {
      try {
        await services.webSessions.changePassword(
          staff,
          str(body.currentPassword),
          str(body.newPassword),
        );
        return reply.redirect(`${ADMIN_PATH}/account?changed=1`, 303);
      } catch (err) {
        const fields = fieldErrors(err);
        if (!fields) throw err;
        Object.assign(errors, fields);
      }
    }
    return pages.render(
      request,
      reply,
      'account',
      {
        title: 'Your account',
        languages,
        errors,
        notice: '',
      },
      400,
    );
  });
};
