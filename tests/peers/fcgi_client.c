/*
 * fcgi_client.c - fcgi-client, a small FastCGI client for tests/peers.
 *
 * loadgen does not speak FastCGI (the engine's clients speak HTTP), so the
 * FastCGI side of peer-server is tested with this program: it asks
 * FCGI_GET_VALUES, sends requests one at a time or several at once on one
 * connection, checks every answer, and can wait to see whether the
 * application closes an idle connection. It works against php-fpm too
 * (--docroot and --path name the script). It uses the engine's record codec
 * (src/fcgi.c) for both directions, so it also exercises the client half of
 * that codec. Blocking sockets and poll(): every wait is bounded by
 * --timeout.
 *
 * Output (stdout), one line each, for scripts to grep:
 *   values: FCGI_MAX_CONNS=N FCGI_MAX_REQS=N FCGI_MPXS_CONNS=N
 *   request ID: status S, N body bytes, conn C        (--verbose)
 *   refused ID: cant-mpx-conn | overloaded | unknown-role
 *   closed by server after the answer                  (no FCGI_KEEP_CONN)
 *   idle close after N ms | no idle close within N ms  (--idle-wait)
 *   fcgi-client: N ok, N errors, N refused, N connections
 * Exit status: 0 when there was no error (refusals are not errors), 1
 * otherwise, 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "compiler.h"
#include "fcgi.h"
#include "http_msg.h"
#include "peer.h"

#define PROG		"fcgi-client"
#define MAX_PARALLEL	256
#define IN_MAX		(4 * 1024 * 1024)

static struct {
	struct sockaddr_in addr;
	char addr_str[32];
	int get_values;
	uint64_t requests;
	uint64_t parallel;
	char path[1024];
	const char *docroot;
	uint64_t body;
	int keep_conn;
	int64_t expect_status;
	int64_t expect_size;
	int check_body;
	uint64_t idle_wait_ms;
	uint64_t timeout_ms;
	int verbose;
} opt;

static struct {
	uint64_t ok, errors, refused, conns;
} res;

/* One request of a wave. */
struct creq {
	int active;
	struct http_msg rsp;
	struct fcgi_stdout so;
};

static struct creq creqs[MAX_PARALLEL + 1];

static int conn_open(void)
{
	struct pollfd p;
	int err = 0;
	socklen_t len = sizeof(err);
	int fd = peer_connect(&opt.addr);

	if (fd < 0)
		goto fail;
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, (int)opt.timeout_ms) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		errno = err ? err : errno;
		goto fail;
	}
	res.conns++;
	return fd;
fail:
	fprintf(stderr, PROG ": connect to %s: %s\n", opt.addr_str,
		strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Write all of <out>. 0 or -1. */
static int send_all(int fd, struct buffer *out)
{
	while (b_data(out)) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&p, 1, (int)opt.timeout_ms) != 1)
			return -1;
		n = send(fd, b_head(out), b_data(out), MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		b_del(out, n);
	}
	return 0;
}

/* Read more into <in>, waiting up to <ms>. >0 bytes, 0 EOF, -1 timeout or
 * error. */
