// Qlik's own charts from npm (nebula.js stardust 4.14 with sn-bar-chart, sn-table,
// sn-pivot-table and stardust's list box) rendered in headless Chromium against a real
// engine process, as a mashup renders them: the page (web/index.html, web/mashup.js)
// loads the packages' UMD bundles from node_modules through a local static server,
// opens the app with enigma.js over its own WebSocket and calls nebula's render.
// Assertions read the DOM a user sees (table and pivot cells, list box rows and the
// state each is read out with, the bar chart's tooltips), never pixels; screenshots of
// each step are saved under $ASSOCIA_ARTEFACTS/charts or a temporary folder, for a
// person to look at (their paths are printed as test diagnostics).
//
// Expected numbers are worked out by hand from the three tables of engine.mjs:
//   Stores by region: North = Alpha (10), Beta (11); South = Gamma (12);
//                     East = Delta (13), Epsilon (14)
//   Sum(Amount) by store: Alpha 100+150 = 250, Beta 200, Gamma 50+70 = 120,
//                         Delta 300, Epsilon 25 (total 895)
//   by region: North 250+200 = 450, East 300+25 = 325, South 120
//   by region and month: North Jan 300 (100+200), North Feb 150, South Jan 50,
//                        South Feb 70, East Mar 325
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual as isDeepEqual } from 'node:util';
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2027.0.json' with { type: 'json' };
import WebSocket from 'ws';
import { startEngine, dataFolder, threeTableScript } from './engine.mjs';
import { startStatic } from './web/server.mjs';

const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
// `make test` installs Debian's chromium when it can (root, apt-get); elsewhere these
// tests say why they did not run, as the PostgreSQL tests do
const noBrowser = existsSync(chromiumPath)
  ? false
  : `no Chromium at ${chromiumPath} (make test installs it with apt-get install chromium as root; or set CHROMIUM)`;

let artefacts;
let engine;
let web;
let browser;
let appId;
const pages = [];

before(async () => {
  if (noBrowser) return;
  artefacts = process.env.ASSOCIA_ARTEFACTS
    ? path.join(process.env.ASSOCIA_ARTEFACTS, 'charts')
    : mkdtempSync(path.join(tmpdir(), 'associa-charts-'));
  mkdirSync(artefacts, { recursive: true });
  const { chromium } = await import('playwright-core');
  [engine, web, browser] = await Promise.all([
    startEngine(),
    startStatic(),
    chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] }),
  ]);
  // the app is made and saved from Node; each page opens it as a mashup opens an app
  const session = enigma.create({
    schema,
    url: `${engine.url}/app/engineData/identity/setup`,
    createSocket: (u) => new WebSocket(u),
  });
  const global = await session.open();
  ({ qAppId: appId } = await global.createApp('charts'));
  const doc = await global.openDoc(appId);
  await doc.createConnection({ qName: 'data', qConnectionString: dataFolder, qType: 'folder' });
  await doc.setScript(threeTableScript);
  assert.equal(await doc.doReload(), true);
  await doc.doSave();
  await session.close();
});

after(async () => {
  await browser?.close();
  await web?.close();
  await engine?.stop();
});

afterEach(async () => {
  while (pages.length) await pages.pop().close();
});

/** A fresh page with the app open in a session of its own (its own selections). */
async function openPage(t, identity) {
  const page = await browser.newPage({ viewport: { width: 1300, height: 800 } });
  pages.push(page);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.errors = errors;
  await page.goto(web.url);
  await page.evaluate(([u, id, who]) => window.mashup.open(u, id, who), [engine.url, appId, identity]);
  let shot = 0;
  page.shoot = async (step) => {
    shot += 1;
    const file = path.join(artefacts, `${identity}-${shot}-${step}.png`);
    await page.screenshot({ path: file });
    t.diagnostic(`screenshot ${file}`);
  };
  return page;
}

const call = (page, name, ...args) => page.evaluate(([n, a]) => window.mashup[n](...a), [name, args]);

/** Poll what `read` gives until it equals `expected` (charts redraw asynchronously after
 * the engine's change notices), then assert it, so a failure shows the last value. */
