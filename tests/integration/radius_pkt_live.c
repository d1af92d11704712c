/*
 * radius_pkt_live.c: the smallest RADIUS server radius_pkt makes, for
 * tests/integration/radius_pkt.sh to put a real client (radclient) in
 * front of.  Usage: radius_pkt_live PORT SECRET REQUIRE_MA(0|1).  It
 * listens on 127.0.0.1:PORT (blocking: a test tool), prints "listening",
 * and answers every Access-Request with an Access-Challenge carrying a
 * fixed State and a Reply-Message naming the user, printing "challenged
 * USER id ID state LEN"; every drop is printed as "dropped REASON".  It stops after 60 s whatever happens.
 * It includes no FreeRADIUS header: radius_pkt.h is all a caller needs.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "radius_pkt.h"

static const unsigned char live_state[16] = "latchkey-state-1";

static void
live_answer(int fd, struct radius_pkt *p, const char *secret)
{
	struct radius_reply	 r;
	unsigned char		 out[RADIUS_PKT_MAX_LEN];
	char			 msg[512], err[256];
	size_t			 outlen;

	snprintf(msg, sizeof(msg), "Unlock with your passkey at "
	    "https://id.example.com/vpn?code=K7Q2MX, code K7Q-2MX, "
	    "then press Continue (%s)", p->user_name ? p->user_name : "?");
	memset(&r, 0, sizeof(r));
	r.code = RADIUS_CODE_ACCESS_CHALLENGE;
	r.message = msg;
	r.state = live_state;
	r.state_len = sizeof(live_state);
	if (radius_pkt_reply(p, secret, &r, out, sizeof(out), &outlen, err,
	    sizeof(err)) == -1) {
		printf("reply failed: %s\n", err);
		return;
	}
	/*
	 * Said before the reply leaves: the test reads this line as soon as
	 * radclient has its answer, and on a busy machine this process may
	 * not run again before then.
	 */
	printf("challenged %s id %u state %zu\n", p->user_name ?
	    p->user_name : "?", p->id, p->state.len);
	if (sendto(fd, out, outlen, 0, (struct sockaddr *)&p->src,
	    p->srclen) == -1)
		perror("sendto");
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	struct radius_pkt	*p;
	enum radius_pkt_err	 why;
	unsigned char		 buf[RADIUS_PKT_MAX_LEN + 1];
	char			 err[256];
	ssize_t			 n;
	int			 fd;

	if (argc != 4) {
		fprintf(stderr, "usage: radius_pkt_live PORT SECRET REQUIRE_MA\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(1, LOG_LEVEL_WARN, "radius_pkt_live");
	if (radius_pkt_init(NULL, err, sizeof(err)) == -1)
		fatalx("%s", err);
	alarm(60);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		fatal("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		fatal("bind");
	printf("listening\n");
	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		    &fromlen);
		if (n == -1)
			fatal("recvfrom");
		p = radius_pkt_decode(buf, (size_t)n, (struct sockaddr *)&from,
		    argv[2], atoi(argv[3]), &why);
		if (p == NULL) {
			printf("dropped %s\n", radius_pkt_err_name(why));
			continue;
		}
		live_answer(fd, p, argv[2]);
		radius_pkt_free(p);
	}
}
