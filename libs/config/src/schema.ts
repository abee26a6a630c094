import { z } from 'zod';
import { fraction, seed, text } from './checks';
import { ConfigError } from './config-error';
import { describeIssue, type IssueLike } from './describe-issue';
import { modelKeys, modelSchema, type ModelSpec } from './models/registry';
import type { Provenance } from './provenance';
import { getPath, type Tree } from './tree';

export interface CellarConfig {
  data: { path: string; pointer: string };
  train: {
    testSize: number;
    randomState: number;
    targetColumn: string;
    featureColumns: string[];
    excludeColumns: string[];
  };
  model: ModelSpec;
  tracking: { experiment: string };
  notify: { webhookUrl: string | null };
}

const trainSchema = z
  .strictObject(
    {
      test_size: fraction('must be a number in (0, 1)', false),
      random_state: seed,
      target_column: text,
      feature_columns: z
        .array(z.string({ error: 'must be a string' }), { error: 'must be a list of column names' })
        .min(1, { error: 'must list at least one column' }),
      exclude_columns: z.array(z.string({ error: 'must be a string' }), {
        error: 'must be a list of column names',
      }),
    },
    { error: 'must be a map' },
  )
  .superRefine((train, ctx) => {
    const seen = new Set<string>();
    train.feature_columns.forEach((col, i) => {
      if (seen.has(col))
        ctx.addIssue({
          code: 'custom',
          path: ['feature_columns', i],
          message: `repeats column '${col}' (list each column once)`,
          params: { plain: true },
        });
      seen.add(col);
      if (col === train.target_column)
        ctx.addIssue({
          code: 'custom',
          path: ['feature_columns', i],
          message: `is the target column '${col}' (remove it from the features)`,
          params: { plain: true },
        });
    });
    train.exclude_columns.forEach((col, i) => {
      if (seen.has(col))
        ctx.addIssue({
          code: 'custom',
          path: ['exclude_columns', i],
          message: `'${col}' is also in train.feature_columns (keep it in only one list)`,
          params: { plain: true },
        });
    });
  });

const configSchema = z.object(
  {
    data: z.strictObject({ path: text, pointer: text }, { error: 'must be a map' }),
    train: trainSchema,
    model: modelSchema,
    tracking: z.strictObject({ experiment: text }, { error: 'must be a map' }),
    notify: z.strictObject(
      {
        webhook_url: z.custom<string | null>(
          (v) => v === null || (typeof v === 'string' && /^https?:\/\/\S+$/.test(v)),
          {
            error: 'must be null or an http(s) URL',
          },
        ),
      },
      { error: 'must be a map' },
    ),
  },
  { error: 'must be a map' },
);

type ParsedConfig = z.output<typeof configSchema>;

function sectionKeys(path: string[], resolved: Tree): string[] {
  if (path[0] === 'model' && path.length === 1) return modelKeys(getPath(resolved, ['model', 'type']));
  const section = configSchema.shape[path[0] as keyof typeof configSchema.shape];
  if (section && 'shape' in section) return Object.keys(section.shape as object);
  if (path[0] === 'train') return Object.keys(trainSchema.shape);
  return [];
}

/** Validates the resolved snake_case tree and converts it to the camelCase CellarConfig. */
export function validateConfig(
  resolved: Tree,
  prov: Provenance,
  fallbackSource: (path: string[]) => string,
): CellarConfig {
  const result = configSchema.safeParse(resolved);
  if (!result.success) {
    const issues = result.error.issues as IssueLike[];
    const first = describeIssue(issues[0], resolved, { keysOf: (path) => sectionKeys(path, resolved) });
    const file = prov.sourceOf(first.path) ?? fallbackSource(first.path);
    const more =
      issues.length > 1 ? ` [+${issues.length - 1} more problem${issues.length > 2 ? 's' : ''}]` : '';
    throw new ConfigError(first.code, `${file}: ${first.message}${more}`, {
      file,
      key: first.path.join('.'),
    });
  }
  return toCellarConfig(result.data);
}

function toCellarConfig(c: ParsedConfig): CellarConfig {
  return {
    data: { path: c.data.path, pointer: c.data.pointer },
    train: {
      testSize: c.train.test_size,
      randomState: c.train.random_state,
      targetColumn: c.train.target_column,
      featureColumns: [...c.train.feature_columns],
      excludeColumns: [...c.train.exclude_columns],
    },
    model: c.model,
    tracking: { experiment: c.tracking.experiment },
    notify: { webhookUrl: c.notify.webhook_url },
  };
}
