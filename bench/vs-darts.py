"""Darts beside cvc on the same walk-forward folds and stores: Darts' TFT (per-store Scaler, known-future
covariates, static covariates, quantile regression), N-BEATS (past covariates) and LightGBM (lags and
future covariates, quantile objective), scored as cvc scores its backtest, beside cvc's figures read from
the same backtest run's Delta tables (backtest_forecasts, backtest_metrics) and its tracking tables.

Run it through bench/vs-darts.sh, which builds the bench-only venv and the cvc backtest it reads:
  .bench-venv/bin/python bench/vs-darts.py --lake DIR/data/lake --run-id ID [--tracking DIR/data/tracking]
      [--stores N] [--folds K] [--epochs E] [--models tft,nbeats,lgbm] [--train-windows 365] [--seed 42]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vs_darts_lib as lib  # noqa: E402

QUANTILES = [0.1, 0.5, 0.9]
# Known-future columns of cvc's feature table (core/src/features/columns.ts FUTURE_COVARIATES).
FUTURE = [
    "is_open",
    "promo",
    "dow",
    "dom",
    "month",
    "woy",
    "days_to_month_end",
    "is_holiday",
    "days_to_next_holiday",
    "days_since_last_holiday",
    "store_age_days",
    "is_pandemic",
]
PAST = ["n_sales"]
STATICS = ["format", "state"]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lake", required=True, help="cvc lake root (holds features, stores, backtest_* tables)")
    p.add_argument("--run-id", required=True, help="the cvc backtest run to compare with")
    p.add_argument("--tracking", help="cvc local tracking root, for cvc's fit/predict seconds per model")
    p.add_argument("--stores", type=int, default=0, help="first N stores by FNV-1a of store_id (0 = all)")
    p.add_argument("--folds", type=int, default=0, help="the last K folds of the run (0 = all)")
    p.add_argument("--epochs", type=int, default=5, help="epochs of Darts' TFT and N-BEATS per fold")
    p.add_argument("--models", default="tft,nbeats,lgbm", help="Darts models: tft,nbeats,lgbm")
    p.add_argument("--train-windows", type=int, default=365, help="training windows per store and fold")
    p.add_argument("--horizon", type=int, default=35)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=2, help="torch and LightGBM threads")
    return p.parse_args()


def read_table(path: str, **equal):
    """A Delta table as pandas, rows filtered here (column = value, or in a list/set) rather than by
    delta-rs' filters: an equality filter on run_id returned no rows from a table that has them."""
    import pyarrow as pa
    from deltalake import DeltaTable, QueryBuilder

    dt = DeltaTable(path)
    if "deletionVectors" in (dt.protocol().reader_features or []):
        # delta-rs' pyarrow path refuses deletion vectors (the feature table has them after a daily
        # ingest); its DataFusion reader applies them.
        df = pa.table(QueryBuilder().register("t", dt).execute("select * from t").read_all()).to_pandas()
    else:
        df = dt.to_pandas()
    for col, want in equal.items():
        df = df[df[col].isin(want) if isinstance(want, (list, set, tuple)) else df[col] == want]
    return df


def cvc_run(args):
    """cvc's forecasts, folds and per-store metrics of the run, limited to the chosen stores and folds."""
    import pandas as pd

    lake = args.lake
    fc = read_table(os.path.join(lake, "backtest_forecasts"), run_id=args.run_id)
    if fc.empty:
        sys.exit(f"vs-darts: no rows of run {args.run_id} in {lake}/backtest_forecasts (--run-id)")
    mt = read_table(os.path.join(lake, "backtest_metrics"), run_id=args.run_id)
    fc["cutoff"] = pd.to_datetime(fc["cutoff"]).dt.date.astype(str)
    fc["forecast_date"] = pd.to_datetime(fc["forecast_date"]).dt.date.astype(str)
    folds = fc[["fold", "cutoff"]].drop_duplicates().sort_values("fold")
    if args.folds > 0:
        folds = folds.tail(args.folds)
    stores = lib.pick_stores(fc["store_id"].unique(), args.stores)
    keep = fc["fold"].isin(folds["fold"]) & fc["store_id"].isin(stores)
    mkeep = mt["fold"].isin(folds["fold"]) & mt["store_id"].isin(stores)
    return fc[keep], mt[mkeep], list(folds.itertuples(index=False)), stores


