# A reload to a broken configuration keeps the old one serving and the error
# log names the error: truncated XML, an unknown sslFlags flag, a missing
# server certificate file, the same certificate mapped twice at one level,
# an empty file, binary garbage.  Each broken file also maps carol, which
# must not take effect; a valid file that maps carol finally does.
. "$(dirname "$0")/adv_lib.sh"
h_init
h_std
cfg_write
cp "$CFG" "$T/good.config"
h_start
NAME=$(basename "$CFG")

req alice /
expect_status 200
req carol /
expect_status 401 2

# The good configuration plus carol's mapping.
cfg_map carol carol carol-pw
cfg_write
cp "$CFG" "$T/carol.config"
cp "$T/good.config" "$CFG"

errlog_lines() { wc -l <"$LOGDIR/certmapd.log" 2>/dev/null || echo 0; }

# variant NAME: writes $T/broken.config and sets WANT (a string the error
# log must show: the file and, where there is one, the line).
variant() {
    local c=$T/carol.config ln
    case $1 in
    truncated)
        head -c $(($(stat -c %s "$c") * 2 / 3)) "$c" >"$T/broken.config"
        WANT="$NAME"
        ;;
    badflag)
        sed 's/SslRequireCert"/SslRequireCertificate"/' "$c" >"$T/broken.config"
        ln=$(grep -n 'SslRequireCertificate' "$T/broken.config" | cut -d: -f1)
        WANT="$NAME:$ln"
        ;;
    nocert)
        sed "s|$PKI/server.crt|$PKI/missing.crt|" "$c" >"$T/broken.config"
        ln=$(grep -n 'missing.crt' "$T/broken.config" | cut -d: -f1)
        WANT="$NAME:$ln"
        ;;
    duplicate)
        awk -v dup="$(grep 'userName="carol"' "$c")" '{print} /userName="carol"/ {print dup}' "$c" >"$T/broken.config"
        ln=$(grep -n 'userName="carol"' "$T/broken.config" | tail -n 1 | cut -d: -f1)
        WANT="$NAME:$ln"
        ;;
    empty)
        : >"$T/broken.config"
        WANT="$NAME"
        ;;
    garbage)
        head -c 3000 /dev/urandom >"$T/broken.config"
        WANT="$NAME"
        ;;
    esac
}

for v in truncated badflag nocert duplicate empty garbage; do
    variant $v
    n0=$(errlog_lines)
    cp "$T/broken.config" "$CFG.new" && mv "$CFG.new" "$CFG"
    kill -HUP "$SERVER_PID"
    for i in $(seq 1 $((50 * H_SLOW))); do
        [ "$(errlog_lines)" -gt "$n0" ] && tail -n +$((n0 + 1)) "$LOGDIR/certmapd.log" | grep -F '[error]' | grep -qF "$WANT" && break
        sleep 0.1
    done
    tail -n +$((n0 + 1)) "$LOGDIR/certmapd.log" 2>/dev/null | grep -F '[error]' >"$T/new_errors"
    grep -qF "$WANT" "$T/new_errors" ||
        h_fail "$v: no [error] line naming '$WANT' in the error log after the reload: $(head -c 500 "$T/new_errors")"
    h_log "$v: $(grep -F "$WANT" "$T/new_errors" | head -n 1)"
    h_alive "$SERVER_PID" || h_fail "$v: certmapd died on the reload"
    req alice /
    expect_status 200
    expect_log 1 alice 200 0 /
    req carol /
    expect_status 401 2
done

# A valid file with carol's mapping is taken.
cp "$T/carol.config" "$CFG.new" && mv "$CFG.new" "$CFG"
carol_ok() {
    req carol /
    [ "$STATUS" = 200 ]
}
adv_reload_until carol_ok || h_fail "carol not served after a valid reload (HTTP $STATUS)"
req alice /
expect_status 200
adv_pass
