"""MLflow pyfunc loader of a cvc bundle (shipped in every bundle as code/cvc_pyfunc.py).

The forecaster is the bundle's own Node code: predict() hands the request rows to `cvc predict`,
which reads the feature rows of each (store, as-of date) from the lake named by the cvc config and
runs the bundle exactly as `cvc infer` does, so the numbers are cvc's. Where cvc and its config are:
model_config {"cvc_bin": ..., "cvc_config": ...} or the CVC_BIN / CVC_CONFIG environment variables
(CVC_BIN: the cvc executable, or packages/cli/dist/bin.js, run with CVC_NODE or `node`).
"""
import json
import os
import re
import shutil
import subprocess
import tempfile

import pandas as pd

OUTPUT_COLUMNS = ["store_id", "forecast_date", "horizon_day", "as_of_date", "yhat", "yhat_lower",
                  "yhat_upper", "model", "bundle_version", "run_id", "created_at"]


def _load_pyfunc(data_path, model_config=None):
    return CvcForecaster(data_path, model_config or {})


def _read_simple_yaml(path):
    """The two `key: value` lines MLflow writes into registered_model_meta (no yaml dependency)."""
    out = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            key, sep, value = line.partition(":")
            if sep:
                out[key.strip()] = value.strip().strip("'\"")
    return out


class CvcForecaster:
    def __init__(self, bundle_dir, config):
        self.bundle_dir = os.path.abspath(bundle_dir)
        self.cvc_bin = config.get("cvc_bin") or os.environ.get("CVC_BIN") or shutil.which("cvc")
        self.cvc_config = config.get("cvc_config") or os.environ.get("CVC_CONFIG")
        if not self.cvc_bin:
            raise RuntimeError("cvc pyfunc: set CVC_BIN (or model_config cvc_bin) to the cvc executable or bin.js")
        if not self.cvc_config:
            raise RuntimeError("cvc pyfunc: set CVC_CONFIG (or model_config cvc_config) to the cvc.yaml "
                               "whose lake holds the features")
        with open(os.path.join(self.bundle_dir, "manifest.json"), encoding="utf-8") as fh:
            self.manifest = json.load(fh)
        # A model downloaded through models:/ carries its registry version; forecasts record it as infer does.
        meta = os.path.join(self.bundle_dir, "registered_model_meta")
        self.bundle_version = _read_simple_yaml(meta).get("model_version") if os.path.exists(meta) else None
        self.bundle_version = self.bundle_version or self.manifest["bundleId"]
        self._check_node()

    def _command(self):
        if self.cvc_bin.endswith(".js"):
            return [os.environ.get("CVC_NODE", "node"), self.cvc_bin]
        return [self.cvc_bin]

    def _check_node(self):
        if not self.cvc_bin.endswith(".js"):
            return
        node = os.environ.get("CVC_NODE", "node")
        out = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
        found = re.match(r"v(\d+)", out.stdout.strip())
        if not found or int(found.group(1)) < 20:
            raise RuntimeError("cvc pyfunc: Node >= 20 is needed, found %s" % out.stdout.strip())

    def predict(self, model_input, params=None):
        df = pd.DataFrame(model_input)
        for col in ("store_id", "as_of_date"):
            if col not in df.columns:
                raise ValueError("cvc pyfunc: input column %s is missing (got %s)" % (col, list(df.columns)))
        rows = []
        for i, r in enumerate(df.to_dict("records")):
            row = {"store_id": str(r["store_id"]), "as_of_date": pd.Timestamp(r["as_of_date"]).strftime("%Y-%m-%d")}
            h = r.get("horizon")
            if h is not None and not pd.isna(h):
                row["horizon"] = int(h)
            rows.append(row)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(rows, fh)
            request = fh.name
        try:
            cmd = self._command() + ["--config", self.cvc_config, "--log-level", "warn", "predict",
                                     "--bundle", self.bundle_dir, "--bundle-version", str(self.bundle_version),
                                     "--input", request]
            done = subprocess.run(cmd, capture_output=True, text=True)
        finally:
            os.unlink(request)
        if done.returncode != 0:
            raise RuntimeError("cvc predict exited %d: %s" % (done.returncode, done.stderr.strip()[-2000:]))
        out = pd.DataFrame(json.loads(done.stdout)["rows"], columns=OUTPUT_COLUMNS)
        for col in ("forecast_date", "as_of_date"):
            out[col] = pd.to_datetime(out[col])
        out["created_at"] = pd.to_datetime(out["created_at"], utc=True)
        return out
