"""The reference project's 15-run grid, fitted one after another with scikit-learn (no MLflow).

Prints JSON: {"sklearn_version": ..., "runs_s": [wall seconds per repetition]}.
"""
import json
import sys
import time

import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
import sklearn


def grid():
    for c in (0.1, 1.0, 10.0):
        for test_size in (0.2, 0.3):
            yield LogisticRegression(C=c, max_iter=1000), test_size
    for n in (50, 100, 200):
        for depth in (None, 5):
            yield RandomForestClassifier(n_estimators=n, max_depth=depth, random_state=42), 0.2
    for lr in (0.05, 0.1, 0.2):
        yield GradientBoostingClassifier(learning_rate=lr, n_estimators=100, max_depth=3, random_state=42), 0.2


def main(csv, reps):
    df = pd.read_csv(csv)
    x = df.drop(columns=["quality", "Id"]).to_numpy()
    y = df["quality"].to_numpy()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for clf, test_size in grid():
            xtr, xte, ytr, yte = train_test_split(x, y, test_size=test_size, random_state=42, stratify=y)
            model = Pipeline([("scaler", StandardScaler()), ("clf", clf)]).fit(xtr, ytr)
            accuracy_score(yte, model.predict(xte))
        times.append(time.perf_counter() - t0)
    print(json.dumps({"sklearn_version": sklearn.__version__, "runs_s": times}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
