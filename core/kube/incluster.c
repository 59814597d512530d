/*
 * incluster — the credentials a pod has (see kd_kubeconfig_in_cluster in
 * kube.h): the service account's token and CA files and the API server
 * address Kubernetes puts in every container's environment.
 *
 * It builds an ordinary kubeconfig in memory that names the files, so the
 * token is re-read as the kubelet rotates it and never copied anywhere.
 */
#include "kube/kube.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

static int file_ok(const char *dir, const char *name, kd_buf *path)
{
	kd_buf_clear(path);
	if (kd_buf_printf(path, "%s/%s", dir, name) < 0)
		return KD_ENOMEM;
	if (access(kd_buf_cstr(path), R_OK) < 0)
		return kd_error_set(KD_ENOTFOUND, "not running in a cluster: cannot read %s "
				    "(the service account's %s)", kd_buf_cstr(path), name);
	return 0;
}

int kd_kubeconfig_in_cluster(kd_kubeconfig **out, const char *dir, const char *context)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	kd_buf server = KD_BUF_INIT, token = KD_BUF_INIT, ca = KD_BUF_INIT, ns = KD_BUF_INIT;
	json_t *doc = NULL;
	char *text = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if (!dir || !*dir)
		dir = KD_KUBE_SERVICEACCOUNT_DIR;
	if (!context || !*context)
		context = "in-cluster";
	if (!host || !*host || !port || !*port)
		return kd_error_set(KD_ENOTFOUND, "not running in a cluster: "
				    "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
	if (strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
		return kd_error_set(KD_EINVAL, "KUBERNETES_SERVICE_PORT is not a port: '%s'", port);
	/* an IPv6 address goes in brackets */
	if ((rc = kd_buf_printf(&server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
				host, port)) < 0 ||
	    (rc = file_ok(dir, "token", &token)) < 0 ||
	    (rc = file_ok(dir, "ca.crt", &ca)) < 0)
		goto cleanup;
	/* the pod's namespace is the context's; the file is optional */
	kd_buf_printf(&ns, "%s/namespace", dir);
	if (kd_buf_read_file(&ns, kd_buf_cstr(&ns), 4096) < 0)
		kd_buf_clear(&ns);
	for (n = ns.len; n && (ns.data[n - 1] == '\n' || ns.data[n - 1] == ' '); n--)
		;
	kd_buf_truncate(&ns, n);
	doc = json_pack("{s:s, s:s, s:s, s:[{s:s, s:{s:s, s:s}}], s:[{s:s, s:{s:s}}], "
			"s:[{s:s, s:{s:s, s:s}}]}",
			"apiVersion", "v1", "kind", "Config", "current-context", context,
			"clusters", "name", "in-cluster", "cluster", "server", kd_buf_cstr(&server),
			"certificate-authority", kd_buf_cstr(&ca),
			"users", "name", "in-cluster", "user", "tokenFile", kd_buf_cstr(&token),
			"contexts", "name", context, "context", "cluster", "in-cluster",
			"user", "in-cluster");
	if (doc && ns.len)
		json_object_set_new(json_object_get(json_array_get(json_object_get(doc, "contexts"), 0),
						    "context"), "namespace", json_string(kd_buf_cstr(&ns)));
	if (!doc || !(text = json_dumps(doc, JSON_COMPACT))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	rc = kd_kubeconfig_parse(out, text, strlen(text), "in-cluster credentials", ".");
cleanup:
	free(text);
	json_decref(doc);
	kd_buf_free(&server);
	kd_buf_free(&token);
	kd_buf_free(&ca);
	kd_buf_free(&ns);
	return rc;
}
