// Sheets and their charts with enigma.js 2.15.0 against a real engine process, as the
// Qlik Sense client lists them: a session object with a qAppObjectListDef of qType
// "sheet" (qData title/cells/rank), then each sheet's charts through its cells and its
// qChildListDef; getObjects, cloneObject, publish; a chart's data exported to CSV and
// downloaded over HTTP. Expected numbers are worked out by hand from the inline rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2027.0.json' with { type: 'json' };
import WebSocket from 'ws';
import { startEngine } from './engine.mjs';

let engine;

before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

const script = `
Sales:
LOAD * INLINE [
Region, Product, Amount
North, Bike, 100
North, Lock, 20
South, Bike, 150
East, Helmet, 40
];
`;

// Sum(Amount) by Region and by Product, by hand
const byRegion = { North: 120, South: 150, East: 40 };
const byProduct = { Bike: 250, Lock: 20, Helmet: 40 };

const chart = (id, title, field) => ({
  qInfo: { qId: id, qType: 'table' },
  qMetaDef: { title },
  qHyperCubeDef: {
    qDimensions: [{ qDef: { qFieldDefs: [field] } }],
    qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }],
    qInitialDataFetch: [{ qLeft: 0, qTop: 0, qWidth: 2, qHeight: 20 }],
  },
});

const rowsOf = (layout) => Object.fromEntries(
  layout.qHyperCube.qDataPages[0].qMatrix.map((r) => [r[0].qText, r[1].qNum]),
);

test('the sheet list, each sheet\'s charts, cloning, publishing and an export', async () => {
  const session = enigma.create({
    schema, url: `${engine.url}/app/engineData`, createSocket: (u) => new WebSocket(u),
  });
  const global = await session.open();
  const doc = await global.createSessionApp();
  await doc.setScript(script);
  assert.equal(await doc.doReload(), true);

  // two sheets, as the client makes them: cells naming the sheet's children
  for (const [id, title, rank, charts] of [
    ['sheet-b', 'Products', 1, [['c-prod', 'By product', 'Product']]],
    ['sheet-a', 'Overview', 0, [['c-reg', 'By region', 'Region'], ['c-prod2', 'Products', 'Product']]],
  ]) {
    const sheet = await doc.createObject({
      qInfo: { qId: id, qType: 'sheet' },
      qMetaDef: { title, description: '' },
      rank,
      columns: 24,
      rows: 12,
      cells: charts.map(([cid], i) => ({ name: cid, type: 'table', col: 0, row: 6 * i, colspan: 24, rowspan: 6 })),
      qChildListDef: { qData: { title: '/qMetaDef/title' } },
    });
    for (const [cid, ctitle, field] of charts) {
      await sheet.createChild(chart(cid, ctitle, field));
    }
  }

  const sheetList = await doc.createSessionObject({
    qInfo: { qType: 'SheetList' },
    qAppObjectListDef: {
      qType: 'sheet',
      qData: { title: '/qMetaDef/title', description: '/qMetaDef/description', cells: '/cells', rank: '/rank' },
    },
  });
  let layout = await sheetList.getLayout();
  const items = layout.qAppObjectList.qItems.slice().sort((a, b) => a.qData.rank - b.qData.rank);
  assert.deepEqual(items.map((i) => [i.qInfo.qId, i.qData.title, i.qMeta.title]),
    [['sheet-a', 'Overview', 'Overview'], ['sheet-b', 'Products', 'Products']]);
  assert.deepEqual(items[0].qData.cells.map((c) => c.name), ['c-reg', 'c-prod2']);

  // open each sheet's charts through its cells, as the client renders a sheet
  const seen = {};
  for (const item of items) {
    for (const cell of item.qData.cells) {
      const obj = await doc.getObject(cell.name);
      seen[cell.name] = rowsOf(await obj.getLayout());
    }
  }
  assert.deepEqual(seen, { 'c-reg': byRegion, 'c-prod2': byProduct, 'c-prod': byProduct });

  // the sheet's child list
  const sheetA = await doc.getObject('sheet-a');
  const children = (await sheetA.getLayout()).qChildList.qItems;
  assert.deepEqual(children.map((c) => [c.qInfo.qId, c.qData.title]),
    [['c-reg', 'By region'], ['c-prod2', 'Products']]);

  // getObjects: the charts of every sheet
  const charts = await doc.getObjects({ qTypes: ['table'], qIncludeSessionObjects: false, qData: {} });
  assert.deepEqual(charts.map((c) => c.qInfo.qId).sort(), ['c-prod', 'c-prod2', 'c-reg']);

  // publish a sheet: the list shows it; the listing object was told of the change
  let changed = 0;
  sheetList.on('changed', () => { changed += 1; });
  await sheetA.publish();
  layout = await sheetList.getLayout();
  const published = layout.qAppObjectList.qItems.filter((i) => i.qMeta.published === true);
  assert.deepEqual(published.map((i) => i.qInfo.qId), ['sheet-a']);
  assert.ok(changed >= 1);

  // duplicate a sheet: its charts are copied and its cells name the copies
  const cloneId = await doc.cloneObject('sheet-a');
  const clone = await doc.getObject(cloneId);
  const cloneLayout = await clone.getLayout();
  assert.equal(cloneLayout.qMeta.published, undefined);
  const cloneCharts = cloneLayout.cells.map((c) => c.name);
  assert.equal(cloneCharts.length, 2);
  assert.ok(!cloneCharts.includes('c-reg'));
  assert.deepEqual(rowsOf(await (await doc.getObject(cloneCharts[0])).getLayout()), byRegion);
  layout = await sheetList.getLayout();
  assert.equal(layout.qAppObjectList.qItems.length, 3);

  // export a chart's data and download it
  const reg = await doc.getObject('c-reg');
  const { qUrl } = await reg.exportData('CSV_C', '/qHyperCubeDef', 'regions', 'A', false);
  const http = engine.url.replace('ws://', 'http://');
  const reply = await fetch(`${http}${qUrl}`);
  assert.equal(reply.status, 200);
  const lines = (await reply.text()).trim().split(/\r?\n/);
  assert.equal(lines[0], 'Region,Sum(Amount)');
  assert.deepEqual(Object.fromEntries(lines.slice(1).map((l) => {
    const [k, v] = l.split(',');
    return [k, Number(v)];
  })), byRegion);

  await session.close();
  // the session ended: its file is gone
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await fetch(`${http}${qUrl}`)).status, 404);
});
