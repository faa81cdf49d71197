// Space > Access Tokens: list with filters and counts, add one, create in bulk for an event,
// change, revoke, delete with confirmation, export as streamed CSV, and print voucher cards.

import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { describeToken } from '../../core/describe.js';
import { TOKEN_STATES, WHEN_FULL, type TokenState } from '../../core/token.js';
import { tokenCsvLines } from '../../services/csv-export.js';
import type { BulkAction, TokenInput, TokenView } from '../../services/token-service.js';
import { MAX_BULK } from '../../services/token-service.js';
import type { TokenFilter, TokenSort } from '../../storage/token-repo.js';
import { PorticoError } from '../../errors.js';
import { staffActor } from '../plugins/staff-auth.js';
import {
  IMPORT_COLUMNS,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
  problemText,
} from '../../services/token-import.js';
import { renderCards } from './print-cards.js';
import { parseMultipart } from './multipart.js';
import {
  fieldErrors,
  formatters,
  formBody,
  list,
  str,
  type AdminOptions,
  type FieldErrors,
} from './pages.js';

/** MINUTE_PRESETS are the common blocks the minutes drop-down offers. */
export const MINUTE_PRESETS = [30, 60, 120, 240, 480, 1440] as const;

/** SORTS are the orders the list offers (the repository's TokenSort values). */
const SORTS = [
  'created',
  '-created',
  'code',
  'used',
  '-used',
  'valid_until',
] as const satisfies readonly TokenSort[];

/** PAGE_SIZE is how many tokens one list page shows. */
export const PAGE_SIZE = 50;

type Query = Record<string, string | undefined>;
type Form = Record<string, string | string[] | undefined>;

const LIMIT_FIELDS = [
  'validFrom',
  'validUntil',
  'expiresAfterFirstUseMinutes',
  'maxDevices',
  'whenFull',
  'dataQuotaMb',
  'rateDownKbps',
  'rateUpKbps',
  'description',
] as const;

/** tokenInput returns the token limits a form carries; the minutes come from the drop-down. */
export function tokenInput(body: Form): TokenInput {
  const preset = str(body.minutesPreset);
  const input: TokenInput = {
    minutes: preset === 'custom' ? str(body.minutes) : preset === 'none' ? null : preset,
  };
  for (const k of LIMIT_FIELDS) input[k] = str(body[k]);
  return input;
}

/** filterFromQuery returns the token filter, sort and page a list URL asks for. */
export function filterFromQuery(q: Query): {
  filter: TokenFilter;
  sort: TokenSort;
  page: number;
  text: string;
} {
  const filter: TokenFilter = {};
  if (q.state && (TOKEN_STATES as readonly string[]).includes(q.state))
    filter.state = q.state as TokenState;
  if (q.batch && /^\d{1,12}$/.test(q.batch)) filter.batchId = Number(q.batch);
  const text = (q.q ?? '').trim().slice(0, 100);
  if (text !== '') filter.text = text;
  if (q.ids) {
    const ids = q.ids
      .split(',')
      .filter((s) => /^\d{1,12}$/.test(s))
      .map(Number)
      .slice(0, 10_000);
    filter.ids = ids;
  }
  const sort =
    q.sort && (SORTS as readonly string[]).includes(q.sort) ? (q.sort as TokenSort) : '-created';
  const page = q.page && /^\d{1,6}$/.test(q.page) ? Math.max(1, Number(q.page)) : 1;
  return { filter, sort, page, text };
}

