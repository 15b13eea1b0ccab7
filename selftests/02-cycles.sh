#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 120
# CYCLES (default 20) cycles of insmod / create two namespaces / delete
# one / rmmod / delete the other: every step must succeed, the namespaces
# must have the module's files while it is loaded, and after each rmmod the
# connection cache must be gone (every object freed, the cache destroyed).
# A kernel warning panics the VM (vm-run fails the run on it). Under TCG a
# process start costs ~0.15 s, so the loop forks as little as it can.
. "$(dirname "$0")/lib.sh"
KO=$(mod_stripped)
trap_cleanup 'mod_unload; [ "$KO" = "$MODULE" ] || rm -f "$KO"'
[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"
CYCLES=${CYCLES:-20}

slab_present() {
	local l
	mapfile -t SLAB < /proc/slabinfo
	for l in "${SLAB[@]}"; do [[ $l == "alg_conntrack "* ]] && return 0; done
	return 1
}

bad=0 nofile=0 slab_left=0
for i in $(seq "$CYCLES"); do
	insmod "$KO" || { bad=$((bad + 1)); continue; }
	ip -batch - <<< $'netns add '"${NS_PREFIX}_a$i"$'\nnetns add '"${NS_PREFIX}_b$i" ||
		bad=$((bad + 1))
	ip netns exec "${NS_PREFIX}_a$i" test -e /proc/sys/net/alg_conntrack/max -a -e /proc/net/alg_conntrack ||
		nofile=$((nofile + 1))
	ip netns del "${NS_PREFIX}_a$i"
	rmmod alg_conntrack || bad=$((bad + 1))
	slab_present && slab_left=$((slab_left + 1))
	ip netns del "${NS_PREFIX}_b$i"
done
check_eq "$CYCLES load/netns/unload cycles without error" "$bad" 0
check_eq "a new namespace had /proc/net/alg_conntrack and the sysctls" "$nofile" 0
check_eq "no alg_conntrack slab cache after any rmmod" "$slab_left" 0
check "module not left loaded" sh -c '! grep -q "^alg_conntrack " /proc/modules'
ktap_finish
