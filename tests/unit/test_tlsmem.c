/*
 * test_tlsmem.c - OpenSSL's allocations through mimalloc (src/server/tlsmem.c).
 *
 * Built with the mimalloc path in every build, so that make test (ASan and
 * valgrind builds, whose certmapd keeps libc's malloc for OpenSSL) exercises
 * what a release certmapd runs: main() routes OpenSSL to mimalloc before
 * anything else, as certmapd's main() does, then the tests check where
 * OpenSSL's and everyone else's blocks come from and run a TLS 1.3 handshake
 * with a client certificate whose objects are freed by another thread.
 */
#define CERTMAP_OPENSSL_MIMALLOC 1
#include "../../src/server/tlsmem.c"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "testcert.h"

static const char *argv0; /* this program, run again by test_too_late */
static int init_rc = -2;  /* tlsmem_init()'s answer in main(), before any OpenSSL call */
static struct certmap_error init_err; /* its error */

static void
test_init_first(void **state)
{
    (void)state;
    if (init_rc != 0)
        fail_msg("tlsmem_init: %s", init_err.message);
    assert_int_equal(strncmp(tlsmem_allocator(), "mimalloc ", 9), 0);
}

/* OpenSSL's blocks are mimalloc's; the program's own malloc is still libc's (or ASan's). */
static void
test_who_allocates(void **state)
{
    CRYPTO_malloc_fn m;
    CRYPTO_realloc_fn r;
    CRYPTO_free_fn f;
    void *ossl = OPENSSL_malloc(100), *own = calloc(1, 100);
    BIGNUM *bn = BN_new();

    (void)state;
    CRYPTO_get_mem_functions(&m, &r, &f);
    assert_ptr_equal(m, on_malloc);
    assert_ptr_equal(r, on_realloc);
    assert_ptr_equal(f, on_free);
    assert_non_null(ossl);
    assert_non_null(own);
    assert_non_null(bn);
    assert_true(mi_check_owned(ossl));
    assert_true(mi_check_owned(bn));
    assert_false(mi_check_owned(own));
    BN_free(bn);
    free(own);
    OPENSSL_free(ossl);
}

/* The edge cases behave as OpenSSL's own defaults: 0 bytes is NULL, realloc to 0 frees. */
static void
test_zero_and_realloc(void **state)
{
    char *p;

    (void)state;
    assert_null(OPENSSL_malloc(0));
    p = OPENSSL_realloc(NULL, 10);
    assert_non_null(p);
    memcpy(p, "123456789", 10);
    p = OPENSSL_realloc(p, 100000);
    assert_non_null(p);
    assert_string_equal(p, "123456789");
    assert_true(mi_check_owned(p));
    assert_null(OPENSSL_realloc(p, 0));
}

/*
 * Too late is an error, not a silent keep of libc's malloc.  It takes a
 * process in which OpenSSL allocated first: this program again, run with
 * --allocate-first (see main()).
 */
static void
test_too_late(void **state)
{
    char *args[] = {(char *)argv0, "--allocate-first", NULL};
    pid_t pid;
    int status = -1;

    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execv(argv0, args);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* The child of test_too_late: exits 0 when tlsmem_init() refuses, as it must. */
static int
allocate_first(void)
{
    struct certmap_error err;
    void *p = OPENSSL_malloc(16);

    OPENSSL_free(p);
    certmap_error_clear(&err);
    if (tlsmem_init(&err) != -1 || strstr(err.message, "must come first") == NULL) {
        fprintf(stderr, "tlsmem_init after OpenSSL's first allocation: \"%s\"\n", err.message);
        return 1;
    }
    return 0;
}

struct pair {
    SSL_CTX *sctx, *cctx;
    SSL *server, *client;
};

static int
on_verify(int ok, X509_STORE_CTX *xs)
{
    (void)ok;
    (void)xs;
    return 1; /* the test is about memory: a self-signed client certificate will do */
}

/* A context with a fresh self-signed certificate and key. */
static SSL_CTX *
ctx_new(const SSL_METHOD *method, const char *cn)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    EVP_PKEY *key = testcert_key();
    unsigned char *der = NULL;
    size_t len = 0;

    assert_non_null(ctx);
    assert_non_null(key);
    der = testcert_der(key, cn, 1, &len);
    assert_non_null(der);
    assert_int_equal(SSL_CTX_use_certificate_ASN1(ctx, (int)len, der), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
    assert_int_equal(SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION), 1);
    free(der);
    EVP_PKEY_free(key);
    return ctx;
}

static void *
free_pair(void *arg)
{
    struct pair *p = arg;

    SSL_free(p->server);
    SSL_free(p->client);
    SSL_CTX_free(p->sctx);
    SSL_CTX_free(p->cctx);
    OPENSSL_thread_stop();
    return NULL;
}

static void
test_handshake_freed_elsewhere(void **state)
{
    struct pair p;
    BIO *sb = NULL, *cb = NULL;
    pthread_t t;
    char buf[16];
    int i, sr = 0, cr = 0;

    (void)state;
    p.sctx = ctx_new(TLS_server_method(), "server");
    p.cctx = ctx_new(TLS_client_method(), "client");
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, on_verify);
    p.server = SSL_new(p.sctx);
    p.client = SSL_new(p.cctx);
    assert_non_null(p.server);
    assert_non_null(p.client);
    assert_int_equal(BIO_new_bio_pair(&sb, 0, &cb, 0), 1);
    SSL_set_bio(p.server, sb, sb);
    SSL_set_bio(p.client, cb, cb);
    SSL_set_accept_state(p.server);
    SSL_set_connect_state(p.client);
    for (i = 0; i < 100 && (sr != 1 || cr != 1); i++) {
        if (cr != 1)
            cr = SSL_do_handshake(p.client);
        if (sr != 1)
            sr = SSL_do_handshake(p.server);
    }
    if (sr != 1 || cr != 1) {
        ERR_print_errors_fp(stderr);
        fail_msg("handshake did not finish (server %d, client %d)", sr, cr);
    }
    assert_string_equal(SSL_get_version(p.server), "TLSv1.3");
    assert_non_null(SSL_get0_peer_certificate(p.server));
    assert_true(mi_check_owned(SSL_get0_peer_certificate(p.server)));
    assert_int_equal(SSL_write(p.client, "hello", 5), 5);
    assert_int_equal(SSL_read(p.server, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "hello", 5);
    /* certmapd's logon pool and reload thread free what a worker allocated, and back */
    assert_int_equal(pthread_create(&t, NULL, free_pair, &p), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_first),
        cmocka_unit_test(test_who_allocates),
        cmocka_unit_test(test_zero_and_realloc),
        cmocka_unit_test(test_too_late),
        cmocka_unit_test(test_handshake_freed_elsewhere),
    };

    if (argc == 2 && strcmp(argv[1], "--allocate-first") == 0)
        return allocate_first();
    argv0 = argv[0];
    certmap_error_clear(&init_err);
    init_rc = tlsmem_init(&init_err);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
