/*
 * fleet — the fleet file (kdrift.yaml at the repository root, DESIGN §4).
 *
 * Parses and validates clusters, apps, policy, ignoreDifferences, appliers,
 * breakGlass and tracking.  Validation is strict: unknown keys, values of the wrong
 * type, invalid names, label syntax, selectors, JSON pointers, durations,
 * paths leaving the repository and duplicate cluster or app names all fail
 * with KD_EINVAL and "FILE:LINE:COLUMN: message" naming the key
 * ("kdrift.yaml:12:5: unknown key 'prnue' in policy[0] (did you mean
 * 'prune'?)").  An app whose selector matches no cluster is allowed.
 *
 * String maps (cluster labels and values, matchLabels, substitute) and
 * selector values hold strings, as Kubernetes label maps do: a number or a
 * boolean is refused with a hint to quote it (YAML typing has already lost
 * its text: 010 would be 8, 1.10 would be 1.1), and null is the empty
 * string, which is how the API server reads it.
 *
 * Also owns label selectors and the fasttemplate expansion of app paths,
 * which later modules reuse.  Never prints; reads files only through
 * kd_fleet_load's source.
 *
 * A kd_fleet is immutable once parsed and may be shared between threads.
 * It is reference counted: kd_fleet_ref takes another reference and
 * kd_fleet_free drops one, so the engine can publish a fleet with its
 * snapshots and free it only when the last holder lets go.
 */
#ifndef KD_FLEET_H
#define KD_FLEET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/base.h"
#include "diff/diff.h"
#include "kube/kube.h"
#include "source/source.h"

/* A Kubernetes label selector: matchLabels plus matchExpressions
 * (In, NotIn, Exists, DoesNotExist).  An empty selector matches all. */
typedef struct kd_selector {
	json_t *match_labels;       /* object of string -> string, or NULL */
	json_t *match_expressions;  /* array of {key, operator, values}, or NULL */
} kd_selector;

typedef struct kd_cluster {
	char *name;      /* a DNS-1123 subdomain, unique in the fleet */
	char *context;   /* kubeconfig context; defaults to name */
	char *server;    /* optional API server URL (http:// or https://) */
	json_t *labels;  /* object of string -> string (never NULL) */
	json_t *values;  /* object of string -> string (never NULL); literal,
			  * not templates */
} kd_cluster;

typedef enum kd_app_kind {
	KD_APP_PATH = 0,          /* path: a template rendered per cluster */
	KD_APP_APPLICATIONSET,    /* applicationSet: an Argo CD ApplicationSet file */
	KD_APP_FLUX,              /* fluxKustomizations: a root path of Flux Kustomizations */
} kd_app_kind;

typedef struct kd_app {
	char *name;               /* unique; for APPLICATIONSET / FLUX it
				   * defaults to the file or path */
	kd_app_kind kind;
	kd_selector clusters;     /* which clusters get this app; empty: all */
	char *path;               /* template (PATH) or file/path (the other
				   * kinds), as written; never leaves the root */
	char *namespace;          /* may be NULL; may hold a template */
	json_t *substitute;       /* object of string -> string template, or NULL */
	json_t *substitute_from;  /* array of {path: template, optional: bool}
				   * (optional always present), or NULL */
	json_t *directory;        /* {recurse: bool, include?, exclude?} or NULL */
	json_t *raw;              /* the app's entry as written (borrowed from the fleet) */
} kd_app;

typedef enum kd_remediation {
	KD_REMEDIATION_ALERT = 0,
	KD_REMEDIATION_SELFHEAL,
} kd_remediation;

typedef struct kd_policy {
	kd_selector clusters;     /* absent in the file: every cluster */
	kd_remediation remediation;
	bool prune;
	char *webhook;            /* optional */
} kd_policy;

typedef enum kd_tracking {
	KD_TRACKING_AUTO = 0,
	KD_TRACKING_ARGOCD_ANNOTATION,
	KD_TRACKING_ARGOCD_LABEL,
	KD_TRACKING_FLUX,
	KD_TRACKING_KDRIFT,
} kd_tracking;

