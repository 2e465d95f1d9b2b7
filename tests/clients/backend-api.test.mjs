// The Backend API helpers of clients/backend-api on enigma.js 2.15.0 objects of a real
// engine process: the scenario shared with the Python helpers (data/backend-api-scenario.json:
// the same calls, the same data afterwards), repaints on the engine's `change`, and the
// calls an object cannot take.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { openSessionApp, startEngine, dataFolder, repoRoot, tempDataDir } from './engine.mjs';
import { createBackendApi, BackendApiError } from '../../clients/backend-api/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const moduleUrl = pathToFileURL(path.join(repoRoot, 'clients', 'backend-api', 'index.js')).href;
const scenario = JSON.parse(readFileSync(path.join(dataFolder, 'backend-api-scenario.json'), 'utf8'));

let engine;

before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

const openApp = (name) => openSessionApp(engine, name, scenario.script);

/** The qText of every row the helpers have, in eachDataRow's order. */
function texts(api) {
  const rows = [];
  api.eachDataRow((rownum, row) => { rows.push(row.map((c) => c.qText)); });
  return rows;
}

/** A list object's qText -> qState, over the rows the helpers have. */
function states(api) {
  const out = {};
  api.eachDataRow((rownum, row) => { out[row[0].qText] = row[0].qState; });
  return out;
}

/** The element numbers of the cells of column `dim` with these texts. */
function elems(api, dim, wanted) {
  const col = api.path === '/qListObjectDef' ? 0 : dim;
  const found = new Map();
  api.eachDataRow((rownum, row) => { found.set(row[col].qText, row[col].qElemNumber); });
  return wanted.map((t) => {
    assert.ok(found.has(t), `no row shows ${t}`);
    return found.get(t);
  });
}

/** The current properties with each path of `changes` set to its value. */
async function changed(api, changes) {
  const props = await api.getProperties();
  for (const [where, value] of Object.entries(changes)) {
    const keys = where.split('/').filter(Boolean);
    const last = keys.pop();
    keys.reduce((node, k) => node[k], props)[last] = value;
  }
  return props;
}

async function play(api, step) {
  if (!step.call) return;
  const args = [...step.args];
  if (step.call === 'selectValues') args[1] = elems(api, args[0], args[1]);
  if (step.call === 'setProperties') args[0] = await changed(api, args[0]);
  await api[step.call](...args);
}

test('the shared scenario: the same calls give the data the Python helpers see', async () => {
  const { session, doc } = await openApp('backend-api-scenario');
  const apis = {};
  for (const [name, def] of Object.entries(scenario.objects)) {
    apis[name] = await createBackendApi(await doc.createSessionObject(def));
  }
  for (const [i, step] of scenario.steps.entries()) {
    const api = apis[step.object];
    const where = `step ${i} (${step.object}.${step.call}): ${step.note || ''}`;
    await play(api, step);
    const want = step.expect;
    if (want.rows) assert.deepEqual(texts(api), want.rows, where);
    if (want.rowCount !== undefined) assert.equal(api.getRowCount(), want.rowCount, where);
    if (want.hasSelections !== undefined) assert.equal(api.hasSelections(), want.hasSelections, where);
    if (want.states) assert.deepEqual(states(api), want.states, where);
    for (const [expr, value] of Object.entries(want.evaluate || {})) {
      assert.equal(await doc.evaluate(expr), value, `${where}: ${expr}`);
    }
  }
  await session.close();
});

