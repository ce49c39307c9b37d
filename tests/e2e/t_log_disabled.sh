# logFile/@enabled: siteDefaults' enabled="false" turns off the W3C log of a
# site that does not set it (no W3SVC1 file, no line), a site's own
# enabled="true" turns it back on (W3SVC2 logs), as IIS inherits it.
. "$(dirname "$0")/harness.sh"
h_init
H_SITES_XML+='      <siteDefaults><logFile enabled="false" /></siteDefaults>
'
h_two_sites
# The open site is "Site B": its own logFile, beside its applications.
H_APPS_XML+='        <logFile enabled="true" />
'
h_start

req alice "https://localhost:$PORT/"
expect_status 200
req bob "https://b.localhost:$PORT/"
expect_status 200
expect_log 2 bob 200 0 /
# B's line is written: A's, made before it, would be too by now.
ls "$LOGDIR"/W3SVC1/u_ex*.log >/dev/null 2>&1 && h_fail "site 1 wrote a W3C log with logFile enabled=\"false\" in siteDefaults"

h_stop
ls "$LOGDIR"/W3SVC1/u_ex*.log >/dev/null 2>&1 && h_fail "site 1 wrote a W3C log by the time certmapd stopped"
h_pass
