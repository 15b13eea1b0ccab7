#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Per-namespace state: the proc file exists in namespaces made before and
# after the load, and goes away from all of them on unload.
. "$(dirname "$0")/lib.sh"
trap_cleanup mod_unload
[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"

ip netns add "$(ns before)"
mod_load
ip netns add "$(ns after)"
check "proc file in a namespace made before load" nsx before test -e /proc/net/alg_conntrack
check "proc file in a namespace made after load" nsx after test -e /proc/net/alg_conntrack
check "proc file readable" nsx after cat /proc/net/alg_conntrack
mod_unload
check "proc file gone from old namespace after unload" nsx before test ! -e /proc/net/alg_conntrack
check "proc file gone from new namespace after unload" nsx after test ! -e /proc/net/alg_conntrack
ns_cleanup
ktap_finish