test('an object repaints when the engine says it changed, whoever selected', async () => {
  const { session, doc } = await openApp('backend-api-repaint');
  const painted = [];
  const table = await createBackendApi(
    await doc.createSessionObject(scenario.objects.table),
    { onPaint: (layout) => painted.push(layout.qHyperCube.qSize.qcy) },
  );
  assert.deepEqual(painted, [4]);
  await (await doc.getField('Product')).selectValues([{ qText: 'Bike' }]);
  await table.settled();
  assert.deepEqual(painted, [4, 3]); // North, South, West sell bikes
  assert.deepEqual(texts(table), [['North', '100', '1'], ['South', '150', '2']]);

  // eachDataRow stops at the row whose callback returns false, and gives it back
  let seen = 0;
  const stopped = table.eachDataRow((rownum, row) => { seen += 1; return row[0].qText !== 'North'; });
  assert.equal(seen, 1);
  assert.equal(stopped[0].qText, 'North');
  assert.equal(table.getDataRow(1)[0].qText, 'South');
  assert.equal(table.getDataRow(2), null); // not fetched: getData brings it
  const [page] = await table.getData([{ qTop: 2, qLeft: 0, qWidth: 3, qHeight: 1 }]);
  assert.deepEqual(page.qMatrix.map((r) => r.map((c) => c.qText)), [['West', '300', '3']]);
  assert.equal(table.getDataRow(2)[0].qText, 'West');

  // a closed helper no longer repaints
  table.close();
  await doc.clearAll();
  assert.deepEqual(painted, [4, 3]);
  await session.close();
});

test('a second object cannot select while the first is in modal mode', async () => {
  const { session, doc } = await openApp('backend-api-modal');
  const table = await createBackendApi(await doc.createSessionObject(scenario.objects.table));
  const products = await createBackendApi(await doc.createSessionObject(scenario.objects.products));
  await table.selectValues(0, elems(table, 0, ['East']), false);
  await assert.rejects(products.selectValues(0, elems(products, 0, ['Bike']), false),
    (err) => err.code === 6003);
  assert.equal(await doc.evaluate('GetSelectedCount(Product)'), '0');
  await table.endSelections(true);
  assert.equal(await doc.evaluate('Sum(Amount)'), '75');
  await session.close();
});

test('searching a hypercube or a range on a list object is refused before any call', async () => {
  const { session, doc } = await openApp('backend-api-refused');
  const table = await createBackendApi(await doc.createSessionObject(scenario.objects.table));
  const products = await createBackendApi(await doc.createSessionObject(scenario.objects.products));
  await assert.rejects(table.search('North'), BackendApiError);
  await assert.rejects(table.acceptSearch(false), BackendApiError);
  await assert.rejects(products.selectRange([{ qMeasureIx: 0, qRange: { qMin: 0, qMax: 1 } }]),
    BackendApiError);
  assert.equal(products.hasSelections(), false);
  assert.equal(table.hasSelections(), false);
  assert.equal(await doc.evaluate('Sum(Amount)'), '705');
  await session.close();
});

test('the example on the docs page runs against the demo app and prints what it says', async () => {
  const demo = await startEngine(tempDataDir(), ['--demo']);
  const md = readFileSync(path.join(repoRoot, 'docs', 'backend-api.md'), 'utf8');
  const [, code] = md.match(/```js\n(import enigma[\s\S]*?)```/);
  // beside node_modules, so that enigma.js and ws resolve as in a user's project
  const file = path.join(here, `.docs-example-${process.pid}.mjs`);
  writeFileSync(file, code.replace('ws://127.0.0.1:9076', demo.url)
    .replace("'@associa/backend-api'", `'${moduleUrl}'`));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 60000 });
    const lines = stdout.trim().split('\n');
    // painted with the 8 countries, again on entering modal mode, with Italy alone once
    // selected (not confirmed yet), and once more when the selection is confirmed
    assert.deepEqual(lines.slice(0, -1), ['rows: 8', 'rows: 8', 'rows: 1', 'true', 'rows: 1']);
    // Italy's orders sum to 96463.9 (DuckDB over the demo's CSV files agrees); its 9
    // customers include one without orders (CustomerID is a key: its possible values)
    assert.equal(lines.at(-1), 'Italy | 96463.9 | 9');
  } finally {
    unlinkSync(file);
    await demo.stop();
  }
});
