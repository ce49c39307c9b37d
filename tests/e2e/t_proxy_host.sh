# ARR's Host handling: by default the upstream gets its own authority as Host, and
# reverseRewriteHostInResponseHeaders (on by default) turns a Location or Content-Location
# naming the upstream back into the URL the client used; with preserveHostHeader the client's
# Host goes upstream, and with the reverse rewrite off the upstream's URL reaches the client.
. "$(dirname "$0")/proxy_lib.sh"
h_init
px_std
px_go
me="https://localhost:$PORT"

req alice "/redirect?http://127.0.0.1:$UP/x/y?z=1"
expect_status 302
[ "$(px_headers Host)" = "127.0.0.1:$UP" ] || h_fail "Host sent upstream: $(px_headers Host)"
[ "$(resp_header Location)" = "$me/x/y?z=1" ] || h_fail "Location: $(resp_header Location)"
[ "$(resp_header Content-Location)" = "$me/x/y?z=1" ] || h_fail "Content-Location: $(resp_header Content-Location)"
# the upstream's origin alone, any case of scheme and host
req alice "/redirect?HTTP://127.0.0.1:$UP"
[ "$(resp_header Location)" = "$me" ] || h_fail "bare origin: $(resp_header Location)"
# other hosts, and an authority that only starts like the upstream's, are left alone
req alice "/redirect?http://elsewhere.example/x"
[ "$(resp_header Location)" = "http://elsewhere.example/x" ] || h_fail "other host rewritten: $(resp_header Location)"
req alice "/redirect?http://127.0.0.1:${UP}9/x"
[ "$(resp_header Location)" = "http://127.0.0.1:${UP}9/x" ] || h_fail "look-alike rewritten: $(resp_header Location)"
req alice "/redirect?https://127.0.0.1:$UP/x"
[ "$(resp_header Location)" = "https://127.0.0.1:$UP/x" ] || h_fail "other scheme rewritten: $(resp_header Location)"

H_RAW_XML=${H_RAW_XML/timeout=\"00:00:03\"/timeout=\"00:00:03\" preserveHostHeader=\"true\" reverseRewriteHostInResponseHeaders=\"false\"}
px_reload
req alice "/redirect?http://127.0.0.1:$UP/x/y"
expect_status 302
[ "$(px_headers Host)" = "localhost:$PORT" ] || h_fail "preserveHostHeader: Host sent upstream: $(px_headers Host)"
[ "$(px_headers X-Forwarded-Host)" = "localhost:$PORT" ] || h_fail "X-Forwarded-Host: $(px_headers X-Forwarded-Host)"
[ "$(resp_header Location)" = "http://127.0.0.1:$UP/x/y" ] || h_fail "reverse rewrite off: Location $(resp_header Location)"

h_stop
h_pass
