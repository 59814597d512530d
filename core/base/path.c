/*
 * path — repository-relative path arithmetic (see base.h).
 */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>


int kd_path_normalize(char **out, const char *path)
{
	kd_buf b = KD_BUF_INIT;
	const char *p = path, *seg;
	size_t n;
	int rc;

	*out = NULL;
	if (path[0] == '/')
		return kd_error_set(KD_EPATH,
				    "path '%s' is absolute; paths must be relative to the repository root",
				    path);
	while (*p) {
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (*p == '/')
			p++;
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			char *slash;

			if (b.len == 0) {
				kd_buf_free(&b);
				return kd_error_set(KD_EPATH,
						    "path '%s' leaves the repository root",
						    path);
			}
			slash = strrchr(b.data, '/');
			kd_buf_truncate(&b, slash ? (size_t)(slash - b.data) : 0);
			continue;
		}
		if ((b.len && (rc = kd_buf_putc(&b, '/')) < 0) ||
		    (rc = kd_buf_add(&b, seg, n)) < 0) {
			kd_buf_free(&b);
			return rc;
		}
	}
	*out = kd_buf_detach(&b);
	return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_path_join(char **out, const char *dir, const char *rel)
{
	kd_buf b = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if (rel[0] == '/')
		return kd_error_set(KD_EPATH,
				    "path '%s' is absolute; paths must be relative to the repository root",
				    rel);
	if ((dir[0] && ((rc = kd_buf_puts(&b, dir)) < 0 ||
			(rc = kd_buf_putc(&b, '/')) < 0)) ||
	    (rc = kd_buf_puts(&b, rel)) < 0) {
		kd_buf_free(&b);
		return rc;
	}
	rc = kd_path_normalize(out, kd_buf_cstr(&b));
	if (rc == KD_EPATH && dir[0])
		kd_error_set(KD_EPATH, "path '%s' (from '%s') leaves the repository root",
			     rel, dir);
	kd_buf_free(&b);
	return rc;
}

char *kd_path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, path, n);
		d[n] = '\0';
	}
	return d;
}

const char *kd_path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool kd_path_is_manifest(const char *name)
{
	return ends_with(name, ".yaml") || ends_with(name, ".yml") ||
	       ends_with(name, ".json");
}
