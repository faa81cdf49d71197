#!/bin/sh
# Portico's BinAuth script for openNDS (9.x). openNDS runs it on every authentication and
# deauthentication (see openNDS's BinAuth documentation); it reports each to Portico and
# does what Portico answers:
#
#   auth_client          asks whether to let the device on; Portico answers with the
#                        session length (the code's time left), rates and quotas, or denies
#   client_auth          reports the start and starts a watcher that polls Portico every
#   ndsctl_auth          15 s while the device is online, and runs `ndsctl deauth` when
#                        Portico says the code was revoked, used up or the device signed out
#   *_deauth             reports the end with openNDS's session times and byte counts
#
# Install: copy to /usr/lib/opennds/portico-binauth.sh, chmod 755, and set in openNDS's
# config `binauth /usr/lib/opennds/portico-binauth.sh`. It reads faskey, fasremoteip,
# fasport and gatewayname from openNDS's own config (uci on OpenWrt, else
# /etc/opennds/opennds.conf). Set PORTICO_URL in /etc/opennds/portico.conf when Portico is
# not at http://fasremoteip:fasport. Needs sha256sum (openNDS needs it too) and curl or
# wget (uclient-fetch on OpenWrt).
#
# Every report is signed: sha256 over a key derived from the faskey, the fields and the key
# again, so nobody on the LAN can forge an end or a start. Reports carry the router's clock,
# which must be within 15 minutes of Portico's (OpenWrt keeps it with NTP).

conf=/etc/opennds/opennds.conf
state_dir=/tmp/portico-binauth

option() {
	if [ -e /etc/config/opennds ] && command -v uci >/dev/null 2>&1; then
		uci -q get "opennds.@opennds[0].$1"
	elif [ -e "$conf" ]; then
		awk -v k="$1" 'tolower($1) == tolower(k) { $1 = ""; sub(/^ +/, ""); print; exit }' "$conf"
	fi
}

faskey=$(option faskey)
gateway=$(option gatewayname)
PORTICO_URL=""
[ -r /etc/opennds/portico.conf ] && . /etc/opennds/portico.conf
if [ -z "$PORTICO_URL" ]; then
	PORTICO_URL="http://$(option fasremoteip):$(option fasport)"
fi

sha() { sha256sum | cut -d' ' -f1; }

# report METHOD MAC IP TOKEN START END IN OUT: posts one signed report, prints the answer.
report() {
	ts=$(date +%s)
	key=$(printf 'portico-binauth\n%s' "$faskey" | sha)
	sig=$(printf '%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s' \
		"$key" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$ts" "$key" | sha)
	gw=$(printf '%s' "$gateway" | sed 's/%/%25/g; s/ /%20/g; s/&/%26/g; s/+/%2B/g; s/=/%3D/g')
	body="gw=$gw&method=$1&mac=$2&ip=$3&token=$4&start=$5&end=$6&in=$7&out=$8&ts=$ts&sig=$sig"
	if command -v curl >/dev/null 2>&1; then
		curl -fsS -m 5 --data "$body" "$PORTICO_URL/opennds/binauth" 2>/dev/null
	else
		wget -q -T 5 -O - --post-data="$body" "$PORTICO_URL/opennds/binauth" 2>/dev/null
	fi
}

pidfile() { echo "$state_dir/watch-$(echo "$1" | tr -d ':-')"; }

# watch MAC IP TOKEN START INTERVAL: polls Portico while the device is online.
watch() {
	mkdir -p "$state_dir"
	file=$(pidfile "$1")
	echo $$ >"$file"
	interval=$5
	while :; do
		sleep "$interval"
		# A deauth report (or a newer watcher for the same device) ends this one.
		[ "$(cat "$file" 2>/dev/null)" = "$$" ] || exit 0
		answer=$(report watch "$1" "$2" "$3" "$4" "$(date +%s)" "" "")
		case "$answer" in
		deauth*)
			rm -f "$file"
			ndsctl deauth "$1" >/dev/null 2>&1
			exit 0
			;;
		ignore*) rm -f "$file"; exit 0 ;;
		"ok "*) interval=${answer#ok } ;;
		esac
	done
}

start_watch() {
	# Detached, so openNDS does not wait for it; ndsctl is locked while BinAuth runs.
	(sh "$0" watch "$@" </dev/null >/dev/null 2>&1 &)
}

method=$1
case "$method" in
auth_client)
	# $2 mac, $3 redir, $4 user agent, $5 ip, $6 client token, $7 custom
	answer=$(report auth_client "$2" "$5" "$6" 0 0 0 0)
	case "$answer" in
	"allow "*)
		echo "${answer#allow }"
		exit 0
		;;
	esac
	exit 1
	;;
client_auth | ndsctl_auth)
	# $2 mac, $3 bytes in, $4 bytes out, $5 session start, $6 session end, $7 client token
	answer=$(report "$method" "$2" "" "$7" "$5" "$6" "$3" "$4")
	case "$answer" in
	"ok "*) start_watch "$2" "" "$7" "$5" "${answer#ok }" ;;
	deauth*) (sh -c "sleep 2; ndsctl deauth '$2'" </dev/null >/dev/null 2>&1 &) ;;
	esac
	;;
*_deauth)
	rm -f "$(pidfile "$2")"
	report "$method" "$2" "" "$7" "$5" "$6" "$3" "$4" >/dev/null
	;;
watch)
	shift
	watch "$@"
	;;
esac
exit 0
