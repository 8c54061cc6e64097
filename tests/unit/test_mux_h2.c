/*
 * test_mux_h2.c - the H2 mux, front and back, end to end in one process
 * (src/mux_h2.c with src/stream.c, src/backend.c, src/listener.c).
 *
 * Same set-up as test_mux_h1.c: the real engine threads (harness.h), one
 * "proto h2" frontend bound per thread, one backend whose server speaks
 * h2c and lives inside the test (one blocking thread per connection,
 * framing and HPACK with the h2 codec), its behaviour picked by each case.
 * The test's main thread is an h2c client with blocking sockets.
 *
 * What is checked:
 *   - requests on one client connection, sequential and concurrent
 *     (streams), through one multiplexed back connection; TASK_F_USR1 set
 *     when the back connection becomes idle, cleared at each attach; front
 *     io_cbs never lock (usr1 mode);
 *   - the server's PING and SETTINGS on an idle back connection run the
 *     locked path and are answered, its GOAWAY releases the connection;
 *   - an idle back connection's timeout (timeout server) says GOAWAY and
 *     closes it;
 *   - a cross-thread takeover of an idle h2 connection, the old tasklet
 *     freed on its own thread;
 *   - 502 on RST_STREAM, 504 when the server is silent, 503 when nobody
 *     listens;
 *   - front protocol errors: GOAWAY with the RFC's code for connection
 *     errors, RST_STREAM for stream errors, PING answered;
 *   - legacy mode: every io_cb locks, USR1 never touched;
 *   - nothing leaks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "harness.h"

#include "activity.h"
#include "buf.h"
#include "connection.h"
#include "h2.h"
#include "http_msg.h"
#include "lab.h"
#include "listener.h"
#include "mux.h"
#include "mux_h2.h"
#include "proxy-t.h"
#include "server.h"
#include "stream.h"

#define NB_THREADS	2

/* ---- blocking h2 framing over a socket (client and server) -------------- */

struct h2io {
	int fd;
	struct buffer in;
	struct h2_hpack hp;
	struct h2_hblock hb;
};

static int h2io_init(struct h2io *io, int fd)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	h2_hblock_init(&io->hb);
	return h2_hpack_init(&io->hp);
}

