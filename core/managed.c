/*
 * managed — the managedFields trie (see managed.h).
 */
#include "managed.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"

/* fieldsV1 nests no deeper than the object it describes; this bound only
 * protects the recursion from a hostile server. */
#define MAX_DEPTH 128

struct kd_managed_node {
	char form;             /* 'f', 'k', 'v', 'i' (the root: 0) */
	const char *key;       /* the fieldsV1 key as written (borrowed) */
	json_t *value;         /* parsed k: object or v: value (owned) */
	size_t index;          /* i:N */
	uint64_t owners;
	uint64_t subtree;
	kd_managed_node **children;
	size_t nchildren;
	size_t cap;
};

struct kd_managed {
	kd_managed_entry entries[KD_MANAGED_MAX_ENTRIES];
	size_t nentries;
	kd_managed_node *root;
};

static void node_free(kd_managed_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nchildren; i++)
		node_free(n->children[i]);
	free(n->children);
	json_decref(n->value);
	free(n);
}

/* Finds or adds the child for fieldsV1 key `key` (already validated). */
static int node_child(kd_managed_node **out, kd_managed_node *n,
		      const char *key)
{
	kd_managed_node *c;
	size_t i;

	for (i = 0; i < n->nchildren; i++) {
		if (strcmp(n->children[i]->key, key) == 0) {
			*out = n->children[i];
			return 0;
		}
	}
	if (n->nchildren == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;
		kd_managed_node **p = realloc(n->children, cap * sizeof(*p));

		if (!p)
			return kd_error_set(KD_ENOMEM, "out of memory");
		n->children = p;
		n->cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return kd_error_set(KD_ENOMEM, "out of memory");
	c->form = key[0];
	c->key = key;
	if (key[0] == 'k' || key[0] == 'v') {
		json_error_t err;

		c->value = json_loads(key + 2, JSON_DECODE_ANY, &err);
		if (!c->value || (key[0] == 'k' && !json_is_object(c->value))) {
			node_free(c);
			return kd_error_set(KD_EINVAL,
					    "managedFields: malformed key '%.60s'",
					    key);
		}
	} else if (key[0] == 'i') {
		char *end;
		unsigned long long v = strtoull(key + 2, &end, 10);

		if (*end != '\0' || end == key + 2) {
			node_free(c);
			return kd_error_set(KD_EINVAL,
					    "managedFields: malformed key '%.60s'",
					    key);
		}
		c->index = (size_t)v;
	}
	n->children[n->nchildren++] = c;
	*out = c;
	return 0;
}

static int add_set(kd_managed_node *n, const json_t *set, uint64_t bit,
		   unsigned depth)
{
	const char *key;
	json_t *sub;
	int rc;

	if (depth > MAX_DEPTH)
		return kd_error_set(KD_ELIMIT, "managedFields nest too deeply");
	if (!json_is_object(set))
		return kd_error_set(KD_EINVAL,
				    "managedFields: fieldsV1 sets must be objects");
	/* An empty set under a key means "this node", like `.`. */
	if (json_object_size(set) == 0)
		n->owners |= bit;
	n->subtree |= bit;
	json_object_foreach((json_t *)set, key, sub) {
		kd_managed_node *c;

		if (strcmp(key, ".") == 0) {
			n->owners |= bit;
			continue;
		}
		if (strlen(key) < 2 || key[1] != ':' || !strchr("fkvi", key[0]))
			return kd_error_set(KD_EINVAL,
					    "managedFields: unknown key form '%.60s'",
					    key);
		if ((rc = node_child(&c, n, key)) < 0)
			return rc;
		if ((rc = add_set(c, sub, bit, depth + 1)) < 0)
			return rc;
	}
	return 0;
}

int kd_managed_parse(kd_managed **out, const json_t *live)
{
	kd_managed *m;
	json_t *list, *e;
	size_t i;
	int rc = 0;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return kd_error_set(KD_ENOMEM, "out of memory");
	list = kd_json_arr(kd_json_obj(live, "metadata"), "managedFields");
	json_array_foreach(list, i, e) {
		kd_managed_entry *ent;
		json_t *fields;

		if (m->nentries == KD_MANAGED_MAX_ENTRIES)
			break;
		if (!json_is_object(e)) {
			rc = kd_error_set(KD_EINVAL,
					  "managedFields[%zu] is not an object", i);
			goto cleanup;
		}
		ent = &m->entries[m->nentries];
		ent->manager = kd_json_str(e, "manager");
		if (!ent->manager)
			ent->manager = "";
		ent->operation = kd_json_str(e, "operation");
		ent->time = kd_json_str(e, "time");
		ent->subresource = kd_json_str(e, "subresource");
		if (ent->subresource && !*ent->subresource)
			ent->subresource = NULL;
		fields = json_object_get(e, "fieldsV1");
		if (fields) {
			if (!m->root) {
				m->root = calloc(1, sizeof(*m->root));
				if (!m->root) {
					rc = kd_error_set(KD_ENOMEM, "out of memory");
					goto cleanup;
				}
				m->root->key = "";
			}
			rc = add_set(m->root, fields, (uint64_t)1 << m->nentries, 0);
			if (rc < 0) {
				kd_error_wrap(rc, "managedFields[%zu] (%s): ", i,
					      ent->manager);
				goto cleanup;
			}
		}
		m->nentries++;
	}
	*out = m;
	m = NULL;
cleanup:
	kd_managed_free(m);
	return rc;
}

void kd_managed_free(kd_managed *m)
{
	if (!m)
		return;
	node_free(m->root);
	free(m);
}

size_t kd_managed_count(const kd_managed *m)
{
	return m ? m->nentries : 0;
}

const kd_managed_entry *kd_managed_entry_at(const kd_managed *m, size_t i)
{
	return m && i < m->nentries ? &m->entries[i] : NULL;
}

uint64_t kd_managed_entries_named(const kd_managed *m, const char *manager)
{
	uint64_t mask = 0;
	size_t i;

	for (i = 0; m && manager && i < m->nentries; i++)
		if (strcmp(m->entries[i].manager, manager) == 0)
			mask |= (uint64_t)1 << i;
	return mask;
}

const kd_managed_node *kd_managed_root(const kd_managed *m)
{
	return m ? m->root : NULL;
}

const kd_managed_node *kd_managed_field(const kd_managed_node *n,
					const char *name)
{
	size_t i;

	if (!n)
		return NULL;
	for (i = 0; i < n->nchildren; i++) {
		const kd_managed_node *c = n->children[i];

		if (c->form == 'f' && strcmp(c->key + 2, name) == 0)
			return c;
	}
	return NULL;
}

static bool key_matches(const json_t *keys, const json_t *elem)
{
	const char *k;
	json_t *v;

	if (!json_is_object(elem))
		return false;
	json_object_foreach((json_t *)keys, k, v) {
		if (!kd_json_equal(v, json_object_get(elem, k)))
			return false;
	}
	return true;
}

const kd_managed_node *kd_managed_element(const kd_managed_node *n,
					  const json_t *elem, size_t index)
{
	const kd_managed_node *by_index = NULL;
	size_t i;

	if (!n)
		return NULL;
	for (i = 0; i < n->nchildren; i++) {
		const kd_managed_node *c = n->children[i];

		if (c->form == 'k' && key_matches(c->value, elem))
			return c;
		if (c->form == 'v' && kd_json_equal(c->value, elem))
			return c;
		if (c->form == 'i' && c->index == index)
			by_index = c;
	}
	return by_index;
}

uint64_t kd_managed_owners(const kd_managed_node *n)
{
	return n ? n->owners : 0;
}

uint64_t kd_managed_subtree_owners(const kd_managed_node *n)
{
	return n ? n->subtree : 0;
}

/* RFC 3339 times written by the API server are all UTC ("Z") with second
 * precision, so they order as strings. */
static int time_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return !a - !b; /* a missing time sorts after one that is known */
	return strcmp(a, b);
}

int kd_managed_latest(const kd_managed *m, uint64_t mask)
{
	int best = -1;
	size_t i;

	for (i = 0; m && i < m->nentries; i++) {
		if (!(mask & ((uint64_t)1 << i)))
			continue;
		if (best < 0 ||
		    time_cmp(m->entries[i].time, m->entries[best].time) >= 0)
			best = (int)i;
	}
	return best;
}

uint64_t kd_managed_written_after(const kd_managed *m, int i)
{
	uint64_t mask = 0;
	const char *t;
	size_t j;

	if (!m || i < 0 || (size_t)i >= m->nentries)
		return 0;
	t = m->entries[i].time;
	for (j = 0; j < m->nentries; j++) {
		if ((int)j == i)
			continue;
		if (!t || !m->entries[j].time || strcmp(m->entries[j].time, t) > 0)
			mask |= (uint64_t)1 << j;
	}
	return mask;
}
