/*
 * audit — kdrift's tamper-evident audit log.
 *
 * Owns the log file: appending records, verifying the hash chain, reading
 * records back with a filter, and finding break-glass changes nobody has
 * followed up yet.  Never prints, never makes API calls, never writes a
 * Secret value.
 *
 * Format: JSON Lines (one compact JSON object per line, '\n' terminated).
 * Every record carries
 *
 *   seq      1 for the first record, previous seq + 1 after that
 *   prev     SHA-256 (lowercase hex) of the previous record's line bytes,
 *            exactly as stored, without the terminating '\n'; the first
 *            record's prev is KD_AUDIT_GENESIS (64 zeros)
 *   id       "YYYYMMDDTHHMMSSmmmZ-" + 16 random hex digits: unique, and
 *            sorts by time (to the millisecond)
 *   time     RFC 3339 UTC with milliseconds, "2026-11-26T03:05:19.123Z"
 *   user, host, mode, session, reason, ticket, cluster,
 *   object   {apiVersion, kind, namespace, name, uid}
 *   action, phase ("intent" | "outcome"),
 *   intent   the id of the intent record an outcome answers (or null)
 *   patch    the change, Secret values masked (see kd_audit_mask_secret)
 *   resourceVersion {before, after}
 *   outcome  null on intents, {status: "success" | "failure", message}
 *
 * Absent optional values are written as null, so every record has every key
 * above (git, headWas and mac, below, appear only where they apply).
 *
 * Durability: kd_audit_append returns only after the line was written with a
 * single write() and fsync()ed (and the directory too when the file was
 * created).  A caller about to change a cluster appends the intent record,
 * makes the API call only when that append returned 0, then appends the
 * outcome record with `intent` set to the intent's id.
 *
 * Interrupted writes: a crash can leave a last line without its '\n'.  The
 * next append does not refuse (an operator in an incident must still be able
 * to act): it starts its record on a new line and chains it to the last
 * complete record, so the partial line is never part of the chain.
 * kd_audit_verify still reports the partial line (as truncated at the end of
 * the file, as malformed once later records follow it); deleting that line
 * makes the log verify clean again.  (A partial line that is a whole record
 * linking correctly to the one before, so only its '\n' was lost, stays in
 * the chain.)  An append refuses, with a message
 * telling the operator to run `kdrift audit verify`, when the last complete
 * line is not a valid record, because it cannot know what to chain to.
 *
 * Records of changes to Git (accept, promote) also carry
 *   git      {branch, commit}; the key is present only on such records
 *
 * Limits of a hash chain alone: an edit of the LAST record, removing whole
 * records from the end, emptying the file, appending a record with the
 * right prev, or rewriting every record with recomputed hashes all leave a
 * chain that is consistent.  Hence two more defences:
 *
 * The anchor.  Every append also writes the new head of the chain (seq and
 * hash, kd_audit_head) to an anchor file next to the log (LOG.head, so
 * $XDG_STATE_HOME/kdrift/audit.jsonl.head for the default log), atomically,
 * under the log's lock, after the record is fsynced.  kdrift also puts the
 * head into a trailer (KD_AUDIT_TRAILER) of every commit it makes, so a
 * copy of it leaves the machine with the push.  verify compares the log
 * with the anchor (and with heads taken from commits): a cut tail, an
 * emptied log, a record appended by anything but kdrift and a rewritten
 * chain no longer match.  An append that finds the anchor disagreeing with
 * the log's last record does not refuse (an operator in an incident must be
 * able to act) but writes what the anchor said into the new record
 *   headWas  {seq, hash}; present only on such records
 * so the evidence survives the anchor being moved on.
 *
 * The key.  When a key file is configured (KD_AUDIT_KEY_ENV, or the fleet
 * file's audit.keyFile passed in kd_audit_log.key_file), every record ends
 * with
 *   mac      HMAC-SHA-256 under the key of the line as it would read
 *            without the mac (the bytes up to the ',"mac"' and the final
 *            '}'), lowercase hex; always the last key
 * and the anchor carries a MAC too.  Without the key nobody can append or
 * rewrite records, or move the anchor, undetected.  The key is never
 * printed, logged or written anywhere.
 *
 * What stays undetectable is listed in kdrift(1) (AUDIT LOG).
 */
