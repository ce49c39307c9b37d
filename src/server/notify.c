/*
 * notify.c - the Type=notify state changes of notify.h, on libsystemd's
 * sd_notify().
 */
#include "notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

void
notify_ready(void)
{
    sd_notify(0, "READY=1");
}

void
notify_reloading(void)
{
    struct timespec ts;
    char msg[64];

    /*
     * systemd 253 and later match RELOADING=1 to the reload request by this
     * timestamp (Type=notify-reload); older versions ignore it.
     */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL);
    sd_notify(0, msg);
}

void
notify_stopping(void)
{
    sd_notify(0, "STOPPING=1");
}

void
notify_status(const char *fmt, ...)
{
    char msg[7 + 256] = "STATUS=";
    va_list ap;
    char *p;

    va_start(ap, fmt);
    vsnprintf(msg + 7, sizeof(msg) - 7, fmt, ap);
    va_end(ap);
    /* One status per message: a newline would start a new assignment. */
    for (p = msg; *p != '\0'; p++)
        if (*p == '\n')
            *p = ' ';
    sd_notify(0, msg);
}
