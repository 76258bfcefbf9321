"""Reports over several evaluation runs: paper-style tables (models as columns), plots, HTML + Markdown.

    write_report([Path("runs/lam2-offline"), Path("runs/lam2-online"), ...], Path("report"))

A run is a folder with metrics.json (kind "plans", "offline" or "online", model name). Plan runs fill
Table 2, offline runs Table 3, online runs Table 4. Plots (PNG, matplotlib Agg): online success by task family, step latency
distribution, and offline vs online task success per model with Pearson's r (when >= 3 models have both).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

PLAN_ROWS = (("task_success_rate", "Task success rate (judge)"), ("step_precision", "Step precision"),
             ("step_recall", "Step recall"), ("match_threshold", "Match threshold"), ("plans", "Plans"))
OFFLINE_ROWS = (("object_accuracy", "Object accuracy"), ("operation_accuracy", "Operation accuracy"),
                ("args_accuracy", "Args accuracy"), ("status_accuracy", "Status accuracy"),
                ("step_success_rate", "Step success rate"), ("task_success_rate", "Task success rate"),
                ("steps", "Test steps"), ("tasks", "Test tasks"))
ONLINE_ROWS = (("task_success_rate", "Task success rate"), ("task_success_ci95_wilson", "95% CI (Wilson)"),
               ("task_success_ci95_bootstrap", "95% CI (bootstrap, tasks)"), ("steps_mean", "Steps"),
               ("completion_seconds_mean", "Completion time (s)"), ("step_latency_ms_median", "Step latency median (ms)"),
               ("step_latency_ms_p90", "Step latency p90 (ms)"), ("judge_agreement", "Judge agreement"),
               ("episodes", "Episodes"), ("seeds", "Seeds"))
PERCENT = {"step_precision", "step_recall", "object_accuracy", "operation_accuracy", "args_accuracy", "status_accuracy", "step_success_rate",
           "task_success_rate", "judge_agreement", "task_success_ci95_wilson", "task_success_ci95_bootstrap"}


class ReportError(ValueError):
    """A run folder without a readable metrics.json."""


def load_runs(runs: list[Path]) -> list[dict[str, Any]]:
    loaded = []
    for run in runs:
        path = run / "metrics.json" if run.is_dir() else run
        try:
            metrics = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ReportError(f"{path}: not a readable metrics.json ({e})") from None
        if metrics.get("kind") not in ("offline", "online", "plans"):
            raise ReportError(f"{path}: metrics.json has no kind offline/online/plans")
        metrics.setdefault("model", run.name)
        loaded.append(metrics)
    return loaded


def write_report(runs: list[Path], out: Path, app: str = "the application") -> dict[str, Path]:
    """Write report.html, report.md and the PNG plots into `out`; return their paths."""
    metrics = load_runs(runs)
    out.mkdir(parents=True, exist_ok=True)
    offline = [m for m in metrics if m["kind"] == "offline"]
    online = [m for m in metrics if m["kind"] == "online"]
    plans = [m for m in metrics if m["kind"] == "plans"]
    tables = []
    if plans:
        tables.append(("Table 2: plans (step match: embedding cosine >= threshold)", _table(plans, PLAN_ROWS)))
    if offline:
        tables.append(("Table 3: offline step-wise evaluation (test split, teacher-forced)", _table(offline, OFFLINE_ROWS)))
    if online:
        tables.append((f"Table 4: online evaluation in {app} (held-out tasks)", _table(online, ONLINE_ROWS)))
        families = sorted({f for m in online for f in m.get("task_success_by_family", {})})
        if families:
            rows = [[f] + [_fmt("task_success_rate", m.get("task_success_by_family", {}).get(f)) for m in online]
                    for f in families]
            tables.append(("Online task success by family", (["Family"] + [m["model"] for m in online], rows)))
    plots = _plots(offline, online, out)
    paths = {"html": out / "report.html", "md": out / "report.md", **plots}
    _atomic(paths["md"], _markdown(tables, plots))
    _atomic(paths["html"], _html(tables, plots))
    return paths


def _table(runs: list[dict[str, Any]], rows) -> tuple[list[str], list[list[str]]]:
    header = ["Metric"] + [m["model"] for m in runs]
    return header, [[label] + [_fmt(key, m.get(key)) for m in runs] for key, label in rows]


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list) and len(value) == 2 and key in PERCENT:
        return f"[{100 * value[0]:.1f}, {100 * value[1]:.1f}]"
    if key == "seeds" and isinstance(value, list):
        return f"{len(value)} ({', '.join(str(v) for v in value)})"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if key in PERCENT:
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _plots(offline, online, out: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots: dict[str, Path] = {}
    families = sorted({f for m in online for f in m.get("task_success_by_family", {})})
    if families:
        # a heatmap (families x models): bars for ~30 families x 7 models ran to a 100-inch-wide figure
        grid = np.array([[100 * m.get("task_success_by_family", {}).get(f, 0.0) for m in online] for f in families])
        fig, ax = plt.subplots(figsize=(3 + 1.0 * len(online), 1.2 + 0.28 * len(families)))
        image = ax.imshow(grid, cmap="viridis", vmin=0, vmax=100, aspect="auto")
        ax.set_xticks(np.arange(len(online)), [m["model"] for m in online], rotation=30, ha="right")
        ax.set_yticks(np.arange(len(families)), families, fontsize=8)
        fig.colorbar(image, ax=ax, label="task success (%)")
        plots["success_by_family"] = _save(fig, out / "success_by_family.png")
    latencies = [(m["model"], m.get("step_latencies_ms") or []) for m in online]
    latencies = [(name, v) for name, v in latencies if v]
    if latencies:
        fig, ax = plt.subplots(figsize=(max(5, 1.5 * len(latencies)), 4))
        ax.boxplot([v for _, v in latencies], tick_labels=[n for n, _ in latencies], showfliers=False)
        ax.set_ylabel("step latency (ms): model + environment")
        ax.tick_params(axis="x", rotation=20)
        plots["latency"] = _save(fig, out / "latency.png")
    by_model_off = {m["model"]: m["task_success_rate"] for m in offline}
    pairs = [(name, by_model_off[m["model"]], m["task_success_rate"]) for m in online
             if (name := m["model"]) in by_model_off]
    if pairs:
        fig, ax = plt.subplots(figsize=(5, 5))
        xs, ys = [100 * p[1] for p in pairs], [100 * p[2] for p in pairs]
        ax.scatter(xs, ys)
        for name, x, y in zip([p[0] for p in pairs], xs, ys):
            ax.annotate(Path(name).name or name, (x, y), fontsize=8)
        r = float(np.corrcoef(xs, ys)[0, 1]) if len(pairs) >= 3 and np.std(xs) > 0 and np.std(ys) > 0 else None
        ax.set_title(f"offline vs online task success (Pearson r = {r:.2f})" if r is not None
                     else "offline vs online task success (r needs >= 3 models)", fontsize=9)
        ax.set_xlabel("offline task success (%)")
        ax.set_ylabel("online task success (%)")
        ax.set_xlim(-5, 105)
        ax.set_ylim(-5, 105)
        plots["offline_vs_online"] = _save(fig, out / "offline_vs_online.png")
    return plots


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path


def _markdown(tables, plots) -> str:
    lines = ["# lamfactory evaluation report", ""]
    for title, (header, rows) in tables:
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines.append("")
    for name, path in plots.items():
        lines += [f"![{name}]({path.name})", ""]
    return "\n".join(lines)


def _html(tables, plots) -> str:
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>lamfactory report</title><style>"
             "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
             "td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child{text-align:left}"
             "img{max-width:100%}"
             "</style></head><body><h1>lamfactory evaluation report</h1>"]
    for title, (header, rows) in tables:
        parts.append(f"<h2>{html.escape(title)}</h2><table><tr>"
                     + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows]
        parts.append("</table>")
    for name, path in plots.items():
        parts.append(f"<h2>{html.escape(name)}</h2><img src='{html.escape(path.name)}' alt='{html.escape(name)}'>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
