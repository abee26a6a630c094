// Pure: two revisions' pipeline results side by side, and their text, markdown and JSON forms.
import type { BuildSummary, PipelineResult, RevisionResults } from './results';

export type PipelineChange = 'modified' | 'unchanged' | 'added' | 'removed';

export interface MetricChange {
  name: string;
  base: number | null;
  head: number | null;
  /** head - base; null when either side lacks the metric. */
  change: number | null;
}

export interface ParamChange {
  name: string;
  base: string | null;
  head: string | null;
}

export interface PipelineDiff {
  name: string;
  status: PipelineChange;
  metrics: MetricChange[];
  /** Only the params that differ. */
  params: ParamChange[];
  /** Why a side's params are unknown, if they are. */
  notes: string[];
}

export interface RevisionRef {
  rev: string;
  sha: string | null;
  build: BuildSummary;
}

export interface MetricsDiff {
  base: RevisionRef;
  head: RevisionRef;
  pipelines: PipelineDiff[];
}

function ref(r: RevisionResults): RevisionRef {
  return { rev: r.rev, sha: r.sha, build: r.build };
}

export function diffResults(base: RevisionResults, head: RevisionResults): MetricsDiff {
  const b = new Map(base.pipelines.map((p) => [p.name, p]));
  const h = new Map(head.pipelines.map((p) => [p.name, p]));
  const names = [...new Set([...b.keys(), ...h.keys()])].sort();
  return {
    base: ref(base),
    head: ref(head),
    pipelines: names.map((name) => diffPipeline(name, b.get(name), h.get(name))),
  };
}

function diffPipeline(name: string, base?: PipelineResult, head?: PipelineResult): PipelineDiff {
  const metricNames = [
    ...new Set([...Object.keys(base?.metrics ?? {}), ...Object.keys(head?.metrics ?? {})]),
  ];
  const metrics = metricNames.map((m) => {
    const bv = base?.metrics[m] ?? null;
    const hv = head?.metrics[m] ?? null;
    return { name: m, base: bv, head: hv, change: bv !== null && hv !== null ? hv - bv : null };
  });
  const paramNames = [
    ...new Set([...Object.keys(base?.params ?? {}), ...Object.keys(head?.params ?? {})]),
  ].sort();
  const params = paramNames
    .map((p) => ({ name: p, base: base?.params[p] ?? null, head: head?.params[p] ?? null }))
    .filter((p) => !(base && head) || p.base !== p.head);
  const notes = [
    ...(base?.paramsError ? [`base params unknown: ${base.paramsError}`] : []),
    ...(head?.paramsError ? [`head params unknown: ${head.paramsError}`] : []),
  ];
  const status: PipelineChange = !base
    ? 'added'
    : !head
      ? 'removed'
      : metrics.some((m) => m.base !== m.head) || params.length > 0
        ? 'modified'
        : 'unchanged';
  return { name, status, metrics, params, notes };
}

export function revisionLabel(r: { rev: string; sha: string | null }): string {
  return r.sha ? `${r.rev} (${r.sha.slice(0, 7)})` : r.rev;
}

/** Metric values with 4 decimals, as `cellar runs` shows them; counts as integers. */
export function formatValue(v: number | null): string {
  if (v === null) return '—';
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}

export function formatChange(v: number | null): string {
  if (v === null) return '—';
  if (v === 0) return '0';
  const s = Number.isInteger(v) ? String(Math.abs(v)) : Math.abs(v).toFixed(4);
  return `${v > 0 ? '+' : '-'}${s}`;
}

function shown(d: MetricsDiff, all: boolean): PipelineDiff[] {
  return d.pipelines.filter((p) => all || p.status !== 'unchanged');
}

function buildLine(label: string, b: BuildSummary): string {
  return `${label}: ${b.tasks} cached tasks, ${b.localCache.length} from the local cache, ${b.remoteCache.length} from the remote cache, ${b.computed.length} computed${b.computed.length ? ` (${b.computed.join(', ')})` : ''}`;
}

/** Plain text for the terminal: one table per changed pipeline. */
export function formatDiffText(d: MetricsDiff, all = false): string {
  const lines: string[] = [`base ${revisionLabel(d.base)} -> head ${revisionLabel(d.head)}`];
  const rows = shown(d, all);
  if (rows.length === 0) lines.push('', 'no metric or param changed');
  for (const p of rows) {
    lines.push('', `${p.name} (${p.status})`);
    const table: string[][] = [['metric', 'base', 'head', 'change']];
    for (const m of p.metrics) {
      if (!all && p.status === 'modified' && m.base === m.head) continue;
      table.push([m.name, formatValue(m.base), formatValue(m.head), formatChange(m.change)]);
    }
    if (table.length > 1) lines.push(...alignRows(table).map((l) => `  ${l}`));
    if (p.params.length > 0) {
      lines.push('  changed params:');
      for (const c of p.params) lines.push(`    ${c.name}: ${c.base ?? '—'} -> ${c.head ?? '—'}`);
    }
    for (const n of p.notes) lines.push(`  note: ${n}`);
  }
  lines.push('', buildLine('base', d.base.build), buildLine('head', d.head.build));
  return `${lines.join('\n')}\n`;
}

function alignRows(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** One markdown table over every shown pipeline's metrics, then the changed params. */
export function formatDiffMarkdown(d: MetricsDiff, all = false): string {
  const rows = shown(d, all);
  const out: string[] = [];
  if (rows.length === 0) {
    out.push('No metric or param changed.');
    return `${out.join('\n')}\n`;
  }
  out.push(
    `| pipeline | status | metric | ${mdEscape(revisionLabel(d.base))} | ${mdEscape(revisionLabel(d.head))} | change |`,
    '| --- | --- | --- | ---: | ---: | ---: |',
  );
  for (const p of rows) {
    for (const m of p.metrics) {
      if (!all && p.status === 'modified' && m.base === m.head) continue;
      out.push(
        `| ${p.name} | ${p.status} | ${m.name} | ${formatValue(m.base)} | ${formatValue(m.head)} | ${formatChange(m.change)} |`,
      );
    }
  }
  const withParams = rows.filter((p) => p.params.length > 0);
  if (withParams.length > 0) {
    out.push('', '**Changed params**', '', '| pipeline | param | base | head |', '| --- | --- | --- | --- |');
    for (const p of withParams) {
      for (const c of p.params) {
        out.push(
          `| ${p.name} | \`${mdEscape(c.name)}\` | ${mdEscape(c.base ?? '—')} | ${mdEscape(c.head ?? '—')} |`,
        );
      }
    }
  }
  const notes = rows.flatMap((p) => p.notes.map((n) => `- ${p.name}: ${mdEscape(n)}`));
  if (notes.length > 0) out.push('', ...notes);
  return `${out.join('\n')}\n`;
}

export function formatDiffJson(d: MetricsDiff, all = false): string {
  return `${JSON.stringify({ ...d, pipelines: shown(d, all) }, null, 2)}\n`;
}
