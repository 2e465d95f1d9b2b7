// @qlik/api (the newer Qlik client, as nebula.js uses it) against a real engine process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openAppSession } from '@qlik/api/qix';
import { startEngine, dataFolder, threeTableScript } from './engine.mjs';

let engine;
let hostConfig;

before(async () => {
  engine = await startEngine();
  // @qlik/api refuses WebSockets with 'noauth'; an API key is sent as a Bearer header,
  // which the engine accepts (authentication is not enforced yet).
  hostConfig = { host: `http://${engine.host}:${engine.port}`, authType: 'apikey', apiKey: 'client-test' };
});
after(async () => { await engine?.stop(); });

test('@qlik/api: session app, reload, list object, selection, hypercube', async () => {
  const appSession = openAppSession({ appId: `SessionApp_${Date.now()}`, hostConfig });
  const doc = await appSession.getDoc();
  await doc.createConnection({ qName: 'data', qConnectionString: dataFolder, qType: 'folder' });
  await doc.setScript(threeTableScript);
  assert.equal(await doc.doReload(), true);

  const cube = await doc.createSessionObject({
    qInfo: { qType: 'chart' },
    qHyperCubeDef: {
      qDimensions: [{ qDef: { qFieldDefs: ['Store'], qSortCriterias: [{ qSortByAscii: 1 }] } }],
      qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }],
      qInitialDataFetch: [{ qLeft: 0, qTop: 0, qWidth: 2, qHeight: 10 }],
    },
  });
  let layout = await cube.getLayout();
  assert.equal(layout.qHyperCube.qSize.qcy, 5);
  const byStore = Object.fromEntries(layout.qHyperCube.qDataPages[0].qMatrix.map((r) => [r[0].qText, r[1].qNum]));
  assert.deepEqual(byStore, { Alpha: 250, Beta: 200, Delta: 300, Epsilon: 25, Gamma: 120 });

  const field = await doc.getField('Month');
  assert.equal(await field.select('Jan'), true);
  layout = await cube.getLayout();
  assert.deepEqual(
    layout.qHyperCube.qDataPages[0].qMatrix.map((r) => [r[0].qText, r[1].qText]),
    [['Alpha', '100'], ['Beta', '200'], ['Gamma', '50']],
  );
  const appLayout = await doc.getAppLayout();
  assert.equal(appLayout.qLocaleInfo.qDecimalSep, '.');
  assert.ok(Array.isArray(appLayout.qLocaleInfo.qCalendarStrings.qMonthNames));
  assert.equal(await doc.evaluate('Count(DISTINCT Region)'), '2');
  await appSession.close({ websocketCloseDelay: 0 });
});

test('@qlik/api: a missing object is "Object not found" (code 2)', async () => {
  const appSession = openAppSession({ appId: `SessionApp_missing_${Date.now()}`, hostConfig });
  const doc = await appSession.getDoc();
  await assert.rejects(doc.getObject('does-not-exist'), (e) => e.code === 2);
  await appSession.close({ websocketCloseDelay: 0 });
});
