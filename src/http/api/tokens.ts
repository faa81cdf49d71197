// /api/v1/tokens: list, create (one or a bulk batch in one transaction), show, change, revoke,
// delete, and the streamed CSV export. Staff keys may use all of it.

import { Readable } from 'node:stream';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { tokenCsvLines } from '../../services/csv-export.js';
import type { Services } from '../../services/services.js';
import { TOKEN_EMAIL_LIMITS } from '../../services/token-email.js';
import type { TokenFilter } from '../../storage/token-repo.js';
import { apiActor } from '../plugins/api-auth.js';
import { presentToken } from './present.js';
import { errorResponses } from './schemas/common.js';
import {
  CodeParams,
  TokenCreateBody,
  TokenCreated,
  TokenDeleteBody,
  TokenDeleted,
  TokenEmailBody,
  TokenEmailed,
  TokenExportQuery,
  TokenList,
  TokenListQuery,
  TokenSchema,
  TokenUpdateBody,
} from './schemas/tokens.js';

const tags = ['tokens'];
const staff = { role: 'staff' as const };

/** csvChunks joins CSV lines into chunks of about 64 KiB, so the socket sees few large writes. */
async function* csvChunks(lines: AsyncIterable<string>): AsyncGenerator<string> {
  let buf = '';
  for await (const line of lines) {
    buf += line;
    if (buf.length >= 65_536) {
      yield buf;
      buf = '';
    }
  }
  if (buf !== '') yield buf;
}

/** tokenRoutes registers the token endpoints over `services`. */
export const tokenRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const tz = () => services.timeZone();
  const filterOf = (q: { state?: TokenFilter['state']; batch?: number; q?: string }) => ({
    state: q.state,
    batchId: q.batch,
    text: q.q === undefined || q.q.trim() === '' ? undefined : q.q.trim(),
  });

  app.get(
    '/tokens',
    {
      config: staff,
      schema: {
        tags,
        summary: 'List tokens',
        description:
          'One page of tokens matching the filters, with the total and how many match per state.',
        querystring: TokenListQuery,
        response: { 200: TokenList, ...errorResponses(400) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const offset = q.offset ?? 0;
      const r = await services.tokens.list(filterOf(q), { sort: q.sort, limit, offset });
      const zone = tz();
      return { ...r, tokens: r.tokens.map((t) => presentToken(t, zone)), limit, offset };
    },
  );

  app.post(
    '/tokens',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Create one token or a batch',
        description:
          'With `count` > 1 (up to 10,000) or a `batchName`, the tokens form a batch. They are created in one transaction: all of them or none.',
        body: TokenCreateBody,
        response: { 201: TokenCreated, ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const r = await services.tokens.create(request.body, apiActor(request), 'api');
      const zone = tz();
      return reply.status(201).send({
        batchId: r.batchId,
        count: r.tokens.length,
        tokens: r.tokens.map((t) => presentToken(t, zone)),
      });
    },
  );

  app.get(
    '/tokens/export.csv',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Export tokens as CSV',
        description:
          'Every token matching the filters as CSV (code, minutes, used, left, valid_from, valid_until, devices, description, batch, state, created), streamed. Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.',
        querystring: TokenExportQuery,
        response: {
          200: {
            description: 'CSV, UTF-8, CRLF line ends',
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
          ...errorResponses(400),
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter = filterOf(q);
      await services.audit.record(apiActor(request), 'tokens.export', {
        targetType: q.batch === undefined ? null : 'batch',
        targetId: q.batch === undefined ? null : String(q.batch),
        details: { state: q.state ?? null, q: filter.text ?? null, via: 'api' },
      });
      const lines = tokenCsvLines(services.tokens.iterate(filter), tz(), {
        bom: q.bom === '1' || q.bom === 'true',
      });
      return (
        reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="tokens.csv"')
          .header('cache-control', 'no-store')
          // The 200 schema documents text/csv, which the type provider reads as a string body.
          .send(Readable.from(csvChunks(lines), { objectMode: false }) as unknown as string)
      );
    },
  );

  app.get(
    '/tokens/:code',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Show a token',
        params: CodeParams,
        response: { 200: TokenSchema, ...errorResponses(404) },
      },
    },
    async (request) => presentToken(await services.tokens.get(request.params.code), tz()),
  );

  app.patch(
    '/tokens/:code',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Change a token',
        description:
          'Add minutes, move the window, change limits or the description. Omitted fields keep their value; null clears a limit. Live sessions get the new limits.',
        params: CodeParams,
        body: TokenUpdateBody,
        response: { 200: TokenSchema, ...errorResponses(400, 404) },
      },
    },
    async (request) =>
      presentToken(
        await services.tokens.update(request.params.code, request.body, apiActor(request)),
        tz(),
      ),
  );

  app.post(
    '/tokens/:code/revoke',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Revoke a token',
        description: 'The token stops working at once and its live sessions are disconnected.',
        params: CodeParams,
        response: { 200: TokenSchema, ...errorResponses(404) },
      },
    },
    async (request) =>
      presentToken(await services.tokens.revoke(request.params.code, apiActor(request)), tz()),
  );

  app.post(
    '/tokens/:code/email',
    {
      config: staff,
      schema: {
        tags,
        summary: "E-mail a token's code",
        description: `Queues the code for one address with the visitor e-mail template (placeholders {accesscode}, {accesscode_link}, {guestname}, {start}, {validuntil}, {minutes}, {spacename}); the message is sent by the outbox and retried there. 409 for a revoked, expired or depleted token; 429 after ${TOKEN_EMAIL_LIMITS.perToken} e-mails of one token or ${TOKEN_EMAIL_LIMITS.perActor} by one key in an hour.`,
        params: CodeParams,
        body: TokenEmailBody,
        response: { 202: TokenEmailed, ...errorResponses(400, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const r = await services.tokenEmail.send(
        request.params.code,
        request.body,
        apiActor(request),
      );
      return reply.status(202).send({ ...r, token: presentToken(r.token, tz()) });
    },
  );

  app.delete(
    '/tokens/:code',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Delete a token',
        description:
          'Deletes the token; its live sessions are disconnected and its usage history is kept.',
        params: CodeParams,
        response: {
          204: Type.Null({ description: 'Deleted' }),
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const t = await services.tokens.get(request.params.code);
      await services.tokens.remove([t.id], apiActor(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/tokens/delete',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Delete several tokens',
        description: 'Deletes the listed tokens in one transaction; unknown codes are reported.',
        body: TokenDeleteBody,
        response: { 200: TokenDeleted, ...errorResponses(400) },
      },
    },
    async (request) => {
      const r = await services.tokens.remove(request.body.codes, apiActor(request));
      return { deleted: r.deleted.length, missing: r.missing };
    },
  );
};
