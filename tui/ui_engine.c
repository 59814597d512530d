/*
 * ui_engine — see ui_engine.h.
 */
#include "ui_engine.h"

#include <stdlib.h>

#include "error.h"

struct kd_ui_engine {
	int unused;
};

int kd_ui_engine_start(kd_ui_engine **out, const kd_ui_engine_opts *opts)
{
	(void)opts;
	*out = NULL;
	return kd_error_set(KD_EUNSUPPORTED, "this build has no engine yet");
}

void kd_ui_engine_attach(kd_ui_engine *e, kd_ui *ui)
{
	(void)e;
	(void)ui;
}

void kd_ui_engine_free(kd_ui_engine *e)
{
	free(e);
}