#ifndef KD_AUDIT_H
#define KD_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define KD_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define KD_AUDIT_MASK "<masked>"   /* replaces every Secret value */
#define KD_AUDIT_ID_SIZE 37        /* 36 characters + NUL */

/* Known actions.  Others are allowed (lowercase letters, digits and '-'),
 * so new remedies need no change here. */
#define KD_AUDIT_ACTION_REVERT "revert"
#define KD_AUDIT_ACTION_ACCEPT "accept"
#define KD_AUDIT_ACTION_PROMOTE "promote"
#define KD_AUDIT_ACTION_PRUNE "prune"
#define KD_AUDIT_ACTION_SELF_HEAL "self-heal"
#define KD_AUDIT_ACTION_BREAK_GLASS_EDIT "break-glass-edit"
#define KD_AUDIT_ACTION_SCALE "scale"
#define KD_AUDIT_ACTION_SET_IMAGE "set-image"
#define KD_AUDIT_ACTION_RESTART "restart"
#define KD_AUDIT_ACTION_DELETE "delete"
#define KD_AUDIT_ACTION_CREATE "create"
#define KD_AUDIT_ACTION_BREAK_GLASS_START "break-glass-start"
#define KD_AUDIT_ACTION_BREAK_GLASS_END "break-glass-end"
/* Marks a break-glass change as seen and deliberately left as it is. */
#define KD_AUDIT_ACTION_ACKNOWLEDGE "acknowledge"

enum kd_audit_mode {
	KD_AUDIT_MODE_NORMAL = 0,
	KD_AUDIT_MODE_BREAK_GLASS,
	KD_AUDIT_MODE_SELF_HEAL,
};

enum kd_audit_phase {
	KD_AUDIT_PHASE_INTENT = 0,
	KD_AUDIT_PHASE_OUTCOME,
};

enum kd_audit_status {
	KD_AUDIT_STATUS_NONE = 0, /* intent records */
	KD_AUDIT_STATUS_SUCCESS,
	KD_AUDIT_STATUS_FAILURE,
};

/* The object a record is about; every field may be NULL. */
typedef struct kd_audit_object {
	const char *api_version;
	const char *kind;
	const char *namespace_;
	const char *name;
	const char *uid;
} kd_audit_object;

/* What the caller says about one record; all strings are borrowed and may be
 * NULL unless noted.  kd_audit_append fills in seq, prev, id and time. */
typedef struct kd_audit_entry {
	enum kd_audit_mode mode;
	enum kd_audit_phase phase;
	const char *action;       /* required, e.g. KD_AUDIT_ACTION_REVERT */
	const char *user;         /* NULL: the login name of the effective uid */
	const char *host;         /* NULL: gethostname() */
	const char *session;      /* the break-glass or TUI session id */
	const char *reason;
	const char *ticket;
	const char *cluster;
	kd_audit_object object;
	const json_t *patch;      /* borrowed; a masked copy is written */
	const char *intent_id;    /* outcome records: the intent's id */
	const char *rv_before;    /* resourceVersion the change was made against */
	const char *rv_after;     /* resourceVersion the API server returned */
	enum kd_audit_status status; /* required on outcomes, NONE on intents */
	const char *message;      /* outcome message (the API error on failure) */
	/* Changes to Git: the branch written to and (outcomes) the commit.
	 * Both NULL: the record has no "git" key. */
	const char *git_branch;
	const char *git_commit;
} kd_audit_entry;

#define KD_AUDIT_KEY_ENV "KDRIFT_AUDIT_KEY_FILE"
/* The commit trailer carrying the head: "Kdrift-Audit-Head: SEQ HASH". */
#define KD_AUDIT_TRAILER "Kdrift-Audit-Head"

/* The key file to use when the fleet file configures `configured`
 * (audit.keyFile, may be NULL): NULL, meaning $KDRIFT_AUDIT_KEY_FILE, when
 * that is set (the environment overrides the fleet file), else configured. */
const char *kd_audit_key_file_pick(const char *configured);

/* Which log, and how it is keyed. */
typedef struct kd_audit_log {
	const char *path;         /* NULL: kd_audit_default_path() */
	/* The key file: NULL: $KDRIFT_AUDIT_KEY_FILE; unset or "": no key;
	 * "~/" at the start is the home directory.
	 * The file holds the key's bytes (one trailing newline is ignored),
	 * at least 16 of them, and may be readable by its owner only. */
	const char *key_file;
} kd_audit_log;

