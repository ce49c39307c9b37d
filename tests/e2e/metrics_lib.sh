# tests/e2e/metrics_lib.sh - scraping <certmap><status>'s /metrics in e2e
# tests.  Source after harness.sh; $SPORT is the status listener's port.
#
#   scrape FILE          GET /metrics into FILE, content type, format and promtool checked
#   scrape_until FILE SAMPLE VALUE  scrape again (bounded) until SAMPLE is VALUE
#   check_format FILE    the text exposition format, strictly (awk)
#   val FILE SAMPLE      the value of SAMPLE (name and labels as written), 0 when absent
#   moved SAMPLE N       SAMPLE rose by exactly N between $T/m1 and $T/m2

# scrape FILE: GET /metrics into FILE; checks the content type and the format.
scrape() {
    local ct
    ct=$(curl -sS --noproxy '*' --max-time $((10 * H_SLOW)) -o "$1" -w '%{http_code} %{content_type}' \
        "http://127.0.0.1:$SPORT/metrics") || h_fail "scrape failed"
    [ "$ct" = "200 text/plain; version=0.0.4; charset=utf-8" ] || h_fail "scrape answered '$ct'"
    check_format "$1"
    if command -v promtool >/dev/null; then
        promtool check metrics <"$1" >"$T/promtool.out" 2>&1 ||
            h_fail "promtool check metrics: $(head -c 600 "$T/promtool.out")"
    elif [ -z "$H_NO_PROMTOOL_SAID" ]; then
        H_NO_PROMTOOL_SAID=1
        h_log "promtool not installed (scripts/install-deps test): format checked by awk only"
    fi
}

# scrape_until FILE SAMPLE VALUE: scrapes into FILE until SAMPLE is VALUE,
# for up to 10 s (x H_SLOW); the caller checks FILE as usual afterwards.  For
# what the server does after the client already has its answer: a worker
# counts the request and closes the connection after the last byte is sent
# (the gauge of open connections reaches 0 only after both), and accepts a
# new connection when it gets to it.
scrape_until() {
    local deadline=$((SECONDS + 10 * H_SLOW))
    while :; do
        scrape "$1"
        [ "$(val "$1" "$2")" = "$3" ] && return 0
        [ $SECONDS -lt $deadline ] || return 0
        sleep 0.1
    done
}

# The text exposition format, strictly: HELP and TYPE once per family, before
# its samples; sample names of the family; label values quoted; a number.
check_format() {
    awk '
    function bad(m) { printf "line %d: %s: %s\n", NR, m, $0; err = 1; exit 1 }
    /^# HELP / { if (help[$3]++) bad("second HELP"); next }
    /^# TYPE / {
        if (type[$3]) bad("second TYPE")
        if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) bad("type")
        type[$3] = $4; fam = $3; next
    }
    /^#/ { bad("comment") }
    {
        if (!match($0, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) bad("name")
        name = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
        base = name; sub(/_(bucket|sum|count)$/, "", base)
        if (name != fam && !(type[fam] == "histogram" && base == fam)) bad("sample outside its family")
        if (type[fam] == "counter" && name !~ /_total$/) bad("counter without _total")
        if (rest ~ /^\{/) {
            if (!match(rest, /^\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*)?\}/)) bad("labels")
            rest = substr(rest, RLENGTH + 1)
        }
        if (rest !~ /^ -?([0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|\+Inf|NaN)$/) bad("value")
    }
    END { if (!err && NR == 0) { print "empty"; exit 1 } }' "$1" >"$T/format.out" ||
        h_fail "exposition format: $(cat "$T/format.out")"
}

# val FILE SAMPLE: the value of SAMPLE (name and labels as written), 0 when absent.
val() {
    local line
    line=$(awk -v k="$2 " 'index($0, k) == 1 { print; exit }' "$1")
    [ -n "$line" ] && echo "${line##* }" || echo 0
}

# moved SAMPLE N: SAMPLE rose by exactly N between $T/m1 and $T/m2.
moved() {
    local a b
    a=$(val "$T/m1" "$1")
    b=$(val "$T/m2" "$1")
    [ "$((b - a))" = "$2" ] || h_fail "$1: $a -> $b, expected +$2"
}
