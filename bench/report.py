"""The benchmark's figures: each run, their medians, the goals, and the reports made of them
(Markdown and JSON under bench/results/, and the measured block of docs/performance.md)."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pages import PAGES, TAIL_OF

GOAL_CONNECTIONS, TAIL_CONNECTIONS = 8, 32
RSS_LIMIT_MB, SCALE_TOLERANCE = 150, 0.10


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

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + self.socket_errors


@dataclass
class Run:
    args: object
    points: list[Point] = field(default_factory=list)
    scale_points: list[Point] = field(default_factory=list)  # scale pages, smaller dataset and main, in pairs
    queries: dict = field(default_factory=dict)  # dataset -> page -> queries per request
    rss: dict = field(default_factory=dict)
    datasets: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def check(self, where: str, bad, problem: str) -> None:
        if bad:
            self.problems.append(f"{where}: {problem}")


def _median(values):
    values = list(values)
    return statistics.median(values) if values else None


def aggregate(points) -> dict:
    """Median of the repeats per (dataset, page, connections). A run's ratio is the page's req/s
    over the mean of the two ceiling runs that bracket it; ``cpu_ratio`` does the same with CPU
    time per request, which other load on the machine disturbs much less than req/s;
    ``cpu_ms_all`` pools every connection count, the steadier figure for comparing datasets."""
    rows, pooled = {}, {}
    for p in points:
        rows.setdefault((p.dataset, p.page, p.connections), []).append(p)
        if p.cpu_ms:
            pooled.setdefault((p.dataset, p.page), []).append(p.cpu_ms)
    out = {}
    for key, runs in rows.items():
        ceiling = key[1] == "ceiling"
        cpu_ratios = [p.ceiling_cpu_ms / p.cpu_ms for p in runs if p.ceiling_cpu_ms and p.cpu_ms]
        out[key] = {
            "rps": _median(p.rps for p in runs),
            "p50_ms": _median(p.p50_ms or 0 for p in runs),
            "p99_ms": _median(p.p99_ms or 0 for p in runs),
            "ratio": 1.0 if ceiling else _median(p.rps / p.ceiling_rps for p in runs if p.ceiling_rps) or 0.0,
            "cpu_ms": _median(p.cpu_ms for p in runs if p.cpu_ms),
            "cpu_ratio": 1.0 if ceiling else _median(cpu_ratios),
            "cpu_ms_all": _median(pooled.get(key[:2], [])),
            "errors": sum(p.errors for p in runs),
            "runs": len(runs),
        }
    return out


def _at(agg, dataset, connections=GOAL_CONNECTIONS) -> dict:
    return {name: row for (ds, name, c), row in agg.items() if ds == dataset and c == connections}


def _scale(run) -> tuple[list, dict]:
    """The scale check: its datasets (the main one last) and, per page, its rows on them at 8 connections."""
    sagg, main = aggregate(run.scale_points), run.args.entries
    sets = [*sorted({ds for ds, _page, _c in sagg} - {main}), main]
    names = sorted({page for _ds, page, _c in sagg} - {"ceiling"})
    rows = {name: [sagg.get((ds, name, GOAL_CONNECTIONS)) for ds in sets] for name in names}
    return sets, {name: values for name, values in rows.items() if all(values)}


def _change(a: dict, b: dict, key: str) -> float | None:
    return b[key] / a[key] - 1 if a[key] and b[key] else None


def _cell(row, key, fmt):
    return fmt.format(row[key]) if row and row.get(key) is not None else "–"


def _row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def goals(run, agg):
    """(goal, met, measured) for every goal the run can tell."""
    main, at8 = run.args.entries, _at(agg, run.args.entries)
    for page in PAGES:
        ratio, label = at8.get(page.name, {}).get("ratio"), f"{page.label}: ratio ≥"
        if ratio is not None and page.goal_vs in at8:
            other = at8[page.goal_vs]["ratio"]
            yield f"{label} {page.goal_vs}'s at 8 connections", ratio >= other, f"{ratio:.1%} vs {other:.1%}"
        if ratio is not None and page.goal is not None:
            yield f"{label} {page.goal:.0%} at 8 connections", ratio >= page.goal, f"{ratio:.1%}"
    errors = sum(p.errors for p in run.points)
    yield "0 responses ≥ 500 / non-2xx-3xx and 0 socket errors", errors == 0, str(errors)
    rows = _at(agg, main, TAIL_CONNECTIONS)
    factors = {name: row["p99_ms"] / row["p50_ms"] for name, row in rows.items() if row["p50_ms"]}
    if factors:
        over = ", ".join(f"{page} {f:.1f}×" for page, f in factors.items() if f > 5)
        worst = max(factors, key=factors.get)
        text = f"p99 ≤ 5 × p50 at {TAIL_CONNECTIONS} connections, every page"
        yield text, not over, over or f"worst: {worst} {factors[worst]:.1f}×"
    sets, scaled = _scale(run)
    for i, small in enumerate(sets[:-1]):
        for name, values in scaled.items():
            for key, what, fmt in (
                ("cpu_ms_all", "CPU per request", "{:.2f} ms"),
                ("ratio", "ratio", "{:.1%}"),
            ):
                change, pair = _change(values[i], values[-1], key), (values[i][key], values[-1][key])
                text = f"{name}: {what} at {main:,} entries within 10% of {small:,}"
                if change is not None:  # the pairs' medians, on the smaller dataset then the main one
                    text += " (cross-check)" if key == "cpu_ms_all" else ""
                    measured = f"{change:+.1%} ({fmt.format(pair[0])} → {fmt.format(pair[1])})"
                    yield text, abs(change) <= SCALE_TOLERANCE, measured
    rss = run.rss.get(main, {}).get("max_after_run_mb")
    if rss is not None:
        yield f"worker RSS ≤ {RSS_LIMIT_MB} MB after the run", rss <= RSS_LIMIT_MB, f"{rss} MB"
    over_budget = [p for p in run.problems if "queries, budget" in p]
    yield "every page within its query budget", not over_budget, "; ".join(over_budget)


def markdown(run, agg, meta) -> str:
    args, main = run.args, run.args.entries
    lines = [
        f"# Benchmark {meta['finished']}",
        "",
        f"{meta['machine']}; gunicorn `{meta['gunicorn']}`; cache: {meta['cache']}; {args.duration} s per point, "
        f"median of {args.repeats}; mean load average during the run {meta['load_average']:.2f}.",
        f"Dataset: {main:,} entries, {run.datasets[main]['participants']:,} participants "
        f"(+{run.datasets[main]['posters']} posters for the POSTs).",
    ]
    head = [
        "",
        "| page | req/s @1 | req/s @8 | req/s @32 | ratio @8 | goal | CPU ms/req @8 | CPU ratio @8 "
        "| p50 @8 | p99 @8 | p50 @32 | p99 @32 | queries | errors |",
        "|---|" + "---:|" * 13,
    ]
    tables = {False: [], True: []}  # kept pages, long tail
    for page in PAGES:
        at = {c: row for (ds, name, c), row in agg.items() if ds == main and name == page.name}
        if at:
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
            tables[bool(page.tail)].append(_row(cells))
    lines += [*head, *tables[False]]
    if tables[True]:
        lines += [
            "",
            "Long tail: each request one of all public URLs of its kind at random, the cache emptied "
            "before each run (queries: one request that builds its page):",
            *head,
            *tables[True],
        ]
    rss = run.rss.get(main)
    if rss:
        lines += [
            "",
            f"Worker RSS after the run: {', '.join(f'{v / 1024:.0f}' for v in sorted(rss['workers_kb'].values()))} MB "
            f"(largest {rss['max_after_run_mb']} MB; largest seen during the run {rss['peak_seen_mb']} MB).",
        ]
    lines += ["", "| goal | met | measured |", "|---|---|---|"]
    lines += [_row([text, "yes" if ok else "**no**", value]) for text, ok, value in goals(run, agg)]
    if run.problems:
        lines += ["", "Problems:", "", *(f"- {p}" for p in run.problems)]
    return "\n".join(lines) + "\n"


def doc_block(run, meta) -> str:
    """The measured block of docs/performance.md: each kept page beside its long tail, at 8 connections."""
    agg, main = aggregate(run.points), run.args.entries
    at8, queries = _at(agg, main), run.queries.get(main, {})
    tail_of = {TAIL_OF[p.tail]: p for p in PAGES if p.tail and p.name in at8}
    tails = ", ".join(f"{count:,} {kind}s" for kind, count in run.datasets[main]["tail"].items())
    lines = [
        f"**{meta['finished'][:10]}**, `{meta['command']}`: {meta['cache']}, {main:,} entries, "
        f"{run.args.duration} s a point, median of {run.args.repeats}; mean load average "
        f"**{meta['load_average']:.1f}**; the ceiling served {at8.get('ceiling', {}).get('rps', 0):,.0f} "
        f"req/s at 8 connections. Long tail over {tails}.",
        "",
        "| page | kept: ratio @8 | kept: CPU ms/req | long tail: ratio @8 | long tail: CPU ms/req "
        "| long-tail goal | statements (kept / built) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for page in (p for p in PAGES if not p.tail and p.name in at8):
        kept, tail = at8[page.name], tail_of.get(page.name)
        cells = [page.label, f"{kept['ratio']:.1%}", _cell(kept, "cpu_ms", "{:.2f}"), "", "", ""]
        if tail:
            cold = at8[tail.name]
            cells[3:] = [f"{cold['ratio']:.1%}", _cell(cold, "cpu_ms", "{:.1f}"), f"≥ {tail.goal:.0%}"]
        built = queries.get(tail.name) if tail else page.built
        lines.append(_row([*cells, f"{queries.get(page.name, '–')}{'' if built is None else f' / {built}'}"]))
    errors = sum(p.errors for p in run.points)
    missed = [f"{text} ({value})" for text, ok, value in goals(run, agg) if not ok]
    verdict = f"Goals not met: {'; '.join(missed)}." if missed else "Every goal met."
    lines += ["", f"{errors} errors. {verdict}"]
    return "\n".join(lines)


def save(run, meta, name: str, folder: Path) -> str:
    """bench/results/<name>.md and .json; the Markdown."""
    agg = aggregate(run.points)
    text = markdown(run, agg, meta)
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
