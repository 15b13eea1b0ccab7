#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# alg_conntrack and nf_conntrack share the kernel's one nf_ct_hook, so they
# exclude each other:
#  - with nf_conntrack loaded, insmod alg_conntrack fails with EBUSY and
#    dmesg says why; after rmmod nf_conntrack, insmod works;
#  - with alg_conntrack loaded, modprobe nf_conntrack fails (EBUSY) and
#    dmesg says why; alg_conntrack keeps tracking;
#  - after rmmod alg_conntrack, nf_conntrack loads again.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ct_lib.sh"
trap_cleanup 'cleanup'
[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"
need modprobe ping ip
modprobe -n nf_conntrack 2> /dev/null || skip_all "no nf_conntrack module for $(uname -r)"

nfct_loaded() { grep -q '^nf_conntrack ' /proc/modules; }
# Modules loaded before the test, to leave the rest as we found it.
mods_before=$(awk '{print $1}' /proc/modules | sort)
cleanup() {
	mod_unload
	local m
	nfct_loaded && modprobe -r nf_conntrack
	# Dependencies a refused modprobe nf_conntrack left behind.
	for m in $(awk '{print $1}' /proc/modules); do
		case $m in nf_defrag_ipv4|nf_defrag_ipv6|libcrc32c)
			grep -qx "$m" <<< "$mods_before" || rmmod "$m" 2> /dev/null ;;
		esac
	done
}
# new_dmesg: kernel messages since mark_dmesg.
mark_dmesg() { dmesg_mark=$(dmesg | wc -l); }
new_dmesg() { dmesg | tail -n +$((dmesg_mark + 1)); }

mod_unload
nfct_loaded && { modprobe -r nf_conntrack || skip_all "cannot unload nf_conntrack"; }

# --- nf_conntrack first.
check "modprobe nf_conntrack" modprobe nf_conntrack
mark_dmesg
out=$(insmod "$MODULE" 2>&1)
rc=$?
check "insmod alg_conntrack refused while nf_conntrack is loaded" test $rc -ne 0
check "with EBUSY" has "Device or resource busy" "$out"
[ $rc -ne 0 ] || diag "insmod said: $out"
check "alg_conntrack is not loaded" sh -c '! grep -q "^alg_conntrack " /proc/modules'
check "dmesg explains" has \
	"alg_conntrack: nf_conntrack is loaded; the two cannot run together (rmmod nf_conntrack first)" \
	"$(new_dmesg)"
check "nf_conntrack still loaded" nfct_loaded
check "rmmod nf_conntrack" modprobe -r nf_conntrack
check "insmod alg_conntrack works then" insmod "$MODULE"

# --- alg_conntrack first.
mark_dmesg
out=$(modprobe nf_conntrack 2>&1)
rc=$?
check "modprobe nf_conntrack refused while alg_conntrack is loaded" test $rc -ne 0
check "with EBUSY" has "Device or resource busy" "$out"
[ $rc -ne 0 ] || diag "modprobe said: $out"
check "nf_conntrack is not loaded" sh -c '! grep -q "^nf_conntrack " /proc/modules'
check "dmesg explains" has \
	"alg_conntrack: nf_conntrack may not load while alg_conntrack is loaded (rmmod alg_conntrack first)" \
	"$(new_dmesg)"
# Still in charge: a namespace's traffic is tracked.
ip netns add "$(ns t)"
nsx t ip link set lo up
ping_lo() { nsx t ping -q -c 1 -W 5 -e 777 127.0.0.1 > /dev/null; }
check "ping in a namespace" ping_lo
check "alg_conntrack still tracks" nsx t grep -q "type=8 code=0 id=777 " /proc/net/alg_conntrack
ns_cleanup

# --- Modules that read skb->_nfct as nf_conntrack's struct nf_conn without
# depending on it: refused while alg_conntrack is loaded, and the other way
# round; they load again once it is gone.
for m in nf_socket_ipv4 xt_HMARK cls_flow cls_flower nfnetlink_queue; do
	if ! modprobe -n "$m" 2> /dev/null || grep -q "^$m " /proc/modules; then
		ktap_skip "$m: not available or in use"
		continue
	fi
	mark_dmesg
	out=$(modprobe "$m" 2>&1)
	rc=$?
	check "$m refused while alg_conntrack is loaded" test $rc -ne 0
	check "$m: dmesg explains" has \
		"alg_conntrack: $m may not load while alg_conntrack is loaded: it reads nf_conntrack's connection layout" \
		"$(new_dmesg)"
done
check "rmmod alg_conntrack" rmmod alg_conntrack
if modprobe xt_HMARK; then
	mark_dmesg
	out=$(insmod "$MODULE" 2>&1)
	rc=$?
	check "insmod alg_conntrack refused while xt_HMARK is loaded" test $rc -ne 0
	check "dmesg explains" has "alg_conntrack: xt_HMARK is loaded and would misread alg_conntrack's connections" \
		"$(new_dmesg)"
	check "rmmod xt_HMARK" modprobe -r xt_HMARK
else
	ktap_skip "xt_HMARK not available"
fi
check "nf_conntrack loads after that" modprobe nf_conntrack
check "and unloads" modprobe -r nf_conntrack
ktap_finish
