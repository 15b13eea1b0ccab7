#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/hookbench.sh: the hook-path micro-benchmark (bench/README.md, "Hook-path
# micro-benchmark"). Builds bench/hookbench/hookbench.ko and alg_conntrack.ko
# for KVER (both in bench/build/hookbench-KVER/, alg_conntrack from a copy of
# the working tree's sources, so the tree's own objects stay as they are),
# boots the VM once to run bench/hookbench/run-guest.sh there, and prints the
# table, also written to bench/results/hookbench.txt (and
# hookbench-KVER.txt; the whole guest log in hookbench-KVER.log).
#
# Settings (environment): KVER; HOOKBENCH_ROUNDS (5), HOOKBENCH_SCALE_ROUNDS
# (2), HOOKBENCH_N (64000), HOOKBENCH_NEW (50000), HOOKBENCH_SIZES
# ("1000 100000 1000000"), HOOKBENCH_STACKS ("alg kernel none"),
# HOOKBENCH_PROFILE (1), HOOKBENCH_PROFILE_N (300000), HOOKBENCH_LEN (64),
# HOOKBENCH_CHUNKS (32), HOOKBENCH_SW_CSUM (0), HOOKBENCH_HASHSIZE (1048576),
# HOOKBENCH_MAX (1200000), HOOKBENCH_ALG_KO (a prebuilt alg_conntrack.ko);
# ALG_VM_MEM (4G here), ALG_VM_TIMEOUT (2400 here).
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD

