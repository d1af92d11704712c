/*
 * radius_io.c: the RADIUS listener's sockets (radius_priv.h).  With a
 * wildcard bind the kernel tells, per datagram, the address it was sent
 * to (IP_PKTINFO, RFC 3542 IPV6_RECVPKTINFO), and the reply names that
 * address as its source in the same control message, so a server with
 * several addresses answers from the one the client asked.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "radius_priv.h"

static int	 radius_io_is_wildcard(const struct sockaddr *);

int
radius_io_open(const struct sockaddr *sa, unsigned int salen, int rcvbuf, int *wildcard)
{
	int	 fd, on = 1, saved;

	*wildcard = radius_io_is_wildcard(sa);
	if ((fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* An IPv6 socket takes IPv6 alone, so [::]:1812 and 0.0.0.0:1812 can both be listed. */
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	if (*wildcard && sa->sa_family == AF_INET &&
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == -1)
		goto fail;
	if (*wildcard && sa->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) == -1)
		goto fail;
	/* Bursts of logins after a VPN restart: a bigger buffer, if allowed. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, sa, (socklen_t)salen) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

long
radius_io_recv(int fd, int wildcard, unsigned char *buf, size_t len,
    struct sockaddr_storage *from, unsigned int *fromlen, struct radius_local *loc)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			 ctl;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;
	struct in6_pktinfo	 pi6;
	socklen_t		 sl = *fromlen;
	ssize_t			 n;

	memset(loc, 0, sizeof(*loc));
	if (!wildcard) {
		n = recvfrom(fd, buf, len, 0, (struct sockaddr *)from, &sl);
		*fromlen = sl;
		return (long)n;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_name = from;
	msg.msg_namelen = *fromlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	if ((n = recvmsg(fd, &msg, 0)) == -1)
		return -1;
	*fromlen = msg.msg_namelen;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			loc->set = 1;
			loc->af = 4;
			memcpy(loc->addr, &pi.ipi_addr, 4);
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi6))) {
			memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
			loc->set = 1;
			loc->af = 6;
			memcpy(loc->addr, &pi6.ipi6_addr, 16);
			loc->ifindex = pi6.ipi6_ifindex;
		}
	}
	return (long)n;
}

int
radius_io_send(int fd, const unsigned char *buf, size_t len,
    const struct sockaddr_storage *to, unsigned int tolen, const struct radius_local *loc)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 ctl;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;
	struct in6_pktinfo	 pi6;

	if (loc == NULL || !loc->set)
		return sendto(fd, buf, len, 0, (const struct sockaddr *)to,
		    (socklen_t)tolen) == -1 ? -1 : 0;
	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	msg.msg_name = (void *)to;
	msg.msg_namelen = tolen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	cm = (struct cmsghdr *)ctl.buf;
	if (loc->af == 4) {
		/* ipi_spec_dst is the source; no interface, so the route still chooses it. */
		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.ipi_spec_dst, loc->addr, 4);
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		memset(&pi6, 0, sizeof(pi6));
		memcpy(&pi6.ipi6_addr, loc->addr, 16);
		/* A link-local address means something on its own link only. */
		if (IN6_IS_ADDR_LINKLOCAL(&pi6.ipi6_addr))
			pi6.ipi6_ifindex = loc->ifindex;
		msg.msg_controllen = CMSG_SPACE(sizeof(pi6));
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(CMSG_DATA(cm), &pi6, sizeof(pi6));
	}
	return sendmsg(fd, &msg, 0) == -1 ? -1 : 0;
}

static int
radius_io_is_wildcard(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET)
		return sin->sin_addr.s_addr == htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
	return 0;
}