static void h2io_free(struct h2io *io)
{
	b_free(&io->in);
	h2_hblock_free(&io->hb);
	h2_hpack_free(&io->hp);
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

static int h2io_write(struct h2io *io, struct buffer *out)
{
	ssize_t n;

	while (b_data(out)) {
		n = write(io->fd, b_head(out), b_data(out));
		if (n <= 0)
			return -1;
		b_del(out, n);
	}
	return 0;
}

/* Read one whole frame: 1 with <fh>/<payload> (valid until the next
 * call), 0 on EOF, -1 on timeout/error. */
static int h2io_read(struct h2io *io, struct h2_fh *fh,
		     const uint8_t **payload, size_t *consumed)
{
	struct h2_error err;
	ssize_t n;
	int ret;

	if (*consumed) {
		b_del(&io->in, *consumed);
		*consumed = 0;
	}
	for (;;) {
		ret = h2_get_frame((const uint8_t *)b_head(&io->in),
				   b_data(&io->in), H2_MAX_FRAME_SIZE, fh,
				   payload, &err);
		if (ret < 0)
			return -1;
		if (ret > 0) {
			*consumed = (size_t)ret;
			return 1;
		}
		if (b_reserve(&io->in, 16384, 0, 4 << 20) < 0)
			return -1;
		n = read(io->fd, b_tail(&io->in), b_room(&io->in));
		if (n == 0)
			return 0;
		if (n < 0)
			return -1;
		b_add(&io->in, n);
	}
}

/* ---- the h2c server inside the test ------------------------------------- */

enum srv_mode {
	SRV_OK = 0,		/* answer every request, keep the conn */
	SRV_IDLE_FRAMES,	/* answer, then 100 ms later PING, then
				 * SETTINGS, then GOAWAY, 100 ms apart */
	SRV_SILENT,		/* never answer */
	SRV_RST,		/* RST_STREAM INTERNAL_ERROR every request */
	SRV_REFUSE,		/* RST_STREAM REFUSED_STREAM while
				 * srv_refusals > 0 (one less each), then
				 * answer */
	SRV_HUGE,		/* a 200 whose body (1.25 MiB, far over
				 * tune.bufsize) is sent as the windows
				 * allow, END_STREAM on its last frame */
};

static int srv_fd = -1;
static unsigned short srv_port;
static int _Atomic srv_mode;
static int _Atomic srv_accepts;
static int _Atomic srv_requests;
static int _Atomic srv_ping_acks;	/* PING ACKs received */
static int _Atomic srv_settings_acks;	/* SETTINGS ACKs received */
static int _Atomic srv_goaways;		/* GOAWAYs received */
static int _Atomic srv_eofs;		/* connections closed by the engine */
static int _Atomic srv_refusals;	/* SRV_REFUSE: refusals left */
static int _Atomic srv_rst_code = -1;	/* SRV_HUGE: the RST_STREAM its
					 * stream got */
static size_t cli_huge_rcvd;		/* SRV_HUGE: body bytes the client
					 * got (it checks their number) */

#define SRV_HUGE_BODY	(1280 * 1024)

/* SRV_HUGE: what is left to send of the body of stream <sid>, within the
 * stream and connection windows <*swin>, <*cwin> */
static void srv_pump(struct h2io *io, uint32_t sid, size_t *left,
		     int64_t *swin, int64_t *cwin)
{
	static const uint8_t chunk[16384];
	struct buffer out = BUF_NULL;

	while (*left && *swin > 0 && *cwin > 0) {
		size_t n = MIN(MIN(*left, sizeof(chunk)),
			       (size_t)MIN(*swin, *cwin));

		if (h2_emit_data(&out, sid, chunk, n, n == *left, 16384) < 0 ||
		    h2io_write(io, &out) < 0)
			break;
		*left -= n;
		*swin -= (int64_t)n;
		*cwin -= (int64_t)n;
	}
	b_free(&out);
}

static const char srv_body[] = "hello\n";

static int srv_answer(struct h2io *io, uint32_t sid)
{
	struct buffer out = BUF_NULL, blk = BUF_NULL;
	struct http_msg rsp;
	int ret;

	memset(&rsp, 0, sizeof(rsp));
	http_msg_reset(&rsp, 1);
	rsp.status = 200;
	http_msg_add_hdr(&rsp, "content-type", 12, "text/plain", 10);
	http_msg_add_body(&rsp, srv_body, sizeof(srv_body) - 1);
	ret = h2_hpack_encode_resp(&io->hp, &rsp, &blk);
	if (!ret)
		ret = h2_emit_headers(&out, sid, (const uint8_t *)b_head(&blk),
				      b_data(&blk), 0, 16384);
	if (!ret)
		ret = h2_emit_data(&out, sid, (const uint8_t *)srv_body,
				   sizeof(srv_body) - 1, 1, 16384);
	if (!ret)
		ret = h2io_write(io, &out);
	b_free(&out);
	b_free(&blk);
	http_msg_free(&rsp);
	return ret;
}

static void *srv_conn_thread(void *arg)
{
	struct timeval tv = { 0, 100000 };
	static const struct h2_setting set[] = {
		{ H2_SET_MAX_CONCURRENT_STREAMS, 100 },
	};
	static const uint8_t ping[8] = "srvping!";
	struct buffer out = BUF_NULL;
	struct http_msg req;
	struct h2io io;
	struct h2_error err;
	struct h2_fh fh;
	const uint8_t *p;
	size_t consumed = 0;
	uint8_t pre[H2_PREFACE_LEN];
	uint32_t last_sid = 0, huge_sid = 0;
	size_t huge_left = 0;
	int64_t swin = 0, cwin = H2_DEFAULT_WINDOW;
	int step = -1, ret;

	memset(&req, 0, sizeof(req));
	if (h2io_init(&io, (int)(long)arg) < 0)
		goto out;
	setsockopt(io.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (h2_emit_settings(&out, set, 1) < 0 || h2io_write(&io, &out) < 0)
		goto out;
	for (ret = 0; ret < H2_PREFACE_LEN;) {
		ssize_t n = read(io.fd, pre + ret, H2_PREFACE_LEN - ret);

		if (n <= 0 && !(n < 0 && errno == EAGAIN))
			goto out;
		if (n > 0)
			ret += n;
	}
	for (;;) {
		ret = h2io_read(&io, &fh, &p, &consumed);
		if (ret == 0) {
			atomic_fetch_add(&srv_eofs, 1);
			break;
		}
		if (ret < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				break;
			/* 100 ms without a frame: next idle step */
			if (step < 0 || step > 2)
				continue;
			if (step == 0)
				h2_emit_ping(&out, ping, 0);
			else if (step == 1)
				h2_emit_settings(&out, set, 1);
			else
				h2_emit_goaway(&out, last_sid, 0, NULL, 0);
			step++;
			if (h2io_write(&io, &out) < 0)
				break;
			continue;
		}
		ret = h2_hblock_feed(&io.hb, &fh, p, &err);
		if (ret < 0)
			break;
		if (ret == 2) {
			uint32_t sid = io.hb.sid;

			http_msg_reset(&req, 0);
			h2_hpack_decode(&io.hp, (const uint8_t *)
					b_head(&io.hb.buf),
					b_data(&io.hb.buf), &req, 0);
			h2_hblock_reset(&io.hb);
			last_sid = sid;
			atomic_fetch_add(&srv_requests, 1);
			switch (atomic_load(&srv_mode)) {
			case SRV_SILENT:
				break;
			case SRV_RST:
				h2_emit_rst_stream(&out, sid, 2);
				h2io_write(&io, &out);
				break;
			case SRV_REFUSE:
				if (atomic_fetch_sub(&srv_refusals, 1) > 0) {
					h2_emit_rst_stream(&out, sid,
						H2_ERR_REFUSED_STREAM);
					h2io_write(&io, &out);
					break;
				}
				srv_answer(&io, sid);
				break;
			case SRV_HUGE: {
				struct buffer blk = BUF_NULL;
				struct http_msg rsp;

				memset(&rsp, 0, sizeof(rsp));
				http_msg_reset(&rsp, 1);
				rsp.status = 200;
				/* announce the length without holding the
				 * body: the encoder's HEAD/304 way */
				rsp.flags |= HTTP_MSGF_NO_BODY | HTTP_MSGF_CLEN;
				rsp.clen = SRV_HUGE_BODY;
				if (h2_hpack_encode_resp(&io.hp, &rsp, &blk) == 0 &&
				    h2_emit_headers(&out, sid, (const uint8_t *)
						    b_head(&blk), b_data(&blk),
						    0, 16384) == 0)
					h2io_write(&io, &out);
				b_free(&blk);
				http_msg_free(&rsp);
				huge_sid = sid;
				huge_left = SRV_HUGE_BODY;
				swin = H2_DEFAULT_WINDOW;
				srv_pump(&io, huge_sid, &huge_left, &swin, &cwin);
				break;
			}
			case SRV_IDLE_FRAMES:
				step = 0;
				/* fall through */
			default:
				srv_answer(&io, sid);
				break;
			}
			continue;
		}
		if (ret == 1)
			continue;
		switch (fh.type) {
		case H2_FT_SETTINGS:
			if (fh.flags & H2_F_ACK) {
				atomic_fetch_add(&srv_settings_acks, 1);
			} else {
				h2_emit_settings_ack(&out);
				h2io_write(&io, &out);
			}
			break;
		case H2_FT_PING:
			if (fh.flags & H2_F_ACK)
				atomic_fetch_add(&srv_ping_acks, 1);
			break;
		case H2_FT_GOAWAY:
			atomic_fetch_add(&srv_goaways, 1);
			break;
		case H2_FT_WINDOW_UPDATE: {
			uint32_t inc;

			if (h2_parse_window_update(&fh, p, &inc, &err) < 0)
				break;
			if (!fh.sid)
				cwin += inc;
			else if (fh.sid == huge_sid)
				swin += inc;
			srv_pump(&io, huge_sid, &huge_left, &swin, &cwin);
			break;
		}
		case H2_FT_RST_STREAM:
			/* the first one of the stream: a reset answering
			 * our own late frames would hide it */
			if (fh.sid == huge_sid && huge_left)
				atomic_store(&srv_rst_code, (int)(p[0] << 24 |
					     p[1] << 16 | p[2] << 8 | p[3]));
			if (fh.sid == huge_sid)
				huge_left = 0;
			break;
		default:
			break;
		}
	}
out:
	b_free(&out);
	http_msg_free(&req);
	h2io_free(&io);
	return NULL;
}

static void *srv_accept_thread(void *arg)
{
	pthread_t th;
	int fd;

	(void)arg;
	while ((fd = accept(srv_fd, NULL, NULL)) >= 0) {
		atomic_fetch_add(&srv_accepts, 1);
		if (pthread_create(&th, NULL, srv_conn_thread,
				   (void *)(long)fd) != 0) {
			close(fd);
			continue;
		}
		pthread_detach(th);
	}
	return NULL;
}

static int srv_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	pthread_t th;
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv_fd < 0)
		return -1;
	setsockopt(srv_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(srv_fd, 128) < 0 ||
	    getsockname(srv_fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	srv_port = ntohs(a.sin_port);
	if (pthread_create(&th, NULL, srv_accept_thread, NULL) != 0)
		return -1;
	pthread_detach(th);
	return 0;
}

/* ---- the proxy (mux_harness.h): one h2 frontend per thread, one h2 backend */

#define MT_FE_MUX		mux_h2_ops
#define MT_BE_MUX		mux_h2_ops
#define MT_SRV_NAME		"s1"
#define MT_SRV_PORT		srv_port
#define MT_TIMEOUT_CONNECT	1000
#include "mux_harness.h"

/* ---- the h2c client ------------------------------------------------------- */

struct cli {
	struct h2io io;
	size_t consumed;
	uint32_t next_sid;
	int goaway_code;		/* -1 until a GOAWAY arrives */
	int rst_code;			/* last RST_STREAM code, -1 if none */
	int ping_ack;
};

static int cli_open(struct cli *c, int thr, int preface)
{
	struct buffer out = BUF_NULL;
	int fd;

	memset(c, 0, sizeof(*c));
	c->next_sid = 1;
	c->goaway_code = -1;
	c->rst_code = -1;
	fd = cli_connect(thr);
	if (fd < 0)
		return -1;
	if (h2io_init(&c->io, fd) < 0) {
		close(fd);
		return -1;
	}
	if (!preface)
		return 0;
	if (b_putblk(&out, H2_PREFACE, H2_PREFACE_LEN, 1 << 20) < 0 ||
	    h2_emit_settings(&out, NULL, 0) < 0 ||
	    h2io_write(&c->io, &out) < 0) {
		b_free(&out);
		return -1;
	}
	b_free(&out);
	return 0;
}

static void cli_close(struct cli *c)
{
	h2io_free(&c->io);
}

/* send raw bytes */
static int cli_raw(struct cli *c, const void *p, size_t len)
{
	return write(c->io.fd, p, len) == (ssize_t)len ? 0 : -1;
}

/* Send a GET for <path> on a new stream; returns its id, or 0. */
static uint32_t cli_get_send(struct cli *c, const char *path)
{
	struct buffer out = BUF_NULL, blk = BUF_NULL;
	struct http_msg req;
	uint32_t sid = c->next_sid;
	int ret;

	memset(&req, 0, sizeof(req));
	http_msg_reset(&req, 0);
	http_msg_str(&req, "GET", 3, &req.method);
	http_msg_str(&req, path, strlen(path), &req.uri);
	http_msg_str(&req, "t", 1, &req.authority);
	ret = h2_hpack_encode_req(&c->io.hp, &req, &blk);
	if (!ret)
		ret = h2_emit_headers(&out, sid, (const uint8_t *)b_head(&blk),
				      b_data(&blk), 1, 16384);
	if (!ret)
		ret = h2io_write(&c->io, &out);
	b_free(&out);
	b_free(&blk);
	http_msg_free(&req);
	if (ret)
		return 0;
	c->next_sid += 2;
	return sid;
}

#define CLI_MAX_STREAMS	64

/* results by stream: status (or -2 bad body), 0 while open, -3 reset;
 * the status of a response whose body is still arriving; its body */
static int cli_status[CLI_MAX_STREAMS];
static int cli_pending[CLI_MAX_STREAMS];
static struct buffer cli_body[CLI_MAX_STREAMS];

static int sid_slot(uint32_t sid)
{
	int i = (int)((sid - 1) / 2);

	return (sid & 1) && i < CLI_MAX_STREAMS ? i : -1;
}

/* Read frames until stream <sid> ended (returns its status, -2 if a 200
 * did not carry srv_body, -3 if reset), or, with <sid> 0, until a GOAWAY
 * or the connection's end (returns 0). -1 if the connection ended first
 * or on timeout. Answers PINGs and SETTINGS like a client must. */
static int cli_wait(struct cli *c, uint32_t sid)
{
	struct buffer out = BUF_NULL;
	struct http_msg rsp;
	struct h2_error err;
	struct h2_fh fh;
	const uint8_t *p;
	int ret, slot, res = -1;

	memset(&rsp, 0, sizeof(rsp));
	for (;;) {
		if (sid && (slot = sid_slot(sid)) >= 0 && cli_status[slot]) {
			res = cli_status[slot];
			break;
		}
		ret = h2io_read(&c->io, &fh, &p, &c->consumed);
		if (ret <= 0) {
			res = sid ? -1 : 0;
			break;
		}
		ret = h2_hblock_feed(&c->io.hb, &fh, p, &err);
		if (ret < 0)
			break;
		if (ret == 2) {
			slot = sid_slot(c->io.hb.sid);
			http_msg_reset(&rsp, 1);
			h2_hpack_decode(&c->io.hp, (const uint8_t *)
					b_head(&c->io.hb.buf),
					b_data(&c->io.hb.buf), &rsp, 1);
			if (slot >= 0) {
				b_reset(&cli_body[slot]);
				if (c->io.hb.end_stream)
					cli_status[slot] = rsp.status;
				else
					cli_pending[slot] = rsp.status;
			}
			h2_hblock_reset(&c->io.hb);
			continue;
		}
		if (ret == 1)
			continue;
		slot = fh.sid ? sid_slot(fh.sid) : -1;
		switch (fh.type) {
		case H2_FT_DATA: {
			const uint8_t *d;
			uint32_t dlen;

			if (h2_parse_data(&fh, p, &d, &dlen, &err) < 0 ||
			    slot < 0)
				break;
			if (atomic_load(&srv_mode) == SRV_HUGE)
				cli_huge_rcvd += dlen;
			else
				b_putblk(&cli_body[slot], d, dlen, 1 << 20);
			if (fh.flags & H2_F_END_STREAM) {
				struct buffer *b = &cli_body[slot];
				int st = cli_pending[slot];

				if (atomic_load(&srv_mode) == SRV_HUGE) {
					if (cli_huge_rcvd != SRV_HUGE_BODY)
						st = -2;
				} else if (st == 200 &&
				    (b_data(b) != sizeof(srv_body) - 1 ||
				     memcmp(b_head(b), srv_body,
					    sizeof(srv_body) - 1)))
					st = -2;
				cli_status[slot] = st;
			}
			/* give the windows back */
			if (fh.len) {
				h2_emit_window_update(&out, 0, fh.len);
				h2_emit_window_update(&out, fh.sid, fh.len);
				h2io_write(&c->io, &out);
			}
			break;
		}
		case H2_FT_RST_STREAM:
			c->rst_code = (int)(p[0] << 24 | p[1] << 16 |
					    p[2] << 8 | p[3]);
			if (slot >= 0)
				cli_status[slot] = -3;
			break;
		case H2_FT_SETTINGS:
			if (!(fh.flags & H2_F_ACK)) {
				h2_emit_settings_ack(&out);
				h2io_write(&c->io, &out);
			}
			break;
		case H2_FT_PING:
			if (fh.flags & H2_F_ACK)
				c->ping_ack = 1;
			break;
		case H2_FT_GOAWAY:
			c->goaway_code = (int)(p[4] << 24 | p[5] << 16 |
					       p[6] << 8 | p[7]);
			if (!sid) {
				res = 0;
				goto done;
			}
			break;
		default:
			break;
		}
	}
done:
	b_free(&out);
	http_msg_free(&rsp);
	return res;
}

static void cli_reset_results(void)
{
	int i;

	for (i = 0; i < CLI_MAX_STREAMS; i++) {
		cli_status[i] = 0;
		cli_pending[i] = 0;
		b_free(&cli_body[i]);
	}
}

/* one GET; returns the status as cli_wait() */
static int cli_get(struct cli *c, const char *path)
{
	uint32_t sid = cli_get_send(c, path);

	return sid ? cli_wait(c, sid) : -1;
}

/* ---- cases ------------------------------------------------------------------ */

static int show_flags(void)
{
	char buf[64];

	CHECK(strcmp(h2c_show_flags(buf, sizeof(buf), 0), "0") == 0, "0");
	CHECK(strcmp(h2c_show_flags(buf, sizeof(buf), 0x80000008),
		     "GOAWAY_RCVD|IS_BACK") == 0, "got %s", buf);
	return 0;
}

/* Three sequential requests, then eight concurrent streams, on one h2c
 * client connection: all answered with the server's body, over ONE back
 * connection (the streams multiplexed on it); USR1 set each time the back
 * connection became idle, cleared at each attach; no front io_cb locked;
 * the back connection ends in the safe list. */
static int requests_and_streams(void)
{
	uint32_t sids[8];
	struct cli c;
	int i, st, accepts0;

	atomic_store(&srv_mode, SRV_OK);
	want_reuse = REUSE_ALWAYS;	/* share the conn at once */
	CHECK(start() == 0, "engine start");
	want_reuse = REUSE_SAFE;
	act_mark();
	accepts0 = atomic_load(&srv_accepts);
	cli_reset_results();
	CHECK(cli_open(&c, 0, 1) == 0, "connect");
	for (i = 0; i < 3; i++) {
		st = cli_get(&c, "/seq");
		CHECK(st == 200, "request %d: %d", i, st);
	}
	for (i = 0; i < 8; i++)
		CHECK((sids[i] = cli_get_send(&c, "/par")) != 0, "send %d", i);
	for (i = 0; i < 8; i++) {
		st = cli_wait(&c, sids[i]);
		CHECK(st == 200, "stream %u: %d", sids[i], st);
	}
	cli_close(&c);
	CHECK(atomic_load(&srv_accepts) - accepts0 == 1,
	      "%d server connections", atomic_load(&srv_accepts) - accepts0);
	CHECK(ACT_DELTA(req_ok) == 11, "req_ok %lu",
	      (unsigned long)ACT_DELTA(req_ok));
	CHECK(ACT_DELTA(flag_clear) == 11, "flag_clear %lu (one per attach)",
	      (unsigned long)ACT_DELTA(flag_clear));
	CHECK(ACT_DELTA(flag_set) >= 4, "flag_set %lu",
	      (unsigned long)ACT_DELTA(flag_set));
	CHECK(ACT_DELTA(io_cb[SIDE_FRONT][MUX_H2][PATH_LOCKED]) == 0,
	      "a front io_cb took the lock");
	CHECK(wait_until(atomic_load(&srv->curr_safe_nb) == 1, 1000),
	      "back conn not in the safe list (%d)",
	      atomic_load(&srv->curr_safe_nb));
	engine_stop();
	CHECK(conn_live_count() == 0, "%ld conns left", conn_live_count());
	CHECK(stream_live_count() == 0, "streams left");
	return 0;
}

/* The server speaks on an idle back connection: PING (answered), SETTINGS
 * (acknowledged), then GOAWAY (the connection is released). Each wakes the
 * USR1 tasklet: locked path, conn out of its list while it works. */
static int server_frames_on_idle(void)
{
	struct cli c;
	int pings0 = atomic_load(&srv_ping_acks);
	int acks0 = atomic_load(&srv_settings_acks);

	atomic_store(&srv_mode, SRV_IDLE_FRAMES);
	CHECK(start() == 0, "engine start");
	act_mark();
	cli_reset_results();
	CHECK(cli_open(&c, 0, 1) == 0, "connect");
	CHECK(cli_get(&c, "/x") == 200, "request");
	CHECK(wait_until(atomic_load(&srv_ping_acks) > pings0, 2000),
	      "PING not answered");
	CHECK(wait_until(atomic_load(&srv_settings_acks) >= acks0 + 2, 2000),
	      "idle SETTINGS not acknowledged");
	CHECK(wait_until(atomic_load(&srv->curr_idle_conns) == 0 &&
			 atomic_load(&srv->curr_used_conns) == 0, 2000),
	      "conn not released after GOAWAY (idle %d used %d)",
	      atomic_load(&srv->curr_idle_conns),
	      atomic_load(&srv->curr_used_conns));
	CHECK(ACT_DELTA(io_cb[SIDE_BACK][MUX_H2][PATH_LOCKED]) >= 3,
	      "locked back io_cbs: %lu",
	      (unsigned long)ACT_DELTA(io_cb[SIDE_BACK][MUX_H2][PATH_LOCKED]));
	cli_close(&c);
	engine_stop();
	return 0;
}

/* An idle back connection lives for timeout server (300 ms): then GOAWAY
 * and close, under the timeout task's lock. */
static int idle_timeout_goaway(void)
{
	struct cli c;
	int goaways0 = atomic_load(&srv_goaways);
	int eofs0 = atomic_load(&srv_eofs);

	atomic_store(&srv_mode, SRV_OK);
	CHECK(start() == 0, "engine start");
	act_mark();
	cli_reset_results();
	CHECK(cli_open(&c, 1, 1) == 0, "connect");
	CHECK(cli_get(&c, "/x") == 200, "request");
	CHECK(atomic_load(&srv->curr_idle_conns) == 1, "not pooled");
	CHECK(wait_until(atomic_load(&srv_goaways) > goaways0 &&
			 atomic_load(&srv_eofs) > eofs0, 2000),
	      "no GOAWAY + close after timeout server");
	CHECK(atomic_load(&srv->curr_idle_conns) == 0, "still counted idle");
	CHECK(ACT_DELTA(lock_acq[SITE_TIMEOUT]) >= 1, "timeout did not lock");
	cli_close(&c);
	engine_stop();
	return 0;
}

/* Thread 0 pools an idle h2 conn (pool-max-conn 1); a non-first request
 * on thread 1 steals it; the old tasklet frees itself on thread 0. */
static int takeover_across_threads(void)
{
	struct cli c0, c1;
	uint64_t stolen0;
	int accepts0;

	atomic_store(&srv_mode, SRV_OK);
	want_max_idle = 1;
	CHECK(start() == 0, "engine start");
	want_max_idle = 16;
	stolen0 = ACT_THR(0, stolen_free);
	cli_reset_results();
	CHECK(cli_open(&c0, 0, 1) == 0, "connect 0");
	CHECK(cli_get(&c0, "/a") == 200, "thread 0 request");
	CHECK(wait_until(atomic_load(&srv->curr_idle_thr[0]) == 1, 1000),
	      "thread 0 did not pool its conn");
	cli_reset_results();
	CHECK(cli_open(&c1, 1, 1) == 0, "connect 1");
	/* the first stream of a client conn is a first request: a new back
	 * connection (http-reuse safe), refused by the full pool */
	CHECK(cli_get(&c1, "/b") == 200, "thread 1 first request");
	accepts0 = atomic_load(&srv_accepts);
	CHECK(cli_get(&c1, "/c") == 200, "thread 1 second request");
	CHECK(atomic_load(&srv_accepts) == accepts0,
	      "a new server connection instead of a steal");
	CHECK(ACT_THR(1, takeover_ok) >= 1, "no takeover on 1");
	CHECK(wait_until(ACT_THR(0, stolen_free) == stolen0 + 1, 1000),
	      "old tasklet not freed on thread 0");
	cli_close(&c0);
	cli_close(&c1);
	engine_stop();
	CHECK(conn_live_count() == 0, "%ld conns left", conn_live_count());
	return 0;
}

/* RST_STREAM from the server: 502; a silent server: 504 after timeout
 * server; nobody listening: 503. */
static int backend_errors(void)
{
	unsigned short port = srv_port;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	struct cli c;
	uint64_t t0;
	int st, tmp;

	atomic_store(&srv_mode, SRV_RST);
	CHECK(start() == 0, "engine start");
	cli_reset_results();
	CHECK(cli_open(&c, 0, 1) == 0, "connect");
	st = cli_get(&c, "/rst");
	CHECK(st == 502, "RST_STREAM: %d", st);
	/* REFUSED_STREAM: never processed; retries 0 -> 502 */
	atomic_store(&srv_refusals, 1);
	atomic_store(&srv_mode, SRV_REFUSE);
	st = cli_get(&c, "/refused-no-retry");
	CHECK(st == 502, "REFUSED_STREAM without retries: %d", st);
	atomic_store(&srv_mode, SRV_SILENT);
	t0 = test_ms();
	st = cli_get(&c, "/silent");
	CHECK(st == 504, "silent: %d", st);
	CHECK(test_ms() - t0 >= 250, "504 too early");
	cli_close(&c);
	engine_stop();

	tmp = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(tmp, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	      getsockname(tmp, (struct sockaddr *)&a, &len) == 0, "probe");
	close(tmp);
	srv_port = ntohs(a.sin_port);
	CHECK(start() == 0, "engine start");
	srv_port = port;
	cli_reset_results();
	CHECK(cli_open(&c, 0, 1) == 0, "connect");
	st = cli_get(&c, "/refused");
	CHECK(st == 503, "refused: %d", st);
	cli_close(&c);
	engine_stop();

	/* retries 3: refused twice, sent a third time -> 200; refused four
	 * times -> the fourth refusal is the answer (502) */
	want_retries = 3;
	CHECK(start() == 0, "engine start");
	act_mark();
	cli_reset_results();
	CHECK(cli_open(&c, 0, 1) == 0, "connect");
	atomic_store(&srv_mode, SRV_REFUSE);
	atomic_store(&srv_refusals, 2);
	st = cli_get(&c, "/refused-twice");
	CHECK(st == 200, "REFUSED_STREAM twice, retries 3: %d", st);
	CHECK(ACT_DELTA(retries) == 2, "retries counted: %llu",
	      (unsigned long long)ACT_DELTA(retries));
	atomic_store(&srv_refusals, 4);
	st = cli_get(&c, "/refused-4");
	CHECK(st == 502, "REFUSED_STREAM 4 times, retries 3: %d", st);
	/* a response far over tune.bufsize streams through, both flow-
	 * control windows respected on each side: all of it arrives, the
	 * server's stream is not reset, nothing is retried */
	atomic_store(&srv_rst_code, -1);
	atomic_store(&srv_mode, SRV_HUGE);
	cli_huge_rcvd = 0;
	act_mark();
	st = cli_get(&c, "/huge");
	CHECK(st == 200, "large response: %d (%zu of %d bytes)", st,
	      cli_huge_rcvd, SRV_HUGE_BODY);
	CHECK(atomic_load(&srv_rst_code) < 0,
	      "the server's stream got RST_STREAM %d",
	      atomic_load(&srv_rst_code));
	CHECK(ACT_DELTA(retries) == 0, "a large response was retried");
	cli_close(&c);
	engine_stop();
	want_retries = 0;
	CHECK(stream_live_count() == 0, "streams left");
	return 0;
}

/* Front protocol errors (RFC 9113): a bad preface and a frame that breaks
 * the connection get GOAWAY with the right code; a malformed request gets
 * RST_STREAM PROTOCOL_ERROR and the connection carries on (PING still
 * answered, next request served); DATA on a closed stream gets
 * RST_STREAM STREAM_CLOSED, unless we reset that stream ourselves. */
static int front_protocol_errors(void)
{
	static const uint8_t bad_wu[] = {	/* WINDOW_UPDATE 0 on conn */
		0, 0, 4, H2_FT_WINDOW_UPDATE, 0, 0, 0, 0, 0, 0, 0, 0, 0
	};
	static const uint8_t ping[] = {
		0, 0, 8, H2_FT_PING, 0, 0, 0, 0, 0, 'a', 'b', 'c', 'd', 'e',
		'f', 'g', 'h'
	};
	/* HEADERS stream 1, END_STREAM|END_HEADERS, literal ":method GET"
	 * without indexing and nothing else: no :path, malformed */
	static const uint8_t bad_req[] = {
		0, 0, 13, H2_FT_HEADERS, 5, 0, 0, 0, 1,
		0x00, 7, ':', 'm', 'e', 't', 'h', 'o', 'd', 3, 'G', 'E', 'T'
	};
	static const uint8_t data_closed[] = {	/* DATA stream 3, "x" */
		0, 0, 1, H2_FT_DATA, 0, 0, 0, 0, 3, 'x'
	};
	static const uint8_t data_reset[] = {	/* DATA stream 1, "x" */
		0, 0, 1, H2_FT_DATA, 0, 0, 0, 0, 1, 'x'
	};
	struct cli c;
	int st;

	atomic_store(&srv_mode, SRV_OK);
	CHECK(start() == 0, "engine start");
	act_mark();
	cli_reset_results();

	CHECK(cli_open(&c, 0, 0) == 0, "connect");
	CHECK(cli_raw(&c, "GET / HTTP/1.1\r\n\r\n", 18) == 0, "send");
	CHECK(cli_wait(&c, 0) == 0 && c.goaway_code == H2_ERR_PROTOCOL_ERROR,
	      "bad preface: GOAWAY code %d", c.goaway_code);
	cli_close(&c);

	CHECK(cli_open(&c, 0, 1) == 0, "connect");
	CHECK(cli_raw(&c, bad_wu, sizeof(bad_wu)) == 0, "send");
	CHECK(cli_wait(&c, 0) == 0 && c.goaway_code == H2_ERR_PROTOCOL_ERROR,
	      "WINDOW_UPDATE 0: GOAWAY code %d", c.goaway_code);
	cli_close(&c);

	cli_reset_results();
	CHECK(cli_open(&c, 1, 1) == 0, "connect");
	CHECK(cli_raw(&c, bad_req, sizeof(bad_req)) == 0, "send");
	c.next_sid = 3;
	st = cli_wait(&c, 1);
	CHECK(st == -3 && c.rst_code == H2_ERR_PROTOCOL_ERROR,
	      "malformed request: %d rst %d", st, c.rst_code);
	CHECK(cli_raw(&c, ping, sizeof(ping)) == 0, "send");
	st = cli_get(&c, "/after");
	CHECK(st == 200, "next request: %d", st);
	CHECK(c.ping_ack, "PING not answered");
	CHECK(c.goaway_code < 0, "GOAWAY after a stream error");
	/* DATA on stream 3 once it is closed and forgotten (two more
	 * requests done since): RST_STREAM(STREAM_CLOSED), RFC 9113 6.1,
	 * and the connection carries on */
	CHECK(cli_get(&c, "/b") == 200 && cli_get(&c, "/c") == 200,
	      "two more requests");
	cli_status[sid_slot(3)] = 0;
	c.rst_code = -1;
	CHECK(cli_raw(&c, data_closed, sizeof(data_closed)) == 0, "send");
	st = cli_wait(&c, 3);
	CHECK(st == -3 && c.rst_code == H2_ERR_STREAM_CLOSED,
	      "DATA on a closed stream: %d rst %d", st, c.rst_code);
	st = cli_get(&c, "/after-data");
	CHECK(st == 200, "request after it: %d", st);
	/* but DATA on stream 1, which we reset (the malformed request), is
	 * ignored (RFC 9113 5.1): the peer may have sent it before our
	 * RST_STREAM arrived */
	cli_status[sid_slot(1)] = 0;
	CHECK(cli_raw(&c, data_reset, sizeof(data_reset)) == 0, "send");
	st = cli_get(&c, "/after-data-1");
	CHECK(st == 200 && cli_status[sid_slot(1)] == 0,
	      "DATA on a stream we reset: status %d, stream 1 %d", st,
	      cli_status[sid_slot(1)]);
	CHECK(c.goaway_code < 0, "GOAWAY after DATA on a closed stream");
	cli_close(&c);
	CHECK(ACT_DELTA(req_err) >= 1, "req_err");
	engine_stop();
	CHECK(stream_live_count() == 0, "streams left");
	return 0;
}

/* Legacy mode: every io_cb locks; USR1 never set nor cleared. */
static int legacy_mode(void)
{
	struct cli c;
	int i;

	lab_mode = MODE_LEGACY;
	atomic_store(&srv_mode, SRV_OK);
	CHECK(start() == 0, "engine start");
	act_mark();
	cli_reset_results();
	CHECK(cli_open(&c, 1, 1) == 0, "connect");
	for (i = 0; i < 3; i++)
		CHECK(cli_get(&c, "/l") == 200, "request %d", i);
	cli_close(&c);
	CHECK(ACT_DELTA(io_cb[SIDE_FRONT][MUX_H2][PATH_FAST]) == 0 &&
	      ACT_DELTA(io_cb[SIDE_BACK][MUX_H2][PATH_FAST]) == 0,
	      "a fast path in legacy mode");
	CHECK(ACT_DELTA(io_cb[SIDE_FRONT][MUX_H2][PATH_LOCKED]) >= 3,
	      "front io_cbs not locked");
	CHECK(ACT_DELTA(flag_set) == 0 && ACT_DELTA(flag_clear) == 0,
	      "USR1 touched in legacy mode");
	engine_stop();
	lab_mode = MODE_USR1;
	return 0;
}

static int nothing_leaked(void)
{
	CHECK(conn_live_count() == 0, "%ld connections", conn_live_count());
	CHECK(sched_live_tasks() == 0, "%ld tasks", sched_live_tasks());
	CHECK(sched_live_tasklets() == 0, "%ld tasklets",
	      sched_live_tasklets());
	CHECK(stream_live_count() == 0, "%ld streams", stream_live_count());
	return 0;
}

int main(void)
{
	test_init();
	http_bufsize = HTTP_BUFSIZE_DEF;	/* the engine streams bodies */
	if (fd_init(0) < 0 || srv_start() < 0) {
		printf("FAIL setup\n");
		return 1;
	}
	RUN(show_flags);
	RUN(requests_and_streams);
	RUN(server_frames_on_idle);
	RUN(idle_timeout_goaway);
	RUN(takeover_across_threads);
	RUN(backend_errors);
	RUN(front_protocol_errors);
	RUN(legacy_mode);
	RUN(nothing_leaked);
	cli_reset_results();
	srv_free_all();
	fd_deinit();
	return test_failures ? 1 : 0;
}
