/*
 * api_tcp.c — what the kernel knows of a connection's progress: the bytes its peer has
 * acknowledged, which tells a WebSocket peer that reads slowly from one that stopped.
 * A file of its own because the field is only in the kernel's <linux/tcp.h>, which
 * cannot be included beside glibc's <netinet/tcp.h> (libwebsockets.h brings that one).
 */
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h> /* IPPROTO_TCP */
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

int api__tcp_acked(int fd, uint64_t *out);

int api__tcp_acked(int fd, uint64_t *out)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return -errno;
	if (len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
		return -ENOTSUP; /* a kernel older than 4.1 */
	*out = ti.tcpi_bytes_acked;
	return 0;
}
