/*
 * conn_bio.c - the BIO under a client connection's TLS (conn_bio.h says
 * why it is not OpenSSL's socket BIO).
 */
#include "conn_bio.h"

#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>

#include <openssl/bio.h>

#include "conn.h"

static BIO_METHOD *method;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

static int
bio_read(BIO *b, char *buf, size_t len, size_t *got)
{
    struct conn *c = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    if (c->rd_drained && !c->rd_hup) {
        BIO_set_retry_read(b);
        return 0;
    }
    do {
        n = recv(c->fd, buf, len, 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        c->rd_drained = (size_t)n < len;
        *got = (size_t)n;
        return 1;
    }
    if (n == 0) {
        /* OpenSSL asks BIO_eof() whether this was the end (an abrupt one, without close_notify). */
        BIO_set_flags(b, BIO_FLAGS_IN_EOF);
        return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        c->rd_drained = true;
        BIO_set_retry_read(b);
    }
    return 0;
}

static int
bio_write(BIO *b, const char *buf, size_t len, size_t *put)
{
    struct conn *c = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    do {
        n = send(c->fd, buf, len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        *put = (size_t)n;
        return 1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        BIO_set_retry_write(b);
    return 0;
}

/* What OpenSSL's record layer asks of its BIO; everything else is "not supported" (0). */
static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    struct conn *c = BIO_get_data(b);

    (void)num;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
    case BIO_C_GET_FD:
        if (ptr != NULL)
            *(int *)ptr = c->fd;
        return c->fd;
    default:
        return 0;
    }
}

static void
make_method(void)
{
    BIO_METHOD *m;
    int type = BIO_get_new_index();

    if (type == -1)
        return;
    m = BIO_meth_new(type | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "certmapd connection");
    if (m == NULL)
        return;
    if (BIO_meth_set_read_ex(m, bio_read) != 1 || BIO_meth_set_write_ex(m, bio_write) != 1 ||
        BIO_meth_set_ctrl(m, bio_ctrl) != 1) {
        BIO_meth_free(m);
        return;
    }
    method = m;
}

int
conn_bio_attach(struct conn *c)
{
    BIO *b;

    /* Made once for the process (the workers share it); a failure is retried by no one: -1. */
    if (pthread_once(&method_once, make_method) != 0 || method == NULL)
        return -1;
    b = BIO_new(method);
    if (b == NULL)
        return -1;
    BIO_set_data(b, c);
    BIO_set_init(b, 1);
    /* Frees SSL_set_fd()'s socket BIO; one reference serves both directions. */
    SSL_set_bio(c->ssl, b, b);
    return 0;
}
