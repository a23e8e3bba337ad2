// SPDX-License-Identifier: GPL-2.0
/*
 * libbpf as an oracle for bpflux's loader tests and as the baseline of the load-time
 * comparison. Not part of bpflux: libbpf is only a test tool.
 *
 *   oracle load OBJ PINDIR [--program NAME]... [--max-entries MAP=N]... [--value-size MAP=N]...
 *       Opens and loads OBJ with libbpf. With --program, only the named programs are loaded
 *       (all maps are still created, as libbpf does). --max-entries and --value-size size a
 *       map before the load (bpf_map__set_max_entries, bpf_map__set_value_size), as a tool's
 *       user space does for maps its object leaves at 0; a MAP not in OBJ is an error. Pins every loaded program as
 *       PINDIR/<program> and every map as PINDIR/maps/<map>, with dots replaced by '_'
 *       (bpffs refuses names containing a dot: internal map "globals.rodata" is pinned as
 *       maps/globals_rodata; the JSON keeps the real name), then exits: the pins keep the objects alive. Maps
 *       declared with LIBBPF_PIN_BY_NAME are pinned by libbpf under PINDIR/by-name/ instead of
 *       /sys/fs/bpf so that an oracle run never collides with a test's own pins.
 *       Prints one JSON line:
 *         {"programs":[{"name":..,"id":..,"type":..,"xlated_len":..}],
 *          "maps":[{"name":..,"id":..,"type":..}],"load_ns":..}
 *       Compare programs with `bpftool prog dump xlated pinned PINDIR/<program>`.
 *       Remove the pins with `rm -r PINDIR` when done.
 *
 *   oracle time OBJ [--repeat N] [--program NAME]... [--max-entries MAP=N]... [--value-size MAP=N]...
 *       Opens, loads and closes OBJ N times (default 20). Prints one JSON line per iteration
 *       {"iteration":i,"open_ns":..,"load_ns":..,"close_ns":..} and a final line
 *       {"summary":{"repeat":N,"open_ns":{"min":..,"median":..},"load_ns":{..},...}}.
 *       open = ELF/BTF parsing (bpf_object__open_file); load = everything libbpf does in
 *       bpf_object__load: kernel BTF, __kconfig/__ksym extern resolution, CO-RE, map
 *       creation, relocation and BPF_PROG_LOAD (libbpf exposes no finer split).
 *
 * Exit status: 0 on success, 1 on a usage error, 2 when libbpf fails (its messages go to
 * stderr).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MAX_SELECTED 64
#define MAX_SIZINGS 64

static const char *selected[MAX_SELECTED];
static int n_selected;

/* --max-entries / --value-size: MAP=N, applied in order after open, before load. */
static struct sizing {
	const char *map;
	int value_size; /* 0: max_entries, 1: value_size */
	__u32 n;
} sizings[MAX_SIZINGS];
static int n_sizings;
static int verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: oracle load OBJ PINDIR [--program NAME]... [--max-entries MAP=N]...\n"
		"                  [--value-size MAP=N]... [-v]\n"
		"       oracle time OBJ [--repeat N] [--program NAME]... [--max-entries MAP=N]...\n"
		"                  [--value-size MAP=N]... [-v]\n");
	exit(1);
}

static int is_selected(const char *name)
{
	for (int i = 0; i < n_selected; i++)
		if (strcmp(selected[i], name) == 0)
			return 1;
	return 0;
}

/* Applies --program: autoload only the named programs; fails on a name not in OBJ. */
static int select_programs(struct bpf_object *obj)
{
	struct bpf_program *prog;

	if (n_selected == 0)
		return 0;
	for (int i = 0; i < n_selected; i++) {
		if (!bpf_object__find_program_by_name(obj, selected[i])) {
			fprintf(stderr, "oracle: no program named '%s' in %s\n", selected[i],
				bpf_object__name(obj));
			return -ENOENT;
		}
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, is_selected(bpf_program__name(prog)));
	return 0;
}

/* Parses MAP=N of --max-entries / --value-size; exits with usage() when malformed. */
static void add_sizing(const char *arg, int value_size)
{
	const char *eq = strrchr(arg, '=');
	char *end;
	unsigned long n;

	if (!eq || eq == arg || n_sizings == MAX_SIZINGS)
		usage();
	errno = 0;
	n = strtoul(eq + 1, &end, 0);
	if (errno || *end || end == eq + 1 || n > UINT32_MAX)
		usage();
	sizings[n_sizings].map = strndup(arg, eq - arg);
	sizings[n_sizings].value_size = value_size;
	sizings[n_sizings].n = n;
	n_sizings++;
}