typedef struct kd_fleet {
	char *file;               /* the name used in messages */
	kd_cluster *clusters;
	size_t nclusters;
	kd_app *apps;
	size_t napps;
	kd_policy *policies;
	size_t npolicies;
	kd_ignore_rule *ignores;
	size_t nignores;
	/* The GitOps appliers (DESIGN §6 rule 11), NULL-terminated, never
	 * NULL: kd_diff_default_appliers, then the file's `appliers` that are
	 * not among them, in file order. */
	char **appliers;
	kd_tracking tracking;
	char *breakglass_context; /* template, default "{{name}}-breakglass" */
	long breakglass_max_seconds; /* default 3600; from a duration
				      * ("1h30m", "90s"), at least 1 */
	char *audit_key_file;     /* audit.keyFile: the audit log's key file
				   * (absolute or "~/..."), or NULL */
	char *breakglass_group;   /* breakGlass.group: the group of the
				   * break-glass credential, which admission
				   * policies let through; default
				   * "kdrift:break-glass" */
	json_t *applier_users;    /* prevention.appliers: user names that may
				   * change what GitOps manages (array of
				   * strings, never NULL); default Flux's
				   * kustomize-controller and helm-controller,
				   * Argo CD's application and applicationset
				   * controllers */
	json_t *applier_groups;   /* prevention.applierGroups: groups that may
				   * (array, never NULL, empty by default) */
	json_t *doc;              /* the parsed document */
	json_t *positions;        /* JSON pointer -> [line, column] in the file */
	int refs_;                /* private: kd_fleet_ref / kd_fleet_free */
} kd_fleet;

/* Parses fleet YAML.  `name` is used in messages.  The new fleet has one
 * reference, the caller's. */
int kd_fleet_parse(kd_fleet **out, const char *data, size_t len,
		   const char *name);

/* Reads and parses `path` (default "kdrift.yaml") from a source.
 * KD_ENOTFOUND when the file is absent, suggesting `kdrift init` (and a
 * commit, when the source is a commit). */
int kd_fleet_load(kd_fleet **out, kd_source *src, const char *path);

/* Another reference to the fleet (NULL stays NULL); returns it. */
kd_fleet *kd_fleet_ref(kd_fleet *fleet);
/* Drops a reference; the last one frees the fleet.  NULL is a no-op. */
void kd_fleet_free(kd_fleet *fleet);

const kd_cluster *kd_fleet_cluster(const kd_fleet *fleet, const char *name);
const kd_app *kd_fleet_app(const kd_fleet *fleet, const char *name);

/* True when the app is deployed to the cluster (its selector matches). */
bool kd_fleet_app_targets(const kd_app *app, const kd_cluster *cluster);

/* The diff options the fleet file sets (ignoreDifferences, appliers), the
 * same for every face and every object; the per-object ones (hpa_managed,
 * last_applied) are left zero.  fleet may be NULL: no ignore rules, the
 * default appliers.  *out borrows from the fleet. */
void kd_fleet_diff_opts(kd_diff_opts *out, const kd_fleet *fleet);

/* The policy that applies to a cluster: the first whose selector matches;
 * NULL when none does (then: alert, no prune). */
const kd_policy *kd_fleet_policy(const kd_fleet *fleet,
				 const kd_cluster *cluster);

/* Label selectors. */
bool kd_selector_matches(const kd_selector *sel, const json_t *labels);
/* Parses a selector object ({matchLabels, matchExpressions}); on error the
 * message names `where`. */
int kd_selector_parse(kd_selector *out, const json_t *obj, const char *where);
/* Parses kubectl's text form: "env=production,tier!=web,region in (a,b),!x"
 * ("a=b" and "a==b" become In [b], "a!=b" NotIn [b], "a" Exists, "!a"
 * DoesNotExist; all land in match_expressions).  "" selects everything.
 * The numeric operators '>' and '<' are refused.  Errors give the column
 * and text of the offending token. */
