# binding/@clientCertificate on a site whose root needs no certificate:
# "late" never asks in the handshake, so a TLS 1.3 client without
# post-handshake authentication gets 403.7 where a certificate is required
# and is served anonymously where one is only negotiated (Apache's
# behaviour), while clients that can be asked later still are; "on" asks in
# every handshake; "off" never asks.
. "$(dirname "$0")/late_lib.sh"
h_init

cfg_reset
late_site late
cfg_write
h_start
late_get alice / -tls1_3
adv_expect_tls "late, TLS 1.3 without PHA, /" 200
[ "$CR_HS$CR_LATE" = 00 ] || h_fail "late: a CertificateRequest (handshake $CR_HS, after $CR_LATE)"
late_get alice /secure/ -tls1_3
adv_expect_tls "late, TLS 1.3 without PHA, /secure/" 403 7
[ "$CR_HS$CR_LATE" = 00 ] || h_fail "late: a CertificateRequest on /secure/ (handshake $CR_HS, after $CR_LATE)"
expect_log 1 - 403 7 /secure/
late_get alice /neg/ -tls1_3
adv_expect_tls "late, TLS 1.3 without PHA, /neg/" 200
expect_log 1 - 200 0 /neg/
late_get alice /secure/ -tls1_3 -enable_pha
adv_expect_tls "late, TLS 1.3 PHA, /secure/" 200
[ "$CR_HS" = 0 ] && [ "$CR_LATE" -ge 1 ] || h_fail "late, PHA: handshake $CR_HS, after $CR_LATE"
expect_log 1 alice 200 0 /secure/
late_get alice /secure/ -tls1_2
adv_expect_tls "late, TLS 1.2, /secure/" 200
expect_log 1 alice 200 0 /secure/
h_stop

cfg_reset
late_site on
cfg_write
h_start
late_get alice / -tls1_3 -enable_pha
adv_expect_tls "on, /" 200
[ "$CR_HS" -ge 1 ] || h_fail "on: no CertificateRequest in the handshake"
late_get alice /secure/ -tls1_2
adv_expect_tls "on, TLS 1.2, /secure/" 200
[ "$CR_HS" -ge 1 ] && [ "$CR_LATE" = 0 ] || h_fail "on, TLS 1.2: handshake $CR_HS, after $CR_LATE"
h_stop

cfg_reset
late_site off
cfg_write
h_start
late_get alice /secure/ -tls1_3 -enable_pha
adv_expect_tls "off, /secure/" 403 7
[ "$CR_HS$CR_LATE" = 00 ] || h_fail "off: a CertificateRequest (handshake $CR_HS, after $CR_LATE)"
late_get alice /secure/ -tls1_2
adv_expect_tls "off, TLS 1.2, /secure/" 403 7
[ "$CR_HS$CR_LATE" = 00 ] || h_fail "off, TLS 1.2: a CertificateRequest (handshake $CR_HS, after $CR_LATE)"

adv_pass
