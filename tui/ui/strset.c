/*
 * strset — a small open-addressing set of strings (the expanded nodes).
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "ui.h"

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static size_t find(const kd_strset *s, const char *key)
{
	size_t i = hash(key) & (s->cap - 1);

	while (s->slots[i] && strcmp(s->slots[i], key) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

bool kd_strset_has(const kd_strset *s, const char *key)
{
	return s->cap && s->slots[find(s, key)] != NULL;
}

static int grow(kd_strset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64, i;
	kd_strset n = { calloc(cap, sizeof(char *)), cap, 0 };

	if (!n.slots)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < s->cap; i++)
		if (s->slots[i]) {
			n.slots[find(&n, s->slots[i])] = s->slots[i];
			n.n++;
		}
	free(s->slots);
	*s = n;
	return 0;
}

int kd_strset_add(kd_strset *s, const char *key)
{
	size_t i;
	int rc;

	if ((s->n + 1) * 2 > s->cap && (rc = grow(s)) < 0)
		return rc;
	i = find(s, key);
	if (s->slots[i])
		return 0;
	if (!(s->slots[i] = strdup(key)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	s->n++;
	return 0;
}

void kd_strset_remove(kd_strset *s, const char *key)
{
	size_t i, j;

	if (!s->cap || !s->slots[i = find(s, key)])
		return;
	free(s->slots[i]);
	s->slots[i] = NULL;
	s->n--;
	/* Re-insert the rest of the cluster so lookups never stop early. */
	for (j = (i + 1) & (s->cap - 1); s->slots[j]; j = (j + 1) & (s->cap - 1)) {
		char *k = s->slots[j];

		s->slots[j] = NULL;
		s->slots[find(s, k)] = k;
	}
}

void kd_strset_clear(kd_strset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	s->slots = NULL;
	s->cap = s->n = 0;
}
