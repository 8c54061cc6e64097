/*
 * cli-t.h - the control socket (types only).
 */
#ifndef MUXLAB_CLI_T_H
#define MUXLAB_CLI_T_H

/* HAProxy's access levels of a stats socket ("level" keyword): what a
 * client of that socket may run. The "set" commands need admin. */
enum cli_level {
	CLI_LEVEL_USER = 0,	/* show commands */
	CLI_LEVEL_OPERATOR,	/* the same in muxlab */
	CLI_LEVEL_ADMIN,	/* everything */
};

#endif /* MUXLAB_CLI_T_H */
