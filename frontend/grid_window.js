// Where each row and group header of a long grid sits, and which of them are
// in (or near) view: the grid's windowing (view/grid.js), so that a step of
// 100,000 images keeps only a few dozen row elements. Every row has one fixed
// height and every group header another; the grid's body is as tall as all
// of them together. No DOM: runs under Node's test runner (grid_window.test.mjs).

/** Grids with more rows shown than this are windowed; shorter ones lay out every row. */
const WINDOW_FROM = 200;

/** Rows laid out beyond each edge of the view, so that a scroll finds them drawn. */
const OVERSCAN = 4;

/**
 * The layout of `count` rows in groups.
 * @param {{count:number, groups:{start:number}[], rowHeight:number, headerHeight:number}} opts
 *   groups: where each group starts among the rows, ascending (none: one run of rows without headers).
 * @returns {{height:number, rowTop:(r:number) => number, headerTop:(g:number) => number,
 *   visible:(top:number, bottom:number, overscan?:number) => {headers:number[], first:number, last:number}}}
 *   visible: the headers and the rows [first, last) that overlap [top, bottom), with `overscan` rows more each side.
 */
function gridLayout({ count, groups, rowHeight, headerHeight }) {
  const starts = groups.map((g) => g.start);
  const h = starts.length ? headerHeight : 0;
  // The group of row r: the last group starting at or before it.
  const groupOf = (r) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= r) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const headerTop = (g) => g * headerHeight + starts[g] * rowHeight;
  const rowTop = (r) => (starts.length ? (groupOf(r) + 1) * h : 0) + r * rowHeight;
  const height = starts.length * h + count * rowHeight;
  // The row at height y (clamped to the rows).
  const rowAt = (y) => {
    if (!starts.length) return Math.min(count - 1, Math.max(0, Math.floor(y / rowHeight)));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (headerTop(mid) <= y) lo = mid;
      else hi = mid - 1;
    }
    const r = starts[lo] + Math.floor((y - headerTop(lo) - h) / rowHeight);
    const end = lo + 1 < starts.length ? starts[lo + 1] - 1 : count - 1;
    return Math.min(end, Math.max(starts[lo], r));
  };
  const visible = (top, bottom, overscan = OVERSCAN) => {
    if (count === 0) return { headers: [], first: 0, last: 0 };
    const first = Math.max(0, rowAt(top) - overscan);
    const last = Math.min(count, rowAt(Math.max(top, bottom - 1)) + 1 + overscan);
    const headers = [];
    for (let g = 0; g < starts.length; g++) {
      const end = g + 1 < starts.length ? starts[g + 1] : count;
      if (end > first && starts[g] < last) headers.push(g);
    }
    return { headers, first, last };
  };
  return { height, rowTop, headerTop, visible };
}

export { WINDOW_FROM, OVERSCAN, gridLayout };
