"""Python side of bench/lgbm-train.ts: times lightgbm 4.1.0 Dataset construction plus training
on the matrix the benchmark wrote, with the same parameters.

usage: bench_train.py <dir>   (reads dir/spec.json, dir/X.f64, dir/y.f64; prints JSON seconds)
"""
import json
import sys
import time

import lightgbm as lgb
import numpy as np

d = sys.argv[1]
spec = json.load(open(f"{d}/spec.json"))
X = np.fromfile(f"{d}/X.f64", dtype=np.float64).reshape(spec["nrow"], spec["ncol"])
y = np.fromfile(f"{d}/y.f64", dtype=np.float64)
t0 = time.perf_counter()
c0 = time.process_time()
ds = lgb.Dataset(X, label=y, params=dict(spec["params"])).construct()
dataset_cpu = time.process_time() - c0
# keep_training_booster: otherwise lgb.train ends with a model-text round trip (~0.1 CPU-s here)
# that the Node side does not do.
booster = lgb.train(dict(spec["params"]), ds, num_boost_round=spec["rounds"], keep_training_booster=True)
seconds = time.perf_counter() - t0
cpu = time.process_time() - c0
print(json.dumps({"seconds": seconds, "cpu": cpu, "datasetCpu": dataset_cpu, "trees": booster.num_trees()}))
