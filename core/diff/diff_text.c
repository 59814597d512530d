/*
 * diff_text — one drifted value as a short line of text (see
 * kd_diff_value_text in diff.h), the way `kdrift check` lists fields and
 * the faces show a DriftReport's diffs, which carry values but no objects.
 * Never prints and never sanitises: the face does, on output.
 */
#include "diff/diff.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int kd_diff_value_text(kd_buf *out, const json_t *v, size_t max)
{
	char *s;
	size_t n, cut;
	int rc;

	if (!v)
		return kd_buf_puts(out, "(absent)");
	if (!(s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	n = strlen(s);
	if (max < 4 || n <= max) {
		rc = kd_buf_puts(out, s);
	} else {
		/* cut at a character boundary, keeping room for "..." */
		cut = max - 3;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		rc = kd_buf_add(out, s, cut);
		if (rc == 0)
			rc = kd_buf_puts(out, "...");
	}
	free(s);
	return rc;
}
