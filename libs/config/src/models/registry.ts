import { z } from 'zod';
import { describeIssue, type IssueLike } from '../describe-issue';
import { isMap } from '../tree';
import { camelCaseKey, snakeCaseKey } from './camel-keys';
import { gradientBoostingSchema } from './gradient-boosting';
import { logregSchema } from './logreg';
import { randomForestSchema } from './random-forest';

/**
 * The model registry: one zod schema per model type, snake_case YAML in, the camelCase spec out.
 * The config is validated with it, fitModel takes its output, and model.json's spec is checked
 * against it again when read back. A new model type is one file here plus its estimator.
 */
export const MODEL_SCHEMAS = {
  logreg: logregSchema,
  random_forest: randomForestSchema,
  gradient_boosting: gradientBoostingSchema,
} as const;

export type ModelType = keyof typeof MODEL_SCHEMAS;
export const MODEL_TYPES = Object.keys(MODEL_SCHEMAS) as ModelType[];

export const modelSchema = z.discriminatedUnion(
  'type',
  [logregSchema, randomForestSchema, gradientBoostingSchema],
  { error: 'must be a map' },
);

/** The validated, camelCase `model` section: what fitModel takes and model.json stores. */
export type ModelSpec = z.output<typeof modelSchema>;

/** snake_case keys a model type accepts, in declaration order; [] for an unknown type. */
export function modelKeys(type: unknown): string[] {
  const schema = Object.hasOwn(MODEL_SCHEMAS, String(type)) ? MODEL_SCHEMAS[type as ModelType] : undefined;
  return schema ? Object.keys(schema.in.shape) : [];
}

export type ModelSpecCheck = { ok: true; spec: ModelSpec } | { ok: false; key: string; message: string };

const specTree = z.object({ model: modelSchema });

/**
 * Checks a camelCase spec (as model.json stores it) with the same schema the config went
 * through. Errors as data; keys in them are camelCase, as in the file.
 */
export function checkModelSpec(spec: unknown): ModelSpecCheck {
  const type = isMap(spec) ? spec.type : undefined;
  if (isMap(spec)) {
    const odd = Object.keys(spec).find((k) => camelCaseKey(snakeCaseKey(k)) !== k);
    if (odd !== undefined) {
      const valid = modelKeys(type).map(camelCaseKey).join(', ');
      return {
        ok: false,
        key: `model.${odd}`,
        message: `model.${odd} is not a valid key for model type ${String(type)} (valid: ${valid})`,
      };
    }
  }
  const tree = {
    model: isMap(spec)
      ? Object.fromEntries(Object.entries(spec).map(([k, v]) => [snakeCaseKey(k), v]))
      : spec,
  };
  const result = specTree.safeParse(tree);
  if (result.success) return { ok: true, spec: result.data.model };
  const d = describeIssue(result.error.issues[0] as IssueLike, tree, {
    keysOf: () => modelKeys(type),
    showKey: camelCaseKey,
  });
  return { ok: false, key: d.path.join('.'), message: d.message };
}
