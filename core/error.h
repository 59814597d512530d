/*
 * error — kdrift's error reporting.
 *
 * Every core function returns 0 on success or one of the negative codes below,
 * and leaves a human-readable message in a thread-local slot that the caller
 * reads with kd_error_last().  Core never prints; tui/ decides how to show it.
 */
#ifndef KD_ERROR_H
#define KD_ERROR_H

enum kd_error_code {
	KD_OK = 0,
	KD_ERROR = -1,        /* generic failure */
	KD_ENOMEM = -2,       /* allocation failed */
	KD_ENOTFOUND = -3,    /* file, object, revision or name does not exist */
	KD_EINVAL = -4,       /* malformed input (YAML, fleet file, arguments) */
	KD_ELIMIT = -5,       /* input exceeds a safety limit (depth, size, aliases) */
	KD_EUNSUPPORTED = -6, /* a feature kdrift does not implement */
	KD_ECONFLICT = -7,    /* precondition failed (patch test, resourceVersion) */
	KD_EIO = -8,          /* operating system or network I/O failure */
	KD_EPATH = -9,        /* a path leaves the repository root */
};

#if defined(__GNUC__)
#define KD_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define KD_PRINTF(fmt, args)
#endif

/* Sets the thread's last error message and returns code, so callers can
 * write `return kd_error_set(KD_EINVAL, "...")`. */
int kd_error_set(int code, const char *fmt, ...) KD_PRINTF(2, 3);

/* Prefixes the current message with more context ("file.yaml: " + message)
 * and returns code unchanged. */
int kd_error_wrap(int code, const char *fmt, ...) KD_PRINTF(2, 3);

/* The last message set on this thread; never NULL ("" when none). */
const char *kd_error_last(void);

/* The code that went with the last message (KD_OK when none). */
int kd_error_last_code(void);

void kd_error_clear(void);

/* A short name for a code ("not found", "invalid input", ...). */
const char *kd_error_name(int code);

#endif
