#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 100 cycles of insmod / create+delete namespaces / rmmod: every cycle must
# succeed and the kernel must log no warning (vm-run also fails the run).
. "$(dirname "$0")/lib.sh"
trap_cleanup mod_unload
[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"
CYCLES=${CYCLES:-100}

dmesg_before=$(dmesg | grep -cE 'WARNING|BUG|Oops|refcount_t')
bad=0
for i in $(seq "$CYCLES"); do
	insmod "$MODULE" || { bad=$((bad + 1)); continue; }
	ip netns add "$(ns a$i)" && ip netns add "$(ns b$i)" || bad=$((bad + 1))
	nsx a$i test -e /proc/net/alg_conntrack || bad=$((bad + 1))
	ip netns del "$(ns a$i)"
	rmmod alg_conntrack || bad=$((bad + 1))
	ip netns del "$(ns b$i)"
done
check_eq "$CYCLES load/netns/unload cycles without error" "$bad" 0
check "module not left loaded" sh -c '! grep -q "^alg_conntrack " /proc/modules'
dmesg_after=$(dmesg | grep -cE 'WARNING|BUG|Oops|refcount_t')
check_eq "no kernel warnings during the cycles" "$dmesg_after" "$dmesg_before"
ktap_finish
