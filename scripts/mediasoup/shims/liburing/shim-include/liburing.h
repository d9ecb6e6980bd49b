// Adapter: the system liburing plus the calls mediasoup-worker's DepLibUring.cpp uses that
// appeared only in liburing 2.4 (Debian bookworm ships 2.3).
#pragma once
#include_next <liburing.h>

// liburing >= 2.4 defines IO_URING_VERSION_MAJOR (liburing/io_uring_version.h) and all of these.
#ifndef IO_URING_VERSION_MAJOR
// Only logged by the worker.
static inline int io_uring_major_version(void) { return 2; }
static inline int io_uring_minor_version(void) { return 3; }

// IORING_OP_SEND with a destination address (kernel >= 6.0, which the worker checks for
// before enabling io_uring); 2.3 already has both halves.
static inline void io_uring_prep_sendto(struct io_uring_sqe *sqe, int sockfd, const void *buf,
                                        size_t len, int flags, const struct sockaddr *addr,
                                        socklen_t addrlen)
{
	io_uring_prep_send(sqe, sockfd, buf, len, flags);
	io_uring_prep_send_set_addr(sqe, addr, (__u16)addrlen);
}
#endif
