# Request smuggling and ambiguous framing over plain HTTP (an http binding,
# raw bytes through bash's /dev/tcp): the same cases as t_adv_framing_tls.sh,
# without TLS records in between, so each byte reaches the parser exactly as
# written.  Each is answered once with 400 (501 for an unknown transfer
# coding), the connection is closed, and the hidden request is never served.
. "$(dirname "$0")/adv_lib.sh"
h_init
adv_site_anon
h_start
adv_framing_suite tcp
ADV_COLLECT=1

# Bytes curl would never send, on the plain binding only.
adv_framing_check "raw space in the target" 400 -- 'GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n'
adv_framing_check "raw backslash in the target" 400 -- 'GET /..\\secret.txt HTTP/1.1\r\nHost: localhost\r\n\r\n'
adv_framing_check "byte 0xff in the target" 400 -- 'GET /\xff HTTP/1.1\r\nHost: localhost\r\n\r\n'
adv_framing_check "request line ends with bare CR" 400 -- 'GET / HTTP/1.1\rHost: localhost\r\n\r\n'
adv_framing_check "header name with a slash" 400 -- 'GET / HTTP/1.1\r\nHost: localhost\r\nX/Y: 1\r\n\r\n'
adv_framing_check "empty header name" 400 -- 'GET / HTTP/1.1\r\nHost: localhost\r\n: 1\r\n\r\n'
adv_framing_check "Host with a space" 400 -- 'GET / HTTP/1.1\r\nHost: local host\r\n\r\n'
adv_collected_fail
adv_pass