async function settles(page, read, expected, message, timeout = 10000) {
  const end = Date.now() + timeout;
  let value = await read();
  while (!isDeepEqual(value, expected) && Date.now() < end) {
    await page.waitForTimeout(100);
    value = await read();
  }
  if (!isDeepEqual(value, expected)) {
    // say which requests the engine refused: the usual reason a chart draws nothing
    const refused = await call(page, 'refusals');
    if (refused.length) message = `${message}\nthe engine refused:\n${JSON.stringify(refused, null, 2)}`;
  }
  assert.deepEqual(value, expected, message);
}

/** The requests the engine refused in this page, with its answers: a chart that fails
 * because the engine lacks a method or member says so here. */
async function assertNoRefusals(page) {
  const failures = await call(page, 'refusals');
  assert.deepEqual(failures, [], `the engine refused requests:\n${JSON.stringify(failures, null, 2)}`);
  assert.deepEqual(page.errors, [], 'errors thrown in the page');
}

/** Where the bars are once the chart has stopped moving (sn-bar-chart animates a change
 * of data): two readings 200 ms apart that agree. */
async function stillBars(page, name) {
  let last = await call(page, 'barCenters', name);
  for (let i = 0; i < 50; i += 1) {
    await page.waitForTimeout(200);
    const now = await call(page, 'barCenters', name);
    if (isDeepEqual(now, last)) return now;
    last = now;
  }
  return last;
}

/** What the bar chart's tooltip says over each bar, left to right: [label, value]. The
 * pointer comes to each bar in steps, as a hand moves it, and away again after. */
async function barTooltips(page, name) {
  const seen = [];
  const tooltip = page.locator('.pic-tooltip-content');
  for (const bar of await stillBars(page, name)) {
    await page.mouse.move(bar.x - 20, bar.y + 10, { steps: 2 });
    await page.mouse.move(bar.x, bar.y, { steps: 5 });
    await tooltip.waitFor({ state: 'visible', timeout: 5000 });
    const cells = await tooltip.locator('td').allTextContents();
    seen.push([cells[0], cells[cells.length - 1]]);
    await page.mouse.move(1, 790, { steps: 2 });
    await tooltip.waitFor({ state: 'detached', timeout: 5000 });
  }
  return seen;
}

/** Confirm the selection in progress with the selection toolbar's ✓ (nebula shows one
 * toolbar, for the object in selection mode, in a popover outside the cell). */
async function confirm(page) {
  await page.locator('[data-testid="actions-toolbar-confirm"]').click();
  await page.locator('[data-testid="actions-toolbar-confirm"]').waitFor({ state: 'detached', timeout: 5000 });
}

const barProps = { type: 'barchart', fields: ['Region', { qDef: { qDef: 'Sum(Amount)', qLabel: 'Sales' } }] };
const tableProps = { type: 'table', fields: ['Store', { qDef: { qDef: 'Sum(Amount)', qLabel: 'Sales' } }] };

async function renderDashboard(page) {
  await call(page, 'render', 'bar', barProps);
  await call(page, 'render', 'table', tableProps);
  await call(page, 'listbox', 'regions', 'Region');
}

test('a bar chart, a table and a list box show the engine\'s numbers', { skip: noBrowser, timeout: 60000 }, async (t) => {
  const page = await openPage(t, 'render');
  await renderDashboard(page);

  // sn-table sorts by its first column; its totals row sums the measure
  await settles(page, () => call(page, 'tableRows', 'table'), [
    ['Alpha', '250'], ['Beta', '200'], ['Delta', '300'], ['Epsilon', '25'], ['Gamma', '120'],
  ], 'table rows');
  assert.deepEqual(await call(page, 'tableTotals', 'table'), ['Totals', '895']);
  // the list box: every value optional (possible), sorted by text; the state is the one
  // nebula's aria-label reads for the row's qState (S Selected, O Optional, A
  // Alternative, X Excluded)
  await settles(page, () => call(page, 'listItems', 'regions'), [
    ['East', 'Optional'], ['North', 'Optional'], ['South', 'Optional'],
  ], 'list box rows');
  await page.shoot('rendered');
  // sn-bar-chart sorts by the measure, descending (its properties: qInterColumnSortOrder
  // [1, 0], the measure's qSortByNumeric -1); the tooltip names each bar
  assert.deepEqual(await barTooltips(page, 'bar'), [['North', '450'], ['East', '325'], ['South', '120']]);
  await assertNoRefusals(page);
});