int kd_selector_parse_text(kd_selector *out, const char *text);
/* Appends the selector in kubectl's text form, as the API server's
 * labelSelector query parameter takes it: matchLabels as "k=v" in key
 * order, then each expression ("k in (a,b)", "k notin (a,b)", "k=v" and
 * "k!=v" for a single value, "k", "!k").
 * An empty selector appends nothing.  kd_selector_parse_text reads it
 * back to an equivalent selector. */
int kd_selector_format(kd_buf *out, const kd_selector *sel);
void kd_selector_free(kd_selector *sel);

/* Label syntax as the API server checks it: a key is an optional DNS-1123
 * subdomain prefix and '/' followed by a name of at most 63 characters
 * (alphanumerics, '-', '_', '.', starting and ending alphanumeric); a value
 * is empty or such a name. */
bool kd_label_key_valid(const char *key);
bool kd_label_value_valid(const char *value);

/* The template parameters of a cluster as a flat object of strings: name,
 * nameNormalized, server (only when the fleet file gives one),
 * metadata.labels.K, values.K. */
int kd_cluster_params(json_t **out, const kd_cluster *cluster);

/* Argo CD's name normalisation (the `nameNormalized` parameter): lower
 * case, every character other than [-a-z0-9.] replaced by '-', cut to 253
 * bytes, leading and trailing '-' and '.' removed. */
int kd_template_normalize_name(char **out, const char *name);

/* fasttemplate as Argo CD ApplicationSets use it: "{{key}}" and
 * "{{ key }}" become the string value of params[key]; a tag whose trimmed
 * key is empty, unknown or not a string is left exactly as written; an
 * unterminated "{{" and everything after it are copied literally.  One pass:
 * substituted values are never expanded again.  params may be NULL. */
int kd_template_expand(char **out, const char *tmpl, const json_t *params);

/*
 * init — a first fleet file written from what a repository and a
 * kubeconfig already say (`kdrift init`).
 *
 * Recognised layouts, any mix of them:
 *  - Flux: every directory a flux-system sync points at (a Kustomization
 *    whose path holds its own file, or the parent of a flux-system
 *    directory holding a GitRepository), and every clusters/NAME holding
 *    Flux Kustomizations, is a cluster followed by one fluxKustomizations
 *    app; Kustomizations that build from another source are reported;
 *  - Argo CD: every ApplicationSet is an applicationSet app; the clusters
 *    are the kubeconfig's contexts; list generator elements whose
 *    destination server names no cluster give that cluster its server;
 *  - Kustomize: clusters/NAME/APP directories are path apps
 *    "clusters/{{name}}/APP" (the env label read from the overlay each
 *    builds on), and without them overlays/ENV[/APP] directories are
 *    path apps "overlays/{{metadata.labels.env}}[/APP]" over the
 *    kubeconfig's contexts.
 * Contexts are matched by name (a unique context ending in "-NAME" is a
 * guess); contexts reaching the same API server as an earlier one and
 * "-breakglass" contexts are not clusters.  env and region labels are
 * guessed from cluster names, spelled as the repository's selectors and
 * overlay directories spell them.  Every guess is a comment in the file
 * and a line in `guessed`.
 *
 * The text is checked with kd_fleet_parse before it is returned.  Reads
 * the source and the kubeconfig only; writes nothing, prints nothing.
 */
typedef struct kd_fleet_init {
	char *yaml;        /* the commented fleet file */
	size_t nclusters;
	size_t napps;
	json_t *found;     /* arrays of strings, one line each, text from */
	json_t *guessed;   /* the repository as it is (not sanitised) */
	json_t *unmapped;
} kd_fleet_init;

/* Examines src (its whole tree) and kc (may be NULL: no contexts). */
int kd_fleet_init_new(kd_fleet_init **out, kd_source *src,
		      const kd_kubeconfig *kc);
void kd_fleet_init_free(kd_fleet_init *init);

#endif
