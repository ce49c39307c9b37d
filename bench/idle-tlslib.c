/*
 * idle-tlslib.c - the smallest mutual-TLS server there is, to measure what
 * a TLS library itself keeps per idle authenticated connection (bench/idle-tlslib).
 *
 *   idle-tlslib PKI-DIR PORT
 *
 * Serves 127.0.0.1:PORT one connection after the other, blocking: TLS 1.3
 * handshake requiring a client certificate that chains to PKI-DIR/ca.crt
 * (server: PKI-DIR/server.crt and server.key), one read of the request, the
 * peer certificate looked at once, one fixed 200 answer, and the connection
 * is kept open and never read again.  SIGUSR1 trims the heap (malloc_trim)
 * when the next accept() returns, so that RSS shows what is held rather than
 * what the handshakes left free.  Built against OpenSSL (default), wolfSSL
 * (-DTLSLIB_WOLFSSL) or BoringSSL (-DTLSLIB_BORINGSSL; with
 * -DTLSLIB_SHA256_ONLY it keeps only the SHA-256 of the client certificate).
 * A benchmark probe, not a server: no timeouts, no error recovery.
 */
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef TLSLIB_WOLFSSL
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#else
#include <openssl/ssl.h>
#endif

static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
static const char refused[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno";
static volatile sig_atomic_t trim_asked;

static void
on_usr1(int sig)
{
    (void)sig;
    trim_asked = 1;
}

#ifdef TLSLIB_WOLFSSL
static WOLFSSL_CTX *
ctx_new(const char *crt, const char *key, const char *ca)
{
    WOLFSSL_CTX *ctx;

    wolfSSL_Init();
    ctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
    if (ctx == NULL || wolfSSL_CTX_use_certificate_file(ctx, crt, SSL_FILETYPE_PEM) != 1 ||
        wolfSSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        wolfSSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
        return NULL;
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    wolfSSL_CTX_set_session_cache_mode(ctx, WOLFSSL_SESS_CACHE_OFF);
    return ctx;
}

/* One connection: handshake, request, answer; the WOLFSSL stays (never freed). */
static void
serve(WOLFSSL_CTX *ctx, int fd)
{
    WOLFSSL *s = wolfSSL_new(ctx);
    WOLFSSL_X509 *x;
    char buf[4096];
    int n;

    if (s == NULL || wolfSSL_set_fd(s, fd) != 1 || wolfSSL_accept(s) != 1) {
        wolfSSL_free(s);
        close(fd);
        return;
    }
    n = wolfSSL_read(s, buf, sizeof(buf));
    x = wolfSSL_get_peer_certificate(s);
    if (n > 0 && x != NULL)
        wolfSSL_write(s, answer, sizeof(answer) - 1);
    else
        wolfSSL_write(s, refused, sizeof(refused) - 1);
    wolfSSL_X509_free(x);
}
#else
static SSL_CTX *
ctx_new(const char *crt, const char *key, const char *ca)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_use_certificate_file(ctx, crt, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    /* What certmapd sets too: buffers released when empty, no server-side session cache. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
#ifdef TLSLIB_SHA256_ONLY
    SSL_CTX_set_retain_only_sha256_of_client_certs(ctx, 1);
#endif
    return ctx;
}

/* Whether the handshake left a client certificate (or, SHA-256 only, its hash). */
static int
has_peer(SSL *s)
{
#ifdef TLSLIB_SHA256_ONLY
    const uint8_t *h;
    size_t len = 0;

    SSL_SESSION_get0_peer_sha256(SSL_get_session(s), &h, &len);
    return len == 32;
#else
    X509 *x = SSL_get_peer_certificate(s);
    int has = x != NULL;

    X509_free(x);
    return has;
#endif
}

/* One connection: handshake, request, answer; the SSL stays (never freed). */
static void
serve(SSL_CTX *ctx, int fd)
{
    SSL *s = SSL_new(ctx);
    char buf[4096];
    int n;

    if (s == NULL || SSL_set_fd(s, fd) != 1 || SSL_accept(s) != 1) {
        SSL_free(s);
        close(fd);
        return;
    }
    n = SSL_read(s, buf, sizeof(buf));
    if (n > 0 && has_peer(s))
        SSL_write(s, answer, sizeof(answer) - 1);
    else
        SSL_write(s, refused, sizeof(refused) - 1);
}
#endif

int
main(int argc, char **argv)
{
    char crt[4096], key[4096], ca[4096];
    struct sockaddr_in a = {.sin_family = AF_INET};
    struct sigaction sa = {.sa_handler = on_usr1};
    void *ctx;
    int ls, fd, one = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: idle-tlslib PKI-DIR PORT\n");
        return 2;
    }
    snprintf(crt, sizeof(crt), "%s/server.crt", argv[1]);
    snprintf(key, sizeof(key), "%s/server.key", argv[1]);
    snprintf(ca, sizeof(ca), "%s/ca.crt", argv[1]);
    a.sin_port = htons((unsigned short)atoi(argv[2]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* no SA_RESTART: the signal interrupts accept() so that the trim happens now */
    sigaction(SIGUSR1, &sa, NULL);
    /* a client that gave up (slow handshakes under valgrind) must not end the probe */
    signal(SIGPIPE, SIG_IGN);

    ctx = ctx_new(crt, key, ca);
    if (ctx == NULL) {
        fprintf(stderr, "idle-tlslib: cannot load %s, %s, %s\n", crt, key, ca);
        return 1;
    }
    ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 4096) != 0) {
        perror("idle-tlslib: 127.0.0.1");
        return 1;
    }
    fprintf(stderr, "idle-tlslib: ready\n");
    for (;;) {
        fd = accept(ls, NULL, NULL);
        if (trim_asked) {
            trim_asked = 0;
            malloc_trim(0);
        }
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        serve(ctx, fd);
    }
}
