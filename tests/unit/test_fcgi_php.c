/*
 * test_fcgi_php.c - fcgi.c against a real responder: php-cgi (Debian
 * php8.2-cgi) started with a listening Unix socket as fd 0
 * (FCGI_LISTENSOCK_FILENO), two requests on one kept connection
 * (FCGI_KEEP_CONN), parameters and a POST body in, the response head and
 * body out.  Skipped when /usr/bin/php-cgi is not installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fcgi.h"

#define PHP_CGI "/usr/bin/php-cgi"

struct php {
    char dir[64];
    char sock[128];
    char script[128];
    pid_t pid;
};

static int
setup(void **state)
{
    static struct php p;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    FILE *f;
    int lfd;

    if (access(PHP_CGI, X_OK) != 0) {
        *state = NULL;
        return 0;
    }
    snprintf(p.dir, sizeof(p.dir), "/tmp/test_fcgi_php.XXXXXX");
    assert_non_null(mkdtemp(p.dir));
    snprintf(p.sock, sizeof(p.sock), "%s/php.sock", p.dir);
    snprintf(p.script, sizeof(p.script), "%s/id.php", p.dir);
    f = fopen(p.script, "w");
    assert_non_null(f);
    fputs("<?php header('X-Test: yes');\n"
          "echo 'user=', $_SERVER['REMOTE_USER'] ?? '', \"\\n\";\n"
          "echo 'md5=', md5(file_get_contents('php://input')), \"\\n\";\n",
          f);
    fclose(f);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p.sock);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(lfd, 8), 0);
    p.pid = fork();
    assert_true(p.pid >= 0);
    if (p.pid == 0) {
        char *const argv[] = {PHP_CGI, "-n", NULL};
        char *const envp[] = {"PHP_FCGI_CHILDREN=0", "PHP_FCGI_MAX_REQUESTS=10", NULL};
        dup2(lfd, 0);
        execve(PHP_CGI, argv, envp);
        _exit(127);
    }
    close(lfd);
    *state = &p;
    return 0;
}

static int
teardown(void **state)
{
    struct php *p = *state;
    char path[160];

    if (p == NULL)
        return 0;
    kill(p->pid, SIGTERM);
    waitpid(p->pid, NULL, 0);
    unlink(p->script);
    unlink(p->sock);
    snprintf(path, sizeof(path), "%s", p->dir);
    rmdir(path);
    return 0;
}

static void
param(struct fcgi_buf *b, uint16_t id, const char *name, const char *value)
{
    assert_int_equal(fcgi_param(b, id, name, strlen(name), value, strlen(value)), 0);
}

/* One request on fd; returns the STDOUT bytes (malloc'd, NUL-terminated). */
static char *
exchange(int fd, uint16_t id, const char *script, const char *user, const char *body)
{
    struct fcgi_buf b;
    struct fcgi_decoder d;
    char len[16], *out = calloc(1, 65536);
    size_t nout = 0;
    bool ended = false;

    assert_non_null(out);
    fcgi_buf_init(&b, 1 << 20);
    snprintf(len, sizeof(len), "%zu", strlen(body));
    assert_int_equal(fcgi_begin_request(&b, id, true), 0);
    param(&b, id, "SCRIPT_FILENAME", script);
    param(&b, id, "REQUEST_METHOD", "POST");
    param(&b, id, "CONTENT_LENGTH", len);
    param(&b, id, "CONTENT_TYPE", "application/octet-stream");
    param(&b, id, "REDIRECT_STATUS", "200");
    param(&b, id, "REMOTE_USER", user);
    assert_int_equal(fcgi_params_end(&b, id), 0);
    assert_int_equal(fcgi_stdin(&b, id, body, strlen(body)), 0);
    assert_int_equal(fcgi_stdin(&b, id, NULL, 0), 0);
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    fcgi_buf_free(&b);
    fcgi_decoder_init(&d, id);
    while (!ended) {
        unsigned char buf[7]; /* small reads: the decoder sees every split */
        ssize_t n = read(fd, buf, sizeof(buf));
        const unsigned char *p = buf;
        assert_true(n > 0);
        while (n > 0 || !ended) {
            struct fcgi_event ev;
            size_t used = fcgi_decode(&d, p, (size_t)n, &ev);
            p += used;
            n -= (ssize_t)used;
            assert_int_not_equal(ev.kind, FCGI_EV_ERROR);
            if (ev.kind == FCGI_EV_STDOUT) {
                assert_true(nout + ev.len < 65536);
                memcpy(out + nout, ev.data, ev.len);
                nout += ev.len;
            } else if (ev.kind == FCGI_EV_END) {
                assert_int_equal(ev.protocol_status, FCGI_REQUEST_COMPLETE);
                ended = true;
            } else if (ev.kind == FCGI_EV_NONE) {
                break;
            }
        }
        assert_int_equal(n, 0);
    }
    return out;
}

static void
test_php_cgi(void **state)
{
    struct php *p = *state;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct fcgi_head h;
    const char *why;
    char *out;
    size_t end;
    int fd;

    if (p == NULL)
        skip();
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p->sock);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    for (uint16_t id = 1; id <= 2; id++) {
        out = exchange(fd, id, p->script, id == 1 ? "alice" : "", "hello");
        end = fcgi_head_end(out, strlen(out));
        assert_true(end > 0);
        assert_int_equal(fcgi_head_parse(out, end, &h, &why), 0);
        assert_int_equal(h.kind, FCGI_RESP_DOCUMENT);
        assert_int_equal(h.status, 200);
        assert_non_null(h.content_type);
        if (id == 1)
            assert_non_null(strstr(out + end, "user=alice\n"));
        else
            assert_non_null(strstr(out + end, "user=\n"));
        /* md5("hello") */
        assert_non_null(strstr(out + end, "md5=5d41402abc4b2a76b9719d911017c592\n"));
        free(out);
    }
    close(fd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_php_cgi, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
