# SPDX-License-Identifier: GPL-2.0
#
# make            build alg_conntrack.ko against the newest installed kernel
# make check      everything: unit tests, then all selftests in the VM, on the
#                 newest kernel of every installed family (6.1, 6.12)
# make check-debug  the suite on KASAN/lockdep/kmemleak and KCSAN kernels
# make unit       userspace unit tests of the pure-logic parts only
# make demo       a gateway in the VM, with /proc/net/alg_conntrack shown
# make bench      alg_conntrack vs nf_conntrack + nf_nat: bench/run (whole system)
#                 and bench/hookbench.sh (hook path per packet), a VM boot each
# make deb        alg-conntrack-dkms_<version>_all.deb (DKMS), checked by lintian
# make check-deb  build it, install it in the VM (DKMS for every kernel), use it
# KVER=...        one installed kernel for all of the above (scripts/kver)
# KDIR=...        build against another kernel tree

KVER ?= $(shell scripts/kver)
KDIR ?= /lib/modules/$(KVER)/build
export KVER

all: module

# The objects of one kernel are useless to another: switching cleans first.
module:
	@if [ "$$(cat .alg-kdir 2>/dev/null)" != "$(KDIR)" ]; then \
		$(MAKE) -s -C $(KDIR) M=$(CURDIR) clean; \
		echo "$(KDIR)" > .alg-kdir; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests/unit clean
	rm -f .alg-kdir

unit:
	$(MAKE) -C selftests/unit run

# Without KVER on the command line or in the environment: every family.
check:
	$(if $(filter file,$(origin KVER)),ALG_CHECK_ALL=1) scripts/check

# The suite on KASAN/lockdep/kmemleak and KCSAN kernels built from
# Debian's linux-source (slow: see README).
check-debug:
	scripts/check-debug

demo: module
	scripts/vm-run scripts/demo

bench: module
	bench/run
	bench/hookbench.sh
	bench/fastpath

deb:
	scripts/deb

# The package test alone (slow: not part of make check).
check-deb:
	ALG_VM_TIMEOUT=3000 scripts/check 50-deb-install.sh

.PHONY: all module clean unit check check-debug demo bench deb check-deb
