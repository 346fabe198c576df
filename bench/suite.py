#!/usr/bin/env python3
"""The end-to-end benchmark suite of issue #6: wprun pipelines against baselines, in one run.

Every case runs `--runs` times; the cases are interleaved (round 1 of every case, then round 2,
...) so that a noisy neighbour hurts all of them alike. Prints a Markdown table (median, min, max,
items/s, ns/item, peak RSS, ratio to the baseline, the issue's target, PASS/MISS) and writes it,
with the machine it ran on, into docs/performance.md between the suite markers (or to --out).

Run it through bench/suite.sh. Python 3.9+, standard library only, and /usr/bin/time
(Debian package `time`).
"""

import argparse
import filecmp
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- bench/suite.sh: begin (generated; edit outside these markers) -->"
END = "<!-- bench/suite.sh: end -->"


@dataclass
class sizes:
    """Item counts of one suite mode."""

    k0: int = 10_000_000
    k0_small: int = 100_000
    k100: int = 2_000_000
    k10000: int = 20_000
    w2_lines: int = 1_000_000
    w3_items: int = 2000
    runs: int = 7
    startup_runs: int = 40


QUICK = sizes(k0=20_000, k0_small=2_000, k100=5_000, k10000=100, w2_lines=2_000, w3_items=128,
              runs=1, startup_runs=3)


@dataclass
class case:
    """One program run `runs` times; wall seconds and peak RSS (KiB) per run."""

    key: str
    label: str
    cmd: list
    items: int
    check: object = None  # callable(stdout+stderr) -> error text or None
    rss: bool = True
    walls: list = field(default_factory=list)
    cpus: list = field(default_factory=list)
    rss_kb: list = field(default_factory=list)

    def median(self):
        return statistics.median(self.walls)


def run_once(c, work):
    """Runs `c` once; records its wall time, CPU time (user + sys) and peak RSS.

    Peak RSS is /usr/bin/time's %M: a child forked from this Python process would report
    Python's own RSS (the high-water mark survives exec). CPU time comes from wait4(2) on
    /usr/bin/time, whose usage includes its waited-for child, at microsecond resolution.
    Start-up cases run without /usr/bin/time (its own exec would count) and have no RSS.
    A failed run stops the suite.
    """
    out_path, rss_path = work / "run-output.txt", work / "run-rss.txt"
    cmd = (["/usr/bin/time", "-f", "%M", "-o", str(rss_path)] if c.rss else []) + c.cmd
    with open(out_path, "w+") as out_file:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out_file, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        out = out_file.read()
    if p.returncode != 0:
        raise SystemExit(f"suite: {c.label} failed (exit {p.returncode}):\n  {' '.join(c.cmd)}\n"
                         + out[-2000:])
    problem = c.check(out) if c.check else None
    if problem:
        raise SystemExit(f"suite: {c.label}: {problem}\n  {' '.join(c.cmd)}\n" + out[-2000:])
    c.walls.append(wall)
    c.cpus.append(usage.ru_utime + usage.ru_stime)
    if c.rss:
        c.rss_kb.append(int(rss_path.read_text().split()[-1]))


def ledger_check(items):
    """wprun's report must say every item was written (none failed, none cancelled)."""

    def check(out):
        m = re.search(r"read (\d+), written (\d+), filtered (\d+), failed (\d+), cancelled (\d+)",
                      out)
        if not m:
            return "no report line in its output"
        read, written = int(m.group(1)), int(m.group(2))
        if read != items or written != items:
            return f"read {read}, written {written}; expected {items} of each"
        return None

    return check


def items_check(items):
    def check(out):
        m = re.search(r"items=(\d+)", out)
        return None if m and int(m.group(1)) == items else f"did not process {items} items"

    return check


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {cpu}, "
            f"Linux {platform.release()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


