// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/alg_nat: the NAT rules of the namespace in iptables syntax.
 * Writing a line changes the rule set at once; lines between "*nat" and
 * "COMMIT" (iptables-restore style) are applied together or not at all.
 * Reading gives iptables-save -c output, which can be written back as is.
 *
 * Whoever writes a line gets its error from that write(): outside *nat ..
 * COMMIT each write ends its last line, newline or not (`echo -n RULE`).
 * Inside, lines may be split across writes (cat and stdio cut a large file
 * anywhere), since nothing takes effect before COMMIT, whose verdict goes
 * to the write that carries it; a tail of exactly "COMMIT" ends the set.
 */

#include "ui/proc_nat.h"
#include "nat/nat.h"
#include "nat/nat_rules.h"
#include "alg_conntrack/nat_lines.h"

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

/* One open file: a partial line and, inside *nat .. COMMIT, the new set. */
struct alg_proc_nat {
	/* io_uring can run two writes of one file at once: one at a time. */
	struct mutex lock;
	struct alg_net *an;
	struct alg_nat_table *pending;
	bool in_txn;
	bool txn_failed;
	unsigned int lineno;
	struct alg_nat_lines lines;
};

static int alg_proc_nat_show(struct seq_file *s, void *v)
{
	struct alg_proc_nat *st = s->private;

	return alg_nat_rules_show(st->an, s);
}

static int alg_proc_nat_fail(struct alg_proc_nat *st, int err, const char *why)
{
	pr_info_ratelimited("/proc/net/alg_nat line %u refused: %s\n",
			    st->lineno, why);
	if (st->in_txn)
		st->txn_failed = true;
	return err;
}

/*
 * "[packets:bytes] " from iptables-save -c output: a restore starts the
 * counters at zero, as iptables-restore without -c does.
 */
static void alg_proc_nat_skip_counters(const char **p, size_t *len)
{
	const char *end;

	if (!*len || **p != '[')
		return;
	end = memchr(*p, ']', *len);
	if (!end)
		return;
	*len -= end + 1 - *p;
	*p = end + 1;
	while (*len && **p == ' ') {
		(*p)++;
		(*len)--;
	}
}

static int alg_proc_nat_line(struct alg_proc_nat *st, const char *p, size_t len)
{
	struct alg_nat_net *nn = st->an->nat;
	const char *why = NULL;
	struct alg_nat_rule r;
	u32 pos = 0;
	int cmd, ret;

	st->lineno++;
	alg_proc_nat_skip_counters(&p, &len);
	memset(&r, 0, sizeof(r));
	cmd = alg_nat_rule_parse(p, len, &r, &pos, &why);
	if (cmd < 0)
		return alg_proc_nat_fail(st, cmd, why ? why : "does not parse");
	if (cmd == ALG_NAT_CMD_APPEND || cmd == ALG_NAT_CMD_INSERT) {
		ret = alg_nat_rule_check(&r, &why);
		if (ret)
			return alg_proc_nat_fail(st, ret, why);
	}
	switch (cmd) {
	case ALG_NAT_CMD_NONE:
	case ALG_NAT_CMD_POLICY:	/* the parser let only ACCEPT through */
		return 0;
	case ALG_NAT_CMD_BEGIN:
		if (st->in_txn)
			return alg_proc_nat_fail(st, -EINVAL, "*nat inside *nat");
		st->in_txn = true;
		st->txn_failed = false;
		st->pending = alg_nat_table_alloc(0);
		if (!st->pending)
			return alg_proc_nat_fail(st, -ENOMEM, "out of memory");
		return 0;
	case ALG_NAT_CMD_COMMIT:
		if (!st->in_txn)
			return alg_proc_nat_fail(st, -EINVAL, "COMMIT without *nat");
		st->in_txn = false;
		if (st->txn_failed) {
			kvfree(st->pending);
			st->pending = NULL;
			return alg_proc_nat_fail(st, -EINVAL,
						 "an earlier line failed, rule set unchanged");
		}
		mutex_lock(&nn->lock);
		alg_nat_rules_replace(st->an, st->pending);
		mutex_unlock(&nn->lock);
		st->pending = NULL;
		return 0;
	}
	if (!st->in_txn) {
		ret = alg_nat_rules_edit(st->an, cmd, &r, pos, &why);
		return ret ? alg_proc_nat_fail(st, ret, why) : 0;
	}
	ret = alg_nat_table_change(&st->pending, cmd, &r, pos, &why);
	return ret ? alg_proc_nat_fail(st, ret, why) : 0;
}

/* One line from the writer's bytes; NULL: it was too long. */
static int alg_proc_nat_line_fn(void *arg, const char *line, size_t len)
{
	struct alg_proc_nat *st = arg;

	lockdep_assert_held(&st->lock);
	if (!line) {
		st->lineno++;
		return alg_proc_nat_fail(st, -EINVAL, "line too long");
	}
	return alg_proc_nat_line(st, line, len);
}

static ssize_t alg_proc_nat_write_locked(struct alg_proc_nat *st,
					 const char __user *ubuf, size_t count)
{
	char chunk[256];
	size_t done = 0, n;
	int ret = 0;

	while (!ret && done < count) {
		n = min(count - done, sizeof(chunk));
		if (copy_from_user(chunk, ubuf + done, n))
			return -EFAULT;
		ret = alg_nat_lines_feed(&st->lines, chunk, n,
					 alg_proc_nat_line_fn, st);
		done += n;
	}
	if (ret)
		alg_nat_lines_end(&st->lines, &st->in_txn, NULL, NULL);
	else
		ret = alg_nat_lines_end(&st->lines, &st->in_txn,
					alg_proc_nat_line_fn, st);
	return ret ? ret : count;
}

static ssize_t alg_proc_nat_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct alg_proc_nat *st = ((struct seq_file *)file->private_data)->private;
	ssize_t ret;

	if (mutex_lock_interruptible(&st->lock))
		return -EINTR;
	ret = alg_proc_nat_write_locked(st, ubuf, count);
	mutex_unlock(&st->lock);
	return ret;
}

static int alg_proc_nat_open(struct inode *inode, struct file *file)
{
	struct alg_proc_nat *st;
	int ret;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	mutex_init(&st->lock);
	st->an = pde_data(inode);
	ret = single_open(file, alg_proc_nat_show, st);
	if (ret)
		kfree(st);
	return ret;
}

static int alg_proc_nat_release(struct inode *inode, struct file *file)
{
	struct alg_proc_nat *st = ((struct seq_file *)file->private_data)->private;

	/* Only inside *nat can a line still be open: nothing was applied. */
	if (st->in_txn)
		pr_info_ratelimited("/proc/net/alg_nat closed without COMMIT, rule set unchanged\n");
	kvfree(st->pending);
	mutex_destroy(&st->lock);
	kfree(st);
	return single_release(inode, file);
}

static const struct proc_ops alg_proc_nat_ops = {
	.proc_open = alg_proc_nat_open,
	.proc_read = seq_read,
	.proc_write = alg_proc_nat_write,
	.proc_lseek = seq_lseek,
	.proc_release = alg_proc_nat_release,
};

int alg_proc_nat_net_init(struct alg_net *an)
{
	if (!proc_create_data("alg_nat", 0640, an->net->proc_net,
			      &alg_proc_nat_ops, an))
		return -ENOMEM;
	return 0;
}

void alg_proc_nat_net_uninit(struct alg_net *an)
{
	remove_proc_entry("alg_nat", an->net->proc_net);
}
