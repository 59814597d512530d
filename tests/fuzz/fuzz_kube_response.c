/*
 * What an API server sends back: the input is read both as a watch stream
 * (JSON lines, split as the client splits them) and as a list response.
 * Every object found is diffed against a fixed desired Deployment and
 * against itself (an object always equals itself), rendered as diff rows,
 * and error bodies are turned into messages as the client does.
 *
 * The client reads lists with its own fast reader (kd_json_loadb, and with
 * a memo of repeated managedFields field sets): whatever the input, it must
 * give exactly what jansson gives, the same value or the same error.  The
 * engine's lists also leave the items' status out: the same value without
 * it (or with it, when the text went to jansson), or the same error.
 */
#include "fuzz.h"

#include "data/data.h"
#include "diff/diff.h"
#include "kube/kube.h"

static const char desired_yaml[] =
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
	"spec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n"
	"        - {name: web, image: 'web:1.0', ports: [{containerPort: 80}],\n"
	"           resources: {limits: {cpu: 200m, memory: 1Gi}}}\n";
static json_t *desired;
static kd_json_memo *memo;   /* kept across inputs, as the client keeps it */
static kd_json_memo *shared; /* as the engine's lists read */

/* The fast reader against jansson, with and without the memo. */
static void same_as_jansson(const json_t *want, const json_error_t *want_err,
			    const uint8_t *data, size_t size, kd_json_memo *m)
{
	json_error_t err;
	json_t *got = m ? kd_json_loadb_memo((const char *)data, size, &err, m)
			: kd_json_loadb((const char *)data, size, &err);

	if (!want != !got || (want && !json_equal(want, got)) ||
	    (!want && (strcmp(want_err->text, err.text) || want_err->line != err.line ||
		       want_err->column != err.column || want_err->position != err.position))) {
		fprintf(stderr, "kd_json_loadb%s disagrees with json_loadb\n", m ? "_memo" : "");
		abort();
	}
	json_decref(got);
}

/* v without the member `status` of its objects at depth 3 (1: v itself):
 * what the engine's shared lists leave out. */
static void strip_status(json_t *v, int depth)
{
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		if (depth == 3)
			json_object_del(v, "status");
		json_object_foreach(v, key, m)
			strip_status(m, depth + 1);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			strip_status(m, depth + 1);
	}
}

/* The engine's reading (shared members, status left out): jansson's value
 * without the items' status, or jansson's whole (handed over), or jansson's
 * error. */
static void same_as_engine_reads(const json_t *want, const json_error_t *want_err,
				 const uint8_t *data, size_t size, kd_json_memo *m)
{
	json_error_t err;
	json_t *got = kd_json_loadb_memo((const char *)data, size, &err, m), *stripped;
	bool ok;

	if (!want) {
		ok = !got && !strcmp(want_err->text, err.text) && want_err->position == err.position;
	} else {
		stripped = json_deep_copy(want);
		strip_status(stripped, 1);
		ok = got && (json_equal(got, stripped) || json_equal(got, want));
		json_decref(stripped);
	}
	if (!ok) {
		fprintf(stderr, "kd_json_loadb_memo leaving out status disagrees with json_loadb\n");
		abort();
	}
	json_decref(got);
}

static void object(const json_t *obj)
{
	kd_diff_result *res = NULL;
	kd_diff_rows *rows = NULL;

	if (!json_is_object(obj))
		return;
	if (kd_diff_objects(&res, desired, obj, NULL) == 0)
		kd_diff_rows_new(&rows, desired, obj, res, NULL);
	kd_diff_rows_free(rows);
	kd_diff_result_free(res);
	res = NULL;
	if (kd_diff_objects(&res, obj, obj, NULL) == 0 && res->status != KD_DIFF_SYNCED) {
		fprintf(stderr, "an object differs from itself\n");
		abort();
	}
	kd_diff_result_free(res);
}

static void status(const json_t *body)
{
	kd_buf msg = KD_BUF_INIT;
	const char *reason = NULL;

	kd_kube_status_error(&msg, &reason, 500, body, "fuzz", "list things");
	kd_buf_free(&msg);
}

static int line(void *ctx, const char *text, size_t len)
{
	json_t *ev = json_loadb(text, len, JSON_ALLOW_NUL, NULL);
	const char *type = kd_json_str(ev, "type");

	(void)ctx;
	if (type && !strcmp(type, "ERROR"))
		status(json_object_get(ev, "object"));
	else
		object(json_object_get(ev, "object"));
	json_decref(ev);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kd_kube_lines lines = {KD_BUF_INIT, 1 << 20};
	json_error_t err;
	json_t *list;

	if (!desired && kd_yaml_parse_one(&desired, NULL, desired_yaml, sizeof(desired_yaml) - 1,
					  "desired.yaml", NULL) < 0)
		abort();
	kd_kube_lines_feed(&lines, (const char *)data, size, line, NULL);
	kd_kube_lines_free(&lines);

	if (!memo && !(memo = kd_json_memo_new("fieldsV1")))
		abort();
	if (!shared) {
		if (!(shared = kd_json_memo_new("fieldsV1")) || kd_json_memo_add(shared, "spec") < 0 ||
		    kd_json_memo_add(shared, "labels") < 0 || kd_json_memo_skip(shared, "status", 3) < 0)
			abort();
	}
	list = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &err);
	same_as_jansson(list, &err, data, size, NULL);
	same_as_jansson(list, &err, data, size, memo);
	same_as_engine_reads(list, &err, data, size, shared);
	if (list) {
		json_t *items = kd_json_arr(list, "items");
		json_t *item;
		size_t i;

		if (items) {
			json_array_foreach(items, i, item)
				object(item);
		} else {
			status(list);
			object(list);
		}
		json_decref(list);
	}
	return 0;
}
