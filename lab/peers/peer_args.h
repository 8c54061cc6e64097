/*
 * peer_args.h - the command lines of peer-server and loadgen, for muxlab.
 *
 * Each program parses its options with one function (srv_parse_args() in
 * peer_server_args.c, lg_parse_args() in loadgen_args.c), over one getopt
 * table. muxlab links the same two files and checks every "#@lab peer" and
 * "#@lab load" line with them at parse time (src/cfg.c, so `muxlab -c`
 * too): a line passes exactly when the program would accept it, and a new
 * option needs no second copy anywhere.
 *
 * This header is what muxlab sees: no type of the peers. The parse
 * functions themselves are declared with their config structs, in
 * peer_server.h and loadgen.h.
 */
#ifndef MUXLAB_PEER_ARGS_H
#define MUXLAB_PEER_ARGS_H

/* What a parse function returns. */
#define PEER_ARGS_OK	0	/* the config is filled */
#define PEER_ARGS_HELP	1	/* --help: print the usage on stdout, exit 0 */
#define PEER_ARGS_BAD	(-1)	/* message printed; exit 2 */
#define PEER_ARGS_USAGE	(-2)	/* message printed, the usage would help;
				 * exit 2 */

/* Flags of the parse functions. */
#define PEER_ARGS_CHECK	0x1	/* only check, for muxlab: no side effect
				 * (--ready-fd is not looked at), --help
				 * refused */

/*
 * peer_server_check_args / loadgen_check_args - would the program accept
 * these options?
 *
 * @prefix: start of each error message, e.g. "f.cfg:12: peer s1"
 * @argc, @argv: the options, argv[0] being the program's name (unused);
 *               getopt may reorder argv
 *
 * Parses as the program does, into a scratch config that is thrown away.
 * Errors are printed on stderr as "<prefix>: <what>". Returns 0 if the
 * program would start with them, -1 otherwise. Not thread-safe (getopt's
 * globals): muxlab's main thread, while it reads its config.
 */
int peer_server_check_args(const char *prefix, int argc, char **argv);
int loadgen_check_args(const char *prefix, int argc, char **argv);

#endif /* MUXLAB_PEER_ARGS_H */
