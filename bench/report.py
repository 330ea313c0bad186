"""The benchmark's figures: each run, their medians, the goals, and the reports made of them
(Markdown and JSON under bench/results/, and the measured block of docs/performance.md)."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pages import PAGES, TAIL_OF

GOAL_CONNECTIONS = 8
TAIL_CONNECTIONS = 32
RSS_LIMIT_MB = 150
SCALE_TOLERANCE = 0.10


@dataclass
class Point:
    """One wrk run of one page."""

    page: str
    dataset: int
    connections: int
    repeat: int
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    requests: int
    non_2xx_3xx: int
    socket_errors: int
    socket_detail: dict
    load_average: float
    cpu_ms: float | None = None  # CPU of the workers, their PostgreSQL backends and Redis per request
    ceiling_rps: float | None = None  # mean of the ceiling runs just before and after
    ceiling_cpu_ms: float | None = None
    done: int | None = None  # POSTs answered as expected
    created_entries: int | None = None


@dataclass
class Run:
    args: object
    points: list[Point] = field(default_factory=list)
    # The scale check: the scale pages on a smaller dataset and on the main one, in pairs.
    scale_points: list[Point] = field(default_factory=list)
    queries: dict = field(default_factory=dict)  # dataset -> page -> queries per request
    rss: dict = field(default_factory=dict)
    datasets: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def budget_of(page, redis: bool):
    """A page's query budget: kept (Redis) or built (the long tail, and the database cache, which keeps none)."""
    return page.budget if redis and not page.tail else page.built


def aggregate(points):
    """Median of the repeats per (dataset, page, connections).

    The ratio of each run is the page's req/s over the mean of the two ceiling runs that
    bracket it; the reported ratio is the median of those. ``cpu_ratio`` does the same
    with CPU time per request, which other load on the machine disturbs much less than req/s.
    """
    rows, pooled = {}, {}
    for p in points:
        rows.setdefault((p.dataset, p.page, p.connections), []).append(p)
        if p.cpu_ms:
            pooled.setdefault((p.dataset, p.page), []).append(p.cpu_ms)
    out = {}
    for key, runs in rows.items():
        if key[1] == "ceiling":
            ratios, cpu_ratios = [1.0], [1.0]
        else:
            ratios = [p.rps / p.ceiling_rps for p in runs if p.ceiling_rps]
            cpu_ratios = [p.ceiling_cpu_ms / p.cpu_ms for p in runs if p.ceiling_cpu_ms and p.cpu_ms]
        cpu = [p.cpu_ms for p in runs if p.cpu_ms]
        out[key] = {
            "rps": statistics.median(p.rps for p in runs),
            "p50_ms": statistics.median(p.p50_ms or 0 for p in runs),
            "p99_ms": statistics.median(p.p99_ms or 0 for p in runs),
            "ratio": statistics.median(ratios) if ratios else 0.0,
            "cpu_ms": statistics.median(cpu) if cpu else None,
            "cpu_ratio": statistics.median(cpu_ratios) if cpu_ratios else None,
            # Over every connection count: the steadier figure for comparing datasets.
            "cpu_ms_all": statistics.median(pooled[key[:2]]) if key[:2] in pooled else None,
            "errors": sum(p.non_2xx_3xx + p.socket_errors for p in runs),
            "runs": len(runs),
        }
    return out