test('clicking a bar selects its region: the list box and the table follow', { skip: noBrowser, timeout: 60000 }, async (t) => {
  const page = await openPage(t, 'bar-click');
  await renderDashboard(page);
  await settles(page, async () => (await call(page, 'barCenters', 'bar')).length, 3, 'three bars drawn');

  const [, , south] = await stillBars(page, 'bar');
  await page.mouse.click(south.x, south.y);
  // the chart is in selection mode (BeginSelections, SelectHyperCubeValues): the
  // selection shows in the other objects at once, before it is confirmed
  await settles(page, () => call(page, 'tableRows', 'table'), [['Gamma', '120']], 'table during the selection');
  await page.shoot('bar-clicked');
  await confirm(page);

  await settles(page, () => call(page, 'listItems', 'regions'), [
    ['South', 'Selected'], ['East', 'Alternative'], ['North', 'Alternative'],
  ], 'the list box shows South selected first, the other regions alternative');
  await settles(page, () => call(page, 'tableRows', 'table'), [['Gamma', '120']], 'table after confirming');
  assert.deepEqual(await call(page, 'tableTotals', 'table'), ['Totals', '120']);
  assert.deepEqual(await call(page, 'selections'), [['Region', 'South']]);
  await settles(page, async () => (await call(page, 'barCenters', 'bar')).length, 1, 'one bar drawn');
  assert.deepEqual(await barTooltips(page, 'bar'), [['South', '120']]);
  await page.shoot('bar-confirmed');

  // then East in the list box: a list box toggles, so South and East are selected
  await page.click('[data-cell="regions"] [role=row][aria-label^="East"]');
  await confirm(page);
  await settles(page, () => call(page, 'listItems', 'regions'), [
    ['East', 'Selected'], ['South', 'Selected'], ['North', 'Alternative'],
  ], 'East and South selected');
  await settles(page, () => call(page, 'tableRows', 'table'), [
    ['Delta', '300'], ['Epsilon', '25'], ['Gamma', '120'],
  ], 'the table shows the stores of East and South');
  assert.deepEqual(await call(page, 'tableTotals', 'table'), ['Totals', '445']);
  await settles(page, async () => (await call(page, 'barCenters', 'bar')).length, 2, 'two bars drawn');
  assert.deepEqual(await barTooltips(page, 'bar'), [['East', '325'], ['South', '120']]);
  await page.shoot('list-confirmed');
  await assertNoRefusals(page);
});

test('clicking a table cell selects a store: the regions show what it excludes', { skip: noBrowser, timeout: 60000 }, async (t) => {
  const page = await openPage(t, 'table-click');
  await renderDashboard(page);
  await settles(page, async () => (await call(page, 'tableRows', 'table')).length, 5, 'five stores');

  await page.click('[data-cell="table"] [rowindex="2"][columnindex="0"]');
  await page.shoot('table-clicked');
  await confirm(page);
  await settles(page, () => call(page, 'tableRows', 'table'), [['Delta', '300']], 'the table keeps Delta');
  // Delta's region is East, possible; the others are excluded (not alternative: the
  // selection is in Store, not in Region)
  await settles(page, () => call(page, 'listItems', 'regions'), [
    ['East', 'Optional'], ['North', 'Excluded'], ['South', 'Excluded'],
  ], 'East possible, North and South excluded');
  assert.deepEqual(await call(page, 'selections'), [['Store', 'Delta']]);
  await settles(page, async () => (await call(page, 'barCenters', 'bar')).length, 1, 'one bar drawn');
  assert.deepEqual(await barTooltips(page, 'bar'), [['East', '300']]);
  await page.shoot('table-confirmed');
  await assertNoRefusals(page);
});

