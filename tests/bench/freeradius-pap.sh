# Sourced by the RADIUS benchmarks (run-radius.sh, run-logins.sh) after
# tests/integration/lib.sh and init_instance.  Not a test.
#
# freeradius_pap_start: the peer of docs/benchmarks.md, FreeRADIUS 3.2
# answering PAP from a users file (one user, bench / x) on
# 127.0.0.1:$FR_PORT with the instance's RADIUS secret ($FR/secret),
# requiring Message-Authenticator, logging nothing, in the foreground;
# returns once it answers a login ($BENCH_RADIUS), exits the script if it
# does not.  Sets FR, FR_PORT, FR_SECRET and FR_PID.
freeradius_pap_start() {
	FR=$T/freeradius
	FR_PORT=$(free_port)
	mkdir -p "$FR"
	cp "$T/inst/radius-secret" "$FR/secret"
	FR_SECRET=$(cat "$FR/secret")
	{ freeradius_paths "$FR"; cat <<EOF
max_request_time = 30
cleanup_delay = 5
max_requests = 1048576
hostname_lookups = no
log {
	destination = null
	auth = no
	auth_badpass = no
	auth_goodpass = no
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = no
}
thread pool {
	start_servers = 5
	max_servers = 32
	min_spare_servers = 3
	max_spare_servers = 10
	max_requests_per_server = 0
}
client localhost {
	ipaddr = 127.0.0.1
	secret = "$FR_SECRET"
	require_message_authenticator = yes
}
modules {
	pap {
	}
	files {
		filename = $FR/users
	}
}
server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $FR_PORT
	}
	authorize {
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
}
EOF
	} >"$FR/radiusd.conf"
	printf 'bench\tCleartext-Password := "x"\n' >"$FR/users"
	"$FREERADIUS" -f -d "$FR" >"$T/freeradius.log" 2>&1 &
	FR_PID=$!
	PIDS="$PIDS $FR_PID"
	# Ready when it answers one login.
	n=50
	while ! "$BENCH_RADIUS" 127.0.0.1 "$FR_PORT" "$FR/secret" accept 0.2 1 0 bench \
	    >/dev/null 2>&1; do
		n=$((n - 1))
		if [ "$n" -eq 0 ] || ! kill -0 "$FR_PID" 2>/dev/null; then
			echo "freeradius did not answer:" >&2
			cat "$T/freeradius.log" >&2
			"$FREERADIUS" -XC -d "$FR" >&2 || true
			exit 1
		fi
		sleep 0.1
	done
}
