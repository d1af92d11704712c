/*
 * ctl.h: what the latchkeyctl commands share: the parsed command line, the
 * configuration, and a synchronous front to the asynchronous store (the CLI
 * runs the same event loop code as the daemon, one operation at a time).
 */
#ifndef LATCHKEY_CTL_H
#define LATCHKEY_CTL_H

#include <jansson.h>

struct conf;
struct event_base;
struct store;

struct ctl {
	const char		*conf_path;
	struct conf		*conf;
	struct event_base	*base;
	struct store		*store;
	int			 json;		/* --json: machine-readable output */
	int			 done;		/* set by callbacks to end ctl_wait */
	int			 status;	/* exit status the command settles on */
};

/* One command: words to match ("user", "add"), then the handler with the rest of argv. */
struct ctl_cmd {
	const char	*words[2];
	const char	*usage;
	int		 need_conf;	/* reads the configuration file */
	int		 need_store;	/* connects to the directory first */
	int		 (*fn)(struct ctl *, int argc, char **argv);
};

/* Connects to the directory; 0 when up, -1 (quietly) when not. */
int	 ctl_store_open(struct ctl *);
/* Runs the event loop until ctl->done is set. */
void	 ctl_wait(struct ctl *);
/* Prints "latchkeyctl: reason" (or {"error":code,"message":reason} with --json) and returns 1. */
int	 ctl_fail(struct ctl *, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Prints j as JSON (--json), or with the text printer; takes the reference. */
void	 ctl_print(struct ctl *, json_t *j, void (*text)(json_t *));

int	 ctl_init(struct ctl *, int, char **);
int	 ctl_user_add(struct ctl *, int, char **);
int	 ctl_user_show(struct ctl *, int, char **);
int	 ctl_group_add(struct ctl *, int, char **);
int	 ctl_directory_status(struct ctl *, int, char **);
int	 ctl_webauthn_verify_registration(struct ctl *, int, char **);
int	 ctl_webauthn_verify_assertion(struct ctl *, int, char **);
int	 ctl_mds_import(struct ctl *, int, char **);
int	 ctl_mds_show(struct ctl *, int, char **);
int	 ctl_tap_issue(struct ctl *, int, char **);
int	 ctl_tap_revoke(struct ctl *, int, char **);
int	 ctl_profile_add(struct ctl *, int, char **);
int	 ctl_profile_set(struct ctl *, int, char **);
int	 ctl_profile_show(struct ctl *, int, char **);
int	 ctl_profile_list(struct ctl *, int, char **);
int	 ctl_profile_delete(struct ctl *, int, char **);
int	 ctl_tap_policy_show(struct ctl *, int, char **);
int	 ctl_tap_policy_set(struct ctl *, int, char **);
int	 ctl_campaign_show(struct ctl *, int, char **);
int	 ctl_campaign_set(struct ctl *, int, char **);
int	 ctl_campaign_status(struct ctl *, int, char **);

#endif
