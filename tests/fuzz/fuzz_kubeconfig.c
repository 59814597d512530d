/*
 * kubeconfig documents: parsed, their contexts listed and a target built
 * for each (no exec plugin runs: plugins run only when credentials are
 * refreshed).  Building targets reads the certificate files a kubeconfig
 * names, so inputs naming device or kernel files are only parsed: a path
 * like /dev/stdin would block the run, as it blocks kubectl.
 */
#define _GNU_SOURCE  /* memmem */
#include "fuzz.h"

#include "kube/kube.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kd_kubeconfig *kc = NULL;
	json_t *contexts;
	size_t i;

	if (kd_kubeconfig_parse(&kc, (const char *)data, size, "fuzz-kubeconfig", fz_scratch()) < 0)
		return 0;
	kd_kubeconfig_current_context(kc);
	if (memmem(data, size, "/dev", 4) || memmem(data, size, "/proc", 5) ||
	    memmem(data, size, "/sys", 4) || memmem(data, size, "/run", 4))
		goto cleanup;
	if ((contexts = kd_kubeconfig_contexts(kc))) {
		for (i = 0; i < json_array_size(contexts) && i < 8; i++) {
			const char *name = json_string_value(json_array_get(contexts, i));
			kd_kube_target *t = NULL;

			if (name && kd_kube_target_new(&t, kc, name) == 0)
				kd_kube_target_free(t);
		}
		json_decref(contexts);
	}
cleanup:
	kd_kubeconfig_free(kc);
	return 0;
}
