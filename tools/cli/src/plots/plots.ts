// Pure: which plots a revision (or a pair of revisions) gets, as SVG documents with file names.
import { renderConfusionMatrixSvg } from '@cellar/modeling';
import { revisionLabel } from '../metrics/diff';
import type { PipelineResult, RevisionResults, SweepResult } from '../metrics/results';
import { barChart, escapeXml, lineChart, sideBySide } from './svg';

export interface PlotFile {
  /** File name inside the plots folder. */
  file: string;
  title: string;
  svg: string;
}

/** Metrics shown in bar charts: the scores, not the row counts. */
const SCORE_METRICS = ['accuracy', 'f1_macro', 'f1_weighted'];

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

function confusion(p: PipelineResult | undefined, title: string): string | null {
  return p?.confusion ? renderConfusionMatrixSvg(p.confusion, { title }) : null;
}

/** One revision: each pipeline's confusion matrix, the pipelines' scores, and every sweep's curves. */
export function revisionPlots(r: RevisionResults, metric = 'accuracy'): PlotFile[] {
  const plots: PlotFile[] = [];
  const scored = r.pipelines.filter((p) => Object.keys(p.metrics).length > 0);
  if (scored.length > 0) {
    const metrics = SCORE_METRICS.filter((m) => scored.some((p) => m in p.metrics));
    plots.push({
      file: 'metrics.svg',
      title: `Pipeline scores at ${revisionLabel(r)}`,
      svg: barChart({
        title: `Pipeline scores at ${revisionLabel(r)}`,
        yLabel: 'score',
        series: metrics,
        groups: scored.map((p) => ({ label: p.name, values: metrics.map((m) => p.metrics[m] ?? null) })),
      }),
    });
  }
  for (const p of r.pipelines) {
    const svg = confusion(p, `${p.name}: confusion matrix`);
    if (svg) plots.push({ file: `${slug(p.name)}-confusion.svg`, title: `${p.name}: confusion matrix`, svg });
  }
  for (const s of r.sweeps) plots.push(...sweepPlots(s, metric));
  return plots;
}

/** Base and head: scores per pipeline for each revision, and confusion matrices side by side. */
export function diffPlots(base: RevisionResults, head: RevisionResults, changed?: Set<string>): PlotFile[] {
  const plots: PlotFile[] = [];
  const names = [...new Set([...base.pipelines, ...head.pipelines].map((p) => p.name))].sort();
  const b = new Map(base.pipelines.map((p) => [p.name, p]));
  const h = new Map(head.pipelines.map((p) => [p.name, p]));
  const series = [revisionLabel(base), revisionLabel(head)];
  for (const m of SCORE_METRICS) {
    const groups = names.map((n) => ({
      label: n,
      values: [b.get(n)?.metrics[m] ?? null, h.get(n)?.metrics[m] ?? null],
    }));
    if (groups.every((g) => g.values.every((v) => v === null))) continue;
    const title = `${m}: base vs head`;
    plots.push({ file: `diff-${slug(m)}.svg`, title, svg: barChart({ title, yLabel: m, series, groups }) });
  }
  for (const n of names.filter((x) => !changed || changed.has(x))) {
    const title = `${n}: confusion matrix, base vs head`;
    plots.push({
      file: `diff-${slug(n)}-confusion.svg`,
      title,
      svg: sideBySide(title, [
        { caption: `base ${series[0]}`, svg: confusion(b.get(n), n) },
        { caption: `head ${series[1]}`, svg: confusion(h.get(n), n) },
      ]),
    });
  }
  return plots;
}

function sortValues(values: string[]): string[] {
  const num = (v: string) => (v === 'null' ? Number.POSITIVE_INFINITY : Number(v));
  return values.every((v) => v === 'null' || Number.isFinite(Number(v)))
    ? [...values].sort((a, c) => num(a) - num(c))
    : [...values].sort();
}

/**
 * For each model of the sweep and each param it varies: the metric against that param, one line per
 * combination of the model's other params. Points without results are gaps.
 */
export function sweepPlots(sweep: SweepResult, metric = 'accuracy'): PlotFile[] {
  const plots: PlotFile[] = [];
  const models = [...new Set(sweep.points.map((p) => p.model))];
  for (const model of models) {
    const points = sweep.points.filter((p) => p.model === model);
    const keys = [...new Set(points.flatMap((p) => Object.keys(p.params)))].sort();
    for (const key of keys) {
      const xs = sortValues([...new Set(points.map((p) => p.params[key] ?? 'null'))]);
      if (xs.length < 2) continue;
      const others = keys.filter((k) => k !== key);
      const label = (p: (typeof points)[number]) =>
        others.map((k) => `${k}=${p.params[k] ?? 'null'}`).join(', ') || model;
      const labels = [...new Set(points.map(label))].sort();
      const series = labels.map((l) => ({
        label: l,
        values: xs.map((x) => {
          const pt = points.find((p) => label(p) === l && (p.params[key] ?? 'null') === x);
          return pt?.metrics?.[metric] ?? null;
        }),
      }));
      if (series.every((s) => s.values.every((v) => v === null))) continue;
      const title = `${sweep.name}: ${metric} against ${key} (${model})`;
      plots.push({
        file: `sweep-${slug(sweep.name)}-${slug(model)}-${slug(key)}.svg`,
        title,
        svg: lineChart({ title, xLabel: key, yLabel: metric, x: xs, series }),
      });
    }
  }
  return plots;
}

/** A page embedding every plot inline: opens offline, from a CI artifact or a file:// URL. */
export function plotsHtml(title: string, plots: PlotFile[]): string {
  const body = plots
    .map(
      (p) =>
        `<section id="${escapeXml(p.file)}">\n<h2>${escapeXml(p.title)}</h2>\n${p.svg.trim()}\n<p><a href="${escapeXml(p.file)}">${escapeXml(p.file)}</a></p>\n</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(title)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}section{margin-bottom:2.5em}svg{max-width:100%;height:auto}</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
${body || '<p>No plots: no pipeline has results.</p>'}
</body>
</html>
`;
}
