/* Unit tests for w3clog.c (W3C extended logs) and errlog.c (error log). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errlog.c"
#include "logfile.c"
#include "w3clog.c"
#include "fixture.h"

/* 2026-11-25 10:00:00 UTC and the next day. */
#define T_DAY1 ((time_t)1795600800)
#define T_DAY2 (T_DAY1 + 86400)

static const char header_fields[] =
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n";

static void
entry_init(struct w3clog_entry *e, time_t t)
{
    memset(e, 0, sizeof(*e));
    e->time = t;
    e->s_ip = "127.0.0.1";
    e->c_ip = "127.0.0.1";
    e->s_port = 8443;
    e->method = "GET";
    e->method_len = 3;
    e->uri_stem = "/index.html";
    e->uri_stem_len = 11;
    e->status = 200;
    e->time_taken = 15;
}

static char *
read_log(const char *dir, unsigned site, const char *name)
{
    char path[1024];
    size_t len;

    snprintf(path, sizeof(path), "%s/W3SVC%u/%s", dir, site, name);
    return fixture_read(path, &len);
}

static int
count_lines(const char *s, const char *prefix)
{
    int n = 0;
    const char *p = s;

    while (p != NULL && *p != '\0') {
        if (prefix == NULL || strncmp(p, prefix, strlen(prefix)) == 0)
            n++;
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return n;
}

static void
test_format_line(void **state)
{
    struct w3clog_entry e;
    char line[W3CLOG_LINE_MAX];
    size_t n;

    (void)state;
    entry_init(&e, T_DAY1 + 3723);
    e.uri_query = "a=1&b=two";
    e.uri_query_len = 9;
    e.username = "CONTOSO\\alice";
    e.username_len = 13;
    e.user_agent = "curl/8.0 (x86_64 Linux)";
    e.user_agent_len = strlen(e.user_agent);
    e.status = 403;
    e.substatus = 7;
    e.win32_status = 5;
    e.time_taken = 1234;
    n = w3clog_format(line, sizeof(line), &e);
    assert_int_equal(n, strlen(line));
    assert_string_equal(line, "2026-11-25 11:02:03 127.0.0.1 GET /index.html a=1&b=two 8443 "
                              "CONTOSO\\alice 127.0.0.1 curl/8.0+(x86_64+Linux) - 403 7 5 1234\n");

    /* Empty fields are '-', controls cannot break the line, spaces become '+'. */
    entry_init(&e, T_DAY1);
    e.s_ip = NULL;
    e.uri_stem = "/a b";
    e.uri_stem_len = 4;
    e.uri_query = "";
    e.user_agent = "evil\r\n2026-01-01 fake";
    e.user_agent_len = strlen(e.user_agent);
    e.referer = "https://example.com/x y";
    e.referer_len = strlen(e.referer);
    e.substatus = -1;
    w3clog_format(line, sizeof(line), &e);
    assert_string_equal(line, "2026-11-25 10:00:00 - GET /a+b - 8443 - 127.0.0.1 "
                              "evil%0D%0A2026-01-01+fake https://example.com/x+y 200 0 0 15\n");
    /* Too small a buffer is refused rather than cut. */
    assert_int_equal(w3clog_format(line, 100, &e), 0);
}

static void
test_long_fields_are_cut(void **state)
{
    static char big[20000];
    struct w3clog_entry e;
    char line[W3CLOG_LINE_MAX];
    size_t n;

    (void)state;
    memset(big, '\n', sizeof(big)); /* worst case: every byte escaped to 3 */
    entry_init(&e, T_DAY1);
    e.s_ip = e.c_ip = big;
    big[sizeof(big) - 1] = '\0';
    e.method = e.uri_stem = e.uri_query = e.username = e.user_agent = e.referer = big;
    e.method_len = e.uri_stem_len = e.uri_query_len = e.username_len = e.user_agent_len =
        e.referer_len = sizeof(big) - 1;
    n = w3clog_format(line, sizeof(line), &e);
    assert_true(n > 8 * 1000 && n < W3CLOG_LINE_MAX);
    assert_int_equal(count_lines(line, NULL), 1);
    assert_int_equal(line[n - 1], '\n');
}

static void
test_file_name_header_and_mode(void **state)
{
    char *dir = fixture_tmpdir(), *text, sub[1024], want[1200];
    struct certmap_error err = {0};
    struct w3clog *l;
    struct w3clog_entry e;
    struct stat st;

    (void)state;
    umask(022);
    snprintf(sub, sizeof(sub), "%s/logs/LogFiles", dir);
    l = w3clog_open(sub, 3, W3CLOG_DEFAULT_FIELDS, &err);
    assert_non_null(l);
    snprintf(want, sizeof(want), "%s/W3SVC3", sub);
    assert_int_equal(stat(want, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 02750);
    entry_init(&e, T_DAY1 + 5);
    w3clog_write(l, &e);
    /* Buffered: nothing on disk before a flush. */
    assert_null(read_log(sub, 3, "u_ex261125.log"));
    w3clog_flush(l);
    text = read_log(sub, 3, "u_ex261125.log");
    assert_non_null(text);
    snprintf(want, sizeof(want),
             "#Software: certmap %s\n#Version: 1.0\n#Date: 2026-11-25 10:00:05\n%s"
             "2026-11-25 10:00:05 127.0.0.1 GET /index.html - 8443 - 127.0.0.1 - - 200 0 0 15\n",
             CERTMAP_VERSION, header_fields);
    assert_string_equal(text, want);
    free(text);
    snprintf(want, sizeof(want), "%s/W3SVC3/u_ex261125.log", sub);
    assert_int_equal(stat(want, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    w3clog_close(l);

    /* Reopening the same day appends without a second header. */
    l = w3clog_open(sub, 3, W3CLOG_DEFAULT_FIELDS, &err);
    assert_non_null(l);
    entry_init(&e, T_DAY1 + 60);
    w3clog_write(l, &e);
    w3clog_close(l);
    text = read_log(sub, 3, "u_ex261125.log");
    assert_int_equal(count_lines(text, "#Fields:"), 1);
    assert_int_equal(count_lines(text, "2026-11-25 10:0"), 2);
    free(text);

    /* Other columns (logExtFileFlags changed): a new directive block, then lines in them. */
    l = w3clog_open(sub, 3,
                    CERTMAP_LOG_TIME | CERTMAP_LOG_SITE_NAME | CERTMAP_LOG_HTTP_STATUS |
                        CERTMAP_LOG_BYTES_SENT,
                    &err);
    assert_non_null(l);
    entry_init(&e, T_DAY1 + 61);
    w3clog_write(l, &e);
    w3clog_close(l);
    text = read_log(sub, 3, "u_ex261125.log");
    assert_int_equal(count_lines(text, "#Fields:"), 2);
    assert_non_null(strstr(text, "#Fields: time s-sitename sc-status sc-bytes\n"
                                 "10:01:01 W3SVC3 200 -\n"));
    free(text);
    fixture_rmtree(dir);
}

/* A symbolic link planted at the day's name is not followed: the target stays untouched. */
static void
test_planted_link_not_followed(void **state)
{
    char *dir = fixture_tmpdir(), *victim, *text, sub[1024], link_path[1200];
    struct certmap_error err = {0};
    struct w3clog *l;
    struct w3clog_entry e;

    (void)state;
    victim = fixture_write(dir, "victim", "keep", 4);
    snprintf(sub, sizeof(sub), "%s/logs", dir);
    l = w3clog_open(sub, 1, W3CLOG_DEFAULT_FIELDS, &err);
    assert_non_null(l);
    snprintf(link_path, sizeof(link_path), "%s/W3SVC1/u_ex261125.log", sub);
    assert_int_equal(symlink(victim, link_path), 0);
    entry_init(&e, T_DAY1 + 5);
    w3clog_write(l, &e);
    w3clog_flush(l);
    assert_int_equal(w3clog_dropped(l), 1);
    w3clog_close(l);
    text = fixture_read(victim, NULL);
    assert_string_equal(text, "keep");
    free(text);
    free(victim);
    fixture_rmtree(dir);
}

/*
 * Rotation: after a rename and w3clog_reopen(), the lines written (and those
 * still buffered) go to a new file with its directives; the renamed one is
 * not written again.
 */
static void
test_reopen_after_rename(void **state)
{
    char *dir = fixture_tmpdir(), *text, old[1200], cur[1200];
    struct certmap_error err = {0};
    struct w3clog *l;
    struct w3clog_entry e;

    (void)state;
    l = w3clog_open(dir, 1, W3CLOG_DEFAULT_FIELDS, &err);
    assert_non_null(l);
    entry_init(&e, T_DAY1 + 5);
    w3clog_write(l, &e);
    w3clog_flush(l);
    snprintf(cur, sizeof(cur), "%s/W3SVC1/u_ex261125.log", dir);
    snprintf(old, sizeof(old), "%s.1", cur);
    assert_int_equal(rename(cur, old), 0);
    entry_init(&e, T_DAY1 + 6); /* buffered before the reopen */
    w3clog_write(l, &e);
    w3clog_reopen(l);
    entry_init(&e, T_DAY1 + 7);
    w3clog_write(l, &e);
    w3clog_close(l);
    text = fixture_read(old, NULL);
    assert_int_equal(count_lines(text, "2026-11-25 10:00:0"), 1);
    free(text);
    text = fixture_read(cur, NULL);
    assert_int_equal(count_lines(text, "#Fields:"), 1);
    assert_int_equal(count_lines(text, "2026-11-25 10:00:0"), 2);
    free(text);
    fixture_rmtree(dir);
}

static void
test_day_roll(void **state)
{
    char *dir = fixture_tmpdir(), *d1, *d2;
    struct certmap_error err = {0};
    struct w3clog *l = w3clog_open(dir, 1, W3CLOG_DEFAULT_FIELDS, &err);
    struct w3clog_entry e;

    (void)state;
    assert_non_null(l);
    entry_init(&e, T_DAY1 + 50000); /* 23:53:20 */
    w3clog_write(l, &e);
    entry_init(&e, T_DAY2 + 42200); /* next day 21:43:20 */
    e.status = 404;
    w3clog_write(l, &e);
    /* A late line of the old day goes to the current file. */
    entry_init(&e, T_DAY1 + 50001);
    e.status = 304;
    w3clog_write(l, &e);
    w3clog_close(l);
    d1 = read_log(dir, 1, "u_ex261125.log");
    d2 = read_log(dir, 1, "u_ex261126.log");
    assert_non_null(d1);
    assert_non_null(d2);
    assert_int_equal(count_lines(d1, "#Fields:"), 1);
    assert_int_equal(count_lines(d1, "2026-11-25 23:53:20"), 1);
    assert_int_equal(count_lines(d1, "2026-"), 1);
    assert_int_equal(count_lines(d2, "#Fields:"), 1);
    assert_non_null(strstr(d2, "#Date: 2026-11-26 21:43:20\n"));
    assert_non_null(strstr(d2, " 404 0 0 15\n"));
    assert_non_null(strstr(d2, "2026-11-25 23:53:21 "));
    assert_int_equal(count_lines(d2, "2026-"), 2);
    free(d1);
    free(d2);
    fixture_rmtree(dir);
}

struct writer {
    struct w3clog *l;
    int id;
};

#define WRITERS 4
#define LINES_PER_WRITER 5000

static void *
writer_main(void *arg)
{
    struct writer *w = arg;
    struct w3clog_entry e;
    char q[32];
    int i;

    for (i = 0; i < LINES_PER_WRITER; i++) {
        entry_init(&e, T_DAY1 + i / 100);
        snprintf(q, sizeof(q), "w=%d&i=%d", w->id, i);
        e.uri_query = q;
        e.uri_query_len = strlen(q);
        w3clog_write(w->l, &e);
    }
    return NULL;
}

static void
test_concurrent_writers_lose_nothing(void **state)
{
    char *dir = fixture_tmpdir(), *text, *p, needle[64];
    struct certmap_error err = {0};
    struct w3clog *l = w3clog_open(dir, 2, W3CLOG_DEFAULT_FIELDS, &err);
    struct writer w[WRITERS];
    pthread_t th[WRITERS];
    static unsigned char seen[WRITERS][LINES_PER_WRITER];
    int i, id, n, total = 0;

    (void)state;
    assert_non_null(l);
    for (i = 0; i < WRITERS; i++) {
        w[i].l = l;
        w[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    }
    for (i = 0; i < WRITERS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(w3clog_dropped(l), 0);
    w3clog_close(l);
    text = read_log(dir, 2, "u_ex261125.log");
    assert_non_null(text);
    assert_int_equal(count_lines(text, "#Fields:"), 1);
    memset(seen, 0, sizeof(seen));
    for (p = strstr(text, " w="); p != NULL; p = strstr(p + 1, " w=")) {
        assert_int_equal(sscanf(p, " w=%d&i=%d ", &id, &n), 2);
        assert_true(id >= 0 && id < WRITERS && n >= 0 && n < LINES_PER_WRITER);
        assert_int_equal(seen[id][n], 0);
        seen[id][n] = 1;
        total++;
    }
    assert_int_equal(total, WRITERS * LINES_PER_WRITER);
    assert_int_equal(count_lines(text, "2026-11-25 "), WRITERS * LINES_PER_WRITER);
    snprintf(needle, sizeof(needle), " w=3&i=%d ", LINES_PER_WRITER - 1);
    assert_non_null(strstr(text, needle));
    free(text);
    fixture_rmtree(dir);
}

static void
test_set_shares_logs_and_flushes_every_second(void **state)
{
    char *dir = fixture_tmpdir(), *text = NULL, other[1100];
    struct certmap_error err = {0};
    struct w3clog_set *s = w3clog_set_new(&err);
    struct w3clog *a, *b, *c;
    struct w3clog_entry e;
    int tries;

    (void)state;
    assert_non_null(s);
    a = w3clog_set_get(s, dir, 1, W3CLOG_DEFAULT_FIELDS, &err);
    b = w3clog_set_get(s, dir, 1, W3CLOG_DEFAULT_FIELDS, &err);
    snprintf(other, sizeof(other), "%s/other", dir);
    c = w3clog_set_get(s, other, 1, W3CLOG_DEFAULT_FIELDS, &err);
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, c);
    w3clog_set_put(s, b); /* a is still referenced: stays open */
    entry_init(&e, T_DAY1);
    w3clog_write(a, &e);
    /*
     * The flusher writes it within about a second, without any call from us.
     * The file may be seen between the flush's two writes (the directives,
     * then the line), so wait for the line itself; the bound is generous for
     * valgrind on a busy machine, where the flusher thread can be starved.
     */
    for (tries = 0; tries < 300; tries++) {
        usleep(100 * 1000);
        free(text);
        text = read_log(dir, 1, "u_ex261125.log");
        if (text != NULL && count_lines(text, "2026-11-25 10:00:00 ") > 0)
            break;
    }
    assert_non_null(text);
    assert_int_equal(count_lines(text, "2026-11-25 10:00:00 "), 1);
    free(text);
    /* Lines still buffered at exit are written by w3clog_set_free. */
    entry_init(&e, T_DAY1 + 1);
    w3clog_write(c, &e);
    w3clog_set_put(s, a);
    w3clog_set_free(s);
    text = read_log(other, 1, "u_ex261125.log");
    assert_non_null(text);
    assert_int_equal(count_lines(text, "2026-11-25 10:00:01 "), 1);
    free(text);
    fixture_rmtree(dir);
}

static void
test_open_errors(void **state)
{
    char *dir = fixture_tmpdir(), *file;
    struct certmap_error err = {0};
    char p[1100];

    (void)state;
    assert_null(w3clog_open("", 1, W3CLOG_DEFAULT_FIELDS, &err));
    assert_int_equal(err.kind, CERTMAP_ERR_USAGE);
    file = fixture_write(dir, "plainfile", "x", 1);
    snprintf(p, sizeof(p), "%s/sub", file);
    assert_null(w3clog_open(p, 1, W3CLOG_DEFAULT_FIELDS, &err));
    assert_int_equal(err.kind, CERTMAP_ERR_IO);
    assert_non_null(strstr(err.file, "W3SVC1"));
    free(file);
    fixture_rmtree(dir);
}

static void
test_errlog_lines(void **state)
{
    char *dir = fixture_tmpdir(), path[1100], *text;
    struct certmap_error err = {0};
    size_t len;

    (void)state;
    snprintf(path, sizeof(path), "%s/log/error.log", dir);
    assert_int_equal(errlog_open(path, 0, &err), 0);
    errlog_printf(ERRLOG_ERROR, "reload: %s:%d: bad\nforged line", "applicationHost.config", 42);
    errlog_printf(ERRLOG_NOTICE, "started %d workers\n", 2);
    errlog_printf(ERRLOG_DEBUG, "not shown");
    errlog_set_level(ERRLOG_DEBUG);
    errlog_printf(ERRLOG_DEBUG, "shown");
    errlog_set_level(ERRLOG_INFO);
    errlog_close();
    text = fixture_read(path, &len);
    assert_non_null(text);
    assert_int_equal(count_lines(text, NULL), 3);
    assert_non_null(strstr(text, "Z [error] reload: applicationHost.config:42: bad forged line\n"));
    assert_non_null(strstr(text, "Z [notice] started 2 workers\n"));
    assert_null(strstr(text, "not shown"));
    assert_non_null(strstr(text, "Z [debug] shown\n"));
    assert_true(text[4] == '-' && text[10] == 'T');
    free(text);
    /* A path that cannot be opened keeps the previous log and says why. */
    snprintf(path, sizeof(path), "%s/log/error.log/below", dir);
    assert_int_equal(errlog_open(path, 0, &err), -1);
    assert_int_equal(err.kind, CERTMAP_ERR_IO);
    /* A symbolic link at the log's name is not followed. */
    snprintf(path, sizeof(path), "%s/log/link.log", dir);
    assert_int_equal(symlink("error.log", path), 0);
    assert_int_equal(errlog_open(path, 0, &err), -1);
    assert_non_null(strstr(err.message, "symbolic link"));
    errlog_close();
    fixture_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_line),
        cmocka_unit_test(test_long_fields_are_cut),
        cmocka_unit_test(test_file_name_header_and_mode),
        cmocka_unit_test(test_planted_link_not_followed),
        cmocka_unit_test(test_reopen_after_rename),
        cmocka_unit_test(test_day_roll),
        cmocka_unit_test(test_concurrent_writers_lose_nothing),
        cmocka_unit_test(test_set_shares_logs_and_flushes_every_second),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_errlog_lines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
