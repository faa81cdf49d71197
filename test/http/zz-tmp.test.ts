import { test } from 'vitest';
import { makeApi } from '/work/main/test/http/api-fixture.js';
test('x', async () => {
  const api = await makeApi();
  const doc = (await api.call('GET', '/api/docs/json', { key: null })).json;
  console.log(JSON.stringify(doc.paths['/api/v1/tokens/export.csv'].get.responses, null, 1).slice(0, 1500));
  console.log(JSON.stringify(doc.paths['/api/v1/tokens/{code}'].delete.responses, null, 1).slice(0, 800));
  await api.close();
});
