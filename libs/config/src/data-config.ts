import { z } from 'zod';
import { fraction, seed, text } from './checks';

// The `data` config group: configs/data/<name>.yaml holds one data set (file, pointer, columns, split),
// composed under the `data:` key with `data.name` set to <name>, as Hydra composes a config group.

export const DATA_DELIMITERS = ['auto', ',', ';', '\t', '|'] as const;
export type DataDelimiter = (typeof DATA_DELIMITERS)[number];
export const MISSING_POLICIES = ['error', 'drop'] as const;
export type MissingPolicy = (typeof MISSING_POLICIES)[number];
export const SPLIT_METHODS = ['stratified', 'sklearn', 'group', 'time'] as const;
export type SplitMethod = (typeof SPLIT_METHODS)[number];
/** Split methods that split by a column's values and so need `split.column`. */
const COLUMN_METHODS: readonly SplitMethod[] = ['group', 'time'];

export interface DataSpec {
  /** The group name: the file name of configs/data/<name>.yaml. */
  name: string;
  path: string;
  pointer: string;
  /** The tracking experiment when the config sets none (default: the data set's name). */
  experiment?: string;
  format: { delimiter: DataDelimiter; missing: MissingPolicy };
  target: string;
  /** null: every numeric column but the target and `exclude`. */
  features: string[] | null;
  exclude: string[];
  /** Names shown for numeric class labels, keyed by the label as written (`{3: poor}`); null: none. */
  labels: Record<string, string> | null;
  split: { method: SplitMethod; testSize: number; randomState: number; column: string | null };
}

const columns = z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of column names' });
const oneOf = (values: readonly string[]) =>
  `must be one of ${values.map((v) => (/^[A-Za-z]/.test(v) ? v : JSON.stringify(v))).join(', ')}`;

export const dataSchema = z
  .strictObject(
    {
      name: text,
      path: text,
      pointer: text,
      experiment: text.optional(),
      format: z
        .strictObject(
          {
            delimiter: z.enum(DATA_DELIMITERS, { error: oneOf(DATA_DELIMITERS) }).optional(),
            missing: z.enum(MISSING_POLICIES, { error: oneOf(MISSING_POLICIES) }).optional(),
          },
          { error: 'must be a map' },
        )
        .nullable()
        .optional(),
      target: text,
      features: columns
        .min(1, { error: 'must list at least one column (or null for all numeric columns)' })
        .nullable()
        .optional(),
      exclude: columns.nullable().optional(),
      labels: z
        .record(z.string(), text, { error: 'must be null or a map from class label to name' })
        .nullable()
        .optional(),
      split: z.strictObject(
        {
          method: z.enum(SPLIT_METHODS, { error: oneOf(SPLIT_METHODS) }),
          test_size: fraction('must be a number in (0, 1)', false),
          random_state: seed,
          column: text.nullable().optional(),
        },
        { error: 'must be a map' },
      ),
    },
    { error: 'must be a map' },
  )
  .superRefine((d, ctx) => {
    const plain = { plain: true };
    const seen = new Set<string>();
    (d.features ?? []).forEach((col, i) => {
      if (seen.has(col))
        ctx.addIssue({
          code: 'custom',
          path: ['features', i],
          message: `repeats column '${col}' (list each column once)`,
          params: plain,
        });
      seen.add(col);
      if (col === d.target)
        ctx.addIssue({
          code: 'custom',
          path: ['features', i],
          message: `is the target column '${col}' (remove it from the features)`,
          params: plain,
        });
    });
    (d.exclude ?? []).forEach((col, i) => {
      if (seen.has(col))
        ctx.addIssue({
          code: 'custom',
          path: ['exclude', i],
          message: `'${col}' is also in data.features (keep it in only one list)`,
          params: plain,
        });
    });
    if (COLUMN_METHODS.includes(d.split.method) && !d.split.column)
      ctx.addIssue({
        code: 'custom',
        path: ['split', 'column'],
        message: `is required for method '${d.split.method}' (the column whose values ${d.split.method === 'group' ? 'group rows' : 'order rows in time'})`,
        params: { ...plain, evenIfMissing: true },
      });
  });

export function toDataSpec(d: z.output<typeof dataSchema>): DataSpec {
  const spec: DataSpec = {
    name: d.name,
    path: d.path,
    pointer: d.pointer,
    format: { delimiter: d.format?.delimiter ?? 'auto', missing: d.format?.missing ?? 'error' },
    target: d.target,
    features: d.features ? [...d.features] : null,
    exclude: [...(d.exclude ?? [])],
    labels: d.labels ? { ...d.labels } : null,
    split: {
      method: d.split.method,
      testSize: d.split.test_size,
      randomState: d.split.random_state,
      column: d.split.column ?? null,
    },
  };
  if (d.experiment !== undefined) spec.experiment = d.experiment;
  return spec;
}

export { assertDataName, dataConfigFile, listDatasets, selectDataset } from './config-files';
