/*
 * main() for the fuzz targets outside libFuzzer: runs the target once on
 * every file named on the command line (directories: every file inside,
 * sorted), so `make check` replays the seeds and every crash ever found
 * under the normal build and under ASan.  Prints one TAP line per input;
 * a crash kills the program, which the test runner counts as a failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f) {
		printf("not ok %d - %s: cannot open\n", ++n, path);
		return 1;
	}
	do {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!nb)
				abort();
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", ++n, path);
	fflush(stdout);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t count = 0, i;
	int bad = 0;

	if (stat(path, &st) < 0) {
		printf("not ok %d - %s: missing\n", ++n, path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	if (!(d = opendir(path)))
		return 1;
	while ((e = readdir(d))) {
		char *full;

		if (e->d_name[0] == '.')
			continue;
		if (!(full = malloc(strlen(path) + strlen(e->d_name) + 2)))
			abort();
		sprintf(full, "%s/%s", path, e->d_name);
		if (!(names = realloc(names, (count + 1) * sizeof(*names))))
			abort();
		names[count++] = full;
	}
	closedir(d);
	if (count)
		qsort(names, count, sizeof(*names), by_name);
	for (i = 0; i < count; i++) {
		bad |= replay(names[i]);
		free(names[i]);
	}
	free(names);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0, i;

	for (i = 1; i < argc; i++)
		bad |= replay(argv[i]);
	printf("1..%d\n", n);
	return bad;
}
