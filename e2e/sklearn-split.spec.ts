// Issue 9: with scikit-learn's own split, Cellar and scikit-learn train on the same rows and must
// then predict the same class for every test row. Data here, models in @cellar/modeling: this
// spec lives in e2e because @cellar/data may not import @cellar/modeling.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCsvDataset, sklearnTrainTestSplit, takeRows } from '@cellar/data';
import { fitModel, predict } from '@cellar/modeling';
import { REPO } from './workspace';

const PYTHON = '/usr/bin/python3';
// the example remote's one object is data/external/WineQT.csv itself (what `cellar-nx pull` fetches)
const WINE_CSV = join(REPO, 'data/remote/files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb');

const SCRIPT = `
import sys, json, numpy as np, pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
df = pd.read_csv(sys.argv[1])
X = df.drop(columns=['quality', 'Id']).to_numpy()
y = df['quality'].to_numpy()
train, test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=42, stratify=y)
m = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000)).fit(X[train], y[train])
print(json.dumps({'train': train.tolist(), 'test': test.tolist(), 'pred': m.predict(X[test]).tolist()}))
`;

describe.skipIf(process.env.CELLAR_SKIP_SKLEARN === '1')('WineQT with the sklearn split', () => {
  it('has the rows of train_test_split(..., random_state=42, stratify=quality), and logreg predicts as scikit-learn on all 229 test rows', () => {
    const run = spawnSync(PYTHON, ['-c', SCRIPT, WINE_CSV], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (run.status !== 0) {
      throw new Error(
        `${PYTHON} failed (${run.stderr.trim().split('\n').pop()}): install python3-sklearn and python3-pandas, or set CELLAR_SKIP_SKLEARN=1 to skip this check`,
      );
    }
    const sklearn = JSON.parse(run.stdout) as { train: number[]; test: number[]; pred: number[] };

    const wine = loadCsvDataset(WINE_CSV, {
      featureColumns: [],
      targetColumn: 'quality',
      excludeColumns: ['Id'],
    });
    expect(wine.featureNames).toHaveLength(11);
    const split = sklearnTrainTestSplit(wine.target, { testSize: 0.2, randomState: 42, stratify: true });
    expect(Array.from(split.train)).toEqual(sklearn.train);
    expect(Array.from(split.test)).toEqual(sklearn.test);
    expect(split.test).toHaveLength(229);

    const train = takeRows(wine, split.train);
    const test = takeRows(wine, split.test);
    const model = fitModel(
      { type: 'logreg', C: 1, maxIter: 1000, tol: 1e-4 },
      { featureNames: train.featureNames, columns: train.columns, y: train.target },
    );
    const ours = Array.from(predict(model, test.columns));
    const differing = ours.flatMap((p, i) =>
      p === sklearn.pred[i] ? [] : [`test row ${i}: ${p} vs ${sklearn.pred[i]}`],
    );
    expect(differing).toEqual([]);
    expect(ours).toHaveLength(229);
  });
});
