/*
 * error — thread-local last-error message (see base.h).
 */
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Messages are bounded: an error message names a place and a reason, it never
 * carries a document.  Anything longer is cut with an ellipsis. */
#define KD_ERROR_MAX 2048

static _Thread_local char last_message[KD_ERROR_MAX];
static _Thread_local int last_code;

static void finish_truncated(size_t written)
{
	if (written >= sizeof(last_message))
		memcpy(last_message + sizeof(last_message) - 4, "...", 4);
}

int kd_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	if (n < 0)
		last_message[0] = '\0';
	else
		finish_truncated((size_t)n);
	last_code = code;
	return code;
}

int kd_error_wrap(int code, const char *fmt, ...)
{
	char prefix[512];
	char saved[KD_ERROR_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		return code;
	memcpy(saved, last_message, sizeof(saved));
	n = snprintf(last_message, sizeof(last_message), "%s%s", prefix, saved);
	if (n > 0)
		finish_truncated((size_t)n);
	last_code = code;
	return code;
}

const char *kd_error_last(void)
{
	return last_message;
}

int kd_error_last_code(void)
{
	return last_code;
}

void kd_error_clear(void)
{
	last_message[0] = '\0';
	last_code = KD_OK;
}

const char *kd_error_name(int code)
{
	switch (code) {
	case KD_OK: return "ok";
	case KD_ENOMEM: return "out of memory";
	case KD_ENOTFOUND: return "not found";
	case KD_EINVAL: return "invalid input";
	case KD_ELIMIT: return "limit exceeded";
	case KD_EUNSUPPORTED: return "unsupported";
	case KD_ECONFLICT: return "conflict";
	case KD_EIO: return "I/O error";
	case KD_EPATH: return "path outside repository";
	default: return "error";
	}
}
