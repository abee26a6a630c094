"""scikit-learn / pandas side of scale.bench.ts, driven line by line so the bench can interleave
both sides (they then see the same machine load).

Usage: scale_bench.py <csv>             serve fits on the first N rows of <csv> (see below)
       scale_bench.py --read-csv <csv>  time pandas.read_csv once, print its time and peak RSS

Serving prints {"ready": true, ...}, then for every stdin line "<model> <rows>" one JSON line
{"ms", ...}: the time of Pipeline([StandardScaler(), model]).fit on the first <rows> rows
(features = all columns but quality and Id). logreg also returns its objective (summed log loss
+ ||W||^2 / 2C, as Cellar computes it) and its predictions on the file's last 20 000 rows.

"converged <rows>" refits logreg and then carries scikit-learn's solution on with scipy's L-BFGS-B
to a far tighter tolerance (scikit-learn stops at a relative loss change of 64 machine epsilons,
which leaves its gradient around 1-10 on 100k rows). It answers {"pred", "grad_max", "objective"}: the
labels of the optimum itself, for rows whose top two classes are nearly tied.
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from scipy.optimize import minimize
from scipy.special import logsumexp
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
        learning_rate=0.1, n_estimators=10, max_depth=3, subsample=1.0, random_state=42
    ),
}
HOLDOUT = 20000


def read_csv(path):
    t0 = time.perf_counter()
    c0 = time.process_time()
    df = pd.read_csv(path)
    ms = (time.perf_counter() - t0) * 1000
    cpu_ms = (time.process_time() - c0) * 1000
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({'ms': ms, 'cpu_ms': cpu_ms, 'rows': len(df), 'max_rss_kb': rss_kb}), flush=True)


def objective(pipe, x, y):
    clf = pipe[-1]
    proba = pipe.predict_proba(x)
    idx = np.searchsorted(clf.classes_, y)
    loss = -np.log(proba[np.arange(len(y)), idx]).sum()
    return float(loss + 0.5 / clf.C * (clf.coef_ ** 2).sum())


def converged(x, y, x_holdout):
    """Labels of the L2-penalised multinomial optimum, refined from scikit-learn's solution."""
    scaler = StandardScaler().fit(x)
    xs = np.hstack([scaler.transform(x), np.ones((len(x), 1))])
    clf = LogisticRegression(C=1.0, max_iter=1000, tol=1e-4).fit(xs[:, :-1], y)
    classes, d = clf.classes_, xs.shape[1] - 1
    onehot = (y[:, None] == classes[None, :]).astype(float)

    def loss_grad(w):
        wk = w.reshape(len(classes), d + 1)
        z = xs @ wk.T
        lse = logsumexp(z, axis=1)
        loss = (lse - (z * onehot).sum(1)).sum() + 0.5 / clf.C * (wk[:, :d] ** 2).sum()
        grad = (np.exp(z - lse[:, None]) - onehot).T @ xs
        grad[:, :d] += wk[:, :d] / clf.C
        return loss, grad.ravel()

    w0 = np.hstack([clf.coef_, clf.intercept_[:, None]]).ravel()
    r = minimize(loss_grad, w0, jac=True, method='L-BFGS-B',
                 options={'maxiter': 100000, 'ftol': 1e-16, 'gtol': 1e-10, 'maxcor': 30})
    wk = r.x.reshape(len(classes), d + 1)
    z = np.hstack([scaler.transform(x_holdout), np.ones((len(x_holdout), 1))]) @ wk.T
    return {'pred': classes[z.argmax(1)].tolist(), 'grad_max': float(np.abs(r.jac).max()), 'objective': float(r.fun)}


def serve(path):
    df = pd.read_csv(path)
    y_all = df['quality'].to_numpy(dtype=float)
    x_all = df.drop(columns=['quality', 'Id']).to_numpy(dtype=float)
    print(json.dumps({'ready': True, 'sklearn_version': sklearn.__version__, 'pandas_version': pd.__version__}), flush=True)
    for line in sys.stdin:
        name, rows = line.split()
        x, y = x_all[: int(rows)], y_all[: int(rows)]
        if name == 'converged':
            print(json.dumps(converged(x, y, x_all[-HOLDOUT:])), flush=True)
            continue
        pipe = Pipeline([('scaler', StandardScaler()), ('clf', MODELS[name]())])
        t0 = time.perf_counter()
        pipe.fit(x, y)
        out = {'model': name, 'ms': (time.perf_counter() - t0) * 1000}
        if name == 'logreg':
            out['objective'] = objective(pipe, x, y)
            out['iterations'] = int(pipe[-1].n_iter_[0])
            out['pred'] = pipe.predict(x_all[-HOLDOUT:]).tolist()
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    if sys.argv[1] == '--read-csv':
        read_csv(sys.argv[2])
    else:
        serve(sys.argv[1])
