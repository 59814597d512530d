/*
 * engine_intern — one shared copy of the parts of live objects that repeat.
 *
 * The clusters of a fleet run the same apps, so their live objects differ
 * mostly in metadata (uid, resourceVersion, timestamps) while their specs,
 * data, labels and managedFields field sets are equal.  jansson spends
 * about ten times an object's JSON size on its tree, so 100,000 live
 * objects would take gigabytes; keeping one instance of each repeated
 * subtree, referenced from every object that has it, takes a fraction.
 *
 * Subtrees are keyed by their compact, key-sorted JSON text.  Live objects
 * are immutable once stored, so sharing is safe; jansson's reference counts
 * are atomic, so readers on other threads may drop references at any time.
 * eng_intern_purge drops the entries no object uses any more.
 */
#include "engine_priv.h"

#include <stdlib.h>
#include <string.h>

#include "data/data.h"

/* The shared instance equal to v (v itself when it is the first). */
static json_t *shared(kd_engine *e, json_t *v)
{
	char *text;
	json_t *found;

	if (!json_is_object(v) && !json_is_array(v))
		return v;
	if (json_is_object(v) ? json_object_size(v) == 0 : json_array_size(v) == 0)
		return v;
	if (!(text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)))
		return v;
	found = json_object_get(e->intern, text);
	if (!found) {
		json_object_set(e->intern, text, v);
		found = v;
	}
	free(text);
	return found;
}

static void intern_member(kd_engine *e, json_t *parent, const char *key)
{
	json_t *v = json_object_get(parent, key), *s;

	if (v && (s = shared(e, v)) != v)
		json_object_set(parent, key, s);
}

void eng_intern(kd_engine *e, json_t *obj)
{
	json_t *meta = json_object_get(obj, "metadata"), *v;
	const char *key;
	size_t i;

	if (!e->intern || !json_is_object(obj))
		return;
	json_object_foreach(obj, key, v)
		if (strcmp(key, "metadata") != 0)
			intern_member(e, obj, key);
	if (!json_is_object(meta))
		return;
	intern_member(e, meta, "labels");
	intern_member(e, meta, "annotations");
	intern_member(e, meta, "ownerReferences");
	json_array_foreach(json_object_get(meta, "managedFields"), i, v)
		if (json_is_object(v))
			intern_member(e, v, "fieldsV1");
}

void eng_intern_purge(kd_engine *e)
{
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(e->intern, tmp, key, v)
		if (__atomic_load_n(&v->refcount, __ATOMIC_ACQUIRE) == 1)
			json_object_del(e->intern, key);
}
