// Qlik's Backend API helpers (this.backendApi of a visualization extension) for a mashup
// or an extension that holds an enigma.js generic object: selections made in the object's
// modal mode, list-object search, the object's data rows and its properties. The object
// is repainted (its layout fetched again, `onPaint` called) whenever the engine says it
// changed, as Qlik's client does. Method names and arguments are those Qlik documents
// (https://qlik.dev/embed/capability-api/customize/backend-api-reference/).

/**
 * @typedef {{ qTop: number, qLeft: number, qWidth: number, qHeight: number }} NxPage
 * @typedef {{ qText?: string, qNum?: number | string, qElemNumber: number, qState: string }} NxCell
 * @typedef {{ qMin?: number, qMax?: number, qMinInclEq?: boolean, qMaxInclEq?: boolean }} Range
 * @typedef {{ qMeasureIx: number, qRange: Range }} NxRangeSelectInfo
 * @typedef {{ qRanges: NxRangeSelectInfo[], qColumnsToSelect?: number[] }} NxMultiRangeSelectInfo
 * @typedef {{ qArea: NxPage, qMatrix: NxCell[][] }} NxDataPage
 * @typedef {(layout: object, api: BackendApi) => void} PaintCallback
 * @typedef {{ path?: string, onPaint?: PaintCallback }} BackendApiOptions
 */

/** The two kinds of definition the helpers work on, by their path. */
const LIST = '/qListObjectDef';
const CUBE = '/qHyperCubeDef';

/** Where a layout keeps its data: the definition's path → the layout member. */
const DATA_MEMBER = { [LIST]: 'qListObject', [CUBE]: 'qHyperCube' };

/** Thrown for a call the object cannot take (a search on a hypercube, a range on a list). */
export class BackendApiError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BackendApiError';
  }
}

export class BackendApi {
  /**
   * Use `createBackendApi(model)`: it also fetches the first layout.
   * @param {any} model an enigma.js GenericObject
   * @param {BackendApiOptions} [options] `path` of the definition (found from the layout
   *   when left out), `onPaint(layout, api)` called after each new layout
   */
  constructor(model, options = {}) {
    this.model = model;
    /** @type {string | undefined} */
    this.path = options.path;
    this.onPaint = options.onPaint;
    /** @type {any} the object's layout as last painted */
    this.layout = undefined;
    /** @type {Map<number, NxCell[]>} the rows the client has, by row number */
    this.rows = new Map();
    this.painting = Promise.resolve();
    this.generation = 0;
    /** @type {Error | undefined} a repaint's failure, thrown by the next call */
    this.paintError = undefined;
    this.onChanged = () => { this.painting = this.paint(); };
    model.on('changed', this.onChanged);
  }

  /** Fetch the layout, replace the data buffer with its pages and call `onPaint`; a
   * layout that a later repaint overtook is dropped. */
  async repaint() {
    this.generation += 1;
    const generation = this.generation;
    const layout = await this.model.getLayout();
    if (generation !== this.generation) return this.layout;
    if (!this.path) {
      if (layout.qHyperCube) this.path = CUBE;
      else if (layout.qListObject) this.path = LIST;
      else throw new BackendApiError(`object ${layout.qInfo?.qId} has no hypercube or list object`);
    }
    this.layout = layout;
    this.rows = new Map();
    this.merge(this.data()?.qDataPages || []);
    this.onPaint?.(layout, this);
    return layout;
  }

  /** Repaint, keeping a failure for the next call to throw (a `changed` handler has no
   * caller to reject). */
  paint() {
    return this.repaint().catch((err) => { this.paintError = err; });
  }

  /** Wait for the repaint the engine's last `change` started (if any). */
  async settled() {
    let seen;
    do { seen = this.painting; await seen; } while (seen !== this.painting);
    const err = this.paintError;
    this.paintError = undefined;
    if (err) throw err;
  }

  /** Stop listening to the object's changes. */
  close() {
    this.model.removeListener('changed', this.onChanged);
  }

  /** @returns {any} the layout's qHyperCube or qListObject */
  data() {
    return this.layout?.[DATA_MEMBER[this.path]];
  }

  /** @param {NxDataPage[]} pages */
  merge(pages) {
    for (const page of pages) {
      const { qTop, qLeft } = page.qArea;
      page.qMatrix.forEach((cells, i) => {
        const row = this.rows.get(qTop + i) || [];
        cells.forEach((cell, j) => { row[qLeft + j] = cell; });
        this.rows.set(qTop + i, row);
      });
    }
  }

  // -- data ------------------------------------------------------------------------

  /** The number of rows of the object (all of them, not only those the client has). */
  getRowCount() {
    return this.data()?.qSize?.qcy ?? 0;
  }

  /**
   * Call `callback(rownum, row)` for each row the client has, in row order; a callback
   * that returns false stops the loop.
   * @param {(rownum: number, row: NxCell[]) => boolean | void} callback
   * @returns {NxCell[] | undefined} the row the loop stopped at
   */
  eachDataRow(callback) {
    for (const rownum of [...this.rows.keys()].sort((a, b) => a - b)) {
      const row = this.rows.get(rownum);
      if (callback(rownum, row) === false) return row;
    }
    return undefined;
  }

  /**
   * @param {number} rownum
   * @returns {NxCell[] | null} the row, or null when the client does not have it (getData)
   */
  getDataRow(rownum) {
    return this.rows.get(rownum) || null;
  }

