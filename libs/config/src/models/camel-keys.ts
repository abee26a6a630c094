// YAML keys are snake_case (as OmegaConf users expect), TypeScript keys camelCase. The model
// schemas convert with these; model.json keeps the camelCase spec.

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

export type CamelKeys<T> = { [K in keyof T as K extends string ? CamelCase<K> : K]: T[K] };

/** max_iter -> maxIter; C stays C. */
export function camelCaseKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** maxIter -> max_iter; C stays C. */
export function snakeCaseKey(key: string): string {
  return key.replace(/(?<=[a-z0-9])[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function camelKeys<T extends Record<string, unknown>>(o: T): CamelKeys<T> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [camelCaseKey(k), v])) as CamelKeys<T>;
}
