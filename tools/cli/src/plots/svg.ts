// Small self-contained SVG charts, written by hand like @cellar/modeling's confusion matrix: no
// scripts, fonts, CSS or network, so a reviewer's browser, an image viewer or a CI artifact shows them.

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Colour-blind-safe palette (Okabe-Ito). */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
];

const FONT = 'font-family="sans-serif" font-size="12"';

function open(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
}

/** Room for a 15px bold title (about 8.6px a character in a sans-serif font). */
function titleWidth(title: string): number {
  return Math.ceil(title.length * 8.6) + 40;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 3 : 1);
}

/** [lo, hi] padded a little and rounded, with ~5 ticks; a flat range still gets a visible span. */
export function niceRange(values: number[]): { lo: number; hi: number; ticks: number[] } {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!Number.isFinite(lo)) return { lo: 0, hi: 1, ticks: [0, 0.25, 0.5, 0.75, 1] };
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) * 0.05 || 0.05;
    lo -= pad;
    hi += pad;
  }
  const rawStep = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(rawStep));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= rawStep) ?? 10 * mag;
  lo = Number((Math.floor(lo / step) * step).toPrecision(12));
  hi = Number((Math.ceil(hi / step) * step).toPrecision(12));
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { lo, hi, ticks };
}

function yAxis(
  parts: string[],
  x0: number,
  y0: number,
  h: number,
  w: number,
  range: ReturnType<typeof niceRange>,
  label: string,
): (v: number) => number {
  const y = (v: number) => y0 + h - ((v - range.lo) / (range.hi - range.lo)) * h;
  for (const t of range.ticks) {
    parts.push(
      `<line x1="${x0}" x2="${x0 + w}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>`,
    );
    parts.push(`<text x="${x0 - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${String(t)}</text>`);
  }
  parts.push(`<line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y0 + h}" stroke="#333"/>`);
  parts.push(`<line x1="${x0}" x2="${x0 + w}" y1="${y0 + h}" y2="${y0 + h}" stroke="#333"/>`);
  parts.push(
    `<text transform="translate(16 ${y0 + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(label)}</text>`,
  );
  return y;
}

function legend(parts: string[], x: number, y: number, labels: string[]): void {
  labels.forEach((l, i) => {
    parts.push(
      `<rect x="${x}" y="${y + i * 18 - 10}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/>`,
    );
    parts.push(`<text x="${x + 18}" y="${y + i * 18}">${escapeXml(l)}</text>`);
  });
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Categorical x positions, in order (param values as written in the sweep). */
  x: string[];
  series: Array<{ label: string; values: Array<number | null> }>;
}

