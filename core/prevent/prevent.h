/*
 * prevent — admission policies that stop changes GitOps does not make
 * (DESIGN §12, `kdrift policy export`).
 *
 * The scope comes from rendering every app of the selected clusters: the
 * namespaces the apps put objects in, the namespaced kinds they declare
 * (built-in kinds by base's kinds table, custom kinds by a
 * CustomResourceDefinition the apps declare, else with the plural guessed as
 * Kubernetes guesses it), and their cluster-scoped objects by name.  In that
 * scope, create, update and delete are allowed only to:
 *  - the fleet's GitOps appliers (prevention.appliers, applierGroups);
 *  - the break-glass group (breakGlass.group), so break-glass still works;
 *  - Kubernetes' own writers, without which a cluster breaks: every
 *    service account of kube-system (the garbage collector, the namespace
 *    controller, the root CA publisher and the other controllers run as
 *    one with --use-service-account-credentials), the controller manager,
 *    scheduler and API server users otherwise, and the nodes' kubelets.
 * Subresources (status, scale, eviction, binding) are never matched, so
 * controllers reporting status and autoscalers keep working.
 *
 * The policies are written as Kyverno (a ClusterPolicy), Gatekeeper (a
 * ConstraintTemplate in Rego and its constraints) or Kubernetes'
 * ValidatingAdmissionPolicy with its binding (CEL over request.userInfo),
 * enforcing, or in audit mode (Kyverno Audit, Gatekeeper warn, VAP Audit
 * and Warn) to see who would be refused before anyone is.
 *
 * Reads the source and the fleet only; never prints, never talks to a
 * cluster.  Depends on base, data, source, fleet and render.
 */
#ifndef KD_PREVENT_H
#define KD_PREVENT_H

#include <jansson.h>
#include <stdbool.h>

#include "base/base.h"
#include "fleet/fleet.h"
#include "source/source.h"

typedef enum kd_prevent_format {
	KD_PREVENT_KYVERNO = 0,
	KD_PREVENT_GATEKEEPER,
	KD_PREVENT_VAP,
} kd_prevent_format;

/* "kyverno", "gatekeeper" or "vap" -> the format; KD_EINVAL naming the
 * three otherwise. */
int kd_prevent_format_parse(kd_prevent_format *out, const char *name);
const char *kd_prevent_format_name(kd_prevent_format f);

/* What the policies cover and whom they let through.  Every member is a
 * JSON array, sorted so that the same fleet always gives the same text. */
typedef struct kd_prevent_scope {
	json_t *clusters;    /* names of the selected clusters, fleet order */
	json_t *namespaces;  /* namespace names (of objects, and of declared
			      * Namespace objects) */
	json_t *kinds;       /* namespaced kinds: {group, kind, resource,
			      * guessed}; guessed: the plural was guessed
			      * (no built-in kind, no CRD in Git) */
	json_t *objects;     /* cluster-scoped objects: {group, kind,
			      * resource, name, guessed} */
	json_t *users;       /* user names let through: the appliers, then
			      * Kubernetes' own */
	json_t *groups;      /* groups let through: the break-glass group, the
			      * applier groups, then Kubernetes' own */
	json_t *notes;       /* lines worth telling the user (guessed plurals) */
	char *revision;      /* the source's revision */
	char *fleet_file;    /* the fleet file's name */
} kd_prevent_scope;

/*
 * Renders every app of every cluster `clusters` selects (NULL or empty:
 * all) and builds the scope.  An app that fails to render fails the whole
 * scope (a policy missing an app's objects would be wrong in silence), with
 * the cluster and app in the message; so does a selection that matches no
 * cluster, or apps that declare nothing.
 */
int kd_prevent_scope_new(kd_prevent_scope **out, kd_source *src,
			 const kd_fleet *fleet, const kd_selector *clusters);
void kd_prevent_scope_free(kd_prevent_scope *scope);

/* The policy objects as a new JSON array, in the order to apply them. */
int kd_prevent_documents(json_t **out, const kd_prevent_scope *scope,
			 kd_prevent_format format, bool audit);

/* The same as a YAML stream after a comment naming the fleet file,
 * revision, clusters and mode, appended to out. */
int kd_prevent_export(kd_buf *out, const kd_prevent_scope *scope,
		      kd_prevent_format format, bool audit);

/* Kubernetes' guess of a kind's resource name (lower case, then "es" after
 * a final s, "ies" for a final y, else "s"), for custom kinds nothing
 * declares: "GitRepository" -> "gitrepositories". */
int kd_prevent_guess_plural(char **out, const char *kind);

#endif
