/*
 * Helpers shared by the fuzz targets (tests/fuzz/fuzz_*.c).
 *
 * Every target is one LLVMFuzzerTestOneInput.  Built with clang's libFuzzer
 * by `make fuzz`, and with replay.c's main by the normal build, which runs
 * the seeds and every saved crash in `make check` (tests/fuzz/replay.sh).
 *
 * Inputs that name several files use the layout `head` prints for several
 * files:  "==> path <==" on a line of its own starts a file.  Paths are
 * relative and never leave the scratch directory the helper writes into.
 */
#ifndef KD_FUZZ_H
#define KD_FUZZ_H

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy (the input may hold NULs of its own). */
static inline char *fz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static inline int fz_rm_one(const char *path, const struct stat *st, int flag,
			    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char fz_scratch_dir[4096];

static inline void fz_scratch_remove(void)
{
	if (fz_scratch_dir[0])
		nftw(fz_scratch_dir, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A directory of this process's own under $TMPDIR, removed at exit. */
static inline const char *fz_scratch(void)
{
	if (!fz_scratch_dir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(fz_scratch_dir, sizeof(fz_scratch_dir), "%s/kdrift-fuzz.XXXXXX",
			 tmp && tmp[0] ? tmp : "/tmp");
		if (!mkdtemp(fz_scratch_dir))
			abort();
		atexit(fz_scratch_remove);
	}
	return fz_scratch_dir;
}

/* Empties dir (keeping dir itself). */
static inline void fz_clear(const char *dir)
{
	nftw(dir, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(dir, 0700);
}

/* A safe relative path: no empty, "." or ".." segment, not absolute. */
static inline int fz_path_ok(const char *p)
{
	const char *seg = p;

	if (!p[0] || p[0] == '/')
		return 0;
	for (;;) {
		const char *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);

		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		if (!end)
			return 1;
		seg = end + 1;
	}
}

static inline void fz_mkdirs_for(const char *root, const char *rel)
{
	char path[4096];
	char *slash;

	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
		return;
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
}

/*
 * Writes the files of a "==> path <==" input under dir (emptied first).
 * Text before the first header goes to `first` when it is not NULL.
 * Returns the number of files written.
 */
static inline int fz_tree_write(const char *dir, const uint8_t *data, size_t size,
				const char *first)
{
	const char *p = (const char *)data, *end = p + size;
	char name[1024];
	FILE *f = NULL;
	int files = 0;

	fz_clear(dir);
	if (first) {
		char path[4096];

		if (snprintf(path, sizeof(path), "%s/%s", dir, first) < (int)sizeof(path) &&
		    (f = fopen(path, "wb")))
			files++;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len > 8 && len < sizeof(name) + 8 && !memcmp(p, "==> ", 4) &&
		    !memcmp(p + len - 4, " <==", 4) && !memchr(p, '\0', len)) {
			char path[4096];

			memcpy(name, p + 4, len - 8);
			name[len - 8] = '\0';
			if (f)
				fclose(f);
			f = NULL;
			if (fz_path_ok(name) &&
			    snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path)) {
				fz_mkdirs_for(dir, name);
				if ((f = fopen(path, "wb")))
					files++;
			}
		} else if (f) {
			fwrite(p, 1, len, f);
			if (nl)
				fputc('\n', f);
		}
		p += len + (nl ? 1 : 0);
	}
	if (f)
		fclose(f);
	return files;
}

#endif