def goals(run, agg, main):
    """(goal, met, measured) for every goal the run can tell."""
    checks = []
    at8 = {name: row for (ds, name, c), row in agg.items() if ds == main and c == GOAL_CONNECTIONS}
    for page in PAGES:
        if page.goal_vs and page.name in at8 and page.goal_vs in at8:
            ratio, other = at8[page.name]["ratio"], at8[page.goal_vs]["ratio"]
            checks.append(
                (
                    f"{page.label}: ratio ≥ {page.goal_vs}'s at 8 connections",
                    ratio >= other,
                    f"{ratio:.1%} vs {other:.1%}",
                )
            )
        if page.goal is not None and page.name in at8:
            ratio = at8[page.name]["ratio"]
            checks.append(
                (
                    f"{page.label}: ratio ≥ {page.goal:.0%} at 8 connections",
                    ratio >= page.goal,
                    f"{ratio:.1%}",
                )
            )
    errors = sum(p.non_2xx_3xx + p.socket_errors for p in run.points)
    checks.append(("0 responses ≥ 500 / non-2xx-3xx and 0 socket errors", errors == 0, str(errors)))
    factors = {
        name: row["p99_ms"] / row["p50_ms"]
        for (ds, name, c), row in agg.items()
        if ds == main and c == TAIL_CONNECTIONS and row["p50_ms"]
    }
    if factors:
        over = ", ".join(f"{page} {f:.1f}×" for page, f in factors.items() if f > 5)
        worst = max(factors.items(), key=lambda item: item[1])
        checks.append(
            (
                f"p99 ≤ 5 × p50 at {TAIL_CONNECTIONS} connections, every page",
                not over,
                over or f"worst: {worst[0]} {worst[1]:.1f}×",
            )
        )
    sagg = aggregate(run.scale_points)
    for small in sorted({ds for ds, _page, _c in sagg if ds != main}):
        for name in sorted({page for _ds, page, _c in sagg if page != "ceiling"}):
            a, b = sagg.get((small, name, GOAL_CONNECTIONS)), sagg.get((main, name, GOAL_CONNECTIONS))
            if not (a and b):
                continue
            if a["cpu_ms_all"] and b["cpu_ms_all"]:
                change = b["cpu_ms_all"] / a["cpu_ms_all"] - 1
                checks.append(
                    (
                        f"{name}: CPU per request at {main:,} entries within 10% of {small:,} (cross-check)",
                        abs(change) <= SCALE_TOLERANCE,
                        f"{change:+.1%}",
                    )
                )
            change = b["ratio"] / a["ratio"] - 1
            checks.append(
                (
                    f"{name}: ratio at {main:,} entries within 10% of {small:,}",
                    abs(change) <= SCALE_TOLERANCE,
                    f"{change:+.1%}",
                )
            )
    rss = run.rss.get(main, {}).get("max_after_run_mb")
    if rss is not None:
        checks.append((f"worker RSS ≤ {RSS_LIMIT_MB} MB after the run", rss <= RSS_LIMIT_MB, f"{rss} MB"))
    over_budget = [p for p in run.problems if "queries, budget" in p]
    checks.append(("every page within its query budget", not over_budget, "; ".join(over_budget)))
    return checks


def _cell(row, key, fmt):
    return fmt.format(row[key]) if row and row.get(key) is not None else "–"


def markdown(run, agg, main, meta) -> str:
    args = run.args
    lines = [
        f"# Benchmark {meta['finished']}",
        "",
        f"{meta['machine']}; gunicorn `{meta['gunicorn']}`; cache: {meta['cache']}; {args.duration} s per point, "
        f"median of {args.repeats}; mean load average during the run {meta['load_average']:.2f}.",
        f"Dataset: {main:,} entries, {run.datasets[main]['participants']:,} participants "
        f"(+{run.datasets[main]['posters']} posters for the POSTs).",
        "",
    ]
    head = [
        "| page | req/s @1 | req/s @8 | req/s @32 | ratio @8 | goal | CPU ms/req @8 | CPU ratio @8 "
        "| p50 @8 | p99 @8 | p50 @32 | p99 @32 | queries | errors |",
        "|---|" + "---:|" * 13,
    ]

    def rows(tail):
        for page in PAGES:
            at = {c: row for (ds, name, c), row in agg.items() if ds == main and name == page.name}
            if bool(page.tail) != tail or not at:
                continue
            c8, c32 = at.get(GOAL_CONNECTIONS), at.get(TAIL_CONNECTIONS)
            cells = [
                page.label,
                *(_cell(at.get(c), "rps", "{:,.0f}") for c in (1, GOAL_CONNECTIONS, TAIL_CONNECTIONS)),
                _cell(c8, "ratio", "{:.1%}"),
                f"≥ {page.goal:.0%}" if page.goal else "",
                _cell(c8, "cpu_ms", "{:.2f}"),
                _cell(c8, "cpu_ratio", "{:.1%}"),
                *(_cell(row, key, "{:.1f} ms") for row in (c8, c32) for key in ("p50_ms", "p99_ms")),
                str(run.queries.get(main, {}).get(page.name, "–")),
                str(sum(row["errors"] for row in at.values())),
            ]
            yield "| " + " | ".join(cells) + " |"

    lines += [*head, *rows(tail=False)]
    tail_rows = list(rows(tail=True))
    if tail_rows:
        lines += [
            "",
            "Long tail: each request one of all public URLs of its kind at random, the cache emptied "
            "before each run (queries: one request that builds its page):",
            "",
            *head,
            *tail_rows,
        ]
    sagg = aggregate(run.scale_points)
    sets = [*sorted({ds for ds, _page, _c in sagg if ds != main}), main]
    if len(sets) > 1:
        lines += [
            "",
            "Same pages with less data, measured in pairs (each page on the smaller dataset, then at once on "
            "the main one, both served side by side): ratio to the ceiling at 8 connections (req/s) and CPU "
            "per request, median of the pairs:",
            "",
            "| page | "
            + " | ".join(f"{ds:,} entries" for ds in sets)
            + " | ratio change | CPU change | queries |",
            "|---" * (len(sets) + 4) + "|",
        ]
        for name in sorted({page for _ds, page, _c in sagg if page != "ceiling"}):
            values = [sagg.get((ds, name, GOAL_CONNECTIONS)) for ds in sets]
            if not all(values):
                continue
            first, last = values[0], values[-1]
            cpu_change = (
                f"{last['cpu_ms_all'] / first['cpu_ms_all'] - 1:+.1%}"
                if last["cpu_ms_all"] and first["cpu_ms_all"]
                else "–"
            )
            figures = " | ".join(
                f"{v['ratio']:.1%} ({v['rps']:,.0f} req/s), {v['cpu_ms_all'] or 0:.2f} ms CPU" for v in values
            )
            queries = " / ".join(str(run.queries.get(ds, {}).get(name, "–")) for ds in sets)
            lines.append(
                f"| {name} | {figures} | {last['ratio'] / first['ratio'] - 1:+.1%} | {cpu_change} | {queries} |"
            )
    rss = run.rss.get(main)
    if rss:
        lines += [
            "",
            f"Worker RSS after the run: {', '.join(f'{v / 1024:.0f}' for v in sorted(rss['workers_kb'].values()))} MB "
            f"(largest {rss['max_after_run_mb']} MB; largest seen during the run {rss['peak_seen_mb']} MB).",
        ]
    lines += ["", "| goal | met | measured |", "|---|---|---|"]
    lines += [
        f"| {text} | {'yes' if ok else '**no**'} | {value} |" for text, ok, value in goals(run, agg, main)
    ]
    if run.problems:
        lines += ["", "Problems:", "", *(f"- {p}" for p in run.problems)]
    return "\n".join(lines) + "\n"


