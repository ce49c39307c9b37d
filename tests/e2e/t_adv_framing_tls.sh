# Request smuggling and ambiguous framing over TLS: every request whose
# framing two HTTP implementations could read differently is answered once
# with 400 (501 for an unknown transfer coding) and the connection is closed,
# so a request hidden behind it is never answered.  Each hidden request asks
# for /secret.txt, whose content (the sentinel) must never appear.
. "$(dirname "$0")/adv_lib.sh"
h_init
adv_site_anon
h_start
adv_framing_suite tls
adv_collected_fail
adv_pass
