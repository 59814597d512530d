/*
 * fs — private directories and atomic file replacement (see base.h).
 */
#include "base/base.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* mkdir on every '/'-separated prefix of path: the parents only, or the
 * whole path too when `whole`. */
static int make_prefixes(const char *path, bool whole)
{
	char *copy = strdup(path), *p;
	int rc = 0;

	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (p = copy + 1; rc == 0; p++) {
		char saved = *p;

		if (saved != '/' && !(saved == '\0' && whole)) {
			if (saved == '\0')
				break;
			continue;
		}
		*p = '\0';
		if (copy[0] && mkdir(copy, 0700) < 0 && errno != EEXIST)
			rc = kd_error_set(KD_EIO, "cannot create directory '%s': %s",
					  copy, strerror(errno));
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	return rc;
}

int kd_fs_mkdirs(const char *dir)
{
	return make_prefixes(dir, true);
}

int kd_fs_mkdirs_for(const char *path)
{
	return make_prefixes(path, false);
}

int kd_fs_write_atomic(const char *path, const void *data, size_t len)
{
	kd_buf tmp = KD_BUF_INIT;
	const char *p = data;
	size_t done = 0;
	int fd = -1, rc;

	if ((rc = kd_fs_mkdirs_for(path)) < 0 ||
	    (rc = kd_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid())) < 0)
		goto cleanup;
	fd = open(kd_buf_cstr(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = kd_error_set(KD_EIO, "%s: %s", kd_buf_cstr(&tmp), strerror(errno));
		goto cleanup;
	}
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = kd_error_set(KD_EIO, "%s: %s", kd_buf_cstr(&tmp), strerror(errno));
			goto cleanup;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0) {
		rc = kd_error_set(KD_EIO, "%s: %s", kd_buf_cstr(&tmp), strerror(errno));
		goto cleanup;
	}
	close(fd);
	fd = -1;
	if (rename(kd_buf_cstr(&tmp), path) < 0)
		rc = kd_error_set(KD_EIO, "%s: %s", path, strerror(errno));
cleanup:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp.len)
		unlink(kd_buf_cstr(&tmp));
	kd_buf_free(&tmp);
	return rc;
}
