# MikroTik RouterOS 7: Hotspot on the guest bridge, RADIUS to Portico, external splash page.
# Replace 192.0.2.1 (Portico), SECRET (from `portico nas add`) and the portal URL.

/radius
add address=192.0.2.1 secret=SECRET service=hotspot authentication-port=1812 \
    accounting-port=1813 timeout=3s require-message-auth=yes-for-request-resp
# Disconnect/CoA from Portico (RouterOS listens on 3799 once enabled; older versions used 1700).
/radius incoming
set accept=yes port=3799

/ip hotspot profile
set [find default=yes] use-radius=yes radius-accounting=yes radius-interim-update=1m \
    login-by=http-chap,http-pap html-directory=hotspot

# Let guests reach the splash page before they log in.
/ip hotspot walled-garden
add dst-host=wifi.example.org action=allow
/ip hotspot walled-garden ip
add dst-address=192.0.2.1 action=accept

# In hotspot/login.html, send the guest to Portico with the router's parameters:
#   <meta http-equiv="refresh" content="0; url=https://wifi.example.org/?link-login-only=$(link-login-only-esc)&link-orig=$(link-orig-esc)&mac=$(mac-esc)&ip=$(ip)&chap-id=$(chap-id-esc)&chap-challenge=$(chap-challenge-esc)&identity=$(identity)&server-name=$(server-name)&error=$(error-esc)">
# Portico posts the code back to link-login-only (CHAP-MD5 when chap-id is present), but
# only when its host is a private/loopback/link-local IP or one of the router's login hosts.
# When the hotspot profile has a dns-name, link-login-only uses that name: add it with
#   portico nas add --name lobby --address 192.0.2.10 --vendor mikrotik --login-host <dns-name>
# (or in the dashboard's router form), otherwise guests see "login address is not allowed".