// sn-pivot-table asks for qMode "P" (its initial properties), reads pages with
// GetHyperCubePivotData and selects with SelectPivotCells; Region on the left
// (qNoOfLeftDims 1), Month on top, every node expanded so that the grid is fixed.
// Months are texts: sorted by text, Feb, Jan, Mar; a missing combination shows as '-'
// (the engine's null text, and sn-pivot-table's nullValueRepresentation).
test('a pivot table of regions by month: cells, then a click on a region', { skip: noBrowser, timeout: 60000 }, async (t) => {
  const page = await openPage(t, 'pivot');
  await call(page, 'render', 'pivot', {
    type: 'pivot-table',
    fields: ['Region', 'Month', { qDef: { qDef: 'Sum(Amount)', qLabel: 'Sales' } }],
    // merged into the chart's initial properties (qMode "P" among them), not over them
    properties: { qHyperCubeDef: { qNoOfLeftDims: 1, qAlwaysFullyExpanded: true } },
    extendProperties: true,
  });
  await call(page, 'listbox', 'regions', 'Region');
  await settles(page, () => call(page, 'pivotGrid', 'pivot'), {
    left: [['East', 'North', 'South']],
    top: [['Feb', 'Jan', 'Mar']],
    cells: [
      ['-', '-', '325'],
      ['150', '300', '-'],
      ['70', '50', '-'],
    ],
    expandable: [],
  }, 'the pivot grid');
  await page.shoot('pivot');

  await page.locator('[data-cell="pivot"] [data-testid="dimension-cell"]', { hasText: 'North' }).click();
  await confirm(page);
  await settles(page, () => call(page, 'pivotGrid', 'pivot'), {
    left: [['North']],
    top: [['Feb', 'Jan']],
    cells: [['150', '300']],
    expandable: [],
  }, 'the pivot keeps North, its months');
  await settles(page, () => call(page, 'listItems', 'regions'), [
    ['North', 'Selected'], ['East', 'Alternative'], ['South', 'Alternative'],
  ], 'the list box shows North selected');
  assert.deepEqual(await call(page, 'selections'), [['Region', 'North']]);
  await page.shoot('pivot-selected');
  await assertNoRefusals(page);
});

test('sorting the table by its measure, searching the list box', { skip: noBrowser, timeout: 60000 }, async (t) => {
  const page = await openPage(t, 'sort-search');
  await renderDashboard(page);
  await settles(page, async () => (await call(page, 'tableRows', 'table')).length, 5, 'five stores');

  // a click on the Sales header makes it the first sort column, in its default
  // direction for a measure (descending): sn-table patches qInterColumnSortOrder
  await page.locator('[data-cell="table"] button', { hasText: 'Sales' }).first().click();
  await settles(page, () => call(page, 'tableRows', 'table'), [
    ['Delta', '300'], ['Alpha', '250'], ['Beta', '200'], ['Gamma', '120'], ['Epsilon', '25'],
  ], 'the table sorted by Sales, descending');
  await page.shoot('sorted');

  // typing in the list box's search: the list shows the matches; Enter selects them
  const search = page.locator('[data-cell="regions"] input[data-testid="search-input-field"]');
  await search.click();
  await search.pressSequentially('So');
  await settles(page, async () => (await call(page, 'listItems', 'regions')).map(([text]) => text), ['South'], 'the search keeps South');
  assert.deepEqual(await call(page, 'listHighlights', 'regions'), ['So'], 'the hit is highlighted');
  await page.shoot('searched');
  await search.press('Enter');
  await confirm(page);
  await settles(page, () => call(page, 'listItems', 'regions'), [
    ['South', 'Selected'], ['East', 'Alternative'], ['North', 'Alternative'],
  ], 'South selected by the search');
  await settles(page, () => call(page, 'tableRows', 'table'), [['Gamma', '120']], 'the table keeps Gamma');
  assert.deepEqual(await call(page, 'selections'), [['Region', 'South']]);
  await page.shoot('search-confirmed');
  await assertNoRefusals(page);
});

