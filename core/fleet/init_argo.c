/*
 * init_argo — Argo CD in a repository `kdrift init` examines (see fleet.h):
 * every ApplicationSet becomes an applicationSet app, one whose generators
 * kdrift cannot evaluate (or that shares its file) is written commented
 * out, and single Applications are reported.  Never writes, never prints.
 */
#include "fleet/fleet.h"
#include "fleet_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* ---- Argo CD -------------------------------------------------------------- */

/* The first generator kdrift cannot evaluate, or NULL. */
static const char *unsupported_generator(const json_t *gens)
{
	static const char *const ok[] = { "list", "clusters", "git", "matrix", "merge", "selector", NULL };
	const json_t *g, *v;
	const char *key, *bad;
	size_t i, j;

	json_array_foreach(gens, i, g)
		json_object_foreach((json_t *)g, key, v) {
			bool known = false;

			for (j = 0; ok[j]; j++)
				if (strcmp(key, ok[j]) == 0)
					known = true;
			if (!known)
				return key;
			if ((strcmp(key, "matrix") == 0 || strcmp(key, "merge") == 0) &&
			    (bad = unsupported_generator(kd_json_arr(v, "generators"))))
				return bad;
		}
	return NULL;
}

int kd_finit_argocd(kd_finit *c)
{
	const char *last_file = NULL;
	json_t *a, *app;
	kd_buf b = KD_BUF_INIT;
	size_t i;
	int rc = 0;

	json_array_foreach(c->appsets, i, a) {
		const char *file = kd_json_str(a, "file");
		const json_t *doc = json_object_get(a, "doc");
		const json_t *spec = kd_json_obj(doc, "spec");
		const char *name = kd_json_str(kd_json_obj(doc, "metadata"), "name");
		const char *bad = unsupported_generator(kd_json_arr(spec, "generators"));
		json_int_t count = json_integer_value(json_object_get(a, "count"));
		char *base = NULL;

		if (last_file && strcmp(last_file, file) == 0)
			continue;   /* the file's first ApplicationSet stands for it */
		last_file = file;
		if (!name || !name[0]) {
			const char *dot;

			base = strdup(kd_path_basename(file));
			if (!base) {
				rc = oom();
				break;
			}
			if ((dot = strrchr(base, '.')))
				base[dot - base] = '\0';
			name = base;
		}
		kd_buf_clear(&b);
		if (kd_buf_printf(&b, "Argo CD: ApplicationSet %s", name) < 0 ||
		    (rc = kd_finit_app_add(&app, c, name, "applicationSet", file, kd_buf_cstr(&b))) < 0) {
			free(base);
			rc = rc < 0 ? rc : oom();
			break;
		}
		kd_buf_clear(&b);
		if (count > 1) {
			rc = kd_buf_printf(&b, "%s holds %lld ApplicationSets; kdrift reads one per file: give each its own file",
					   file, (long long)count) < 0 ? oom() : 0;
		} else if (bad) {
			rc = kd_buf_printf(&b, "ApplicationSet %s uses a %s generator, which kdrift cannot evaluate",
					   name, bad) < 0 ? oom() : 0;
		}
		if (rc == 0 && b.len) {
			if (json_object_set_new(app, "disabled", json_string(kd_buf_cstr(&b))) < 0)
				rc = oom();
			else
				rc = kd_finit_note(c->unmapped, "%s: %s (written commented out)", file, kd_buf_cstr(&b));
		} else if (rc == 0) {
			rc = kd_finit_note(c->found, "%s: Argo CD ApplicationSet %s, app %s", file, name,
					   kd_json_str(app, "name"));
		}
		free(base);
		if (rc < 0)
			break;
	}
	json_array_foreach(c->applications, i, a)
		if (rc == 0)
			rc = kd_finit_note(c->unmapped, "%s: Argo CD Application %s is not followed (an applicationSet or a path app can describe it)",
					   kd_json_str(a, "file"), kd_json_str(a, "name"));
	kd_buf_free(&b);
	return rc;
}