  /**
   * Fetch pages of data from the engine; they are added to the rows `eachDataRow` sees.
   * @param {NxPage[]} pages
   * @returns {Promise<NxDataPage[]>}
   */
  async getData(pages) {
    await this.settled();
    const { generation } = this;
    const got = this.path === LIST
      ? await this.model.getListObjectData(this.path, pages)
      : await this.model.getHyperCubeData(this.path, pages);
    if (generation === this.generation) this.merge(got); // else a new layout came meanwhile
    return got;
  }

  // -- selections --------------------------------------------------------------------

  /** The object enters modal mode (BeginSelections) unless it is in it already. */
  async begin() {
    await this.settled();
    if (!this.layout?.qSelectionInfo?.qInSelections) {
      await this.model.beginSelections([this.path]);
      await this.settled();
    }
  }

  /** Run a selecting call in modal mode and wait for the repaint it causes. */
  async selecting(call) {
    await this.begin();
    const result = await call();
    await this.settled();
    return result;
  }

  /**
   * Select values (element numbers, `qElemNumber`) of dimension `dim` (ignored for a list
   * object); `toggle` adds them to or removes them from the dimension's selection.
   * @param {number} dim
   * @param {number[]} values
   * @param {boolean} [toggle]
   * @returns {Promise<boolean>} whether the engine made the selection
   */
  selectValues(dim, values, toggle = false) {
    return this.selecting(() => (this.path === LIST
      ? this.model.selectListObjectValues(this.path, values, toggle)
      : this.model.selectHyperCubeValues(this.path, dim, values, toggle)));
  }

  /**
   * Select the dimension values of the rows whose measures lie in the ranges (hypercubes
   * only). `ranges` are NxRangeSelectInfo (`qMeasureIx`, `qRange` with `qMin`, `qMax`,
   * `qMinInclEq`, `qMaxInclEq`), sent as RangeSelectHyperCubeValues; or
   * NxMultiRangeSelectInfo (`qRanges`, `qColumnsToSelect`), sent as
   * MultiRangeSelectHyperCubeValues. With `orMode` a row needs only one of its measures in
   * range.
   * @param {Array<NxRangeSelectInfo | NxMultiRangeSelectInfo>} ranges
   * @param {boolean} [orMode]
   * @returns {Promise<boolean>}
   */
  async selectRange(ranges, orMode = false) {
    await this.settled();
    if (this.path !== CUBE) throw new BackendApiError('selectRange: only hypercubes have measures');
    const multi = ranges.some((r) => Array.isArray(r.qRanges));
    return this.selecting(() => (multi
      ? this.model.multiRangeSelectHyperCubeValues(this.path, ranges, orMode)
      : this.model.rangeSelectHyperCubeValues(this.path, ranges, [], orMode)));
  }

  /** Clear the selections of this object's fields (undone by `endSelections(false)` in
   * modal mode). */
  async clearSelections() {
    await this.settled();
    await this.model.clearSelections(this.path, []);
    await this.settled();
  }

  /** @returns {boolean} whether the object has selections not yet confirmed (modal mode) */
  hasSelections() {
    const info = this.layout?.qSelectionInfo || {};
    return Boolean(info.qInSelections && info.qMadeSelections);
  }

  /**
   * Leave modal mode: keep the selections made in it (`accept`) or go back to those before.
   * @param {boolean} [accept]
   */
  async endSelections(accept = true) {
    await this.settled();
    if (this.layout?.qSelectionInfo?.qInSelections) {
      await this.model.endSelections(accept);
      await this.settled();
    }
  }

  // -- search (list objects) -----------------------------------------------------------

  async listOnly(name) {
    await this.settled();
    if (this.path !== LIST) throw new BackendApiError(`${name}: only list objects are searched`);
  }

  /**
   * Search the list object's values for `term` (Qlik's search strings: words, wildcards,
   * `>=10<20`, `=expr`); the object shows the matches until the search is accepted or
   * aborted.
   * @param {string} term
   */
  async search(term) {
    await this.listOnly('search');
    const ok = await this.model.searchListObjectFor(this.path, term);
    await this.settled();
    return ok;
  }

  /**
   * Select the matches of the search (in modal mode) and end the search.
   * @param {boolean} [toggle] add them to (or remove them from) the field's selection
   */
  async acceptSearch(toggle = false) {
    await this.listOnly('acceptSearch');
    await this.selecting(() => this.model.acceptListObjectSearch(this.path, toggle));
  }

  /** End the search, selecting nothing. */
  async abortSearch() {
    await this.listOnly('abortSearch');
    await this.model.abortListObjectSearch(this.path);
    await this.settled();
  }

  // -- properties ----------------------------------------------------------------------

  /** @returns {Promise<object>} the object's properties */
  getProperties() {
    return this.model.getProperties();
  }

  /**
   * Replace the object's properties; the object repaints with its new layout.
   * @param {object} properties
   */
  async setProperties(properties) {
    await this.model.setProperties(properties);
    await this.settled();
  }
}

/**
 * The Backend API of an enigma.js generic object, with its first layout fetched.
 * @param {any} model an enigma.js GenericObject
 * @param {BackendApiOptions} [options]
 * @returns {Promise<BackendApi>}
 */
export async function createBackendApi(model, options) {
  const api = new BackendApi(model, options);
  api.painting = api.paint();
  await api.settled();
  return api;
}
