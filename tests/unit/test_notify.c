/*
 * Unit tests for notify.c: the messages certmapd sends to systemd, read
 * from a datagram socket named by NOTIFY_SOCKET as systemd would, and
 * silence without NOTIFY_SOCKET.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.c"

struct sock {
    int fd;
    char path[108];
};

/* A socket in place of systemd's; NOTIFY_SOCKET names it. */
static int
setup(void **state)
{
    struct sock *s = calloc(1, sizeof(*s));
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct timeval tv = {.tv_sec = 2};

    assert_non_null(s);
    snprintf(s->path, sizeof(s->path), "/tmp/certmap-notify-%ld.sock", (long)getpid());
    unlink(s->path);
    s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s->fd >= 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    setenv("NOTIFY_SOCKET", s->path, 1);
    *state = s;
    return 0;
}

static int
teardown(void **state)
{
    struct sock *s = *state;

    unsetenv("NOTIFY_SOCKET");
    close(s->fd);
    unlink(s->path);
    free(s);
    return 0;
}

/* The next datagram, as a string. */
static void
recv_msg(struct sock *s, char *buf, size_t size)
{
    ssize_t n = recv(s->fd, buf, size - 1, 0);

    assert_true(n > 0);
    buf[n] = '\0';
}

static void
test_ready_reloading_stopping(void **state)
{
    struct sock *s = *state;
    char buf[512];

    notify_ready();
    recv_msg(s, buf, sizeof(buf));
    assert_string_equal(buf, "READY=1");
    notify_reloading();
    recv_msg(s, buf, sizeof(buf));
    assert_true(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
    assert_true(strtoull(buf + 27, NULL, 10) > 0);
    notify_stopping();
    recv_msg(s, buf, sizeof(buf));
    assert_string_equal(buf, "STOPPING=1");
}

static void
test_status_is_one_line_and_bounded(void **state)
{
    struct sock *s = *state;
    char buf[1024], big[600];

    notify_status("serving generation %lu: %d site(s)", 3UL, 2);
    recv_msg(s, buf, sizeof(buf));
    assert_string_equal(buf, "STATUS=serving generation 3: 2 site(s)");
    /* A newline would start another assignment: it becomes a space. */
    notify_status("a\nREADY=1");
    recv_msg(s, buf, sizeof(buf));
    assert_string_equal(buf, "STATUS=a READY=1");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    notify_status("%s", big);
    recv_msg(s, buf, sizeof(buf));
    assert_int_equal(strlen(buf), 7 + 255);
}

/* Without NOTIFY_SOCKET (not started by systemd) nothing is sent. */
static void
test_silent_without_notify_socket(void **state)
{
    struct sock *s = *state;
    struct timeval tv = {.tv_usec = 100000};
    char buf[64];

    unsetenv("NOTIFY_SOCKET");
    notify_ready();
    notify_status("x");
    assert_int_equal(setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    assert_true(recv(s->fd, buf, sizeof(buf), 0) < 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ready_reloading_stopping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_is_one_line_and_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_without_notify_socket, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