/* The head of the chain: the last record's seq and the SHA-256 of its line
 * (seq 0 and KD_AUDIT_GENESIS for an empty chain). */
typedef struct kd_audit_head {
	int64_t seq;
	char hash[65];
} kd_audit_head;

/* audit.jsonl in kdrift's XDG state directory (kd_xdg_path):
 * $XDG_STATE_HOME/kdrift/audit.jsonl or ~/.local/state/kdrift/audit.jsonl.
 * New string. */
int kd_audit_default_path(char **out);

/*
 * Appends one record to the log at `path` (NULL: the default path), creating
 * missing directories (0700) and the file (0600).  Concurrent kdrift
 * processes (and threads: each call opens its own descriptor) serialise on
 * an exclusive flock() held from reading the tail to the fsync; flock does
 * not serialise across hosts on every network file system, so keep the log
 * local.  On success the record is
 * durable and its id is copied into `id` (may be NULL).  On failure the
 * caller must not make the change it was about to log.  Nothing was added
 * to the chain, except when fsync itself failed after the write: then the
 * record may remain, and reads as what it is, an intent never carried out.  KD_EINVAL for an invalid entry, KD_EIO for file errors,
 * KD_ECONFLICT when the log's last line cannot be chained to.
 */
int kd_audit_append(char id[KD_AUDIT_ID_SIZE], const char *path,
		    const kd_audit_entry *entry);

/* kd_audit_append for a log given with its key (log NULL: the default log
 * and $KDRIFT_AUDIT_KEY_FILE).  `head` (may be NULL) receives the head of
 * the chain with the new record, for a commit trailer.  A configured key
 * that cannot be read fails the append (KD_ENOTFOUND, KD_EINVAL) before the
 * file is touched. */
int kd_audit_write(char id[KD_AUDIT_ID_SIZE], kd_audit_head *head,
		   const kd_audit_log *log, const kd_audit_entry *entry);

/* The anchor file of the log at `log_path` (NULL: the default log):
 * LOG.head.  New string. */
int kd_audit_anchor_path(char **out, const char *log_path);

/* "SEQ HASH", the value of a KD_AUDIT_TRAILER trailer; appends to out. */
int kd_audit_head_format(kd_buf *out, const kd_audit_head *head);

/* Parses "SEQ HASH" (surrounding blanks allowed).  KD_EINVAL otherwise. */
int kd_audit_head_parse(kd_audit_head *out, const char *text);

/*
 * A masked deep copy of `value` (an object, a merge or strategic-merge
 * patch, an RFC 6902 JSON patch array, or a List) for audit and messages:
 * when `kind` is "Secret", or the value itself declares kind "Secret",
 * every value under data and stringData, and the
 * kubectl.kubernetes.io/last-applied-configuration annotation (which holds
 * a copy of them), becomes KD_AUDIT_MASK.  Keys stay, so the log still says
 * which keys changed; null (key removal in a merge patch) stays null.
 * `kind` may be NULL.  *out is a new reference.
 */
int kd_audit_mask_secret(json_t **out, const json_t *value, const char *kind);

/* ---- reading ---- */

/* One record read back.  `json` is the whole parsed record, owned by
 * whatever returned it; the string fields point into it (NULL when absent
 * or not strings). */
typedef struct kd_audit_record {
	size_t line;              /* 1-based line number in the file */
	int64_t seq;
	json_t *json;
	const char *id;
	const char *time;
	const char *mode;
	const char *phase;
	const char *action;
	const char *cluster;
	const char *intent_id;
	int64_t time_ms;          /* time as milliseconds since the epoch */
} kd_audit_record;

typedef struct kd_audit_filter {
	int64_t since_ms;         /* time >= since_ms; 0: no lower bound */
	int64_t until_ms;         /* time <  until_ms; 0: no upper bound */
	const char *cluster;      /* NULL: any */
	const char *action;       /* NULL: any */
	/* Records whose id, or whose intent id, is one of these (so asking for
	 * an intent also shows its outcome).  NULL or n_ids 0: any. */
	const char *const *ids;
	size_t n_ids;
} kd_audit_filter;

/* Called for each matching record in file order; returning non-zero stops
 * the walk and kd_audit_read returns that value. */
typedef int (*kd_audit_visit_fn)(const kd_audit_record *rec, void *ctx);

