# MikroTik RouterOS 7 Hotspot with Portico as RADIUS server and external splash page.
# Follows the RouterOS manual: "HotSpot - Captive portal" (setup, profiles, walled garden,
# device-mode), "Hotspot customisation" (servlet pages, $(var) and $(var-esc) variables,
# login.html's username/password/dst/popup), "RADIUS" (/radius, require-message-auth,
# /radius incoming) and "Device-mode".
#
# On Portico, the NAS name is the router's system identity (NAS-Identifier and $(identity)):
#   portico nas add --name lobby --address <address the router sends RADIUS from> \
#     --vendor mikrotik                                                  # prints SECRET
# RouterOS 7.15+ sends Message-Authenticator with require-message-auth=yes-for-request-resp
# (below), so Portico's default fits. RouterOS before 7.15 sends none: add the NAS with
# --no-message-authenticator.
# Replace 192.0.2.1 (Portico), SECRET, lobby, bridge-guest, 10.5.50.0/24 and wifi.example.org.

# 0. HotSpot may be blocked by device-mode. If `/system/device-mode/print` shows hotspot=no:
#      /system/device-mode/update hotspot=yes
#    and confirm within 5 minutes by pressing the reset button or cutting the power.

# 1. The identity is the NAS name in Portico.
/system identity set name=lobby

# 2. RADIUS to Portico, and Disconnect/CoA from it (off by default; older versions used 1700).
/radius
add address=192.0.2.1 secret=SECRET service=hotspot authentication-port=1812 \
    accounting-port=1813 timeout=3s require-message-auth=yes-for-request-resp
/radius incoming
set accept=yes port=3799
# Two Portico nodes on one PostgreSQL (deploy/multi-node): a second entry for node 2 with the
# same service, ports and secret; RouterOS asks the entries in order and moves to the next
# after `timeout`, and accepts Disconnect/CoA from either address:
#   add address=192.0.2.2 secret=SECRET service=hotspot authentication-port=1812 \
#       accounting-port=1813 timeout=3s require-message-auth=yes-for-request-resp

# 3. The hotspot: its own profile, so nothing depends on which profile `/ip hotspot setup`
#    made. (If you ran `/ip hotspot setup`, it created and uses `hsprof1`: then run the
#    `set` below on [find name=hsprof1] instead of adding a profile; `[find default=yes]`
#    is the unused built-in `default`.)
#    html-directory: where login.html lives; `flash/hotspot` on devices whose files are
#    under a `flash` folder (`/file print`), else `hotspot`.
/ip address add address=10.5.50.1/24 interface=bridge-guest
/ip pool add name=hs-pool ranges=10.5.50.2-10.5.50.254
/ip dhcp-server add name=hs-dhcp interface=bridge-guest address-pool=hs-pool
/ip dhcp-server network add address=10.5.50.0/24 gateway=10.5.50.1 dns-server=10.5.50.1
/ip hotspot profile
add name=portico hotspot-address=10.5.50.1 use-radius=yes radius-accounting=yes \
    radius-interim-update=1m login-by=http-chap,http-pap html-directory=flash/hotspot
/ip hotspot
add name=hotspot1 interface=bridge-guest address-pool=hs-pool profile=portico disabled=no

# 4. Walled garden: guests reach the splash page before they log in. The IP entry is the
#    address wifi.example.org resolves to: Portico's own, or the reverse proxy's in front.
/ip hotspot walled-garden
add dst-host=wifi.example.org action=allow
/ip hotspot walled-garden ip
add dst-address=192.0.2.1 action=accept

# 5. Replace login.html in the html-directory with a page that sends the guest to Portico
#    with the router's parameters. Use the -esc forms (URL-encoded) for every value that
#    goes into the URL:
#   <html><head><meta http-equiv="refresh" content="0; url=https://wifi.example.org/?link-login-only=$(link-login-only-esc)&link-orig=$(link-orig-esc)&mac=$(mac-esc)&ip=$(ip)&chap-id=$(chap-id-esc)&chap-challenge=$(chap-challenge-esc)&identity=$(identity-esc)&server-name=$(server-name-esc)&error=$(error-esc)"></head><body></body></html>
#
# Portico posts the code back to link-login-only (CHAP-MD5 when chap-id is present), but
# only when its host is a private/loopback/link-local IP or one of the router's login hosts.
# When the hotspot profile has a dns-name, link-login-only uses that name: add it with
#   portico nas add --name lobby --address 192.0.2.10 --vendor mikrotik --login-host <dns-name>
# (or in the dashboard's router form), otherwise guests see "login address is not allowed".
