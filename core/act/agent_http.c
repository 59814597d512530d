/*
 * agent_http — the agent's metrics server (see kd_agent_http_start in
 * act.h): /metrics, /healthz and /readyz on libmicrohttpd's own polling
 * thread.
 *
 * Owns the listening socket and nothing else: the answers come from
 * kd_agent_metrics / _ready / _healthy, which take the agent's lock only
 * to copy a few numbers, so a slow scraper never holds up a reconcile and
 * a reconcile never holds up a scrape.  Requests are bounded: at most a
 * few connections, 16 KiB of headers each, no body, ten seconds idle.
 */
#include "act/act.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/base.h"

#define MAX_CONNECTIONS 8
#define MEMORY_LIMIT (16u << 10)
#define IDLE_S 10

struct kd_agent_http {
	struct MHD_Daemon *daemon;
	kd_agent *agent;
	int port;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(c, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **state)
{
	static int started;
	kd_agent_http *h = cls;
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	kd_buf b = KD_BUF_INIT;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	if (!*state) {
		/* headers are in; a request that brings a body is answered now */
		*state = &started;
		if ((len && strcmp(len, "0") != 0) ||
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding"))
			return text(c, MHD_HTTP_CONTENT_TOO_LARGE, "no request body is accepted\n");
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (strcmp(url, "/healthz") == 0)
		return kd_agent_healthy(h->agent) ? text(c, MHD_HTTP_OK, "ok\n") :
		       text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the agent's loop is stuck\n");
	if (strcmp(url, "/readyz") == 0)
		return kd_agent_ready(h->agent) ? text(c, MHD_HTTP_OK, "ok\n") :
		       text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no reconcile reported yet\n");
	if (strcmp(url, "/metrics") != 0)
		return text(c, MHD_HTTP_NOT_FOUND, "/metrics, /healthz or /readyz\n");
	if (kd_agent_metrics(&b, h->agent) < 0) {
		kd_buf_free(&b);
		return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	ret = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
		    b.data ? b.data : "", b.len);
	kd_buf_free(&b);
	return ret;
}

/* "HOST:PORT", ":PORT", "[V6]:PORT" into an address. */
static int parse_addr(struct sockaddr_storage *sa, const char *addr)
{
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = { 0 }, *res = NULL;
	char host[256], *end;
	long port;
	size_t hl;

	if (!colon)
		return kd_error_set(KD_EINVAL, "--metrics-addr takes HOST:PORT, not '%s'", addr);
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end || port < 0 || port > 65535)
		return kd_error_set(KD_EINVAL, "--metrics-addr: '%s' is not a port", colon + 1);
	hl = (size_t)(colon - addr);
	if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
		addr++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return kd_error_set(KD_EINVAL, "--metrics-addr: the host is too long");
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memset(sa, 0, sizeof(*sa));
	if (hl == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)sa;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_ANY);
		in->sin_port = htons((uint16_t)port);
		return 0;
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, "0", &hints, &res) != 0 || !res)
		return kd_error_set(KD_EINVAL, "--metrics-addr: cannot resolve '%s'", host);
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
	freeaddrinfo(res);
	return 0;
}

int kd_agent_http_start(kd_agent_http **out, kd_agent *a, const char *addr)
{
	struct sockaddr_storage sa;
	const union MHD_DaemonInfo *info;
	kd_agent_http *h;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	int rc;

	*out = NULL;
	if ((rc = parse_addr(&sa, addr)) < 0)
		return rc;
	if (!(h = calloc(1, sizeof(*h))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	h->agent = a;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_S,
				     MHD_OPTION_END);
	if (!h->daemon) {
		free(h);
		return kd_error_set(KD_EIO, "cannot listen on %s (in use, or not an address of this host?)",
				    addr);
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	*out = h;
	return 0;
}

int kd_agent_http_port(const kd_agent_http *h)
{
	return h->port;
}

void kd_agent_http_stop(kd_agent_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}
