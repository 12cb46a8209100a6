// A tiny raster line plotter (log-scale axes, legend, bitmap-font labels) writing PNG, no dependencies.
import { drawText, textWidth } from './font.ts';
import { Canvas, type RGB } from './png.ts';

export { Canvas, crc32, encodePng, PNG_SIGNATURE, type RGB } from './png.ts';

/** One line of a chart: points (x, y); y null = not measured (the line breaks there). */
export interface Series {
  name: string;
  color: RGB;
  points: [number, number | null][];
}

/** One panel: title, axis labels, series; both axes log10. */
export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Formats a tick value; default: `formatTick`. */
  format?: (v: number) => string;
}

/** Distinct colours for up to 8 series. */
export const PALETTE: RGB[] = [
  [214, 39, 40],
  [31, 119, 180],
  [44, 160, 44],
  [255, 127, 14],
  [148, 103, 189],
  [140, 86, 75],
  [23, 190, 207],
  [127, 127, 127],
];

const BLACK: RGB = [0, 0, 0];
const GRID: RGB = [225, 225, 225];

/** 1000 -> "1K", 1e6 -> "1M", 0.5 -> "0.5". */
export function formatTick(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)}K`;
  return `${+v.toPrecision(3)}`;
}

function decades(values: number[]): [number, number] {
  const pos = values.filter((v) => v > 0);
  if (pos.length === 0) return [0, 1];
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const hi = Math.ceil(Math.log10(Math.max(...pos)));
  return [lo, hi === lo ? lo + 1 : hi];
}

/** Draws one panel into the box (x, y, w, h) of `cv`. */
export function drawPanel(cv: Canvas, panel: Panel, x: number, y: number, w: number, h: number): void {
  const fmt = panel.format ?? formatTick;
  const left = x + 70;
  const top = y + 34;
  const right = x + w - 16;
  const bottom = y + h - 52;
  const xs = panel.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = panel.series.flatMap((s) => s.points.flatMap((p) => (p[1] === null ? [] : [p[1]])));
  const [x0, x1] = decades(xs);
  const [y0, y1] = decades(ys);
  const px = (v: number) => left + ((Math.log10(v) - x0) / (x1 - x0)) * (right - left);
  const py = (v: number) => bottom - ((Math.log10(v) - y0) / (y1 - y0)) * (bottom - top);
  drawText(cv, x + (w - textWidth(panel.title, 2)) / 2, y + 6, panel.title, BLACK, 2);
  for (let d = x0; d <= x1; d++) {
    const gx = px(10 ** d);
    cv.line(gx, top, gx, bottom, GRID);
    const label = fmt(10 ** d);
    drawText(cv, gx - textWidth(label, 1) / 2, bottom + 6, label, BLACK, 1);
  }
  for (let d = y0; d <= y1; d++) {
    const gy = py(10 ** d);
    cv.line(left, gy, right, gy, GRID);
    const label = fmt(10 ** d);
    drawText(cv, left - 6 - textWidth(label, 1), gy - 3, label, BLACK, 1);
  }
  cv.line(left, top, left, bottom, BLACK);
  cv.line(left, bottom, right, bottom, BLACK);
  drawText(cv, (left + right - textWidth(panel.xLabel, 1)) / 2, bottom + 20, panel.xLabel, BLACK, 1);
  drawText(cv, x + 4, top - 14, panel.yLabel, BLACK, 1);
  for (const s of panel.series) {
    let prev: [number, number] | null = null;
    for (const [vx, vy] of s.points) {
      if (vy === null || vy <= 0 || vx <= 0) {
        prev = null;
        continue;
      }
      const p: [number, number] = [px(vx), py(vy)];
      if (prev !== null) cv.line(prev[0], prev[1], p[0], p[1], s.color, 2);
      cv.fill(p[0] - 3, p[1] - 3, 7, 7, s.color);
      prev = p;
    }
  }
  // legend under the x axis label, in rows
  let lx = left;
  let ly = bottom + 34;
  for (const s of panel.series) {
    const wItem = 18 + textWidth(s.name, 1) + 14;
    if (lx + wItem > right) {
      lx = left;
      ly += 11;
    }
    cv.fill(lx, ly + 1, 12, 5, s.color);
    drawText(cv, lx + 16, ly, s.name, BLACK, 1);
    lx += wItem;
  }
}

/** Renders panels side by side (each `panelWidth` x `height`) into one PNG. */
export function plotPanels(panels: Panel[], panelWidth = 520, height = 440): Buffer {
  const cv = new Canvas(panelWidth * panels.length, height);
  panels.forEach((p, i) => {
    drawPanel(cv, p, i * panelWidth, 0, panelWidth, height);
  });
  return cv.toPng();
}
