import { z } from 'zod';
import { fraction, intAtLeast, positive, seed } from '../checks';
import { camelKeys } from './camel-keys';

export const gradientBoostingSchema = z
  .strictObject({
    type: z.literal('gradient_boosting'),
    learning_rate: positive,
    n_estimators: intAtLeast(1),
    max_depth: intAtLeast(1),
    subsample: fraction('must be a number in (0, 1]', true),
    random_state: seed,
  })
  .transform(camelKeys);

export type GradientBoostingSpec = z.output<typeof gradientBoostingSchema>;
