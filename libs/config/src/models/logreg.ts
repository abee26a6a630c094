import { z } from 'zod';
import { intAtLeast, positive } from '../checks';
import { camelKeys } from './camel-keys';

/** Multinomial logistic regression, L2 penalty; C is scikit-learn's inverse regularization strength. */
export const logregSchema = z
  .strictObject({
    type: z.literal('logreg'),
    C: positive,
    max_iter: intAtLeast(1),
    tol: positive,
  })
  .transform(camelKeys);

export type LogregSpec = z.output<typeof logregSchema>;