static int read_more(int fd, struct buffer *in, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return -1;
	if (b_reserve(in, 16384, 0, IN_MAX) < 0)
		return -1;
	do {
		n = recv(fd, b_tail(in), b_room(in), 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	b_add(in, n);
	return (int)n;
}

/* Next whole record from <in>, reading as needed. 1, 0 on EOF, -1. */
static int next_record(int fd, struct buffer *in, struct fcgi_hdr *h,
		       const char **content, int *size)
{
	for (;;) {
		int r = fcgi_get_record(b_head(in), b_data(in), h, content);

		if (r < 0) {
			fprintf(stderr, PROG ": bad record header\n");
			return -1;
		}
		if (r > 0) {
			*size = r;
			return 1;
		}
		r = read_more(fd, in, (int)opt.timeout_ms);
		if (r == 0)
			return 0;
		if (r < 0) {
			fprintf(stderr, PROG ": timeout or error waiting for "
				"a record\n");
			return -1;
		}
	}
}

static int do_get_values(int fd, struct buffer *in)
{
	struct buffer out = BUF_NULL;
	struct fcgi_values v;
	struct fcgi_hdr h;
	const char *content;
	int size, ret = -1;

	if (fcgi_emit_get_values(&out) < 0 || send_all(fd, &out) < 0)
		goto out;
	for (;;) {
		if (next_record(fd, in, &h, &content, &size) <= 0)
			goto out;
		if (h.type == FCGI_GET_VALUES_RESULT)
			break;
		b_del(in, size);
	}
	if (fcgi_parse_get_values_result(content, h.len, &v) < 0) {
		fprintf(stderr, PROG ": bad GET_VALUES_RESULT\n");
		goto out;
	}
	b_del(in, size);
	printf("values: FCGI_MAX_CONNS=%ld FCGI_MAX_REQS=%ld "
	       "FCGI_MPXS_CONNS=%ld\n", v.max_conns, v.max_reqs, v.mpxs_conns);
	ret = 0;
out:
	b_free(&out);
	return ret;
}

/* Queue one request with id <id>. */
static int emit_request(struct buffer *out, uint16_t id)
{
	const struct fcgi_params_ctx ctx = {
		.docroot = opt.docroot, .server_port = 80,
		.remote_addr = "127.0.0.1", .remote_port = 40000,
		.software = PROG,
	};
	struct http_msg req;
	char *body = NULL;
	int ret = -1;

	memset(&req, 0, sizeof(req));
	http_msg_reset(&req, 0);
	req.flags |= HTTP_MSGF_VER_11;
	if (http_msg_str(&req, opt.body ? "POST" : "GET", opt.body ? 4 : 3,
			 &req.method) < 0 ||
	    http_msg_str(&req, opt.path, strlen(opt.path), &req.uri) < 0 ||
	    http_msg_str(&req, "localhost", 9, &req.authority) < 0)
		goto out;
	if (opt.body) {
		body = malloc(opt.body);
		if (!body)
			goto out;
		memset(body, 'x', opt.body);
		if (http_msg_add_body(&req, body, opt.body) < 0)
			goto out;
	}
	if (fcgi_emit_begin_request(out, id, FCGI_RESPONDER,
				    opt.keep_conn) < 0 ||
	    fcgi_emit_params(out, id, &req, &ctx) < 0 ||
	    fcgi_emit_stdin(out, id, body, opt.body) < 0)
		goto out;
	ret = 0;
out:
	free(body);
	http_msg_free(&req);
	return ret;
}

/* Judge the complete answer to request <id>. */
static void check_answer(uint16_t id, struct creq *r)
{
	const struct http_msg *m = &r->rsp;
	uint64_t blen = b_data(&m->body);
	int i = http_msg_find_hdr(m, "x-peer-conn");
	int bad = 0;

	if (opt.expect_status >= 0 && m->status != opt.expect_status)
		bad = 1;
	if (opt.expect_size >= 0 && blen != (uint64_t)opt.expect_size)
		bad = 1;
	if (opt.check_body && !peer_body_check(b_head(&m->body), blen, 0))
		bad = 1;
	if (opt.verbose || bad)
		printf("request %u: status %d, %llu body bytes, conn %.*s%s\n",
		       id, m->status, (unsigned long long)blen,
		       i >= 0 ? (int)m->hdr[i].v.len : 1,
		       i >= 0 ? hstr_ptr(m, m->hdr[i].v) : "?",
		       bad ? " (unexpected)" : "");
	if (bad)
		res.errors++;
	else
		res.ok++;
}

/*
 * Send <n> requests at once on <fd> and read every answer. Returns 0 if
 * the connection can be used again, 1 if the server closed it, -1 after a
 * failure (the connection is unusable), 2 if a reused connection was
 * closed before any answer (the application closed it meanwhile, e.g.
 * after --max-requests): send the wave again on a new connection.
 */
static int do_wave(int fd, struct buffer *in, unsigned int n, int reused)
{
	struct buffer out = BUF_NULL;
	unsigned int left = n, i;
	int ret = -1, got_any = 0;

	for (i = 1; i <= n; i++) {
		http_msg_reset(&creqs[i].rsp, 1);
		fcgi_stdout_init(&creqs[i].so);
		creqs[i].active = 1;
		if (emit_request(&out, (uint16_t)i) < 0)
			goto out;
	}
	if (send_all(fd, &out) < 0) {
		fprintf(stderr, PROG ": send failed\n");
		goto out;
	}

	while (left) {
		struct fcgi_hdr h;
		const char *content;
		struct creq *r;
		uint32_t app;
		uint8_t ps;
		int size, got;

		got = next_record(fd, in, &h, &content, &size);
		if (got == 0 && !got_any && reused) {
			ret = 2;
			goto out;
		}
		if (got <= 0) {
			fprintf(stderr, PROG ": %s with %u answer(s) "
				"missing\n", got ? "failure" : "server closed",
				left);
			res.errors += left;
			goto out;
		}
		got_any = 1;
		r = h.id >= 1 && h.id <= n ? &creqs[h.id] : NULL;
		if (!r || !r->active) {
			fprintf(stderr, PROG ": record type %u for unknown "
				"request %u\n", h.type, h.id);
			res.errors += left;
			goto out;
		}
		if (h.type == FCGI_STDOUT && h.len) {
			if (fcgi_stdout_feed(&r->so, content, h.len,
					     &r->rsp) < 0) {
				fprintf(stderr, PROG ": bad STDOUT for %u\n",
					h.id);
				res.errors += left;
				goto out;
			}
		} else if (h.type == FCGI_END_REQUEST) {
			if (fcgi_parse_end_request(content, h.len, &app,
						   &ps) < 0) {
				res.errors += left;
				goto out;
			}
			r->active = 0;
			left--;
			if (ps != FCGI_REQUEST_COMPLETE) {
				printf("refused %u: %s\n", h.id,
				       ps == FCGI_CANT_MPX_CONN ?
				       "cant-mpx-conn" :
				       ps == FCGI_OVERLOADED ? "overloaded" :
				       "unknown-role");
				res.refused++;
			} else if (fcgi_stdout_end(&r->so, &r->rsp) < 0) {
				printf("request %u: incomplete CGI "
				       "response\n", h.id);
				res.errors++;
			} else {
				check_answer(h.id, r);
			}
		}
		b_del(in, size);
	}
	ret = 0;
	if (!opt.keep_conn) {
		/* the application must close after the answer */
		int r = read_more(fd, in, (int)opt.timeout_ms);

		if (r == 0) {
			printf("closed by server after the answer\n");
			ret = 1;
		} else {
			printf("connection left open without "
			       "FCGI_KEEP_CONN\n");
			res.errors++;
			ret = -1;
		}
	}
out:
	b_free(&out);
	return ret;
}

/* Wait up to --idle-wait for the server to close the idle connection. */
static void do_idle_wait(int fd, struct buffer *in)
{
	uint64_t t0 = peer_now_us();
	int r = read_more(fd, in, (int)opt.idle_wait_ms);
	uint64_t ms = (peer_now_us() - t0) / 1000;

	if (r == 0)
		printf("idle close after %llu ms\n", (unsigned long long)ms);
	else if (r > 0)
		printf("unexpected bytes on an idle connection\n");
	else
		printf("no idle close within %llu ms\n",
		       (unsigned long long)opt.idle_wait_ms);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " --target ADDR:PORT [--get-values] [--requests N]\n"
"       [--parallel M] [--path P] [--docroot DIR] [--body BYTES]\n"
"       [--no-keep-conn]\n"
"       [--expect-status N] [--expect-size N] [--check-body]\n"
"       [--idle-wait MS] [--timeout MS] [--verbose]\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "get-values", no_argument, NULL, 'g' },
		{ "requests", required_argument, NULL, 'n' },
		{ "parallel", required_argument, NULL, 'm' },
		{ "path", required_argument, NULL, 'p' },
		{ "docroot", required_argument, NULL, 'd' },
		{ "body", required_argument, NULL, 'b' },
		{ "no-keep-conn", no_argument, NULL, 'k' },
		{ "expect-status", required_argument, NULL, 's' },
		{ "expect-size", required_argument, NULL, 'z' },
		{ "check-body", no_argument, NULL, 'c' },
		{ "idle-wait", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct buffer in = BUF_NULL;
	uint64_t done = 0, v;
	int fd = -1, o, i, reused = 0, retried = 0;

	opt.requests = 0;
	opt.parallel = 1;
	opt.keep_conn = 1;
	opt.expect_status = 200;
	opt.expect_size = -1;
	opt.timeout_ms = 5000;
	strcpy(opt.path, "/");
	opt.docroot = "/srv";

	while ((o = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (o) {
		case 't':
			if (peer_parse_addr(optarg, &opt.addr) < 0) {
				fprintf(stderr, PROG ": bad --target\n");
				return 2;
			}
			peer_addr_str(&opt.addr, opt.addr_str,
				      sizeof(opt.addr_str));
			break;
		case 'g':
			opt.get_values = 1;
			break;
		case 'n':
			if (peer_parse_num(PROG, "requests", optarg, 0,
					   10000000, &opt.requests) < 0)
				return 2;
			break;
		case 'm':
			if (peer_parse_num(PROG, "parallel", optarg, 1,
					   MAX_PARALLEL, &opt.parallel) < 0)
				return 2;
			break;
		case 'p':
			if (optarg[0] != '/' ||
			    strlen(optarg) >= sizeof(opt.path)) {
				fprintf(stderr, PROG ": bad --path\n");
				return 2;
			}
			strcpy(opt.path, optarg);
			break;
		case 'd':
			opt.docroot = optarg;
			break;
		case 'b':
			if (peer_parse_num(PROG, "body", optarg, 0,
					   HTTP_MAX_BODY, &opt.body) < 0)
				return 2;
			break;
		case 'k':
			opt.keep_conn = 0;
			break;
		case 's':
			if (peer_parse_num(PROG, "expect-status", optarg, 100,
					   599, &v) < 0)
				return 2;
			opt.expect_status = (int64_t)v;
			break;
		case 'z':
			if (peer_parse_num(PROG, "expect-size", optarg, 0,
					   HTTP_MAX_BODY, &v) < 0)
				return 2;
			opt.expect_size = (int64_t)v;
			break;
		case 'c':
			opt.check_body = 1;
			break;
		case 'i':
			if (peer_parse_num(PROG, "idle-wait", optarg, 1,
					   600000, &opt.idle_wait_ms) < 0)
				return 2;
			break;
		case 'T':
			if (peer_parse_num(PROG, "timeout", optarg, 1,
					   600000, &opt.timeout_ms) < 0)
				return 2;
			break;
		case 'v':
			opt.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!opt.addr.sin_port || optind < argc) {
		usage(stderr);
		return 2;
	}

	fd = conn_open();
	if (fd < 0)
		return 1;
	if (opt.get_values && do_get_values(fd, &in) < 0) {
		res.errors++;
		goto end;
	}
	while (done < opt.requests) {
		unsigned int n = (unsigned int)MIN(opt.parallel,
						   opt.requests - done);
		int r;

		if (fd < 0) {
			b_reset(&in);
			fd = conn_open();
			if (fd < 0) {
				res.errors += opt.requests - done;
				break;
			}
		}
		r = do_wave(fd, &in, n, reused);
		if (r != 0) {
			close(fd);
			fd = -1;
		}
		reused = r == 0;
		if (r == 2 && !retried) {
			retried = 1;
			continue;
		}
		if (r == 2) {
			fprintf(stderr, PROG ": server closed again\n");
			res.errors += n;
		}
		retried = 0;
		done += n;
	}
	if (opt.idle_wait_ms && fd >= 0)
		do_idle_wait(fd, &in);
end:
	printf(PROG ": %llu ok, %llu errors, %llu refused, %llu "
	       "connections\n", (unsigned long long)res.ok,
	       (unsigned long long)res.errors,
	       (unsigned long long)res.refused,
	       (unsigned long long)res.conns);
	if (fd >= 0)
		close(fd);
	for (i = 0; i <= MAX_PARALLEL; i++) {
		http_msg_free(&creqs[i].rsp);
		fcgi_stdout_free(&creqs[i].so);
	}
	b_free(&in);
	return res.errors ? 1 : 0;
}
