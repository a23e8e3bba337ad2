// SPDX-License-Identifier: GPL-2.0
/*
 * libbpf consumer baseline for reactor/src/test/bpf/ringbuf_producer.bpf.o, the producer the
 * bpflux ring buffer benchmarks use. Run it in the same session as the Java benchmark and
 * compare ratios: these machines are noisy.
 *
 *   ringbuf_baseline OBJ live SECONDS [options]
 *       A thread calls getpgid() in a loop (each call makes the producer emit `batch`
 *       records) while the main thread consumes with ring_buffer__poll (callback: see --callback).
 *       {"mode":"live","seconds":..,"batch":..,"consumed":..,"produced":..,"dropped":..,
 *        "records_per_s":..}
 *   ringbuf_baseline OBJ drain ROUNDS [options]
 *       Each round fills the ring (calls getpgid until the producer reports a drop), then
 *       times ring_buffer__consume alone.
 *       {"mode":"drain","rounds":..,"records":..,"seconds":..,"records_per_s":..,
 *        "ns_per_record":..}
 *   ringbuf_baseline OBJ latency SECONDS [--rate RECORDS_PER_S] [options]
 *       A thread paces getpgid() calls so the producer emits about RECORDS_PER_S records per
 *       second (default 100000, with --batch default 10 here); the consumer polls and takes
 *       bpf_ktime_get_ns() (CLOCK_MONOTONIC) minus the record's ts for every record.
 *       {"mode":"latency","seconds":..,"target_rate":..,"achieved_rate":..,"consumed":..,
 *        "dropped":..,"latency_ns":{"p50":..,"p90":..,"p99":..,"p999":..,"max":..}}
 *
 * Options: --callback read|count (per record: read the seq into a sum and count, the work the
 * Java consumers do, default; or only count), --batch N (records per getpgid, the producer's .data `batch`; default 500, 10
 * for latency), --producer-mode N (0 reserve/submit, 1 bpf_ringbuf_output, 2 discard every
 * 10th; the producer's .data `mode`), --ring-bytes N (ring size, a power of two multiple of
 * the page size; default the object's 4 MiB).
 *
 * Output: one JSON line on stdout; errors on stderr, exit status 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* Record layout written by ringbuf_producer.bpf.c. */
struct record {
	unsigned long long seq;
	unsigned long long ts;
};

struct producer {
	struct bpf_object *obj;
	struct ring_buffer *rb;
	volatile unsigned int *batch;
	volatile unsigned int *mode;
	volatile unsigned long long *produced;
	volatile unsigned long long *dropped;
};

static volatile int stop;
static long long consumed;

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, args);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ringbuf_baseline: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct bpf_map *internal_map(struct bpf_object *obj, const char *suffix)
{
	struct bpf_map *map;
	size_t n = strlen(suffix);

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		size_t len = strlen(name);

		if (len >= n && strcmp(name + len - n, suffix) == 0)
			return map;
	}
	die("no %s map in the object: is this ringbuf_producer.bpf.o?", suffix);
	return NULL;
}

/*
 * Memory of data section `sec`: before load, libbpf's copy of the initial value (how .rodata
 * is configured); after load, the kernel map itself mapped here, because libbpf 1.1 only
 * remaps internal maps onto the kernel's memory in the skeleton API, which a baseline taking
 * the object path at run time cannot use.
 */
static char *section_memory(struct bpf_object *obj, const char *sec, int loaded)
{
	struct bpf_map *map = internal_map(obj, sec);
	size_t size;

	if (!loaded)
		return (char *)bpf_map__initial_value(map, &size);

	long page = sysconf(_SC_PAGESIZE);
	size_t len = (bpf_map__value_size(map) + page - 1) / page * page;
	void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);

	if (mem == MAP_FAILED)
		die("cannot mmap %s: %s", sec, strerror(errno));
	return mem;
}

/* Address of global `var` of data section `sec`, located through the object's BTF DATASEC. */
static void *global_var(struct bpf_object *obj, const char *sec, const char *var, int loaded)
{
	struct btf *btf = bpf_object__btf(obj);
	char *base = section_memory(obj, sec, loaded);
	int id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);

	if (!base || id < 0)
		die("section %s not found", sec);

	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);

	for (int i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, v->name_off), var) == 0)
			return base + vs->offset;
	}
	die("variable %s not found in %s", var, sec);
	return NULL;
}