def cvc_seconds(tracking: str | None, run_id: str) -> dict:
    """fit + predict seconds per (model, fold) that cvc's backtest logged in its local tracking tables:
    the parent run tagged cvc.run_id = the backtest's run id, one child run per model, step = fold."""
    if not tracking or not os.path.isdir(os.path.join(tracking, "runs")):
        return {}
    tags = read_table(os.path.join(tracking, "tags"))
    parents = set(tags[(tags["key"] == "cvc.run_id") & (tags["value"] == run_id)]["run_id"])
    runs = read_table(os.path.join(tracking, "runs"))
    # The runs table is an event log (a row when a run starts, another when it ends): one per run id.
    children = runs[runs["parent_run_id"].isin(parents)].drop_duplicates("run_id")
    metrics = read_table(os.path.join(tracking, "metrics"))
    metrics = metrics[metrics["key"].isin(["fit_seconds", "predict_seconds"])]
    out: dict = {}
    for child in children.itertuples(index=False):
        for m in metrics[metrics["run_id"] == child.run_id].itertuples(index=False):
            if m.step is None or m.step != m.step:  # the run's totals carry no step (fold)
                continue
            key = (child.name, m.key, int(m.step))
            out[key] = out.get(key, 0.0) + float(m.value)
    return out


def store_frames(lake: str, stores: list[str], last_day: str):
    """Each store's daily rows from the feature table on one calendar from the chain's first day (days
    before a store opened read closed with no sales), missing sales interpolated for training only."""
    import pandas as pd

    ft = read_table(os.path.join(lake, "features"), store_id=list(stores))
    ft["date"] = pd.to_datetime(ft["date"])
    first = ft["date"].min()
    days = pd.date_range(first, pd.Timestamp(last_day), freq="D")
    master = read_table(os.path.join(lake, "stores")).set_index("store_id")
    regional, schedules = planning_inputs(lake)
    out = {}
    for sid, g in ft.groupby("store_id"):
        g = g.set_index("date").sort_index().reindex(days)
        f = pd.DataFrame(index=days)
        f["actual"] = g["sales"].astype(float)  # NaN = unknown, scored only where known and open
        f["sales"] = f["actual"].interpolate(limit_direction="both").fillna(0.0)
        f["n_sales"] = g["n_sales"].astype(float).interpolate(limit_direction="both").fillna(0.0)
        for c in FUTURE:
            f[c] = g[c].astype(float)
        f[FUTURE] = f[FUTURE].fillna(0.0)
        f["is_open_actual"] = g["is_open"].astype(float).fillna(0.0)
        f["is_open_flag"] = g["is_open"].astype(float)  # NaN = unknown, as cvc's series holds it
        row = master.loc[sid]
        statics = {c: str(g[c].dropna().iloc[0]) if g[c].notna().any() else str(row.get(c)) for c in STATICS}
        opened = row.get("opened_on")
        closed = row.get("closed_on")
        city = row.get("city")
        out[sid] = {
            "frame": f,
            # cvc's series of the store starts at its first row in the feature table, not the chain's.
            "first_day": g.index[g["store_id"].notna()].min(),
            "statics": statics,
            "opened_on": None if opened is None or pd.isna(opened) else str(pd.Timestamp(opened).date()),
            "closed_on": None if closed is None or pd.isna(closed) else str(pd.Timestamp(closed).date()),
            "state": str(row.get("state")),
            "city": None if city is None or pd.isna(city) else str(city),
            "regional": regional,
            "schedule": schedules.get(sid, []),
        }
    return out