if [ $# -gt 0 ]; then
	sed -n '3,19s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi

kver=${KVER:-$(scripts/kver)} || exit 1
export KVER=$kver
kdir=/lib/modules/$kver/build
[ -e "$kdir/Makefile" ] || { echo "hookbench: no kbuild headers for $kver" >&2; exit 1; }
build=bench/build/hookbench-$kver
res=bench/results
mkdir -p "$build/hookbench" "$build/alg" "$res" || exit 1

# Quiet builds; the compiler's complaints still show.
kmake() {
	make -s -C "$kdir" M="$top/$1" modules 2>&1 | grep -v 'Skipping BTF generation'
	return "${PIPESTATUS[0]}"
}

if ! cp -p bench/hookbench/hookbench.c bench/hookbench/Kbuild "$build/hookbench/" ||
	! kmake "$build/hookbench"; then
	echo "hookbench: hookbench.ko does not build" >&2
	exit 1
fi
hb_ko=$build/hookbench/hookbench.ko

if [ -n "${HOOKBENCH_ALG_KO:-}" ]; then
	alg_ko=$HOOKBENCH_ALG_KO
else
	git ls-files -co --exclude-standard -- Kbuild VERSION compat include src |
		while read -r f; do
			[ -f "$f" ] && cp --parents -p "$f" "$build/alg/"
		done
	kmake "$build/alg" || {
		echo "hookbench: alg_conntrack.ko does not build from the working tree (HOOKBENCH_ALG_KO=... takes a built one)" >&2
		exit 1
	}
	alg_ko=$build/alg/alg_conntrack.ko
fi
[ -f "$alg_ko" ] || { echo "hookbench: no $alg_ko" >&2; exit 1; }

export ALG_VM_MEM=${ALG_VM_MEM:-4G}
export ALG_VM_TIMEOUT=${ALG_VM_TIMEOUT:-2400}
vars=()
for v in $(compgen -e | grep '^HOOKBENCH_'); do
	vars+=("$v=${!v}")
done

log=$res/hookbench-$kver.log
echo "hookbench: kernel $kver, tree $(git describe --always --dirty 2>/dev/null || echo '?'), VM $ALG_VM_MEM, ${vars[*]:-defaults}; log in $log"
start=$(date +%s)
scripts/vm-run env "${vars[@]}" bench/hookbench/run-guest.sh "$alg_ko" "$hb_ko" 2>&1 |
	tee "$log" | grep --line-buffered -v '^@@'
rc=${PIPESTATUS[0]}
echo "hookbench: VM run took $(( $(date +%s) - start )) s, exit $rc"

py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
out=$res/hookbench-$kver.txt
$py - "$log" "$kver" > "$out" <<'EOF' || rc=1
import re
import statistics
import sys

log, kver = sys.argv[1], sys.argv[2]
vals = {}       # metric -> stack -> round -> value
problems = []
prof = []
config = {}
for line in open(log, errors='replace'):
    line = line.rstrip('\r\n')
    if line.startswith('@@PROF'):
        prof.append(line[7:])
        continue
    if not line.startswith('@@HB,'):
        continue
    _, r, stack, metric, value = line.split(',', 4)
    if stack == 'all':
        config[metric] = value
    elif metric.startswith('problem_') or metric.endswith('_failed'):
        problems.append(f'round {r} {stack} {metric}: {value}')
    else:
        try:
            vals.setdefault(metric, {}).setdefault(stack, {})[int(r)] = float(value)
        except ValueError:
            problems.append(f'round {r} {stack} {metric}: bad value {value}')

if not vals:
    print('hookbench: no results in the log')
    sys.exit(1)

med = statistics.median


def get(metric, stack):
    return vals.get(metric, {}).get(stack, {})


def m(metric, stack):
    v = [x for r, x in get(metric, stack).items() if r > 0]
    return med(v) if v else None


def hook(metric, stack):
    """per round: the paired hook cost (CASE_hook), else the case minus the
    same round's floor of the same stack"""
    if metric + '_hook' in vals:
        return {r: x for r, x in get(metric + '_hook', stack).items() if r > 0}
    f = None
    for p, fl in (('udp', 'udp'), ('tcp', 'tcp'), ('new', 'new'), ('fill', 'new')):
        if metric.startswith(p):
            f = 'floor_' + fl
            break
    if not f:
        return {}
    a, b = get(metric, stack), get(f, stack)
    return {r: a[r] - b[r] for r in a if r in b and r > 0}


def ratio(a, b):
    rs = [a[r] / b[r] for r in a if r in b and b[r] > 0]
    return (med(rs), min(rs), max(rs)) if rs else None


def fmt_ratio(t):
    return f'{t[0]:.2f} [{t[1]:.2f}-{t[2]:.2f}]' if t else '-'


def num(x):
    return f'{x:.0f}' if x is not None else '-'


def div(a, b):
    return f'{a / b:.2f}' if a is not None and b else '-'


rows = [
    ('floor_udp', 'floor: udp packet, no hooks'),
    ('floor_tcp', 'floor: tcp packet, no hooks'),
    ('floor_new', 'floor: new udp flow, no hooks'),
    ('udp_nat', 'udp established, NAT'),
    ('udp_nonat', 'udp established, no NAT'),
    ('tcp_nat', 'tcp established, NAT'),
    ('tcp_nonat', 'tcp established, no NAT'),
    ('new_nat', 'udp new connection, NAT'),
    ('new_nonat', 'udp new connection, no NAT'),

]


def size_label(s):
    return f'{s // 1000000}M' if s >= 1000000 else f'{s // 1000}k' if s >= 1000 else str(s)


sizes = sorted({int(k[8:]) for k in vals if re.fullmatch(r'udp_nat_\d+', k)})
prev = 0
for s in sizes:
    rows.append((f'fill_{s}', f'udp new conn., NAT, {size_label(prev)}->{size_label(s)}'))
    prev = s
for s in sizes:
    rows.append((f'udp_nat_{s}', f'udp est. NAT, {size_label(s)} other entries'))
for k in sorted(k for k in vals if re.fullmatch(r'flush_nat_\d+', k)):
    rows.append((k, f'kill/entry: conntrack -F, {size_label(int(k.rsplit("_", 1)[1]))} NAT'))

nr = config.get('config_rounds', '?')
print(f'hookbench: kernel {kver}, {nr} rounds (table sizes: first '
      f'{config.get("config_scale_rounds", "?")}), {config.get("config_n", "?")} packets per '
      f'established case, {config.get("config_new", "?")} new flows; qemu TCG')
print(f'ns per packet: median over rounds of each round\'s median over {config.get("config_chunks", "?")} chunks;'
      ' ratios: median [min-max] of per-round ratios;')
print('hook cost: median over chunks of (chunk with hooks - the chunk of the same packets without hooks timed just before);')
print('  where not paired (fill), the case minus the same round\'s floor of the same stack. Floor = allocate, fill, route, free.')
print()
hdr = (f'{"case":36} {"alg":>7} {"kernel":>7} {"none":>7}  {"alg/kernel":<18} {"alg/none":>8} '
       f'{"kern/none":>9}  {"hook alg":>8} {"hook kern":>9} {"hook none":>9}  {"hook alg/kernel":<18}')
print(hdr)
print('-' * len(hdr))
for metric, label in rows:
    if metric not in vals:
        continue
    a, k, n = m(metric, 'alg'), m(metric, 'kernel'), m(metric, 'none')
    r = ratio(get(metric, 'alg'), get(metric, 'kernel'))
    ha, hk, hn = hook(metric, 'alg'), hook(metric, 'kernel'), hook(metric, 'none')
    hr = ratio(ha, hk)
    print(f'{label:36} {num(a):>7} {num(k):>7} {num(n):>7}  {fmt_ratio(r):<18} {div(a, n):>8} '
          f'{div(k, n):>9}  {num(med(ha.values()) if ha else None):>8} '
          f'{num(med(hk.values()) if hk else None):>9} '
          f'{num(med(hn.values()) if hn else None):>9}  {fmt_ratio(hr):<18}')
print()

if len(sizes) >= 2:
    lo, hi = f'udp_nat_{sizes[0]}', f'udp_nat_{sizes[-1]}'
    for st in ('alg', 'kernel'):
        r = ratio(get(hi, st), get(lo, st))
        h = ratio(hook(hi, st), hook(lo, st))
        print(f'{st}: {sizes[-1]} vs {sizes[0]} entries: per packet {fmt_ratio(r)}, hook cost {fmt_ratio(h)}')
    print()


def verdict(t, want):
    if not t:
        return 'no data'
    if t[2] <= want:
        return 'MET'
    return 'met on median only' if t[0] <= want else 'NOT MET'


print('targets (issue 15), median [min-max] over rounds:')
for metric, label, want in (('udp_nat', 'established udp, NAT', 0.8),
                            ('udp_nonat', 'established udp, no NAT', 0.8),
                            ('tcp_nat', 'established tcp, NAT', 0.8),
                            ('tcp_nonat', 'established tcp, no NAT', 0.8),
                            ('new_nat', 'new connection, NAT', 0.7),
                            ('new_nonat', 'new connection, no NAT', 0.7)):
    h = ratio(hook(metric, 'alg'), hook(metric, 'kernel'))
    r = ratio(get(metric, 'alg'), get(metric, 'kernel'))
    print(f'  {label:26} alg/kernel <= {want}: hook cost {fmt_ratio(h)} {verdict(h, want)}; '
          f'whole packet {fmt_ratio(r)} {verdict(r, want)}')
if len(sizes) >= 2:
    lo, hi = f'udp_nat_{sizes[0]}', f'udp_nat_{sizes[-1]}'
    r = ratio(get(hi, 'alg'), get(lo, 'alg'))
    h = ratio(hook(hi, 'alg'), hook(lo, 'alg'))
    print(f'  {"alg at " + str(sizes[-1]) + " vs " + str(sizes[0]):26} <= 1.1: per packet '
          f'{fmt_ratio(r)} {verdict(r, 1.1)}; hook cost {fmt_ratio(h)} {verdict(h, 1.1)}')
print()
if problems:
    print('problems:')
    for p in problems:
        print('  ' + p)
else:
    print('problems: none (every packet accepted, tracked, NATed as expected; tables filled)')
if prof:
    print()
    print('profile: alg, established udp with MASQUERADE (perf record -a -g -e cpu-clock), top functions by self time')
    print('in the samples taken inside the timed loop (hb_run_case on the call chain, softirqs included):')
    for p in prof:
        print('  ' + p)
EOF
cat "$out"
cp "$out" "$res/hookbench.txt"
echo "hookbench: results in $out and $res/hookbench.txt, log $log"
exit "$rc"
