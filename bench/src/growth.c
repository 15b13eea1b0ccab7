// SPDX-License-Identifier: GPL-2.0
/*
 * growth FILE TOTAL TIMEOUT_S [IVAL_MS]: watch FILE being written until it
 * holds TOTAL bytes (or TIMEOUT_S passed), sampling its size every IVAL_MS
 * (default 100) ms. Prints "bytes N secs S mean_mib_s A median_mib_s M":
 * A over the whole time from the first byte to the last, M the median of
 * the intervals in between, which a VM that the host stops now and then
 * still measures right. Exits 1 if FILE never reached TOTAL bytes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_IVALS 100000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long size_of(const char *f)
{
	struct stat st;

	return stat(f, &st) ? -1 : (long long)st.st_size;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static double rates[MAX_IVALS];
	long long total, sz, last = 0, first = 0;
	double ival = 0.1, end, t, t_first = -1, t_last = 0, t_prev = 0, median = 0;
	int nr = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: growth FILE TOTAL TIMEOUT_S [IVAL_MS]\n");
		return 2;
	}
	total = atoll(argv[2]);
	end = now() + atof(argv[3]);
	if (argc > 4)
		ival = atof(argv[4]) / 1000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	for (;;) {
		t = now();
		sz = size_of(argv[1]);
		if (sz > 0 && t_first < 0) {
			/* The first interval starts at the first byte seen. */
			t_first = t;
			t_prev = t;
			t_last = t;
			last = first = sz;
		} else if (sz > last && t_first >= 0) {
			if (nr < MAX_IVALS)
				rates[nr++] = (sz - last) / (t - t_prev);
			t_prev = t;
			last = sz;
			t_last = t;
		} else if (t_first >= 0 && sz >= 0 && sz == last && sz < total) {
			/* No progress: a stall belongs in the distribution too. */
			if (nr < MAX_IVALS)
				rates[nr++] = 0;
			t_prev = t;
		}
		if (sz >= total || t > end)
			break;
		usleep((useconds_t)(ival * 1e6));
	}
	if (nr) {
		qsort(rates, nr, sizeof(*rates), cmp_double);
		median = nr % 2 ? rates[nr / 2] : (rates[nr / 2 - 1] + rates[nr / 2]) / 2;
	}
	printf("bytes %lld secs %.3f mean_mib_s %.2f median_mib_s %.2f ivals %d\n", last,
	       t_last - t_first, t_last > t_first ? (last - first) / (t_last - t_first) / 1048576 : 0,
	       median / 1048576, nr);
	return last >= total ? 0 : 1;
}
