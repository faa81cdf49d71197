// The CSV token import over the store under test, compared with SQLite: a good file becomes
// one batch of `import` tokens in one transaction; a file with any bad row writes nothing and
// names every bad row by its line; a code taken between the check and the insert rolls the
// whole file back.

import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { createServices } from '../../../src/services/services.js';
import { problemText } from '../../../src/services/token-import.js';
import { onBoth, T0, type Side } from './both.js';

const config = loadConfig({ PORTICO_TIMEZONE: 'Europe/Berlin', PORTICO_DB: ':memory:' });

const services = (side: Side) =>
  createServices({ store: side.store, clock: fixedClock(T0), config, nodeId: 'node-t' });

const tokenRows = (side: Side) =>
  side.sql(
    'SELECT code, minutes, valid_from, valid_until, max_devices, description, source, batch_id FROM tokens ORDER BY code',
  );

describe('token CSV import', () => {
  it('imports a file with its columns in any order as one batch of import tokens', async () => {
    const out = await onBoth(async (side) => {
      const s = services(side);
      const csv = [
        '\uFEFFDescription;Code;Minutes;Valid until;Devices',
        '"Room 12; late checkout";abcd-efgh;90;2026-12-05;2',
        'Lobby;HJKM NPQR;;2026-12-03T18:00;',
        '"Multi',
        'line";stwx.yz23;30;;1',
        ';;;;',
      ].join('\r\n');
      const r = await s.tokenImport.importCsv(csv, { batchName: 'From HotelSpot' }, 'desk');
      const looked = await s.tokens.get('ABCDEFGH');
      return {
        r,
        rows: await tokenRows(side),
        looked: { code: looked.code, minutes: looked.minutes },
        audit: await side.sql(
          "SELECT actor, action, target_type, details FROM audit_log WHERE action = 'tokens.import'",
        ),
        batches: await side.sql('SELECT id, name FROM batches'),
      };
    });
    expect(out.r).toEqual({
      ok: true,
      dryRun: false,
      count: 3,
      batchId: 1,
      batch: 'From HotelSpot',
    });
    expect(out.rows).toEqual([
      {
        code: 'ABCDEFGH',
        minutes: 90,
        valid_from: null,
        // A bare valid-until date includes that day: midnight at its end in Berlin.
        valid_until: Date.UTC(2026, 11, 5, 23, 0),
        max_devices: 2,
        description: 'Room 12; late checkout',
        source: 'import',
        batch_id: 1,
      },
      {
        code: 'HJKMNPQR',
        minutes: null,
        valid_from: null,
        valid_until: Date.UTC(2026, 11, 3, 17, 0),
        max_devices: 1,
        description: 'Lobby',
        source: 'import',
        batch_id: 1,
      },
      {
        code: 'STWXYZ23',
        minutes: 30,
        valid_from: null,
        valid_until: null,
        max_devices: 1,
        description: 'Multi\r\nline',
        source: 'import',
        batch_id: 1,
      },
    ]);
    expect(out.looked).toEqual({ code: 'ABCDEFGH', minutes: 90 });
    expect(out.audit).toEqual([
      {
        actor: 'desk',
        action: 'tokens.import',
        target_type: 'batch',
        details: JSON.stringify({ count: 3, source: 'import' }),
      },
    ]);
  });

  it('writes nothing when any row is wrong, and names every bad row by its line', async () => {
    const out = await onBoth(async (side) => {
      const s = services(side);
      await side.sql(
        "INSERT INTO tokens (code, source, created_at, max_devices, minutes) VALUES ('HAS2345X', 'api', ?, 1, 60)",
        [T0],
      );
      const csv = [
        'code,minutes,valid_until,devices',
        'GOODCODE1,60,,',
        'BAD!,60,,',
        'GOODC0DE2,abc,,',
        'g00dcode1,30,,',
        'has-2345-x,30,,',
        'GOODCODE3,,2026-11-30,',
        'GOODCODE4,,,',
        'GOODCODE5,60,,1,extra',
      ].join('\n');
      const r = await s.tokenImport.importCsv(csv, {}, 'desk');
      const first = r.ok ? [] : r.problems.map(problemText);
      const unclosed = await s.tokenImport.importCsv(
        csv.split('\n').slice(0, 2).join('\n') + '\n"X',
        {},
        'desk',
      );
      const header = await s.tokenImport.importCsv('minutes,colour\n60,red\n', {}, 'desk');
      return {
        first,
        unclosed: unclosed.ok ? [] : unclosed.problems.map(problemText),
        header: header.ok ? [] : header.problems.map(problemText),
        count: await side.sql('SELECT COUNT(*) AS n FROM tokens'),
        batches: await side.sql('SELECT COUNT(*) AS n FROM batches'),
      };
    });
    expect(out.count).toEqual([{ n: 1 }]);
    expect(out.batches).toEqual([{ n: 0 }]);
    expect(out.first.map((p) => p.replace(/^(line \d+, \w+|file|line \d+): .*/, '$1'))).toEqual([
      'line 3, code',
      'line 4, minutes',
      'line 5, code',
      'line 6, code',
      'line 7, valid_until',
      'line 8, minutes',
      'line 9',
    ]);
    expect(out.first[2]).toContain('also on line 2');
    expect(out.first[3]).toContain('already exists');
    expect(out.unclosed).toEqual([
      expect.stringMatching(/^file: line 3: a quoted cell is never closed/),
    ]);
    expect(out.header[0]).toMatch(/column 2 "colour" is not one Portico knows/);
  });

  it('rolls the whole file back when a code is taken between the check and the insert', async () => {
    await onBoth(async (side) => {
      const s = services(side);
      // Another desk creates the code the last row brings after the import checked it: the
      // check saw it free, the insert meets it, and the import keeps nothing.
      await side.sql(
        "INSERT INTO tokens (code, source, created_at, max_devices) VALUES ('RACE2345', 'api', ?, 1)",
        [T0],
      );
      const tokens = side.store.tokens;
      const exists = tokens.codeExists.bind(tokens);
      let missed = false;
      (tokens as { codeExists: typeof exists }).codeExists = (async (code: string) => {
        if (code === 'RACE2345' && !missed) {
          missed = true;
          return false;
        }
        return exists(code);
      }) as typeof exists;
      const r = await s.tokenImport.importCsv(
        'code,minutes\nFIRSTONE1,60\nRACE2345,60\n',
        {},
        'desk',
      );
      expect(r.ok).toBe(false);
      expect(r.ok ? [] : r.problems.map(problemText)).toEqual([
        expect.stringMatching(/^line 3, code: RACE-?2345 already exists in Portico$/),
      ]);
      expect(await side.sql('SELECT code FROM tokens ORDER BY code')).toEqual([
        { code: 'RACE2345' },
      ]);
      return null;
    });
  });
});
