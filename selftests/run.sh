#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every selftest (selftests/[0-9]*.sh, or those named) inside the VM,
# kselftest style, then print "N passed, N failed" over all their subtests.
#
# Each test has its own time limit: a "# timeout: SECONDS" line in its
# header, else ALG_TEST_TIMEOUT (default 120). A test over its limit is
# killed, fails by name, and what it left behind (namespaces, the module) is
# cleared so the next test starts clean. ALG_TEST_TIMEOUT_SCALE (default 1)
# multiplies every limit, for slower kernels (debug builds).
cd "$(dirname "$0")" || exit 1
. ./lib.sh
tests=("$@")
# By default every test but the manual ones (run when named).
if [ ${#tests[@]} -eq 0 ]; then
	for t in [0-9]*.sh; do
		test_manual "$t" || tests+=("$t")
	done
fi
scale=${ALG_TEST_TIMEOUT_SCALE:-1}

# Under TCG each fork costs 50-200 ms: the loop below forks only the test.
# limit_of TEST: sets LIMIT.
limit_of() {
	local -a head
	local l n=${ALG_TEST_TIMEOUT:-120}
	mapfile -t -n 20 head < "$1"
	for l in "${head[@]}"; do
		[[ $l =~ ^#\ timeout:\ ([0-9]+)$ ]] && { n=${BASH_REMATCH[1]}; break; }
	done
	LIMIT=$((n * scale))
}

# After a killed test: its processes, namespaces and the module.
reset_state() {
	ns_cleanup '^alg[0-9]+_'
	sleep 1
	mod_unload
}

# On a kmemleak kernel, what the boot leaked is not the suite's.
kml=/sys/kernel/debug/kmemleak
if [ -w "$kml" ]; then
	echo scan > "$kml"
	echo clear > "$kml"
fi

n=0 pass=0 fail=0 skip=0
outdir=$(mktemp -d)
# Every insmod reads the whole file over 9p: without its debug sections
# the module is a thirtieth of the size (13 MB -> 0.45 MB, 6.12, W=1).
if [ -z "${ALG_MODULE:-}" ] &&
   strip --strip-debug -o "$outdir/alg_conntrack.ko" ../alg_conntrack.ko 2> /dev/null; then
	export ALG_MODULE=$outdir/alg_conntrack.ko
fi
echo "TAP version 13"
echo "1..${#tests[@]}"
for t in "${tests[@]}"; do
	n=$((n + 1))
	out=$outdir/$n.out
	limit_of "$t"
	limit=$LIMIT
	start=$SECONDS
	timeout -k 10 "$limit" bash "./$t" > "$out" 2>&1
	rc=$?
	secs=$((SECONDS - start))
	p=0 s=0 f=0
	while IFS= read -r l || [ -n "$l" ]; do
		echo "  $l"
		case $l in
		"ok "*"# SKIP"*) s=$((s + 1)) ;;
		"ok "*) p=$((p + 1)) ;;
		"not ok "*) f=$((f + 1)) ;;
		esac
	done < "$out"
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "# $t: killed after its time limit of ${limit}s"
		reset_state
		f=$((f + 1))
	fi
	# A reference run's nf_conntrack left behind keeps the module out.
	for _ in 1 2 3 4 5 6 7 8 9 10; do nfct_unload && break; sleep 0.5; done
	nfct_unload || { echo "# $t: left nf_conntrack loaded"; f=$((f + 1)); }
	# A test that died without reporting a failure still failed.
	if [ $rc -ne 0 ] && [ $rc -ne 4 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	case $rc in
	0) echo "ok $n selftests: $t (${secs}s)" ;;
	4) skip=$((skip + (p + f + s == 0))); echo "ok $n selftests: $t # SKIP" ;;
	124|137) echo "not ok $n selftests: $t (timeout after ${limit}s)" ;;
	*) echo "not ok $n selftests: $t (exit $rc, ${secs}s)" ;;
	esac
done
rm -rf "$outdir"
# On a kmemleak kernel (make check-debug): what the suite leaked.
if [ -w "$kml" ]; then
	for _ in 1 2; do echo scan > "$kml"; sleep 5; done
	ours=$(grep -c 'alg_' "$kml")
	total=$(grep -c '^unreferenced object' "$kml")
	echo "# kmemleak: $total unreferenced objects, $ours backtrace lines in alg_conntrack"
	if [ "$ours" -gt 0 ]; then
		sed 's/^/# /' "$kml" | head -n 200
		fail=$((fail + 1))
		echo "not ok kmemleak: objects leaked by alg_conntrack"
	else
		pass=$((pass + 1))
		echo "ok kmemleak: nothing leaked by alg_conntrack"
	fi
fi
echo "selftests: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
