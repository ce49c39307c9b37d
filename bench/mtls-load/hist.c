/* hist.c - log-linear latency histogram. */
#include "hist.h"

static unsigned
bucket_of(uint64_t v)
{
    unsigned mag;

    if (v < HIST_SUB)
        return (unsigned)v;
    /* magnitude: position of the highest bit above the linear range */
    mag = (unsigned)(63 - __builtin_clzll(v)) - HIST_SUB_BITS + 1;
    if (mag >= HIST_MAGNITUDES)
        return HIST_BUCKETS - 1;
    return mag * HIST_SUB + (unsigned)((v >> (mag - 1)) & (HIST_SUB - 1));
}

static uint64_t
bucket_upper(unsigned b)
{
    unsigned mag = b / HIST_SUB, sub = b % HIST_SUB;

    if (mag == 0)
        return sub;
    /* values in this bucket: [ (HIST_SUB + sub) << (mag-1), +(1 << (mag-1)) ) */
    return (((uint64_t)(HIST_SUB + sub) + 1) << (mag - 1)) - 1;
}

void
hist_record(struct hist *h, uint64_t v)
{
    h->counts[bucket_of(v)]++;
    h->total++;
    if (v > h->max)
        h->max = v;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
    unsigned i;

    for (i = 0; i < HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t
hist_percentile(const struct hist *h, double p)
{
    uint64_t want, seen = 0, up;
    unsigned i;

    if (h->total == 0)
        return 0;
    want = (uint64_t)((p / 100.0) * (double)h->total + 0.5);
    if (want == 0)
        want = 1;
    for (i = 0; i < HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= want) {
            up = bucket_upper(i);
            return up < h->max ? up : h->max;
        }
    }
    return h->max;
}
