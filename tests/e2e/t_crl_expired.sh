# A CRL past its nextUpdate: certmapd -t reports it (error, exit 2); certmapd
# serves, logs it as an error at load, and every certificate it covers gets
# 403.13 with a refusal line naming the CRL.  A CRL near its nextUpdate is a
# warning (crlWarningHours).
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/crl_lib.sh"
h_init
crl_ca root "$PKI/ca.crt" "$PKI/ca.key"
crl_gen root "$T/old.crl" -crl_lastupdate 20200101000000Z -crl_nextupdate 20200201000000Z
h_std
H_BINDINGS_XML="" # the standard binding, with this crlFile
cfg_https "127.0.0.1:$PORT:" server "clientCaFile=\"$PKI/ca.crt\" crlFile=\"$T/old.crl\""
cfg_write
bline=$(grep -n 'protocol="https"' "$CFG" | cut -d: -f1)

"$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1
rc=$?
[ $rc = 2 ] || h_fail "certmapd -t: exit $rc, expected 2: $(cat "$T/t.out")"
grep -q "applicationHost.config:$bline: error: binding: crlFile: $T/old.crl: the CRL of .*certmap demo CA is past its nextUpdate (2020-02-01 00:00:00 UTC)" "$T/t.out" ||
    h_fail "certmapd -t does not report the expired CRL: $(cat "$T/t.out")"

h_start
grep -aq "applicationHost.config:$bline: <binding> crlFile: .*past its nextUpdate" "$T/certmapd.out" ||
    h_fail "the expired CRL is not in the log at load"
req alice /
expect_status 403 13
expect_log 1 - 403 13 /
grep -aq "refused: CRL has expired (crlFile $T/old.crl: CRL of .*nextUpdate 2020-02-01 00:00:00 UTC (expired))" "$T/certmapd.out" ||
    h_fail "the refusal does not explain the expired CRL"

# The next load logs it again (every load).
n=$(h_reloads)
kill -HUP "$SERVER_PID"
h_reload_wait "$n"
[ "$(grep -ac 'crlFile: .*past its nextUpdate' "$T/certmapd.out")" -ge 2 ] ||
    h_fail "the reload does not log the expired CRL again"
h_stop

# Near its nextUpdate (in 2 hours, default lead time 24 hours): a warning.
crl_gen root "$T/old.crl" -crlhours 2
"$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1
rc=$?
[ $rc = 2 ] || h_fail "certmapd -t (CRL near nextUpdate): exit $rc, expected 2"
grep -q "applicationHost.config:$bline: warning: binding: crlFile: .*reaches its nextUpdate" "$T/t.out" ||
    h_fail "no warning for a CRL near its nextUpdate: $(cat "$T/t.out")"
# crlWarningHours="1": no longer near enough to warn
H_SERVER+=' crlWarningHours="1"'
cfg_write
"$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1
grep -q "crlFile" "$T/t.out" && h_fail "crlWarningHours=1 still warns: $(cat "$T/t.out")"

h_pass