def planning_inputs(lake: str) -> tuple[list[dict], dict[str, list[dict]]]:
    """The state and city holidays (state_holidays) and each store's planned schedule (store_schedule,
    when the source has one) that cvc's plannedOpen reads, in the order cvc reads them."""
    import pandas as pd

    hol = read_table(os.path.join(lake, "state_holidays"))
    hol["date"] = pd.to_datetime(hol["holiday_date"]).dt.date.astype(str)
    hol = hol.sort_values(["date", "state", "city"], na_position="last")
    city = lambda v: None if v is None or pd.isna(v) else v  # noqa: E731
    regional = [
        {"state": r.state, "city": city(r.city), "name": r.name, "date": r.date} for r in hol.itertuples(index=False)
    ]
    schedules: dict[str, list[dict]] = {}
    path = os.path.join(lake, "store_schedule")
    if os.path.isdir(os.path.join(path, "_delta_log")):
        sch = read_table(path).sort_values(["store_id", "weekday", "schedule_date"], na_position="last")
        for r in sch.itertuples(index=False):
            dated = r.weekday is None or pd.isna(r.weekday)
            entry = {"date": str(pd.Timestamp(r.schedule_date).date())} if dated else {"weekday": int(r.weekday)}
            schedules.setdefault(str(r.store_id), []).append({**entry, "open": bool(r.is_open)})
    return regional, schedules


def planned_is_open(s: dict, cutoff: str, horizon: int) -> list[int]:
    """The store's planned is_open over the `horizon` days after `cutoff`, from its history up to the
    cutoff only, as cvc plans a fold's window (lib.planned_open)."""
    import pandas as pd

    f = s["frame"]
    # From the store's own first day, unknown flags kept unknown: the days before it opened are not
    # closed days to the weekly pattern (cvc's series has none), else a store opened weeks before a
    # holiday it closed on would read "usually closed" on that weekday and its closure would not count.
    history = f.loc[s["first_day"] : pd.Timestamp(cutoff), "is_open_flag"].tolist()
    first = str((pd.Timestamp(cutoff) + pd.Timedelta(days=1)).date())
    return lib.planned_open(
        str(s["first_day"].date()),
        history,
        first,
        horizon,
        s["opened_on"],
        s["closed_on"],
        s["state"],
        s["city"],
        s["regional"],
        s["schedule"],
    )


def fold_inputs(stores: dict, ids: list[str], cutoff: str, horizon: int):
    """Darts series for one fold: targets and past covariates up to the cutoff, known-future covariates
    through the forecast window with is_open planned exactly as cvc plans it (never the actuals)."""
    import pandas as pd
    from darts import TimeSeries

    cut = pd.Timestamp(cutoff)
    window = pd.date_range(cut + pd.Timedelta(days=1), periods=horizon, freq="D")
    targets, past, future = [], [], []
    for sid in ids:
        s = stores[sid]
        f = s["frame"]
        hist = f.loc[:cut]
        fut = f.loc[: window[-1], FUTURE].copy()
        fut.loc[window, "is_open"] = planned_is_open(s, cutoff, horizon)
        statics = pd.DataFrame([s["statics"]])
        targets.append(
            TimeSeries.from_series(hist["sales"].astype("float32"), freq="D").with_static_covariates(statics)
        )
        # N-BEATS reads only past covariates: the known-future columns join n_sales up to the cutoff.
        past.append(TimeSeries.from_dataframe(hist[PAST + FUTURE].astype("float32"), freq="D"))
        future.append(TimeSeries.from_dataframe(fut.astype("float32"), freq="D"))
    return targets, past, future


def make_model(kind: str, args):
    import torch
    from darts.models import LightGBMModel, NBEATSModel, TFTModel
    from darts.utils.likelihood_models import QuantileRegression

    trainer = {
        "accelerator": "cpu",
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "logger": False,
        "enable_checkpointing": False,
    }
    torch.set_num_threads(args.threads)
    if kind == "tft":
        return TFTModel(
            input_chunk_length=42,  # cvc's TFT encoder covers the last 42 days (encoderDays)
            output_chunk_length=args.horizon,
            hidden_size=32,
            lstm_layers=1,
            num_attention_heads=4,
            dropout=0.1,
            batch_size=64,
            n_epochs=args.epochs,
            likelihood=QuantileRegression(quantiles=QUANTILES),
            add_relative_index=False,
            random_state=args.seed,
            pl_trainer_kwargs=trainer,
        )
    if kind == "nbeats":
        return NBEATSModel(
            input_chunk_length=90,  # cvc's forecast.context
            output_chunk_length=args.horizon,
            generic_architecture=True,
            batch_size=64,
            n_epochs=args.epochs,
            likelihood=QuantileRegression(quantiles=QUANTILES),
            random_state=args.seed,
            pl_trainer_kwargs=trainer,
        )
    if kind == "lgbm":
        return LightGBMModel(
            lags=list(range(-1, -29, -1)) + [-35, -42, -49, -56, -364],
            lags_past_covariates=[-1, -7],
            lags_future_covariates=(0, args.horizon),
            output_chunk_length=args.horizon,
            likelihood="quantile",
            quantiles=QUANTILES,
            random_state=args.seed,
            n_jobs=args.threads,
            verbose=-1,
        )
    raise SystemExit(f"vs-darts: unknown model {kind!r} in --models (tft, nbeats, lgbm)")


