import { describe, expect, it } from 'vitest';
import { readWine, SMALL_FOREST } from './testing/wine';
import { fitModel, fitModelAsync } from './model';

const forest = SMALL_FOREST;

describe('fitModelAsync', () => {
  const wine = readWine();
  const data = { featureNames: wine.featureNames, columns: wine.columns, y: wine.y };

  it('fits the same model as fitModel', async () => {
    const sync = fitModel(forest, data);
    const async_ = await fitModelAsync(forest, data);
    expect(async_.estimator).toEqual(sync.estimator);
  });

  it('gives the event loop turns during the fit (a timer fires before the fit ends)', async () => {
    let timerFiredAt = -1;
    let trees = 0;
    setTimeout(() => (timerFiredAt = trees), 1);
    await fitModelAsync({ ...forest, nEstimators: 400 }, data, { onProgress: (done) => (trees = done) });
    expect(timerFiredAt).toBeGreaterThan(0);
    expect(timerFiredAt).toBeLessThan(400);
  });

  it('stops at the next step once its signal is aborted, with FIT_INTERRUPTED', async () => {
    const abort = new AbortController();
    let trees = 0;
    const fit = fitModelAsync(forest, data, {
      signal: abort.signal,
      onProgress: (done) => {
        trees = done;
        if (done === 5) abort.abort();
      },
    });
    await expect(fit).rejects.toMatchObject({
      code: 'FIT_INTERRUPTED',
      message: 'random_forest fit interrupted',
    });
    expect(trees).toBe(5);
  });
});