/*
 * Walks the records of the log at `path` (NULL: default) that match
 * `filter` (NULL: all).  Lines that are not valid records are skipped (verify
 * reports them).  A log that does not exist yet is empty, not an error.
 */
int kd_audit_read(const char *path, const kd_audit_filter *filter,
		  kd_audit_visit_fn visit, void *ctx);

/* One line for `kdrift audit show` and the TUI's audit list:
 * "TIME USER MODE ACTION PHASE[/STATUS] CLUSTER KIND NAMESPACE/NAME ID",
 * fields that are absent shown as "-".  Appends to out. */
int kd_audit_record_summary(kd_buf *out, const kd_audit_record *rec);

/* audit_text.c: a record as a person reads it, for every face (appended to
 * out, not sanitised).  The headline: "scale Deployment shop/web on delta".
 * The text: the headline, then labelled lines (mode and outcome, time,
 * who, reason, ticket, resource versions, the change as `path: value`
 * lines, session, intent, id); absent and null fields are left out. */
int kd_audit_record_headline(kd_buf *out, const kd_audit_record *rec);
int kd_audit_record_text(kd_buf *out, const kd_audit_record *rec);
/* One line for a list of changes: the headline, what the patch set, the
 * reason [ticket], the user and the time, joined by " · ". */
int kd_audit_record_line(kd_buf *out, const kd_audit_record *rec);

/* Records collected into an array (for the TUI's audit view). */
typedef struct kd_audit_list {
	kd_audit_record *items;
	size_t count;
} kd_audit_list;

int kd_audit_list_load(kd_audit_list **out, const char *path,
		       const kd_audit_filter *filter);
void kd_audit_list_free(kd_audit_list *list);

/*
 * Parses a --since / --until argument into milliseconds since the epoch:
 * an RFC 3339 time ("2026-11-26T03:05:19Z", fraction optional), a date
 * ("2026-11-26", midnight UTC), or a duration before `now_ms` in base's
 * grammar ("90s", "30m", "2h", "7d"; a bare number is refused).  KD_EINVAL
 * names the text.
 */
int kd_audit_parse_time(int64_t *out_ms, const char *text, int64_t now_ms);

/* Milliseconds since the epoch, now. */
int64_t kd_audit_now_ms(void);

/*
 * Break-glass changes awaiting follow-up, in file order: every break-glass
 * record that changed (or may have changed) a cluster object — an outcome
 * with status success, or an intent whose outcome was never written (the
 * process died during the call, so the change may have happened) — with no
 * later successful accept, revert or acknowledge record for the same
 * cluster and object (kind, namespace, name and API group).  Records of
 * actions break-glass-start and break-glass-end are not changes.
 */
int kd_audit_open_breakglass(kd_audit_list **out, const char *path);

/*
 * Follow-up state of objects changed under break-glass, read from the log
 * at `path` (NULL: default; a log that does not exist is an empty one).
 * The kdrift.dev/break-glass mark (the intent's id) stays on a live object
 * after an accept or an acknowledge, so the log decides:
 *   OPEN     the log has an open break-glass change for the object (*open,
 *            may be NULL, gets that record, borrowed from f)
 *   UNKNOWN  the object carries a mark naming a change this log does not
 *            know (made from another machine: only its log can close it)
 *   DONE     it carries a mark the log knows and has followed up
 *   NONE     no mark and nothing open
 * OPEN and UNKNOWN await follow-up (the object is break-glass, self-heal
 * leaves it alone); DONE and NONE do not.  f NULL is an empty log.
 */
typedef struct kd_audit_followup kd_audit_followup;
typedef enum kd_audit_followup_state {
	KD_FOLLOWUP_NONE = 0, KD_FOLLOWUP_OPEN, KD_FOLLOWUP_UNKNOWN, KD_FOLLOWUP_DONE,
} kd_audit_followup_state;

int kd_audit_followup_load(kd_audit_followup **out, const char *path);
void kd_audit_followup_free(kd_audit_followup *f);
kd_audit_followup_state kd_audit_followup_of(const kd_audit_followup *f, const char *cluster,
					     const kd_object_id *id, const char *mark,
					     const kd_audit_record **open);

/* ---- verification ---- */

