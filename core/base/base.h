/*
 * base — what every other part of core/ stands on, and nothing above it:
 * error codes with a thread-local message, the growable buffer, repository
 * path arithmetic, private directories and atomic file writes, base64,
 * built-in knowledge of Kubernetes kinds, and resource quantities.
 *
 * Depends on the C library only.  Never prints, never exits.
 */

#ifndef KD_BASE_H
#define KD_BASE_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * error — kdrift's error reporting.
 *
 * Every core function returns 0 on success or one of the negative codes below,
 * and leaves a human-readable message in a thread-local slot that the caller
 * reads with kd_error_last().  Core never prints; tui/ decides how to show it.
 */

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

/*
 * buf — a growable byte buffer, always NUL-terminated.
 *
 * Used for everything that comes from the network, Git or a user, so that no
 * text of unknown length ever lands in a fixed array.
 */

typedef struct kd_buf {
	char *data;  /* NUL-terminated once anything was added; may be NULL when empty */
	size_t len;
	size_t cap;
} kd_buf;

#define KD_BUF_INIT { NULL, 0, 0 }

/* Make room for `extra` more bytes plus the terminator. */
int kd_buf_grow(kd_buf *b, size_t extra);
int kd_buf_add(kd_buf *b, const void *data, size_t len);
int kd_buf_puts(kd_buf *b, const char *s);
int kd_buf_putc(kd_buf *b, char c);
int kd_buf_printf(kd_buf *b, const char *fmt, ...) KD_PRINTF(2, 3);
int kd_buf_vprintf(kd_buf *b, const char *fmt, va_list ap);

/* The contents as a C string; "" for an empty buffer, never NULL. */
const char *kd_buf_cstr(const kd_buf *b);

void kd_buf_clear(kd_buf *b);            /* length 0, keeps the memory */
void kd_buf_truncate(kd_buf *b, size_t len);
char *kd_buf_detach(kd_buf *b);          /* caller frees; buffer becomes empty */
void kd_buf_free(kd_buf *b);             /* frees the memory, buffer becomes empty */

/* Reads a whole file (at most max_bytes, 0 = no limit) into b. */
int kd_buf_read_file(kd_buf *b, const char *path, size_t max_bytes);

/*
 * path — repository-relative path arithmetic.
 *
 * Every path kdrift reads from a repository is relative to the repository
 * root, uses '/' separators and never leaves the root.  These functions are
 * the single place that rule is enforced.
 */

/*
 * Normalises `path` relative to the repository root: collapses "//" and "."
 * components and resolves ".." against earlier components.  *out is a new
 * string without leading or trailing '/' ("" for the root).  An absolute
 * path, or a ".." that would climb above the root, gives KD_EPATH with a
 * message naming the path.
 */
int kd_path_normalize(char **out, const char *path);

/* Joins a repository-relative directory and a relative path, then
 * normalises (so "apps/x" + "../base" = "apps/base").  `rel` may not be
 * absolute. */
int kd_path_join(char **out, const char *dir, const char *rel);

/* The directory part of a normalised path ("a/b/c.yaml" -> "a/b",
 * "c.yaml" -> ""). New string. */
char *kd_path_dirname(const char *path);

/* Pointer to the last component of path (inside path). */
const char *kd_path_basename(const char *path);

/* True when the name ends in .yaml, .yml or .json. */
bool kd_path_is_manifest(const char *name);

/*
 * fs — the few file-system operations several modules share: creating
 * private directories and replacing a small state file atomically.
 */

/* Creates dir and any missing parents, each 0700. */
int kd_fs_mkdirs(const char *dir);

/* Creates the directories above a file's path (0700). */
int kd_fs_mkdirs_for(const char *path);

/* Replaces path with data: the parents are created, a temporary file at
 * 0600 next to it is written and fsynced, then renamed over path, so a
 * reader sees the old contents or the new, never a mix. */
int kd_fs_write_atomic(const char *path, const void *data, size_t len);

/*
 * base64 — RFC 4648 standard alphabet, as Kubernetes uses for Secret data
 * and for the *-data fields of kubeconfig files.
 */

/* Appends the encoding of data to out (with '=' padding). */
int kd_base64_encode(kd_buf *out, const void *data, size_t len);

/* Appends the decoded bytes to out.  White space is skipped, padding is
 * optional; any other character outside the alphabet is KD_EINVAL. */
int kd_base64_decode(kd_buf *out, const char *text, size_t len);

/* As the API server reads Secret data: the length a multiple of four, '='
 * padding only at the end, no white space.  KD_EINVAL otherwise, with out
 * left as it was. */
int kd_base64_decode_strict(kd_buf *out, const char *text, size_t len);

/*
 * kinds — built-in knowledge about Kubernetes kinds: which are
 * cluster-scoped, their group, and their resource (plural) names.
 */

typedef struct kd_kind_info {
	const char *group;      /* "" for the core group */
	const char *version;    /* preferred version */
	const char *kind;
	const char *resource;   /* plural, lower case */
	bool namespaced;
} kd_kind_info;

/* Looks up a built-in kind by group and kind name; NULL when unknown. */
const kd_kind_info *kd_kind_lookup(const char *group, const char *kind);

/* All built-in kinds, terminated by an entry with kind == NULL. */
const kd_kind_info *kd_kinds_all(void);

/* True when the object's kind (from apiVersion and kind) is known to be
 * cluster-scoped.  Unknown kinds are assumed namespaced. */
bool kd_kind_is_cluster_scoped(const char *api_version, const char *kind);

/* The group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""); writes at
 * most size bytes. */
void kd_api_group(char *out, size_t size, const char *api_version);

/*
 * quantity — Kubernetes resource quantities ("200m", "1Gi", "1e3", 0.5)
 * parsed into an exact canonical form, so that two spellings of the same
 * amount compare equal ("0.2" = "200m", "1Gi" = "1024Mi", "1e3" = "1k").
 *
 * The value is kept exactly as a decimal digit string and a power of ten;
 * binary suffixes are multiplied out, so nothing is rounded.  Owns no memory.
 */

/* Longest significant-digit string kept; longer quantities are refused
 * (the API server refuses them too, well before this). */
#define KD_QUANTITY_MAX_DIGITS 64

typedef struct kd_quantity {
	bool negative;
	int exp10;        /* value = digits * 10^exp10 */
	size_t ndigits;   /* 0 for zero */
	char digits[KD_QUANTITY_MAX_DIGITS + 1]; /* no leading/trailing zeros */
} kd_quantity;

/* Parses the Kubernetes quantity grammar: sign, decimal number, then one
 * suffix of Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or e/E and an exponent.
 * KD_EINVAL (with a message naming the text) when it is not a quantity,
 * KD_ELIMIT when it has too many digits. */
int kd_quantity_parse(kd_quantity *out, const char *text, size_t len);

/* Parses a JSON string or number (YAML `cpu: 0.5` arrives as a number). */
int kd_quantity_from_json(kd_quantity *out, const json_t *v);

bool kd_quantity_equal(const kd_quantity *a, const kd_quantity *b);

/* Appends the canonical spelling: "0", or "[-]DIGITS" with "eN" when the
 * exponent is not zero ("2e-1" for 200m, "1073741824" for 1Gi). */
int kd_quantity_format(kd_buf *out, const kd_quantity *q);

/* True when both values parse as quantities and are equal. */
bool kd_quantity_json_equal(const json_t *a, const json_t *b);

#endif
