/*
 * base — what every other part of core/ stands on, and nothing above it:
 * error codes with a thread-local message, the growable buffer, repository
 * path arithmetic, private directories, atomic file writes and the XDG
 * directories, durations and RFC 3339 times, base64, built-in knowledge of
 * Kubernetes kinds (object identity, server-owned metadata), resource
 * quantities, and the sanitiser for text shown on a terminal.
 *
 * Each of these is implemented here once; the CLI and the UI call it, so
 * the two faces cannot read or show one of them differently.
 *
 * Depends on the C library only.  Never prints, never exits.
 */

#ifndef KD_BASE_H
#define KD_BASE_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * xdg — where kdrift keeps its files, by the XDG Base Directory rules:
 *
 *   config  $KDRIFT_CONFIG_DIR, else $XDG_CONFIG_HOME/kdrift, else ~/.config/kdrift
 *   state   $XDG_STATE_HOME/kdrift, else ~/.local/state/kdrift
 *   cache   $XDG_CACHE_HOME/kdrift, else ~/.cache/kdrift
 *
 * An XDG variable counts only when it is an absolute path (the
 * specification says relative values are invalid and ignored); so does
 * HOME.  KDRIFT_CONFIG_DIR counts whenever it is set and not empty.
 * Nothing is created here.
 */

typedef enum kd_xdg_kind {
	KD_XDG_CONFIG,  /* keys, themes: what the user writes */
	KD_XDG_STATE,   /* audit log, break-glass session, heal state, history */
	KD_XDG_CACHE,   /* clones of remote repositories: safe to delete */
} kd_xdg_kind;

/* kdrift's directory of that kind (new string).  KD_ENOTFOUND, saying
 * which variables to set, when neither the XDG variable nor HOME is an
 * absolute path. */
int kd_xdg_dir(char **out, kd_xdg_kind kind);

/* A file in that directory: kd_xdg_dir + "/" + name (new string). */
int kd_xdg_path(char **out, kd_xdg_kind kind, const char *name);

/*
 * duration — the one grammar for a span of time.  The fleet file
 * (breakGlass.maxDuration), the command line (--duration, --timeout,
 * --since) and the UI's inputs all read durations through it:
 *
 *   duration = part { part }           no sign, no spaces, no upper case
 *   part     = number unit
 *   number   = digits [ "." digits ] | "." digits
 *   unit     = "d" | "h" | "m" | "s" | "ms"       (a day is 24h)
 *
 * so "90s", "30m", "1h30m", "2h", "7d", "1.5h" (= 1h30m) and "1500ms".
 * A number without a unit ("90") is refused with a message listing the
 * units: it used to be seconds in one place and minutes in another.
 * Fractions are kept to the millisecond (finer digits are dropped); Go's
 * sub-millisecond units (us, ns) are not accepted.  The longest duration
 * is KD_DURATION_MAX_MS, the range of Go's time.Duration, so a value any
 * Kubernetes tool can hold in these units is read, and nothing overflows.
 */

#define KD_DURATION_MAX_MS INT64_C(9223372036854)

/* Parses text into milliseconds (0 allowed, as in "0s").  KD_EINVAL with
 * a message quoting the text, which the caller may prefix with where it
 * came from ("kdrift.yaml:4:3: breakGlass.maxDuration: ..."). */
int kd_duration_parse(int64_t *out_ms, const char *text);

/* kd_duration_parse for a setting in whole seconds: at least one second
 * ("500ms" is refused as shorter than one second), a fraction of a second
 * dropped, and at most max_s seconds when max_s > 0 (the message then
 * names the limit in this grammar). */
int kd_duration_parse_seconds(long *out_s, const char *text, long max_s);

typedef enum kd_duration_style {
	/* An age ("changed 5m ago", "fetched 2h ago"): the largest unit
	 * only, rounded down: "12s", "5m", "3h", "2d". */
	KD_DURATION_AGE,
	/* A span or time left ("ends in 1h30m"): the two largest units,
	 * rounded down, the second one in two digits: "1h30m", "1h00m",
	 * "5m03s", "2d04h", "42s".  It reads back through the grammar. */
	KD_DURATION_SPAN,
} kd_duration_style;

/* Appends ms (negative counts as 0) in that style. */
int kd_duration_format(kd_buf *out, int64_t ms, kd_duration_style style);

/*
 * time — instants as milliseconds since the epoch, and their one text
 * form, RFC 3339 (what the API server, kubeconfig credentials and the
 * audit log write).
 */

/* The wall clock, now. */
int64_t kd_time_now_ms(void);

/* Parses an RFC 3339 date-time, "2026-11-26T03:05:19Z": a fraction of
 * any length (kept to the millisecond), "Z" or an offset ("+02:00"),
 * lower-case 't'/'z' and a space instead of 'T' as RFC 3339 permits.  A
 * leap second (":60") counts as the second before it.  KD_EINVAL naming
 * the text when it is anything else (a bare date included). */
int kd_time_parse(int64_t *out_ms, const char *text);

/* Room for any instant kd_time_format writes, NUL included. */
#define KD_TIME_SIZE 32

enum {
	KD_TIME_MILLIS = 1 << 0,   /* "2026-11-26T03:05:19.123Z" */
	/* Without '-', ':' and '.', for ids and file names:
	 * "20261126T030519Z", "20261126T030519123Z" with KD_TIME_MILLIS. */
	KD_TIME_COMPACT = 1 << 1,
};

