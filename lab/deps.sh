#!/bin/sh
# Install what muxlab needs to build, run and test, from Debian's packages.
# As root: apt-get install the missing ones. Otherwise: print the command.
set -u
pkgs="build-essential pkg-config clang libclang-rt-14-dev
liblttng-ust-dev lttng-tools libbabeltrace2-dev babeltrace2
libncurses-dev libnghttp2-dev nghttp2-client
curl wrk nginx-light haproxy php-fpm tmux procps socat"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "muxlab: missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "muxlab: run this as root, then run make again:"
	echo "  apt-get update && apt-get install -y$missing"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps the packages' services (nginx, haproxy, php-fpm) from
# being started by the install: the tests start their own on loopback.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	created_policy=1
fi
echo "muxlab: installing:$missing"
apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing
rc=$?
[ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
exit $rc
