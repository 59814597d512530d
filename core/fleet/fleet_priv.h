/*
 * fleet_priv — what fleet.c and fleet_check.c share: the checker
 * (fleet_check.c) that walks a parsed YAML document while keeping track of
 * where each node came from, so every complaint reads
 * "FILE:LINE:COLUMN: message".
 *
 * Not part of kdrift's interface; use fleet.h.
 */

#ifndef KD_FLEET_PRIV_H
#define KD_FLEET_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "fleet/fleet.h"
#include "base/base.h"

typedef struct kd_fcheck {
	const char *file;     /* NULL: messages carry no file position */
	const json_t *pos;    /* JSON pointer -> [line, column], may be NULL */
	kd_buf ptr;           /* JSON pointer of the node being read */
	kd_buf where;         /* the same for people: "apps[2].clusters" */
} kd_fcheck;

typedef struct kd_fcheck_mark {
	size_t ptr_len;
	size_t where_len;
} kd_fcheck_mark;

/* Starts a walk at the root; `where` names the root for people ("" for a
 * whole fleet file). */
int kd_fcheck_init(kd_fcheck *c, const char *file, const json_t *pos,
		   const char *where);
void kd_fcheck_free(kd_fcheck *c);

/* Descends into a member or element; kd_fcheck_pop goes back to `m`. */
int kd_fcheck_push_key(kd_fcheck *c, const char *key, kd_fcheck_mark *m);
int kd_fcheck_push_index(kd_fcheck *c, size_t i, kd_fcheck_mark *m);
void kd_fcheck_pop(kd_fcheck *c, const kd_fcheck_mark *m);

/* "apps[2]" for the current node, or "the fleet file" at the root. */
const char *kd_fcheck_where(const kd_fcheck *c);

/* Sets "FILE:LINE:COLUMN: message" for the current node (or for `pointer`
 * with the _at form) and returns KD_EINVAL. */
int kd_fcheck_fail(kd_fcheck *c, const char *fmt, ...) KD_PRINTF(2, 3);
int kd_fcheck_fail_at(kd_fcheck *c, const char *pointer, const char *fmt,
		      ...) KD_PRINTF(3, 4);

/* The same at member `key` of the current node (the walker stays). */
int kd_fcheck_fail_member(kd_fcheck *c, const char *key, const char *fmt,
			  ...) KD_PRINTF(3, 4);

/* Line of a pointer's node (0 when unknown). */
long kd_fcheck_line(const kd_fcheck *c, const char *pointer);

/* The current node must be a mapping whose keys are all in `allowed`
 * (NULL-terminated); the first other key is an error naming it. */
int kd_fcheck_mapping(kd_fcheck *c, const json_t *node,
		      const char *const *allowed);
int kd_fcheck_list(kd_fcheck *c, const json_t *node);

/* Member getters: absent gives NULL / the default; a member of the wrong
 * type is an error at that member. */
int kd_fcheck_string(kd_fcheck *c, const char **out, const json_t *obj,
		     const char *key, bool required);
int kd_fcheck_bool(kd_fcheck *c, bool *out, const json_t *obj,
		   const char *key, bool dflt);

/* The current node as a string for a string-only field of a map: strings
 * as they are, null as ""; numbers, booleans, lists and mappings are
 * errors (a typed scalar's text is lost, so it must be quoted).  *out is a
 * new reference. */
int kd_fcheck_scalar(kd_fcheck *c, json_t **out, const json_t *node);

/* A mapping of string -> scalar as a new object of strings.  `what` names
 * the map in messages; `key_ok` (may be NULL) validates each key,
 * `value_ok` (may be NULL) each converted value, and `rule` says what a
 * valid key/value looks like. */
typedef bool (*kd_fcheck_valid)(const char *s);
int kd_fcheck_string_map(kd_fcheck *c, json_t **out, const json_t *node,
			 kd_fcheck_valid key_ok, const char *key_rule,
			 kd_fcheck_valid value_ok, const char *value_rule);

/* What a valid label key and value look like, for messages. */
extern const char kd_fcheck_label_key_rule[];
extern const char kd_fcheck_label_value_rule[];

/* A selector mapping (the current node). */
int kd_fcheck_selector(kd_fcheck *c, kd_selector *out, const json_t *node);

/* The same for member `key` of obj: an absent member gives an empty
 * selector (every cluster) / a NULL map. */
int kd_fcheck_member_selector(kd_fcheck *c, kd_selector *out,
			      const json_t *obj, const char *key);
int kd_fcheck_member_string_map(kd_fcheck *c, json_t **out,
				const json_t *obj, const char *key,
				kd_fcheck_valid key_ok, const char *key_rule,
				kd_fcheck_valid value_ok,
				const char *value_rule);

/* A duration in base's grammar ("1h", "30m", "1h30m", "90s") in whole
 * seconds, at least one; the message names the file, line and column. */
int kd_fcheck_duration(kd_fcheck *c, long *out, const char *text);

/* RFC 6901: "" or '/'-separated tokens where '~' is followed by 0 or 1. */
bool kd_fcheck_json_pointer_valid(const char *p);

/* A name of the YAML type of a node, for messages ("a list"). */
const char *kd_fcheck_type_name(const json_t *node);

/*
 * prevention (fleet_prevention.c) — `prevention:` and breakGlass.group.
 */