/** Metric against a param: one line per series, a marker and its value at every point. */
export function lineChart(spec: LineChartSpec): string {
  const legendWidth = Math.max(0, ...spec.series.map((s) => s.label.length)) * 7 + 40;
  const plotW = Math.max(240, spec.x.length * 90);
  const plotH = 240;
  const x0 = 70;
  const y0 = 44;
  const width = Math.max(x0 + plotW + 20 + legendWidth, titleWidth(spec.title));
  const height = y0 + plotH + 56;
  const parts = open(width, height, spec.title);
  const all = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const y = yAxis(parts, x0, y0, plotH, plotW, niceRange(all), spec.yLabel);
  const step = plotW / spec.x.length;
  const x = (i: number) => x0 + step * (i + 0.5);
  spec.x.forEach((v, i) => {
    parts.push(
      `<text x="${x(i).toFixed(1)}" y="${y0 + plotH + 18}" text-anchor="middle">${escapeXml(v)}</text>`,
    );
  });
  parts.push(
    `<text x="${x0 + plotW / 2}" y="${y0 + plotH + 42}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
  );
  spec.series.forEach((s, si) => {
    const colour = PALETTE[si % PALETTE.length];
    const pts = s.values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`));
    const segments: string[][] = [[]];
    for (const p of pts) {
      if (p === null) segments.push([]);
      else segments[segments.length - 1].push(p);
    }
    for (const seg of segments.filter((g) => g.length > 1)) {
      parts.push(`<polyline points="${seg.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    }
    s.values.forEach((v, i) => {
      if (v === null) return;
      parts.push(
        `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4" fill="${colour}"><title>${escapeXml(`${s.label} ${spec.x[i]}: ${fmt(v)}`)}</title></circle>`,
      );
    });
  });
  legend(
    parts,
    x0 + plotW + 20,
    y0 + 10,
    spec.series.map((s) => s.label),
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export interface BarChartSpec {
  title: string;
  yLabel: string;
  /** One group per category (pipeline), one bar per series (revision) inside it. */
  groups: Array<{ label: string; values: Array<number | null> }>;
  series: string[];
}

/** Grouped bars with their values printed on top. */
export function barChart(spec: BarChartSpec): string {
  const legendWidth = Math.max(0, ...spec.series.map((s) => s.length)) * 7 + 40;
  const barW = 40;
  const longest = Math.max(0, ...spec.groups.map((g) => g.label.length));
  const groupW = Math.max(spec.series.length * barW + 40, longest * 7 + 24);
  const plotW = Math.max(240, spec.groups.length * groupW);
  const plotH = 240;
  const x0 = 70;
  const y0 = 44;
  const width = Math.max(x0 + plotW + 20 + legendWidth, titleWidth(spec.title));
  const height = y0 + plotH + 40;
  const parts = open(width, height, spec.title);
  const all = spec.groups.flatMap((g) => g.values.filter((v): v is number => v !== null));
  // Bars start at 0: a truncated axis would exaggerate a small change; the values are printed on top.
  const range = niceRange([0, ...all]);
  const y = yAxis(parts, x0, y0, plotH, plotW, range, spec.yLabel);
  const gw = plotW / Math.max(1, spec.groups.length);
  spec.groups.forEach((g, gi) => {
    const gx = x0 + gi * gw + (gw - spec.series.length * barW) / 2;
    g.values.forEach((v, si) => {
      if (v === null) return;
      const top = y(v);
      const base = y(range.lo);
      parts.push(
        `<rect x="${(gx + si * barW).toFixed(1)}" y="${top.toFixed(1)}" width="${barW - 4}" height="${Math.max(0, base - top).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeXml(`${g.label} ${spec.series[si]}: ${fmt(v)}`)}</title></rect>`,
      );
      parts.push(
        `<text x="${(gx + si * barW + (barW - 4) / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10">${fmt(v)}</text>`,
      );
    });
    parts.push(
      `<text x="${(x0 + gi * gw + gw / 2).toFixed(1)}" y="${y0 + plotH + 18}" text-anchor="middle">${escapeXml(g.label)}</text>`,
    );
  });
  legend(parts, x0 + plotW + 20, y0 + 10, spec.series);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"/.exec(svg);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 400, height: 300 };
}

/** Two or more SVG documents side by side under one title, each with its caption (base | head). */
export function sideBySide(title: string, panels: Array<{ caption: string; svg: string | null }>): string {
  const sizes = panels.map((p) => (p.svg ? svgSize(p.svg) : { width: 260, height: 120 }));
  const gap = 24;
  const top = 60;
  const width = Math.max(
    sizes.reduce((a, s) => a + s.width, 0) + gap * (panels.length + 1),
    titleWidth(title),
  );
  const height = top + Math.max(...sizes.map((s) => s.height)) + gap;
  const parts = open(width, height, title);
  let x = gap;
  panels.forEach((p, i) => {
    const s = sizes[i];
    parts.push(
      `<text x="${x + s.width / 2}" y="48" text-anchor="middle" font-weight="bold">${escapeXml(p.caption)}</text>`,
    );
    if (p.svg) {
      // A nested <svg> keeps the panel's own viewBox; its XML declaration (if any) must go.
      parts.push(
        p.svg
          .replace(/^<\?xml[^>]*>\s*/, '')
          .replace(/<svg\b/, `<svg x="${x}" y="${top}"`)
          .trimEnd(),
      );
    } else {
      parts.push(
        `<text x="${x + s.width / 2}" y="${top + s.height / 2}" text-anchor="middle" fill="#888">not in this revision</text>`,
      );
    }
    x += s.width + gap;
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