// A pivot of Region › Store, both on the left, with Sales, nodes collapsed until
// expanded; `region` is the Region field as nebula takes it (a name, or a dimension
// with properties of its own). Returns what a user reads of it: the left columns, the
// cells and the nodes that offer to expand.
async function regionsByStore(page, region) {
  await call(page, 'render', 'pivot', {
    type: 'pivot-table',
    fields: [region, 'Store', { qDef: { qDef: 'Sum(Amount)', qLabel: 'Sales' } }],
    properties: { qHyperCubeDef: { qNoOfLeftDims: 2 } },
    extendProperties: true,
  });
  return async () => {
    const { left, cells, expandable } = await call(page, 'pivotGrid', 'pivot');
    return { left, cells, expandable };
  };
}

// Without qAlwaysFullyExpanded a pivot's nodes start collapsed (an empty qExpansionState):
// each region shows its total and offers to expand (the engine's qCanExpand); a click
// on the icon calls ExpandLeft (sn-pivot-table's use-data-model.ts) and the region's
// stores appear under it. ExpandLeft "applies only to pivot tables that are not always
// fully expanded": https://help.qlik.com/en-US/sense-developer/May2026/Subsystems/EngineJSONAPI/Content/service-genericobject-expandleft.htm
// and the walk-through of a collapsed pivot:
// https://help.qlik.com/en-us/sense-developer/2.1/Subsystems/EngineAPI/Content/DiscoveringAndAnalysing/SearchInData/collapse-expand-top-dimensions-pivot-table.htm
test('a pivot table of regions and stores: collapsed nodes, then one expanded', { skip: noBrowser, timeout: 60000 }, async (t) => {
  const page = await openPage(t, 'pivot-expand');
  const grid = await regionsByStore(page, 'Region');
  await settles(page, grid, {
    left: [['East', 'North', 'South'], ['', '', '']],
    cells: [['325'], ['450'], ['120']],
    expandable: ['East', 'North', 'South'],
  }, 'every region collapsed, with its total');
  await page.shoot('collapsed');

  await page.locator('[data-cell="pivot"] [data-testid="dimension-cell"]', { hasText: 'North' })
    .locator('[data-testid="expand-icon"]').click();
  await settles(page, grid, {
    left: [['East', 'North', 'South'], ['', 'Alpha', 'Beta', '']],
    cells: [['325'], ['250'], ['200'], ['120']],
    expandable: ['East', 'South'],
  }, 'North expanded into its stores');
  await page.shoot('expanded');
  await assertNoRefusals(page);
});

// Dimension limits on the pivot's outer dimension: Region keeps its top value by Sales
// (2 counted: North 450 and Others = East 325 + South 120 = 445). sn-pivot-table draws
// the Others node (qElemNo -3) as any node and offers to expand it; a click on its icon
// calls ExpandLeft at its row and the stores of the regions it groups appear under it
// (Delta 300, Epsilon 25, Gamma 120, by text).
test('a pivot table whose Others node expands into its stores', { skip: noBrowser, timeout: 60000 }, async (t) => {
  const page = await openPage(t, 'pivot-others');
  const grid = await regionsByStore(page, {
    qDef: { qFieldDefs: ['Region'] },
    qOtherTotalSpec: { qOtherMode: 'OTHER_COUNTED', qOtherCounted: { qv: '2' } },
  });
  await settles(page, grid, {
    left: [['North', 'Others'], ['', '']],
    cells: [['450'], ['445']],
    expandable: ['North', 'Others'],
  }, 'North and the Others node, collapsed, with their totals');
  await page.shoot('others-collapsed');

  await page.locator('[data-cell="pivot"] [data-testid="dimension-cell"]', { hasText: 'Others' })
    .locator('[data-testid="expand-icon"]').click();
  await settles(page, grid, {
    left: [['North', 'Others'], ['', 'Delta', 'Epsilon', 'Gamma']],
    cells: [['450'], ['300'], ['25'], ['120']],
    expandable: ['North'],
  }, 'the Others node expanded into the stores of East and South');
  await page.shoot('others-expanded');
  await assertNoRefusals(page);
});
