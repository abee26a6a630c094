"""scikit-learn side of modeling.bench.ts, driven line by line so the bench can interleave
scikit-learn and Cellar fits (both then see the same machine load).

Usage: sklearn_bench.py <dir with train.csv and test.csv (features..., label)>
Prints {"ready": true, "sklearn_version": ...}, then for every stdin line "<model> <reps>"
one JSON line {"model", "times_ms", "median_ms", "accuracy"}. Each fit is timed with
time.perf_counter around Pipeline.fit only (imports and data loading excluded).
"""
import json
import statistics
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

MODELS = {
    'logreg': lambda: LogisticRegression(C=1.0, max_iter=1000, tol=1e-4),
    'random_forest': lambda: RandomForestClassifier(
        n_estimators=100, max_depth=None, max_features='sqrt', min_samples_split=2, random_state=42
    ),
    'gradient_boosting': lambda: GradientBoostingClassifier(
        learning_rate=0.1, n_estimators=100, max_depth=3, subsample=1.0, random_state=42
    ),
}


def main(folder):
    train = np.loadtxt(folder + '/train.csv', delimiter=',')
    test = np.loadtxt(folder + '/test.csv', delimiter=',')
    x_train, y_train = train[:, :-1], train[:, -1]
    x_test, y_test = test[:, :-1], test[:, -1]
    print(json.dumps({'ready': True, 'sklearn_version': sklearn.__version__}), flush=True)
    for line in sys.stdin:
        name, reps = line.split()
        times = []
        pipe = None
        for _ in range(int(reps)):
            pipe = Pipeline([('scaler', StandardScaler()), ('clf', MODELS[name]())])
            t0 = time.perf_counter()
            pipe.fit(x_train, y_train)
            times.append((time.perf_counter() - t0) * 1000)
        accuracy = float((pipe.predict(x_test) == y_test).mean())
        out = {'model': name, 'times_ms': times, 'median_ms': statistics.median(times), 'accuracy': accuracy}
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main(sys.argv[1])
