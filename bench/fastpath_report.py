#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""fastpath_report.py RAW.CSV [KERNEL]: bench/fastpath's table.

Per stack the mean [min-max] over rounds of UDP forwarding (packets/s) and
TCP bulk (Mbit/s); then algfast's ratios to each other stack, paired by
round (mean [min-max]), against the issue's targets.
"""

import csv
import statistics
import sys

ROWS = (("udp", "fwd_pps", "UDP 64 B forwarded", "pps"),
        ("tcp", "mbit_s", "TCP bulk", "Mbit/s"))
MODES = ("algfast", "kernel", "kernelft", "none")
TARGETS = {"kernel": 1.3, "kernelft": 1.0, "none": 1.0}


def spread(v):
    if not v:
        return "-"
    return "%.4g [%.4g-%.4g]" % (statistics.mean(v), min(v), max(v))


def main():
    vals = {}
    with open(sys.argv[1]) as f:
        for r in csv.DictReader(f):
            vals.setdefault((r["workload"], r["metric"], r["mode"]), {})[
                r["round"]] = float(r["value"])
    kernel = sys.argv[2] if len(sys.argv) > 2 else "?"
    print("bench/fastpath on %s: mean [min-max] over rounds" % kernel)
    print("%-20s %-7s" % ("", "unit") +
          "".join("%26s" % m for m in MODES))
    for wl, m, name, unit in ROWS:
        print("%-20s %-7s" % (name, unit) + "".join(
            "%26s" % spread(list(vals.get((wl, m, mode), {}).values()))
            for mode in MODES))
    print()
    print("algfast / other, paired by round; target")
    ok = True
    for wl, m, name, unit in ROWS:
        a = vals.get((wl, m, "algfast"), {})
        for other in ("kernel", "kernelft", "none"):
            b = vals.get((wl, m, other), {})
            r = [a[k] / b[k] for k in a if k in b and b[k] > 0]
            if not r:
                print("%-20s algfast/%-9s no data" % (name, other))
                ok = False
                continue
            met = statistics.mean(r) >= TARGETS[other]
            ok &= met
            print("%-20s algfast/%-9s %.2f [%.2f-%.2f] (n=%d)  >= %.1f: %s" % (
                name, other, statistics.mean(r), min(r), max(r), len(r),
                TARGETS[other], "met" if met else "NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
