"""Oracle for the cross-check test: trains Python lightgbm 4.1.0 on the same data and parameters
as our binding, and predicts with the model file our binding saved.

usage: oracle.py <dir>   (reads dir/spec.json, dir/X.f64, dir/y.f64, dir/ours.txt; writes dir/py_*.f64)
"""
import json
import sys

import lightgbm as lgb
import numpy as np

d = sys.argv[1]
spec = json.load(open(f"{d}/spec.json"))
nrow, ncol = spec["nrow"], spec["ncol"]
X = np.fromfile(f"{d}/X.f64", dtype=np.float64).reshape(nrow, ncol)
y = np.fromfile(f"{d}/y.f64", dtype=np.float64)
params = spec["params"]
ds = lgb.Dataset(X, label=y, params=dict(params), categorical_feature=spec["categorical"], free_raw_data=False)
booster = lgb.train(dict(params), ds, num_boost_round=spec["rounds"])
booster.predict(X).astype(np.float64).tofile(f"{d}/py_pred.f64")
booster.save_model(f"{d}/py_model.txt")
ours = lgb.Booster(model_file=f"{d}/ours.txt")
ours.predict(X).astype(np.float64).tofile(f"{d}/py_pred_ours_model.f64")
print(json.dumps({"version": lgb.__version__, "trees": ours.num_trees()}))