static void open_producer(struct producer *p, const char *path, ring_buffer_sample_fn cb,
			  int batch, int mode, long ring_bytes)
{
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj)
		die("cannot open %s: %s", path, strerror(errno));
	if (ring_bytes > 0 && bpf_map__set_max_entries(bpf_object__find_map_by_name(p->obj, "rb"),
						       ring_bytes))
		die("cannot set the ring size to %ld", ring_bytes);
	*(int *)global_var(p->obj, ".rodata", "target_tgid", 0) = getpid();
	if (bpf_object__load(p->obj))
		die("libbpf failed to load %s", path);

	struct bpf_program *prog = bpf_object__find_program_by_name(p->obj, "produce");

	if (!prog || !bpf_program__attach(prog))
		die("cannot attach program 'produce' (is tracefs mounted at /sys/kernel/tracing?)");
	p->batch = global_var(p->obj, ".data", "batch", 1);
	p->mode = global_var(p->obj, ".data", "mode", 1);
	p->produced = global_var(p->obj, ".bss", "produced", 1);
	p->dropped = global_var(p->obj, ".bss", "dropped", 1);
	*p->batch = batch;
	*p->mode = mode;
	p->rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(p->obj, "rb")), cb, NULL,
				 NULL);
	if (!p->rb)
		die("ring_buffer__new failed: %s", strerror(errno));
}

static int count_record(void *ctx, void *data, size_t size)
{
	consumed++;
	return 0;
}

/*
 * The work every Java consumer of the benchmark does per record: read the record's u64 seq and
 * use it (a sum), and count the record. The default callback, so the ratios compare like with
 * like; --callback count is the bare counting callback of ../shared/reference/ringbuf.
 */
static volatile unsigned long long seq_sum;

static int read_record(void *ctx, void *data, size_t size)
{
	seq_sum += ((const struct record *)data)->seq;
	consumed++;
	return 0;
}

static void *call_getpgid(void *arg)
{
	while (!stop)
		syscall(SYS_getpgid, 0);
	return NULL;
}

static int run_live(struct producer *p, double seconds, int batch)
{
	pthread_t thread;

	pthread_create(&thread, NULL, call_getpgid, NULL);
	long long t0 = now_ns(), end = t0 + (long long)(seconds * 1e9);

	while (now_ns() < end)
		ring_buffer__poll(p->rb, 100);
	stop = 1;
	pthread_join(thread, NULL);
	ring_buffer__consume(p->rb);
	double dt = (now_ns() - t0) / 1e9;

	printf("{\"mode\":\"live\",\"seconds\":%.3f,\"batch\":%d,\"consumed\":%lld,"
	       "\"produced\":%llu,\"dropped\":%llu,\"records_per_s\":%.0f}\n",
	       dt, batch, consumed, *p->produced, *p->dropped, consumed / dt);
	return 0;
}

static int run_drain(struct producer *p, int rounds)
{
	long long total_ns = 0, records = 0;

	for (int i = 0; i < rounds; i++) {
		unsigned long long d0 = *p->dropped;

		while (*p->dropped == d0) /* fill until the producer cannot reserve */
			syscall(SYS_getpgid, 0);
		long long c0 = consumed, t0 = now_ns();

		ring_buffer__consume(p->rb);
		total_ns += now_ns() - t0;
		records += consumed - c0;
	}
	printf("{\"mode\":\"drain\",\"rounds\":%d,\"records\":%lld,\"seconds\":%.6f,"
	       "\"records_per_s\":%.0f,\"ns_per_record\":%.3f}\n",
	       rounds, records, total_ns / 1e9, records / (total_ns / 1e9),
	       (double)total_ns / records);
	return 0;
}

#define MAX_LATENCIES (50 * 1000 * 1000)
static long long *latencies;
static long long n_latencies;

static int record_latency(void *ctx, void *data, size_t size)
{
	const struct record *r = data;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	consumed++;
	if (n_latencies < MAX_LATENCIES)
		latencies[n_latencies++] = t.tv_sec * 1000000000LL + t.tv_nsec - (long long)r->ts;
	return 0;
}

