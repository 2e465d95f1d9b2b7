// The selection flows of Qlik's clients, through enigma.js 2.15.0 against a real engine
// process: a list box's select, search, accept and abort; current selections with back
// and forward; two alternate states side by side.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openSessionApp, startEngine, dataFolder, threeTableScript } from './engine.mjs';

let engine;

before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

const sessionApp = (name) => openSessionApp(engine, name, threeTableScript);

const listbox = (field, state) => ({
  qInfo: { qType: 'listbox' },
  qListObjectDef: {
    ...(state ? { qStateName: state } : {}),
    qDef: { qFieldDefs: [field], qSortCriterias: [{ qSortByAscii: 1 }] },
    qShowAlternatives: true,
    qInitialDataFetch: [{ qLeft: 0, qTop: 0, qWidth: 1, qHeight: 20 }],
  },
});

const cube = (state) => ({
  qInfo: { qType: 'table' },
  ...(state ? { qStateName: state } : {}),
  qHyperCubeDef: {
    qDimensions: [{ qDef: { qFieldDefs: ['Region'], qSortCriterias: [{ qSortByAscii: 1 }] } }],
    qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }],
    qInitialDataFetch: [{ qLeft: 0, qTop: 0, qWidth: 2, qHeight: 20 }],
  },
});

const states = async (obj) => Object.fromEntries(
  (await obj.getLayout()).qListObject.qDataPages[0].qMatrix.map((r) => [r[0].qText, r[0].qState]),
);
const rows = async (obj) => (await obj.getLayout()).qHyperCube.qDataPages[0].qMatrix
  .map((r) => r.map((c) => c.qText));

test('a list box: modal select, search then accept, search then abort', async () => {
  const { session, doc } = await sessionApp('selections-listbox');
  const stores = await doc.createSessionObject(listbox('Store'));
  await stores.beginSelections(['/qListObjectDef']);
  await stores.selectListObjectValues('/qListObjectDef', [0], false); // Alpha (ascii order)
  assert.equal((await stores.getLayout()).qSelectionInfo.qInSelections, true);
  await stores.endSelections(false); // abort: nothing stays selected
  assert.ok(!Object.values(await states(stores)).includes('S'));

  await stores.searchListObjectFor('/qListObjectDef', 'Ga*');
  await stores.acceptListObjectSearch('/qListObjectDef', false);
  assert.equal((await states(stores)).Gamma, 'S');
  assert.equal(await doc.evaluate('Sum(Amount)'), '120');

  await stores.searchListObjectFor('/qListObjectDef', 'Delta');
  await stores.abortListObjectSearch('/qListObjectDef');
  assert.equal((await states(stores)).Delta, 'A'); // still only Gamma selected
  assert.equal(await doc.evaluate('Sum(Amount)'), '120');
  await session.close();
});

test('current selections, back and forward', async () => {
  const { session, doc } = await sessionApp('selections-history');
  const current = await doc.createSessionObject({
    qInfo: { qType: 'current-selections' }, qSelectionObjectDef: {},
  });
  let changed = 0;
  current.on('changed', () => { changed += 1; });
  await (await doc.getField('Region')).selectValues([{ qText: 'North' }]);
  await (await doc.getField('Month')).selectValues([{ qText: 'Jan' }]);
  let sel = (await current.getLayout()).qSelectionObject;
  assert.deepEqual(sel.qSelections.map((s) => [s.qField, s.qSelected]),
    [['Region', 'North'], ['Month', 'Jan']]);
  assert.equal(sel.qBackCount, 2);
  assert.ok(changed >= 1);
  await doc.back();
  sel = (await current.getLayout()).qSelectionObject;
  assert.deepEqual(sel.qSelections.map((s) => s.qField), ['Region']);
  assert.equal(await doc.evaluate('Sum(Amount)'), '450');
  await doc.forward();
  assert.equal(await doc.evaluate('Sum(Amount)'), '300');
  assert.equal(await doc.forwardCount(), 0);
  await session.close();
});

test('alternate states: two selections compared side by side', async () => {
  const { session, doc } = await sessionApp('selections-states');
  await doc.addAlternateState('Compare');
  assert.deepEqual((await doc.getAppLayout()).qStateNames, ['Compare']);
  const left = await doc.createSessionObject(cube());
  const right = await doc.createSessionObject(cube('Compare'));
  const compareList = await doc.createSessionObject(listbox('Region', 'Compare'));
  await (await doc.getField('Region')).selectValues([{ qText: 'North' }]);
  await (await doc.getField('Region', 'Compare')).selectValues([{ qText: 'East' }]);
  assert.deepEqual(await rows(left), [['North', '450']]);
  assert.deepEqual(await rows(right), [['East', '325']]);
  assert.equal((await right.getLayout()).qStateName, 'Compare');
  assert.deepEqual(await states(compareList), { East: 'S', North: 'A', South: 'A' });
  await doc.clearAll(false, 'Compare');
  assert.deepEqual((await rows(right)).map((r) => r[0]), ['East', 'North', 'South']);
  assert.deepEqual(await rows(left), [['North', '450']]);
  await session.close();
});
