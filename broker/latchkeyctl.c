/*
 * latchkeyctl: the admin and diagnostics CLI.  A thin client of the same
 * library code as latchkeyd (conf, store, slapd) and of the same directory,
 * using the same configuration file.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "conf.h"
#include "ctl.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define CTL_DEFAULT_CONF	LATCHKEY_SYSCONFDIR "/latchkey.conf"

static void	usage(void) __attribute__((noreturn));
static int	ctl_connect(struct ctl *);
static void	ctl_on_state(enum store_state, const char *, void *);
static void	ctl_on_connect_timeout(evutil_socket_t, short, void *);

static const struct ctl_cmd ctl_cmds[] = {
	{ .words = { "init", NULL }, .usage = "init DIR [--url URL] [--radius ADDR:PORT]",
	  .fn = ctl_init },
	{ .words = { "user", "add" },
	  .usage = "user add NAME [--display-name S] [--group G]...",
	  .need_conf = 1, .need_store = 1, .fn = ctl_user_add },
	{ .words = { "user", "show" }, .usage = "user show NAME",
	  .need_conf = 1, .need_store = 1, .fn = ctl_user_show },
	{ .words = { "tap", "issue" },
	  .usage = "tap issue NAME [--lifetime DUR] [--start TIME] [--one-time|--multi-use]",
	  .need_conf = 1, .need_store = 1, .fn = ctl_tap_issue },
	{ .words = { "tap", "revoke" }, .usage = "tap revoke NAME",
	  .need_conf = 1, .need_store = 1, .fn = ctl_tap_revoke },
	{ .words = { "profile", "add" },
	  .usage = "profile add NAME [--types deviceBound,synced] [--attestation disabled|registrationOnly] [--keys off|allow|block] [--aaguid UUID]... [--uv required|preferred] [--include G]... [--exclude G]...",
	  .need_conf = 1, .need_store = 1, .fn = ctl_profile_add },
	{ .words = { "profile", "set" },
	  .usage = "profile set NAME [options of profile add] [--no-include] [--no-exclude] [--no-aaguids] [--add-aaguid U] [--remove-aaguid U] [--add-include G] [--remove-include G] [--add-exclude G] [--remove-exclude G]",
	  .need_conf = 1, .need_store = 1, .fn = ctl_profile_set },
	{ .words = { "profile", "show" }, .usage = "profile show NAME",
	  .need_conf = 1, .need_store = 1, .fn = ctl_profile_show },
	{ .words = { "profile", "list" }, .usage = "profile list",
	  .need_conf = 1, .need_store = 1, .fn = ctl_profile_list },
	{ .words = { "profile", "delete" }, .usage = "profile delete NAME",
	  .need_conf = 1, .need_store = 1, .fn = ctl_profile_delete },
	{ .words = { "tap-policy", "show" }, .usage = "tap-policy show",
	  .need_conf = 1, .need_store = 1, .fn = ctl_tap_policy_show },
	{ .words = { "tap-policy", "set" },
	  .usage = "tap-policy set [--min DUR] [--max DUR] [--default DUR] [--length N] [--one-time yes|no] [--include G]... [--exclude G]... [--no-include] [--no-exclude]",
	  .need_conf = 1, .need_store = 1, .fn = ctl_tap_policy_set },
	{ .words = { "campaign", "show" }, .usage = "campaign show",
	  .need_conf = 1, .need_store = 1, .fn = ctl_campaign_show },
	{ .words = { "campaign", "set" },
	  .usage = "campaign set [--state enabled|disabled] [--snooze-days N] [--snooze-limit N] [--include G]... [--exclude G]... [--no-include] [--no-exclude]",
	  .need_conf = 1, .need_store = 1, .fn = ctl_campaign_set },
	{ .words = { "campaign", "status" }, .usage = "campaign status",
	  .need_conf = 1, .need_store = 1, .fn = ctl_campaign_status },
	{ .words = { "group", "add" }, .usage = "group add NAME",
	  .need_conf = 1, .need_store = 1, .fn = ctl_group_add },
	{ .words = { "directory", "status" }, .usage = "directory status",
	  .need_conf = 1, .fn = ctl_directory_status },
	{ .words = { "webauthn", "verify-registration" },
	  .usage = "webauthn verify-registration --rp-id ID --origin ORIGIN --challenge B64URL [--trust PEM]... < RegistrationResponseJSON",
	  .fn = ctl_webauthn_verify_registration },
	{ .words = { "webauthn", "verify-assertion" },
	  .usage = "webauthn verify-assertion --rp-id ID --origin ORIGIN --challenge B64URL --credential RECORD.json < AuthenticationResponseJSON",
	  .fn = ctl_webauthn_verify_assertion },
	{ .words = { "mds", "import" }, .usage = "mds import FILE [--root PEM]",
	  .need_conf = 1, .fn = ctl_mds_import },
	{ .words = { "mds", "show" }, .usage = "mds show", .need_conf = 1, .fn = ctl_mds_show },
};

static void
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: latchkeyctl [-c FILE] [--json] COMMAND ...\ncommands:\n");
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		fprintf(stderr, "  %s\n", ctl_cmds[i].usage);
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl		 ctl = { .status = 0 };
	const struct ctl_cmd	*cmd = NULL;
	char			 err[CONF_ERR_MAX];
	size_t			 i;
	int			 ch, used, rc, verbose = 0;

	if ((ctl.conf_path = getenv("LATCHKEY_CONF")) == NULL)
		ctl.conf_path = CTL_DEFAULT_CONF;
	/* '+': stop at the command word, so command options stay with it. */
	while ((ch = getopt_long(argc, argv, "+c:jvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			ctl.conf_path = optarg;
			break;
		case 'j':
			ctl.json = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	log_init(1, verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN, "latchkeyctl");
	signal(SIGPIPE, SIG_IGN);	/* a dropped directory connection is an error, not a death */
	if (argc < 1)
		usage();
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		if (strcmp(argv[0], ctl_cmds[i].words[0]) != 0)
			continue;
		if (ctl_cmds[i].words[1] == NULL) {
			cmd = &ctl_cmds[i];
			used = 1;
			break;
		}
		if (argc >= 2 && strcmp(argv[1], ctl_cmds[i].words[1]) == 0) {
			cmd = &ctl_cmds[i];
			used = 2;
			break;
		}
	}
	if (cmd == NULL)
		usage();
	/* --json may also follow the command words. */
	for (i = (size_t)used; i < (size_t)argc; i++)
		if (strcmp(argv[i], "--json") == 0) {
			ctl.json = 1;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - (int)i) * sizeof(*argv));
			argc--;
			i--;
		}

	if (cmd->need_conf &&
	    (ctl.conf = conf_load(ctl.conf_path, err, sizeof(err))) == NULL)
		return ctl_fail(&ctl, "config", "%s", err) ? 2 : 2;
	if ((ctl.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (cmd->need_store && ctl_connect(&ctl) == -1) {
		rc = 1;
		goto done;
	}
	/* The handler sees its own words as argv[0] so getopt works on the rest. */
	rc = cmd->fn(&ctl, argc - used + 1, argv + used - 1);
done:
	store_free(ctl.store);
	event_base_free(ctl.base);
	conf_free(ctl.conf);
	return rc;
}

void
ctl_wait(struct ctl *ctl)
{
	while (!ctl->done)
		if (event_base_loop(ctl->base, EVLOOP_ONCE) == -1)
			fatalx("event loop failed");
	ctl->done = 0;
}

int
ctl_fail(struct ctl *ctl, const char *code, const char *fmt, ...)
{
	char	*msg;
	va_list	 ap;
	json_t	*j;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	if (ctl->json) {
		j = json_pack("{s:s, s:s}", "error", code, "message", msg);
		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
	} else
		fprintf(stderr, "latchkeyctl: %s\n", msg);
	free(msg);
	return 1;
}

void
ctl_print(struct ctl *ctl, json_t *j, void (*text)(json_t *))
{
	if (ctl->json || text == NULL) {
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	} else
		text(j);
	json_decref(j);
}

/* Connects to the directory of the configuration; waits at most the LDAP timeout + 2 s. */
int
ctl_store_open(struct ctl *ctl)
{
	struct event	*timer;
	struct timeval	 tv;
	uint64_t	 ms = ctl->conf->ldap_timeout_ms + 2000;

	ctl->store = store_new(ctl->base, ctl->conf);
	store_set_state_cb(ctl->store, ctl_on_state, ctl);
	timer = evtimer_new(ctl->base, ctl_on_connect_timeout, ctl);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(timer, &tv);
	store_start(ctl->store);
	ctl_wait(ctl);
	event_free(timer);
	return store_state(ctl->store) == STORE_UP ? 0 : -1;
}

/* Connects, or says why not and how to fix it. */
static int
ctl_connect(struct ctl *ctl)
{
	if (ctl_store_open(ctl) == 0)
		return 0;
	if (ctl->conf->embedded)
		ctl_fail(ctl, "directory_unavailable",
		    "the embedded directory at %s does not answer (%s): is latchkeyd running?",
		    ctl->conf->ldap_uris[0], store_reason(ctl->store));
	else
		ctl_fail(ctl, "directory_unavailable", "the directory does not answer: %s",
		    store_reason(ctl->store));
	return -1;
}

static void
ctl_on_state(enum store_state state, const char *reason, void *arg)
{
	struct ctl	*ctl = arg;

	(void)reason;
	/* The first failure is the answer: a CLI does not wait out the backoff. */
	if (state == STORE_UP || state == STORE_DOWN)
		ctl->done = 1;
}

static void
ctl_on_connect_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl	*ctl = arg;

	(void)fd;
	(void)ev;
	ctl->done = 1;
}