class suite:
    def __init__(self, args):
        self.args = args
        self.n = QUICK if args.quick else sizes()
        if args.runs:
            self.n.runs = args.runs
        self.bin = Path(args.bin)
        self.wprun = str(self.bin / "wprun")
        self.work = Path(args.work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.cores = len(os.sched_getaffinity(0))
        self.cases = {}

    def tool(self, name):
        return str(self.bin / f"bench_{name}")

    def pipeline(self, name, *sets, extra=()):
        cmd = [self.wprun, "run", str(ROOT / "bench" / "pipelines" / f"{name}.yaml"),
               "--no-progress", *extra]
        for s in sets:
            cmd += ["--set", s]
        return cmd

    def add(self, c):
        self.cases[c.key] = c

    def w1(self, key, n, k, workers, extra=(), label=None):
        sets = [f"source.count={n}", f"stages.spin.config.rounds={k}",
                f"stages.spin.workers={workers}"]
        cmd = self.pipeline("w1", *sets, extra=extra)
        self.add(case(key, label or f"wprun workers {workers}", cmd, n, ledger_check(n)))

    def define(self):
        n, cores = self.n, self.cores
        for k, count in ((0, n.k0), (100, n.k100), (10000, n.k10000)):
            self.add(case(f"w1k{k}.seq", "sequential loop", [self.tool("seq_spin"), str(count),
                                                             str(k)], count, items_check(count)))
            self.w1(f"w1k{k}.w1", count, k, 1)
            self.w1(f"w1k{k}.auto", count, k, "auto")
        self.add(case("w1k0.raw", f"raw bulk queue, 1 → {cores}",
                      [self.tool("bulk_queue"), str(n.k0), "0", str(cores)], n.k0,
                      items_check(n.k0)))
        self.w1("w1k0.observed", n.k0, 0, "auto",
                extra=("--progress", "--report", str(self.work / "report.json")),
                label="wprun auto, progress + --report")
        self.w1("mem.small", n.k0_small, 0, "auto", label=f"wprun auto, N={n.k0_small:,}")
        self.w2_input = self.work / f"w2-input-{n.w2_lines}.txt"
        self.add(case("w2.seq", "sequential loop",
                      [self.tool("seq_hash"), str(self.w2_input), str(self.work / "w2-seq.txt")],
                      n.w2_lines, lambda out: None if f"lines={n.w2_lines}" in out else
                      "wrong line count"))
        self.add(case("w2.wprun", "wprun workers auto, ordered",
                      self.pipeline("w2", f"source.path={self.w2_input}",
                                    f"sink.path={self.work / 'w2-wprun.txt'}"),
                      n.w2_lines, self.w2_check))
        self.add(case("w3.pool", "64 plain threads",
                      [self.tool("sleep_pool"), str(n.w3_items), "2", "64"], n.w3_items,
                      items_check(n.w3_items)))
        self.add(case("w3.wprun", "wprun workers 64",
                      self.pipeline("w3", f"source.count={n.w3_items}"), n.w3_items,
                      ledger_check(n.w3_items)))

    def w2_check(self, out):
        problem = ledger_check(self.n.w2_lines)(out)
        if problem:
            return problem
        seq = self.work / "w2-seq.txt"
        if seq.exists() and not filecmp.cmp(seq, self.work / "w2-wprun.txt", shallow=False):
            return "output differs from the sequential program's (cmp)"
        self.w2_identical = seq.exists()
        return None

    def prepare(self):
        if not self.w2_input.exists():
            print(f"suite: writing the W2 input ({self.n.w2_lines:,} lines)", file=sys.stderr)
            tmp = self.w2_input.with_suffix(".tmp")
            subprocess.run([self.tool("gen_lines"), str(tmp), str(self.n.w2_lines), "100"],
                           check=True)
            tmp.rename(self.w2_input)
        self.w2_identical = False

    def run(self):
        self.define()
        self.prepare()
        order = list(self.cases.values())
        # The W2 sequential output must exist before wprun's is compared with it.
        order.sort(key=lambda c: c.key != "w2.seq")
        for r in range(self.n.runs):
            print(f"suite: round {r + 1}/{self.n.runs}", file=sys.stderr)
            for c in order:
                run_once(c, self.work)
        self.startup()
        if not self.w2_identical:
            raise SystemExit("suite: W2 output was never compared")
        if self.args.scaling:
            self.scaling()

    def scaling(self):
        """W1 K=10,000 at 1, 2, 4, .. workers (--scaling), interleaved like the rest."""
        counts = [1]
        while counts[-1] * 2 <= self.args.scaling:
            counts.append(counts[-1] * 2)
        cases = []
        for w in counts:
            self.w1(f"scale.{w}", self.n.k10000, 10000, w)
            cases.append(self.cases[f"scale.{w}"])
        for r in range(self.n.runs):
            print(f"suite: scaling round {r + 1}/{self.n.runs}", file=sys.stderr)
            for c in cases:
                run_once(c, self.work)
        self.scaled = list(zip(counts, cases))

    def scaling_table(self):
        one = self.scaled[0][1].median()
        rows = ["| workers | median ms | speedup over 1 | speedup / workers | target |",
                "|---:|---:|---:|---:|---|"]
        for w, c in self.scaled:
            speedup = one / c.median()
            target = ""
            if w == 16:
                target = f"≥ 0.9 × 16: {self.verdict(speedup >= 0.9 * 16)}"
            rows.append(f"| {w} | {c.median() * 1e3:.1f} | {speedup:.2f} | "
                        f"{speedup / w:.2f} | {target} |")
        return (f"\nW1 K=10,000 N={self.n.k10000:,} scaling ({self.cores} cores here):\n\n"
                + "\n".join(rows) + "\n")

    def startup(self):
        one = case("startup", "one item, plugin loaded", self.pipeline("startup"), 1,
                   ledger_check(1), rss=False)
        floor = case("startup.floor", "a C++ program that does one item",
                     [self.tool("seq_spin"), "1", "0"], 1, items_check(1), rss=False)
        for _ in range(self.n.startup_runs):
            run_once(floor, self.work)
            run_once(one, self.work)
        self.add(floor)
        self.add(one)

    # ---- the table ----

    def row(self, workload, c, base=None, target="", verdict=""):
        med = c.median()
        ratio = f"{med / base.median():.2f}" if base else ""
        return (f"| {workload} | {c.label} | {med * 1e3:.1f} | {min(c.walls) * 1e3:.1f} | "
                f"{max(c.walls) * 1e3:.1f} | {statistics.median(c.cpus) * 1e3:.1f} | "
                f"{rate(c.items / med)} | {per_item(med / c.items)} | "
                f"{f'{statistics.median(c.rss_kb) / 1024:.1f}' if c.rss_kb else '–'} | {ratio} | {target} | {verdict} |")

    @staticmethod
    def verdict(ok):
        return "**PASS**" if ok else "**MISS**"

    def table(self):
        c, cores, n = self.cases, self.cores, self.n
        rows = []
        for k, count, need in ((10000, n.k10000, 0.97), (100, n.k100, 0.85)):
            seq, w1, auto = c[f"w1k{k}.seq"], c[f"w1k{k}.w1"], c[f"w1k{k}.auto"]
            speedup = w1.median() / auto.median()
            w = f"W1 K={k:,} N={count:,}"
            rows.append(self.row(w, seq))
            rows.append(self.row(w, w1, seq))
            rows.append(self.row(w, auto, seq, f"auto/1 speedup ≥ {need:.2f} × {cores} = "
                                 f"{need * cores:.2f}: **{speedup:.2f}**",
                                 self.verdict(speedup >= need * cores)))
        seq, raw, w1, auto = (c["w1k0.seq"], c["w1k0.raw"], c["w1k0.w1"], c["w1k0.auto"])
        w = f"W1 K=0 N={n.k0:,}"
        rate = n.k0 / auto.median()
        vs_raw = auto.median() / raw.median()
        rows += [self.row(w, seq), self.row(w, raw, seq), self.row(w, w1, seq),
                 self.row(w, auto, seq, f"≥ 30 M items/s and ≤ 10 × raw's ns/item: "
                          f"**{rate / 1e6:.1f} M/s, {vs_raw:.1f} ×**",
                          self.verdict(rate >= 30e6 and vs_raw <= 10))]
        obs = c["w1k0.observed"]
        over = obs.median() / auto.median() - 1
        rows.append(self.row("observability", obs, auto, f"≤ 5 % slower than without: "
                             f"**{over * 100:+.1f} %**", self.verdict(over <= 0.05)))
        small = c["mem.small"]
        big_rss, small_rss = statistics.median(auto.rss_kb), statistics.median(small.rss_kb)
        mem_ok = big_rss <= 1.2 * small_rss and big_rss <= 32 * 1024
        rows.append(self.row("memory", small, None, f"RSS(N={n.k0:,}) ≤ 1.2 × RSS(N="
                             f"{n.k0_small:,}) and ≤ 32 MiB: **{big_rss / 1024:.1f} MiB = "
                             f"{big_rss / small_rss:.2f} ×** (largest of {len(auto.rss_kb)} "
                             f"runs: {max(auto.rss_kb) / 1024:.1f} MiB)", self.verdict(mem_ok)))
        seq, wp = c["w2.seq"], c["w2.wprun"]
        r = wp.median() / seq.median()
        w = f"W2 {n.w2_lines:,} lines"
        rows += [self.row(w, seq), self.row(w, wp, seq, f"≤ 0.6 × sequential, output identical "
                                            f"(cmp): **{r:.2f} ×, identical**",
                                            self.verdict(r <= 0.6))]
        ideal = n.w3_items * 0.002 / 64
        pool, wp = c["w3.pool"], c["w3.wprun"]
        w = f"W3 {n.w3_items:,} × 2 ms / 64"
        rows += [self.row(w, pool), self.row(w, wp, pool, f"≤ 1.15 × {ideal * 1e3:.1f} ms = "
                                             f"{1.15 * ideal * 1e3:.1f} ms: "
                                             f"**{wp.median() * 1e3:.1f} ms**",
                                             self.verdict(wp.median() <= 1.15 * ideal))]
        floor, one = c["startup.floor"], c["startup"]
        rows += [self.row("start-up", floor), self.row(
            "start-up", one, floor, f"≤ 15 ms: **{one.median() * 1e3:.1f} ms**",
            self.verdict(one.median() <= 0.015))]
        head = ("| workload | program | median ms | min ms | max ms | CPU ms | items/s | "
                "per item | peak RSS MiB | ratio to baseline | target | result |\n"
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
        mode = " (--quick: tiny N, figures meaningless)" if self.args.quick else ""
        return (f"Machine: {machine()}.{mode} Runs per case: {n.runs} (start-up: "
                f"{n.startup_runs}), interleaved. Wall times are of the whole process (start-up "
                f"included); CPU is user + sys and peak RSS the runs' median; per item = median "
                f"wall / items; the ratio "
                f"is median wall / median wall of the row's baseline (the first row of its "
                f"workload).\n\n{head}\n" + "\n".join(rows) + "\n"
                + (self.scaling_table() if self.args.scaling else ""))


def rate(per_s):
    """Items per second, short: 31.2 M, 450 k, 12.0."""
    if per_s >= 1e6:
        return f"{per_s / 1e6:.1f} M"
    return f"{per_s / 1e3:.0f} k" if per_s >= 1e4 else f"{per_s:.1f}"


def per_item(seconds):
    """Wall time per item, short: 33 ns, 4.2 µs, 1.3 ms."""
    for unit, scale in (("ns", 1e9), ("µs", 1e6), ("ms", 1e3)):
        if seconds * scale < 10_000:
            return f"{seconds * scale:.0f} {unit}" if unit == "ns" else \
                f"{seconds * scale:.1f} {unit}"
    return f"{seconds:.2f} s"


def write_doc(path, text):
    block = f"{BEGIN}\n{text}{END}\n"
    old = path.read_text() if path.exists() else ""
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END) + 1:]
    else:
        new = old + ("\n" if old else "") + block
    path.write_text(new)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny N, one run: checks the suite runs")
    p.add_argument("--runs", type=int, help="runs per case (default 7; --quick 1)")
    p.add_argument("--bin", default=str(ROOT / "build" / "release" / "bin"),
                   help="folder of wprun and the bench_* programs")
    p.add_argument("--work", help="folder for inputs and outputs (default: a temporary one; "
                   "the 100 MB W2 input is kept in build/release/bench-work)")
    p.add_argument("--out", help="write the table here instead of docs/performance.md")
    p.add_argument("--scaling", type=int, metavar="MAX", default=0,
                   help="also W1 K=10,000 at 1, 2, 4, .. MAX workers (for machines with more "
                   "cores; the issue asks for 16)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="wprun-bench-") as tmp:
        if not args.work:
            args.work = tmp if args.quick else str(Path(args.bin).parent / "bench-work")
        s = suite(args)
        s.run()
        text = s.table()
    print(text)
    out = Path(args.out) if args.out else (None if args.quick else ROOT / "docs" /
                                           "performance.md")
    if out:
        write_doc(out, text)
        print(f"suite: table written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