enum kd_audit_problem_kind {
	KD_AUDIT_MALFORMED = 1, /* not JSON, or a required field is missing */
	KD_AUDIT_TRUNCATED,     /* the last line has no '\n': an interrupted write */
	KD_AUDIT_EDITED,        /* the record's hash no longer matches the next prev */
	KD_AUDIT_REMOVED,       /* records are missing before this line */
	KD_AUDIT_REORDERED,     /* the record's predecessor is elsewhere in the file */
	KD_AUDIT_DUPLICATE,     /* the same line appears earlier in the file */
	KD_AUDIT_BROKEN,        /* the chain breaks in a way none of the above explains */
	/* Checks against the anchor, the commit trailers and the key: */
	KD_AUDIT_CUT,           /* records the anchor knows are gone from the end */
	KD_AUDIT_EMPTIED,       /* the anchor knows records, the log has none */
	KD_AUDIT_UNANCHORED,    /* records after the anchored head: not appended by kdrift */
	KD_AUDIT_REWRITTEN,     /* the record at the anchored seq is not the anchored one */
	KD_AUDIT_FORGED,        /* a MAC is missing or does not match the key */
	KD_AUDIT_NO_ANCHOR,     /* a key is configured but the anchor is missing */
};

enum kd_audit_anchor_state {
	KD_AUDIT_ANCHOR_NONE = 0, /* no anchor file: an old log, or it was removed */
	KD_AUDIT_ANCHOR_MATCH,    /* the log's head is the anchored head */
	KD_AUDIT_ANCHOR_MISMATCH, /* see the problems */
	KD_AUDIT_ANCHOR_INVALID,  /* the anchor file cannot be read as one */
};

typedef struct kd_audit_problem {
	size_t line;                     /* 1-based; 0: the log as a whole */
	enum kd_audit_problem_kind kind;
	char *message;                   /* "line 12: ..." */
} kd_audit_problem;

typedef struct kd_audit_verify_result {
	bool ok;                  /* no problem found */
	size_t lines;             /* lines read, including bad ones */
	size_t records;           /* well-formed records */
	int64_t head_seq;         /* seq of the last well-formed record, 0 if none */
	char head[65];            /* hash of that record's line, or KD_AUDIT_GENESIS */
	kd_audit_problem *problems;
	size_t n_problems;
	enum kd_audit_anchor_state anchor_state;
	kd_audit_head anchor;     /* the anchor file's head, when there is one */
	bool keyed;               /* a key was configured: MACs were checked */
	size_t macs;              /* records with a MAC (checked when keyed) */
	size_t unkeyed;           /* records without one (written before the key) */
	size_t heads_checked;     /* heads from opts->heads compared */
} kd_audit_verify_result;

typedef struct kd_audit_verify_opts {
	const char *key_file;         /* as kd_audit_log.key_file */
	/* More copies of heads seen earlier (KD_AUDIT_TRAILER trailers of
	 * kdrift's commits): each must be a record of the log. */
	const kd_audit_head *heads;
	size_t n_heads;
} kd_audit_verify_opts;

/*
 * Reads the whole log at `path` (NULL: default) and checks the chain.
 * Problems in the log are reported in *out (ok false), not as an error: the
 * function fails only when the file cannot be read (KD_ENOTFOUND when it does
 * not exist) or memory runs out.
 */
int kd_audit_verify(kd_audit_verify_result **out, const char *path);

/* kd_audit_verify with the anchor and the key (opts NULL: the key from
 * $KDRIFT_AUDIT_KEY_FILE).  The chain is checked as above; then
 *  - every record's MAC when a key is configured (a record without one
 *    after a keyed record, or any wrong one, is FORGED; records before the
 *    first keyed one are counted in `unkeyed`), and each headWas;
 *  - the anchor: missing is no problem without a key (anchor_state NONE:
 *    "no anchor"), NO_ANCHOR with one; its MAC when keyed; its head must
 *    be the log's head (CUT, EMPTIED, UNANCHORED or REWRITTEN say how it
 *    is not);
 *  - each of opts->heads must be a record of the log (CUT, REWRITTEN).
 * A missing log with an anchor is an emptied log, not KD_ENOTFOUND.  A
 * configured key that cannot be read fails (the check would be empty). */
int kd_audit_verify_with(kd_audit_verify_result **out, const char *path,
			 const kd_audit_verify_opts *opts);
void kd_audit_verify_result_free(kd_audit_verify_result *result);

/* "malformed", "truncated", "edited", ... */
const char *kd_audit_problem_name(enum kd_audit_problem_kind kind);

#endif