/* Applies --max-entries and --value-size; fails on a map name not in OBJ. */
static int size_maps(struct bpf_object *obj)
{
	for (int i = 0; i < n_sizings; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, sizings[i].map);
		int err;

		if (!map) {
			fprintf(stderr, "oracle: no map named '%s' in %s\n", sizings[i].map,
				bpf_object__name(obj));
			return -ENOENT;
		}
		err = sizings[i].value_size ? bpf_map__set_value_size(map, sizings[i].n)
					    : bpf_map__set_max_entries(map, sizings[i].n);
		if (err) {
			fprintf(stderr, "oracle: cannot set %s of map '%s' to %u: %s\n",
				sizings[i].value_size ? "value size" : "max entries", sizings[i].map,
				sizings[i].n, strerror(-err));
			return err;
		}
	}
	return 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0700) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int cmd_load(const char *path, const char *pindir)
{
	char by_name[PATH_MAX], maps_dir[PATH_MAX], pin[PATH_MAX + 64];
	struct bpf_program *prog;
	struct bpf_map *map;
	int err, first;

	snprintf(by_name, sizeof(by_name), "%s/by-name", pindir);
	snprintf(maps_dir, sizeof(maps_dir), "%s/maps", pindir);
	if ((err = mkdir_p(by_name)) || (err = mkdir_p(maps_dir))) {
		fprintf(stderr, "oracle: cannot create %s: %s (is %s on a bpffs mount?)\n",
			pindir, strerror(-err), pindir);
		return 2;
	}

	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = by_name);
	struct bpf_object *obj = bpf_object__open_file(path, &opts);

	if (!obj) {
		fprintf(stderr, "oracle: cannot open %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (select_programs(obj) || size_maps(obj))
		return 2;

	long long t0 = now_ns();

	err = bpf_object__load(obj);
	long long load_ns = now_ns() - t0;

	if (err) {
		fprintf(stderr, "oracle: libbpf failed to load %s: %s\n", path, strerror(-err));
		return 2;
	}

	printf("{\"programs\":[");
	first = 1;
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0)
			continue; /* not autoloaded */
		snprintf(pin, sizeof(pin), "%s/%s", pindir, bpf_program__name(prog));
		if (bpf_obj_pin(fd, pin)) {
			fprintf(stderr, "oracle: cannot pin program at %s: %s\n", pin, strerror(errno));
			return 2;
		}
		bpf_obj_get_info_by_fd(fd, &info, &len);
		printf("%s{\"name\":", first ? "" : ",");
		json_string(bpf_program__name(prog));
		printf(",\"id\":%u,\"type\":", info.id);
		json_string(libbpf_bpf_prog_type_str(info.type) ?: "unknown");
		printf(",\"xlated_len\":%u}", info.xlated_prog_len);
		first = 0;
	}
	printf("],\"maps\":[");
	first = 1;
	bpf_object__for_each_map(map, obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_map__fd(map);

		if (fd < 0)
			continue;
		snprintf(pin, sizeof(pin), "%s/%s", maps_dir, bpf_map__name(map));
		for (char *p = pin + strlen(maps_dir) + 1; *p; p++)
			if (*p == '.')
				*p = '_';
		if (bpf_obj_pin(fd, pin)) {
			fprintf(stderr, "oracle: cannot pin map at %s: %s\n", pin, strerror(errno));
			return 2;
		}
		bpf_obj_get_info_by_fd(fd, &info, &len);
		printf("%s{\"name\":", first ? "" : ",");
		json_string(bpf_map__name(map));
		printf(",\"id\":%u,\"type\":", info.id);
		json_string(libbpf_bpf_map_type_str(info.type) ?: "unknown");
		printf("}");
		first = 0;
	}
	printf("],\"load_ns\":%lld}\n", load_ns);
	fflush(stdout);
	/* No bpf_object__close: exiting drops our fds, the pins keep the objects. */
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void print_stats(const char *name, long long *v, int n, int last)
{
	qsort(v, n, sizeof(*v), cmp_ll);
	printf("\"%s\":{\"min\":%lld,\"median\":%lld,\"max\":%lld}%s", name, v[0], v[n / 2],
	       v[n - 1], last ? "" : ",");
}

static int cmd_time(const char *path, int repeat)
{
	long long *open_ns = calloc(repeat, sizeof(long long));
	long long *load_ns = calloc(repeat, sizeof(long long));
	long long *close_ns = calloc(repeat, sizeof(long long));

	if (!open_ns || !load_ns || !close_ns)
		return 2;
	for (int i = 0; i < repeat; i++) {
		long long t0 = now_ns();
		struct bpf_object *obj = bpf_object__open_file(path, NULL);
		long long t1 = now_ns();

		if (!obj) {
			fprintf(stderr, "oracle: cannot open %s: %s\n", path, strerror(errno));
			return 2;
		}
		if (select_programs(obj) || size_maps(obj))
			return 2;
		t1 = now_ns();
		int err = bpf_object__load(obj);
		long long t2 = now_ns();

		if (err) {
			fprintf(stderr, "oracle: libbpf failed to load %s: %s\n", path, strerror(-err));
			return 2;
		}
		bpf_object__close(obj);
		long long t3 = now_ns();

		open_ns[i] = t1 - t0;
		load_ns[i] = t2 - t1;
		close_ns[i] = t3 - t2;
		printf("{\"iteration\":%d,\"open_ns\":%lld,\"load_ns\":%lld,\"close_ns\":%lld}\n", i,
		       open_ns[i], load_ns[i], close_ns[i]);
	}
	printf("{\"summary\":{\"object\":");
	json_string(path);
	printf(",\"repeat\":%d,", repeat);
	print_stats("open_ns", open_ns, repeat, 0);
	print_stats("load_ns", load_ns, repeat, 0);
	print_stats("close_ns", close_ns, repeat, 1);
	printf("}}\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *positional[3];
	int n_positional = 0, repeat = 20;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--program") == 0 && i + 1 < argc) {
			if (n_selected == MAX_SELECTED)
				usage();
			selected[n_selected++] = argv[++i];
		} else if (strcmp(argv[i], "--max-entries") == 0 && i + 1 < argc) {
			add_sizing(argv[++i], 0);
		} else if (strcmp(argv[i], "--value-size") == 0 && i + 1 < argc) {
			add_sizing(argv[++i], 1);
		} else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
			repeat = atoi(argv[++i]);
			if (repeat < 1)
				usage();
		} else if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
		} else if (argv[i][0] == '-' || n_positional == 3) {
			usage();
		} else {
			positional[n_positional++] = argv[i];
		}
	}
	libbpf_set_print(print_libbpf);
	if (n_positional == 3 && strcmp(positional[0], "load") == 0)
		return cmd_load(positional[1], positional[2]);
	if (n_positional == 2 && strcmp(positional[0], "time") == 0)
		return cmd_time(positional[1], repeat);
	usage();
	return 1;
}
