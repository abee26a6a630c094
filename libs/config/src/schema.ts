import { z } from 'zod';
import { seed, text } from './checks';
import { ConfigError } from './config-error';
import { dataSchema, toDataSpec, type DataSpec } from './data-config';
import { describeIssue, type IssueLike } from './describe-issue';
import { modelKeys, modelSchema, type ModelSpec } from './models/registry';
import type { Provenance } from './provenance';
import { getPath, type Tree } from './tree';

export interface CellarConfig {
  data: DataSpec;
  /** The model seed, shared by the model configs through ${train.random_state}. */
  train: { randomState: number };
  model: ModelSpec;
  tracking: { experiment: string };
  notify: { webhookUrl: string | null };
}

const trainSchema = z.strictObject({ random_state: seed }, { error: 'must be a map' });

const configSchema = z.object(
  {
    data: dataSchema,
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
  if (path[0] === 'data') return dataKeys(path.slice(1));
  const section = configSchema.shape[path[0] as keyof typeof configSchema.shape];
  if (section && 'shape' in section) return Object.keys(section.shape as object);
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
    // A data file's keys are shown as written in it: `configs/data/iris.yaml: split.column is required ...`.
    const message =
      first.path[0] === 'data' && /\/data\/[^/]+\.yaml$/.test(file)
        ? first.message.replace(/^data\./, '')
        : first.message;
    const more =
      issues.length > 1 ? ` [+${issues.length - 1} more problem${issues.length > 2 ? 's' : ''}]` : '';
    throw new ConfigError(first.code, `${file}: ${message}${more}`, {
      file,
      key: first.path.join('.'),
    });
  }
  return toCellarConfig(result.data);
}

function toCellarConfig(c: ParsedConfig): CellarConfig {
  return {
    data: toDataSpec(c.data),
    train: { randomState: c.train.random_state },
    model: c.model,
    tracking: { experiment: c.tracking.experiment },
    notify: { webhookUrl: c.notify.webhook_url },
  };
}

function dataKeys(path: string[]): string[] {
  const shape = dataSchema.shape as Record<string, unknown>;
  if (path.length === 0) return Object.keys(shape);
  const inner = (shape[path[0]] as { unwrap?: () => unknown }) ?? {};
  // format is optional+nullable, split is a plain object: unwrap to the object's shape.
  let node: unknown = inner;
  for (let i = 0; i < 3 && node && !(node as { shape?: unknown }).shape; i++)
    node = (node as { unwrap?: () => unknown }).unwrap?.();
  const s = (node as { shape?: object } | undefined)?.shape;
  return s ? Object.keys(s) : [];
}
