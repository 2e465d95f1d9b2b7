// The mashup the browser tests drive: an enigma.js session to the engine, as Qlik's
// mashup examples make it, and nebula.js (stardust) rendering charts into cells. Every
// request the engine answers with an error is kept in `mashup.failures`, so a test that
// fails can say which method the engine refused and with what.
(function () {
  const failures = [];
  const sent = new Map();
  const calls = [];
  const cells = new Map();
  let app;
  let nebula;

  function trace(session) {
    session.on('traffic:sent', (msg) => {
      if (msg.id !== undefined) sent.set(msg.id, msg);
      if (msg.method) calls.push(msg.method);
    });
    session.on('traffic:received', (msg) => {
      if (msg.id === undefined) return;
      const request = sent.get(msg.id);
      sent.delete(msg.id);
      if (msg.error) failures.push({ request, error: msg.error });
    });
  }

  function cell(name, className) {
    const el = document.createElement('div');
    el.className = `cell ${className || ''}`;
    el.dataset.cell = name;
    document.getElementById('cells').appendChild(el);
    return el;
  }

  const types = [
    ['table', 'sn-table'],
    ['barchart', 'sn-bar-chart'],
    ['pivot-table', 'sn-pivot-table'],
  ].map(([name, global]) => ({ name, load: () => Promise.resolve(window[global]) }));

  window.mashup = {
    /** The requests the engine answered with an error so far, with its answers. */
    refusals: () => failures,
    /** The methods called so far, in order. */
    calls: () => calls,
    /** Open the app over its own engine URL (a session of `identity`) and embed
     * nebula.js on it. */
    async open(engineUrl, appId, identity) {
      const schema = await (await fetch('/node_modules/enigma.js/schemas/12.2027.0.json')).json();
      const url = `${engineUrl}/app/${encodeURIComponent(appId)}/identity/${encodeURIComponent(identity)}`;
      const session = window.enigma.create({ schema, url });
      trace(session);
      const global = await session.open();
      app = await global.openDoc(appId);
      nebula = window.stardust.embed(app, {
        types,
        context: { theme: 'light', language: 'en-US', constraints: {} },
      });
      return app.id;
    },
    /** Render a chart of `type` into a new cell: nebula's render({ type, fields, properties }). */
    async render(name, options) {
      const element = cell(name);
      const viz = await nebula.render({ element, ...options });
      element.dataset.id = viz.id;
      cells.set(name, viz);
      return viz.id;
    },
    /** Mount stardust's list box on `field` in a new cell. */
    async listbox(name, field, options = {}) {
      const instance = await nebula.field(field);
      instance.mount(cell(name, 'list'), options);
      cells.set(name, instance);
      return true;
    },
    /** The enigma app the page opened. */
    app: () => app,
    /** A table's body rows as the user reads them (sn-table's cells by row and column). */
    tableRows(name) {
      const rows = [];
      for (const c of document.querySelectorAll(`[data-cell="${name}"] [rowindex][columnindex]`)) {
        const r = Number(c.getAttribute('rowindex'));
        (rows[r] ||= [])[Number(c.getAttribute('columnindex'))] = c.textContent;
      }
      return rows.filter(Boolean);
    },
    /** A table's totals row: the 'Totals' label and the cells after it. */
    tableTotals(name) {
      const label = document.querySelector(`[data-cell="${name}"] [title="Totals"]`);
      if (!label) return null;
      return [...label.parentElement.children].map((c) => c.textContent);
    },
    /** A list box's values, top to bottom, each with the state a screen reader reads
     * for it (nebula's aria-label "<value> <state>. <n> of <m>", the state translated
     * from the engine's qState: Selected, Possible, Alternative, Excluded ...). */
    listItems(name) {
      const rows = [...document.querySelectorAll(`[data-cell="${name}"] [data-testid="listbox.item"] [role=row]`)];
      return rows
        .map((row) => {
          const text = row.querySelector('[title]')?.getAttribute('title') ?? '';
          const label = row.getAttribute('aria-label') ?? '';
          const state = label.startsWith(`${text} `) ? label.slice(text.length + 1).split('.')[0] : label;
          return { top: row.getBoundingClientRect().top, text, state };
        })
        .sort((a, b) => a.top - b.top)
        .map(({ text, state }) => [text, state]);
    },
    /** A pivot table as a user reads it (sn-pivot-table's cells, by their testids): the
     * left dimensions' values column by column, each top to bottom (a parent spans its
     * children's rows, so it is read once); the top dimensions' values row by row, each
     * left to right; the measure cells by row and column; the left cells that offer to
     * expand (sn-pivot-table's expand icon, from the engine's qCanExpand). */
    pivotGrid(name) {
      const root = document.querySelector(`[data-cell="${name}"]`);
      const measures = [...root.querySelectorAll('[data-testid="measure-cell"]')];
      const cells = [];
      for (const c of measures) {
        ((cells[Number(c.dataset.rowIndex)] ||= [])[Number(c.dataset.colIndex)] = c.textContent);
      }
      const dataLeft = Math.min(...measures.map((c) => c.getBoundingClientRect().left));
      const placed = [...root.querySelectorAll('[data-testid="dimension-cell"]')].map((c) => ({
        box: c.getBoundingClientRect(),
        text: c.textContent,
        expandable: !!c.querySelector('[data-testid="expand-icon"]'),
      }));
      // lines of cells: by their left edge (left grid columns) or top edge (header rows)
      const lines = (list, key, along) => {
        const groups = new Map();
        for (const c of list) {
          const k = Math.round(c.box[key]);
          if (!groups.has(k)) groups.set(k, []);
          groups.get(k).push(c);
        }
        return [...groups.keys()].sort((a, b) => a - b)
          .map((k) => groups.get(k).sort((a, b) => a.box[along] - b.box[along]));
      };
      const left = placed.filter((c) => c.box.right <= dataLeft + 1);
      const top = placed.filter((c) => c.box.right > dataLeft + 1);
      return {
        left: lines(left, 'left', 'top').map((line) => line.map((c) => c.text)),
        top: lines(top, 'top', 'left').map((line) => line.map((c) => c.text)),
        cells: cells.filter(Boolean),
        expandable: left.filter((c) => c.expandable).map((c) => c.text),
      };
    },
    /** The parts of a list box's values drawn highlighted (a search's hits, from the
     * engine's qHighlightRanges). */
    listHighlights(name) {
      return [...document.querySelectorAll(`[data-cell="${name}"] [data-testid="listbox.item"] [class*="-highlighted"]`)]
        .map((e) => e.textContent);
    },
    /** Where the bars of a bar chart drawn on canvas lie, left to right, in page
     * coordinates: columns of saturated pixels (the bars' color; the axes, grid lines and
     * labels are gray), grouped into runs. Only to know where to point the mouse: what a
     * bar stands for is read from the tooltip the chart shows over it. */
    barCenters(name) {
      const bars = [];
      for (const canvas of document.querySelectorAll(`[data-cell="${name}"] canvas`)) {
        const { width, height } = canvas;
        if (!width || !height) continue;
        const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
        const box = canvas.getBoundingClientRect();
        const spans = [];
        for (let x = 0; x < width; x += 1) {
          let top = -1;
          let bottom = -1;
          let n = 0;
          for (let y = 0; y < height; y += 1) {
            const i = (y * width + x) * 4;
            const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
            if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 40) {
              n += 1;
              if (top < 0) top = y;
              bottom = y;
            }
          }
          spans.push(n > 3 ? [top, bottom] : null);
        }
        let start = -1;
        for (let x = 0; x <= width; x += 1) {
          if (x < width && spans[x]) {
            if (start < 0) start = x;
          } else if (start >= 0) {
            const mid = Math.floor((start + x - 1) / 2);
            const [top, bottom] = spans[mid];
            bars.push({
              x: box.left + (mid * box.width) / width,
              y: box.top + (((top + bottom) / 2) * box.height) / height,
            });
            start = -1;
          }
        }
      }
      return bars.sort((a, b) => a.x - b.x);
    },
    /** The engine's value of an expression now (what the page's app sees). */
    evaluate(expression) {
      return app.evaluate(expression);
    },
    /** The current selections' fields and their selected texts, from the engine. */
    async selections() {
      const obj = await app.createSessionObject({
        qInfo: { qType: 'probe' },
        qSelectionObjectDef: {},
      });
      const layout = await obj.getLayout();
      await app.destroySessionObject(obj.id);
      return layout.qSelectionObject.qSelections.map((s) => [s.qField, s.qSelected]);
    },
  };
}());
