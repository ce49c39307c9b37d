/*
 * hist.h - a log-linear latency histogram (HDR-style): values in
 * microseconds, 32 linear sub-buckets per power of two, so any reported
 * percentile is within about 3 % of the true value.  Fixed size, no
 * allocation; histograms of several threads are merged by addition.
 */
#ifndef MTLS_HIST_H
#define MTLS_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 5
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAGNITUDES 40
#define HIST_BUCKETS (HIST_MAGNITUDES * HIST_SUB)

struct hist {
    uint64_t counts[HIST_BUCKETS]; /* per bucket */
    uint64_t total;                /* number of values recorded */
    uint64_t max;                  /* largest value recorded */
};

/* Records one value (microseconds). */
void hist_record(struct hist *h, uint64_t v);

/* Adds every count of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/* The value at percentile p (0 < p <= 100): the upper edge of its bucket. 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);

#endif
