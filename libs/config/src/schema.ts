import { z } from 'zod';
import { ConfigError } from './config-error';
import type { Provenance } from './provenance';
import { formatValue, getPath, hasPath, type Tree } from './tree';

export const MODEL_TYPES = ['logreg', 'random_forest', 'gradient_boosting'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

export type ModelConfig =
  | { type: 'logreg'; C: number; maxIter: number; tol: number }
  | {
      type: 'random_forest';
      nEstimators: number;
      maxDepth: number | null;
      maxFeatures: 'sqrt' | 'log2' | number | null;
      minSamplesSplit: number;
      randomState: number;
    }
  | {
      type: 'gradient_boosting';
      learningRate: number;
      nEstimators: number;
      maxDepth: number;
      subsample: number;
      randomState: number;
    };

export interface CellarConfig {
  data: { path: string; pointer: string };
  train: {
    testSize: number;
    randomState: number;
    targetColumn: string;
    featureColumns: string[];
    excludeColumns: string[];
  };
  model: ModelConfig;
  tracking: { experiment: string };
  notify: { webhookUrl: string | null };
}

// Every check carries its own one-line message; the key path, source file and `(got ...)` are added when formatting.
function intAtLeast(min: number) {
  const error = `must be an integer >= ${min}`;
  return z.number({ error }).int({ error }).min(min, { error });
}
const anyInt = z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' });
const positive = z.number({ error: 'must be a number > 0' }).gt(0, { error: 'must be > 0' });
const text = z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' });
function fraction(error: string, closedTop: boolean) {
  const base = z.number({ error }).gt(0, { error });
  return closedTop ? base.max(1, { error }) : base.lt(1, { error });
}

const logregSchema = z.strictObject({
  type: z.literal('logreg'),
  C: positive,
  max_iter: intAtLeast(1),
  tol: positive,
});
const randomForestSchema = z.strictObject({
  type: z.literal('random_forest'),
  n_estimators: intAtLeast(1),
  max_depth: z.custom<number | null>((v) => v === null || (Number.isInteger(v) && (v as number) >= 1), {
    error: 'must be null or an integer >= 1',
  }),
  max_features: z.custom<'sqrt' | 'log2' | number | null>(
    (v) =>
      v === null ||
      v === 'sqrt' ||
      v === 'log2' ||
      (typeof v === 'number' && ((v > 0 && v <= 1) || (Number.isInteger(v) && v >= 1))),
    { error: "must be 'sqrt', 'log2', null, a fraction in (0, 1] or an integer >= 1" },
  ),
  min_samples_split: intAtLeast(2),
  random_state: anyInt,
});
const gradientBoostingSchema = z.strictObject({
  type: z.literal('gradient_boosting'),
  learning_rate: positive,
  n_estimators: intAtLeast(1),
  max_depth: intAtLeast(1),
  subsample: fraction('must be a number in (0, 1]', true),
  random_state: anyInt,
});
const modelSchema = z.discriminatedUnion('type', [logregSchema, randomForestSchema, gradientBoostingSchema], {
  error: 'must be a map',
});

const trainSchema = z
  .strictObject(
    {
      test_size: fraction('must be a number in (0, 1)', false),
      random_state: anyInt,
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

type ParsedConfig = z.infer<typeof configSchema>;

interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  note?: string;
  params?: Record<string, unknown>;
}

function sectionKeys(path: string[], resolved: Tree): string[] {
  if (path[0] === 'model' && path.length === 1) {
    const type = getPath(resolved, ['model', 'type']);
    const schema =
      type === 'logreg'
        ? logregSchema
        : type === 'random_forest'
          ? randomForestSchema
          : gradientBoostingSchema;
    return Object.keys(schema.shape);
  }
  const section = configSchema.shape[path[0] as keyof typeof configSchema.shape];
  if (section && 'shape' in section) return Object.keys(section.shape as object);
  if (path[0] === 'train') return Object.keys(trainSchema.shape);
  return [];
}

function describeIssue(
  issue: IssueLike,
  resolved: Tree,
): { path: string[]; message: string; code: 'INVALID_VALUE' | 'UNKNOWN_KEY' } {
  const path = issue.path.map(String);
  const key = path.join('.');
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    const bad = [...path, issue.keys[0]];
    const where = path[0] === 'model' ? `model type ${String(getPath(resolved, ['model', 'type']))}` : key;
    return {
      path: bad,
      code: 'UNKNOWN_KEY',
      message: `${bad.join('.')} is not a valid key for ${where} (valid: ${sectionKeys(path, resolved).join(', ')})`,
    };
  }
  const value = getPath(resolved, path);
  if (issue.code === 'invalid_union' && issue.note === 'No matching discriminator') {
    const list = MODEL_TYPES.join(', ');
    if (!hasPath(resolved, path))
      return { path, code: 'INVALID_VALUE', message: `${key} is required (one of ${list})` };
    return {
      path,
      code: 'INVALID_VALUE',
      message: `${key} must be one of ${list} (got ${formatValue(value)})`,
    };
  }
  if (!hasPath(resolved, path))
    return {
      path,
      code: 'INVALID_VALUE',
      message: `${key} is required but missing (add it to the config or set it with +${key}=<value>)`,
    };
  const got = issue.params?.plain ? '' : ` (got ${formatValue(value)})`;
  return { path, code: 'INVALID_VALUE', message: `${key} ${issue.message}${got}` };
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
    const first = describeIssue(issues[0], resolved);
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

function toModelConfig(model: ParsedConfig['model']): ModelConfig {
  switch (model.type) {
    case 'logreg':
      return { type: 'logreg', C: model.C, maxIter: model.max_iter, tol: model.tol };
    case 'random_forest':
      return {
        type: 'random_forest',
        nEstimators: model.n_estimators,
        maxDepth: model.max_depth,
        maxFeatures: model.max_features,
        minSamplesSplit: model.min_samples_split,
        randomState: model.random_state,
      };
    case 'gradient_boosting':
      return {
        type: 'gradient_boosting',
        learningRate: model.learning_rate,
        nEstimators: model.n_estimators,
        maxDepth: model.max_depth,
        subsample: model.subsample,
        randomState: model.random_state,
      };
  }
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
    model: toModelConfig(c.model),
    tracking: { experiment: c.tracking.experiment },
    notify: { webhookUrl: c.notify.webhook_url },
  };
}