/** queryString returns `?a=b&…` for the non-empty values of `params`. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return s === '' ? '' : `?${s}`;
}

const filterParams = (f: TokenFilter, text: string) => ({
  state: f.state,
  batch: f.batchId,
  q: text,
  ids: f.ids?.join(','),
});

/** tokenRoutes registers the Access Tokens pages. */
export const tokenRoutes: FastifyPluginAsync<AdminOptions> = async (app, { services, pages }) => {
  const staffOnly = { config: { role: 'staff' as const } };

  const formPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    bulk: boolean,
    values: Form,
    errors: FieldErrors = {},
    preview = '',
  ) => {
    const status = Object.keys(errors).length > 0 ? 400 : 200;
    return pages.render(
      request,
      reply,
      bulk ? 'tokens/bulk' : 'tokens/new',
      {
        title: bulk ? 'Create tokens in bulk' : 'Add a token',
        presets: MINUTE_PRESETS,
        whenFull: WHEN_FULL,
        maxBulk: MAX_BULK,
        values: { minutesPreset: '120', maxDevices: '1', whenFull: 'refuse', ...values },
        errors,
        preview,
      },
      status,
    );
  };

  // The minutes field is a drop-down plus a custom box; errors on `minutes` show by both.
  const describe = (body: Form) => {
    const limits = services.tokens.validate(tokenInput(body));
    return describeToken(limits, services.timeZone(), services.clock.now());
  };

  app.get<{ Querystring: Query }>('/tokens', staffOnly, async (request, reply) => {
    const { filter, sort, page, text } = filterFromQuery(request.query);
    const result = await services.tokens.list(filter, {
      sort,
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    });
    const pagesTotal = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
    const base = filterParams(filter, text);
    const batch =
      filter.batchId !== undefined
        ? ((await services.batches.list(500)).find((b) => b.id === filter.batchId) ?? null)
        : null;
    return pages.render(request, reply, 'tokens/list', {
      title: 'Access tokens',
      wide: true,
      tokens: result.tokens,
      total: result.total,
      counts: result.counts,
      states: TOKEN_STATES,
      filter,
      text,
      sort,
      page,
      pagesTotal,
      batch,
      batches: await services.batches.list(100),
      created: request.query.created ?? '',
      imported: /^\d{1,6}$/.test(request.query.imported ?? '') ? request.query.imported : '',
      deleted: request.query.deleted ?? '',
      changed:
        request.query.changed && /^\d{1,6}$/.test(request.query.changed)
          ? request.query.changed
          : '',
      link: (extra: Record<string, string | number | undefined>) =>
        `/admin/tokens${queryString({ ...base, sort, ...extra })}`,
      exportLink: (bom: boolean) =>
        `/admin/tokens/export.csv${queryString({ ...base, bom: bom ? 1 : undefined })}`,
      printLink: `/admin/tokens/print${queryString(base)}`,
    });
  });

  app.get('/tokens/new', staffOnly, async (request, reply) => formPage(request, reply, false, {}));
  app.get('/tokens/bulk', staffOnly, async (request, reply) => formPage(request, reply, true, {}));

  // JSON preview for the small script that updates the sentence while staff type.
  app.post('/tokens/preview', staffOnly, async (request) => {
    try {
      return { summary: describe(formBody(request)) };
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return { summary: null, errors };
    }
  });

  const create = (bulk: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = formBody(request);
    const wantsPreview = str(body.action) === 'preview';
    try {
      const preview = describe(body);
      if (wantsPreview) return formPage(request, reply, bulk, body, {}, preview);
      const allowPast = str(body.allowPast) === '1';
      const input = bulk
        ? {
            ...tokenInput(body),
            count: str(body.count),
            batchName: str(body.batchName),
            allowPast,
          }
        : { ...tokenInput(body), allowPast };
      const { batchId, tokens } = await services.tokens.create(
        input,
        staffActor(request),
        bulk ? 'bulk' : 'manual',
      );
      if (bulk)
        return reply.redirect(`/admin/tokens?batch=${batchId}&created=${tokens.length}`, 303);
      return reply.redirect(`/admin/tokens/${tokens[0]?.id}?created=1`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return formPage(request, reply, bulk, body, errors);
    }
  };
  app.post('/tokens', staffOnly, create(false));
  app.post('/tokens/bulk', staffOnly, create(true));

  // Import from another system: the CSV file is uploaded (multipart) or pasted; nothing is
  // written unless every row is right, and the result page lists each bad row by line.
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES + 65_536 },
    (request, body, done) => {
      const parts = parseMultipart(body as Buffer, String(request.headers['content-type']));
      if (parts) done(null, parts);
      else
        done(new PorticoError('PORTICO_BAD_INPUT', 'the upload is not a readable form'), undefined);
    },
  );
  const importPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    values: Form,
    problems: string[] = [],
    status = 200,
  ) =>
    pages.render(
      request,
      reply,
      'tokens/import',
      {
        title: 'Import tokens',
        columns: IMPORT_COLUMNS,
        maxRows: MAX_IMPORT_ROWS,
        maxMiB: MAX_IMPORT_BYTES / 1_048_576,
        values,
        problems,
        errors: {},
      },
      status,
    );
  app.get('/tokens/import', staffOnly, async (request, reply) => importPage(request, reply, {}));
  app.post('/tokens/import', staffOnly, async (request, reply) => {
    const body = formBody(request);
    const file = str(body.file);
    const text = file.trim() !== '' ? file : str(body.csv);
    const values = { batchName: str(body.batchName), csv: file.trim() !== '' ? '' : str(body.csv) };
    if (text.trim() === '')
      return importPage(request, reply, values, ['Choose a CSV file, or paste its lines.'], 400);
    const r = await services.tokenImport.importCsv(
      text,
      { batchName: str(body.batchName) },
      staffActor(request),
    );
    if (!r.ok) return importPage(request, reply, values, r.problems.map(problemText), 400);
    return reply.redirect(`/admin/tokens?batch=${r.batchId}&imported=${r.count}`, 303);
  });

  // The list's selection form: one submit per action, each leading to its own page.
  app.post('/tokens/selected', staffOnly, async (request, reply) => {
    const body = formBody(request);
    const ids = list(body.ids).filter((s) => /^\d{1,12}$/.test(s));
    const back = str(body.back).startsWith('/admin/tokens') ? str(body.back) : '/admin/tokens';
    if (ids.length === 0) return reply.redirect(back, 303);
    const qs = queryString({ ids: ids.join(',') });
    switch (str(body.action)) {
      case 'print':
        return reply.redirect(`/admin/tokens/print${qs}`, 303);
      case 'export':
        return reply.redirect(`/admin/tokens/export.csv${qs}`, 303);
      case 'add-minutes':
      case 'extend':
      case 'revoke': {
        const kind = str(body.action) as BulkAction['kind'];
        const action: BulkAction =
          kind === 'add-minutes'
            ? { kind, minutes: str(body.addMinutes) }
            : kind === 'extend'
              ? { kind, validUntil: str(body.validUntil) }
              : { kind };
        const { changed } = await services.tokens.bulk(
          ids.map(Number),
          action,
          staffActor(request),
        );
        const sep = back.includes('?') ? '&' : '?';
        return reply.redirect(`${back}${sep}changed=${changed}`, 303);
      }
      default:
        return reply.redirect(`/admin/tokens/delete${qs}`, 303);
    }
  });

  app.get<{ Querystring: Query }>('/tokens/delete', staffOnly, async (request, reply) => {
    const { filter } = filterFromQuery(request.query);
    if (filter.ids === undefined && filter.batchId === undefined)
      return reply.redirect('/admin/tokens', 303);
    const scope: TokenFilter =
      filter.ids !== undefined ? { ids: filter.ids } : { batchId: filter.batchId };
    const shown = await services.tokens.list(scope, { sort: 'created', limit: 100 });
    const batch =
      filter.batchId !== undefined
        ? ((await services.batches.list(500)).find((b) => b.id === filter.batchId) ?? null)
        : null;
    return pages.render(request, reply, 'tokens/confirm-delete', {
      title: 'Delete tokens?',
      tokens: shown.tokens,
      total: shown.total,
      online: shown.counts.online,
      ids: filter.ids?.join(',') ?? '',
      batch,
    });
  });

  app.post('/tokens/delete', staffOnly, async (request, reply) => {
    const body = formBody(request);
    const { filter } = filterFromQuery({ ids: str(body.ids), batch: str(body.batch) });
    let ids: number[] = [];
    if (filter.ids !== undefined) ids = filter.ids;
    else if (filter.batchId !== undefined)
      for await (const t of services.tokens.iterate({ batchId: filter.batchId })) ids.push(t.id);
    const { deleted } = await services.tokens.remove(ids, staffActor(request));
    return reply.redirect(`/admin/tokens?deleted=${deleted.length}`, 303);
  });

  app.get<{ Querystring: Query }>('/tokens/export.csv', staffOnly, async (request, reply) => {
    const { filter } = filterFromQuery(request.query);
    const bom = request.query.bom === '1';
    const tz = services.timeZone();
    const name = filter.batchId
      ? `batch-${filter.batchId}`
      : filter.state
        ? filter.state
        : filter.ids
          ? 'selected'
          : 'all';
    await services.audit.record(staffActor(request), 'tokens.export', {
      targetType: filter.batchId !== undefined ? 'batch' : 'token',
      targetId: filter.batchId !== undefined ? String(filter.batchId) : null,
      details: { filter: { ...filter, ids: filter.ids?.length }, bom },
    });
    const day = new Date(services.clock.now()).toISOString().slice(0, 10);
    reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="tokens-${name}-${day}.csv"`);
    return reply.send(
      Readable.from(chunked(tokenCsvLines(services.tokens.iterate(filter), tz, { bom }))),
    );
  });

  app.get<{ Querystring: Query }>('/tokens/print', staffOnly, async (request, reply) => {
    const { filter, text } = filterFromQuery(request.query);
    const layout = request.query.layout === 'receipt' ? 'receipt' : 'a4';
    const offset = /^\d{1,9}$/.test(request.query.offset ?? '') ? Number(request.query.offset) : 0;
    const { cards, total } = await services.print.cards(filter, offset);
    await services.print.recordPrint(staffActor(request), filter, cards.length);
    const base = filterParams(filter, text);
    reply.type('text/html; charset=utf-8');
    return reply.viewAsync('admin/print/sheet', {
      title: `Print ${cards.length} voucher card${cards.length === 1 ? '' : 's'}`,
      layout,
      cards: renderCards(cards, services.config.dbFile),
      total,
      offset,
      next:
        offset + cards.length < total
          ? `/admin/tokens/print${queryString({ ...base, layout, offset: offset + cards.length })}`
          : null,
      layoutLink: (l: string) =>
        `/admin/tokens/print${queryString({ ...base, layout: l, offset })}`,
      back: `/admin/tokens${queryString(base)}`,
    });
  });

  const tokenPage = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    extra: {
      errors?: FieldErrors;
      values?: Form;
      emailValues?: Form;
      notice?: string;
      status?: number;
    } = {},
  ) => {
    const token = await services.tokens.get(Number(request.params.id));
    const fmt = formatters(services.timeZone(), services.clock.now());
    const failed = extra.errors && Object.values(extra.errors).some((e) => e !== '');
    const status = extra.status ?? (failed ? 400 : 200);
    return pages.render(
      request,
      reply,
      'tokens/show',
      {
        title: `Token ${token.code}`,
        token,
        devices: await services.sessions.devicesOfToken(token.id),
        created: (request.query as Query).created !== undefined,
        notice: extra.notice ?? noticeFor(request.query as Query),
        errors: extra.errors ?? {},
        emailValues: extra.emailValues ?? { emailTo: '', emailGuestName: '' },
        values: extra.values ?? {
          validFrom: fmt.input(token.validFrom),
          validUntil: fmt.input(token.validUntil),
          maxDevices: String(token.maxDevices),
          description: token.description,
        },
      },
      status,
    );
  };

  const idRoute = {
    ...staffOnly,
    schema: {
      params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,12}$' } } },
    },
  };

  app.get<{ Params: { id: string }; Querystring: Query }>(
    '/tokens/:id',
    idRoute,
    (request, reply) => tokenPage(request, reply),
  );

  app.post<{ Params: { id: string } }>(
    '/tokens/:id/add-minutes',
    idRoute,
    async (request, reply) => {
      const body = formBody(request);
      // An empty field adds nothing; saying "Minutes added." then would be untrue.
      if (str(body.addMinutes).trim() === '')
        return tokenPage(request, reply, {
          errors: { addMinutes: 'is empty: type how many minutes to add, e.g. 30' },
        });
      try {
        const before = await services.tokens.get(Number(request.params.id));
        const after = await services.tokens.update(
          Number(request.params.id),
          { addMinutes: str(body.addMinutes) },
          staffActor(request),
        );
        const added = (after.minutes ?? 0) - (before.minutes ?? 0);
        return reply.redirect(`/admin/tokens/${request.params.id}?done=minutes&n=${added}`, 303);
      } catch (err) {
        const errors = fieldErrors(err);
        if (!errors) throw err;
        return tokenPage(request, reply, { errors });
      }
    },
  );

  app.post<{ Params: { id: string } }>('/tokens/:id/limits', idRoute, async (request, reply) => {
    const body = formBody(request);
    try {
      const before = await services.tokens.get(Number(request.params.id));
      const after = await services.tokens.update(
        Number(request.params.id),
        {
          validFrom: str(body.validFrom),
          validUntil: str(body.validUntil),
          maxDevices: str(body.maxDevices),
          description: str(body.description),
        },
        staffActor(request),
      );
      const changed = LIMIT_NAMES.filter(([k]) => before[k] !== after[k]).map(([, name]) => name);
      return reply.redirect(
        `/admin/tokens/${request.params.id}?done=${changed.length > 0 ? `limits&what=${encodeURIComponent(changed.join(','))}` : 'nothing'}`,
        303,
      );
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return tokenPage(request, reply, { errors, values: body });
    }
  });

  // "E-mail this code": queued in the outbox with the visitor template; errors re-render the page.
  app.post<{ Params: { id: string } }>('/tokens/:id/email', idRoute, async (request, reply) => {
    const body = formBody(request);
    const values = { emailTo: str(body.to), emailGuestName: str(body.guestName) };
    try {
      const r = await services.tokenEmail.send(
        Number(request.params.id),
        { to: str(body.to), guestName: str(body.guestName) },
        staffActor(request),
      );
      return reply.redirect(
        `/admin/tokens/${request.params.id}?done=emailed&to=${encodeURIComponent(r.to)}`,
        303,
      );
    } catch (err) {
      const errors = fieldErrors(err);
      if (errors)
        return tokenPage(request, reply, {
          errors: { emailTo: errors.to ?? '', emailGuestName: errors.guestName ?? '' },
          emailValues: values,
        });
      if (err instanceof PorticoError && (err.statusCode === 409 || err.statusCode === 429))
        return tokenPage(request, reply, {
          errors: { emailForm: err.message },
          emailValues: values,
          status: err.statusCode,
        });
      throw err;
    }
  });

  app.post<{ Params: { id: string } }>('/tokens/:id/revoke', idRoute, async (request, reply) => {
    await services.tokens.revoke(Number(request.params.id), staffActor(request));
    return reply.redirect(`/admin/tokens/${request.params.id}?done=revoked`, 303);
  });
};

/** LIMIT_NAMES are the limits the token page's form changes, as its notice names them. */
const LIMIT_NAMES = [
  ['validFrom', 'valid from'],
  ['validUntil', 'valid until'],
  ['maxDevices', 'devices'],
  ['description', 'description'],
] as const satisfies ReadonlyArray<readonly [keyof TokenView, string]>;

/**
 * noticeFor returns the confirmation for a finished action named in the URL (with what it
 * changed), or ''.
 */
function noticeFor(q: Query): string {
  switch (q.done) {
    case 'minutes': {
      const n = Number(q.n);
      return Number.isInteger(n) && n > 0
        ? `Added ${n} minute${n === 1 ? '' : 's'}. Devices online now get the new time limit.`
        : '';
    }
    case 'limits': {
      const what = String(q.what ?? '')
        .split(',')
        .filter((w) => LIMIT_NAMES.some(([, name]) => name === w));
      return what.length > 0
        ? `Changed ${what.join(', ')}. Devices online now get the new limits.`
        : '';
    }
    case 'nothing':
      return 'Nothing changed: the values are the same as before.';
    case 'revoked':
      return 'Token revoked. Devices online now are being disconnected.';
    case 'emailed':
      return `E-mail to ${String(q.to ?? '').slice(0, 254)} is in the outbox; it is sent in a moment.`;
    default:
      return '';
  }
}

/** chunked joins many short strings into pieces of about 64 kB, so streaming is cheap. */
export async function* chunked(
  lines: AsyncIterable<string>,
  size = 65_536,
): AsyncGenerator<string> {
  let buf = '';
  for await (const line of lines) {
    buf += line;
    if (buf.length >= size) {
      yield buf;
      buf = '';
    }
  }
  if (buf !== '') yield buf;
}
