/*
 * managed — the managedFields trie (see diff.h).
 */
#include "diff/diff.h"
#include "diff_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

/* fieldsV1 nests no deeper than the object it describes; this bound only
 * protects the recursion from a hostile server. */
#define MAX_DEPTH 128

struct kd_managed_node {
	char form;             /* 'f', 'k', 'v', 'i' (the root: 0) */
	const char *key;       /* the fieldsV1 key as written (borrowed) */
	json_t *value;         /* parsed k:/v: JSON when not simple (owned) */
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

/* fieldsV1 keys hold JSON: `k:{"containerPort":8080,"protocol":"TCP"}`,
 * `v:"finalizer"`.  The API server writes them compact with flat scalar
 * values, and parsing each with jansson dominated the cost of a diff, so
 * those are compared against the live element in place.  Anything else
 * (escapes, white space, nested values) is SCAN_COMPLEX and parsed. */
enum { SCAN_DIFFER = 0, SCAN_MATCH = 1, SCAN_COMPLEX = -1 };

/* Scans one scalar at *pp and compares it with v; v == NULL only checks
 * the syntax (SCAN_MATCH when simple). */
static int scan_scalar(const char **pp, const json_t *v)
{
	const char *p = *pp, *s;
	bool real = false;

	if (*p == '"') {
		for (s = ++p; *p && *p != '"'; p++)
			if (*p == '\\' || (unsigned char)*p < 0x20)
				return SCAN_COMPLEX;
		if (*p != '"')
			return SCAN_COMPLEX;
		*pp = p + 1;
		if (!v)
			return SCAN_MATCH;
		return json_is_string(v) && json_string_length(v) == (size_t)(p - s) &&
		       memcmp(json_string_value(v), s, (size_t)(p - s)) == 0;
	}
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		char num[64];
		size_t n;

		for (s = p; *p && strchr("0123456789+-.eE", *p); p++)
			real = real || strchr(".eE", *p);
		n = (size_t)(p - s);
		if (n >= sizeof(num))
			return SCAN_COMPLEX;
		memcpy(num, s, n);
		num[n] = '\0';
		*pp = p;
		if (!v)
			return SCAN_MATCH;
		if (!json_is_number(v))
			return SCAN_DIFFER;
		if (!real && json_is_integer(v))
			return json_integer_value(v) == strtoll(num, NULL, 10);
		return json_number_value(v) == strtod(num, NULL);
	}
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0 ||
	    strncmp(p, "null", 4) == 0) {
		int r = p[0] == 't' ? json_is_true(v) :
			p[0] == 'f' ? json_is_false(v) : json_is_null(v);

		*pp = p + (p[0] == 'f' ? 5 : 4);
		return !v ? SCAN_MATCH : r;
	}
	return SCAN_COMPLEX;
}

/* A v: value: one scalar and nothing after it. */
static int scan_value(const char *text, const json_t *v)
{
	int r = scan_scalar(&text, v);

	if (r == SCAN_COMPLEX || *text != '\0')
		return SCAN_COMPLEX;
	return r;
}

/* A k: object of scalars: every field must equal elem's (v == NULL:
 * syntax only). */
static int scan_key(const char *p, const json_t *elem)
{
	bool check = elem != NULL;
	int r;

	if (*p++ != '{')
		return SCAN_COMPLEX;
	if (*p == '}')
		return p[1] == '\0' ? SCAN_MATCH : SCAN_COMPLEX;
	for (;;) {
		const char *k;
		const json_t *v = NULL;

		if (*p != '"')
			return SCAN_COMPLEX;
		for (k = ++p; *p && *p != '"'; p++)
			if (*p == '\\')
				return SCAN_COMPLEX;
		if (*p != '"' || p[1] != ':')
			return SCAN_COMPLEX;
		if (check) {
			v = json_object_getn(elem, k, (size_t)(p - k));
			if (!v)
				return SCAN_DIFFER;
		}
		p += 2;
		r = scan_scalar(&p, v);
		if (r != SCAN_MATCH)
			return r;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}' && p[1] == '\0')
			return SCAN_MATCH;
		return SCAN_COMPLEX;
	}
}

/* The checks node_child makes of a new key's text, with its errors, for a
 * read that builds no trie. */