def doc_block(run, agg, main, meta) -> str:
    """The measured block of docs/performance.md: each kept page beside its long tail, at 8 connections."""
    at8 = {name: row for (ds, name, c), row in agg.items() if ds == main and c == GOAL_CONNECTIONS}
    queries = run.queries.get(main, {})
    ceiling = at8.get("ceiling", {}).get("rps", 0)
    tails = ", ".join(f"{count:,} {kind}s" for kind, count in run.datasets[main]["tail"].items())
    lines = [
        f"**{meta['finished'][:10]}**, `{meta['command']}`: {meta['cache']}, {main:,} entries, "
        f"{run.args.duration} s a point, median of {run.args.repeats}; mean load average "
        f"**{meta['load_average']:.1f}**; the ceiling served {ceiling:,.0f} req/s at 8 connections. "
        f"Long tail over {tails}.",
        "",
        "| page | kept: ratio @8 | kept: CPU ms/req | long tail: ratio @8 | long tail: CPU ms/req "
        "| long-tail goal | statements (kept / built) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for page in PAGES:
        if page.tail or page.name not in at8:
            continue
        kept = at8[page.name]
        tail = next((p for p in PAGES if p.tail and TAIL_OF[p.tail] == page.name and p.name in at8), None)
        cold = (
            [
                f"{at8[tail.name]['ratio']:.1%}",
                _cell(at8[tail.name], "cpu_ms", "{:.1f}"),
                f"≥ {tail.goal:.0%}",
            ]
            if tail
            else ["", "", ""]
        )
        built = queries.get(tail.name) if tail else page.built
        statements = f"{queries.get(page.name, '–')}" + ("" if built is None else f" / {built}")
        lines.append(
            f"| {page.label} | {kept['ratio']:.1%} | {_cell(kept, 'cpu_ms', '{:.2f}')} | {' | '.join(cold)} | {statements} |"
        )
    errors = sum(p.non_2xx_3xx + p.socket_errors for p in run.points)
    missed = [f"{text} ({value})" for text, ok, value in goals(run, agg, main) if not ok]
    lines += [
        "",
        f"{errors} errors." + (f" Goals not met: {'; '.join(missed)}." if missed else " Every goal met."),
    ]
    return "\n".join(lines)


def save(run, agg, main, meta, name: str, folder: Path) -> str:
    """bench/results/<name>.md and .json; the Markdown."""
    text = markdown(run, agg, main, meta)
    (folder / f"{name}.md").write_text(text)
    data = {
        "meta": meta,
        "args": vars(run.args),
        "datasets": run.datasets,
        "queries": run.queries,
        "rss": run.rss,
        "summary": [
            {"dataset": k[0], "page": k[1], "connections": k[2], **v} for k, v in sorted(agg.items())
        ],
        "points": [asdict(p) for p in run.points],
        "scale_points": [asdict(p) for p in run.scale_points],
        "problems": run.problems,
    }
    (folder / f"{name}.json").write_text(json.dumps(data, indent=2))
    return text