def run_darts(kind: str, args, stores: dict, folds, pairs: set) -> tuple[list, float, float, int]:
    """Fits `kind` from scratch on each fold (as Darts' historical_forecasts with retrain) and predicts
    the horizon for every store cvc forecast on that fold; returns forecast rows, fit and predict seconds
    and the training windows the neural models went through (epochs x windows per store, summed)."""
    import numpy as np
    from darts.dataprocessing.transformers import Scaler, StaticCovariatesTransformer

    rows, fit_s, pred_s, samples = [], 0.0, 0.0, 0
    for fold in folds:
        ids = sorted(sid for (fid, sid) in pairs if fid == fold.fold)
        if not ids:
            continue
        targets, past, future = fold_inputs(stores, ids, fold.cutoff, args.horizon)
        icl = {"tft": 42, "nbeats": 90}.get(kind)
        if icl is not None:
            per_store = [min(args.train_windows, max(0, len(t) - icl - args.horizon + 1)) for t in targets]
            samples += args.epochs * sum(per_store)
        t0 = time.perf_counter()
        # Darts' Scaler per store (one MinMax per series), fitted on that fold's history only.
        y_scaler = Scaler(global_fit=False)
        ys = y_scaler.fit_transform(targets)
        ys = StaticCovariatesTransformer().fit_transform(ys)
        cov_past = Scaler(global_fit=True).fit_transform(past)
        cov_future = Scaler(global_fit=True).fit_transform(future)
        model = make_model(kind, args)
        fit_kw = {"max_samples_per_ts": args.train_windows}
        if kind == "tft":
            model.fit(ys, future_covariates=cov_future, **fit_kw)
        elif kind == "nbeats":
            model.fit(ys, past_covariates=cov_past, **fit_kw)
        else:
            model.fit(ys, past_covariates=cov_past, future_covariates=cov_future, **fit_kw)
        t1 = time.perf_counter()
        kw = {"n": args.horizon, "series": ys, "predict_likelihood_parameters": True}
        if kind in ("tft", "lgbm"):
            kw["future_covariates"] = cov_future
        if kind in ("nbeats", "lgbm"):
            kw["past_covariates"] = cov_past
        pred = model.predict(**kw)
        # One column per quantile (sales_q0.10, _q0.50, _q0.90); each store's Scaler was fitted on one
        # column, so each quantile goes back through it on its own.
        back = [
            y_scaler.inverse_transform([p.univariate_component(j) for p in pred]) for j in range(len(QUANTILES))
        ]
        t2 = time.perf_counter()
        fit_s += t1 - t0
        pred_s += t2 - t1
        for i, (sid, p) in enumerate(zip(ids, pred)):
            v = np.column_stack([back[j][i].values(copy=False)[:, 0] for j in range(len(QUANTILES))])
            f = stores[sid]["frame"]
            for h, d in enumerate(p.time_index):
                q = np.maximum(np.sort(v[h]), 0.0)  # as cvc: quantiles sorted, clamped at zero
                rows.append(
                    {
                        "model": kind,
                        "fold": fold.fold,
                        "store_id": sid,
                        "date": d,
                        "p10": float(q[0]),
                        "p50": float(q[1]),
                        "p90": float(q[2]),
                        "actual": float(f.at[d, "actual"]),
                        "is_open": float(f.at[d, "is_open_actual"]),
                    }
                )
        print(
            f"  darts {kind} fold {fold.fold} (cutoff {fold.cutoff}): {len(ids)} stores, "
            f"fit {t1 - t0:.1f} s, predict {t2 - t1:.1f} s",
            flush=True,
        )
    return rows, fit_s, pred_s, samples