static int check_key(const char *key)
{
	if (key[0] == 'k' || key[0] == 'v') {
		int r = key[0] == 'k' ? scan_key(key + 2, NULL) :
					scan_value(key + 2, NULL);

		if (r == SCAN_COMPLEX) {
			json_error_t err;
			json_t *v = json_loads(key + 2, JSON_DECODE_ANY, &err);
			bool ok = v && (key[0] != 'k' || json_is_object(v));

			json_decref(v);
			if (!ok)
				return kd_error_set(KD_EINVAL,
						    "managedFields: malformed key '%.60s'",
						    key);
		}
	} else if (key[0] == 'i') {
		char *end;

		(void)strtoull(key + 2, &end, 10);
		if (*end != '\0' || end == key + 2)
			return kd_error_set(KD_EINVAL,
					    "managedFields: malformed key '%.60s'",
					    key);
	}
	return 0;
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
		/* The common compact forms are matched straight from the text
		 * (scan_key); only anything fancier is parsed up front. */
		int r = key[0] == 'k' ? scan_key(key + 2, NULL) :
					scan_value(key + 2, NULL);

		if (r == SCAN_COMPLEX) {
			json_error_t err;

			c->value = json_loads(key + 2, JSON_DECODE_ANY, &err);
			if (!c->value ||
			    (key[0] == 'k' && !json_is_object(c->value))) {
				node_free(c);
				return kd_error_set(KD_EINVAL,
						    "managedFields: malformed key '%.60s'",
						    key);
			}
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

/* Adds one manager's field set to the trie under n, or, with n NULL,
 * only checks it: both ways fail at the same key with the same message,
 * so a read without the trie reports what a read with it would. */
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
	if (n) {
		/* An empty set under a key means "this node", like `.`. */
		if (json_object_size(set) == 0)
			n->owners |= bit;
		n->subtree |= bit;
	}
	json_object_foreach((json_t *)set, key, sub) {
		kd_managed_node *c = NULL;

		if (strcmp(key, ".") == 0) {
			if (n)
				n->owners |= bit;
			continue;
		}
		if (strlen(key) < 2 || key[1] != ':' || !strchr("fkvi", key[0]))
			return kd_error_set(KD_EINVAL,
					    "managedFields: unknown key form '%.60s'",
					    key);
		if ((rc = n ? node_child(&c, n, key) : check_key(key)) < 0)
			return rc;
		if ((rc = add_set(c, sub, bit, depth + 1)) < 0)
			return rc;
	}
	return 0;
}

static int parse(kd_managed **out, const json_t *live, bool trie)
{
	kd_managed *m;
	json_t *list, *e;
	size_t i;
	int rc = 0;

	*out = NULL;
	/* entries are written before they count: only the rest starts zeroed
	 * (this runs for every object diffed) */
	m = malloc(sizeof(*m));
	if (!m)
		return kd_error_set(KD_ENOMEM, "out of memory");
	m->nentries = 0;
	m->root = NULL;
	list = kd_json_arr(kd_json_obj(live, "metadata"), "managedFields");
	json_array_foreach(list, i, e) {
		kd_managed_entry *ent;
		const char *type;
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
		/* Only FieldsV1 exists today; a future format is skipped
		 * (its entry attributes nothing) rather than misread. */
		type = kd_json_str(e, "fieldsType");
		fields = !type || strcmp(type, "FieldsV1") == 0 ?
			json_object_get(e, "fieldsV1") : NULL;
		/* status is never drift, so what the status writers own is not
		 * worth a trie; their entries still count for times. */
		if (fields && !(ent->subresource &&
				strcmp(ent->subresource, "status") == 0)) {
			if (!trie) {
				m->nentries++;
				continue;
			}
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

int kd_managed_parse(kd_managed **out, const json_t *live)
{
	return parse(out, live, true);
}

int kd_managed_parse_entries(kd_managed **out, const json_t *live)
{
	return parse(out, live, false);
}

int kd_managed_check(const json_t *live)
{
	return kd_managed_check_memo(live, NULL);
}

int kd_managed_check_memo(const json_t *live, kd_diff_memo *memo)
{
	json_t *list, *e;
	size_t i;
	int rc;

	list = kd_json_arr(kd_json_obj(live, "metadata"), "managedFields");
	json_array_foreach(list, i, e) {
		const char *type, *sub;
		json_t *fields;

		if (i == KD_MANAGED_MAX_ENTRIES)
			break;
		if (!json_is_object(e))
			return kd_error_set(KD_EINVAL,
					    "managedFields[%zu] is not an object", i);
		type = kd_json_str(e, "fieldsType");
		sub = kd_json_str(e, "subresource");
		fields = !type || strcmp(type, "FieldsV1") == 0 ?
			json_object_get(e, "fieldsV1") : NULL;
		if (!fields || (sub && strcmp(sub, "status") == 0) ||
		    kd_diff_memo_checked(memo, fields))
			continue;
		if ((rc = add_set(NULL, fields, 0, 0)) < 0) {
			const char *manager = kd_json_str(e, "manager");

			kd_error_wrap(rc, "managedFields[%zu] (%s): ", i,
				      manager ? manager : "");
			return rc;
		}
		kd_diff_memo_remember_checked(memo, fields);
	}
	return 0;
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

		if (c->form == 'k' && json_is_object(elem) &&
		    (c->value ? key_matches(c->value, elem) :
				scan_key(c->key + 2, elem) == SCAN_MATCH))
			return c;
		if (c->form == 'v' &&
		    (c->value ? kd_json_equal(c->value, elem) :
				scan_value(c->key + 2, elem) == SCAN_MATCH))
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

bool kd_managed_is_leaf(const kd_managed_node *n)
{
	return !n || n->nchildren == 0;
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
