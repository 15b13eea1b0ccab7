#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module loads, creates its proc file, and unloads without a trace.
. "$(dirname "$0")/lib.sh"
trap_cleanup mod_unload
[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"

mod_unload
check "insmod succeeds" insmod "$MODULE"
check "module is live" grep -q '^alg_conntrack .* Live' /proc/modules
check "/proc/net/alg_conntrack exists" test -e /proc/net/alg_conntrack
check "init log line" sh -c 'dmesg | grep -q "alg_conntrack: loaded (connection object"'
check "rmmod succeeds" rmmod alg_conntrack
check "/proc/net/alg_conntrack gone" test ! -e /proc/net/alg_conntrack
check "module gone" sh -c '! grep -q "^alg_conntrack " /proc/modules'
ktap_finish