def main() -> None:
    args = parse_args()
    warnings.filterwarnings("ignore")
    import logging

    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "darts"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import pandas as pd

    fc, mt, folds, store_ids = cvc_run(args)
    last_day = max(f.cutoff for f in folds)
    last_day = str((pd.Timestamp(last_day) + pd.Timedelta(days=args.horizon)).date())
    stores = store_frames(args.lake, store_ids, last_day)

    # cvc's figures from its forecasts, scored with the same helper as Darts' below; the per-store
    # metrics table must agree (it is the definition), else the comparison would not be like for like.
    score: dict[str, lib.Score] = {}
    for r in fc.itertuples(index=False):
        f = stores[r.store_id]["frame"]
        d = pd.Timestamp(r.forecast_date)
        score.setdefault(r.model, lib.Score()).add(
            f.at[d, "actual"], r.p50, f.at[d, "is_open_actual"], r.p10, r.p90
        )
    for model, s in score.items():
        m = mt[mt["model"] == model]
        ref = m["abs_error"].sum() / m["actual_sum"].sum()
        if not math.isclose(ref, s.wape, rel_tol=1e-6):
            sys.exit(f"vs-darts: cvc {model}: WAPE {s.wape:.6f} from forecasts, {ref:.6f} in backtest_metrics")
    seconds = cvc_seconds(args.tracking, args.run_id)
    fold_ids = {f.fold for f in folds}

    pairs = set(fc[["fold", "store_id"]].drop_duplicates().itertuples(index=False, name=None))
    darts_rows, darts_time = [], {}
    for kind in [m for m in args.models.split(",") if m]:
        t0 = time.perf_counter()
        rows, fit_s, pred_s, samples = run_darts(kind, args, stores, folds, pairs)
        darts_time[kind] = (time.perf_counter() - t0, fit_s, pred_s, samples)
        darts_rows.extend(rows)
    for r in darts_rows:
        s = score.setdefault(f"darts_{r['model']}", lib.Score())
        s.add(r["actual"], r["p50"], r["is_open"], r["p10"], r["p90"])

    import darts
    import lightgbm
    import torch

    print()
    print(
        f"cvc run {args.run_id}: {len(store_ids)} stores, folds "
        + ", ".join(f"{f.fold} (cutoff {f.cutoff})" for f in folds)
        + f", horizon {args.horizon}; darts {darts.__version__}, torch {torch.__version__}, "
        f"lightgbm {lightgbm.__version__}; epochs {args.epochs}, train windows/store {args.train_windows}, "
        f"threads {args.threads}"
    )
    wk = score.get("weekday_mean")
    head = ["WAPE", "x wkday", "p10-p90", "days", "wall s", "fit s", "pred s", "win/s"]
    print(f"{'model':<16}" + "".join(f"{h:>9}" for h in head))
    order = [m for m in ["lgbm", "darts_lgbm", "nbeats", "darts_nbeats", "tft", "darts_tft"] if m in score]
    order += sorted(m for m in score if m not in order)
    for m in order:
        s = score[m]
        if m.startswith("darts_"):
            wall, fit_s, pred_s, samples = darts_time[m[len("darts_") :]]
        else:
            got = [(k, v) for (name, k, step), v in seconds.items() if name == m and step in fold_ids]
            fit_s = sum(v for k, v in got if k == "fit_seconds")
            pred_s = sum(v for k, v in got if k == "predict_seconds") if got else math.nan
            wall = fit_s + pred_s if got else math.nan
            samples = 0
        cells = [
            f"{m:<16}",
            f"{s.wape:9.4f}",
            f"{s.wape / wk.wape:9.3f}" if wk else f"{'-':>9}",
            f"{100 * s.coverage:8.1f}%",
            f"{s.n:9d}",
            f"{wall:9.1f}" if math.isfinite(wall) else f"{'-':>9}",
            f"{fit_s:9.1f}" if fit_s else f"{'-':>9}",
            f"{pred_s:9.1f}" if math.isfinite(pred_s) else f"{'-':>9}",
            f"{samples / fit_s:9.0f}" if samples and fit_s else f"{'-':>9}",
        ]
        print("".join(cells))


if __name__ == "__main__":
    main()
