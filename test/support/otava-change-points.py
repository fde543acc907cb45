"""
Apache Otava's change points for the series on stdin, the reference for src/compare/change-points.ts.

stdin:  {"series": [[1.0, 2.0, ...], ...], "options": {"window_len": 50, "max_pvalue": 0.001, "min_magnitude": 0.0}}
stdout: {"version": "0.8.0", "results": [[{"index": 20, "pvalue": 1e-9, "mean_before": ..., "mean_after": ...}, ...], ...]}

Calls otava.analysis.compute_change_points exactly as otava.series.Series.analyze does (its
default, non "--orig-edivisive" path): the values as a Python list, missing values filled first.
"""
import json
import sys
from importlib.metadata import version

from otava.analysis import compute_change_points, fill_missing


def main() -> None:
    request = json.load(sys.stdin)
    options = request.get("options", {})
    out = []
    for series in request["series"]:
        values = list(series)
        fill_missing(values)
        change_points, _ = compute_change_points(
            values,
            window_len=options.get("window_len", 50),
            max_pvalue=options.get("max_pvalue", 0.001),
            min_magnitude=options.get("min_magnitude", 0.0),
        )
        out.append(
            [
                {
                    "index": int(cp.index),
                    "pvalue": float(cp.stats.pvalue),
                    "mean_before": float(cp.stats.mean_1),
                    "mean_after": float(cp.stats.mean_2),
                }
                for cp in change_points
            ]
        )
    json.dump({"version": version("apache-otava"), "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
