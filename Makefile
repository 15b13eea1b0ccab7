# SPDX-License-Identifier: GPL-2.0
#
# make            build alg_conntrack.ko against the newest installed kernel
# make check      everything: unit tests, then all selftests in one VM boot
# make unit       userspace unit tests of the pure-logic parts only
# make demo       a gateway in the VM, with /proc/net/alg_conntrack shown
# make bench      alg_conntrack vs nf_conntrack + nf_nat, one VM boot (bench/)
# KDIR=...        build against another kernel tree

KVER ?= $(shell scripts/kver)
KDIR ?= /lib/modules/$(KVER)/build

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests/unit clean

unit:
	$(MAKE) -C selftests/unit run

check: module
	scripts/check

demo: module
	scripts/vm-run scripts/demo

bench: module
	bench/run

.PHONY: all module clean unit check demo bench
