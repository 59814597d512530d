/*
 * worker — one action at a time on its own thread (see uiact.h).
 *
 * A thread per job keeps this simple: actions are rare and each is slow
 * (network, Git, fsync), so the cost of creating a thread does not matter,
 * and a job never shares the thread with another.  The thread writes one
 * byte to the pipe when it is done; the UI thread joins it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "uiact.h"

/* The worker sees only its job, never the UI. */
static void *job_thread(void *arg)
{
	kd_job *job = arg;
	char one = 1;
	ssize_t w;

	job->run(job);
	do
		w = write(job->done_fd, &one, 1);
	while (w < 0 && errno == EINTR);
	return NULL;
}

int kd_worker_submit(kd_ui *ui, kd_job *job)
{
	kd_uiact *act = ui->act;
	int rc;

	if (act->busy) {
		if (job->free)
			job->free(job);
		return kd_error_set(KD_EINVAL, "%s is still running; wait for it to finish",
				    act->job->what);
	}
	if (!act->pipe_open) {
		if (pipe(act->pipe) < 0) {
			if (job->free)
				job->free(job);
			return kd_error_set(KD_EIO, "pipe: %s", strerror(errno));
		}
		fcntl(act->pipe[0], F_SETFL, O_NONBLOCK);
		fcntl(act->pipe[0], F_SETFD, FD_CLOEXEC);
		fcntl(act->pipe[1], F_SETFD, FD_CLOEXEC);
		act->pipe_open = true;
	}
	act->job = job;
	job->rc = 0;
	job->done_fd = act->pipe[1];
	if ((rc = pthread_create(&act->thread, NULL, job_thread, job)) != 0) {
		act->job = NULL;
		if (job->free)
			job->free(job);
		return kd_error_set(KD_ERROR, "cannot start a thread: %s", strerror(rc));
	}
	act->busy = true;
	return 0;
}

int kd_worker_fd(const kd_ui *ui)
{
	return ui->act && ui->act->pipe_open ? ui->act->pipe[0] : -1;
}

bool kd_worker_busy(const kd_ui *ui)
{
	return ui->act && ui->act->busy;
}

void kd_worker_collect(kd_ui *ui)
{
	kd_uiact *act = ui->act;
	kd_job *job;
	char b;

	if (!act || !act->busy || read(act->pipe[0], &b, 1) != 1)
		return;
	pthread_join(act->thread, NULL);
	job = act->job;
	act->job = NULL;
	act->busy = false;
	if (job->done)
		job->done(ui, job);
	if (job->free)
		job->free(job);
}

void kd_worker_finish(kd_ui *ui)
{
	kd_uiact *act = ui->act;

	if (!act || !act->busy)
		return;
	fcntl(act->pipe[0], F_SETFL, 0);
	kd_worker_collect(ui);
}
