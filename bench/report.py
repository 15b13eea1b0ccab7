#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise a benchmark run (the rows bench/guest.sh printed).

    report.py RAW.csv OUTDIR

RAW.csv has the columns round,mode,workload,metric,value,unit. Writes to
OUTDIR: summary.csv (one line per workload/metric/mode, with the spread over
rounds), ratios.csv (alg/kernel and both against the no-NAT ceiling, paired by
round), summary.json (all of it plus the targets), summary.txt (the table
printed at the end of a run) and scaling.png (workload 3), if matplotlib is
there.
"""
import csv
import json
import math
import os
import statistics
import sys
from collections import defaultdict

MODES = ("alg", "kernel", "none")

# (workload, metric, better, label): better is "higher" or "lower".
SHOWN = [
    ("udp", "fwd_pps", "higher", "64-byte UDP, one flow, forwarded"),
    ("udp", "fwd_pps_window", "higher", "  same, plain average over the window"),
    ("udp", "rcv_pps_window", "higher", "  same, received by the server (average)"),
    ("udp", "rcv_fraction", "higher", "  fraction of the sent packets received"),
    ("tcp", "mbit_s", "higher", "TCP bulk (iperf3)"),
    ("tcp", "mbit_s_average", "higher", "  same, iperf3's receiver average"),
    ("conn", "conn_s", "higher", "TCP connect+request+close"),
    ("conn", "conn_s_average", "higher", "  same, plain average"),
    ("ftp", "passive_mib_s", "higher", "FTP passive download"),
    ("ftp", "passive_mib_s_whole", "higher", "  same, whole transfer average"),
    ("ftp", "active_mib_s", "higher", "FTP active download"),
    ("ftp", "active_mib_s_whole", "higher", "  same, whole transfer average"),
    ("mem", "bytes_per_conn_cache_kmalloc", "lower", "bytes/conn: own cache + kmalloc-*"),
    ("mem", "bytes_per_conn_slabinfo_total", "lower", "bytes/conn: all slab caches"),
    ("mem", "bytes_per_conn_meminfo_slab", "lower", "bytes/conn: Slab: in /proc/meminfo"),
    ("mem", "bytes_per_conn_objsize", "lower", "object size (slabinfo objsize)"),
]


def num(v):
    try:
        return float(v)
    except ValueError:
        return None


def spread(vals):
    vals = [v for v in vals if v is not None and not math.isnan(v)]
    if not vals:
        return None
    return {
        "n": len(vals),
        "mean": statistics.fmean(vals),
        "min": min(vals),
        "max": max(vals),
        "stdev": statistics.stdev(vals) if len(vals) > 1 else 0.0,
        "values": vals,
    }


def fmt(x):
    if x is None:
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def fmt_spread(s):
    if not s:
        return "-"
    if s["n"] == 1:
        return fmt(s["mean"])
    return f"{fmt(s['mean'])} [{fmt(s['min'])}-{fmt(s['max'])}]"


def load(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append(r)
    return rows


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    raw, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rows = load(raw)
    config = {r["metric"]: r["value"] for r in rows if r["round"] == "0"}
    # data[(workload, metric)][mode][round] = value
    data = defaultdict(lambda: defaultdict(dict))
    units = {}
    problems = []
    for r in rows:
        if r["round"] == "0":
            continue
        key = (r["workload"], r["metric"])
        units[key] = r["unit"]
        if r["unit"] == "bool":
            problems.append(f"round {r['round']} {r['mode']} {r['workload']}: {r['metric']}")
            continue
        data[key][r["mode"]][int(r["round"])] = num(r["value"])

    def stat(key, mode):
        return spread(list(data[key][mode].values()))

    def ratio(key, a, b):
        """a/b per round (only rounds that have both), then the spread."""
        da, db = data[key][a], data[key][b]
        return spread([da[k] / db[k] for k in da if k in db and db[k]])

    # Lookup cost: time per packet at N entries over time per packet at the
    # smallest size, per round: pps(smallest) / pps(N).
    sizes = sorted({int(m.split("_")[0][1:]) for (w, m) in data if w == "scale"
                    and m.startswith("n") and m.endswith("_fwd_pps")})
    for mode in ("alg", "kernel"):
        if not sizes:
            break
        base = data[("scale", f"n{sizes[0]}_fwd_pps")][mode]
        for n in sizes:
            cur = data[("scale", f"n{n}_fwd_pps")][mode]
            key = ("scale", f"cost_ratio_{n}_vs_{sizes[0]}")
            units[key] = "x"
            for k in cur:
                if k in base and cur[k]:
                    data[key][mode][k] = base[k] / cur[k]

    shown = list(SHOWN)
    for n in sizes:
        shown.append(("scale", f"n{n}_fwd_pps", "higher", f"UDP forwarded, {n:,} idle entries"))
    for n in sizes[1:]:
        shown.append(("scale", f"cost_ratio_{n}_vs_{sizes[0]}", "lower",
                      f"per-packet cost, {n:,} vs {sizes[0]:,} entries"))
    for n in sizes:
        shown.append(("scale", f"fill_{n}", "higher", f"new UDP flows/s filling to {n:,}"))

    targets = []

    def target(name, key, kind, limit, mode="alg"):
        if kind == "ratio_ge":
            s = ratio(key, "alg", "kernel")
            cmp = ">="
        elif kind == "ratio_le":
            s = ratio(key, "alg", "kernel")
            cmp = "<="
        else:  # value_le: alg's own figure
            s = stat(key, mode)
            cmp = "<="
        if not s:
            verdict = "no data"
        else:
            ok_mean = s["mean"] >= limit if cmp == ">=" else s["mean"] <= limit
            worst = s["min"] if cmp == ">=" else s["max"]
            ok_all = worst >= limit if cmp == ">=" else worst <= limit
            verdict = "MET" if ok_all else ("met on mean only" if ok_mean else "NOT MET")
        targets.append({"target": name, "workload": key[0], "metric": key[1],
                        "want": f"{cmp} {limit}", "got": s, "verdict": verdict})

    target("forwarding rate, UDP (alg/kernel)", ("udp", "fwd_pps"), "ratio_ge", 1.0)
    target("forwarding rate, TCP bulk (alg/kernel)", ("tcp", "mbit_s"), "ratio_ge", 1.0)
    target("connection setup rate (alg/kernel)", ("conn", "conn_s"), "ratio_ge", 1.0)
    if len(sizes) > 1:
        target(f"lookup cost at {sizes[-1]:,} vs {sizes[0]:,} entries (alg)",
               ("scale", f"cost_ratio_{sizes[-1]}_vs_{sizes[0]}"), "value_le", 1.2)
    target("memory per connection (alg/kernel, own cache + kmalloc)",
           ("mem", "bytes_per_conn_cache_kmalloc"), "ratio_le", 0.6)
    target("memory per connection (alg/kernel, Slab: in meminfo)",
           ("mem", "bytes_per_conn_meminfo_slab"), "ratio_le", 0.6)

    # summary.csv and ratios.csv
    with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "metric", "unit", "mode", "n", "mean", "min", "max", "stdev"])
        for (wl, m, _, _) in shown:
            for mode in MODES:
                s = stat((wl, m), mode)
                if s:
                    w.writerow([wl, m, units.get((wl, m), ""), mode, s["n"],
                                f"{s['mean']:.4g}", f"{s['min']:.4g}", f"{s['max']:.4g}",
                                f"{s['stdev']:.4g}"])
    with open(os.path.join(out, "ratios.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "metric", "ratio", "n", "mean", "min", "max", "stdev"])
        for (wl, m, _, _) in shown:
            for a, b in (("alg", "kernel"), ("alg", "none"), ("kernel", "none")):
                s = ratio((wl, m), a, b)
                if s:
                    w.writerow([wl, m, f"{a}/{b}", s["n"], f"{s['mean']:.4g}",
                                f"{s['min']:.4g}", f"{s['max']:.4g}", f"{s['stdev']:.4g}"])

    # summary.txt: the table
    lines = []
    lines.append(f"alg_conntrack benchmark: {config.get('rounds', '?')} rounds, "
                 f"{config.get('duration', '?')} s per measurement, hashsize "
                 f"{config.get('hashsize', '?')}, max {config.get('max', '?')}")
    lines.append("mean [min-max] over rounds; ratios are paired by round")
    lines.append("")
    hdr = f"{'measurement':44} {'unit':8} {'alg':>24} {'kernel':>24} {'none':>20} {'alg/kernel':>20} {'alg/none':>8} {'kern/none':>9}"
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for (wl, m, _, label) in shown:
        if not any(stat((wl, m), mode) for mode in MODES):
            continue
        rk = ratio((wl, m), "alg", "kernel")
        ra = ratio((wl, m), "alg", "none")
        rn = ratio((wl, m), "kernel", "none")
        lines.append(f"{label:44.44} {units.get((wl, m), ''):8.8} "
                     f"{fmt_spread(stat((wl, m), 'alg')):>24} "
                     f"{fmt_spread(stat((wl, m), 'kernel')):>24} "
                     f"{fmt_spread(stat((wl, m), 'none')):>20} "
                     f"{fmt_spread(rk):>20} {fmt(ra['mean']) if ra else '-':>8} "
                     f"{fmt(rn['mean']) if rn else '-':>9}")
    lines.append("")
    lines.append("targets:")
    for t in targets:
        lines.append(f"  {t['target']:58} want {t['want']:7} got {fmt_spread(t['got']):>20}  {t['verdict']}")
    if problems:
        lines.append("")
        lines.append("problems reported by the run:")
        for p in problems:
            lines.append(f"  {p}")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(text)
    print(text, end="")

    summary = {
        "config": config,
        "measurements": [
            {"workload": wl, "metric": m, "label": label, "unit": units.get((wl, m), ""),
             "better": better,
             "modes": {mode: stat((wl, m), mode) for mode in MODES if stat((wl, m), mode)},
             "ratios": {f"{a}/{b}": ratio((wl, m), a, b)
                        for a, b in (("alg", "kernel"), ("alg", "none"), ("kernel", "none"))
                        if ratio((wl, m), a, b)}}
            for (wl, m, better, label) in shown
            if any(stat((wl, m), mode) for mode in MODES)],
        "targets": targets,
        "problems": problems,
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)

    plot(data, sizes, out)
    return 0


def plot(data, sizes, out):
    if not sizes:
        return
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: no matplotlib (python3-matplotlib): no scaling.png", file=sys.stderr)
        return
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    colours = {"alg": "tab:blue", "kernel": "tab:orange", "none": "tab:gray"}
    names = {"alg": "alg_conntrack", "kernel": "nf_conntrack + nf_nat", "none": "no NAT (ceiling)"}
    for mode in ("alg", "kernel"):
        xs, ys, lo, hi, cx, cy, clo, chi = [], [], [], [], [], [], [], []
        for n in sizes:
            s = spread(list(data[("scale", f"n{n}_fwd_pps")][mode].values()))
            if s:
                xs.append(n)
                ys.append(s["mean"])
                lo.append(s["mean"] - s["min"])
                hi.append(s["max"] - s["mean"])
            c = spread(list(data[("scale", f"cost_ratio_{n}_vs_{sizes[0]}")][mode].values()))
            if c:
                cx.append(n)
                cy.append(c["mean"])
                clo.append(c["mean"] - c["min"])
                chi.append(c["max"] - c["mean"])
        if xs:
            ax1.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=4,
                         color=colours[mode], label=names[mode])
        if cx:
            ax2.errorbar(cx, cy, yerr=[clo, chi], marker="o", capsize=4,
                         color=colours[mode], label=names[mode])
    none = spread(list(data[("udp", "fwd_pps")]["none"].values()))
    if none:
        ax1.axhline(none["mean"], color=colours["none"], linestyle="--", label=names["none"])
    ax1.set_xscale("log")
    ax1.set_xlabel("idle entries in the table")
    ax1.set_ylabel("forwarded packets/s (64-byte UDP, one flow)")
    ax1.set_title("Forwarding rate as the table grows")
    ax1.set_ylim(bottom=0)
    ax1.legend(fontsize=8)
    ax1.grid(True, alpha=0.3)
    ax2.axhline(1.2, color="tab:red", linestyle=":", label="target for alg: 1.2x")
    ax2.set_xscale("log")
    ax2.set_xlabel("idle entries in the table")
    ax2.set_ylabel(f"time per packet / time at {sizes[0]:,} entries")
    ax2.set_title("Per-packet cost relative to the smallest table")
    ax2.legend(fontsize=8)
    ax2.grid(True, alpha=0.3)
    fig.text(0.01, 0.01, "mean over rounds; bars: min-max", fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "scaling.png"), dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
