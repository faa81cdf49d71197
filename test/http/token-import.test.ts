// The dashboard's CSV import: the file is uploaded as multipart/form-data (or pasted), the
// CSRF value travels in the form, a good file lands as one batch and the list says so, and
// a bad one re-renders the form with every problem by line and nothing written.

import { afterEach, describe, expect, test } from 'vitest';
import { signedIn, STAFF, type SignedIn } from './admin-fixture.js';

const BOUNDARY = '----portico-test-7MA4YWxkTrZu0gW';

/** multipart encodes text fields and one file as a browser does. */
const multipart = (fields: Record<string, string>, file?: { name: string; text: string }) => {
  let body = '';
  for (const [k, v] of Object.entries(fields))
    body += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  if (file)
    body += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n${file.text}\r\n`;
  return `${body}--${BOUNDARY}--\r\n`;
};

describe('dashboard: import tokens from CSV', () => {
  let s: SignedIn;
  afterEach(async () => {
    await s.f.close();
  });

  const upload = (payload: string) =>
    s.f.app.inject({
      method: 'POST',
      url: '/admin/tokens/import',
      headers: {
        cookie: [...s.b.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      },
      payload,
    });
  const count = () => (s.f.db.prepare('SELECT COUNT(*) AS n FROM tokens').get() as { n: number }).n;

  test('an uploaded file becomes one batch, and the list says how many came in', async () => {
    s = await signedIn(STAFF);
    const form = await s.b.get('/admin/tokens/import');
    expect(form.status).toBe(200);
    expect(form.body).toContain('enctype="multipart/form-data"');
    const r = await upload(
      multipart(
        { _csrf: s.csrf, batchName: 'Moved from <Old> system' },
        { name: 'codes.csv', text: 'code,minutes,devices\nWXYZ2345,120,2\nZYXW5432,60,\n' },
      ),
    );
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/admin/tokens?batch=1&imported=2');
    const list = await s.b.get(r.headers.location as string);
    expect(list.body).toContain(
      'Imported 2 tokens as the batch &quot;Moved from &lt;Old&gt; system&quot;',
    );
    expect(list.body).toContain('WXYZ-2345');
    expect(count()).toBe(2);
  });

  test('a bad file is shown back with every problem by line, and nothing is written', async () => {
    s = await signedIn(STAFF);
    const r = await upload(
      multipart(
        { _csrf: s.csrf },
        { name: 'codes.csv', text: 'code,minutes\nWXYZ2345,120\n<b>x</b>,60\nZYXW5432,0\n' },
      ),
    );
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('Nothing was imported. Fix these 2 problems');
    expect(r.body).toContain('line 3, code: &quot;&lt;b&gt;x&lt;/b&gt;&quot; cannot be a code');
    expect(r.body).toContain('line 4, minutes: must be a whole number');
    expect(r.body).not.toContain('<b>x</b>');
    expect(count()).toBe(0);
  });

  test('pasted lines work as a file does', async () => {
    s = await signedIn(STAFF);
    const r = await s.b.post('/admin/tokens/import', {
      _csrf: s.csrf,
      csv: 'Code;Minutes\nWXYZ2345;45\n',
      batchName: '',
    });
    expect(r.status).toBe(303);
    expect(count()).toBe(1);
  });

  test('refuses an upload without the CSRF value, and a form that is not multipart', async () => {
    s = await signedIn(STAFF);
    const r = await upload(multipart({}, { name: 'c.csv', text: 'code,minutes\nWXYZ2345,120\n' }));
    expect(r.statusCode).toBe(403);
    const broken = await s.f.app.inject({
      method: 'POST',
      url: '/admin/tokens/import',
      headers: {
        cookie: [...s.b.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      },
      payload: 'not a multipart body',
    });
    expect(broken.statusCode).toBe(400);
    expect(count()).toBe(0);
  });

  test('an empty form asks for a file', async () => {
    s = await signedIn(STAFF);
    const r = await upload(multipart({ _csrf: s.csrf, csv: '' }));
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('Choose a CSV file, or paste its lines.');
  });
});
