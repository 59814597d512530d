/*
 * Flux postBuild substitution.  Input: a YAML mapping of variables, a line
 * "%%", then the text to substitute (no "%%" line: the whole input is the
 * text, with a few fixed variables).  The text is expanded loose and strict,
 * and, parsed as YAML, substituted object by object as the render does.
 */
#include "fuzz.h"

#include "data/data.h"
#include "render/render.h"

static json_t *default_vars(void)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:s}", "cluster", "prod-eu-1", "replicas", "3",
			      "empty", "", "long", "abcdefghijklmnopqrstuvwxyz0123456789");

	if (!v)
		abort();
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *all = fz_text(data, size), *text = all;
	char *sep = strstr(all, "\n%%\n");
	json_t *vars = NULL, *objs = NULL;
	kd_buf out = KD_BUF_INIT;

	if (sep) {
		json_t *parsed = NULL;

		text = sep + 4;
		if (kd_yaml_parse_one(&parsed, NULL, all, (size_t)(sep - all), "vars.yaml", NULL) == 0 &&
		    json_is_object(parsed)) {
			json_t *cm = json_pack("{s:s, s:s, s:{s:s}, s:O}", "apiVersion", "v1",
					       "kind", "ConfigMap", "metadata", "name", "vars",
					       "data", parsed);

			if (!cm)
				abort();
			vars = json_object();
			if (!vars || kd_flux_vars_add_object(vars, cm, "vars.yaml") < 0) {
				json_decref(vars);
				vars = NULL;
			}
			json_decref(cm);
		}
		json_decref(parsed);
	}
	if (!vars)
		vars = default_vars();

	kd_flux_envsubst(&out, text, vars, false);
	kd_buf_clear(&out);
	kd_flux_envsubst(&out, text, vars, true);

	if (kd_yaml_parse(&objs, NULL, text, strlen(text), "objects.yaml", NULL) == 0) {
		kd_flux_substitute(objs, vars, false);
		kd_flux_substitute(objs, vars, true);
	}
	json_decref(objs);
	json_decref(vars);
	kd_buf_free(&out);
	free(all);
	return 0;
}