/* A Kubernetes user or group name as admission policies compare it: not
 * empty, at most 512 bytes, no control characters, no surrounding spaces,
 * no '*' or '?'.  The error names the current node. */
int kd_fcheck_identity(kd_fcheck *c, const char *name);
/* Sets the defaults: Flux's and Argo CD's appliers, no applier group, the
 * break-glass group "kdrift:break-glass". */
int kd_fleet_prevention_defaults(kd_fleet *f);
/* The `prevention` mapping (the current node): appliers and applierGroups,
 * each replacing its default when given. */
int kd_fleet_parse_prevention(kd_fcheck *c, kd_fleet *f, const json_t *node);

/*
 * init (init.c, init_layout.c, init_argo.c, init_clusters.c, init_guess.c,
 * init_emit.c) — what `kdrift init` learned about a repository, kept as
 * JSON values so that these files share one model without a web of structs:
 *   dirs      path -> {"k": has a kustomization, "m": manifests directly
 *             in it, "d": manifests below it, "c": [child names],
 *             "f": [manifest file names]}
 *   clusters  [{"name", "context"?, "contextNote"?, "server"?,
 *             "serverNote"?, "origin", "labels": {}, "labelNotes": [],
 *             "values": {}, "apps": {name: true}}]
 *   apps      [{"name", "kind", "value", "selector"?, "comment",
 *             "disabled"?}]   kind: path | applicationSet |
 *             fluxKustomizations; disabled: why it is written commented out
 */
typedef struct kd_finit {
	kd_source *src;
	const kd_kubeconfig *kc;
	json_t *dirs;
	json_t *kust;          /* dir -> its kustomization document */
	json_t *flux_ks;       /* [{file, name, namespace, path?, sourceKind, sourceName}] */
	json_t *gitrepos;      /* [{file, name}] */
	json_t *appsets;       /* [{file, doc, count}] */
	json_t *applications;  /* [{file, name}] */
	json_t *unparsed;      /* files that are not YAML kdrift reads */
	json_t *contexts;      /* [{name, server?, used}]: contexts that may be clusters */
	json_t *all_contexts;  /* names, file order */
	json_t *clusters;
	json_t *apps;
	json_t *env_words;     /* values the repository spells env with */
	json_t *region_words;
	char env_key[64];
	json_t *found, *guessed, *unmapped;
	size_t entries;
	bool truncated;
	bool unmatched_contexts_listed;
} kd_finit;

/* Appends one formatted line to a note list. */
int kd_finit_note(json_t *list, const char *fmt, ...) KD_PRINTF(2, 3);

/* Shared helpers of the init files. */
bool kd_finit_within(const char *dir, const char *root);   /* root "" holds all */
char *kd_finit_join(const char *dir, const char *name);    /* NULL: no memory */
int kd_finit_sorted_keys(json_t **out, const json_t *obj);
int kd_finit_word_add(json_t *words, const char *word);    /* once each */
/* An app object (a unique name made from `name`), appended. */
int kd_finit_app_add(json_t **out, kd_finit *c, const char *name,
		     const char *kind, const char *value, const char *comment);
/* name, or name-2, name-3 ... when a cluster has that name. */
int kd_finit_unique_name(char **out, const kd_finit *c, const char *name);
/* A cluster named after a directory, given its context. */
int kd_finit_dir_cluster(json_t **out, kd_finit *c, const char *dir,
			 const char *origin);

/* The layouts (init_layout.c, init_argo.c, init_clusters.c), in the order
 * kd_fleet_init_new runs them.
 * `apps` collects path apps: "PARENT/%s/APP" -> {name, members}. */
int kd_finit_flux(kd_finit *c);
int kd_finit_plain(kd_finit *c, json_t *apps);
int kd_finit_plain_apps(kd_finit *c, json_t *apps);
int kd_finit_overlays(kd_finit *c);
int kd_finit_argocd(kd_finit *c);
int kd_finit_context_clusters(kd_finit *c);
int kd_finit_plain_selectors(kd_finit *c);

/* A cluster object with the given name and origin comment, appended. */
int kd_finit_cluster_add(json_t **out, kd_finit *c, const char *name,
			 const char *origin);
json_t *kd_finit_cluster(const kd_finit *c, const char *name);

/* A DNS-1123 cluster name made from any text (a context, a directory). */
int kd_finit_cluster_name(char **out, const char *text);

/* Gives a cluster made from a directory its kubeconfig context: the one of
 * the same name, else a unique guess, else a comment. */
int kd_finit_match_context(kd_finit *c, json_t *cluster);

/* Reads the label keys and values the ApplicationSets' cluster selectors
 * use, so that guessed labels are spelled the same way (env_key too). */
int kd_finit_selector_words(kd_finit *c);

/* Guesses env and region labels from every cluster's name (an env label
 * already set is kept). */
int kd_finit_guess_labels(kd_finit *c);

/* Evaluates the clusters and list generators of every ApplicationSet
 * against the clusters: selectors on labels no cluster has, list elements
 * whose destination names no cluster (giving a cluster its server when an
 * element names it). */
int kd_finit_map_appsets(kd_finit *c);

/* The fleet file text, checked with kd_fleet_parse. */
int kd_finit_emit(char **out, size_t *nclusters, size_t *napps,
		  const kd_finit *c);

#endif