/* Writes ms as RFC 3339 in UTC with "Z", to the second unless
 * KD_TIME_MILLIS.  Returns out. */
const char *kd_time_format(char out[KD_TIME_SIZE], int64_t ms, unsigned flags);

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
 * An object's identity: API group, kind, namespace and name.  The version
 * is not part of it (one object served at two versions is one object);
 * the group is (a cert-manager Certificate is not another group's
 * Certificate of the same name).  Every place that matches, dedupes or
 * keys objects goes through these.  The members are borrowed; NULL reads
 * as "".
 */
typedef struct kd_object_id {
	const char *api_version;  /* only its group counts */
	const char *kind;
	const char *namespace;    /* "" or NULL: none (cluster-scoped, or not given) */
	const char *name;
} kd_object_id;

/* The identity of a Kubernetes object: apiVersion, kind,
 * metadata.namespace and metadata.name, borrowed from obj. */
void kd_object_id_of(kd_object_id *out, const json_t *obj);

/* The identity in a flat reference {apiVersion, kind, namespace, name}, as
 * audit records and scaleTargetRef hold it, borrowed from ref. */
void kd_object_id_of_ref(kd_object_id *out, const json_t *ref);

/* True when group, kind, namespace and name are all equal. */
bool kd_object_id_equal(const kd_object_id *a, const kd_object_id *b);

/* Appends the identity's string form "GROUP/KIND/NAMESPACE/NAME" (empty
 * group for the core group, empty namespace when none).  No part of a
 * valid identity holds a '/', so two identities are equal exactly when
 * their strings are: it serves as a map key. */
int kd_object_id_format(kd_buf *out, const kd_object_id *id);

/*
 * The metadata members the API server owns: uid, resourceVersion,
 * generation, creationTimestamp, deletionTimestamp,
 * deletionGracePeriodSeconds, managedFields, selfLink.  They are never
 * drift, never written to Git, and never sent back to the server in a
 * create or an edit.  NULL-terminated.
 */
extern const char *const kd_server_metadata[];

/* True when `field` (a member of metadata) is one of them. */
bool kd_server_metadata_has(const char *field);

/* Deletes them from obj's metadata; a no-op when obj has none. */
void kd_server_metadata_strip(json_t *obj);

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

/*
 * sanitize — text from clusters and Git made safe to put on a terminal.
 * Names, labels, values and messages may hold escape sequences, control
 * characters, bidi overrides, invisible characters or invalid UTF-8; each
 * is shown as visible, inert ASCII, so nothing can move the cursor, change
 * colours, retitle the terminal or make text read differently than it is:
 *
 *   C0 controls and DEL         caret notation: ESC "^[", TAB "^I", DEL "^?"
 *   C1 controls (U+0080-009F)   "<U+009B>"
 *   bidi controls               U+061C, U+200E/200F, U+202A-202E, U+2066-2069
 *   invisible characters        U+00AD, U+180E, U+200B-200D, U+2028/2029,
 *                               U+2060-2065, U+206A-206F, U+FEFF, U+FFF9-FFFB,
 *                               tags U+E0000-E007F: all as "<U+202E>"
 *   a byte that is not UTF-8    "\xFF" (overlong forms and surrogates too)
 *
 * Everything else passes as it is.  Machine output (JSON) is never
 * sanitised: it is escaped by its own format and must stay exact.
 */

enum {
	/* The terminal is not UTF-8: every other character past ASCII is
	 * shown as '?'. */
	KD_SANITIZE_ASCII = 1 << 0,
	/* The caller puts characters in terminal cells (curses): characters
	 * the locale gives no width of their own (combining marks, unassigned
	 * code points) are shown as "<U+XXXX>" too, so every piece takes at
	 * least one column.  Widths come from the locale (wcwidth). */
	KD_SANITIZE_CELLS = 1 << 1,
};

/* One character of the input, as it is to be shown. */
typedef struct kd_sanitize_piece {
	size_t len;       /* bytes of the input it covers (0 at the end) */
	unsigned cp;      /* the character, when shown as itself */
	bool escaped;     /* shown as `text` instead of the input's bytes */
	char text[16];    /* the inert form ("^[", "<U+202E>", "\xFF", "?") */
	int width;        /* columns it takes on the terminal */
} kd_sanitize_piece;

/* Reads the piece at the start of s (len bytes): for drawing one
 * character at a time and stopping at a width.  Returns out->len. */
size_t kd_sanitize_next(kd_sanitize_piece *out, const char *s, size_t len,
			unsigned flags);

/* Appends the safe form of s (len bytes) to out. */
int kd_sanitize(kd_buf *out, const char *s, size_t len, unsigned flags);

/* The columns the safe form of s takes on a terminal. */
size_t kd_sanitize_width(const char *s, size_t len, unsigned flags);

/*
 * editor — the user's editor, chosen the way git chooses it: $VISUAL, else
 * $EDITOR, else vi.  Both faces edit through it, so they agree on which
 * editor opens.
 */

/* The editor command line (never NULL; borrowed from the environment). */
const char *kd_editor(void);

/* Runs the editor on path and waits for it.  The command line is the
 * user's, run by /bin/sh as a shell would ("code -w"); the path reaches it
 * through the environment (KDRIFT_EDIT_FILE), so it needs no quoting.
 * KD_ERROR, naming the editor, when it cannot start or exits non-zero.
 * The caller hands over the terminal first. */
int kd_editor_run(const char *path);

#endif
