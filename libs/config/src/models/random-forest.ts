import { z } from 'zod';
import { intAtLeast, seed } from '../checks';
import { camelKeys } from './camel-keys';

export const randomForestSchema = z
  .strictObject({
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
    random_state: seed,
  })
  .transform(camelKeys);

export type RandomForestSpec = z.output<typeof randomForestSchema>;
