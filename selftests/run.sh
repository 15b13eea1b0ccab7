#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every selftest (selftests/[0-9]*.sh, or those named) inside the VM,
# kselftest style, then print "N passed, N failed" over all their subtests.
cd "$(dirname "$0")" || exit 1
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=([0-9]*.sh)

n=0 pass=0 fail=0 skip=0
echo "TAP version 13"
echo "1..${#tests[@]}"
for t in "${tests[@]}"; do
	n=$((n + 1))
	out=$(mktemp)
	start=$(date +%s)
	bash "./$t" > "$out" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	sed 's/^/  /' "$out"
	p=$(grep -c '^ok .*' "$out" | tr -d ' ')
	s=$(grep -c '^ok .*# SKIP' "$out" | tr -d ' ')
	f=$(grep -c '^not ok ' "$out" | tr -d ' ')
	p=$((p - s))
	# A test that died without reporting a failure still failed.
	if [ $rc -ne 0 ] && [ $rc -ne 4 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	case $rc in
	0) echo "ok $n selftests: $t (${secs}s)" ;;
	4) skip=$((skip + (p + f + s == 0))); echo "ok $n selftests: $t # SKIP" ;;
	*) echo "not ok $n selftests: $t (exit $rc, ${secs}s)" ;;
	esac
	rm -f "$out"
done
echo "selftests: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