struct pacing {
	double calls_per_s;
};

static void *paced_getpgid(void *arg)
{
	const struct pacing *pace = arg;
	long long interval = (long long)(1e9 / pace->calls_per_s), next = now_ns();

	while (!stop) {
		while (now_ns() < next) /* spin: sleeping would add the timer slack */
			;
		syscall(SYS_getpgid, 0);
		next += interval;
	}
	return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static long long percentile(double q)
{
	long long i = (long long)(q * (n_latencies - 1));

	return n_latencies ? latencies[i] : 0;
}

static int run_latency(struct producer *p, double seconds, double rate, int batch)
{
	struct pacing pace = { .calls_per_s = rate / batch };
	pthread_t thread;

	pthread_create(&thread, NULL, paced_getpgid, &pace);
	long long t0 = now_ns(), end = t0 + (long long)(seconds * 1e9);

	while (now_ns() < end)
		ring_buffer__poll(p->rb, 100);
	stop = 1;
	pthread_join(thread, NULL);
	ring_buffer__consume(p->rb);
	double dt = (now_ns() - t0) / 1e9;

	qsort(latencies, n_latencies, sizeof(*latencies), cmp_ll);
	printf("{\"mode\":\"latency\",\"seconds\":%.3f,\"batch\":%d,\"target_rate\":%.0f,"
	       "\"achieved_rate\":%.0f,\"consumed\":%lld,\"dropped\":%llu,\"latency_ns\":{"
	       "\"p50\":%lld,\"p90\":%lld,\"p99\":%lld,\"p999\":%lld,\"max\":%lld}}\n",
	       dt, batch, rate, consumed / dt, consumed, *p->dropped, percentile(0.50),
	       percentile(0.90), percentile(0.99), percentile(0.999),
	       n_latencies ? latencies[n_latencies - 1] : 0);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ringbuf_baseline OBJ live SECONDS [--batch N] [--producer-mode N] [--ring-bytes N] [--callback read|count]\n"
		"       ringbuf_baseline OBJ drain ROUNDS [--batch N] [--producer-mode N] [--ring-bytes N]\n"
		"       ringbuf_baseline OBJ latency SECONDS [--rate RECORDS_PER_S] [--batch N] ...\n");
	exit(1);
}

int main(int argc, char **argv)
{
	struct producer p = {};
	int batch = -1, mode = 0;
	long ring_bytes = 0;
	double rate = 100000;
	ring_buffer_sample_fn callback = read_record;

	if (argc < 4)
		usage();
	const char *obj = argv[1], *cmd = argv[2];
	double amount = atof(argv[3]);

	for (int i = 4; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--batch") == 0)
			batch = atoi(argv[++i]);
		else if (strcmp(argv[i], "--producer-mode") == 0)
			mode = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ring-bytes") == 0)
			ring_bytes = atol(argv[++i]);
		else if (strcmp(argv[i], "--rate") == 0)
			rate = atof(argv[++i]);
		else if (strcmp(argv[i], "--callback") == 0) {
			const char *c = argv[++i];
			if (strcmp(c, "read") == 0)
				callback = read_record;
			else if (strcmp(c, "count") == 0)
				callback = count_record;
			else
				die("--callback is read (default) or count, not %s", c);
		}
		else
			usage();
	}
	if (amount <= 0)
		usage();
	libbpf_set_print(quiet_libbpf);

	if (strcmp(cmd, "live") == 0) {
		batch = batch > 0 ? batch : 500;
		open_producer(&p, obj, callback, batch, mode, ring_bytes);
		return run_live(&p, amount, batch);
	}
	if (strcmp(cmd, "drain") == 0) {
		batch = batch > 0 ? batch : 500;
		open_producer(&p, obj, callback, batch, mode, ring_bytes);
		return run_drain(&p, (int)amount);
	}
	if (strcmp(cmd, "latency") == 0) {
		batch = batch > 0 ? batch : 10;
		latencies = malloc(sizeof(*latencies) * MAX_LATENCIES);
		if (!latencies || rate <= 0)
			die("cannot allocate the latency buffer");
		open_producer(&p, obj, record_latency, batch, mode, ring_bytes);
		return run_latency(&p, amount, rate, batch);
	}
	usage();
	return 1;
}
