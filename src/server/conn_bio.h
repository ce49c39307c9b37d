/*
 * conn_bio.h - the BIO under a client connection's TLS: recv() and send()
 * on the connection's socket, like OpenSSL's socket BIO, except that it
 * knows when the socket is drained and then answers "try again" without a
 * system call.
 *
 * The socket is edge-triggered (worker.c): a read that comes back shorter
 * than asked, or with EAGAIN, proves it empty at that instant, and every
 * byte or FIN arriving later brings an input edge.  Until that edge (on
 * which the connection clears c->rd_drained) a read could only fail with
 * EAGAIN; OpenSSL makes that read after every flight it sends and after
 * every record it hands over.  A FIN or error reported with the data
 * (c->rd_hup) turns the shortcut off for good, so that the end is seen.
 */
#ifndef CERTMAP_SERVER_CONN_BIO_H
#define CERTMAP_SERVER_CONN_BIO_H

struct conn;

/*
 * Replaces c->ssl's BIO (SSL_set_fd()'s) by one on c->fd that keeps
 * c->rd_drained up to date and reads nothing while it is set and c->rd_hup
 * is not.  The BIO never closes c->fd.  0, or -1 when out of memory.
 */
int conn_bio_attach(struct conn *c);

#endif
