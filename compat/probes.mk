# SPDX-License-Identifier: GPL-2.0
# Feature probes of the target kernel's headers, one -DALG_HAVE_* flag each;
# compat/compat.h turns them into the one API that src/ is written against.
# alg_probe FILE,REGEX,FLAG: FLAG when FILE (under the kernel's include/)
# matches the extended REGEX.
alg_probe = $(shell grep -qsE '$(2)' $(srctree)/include/$(1) && echo -D$(3))

ccflags-y += $(call alg_probe,net/net_namespace.h,register_net_sysctl_sz,ALG_HAVE_SYSCTL_SZ)
ccflags-y += $(call alg_probe,linux/sysctl.h,typedef int proc_handler.const struct ctl_table,ALG_HAVE_CONST_CTL_TABLE)
ccflags-y += $(call alg_probe,net/gso.h,skb_gso_validate_network_len,ALG_HAVE_NET_GSO_H)
