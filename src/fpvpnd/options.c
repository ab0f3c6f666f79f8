#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/pkt.h"

static const char usage[] =
	"usage: fpvpnd -c FILE [-s SOCKET] [--state FILE] [--pipes N] [--pin] [--no-offload-io]\n"
	"              [--rx-coalesce USEC] [--daemon] [--log FILE] [--allow-core-dumps]\n"
	"       fpvpnd -c FILE --offline --read IF=IN.pcap [--read IF=IN.pcap]...\n"
	"              [--write IF=OUT.pcap]... [--exec \"COMMAND\"]... [--burst N]\n"
	"\n"
	"  -c, --config FILE   ASA-style configuration (see docs/configuration.md)\n"
	"  -s, --socket PATH   control socket (default /run/fpvpn/fpvpnd.sock)\n"
	"      --state FILE    manual keys' sequence numbers, kept across restarts\n"
	"                      (default: the configuration's path + \".state\")\n"
	"      --pipes N       engine pipes, one worker thread each (default: one per CPU)\n"
	"      --pin           pin worker i to CPU i\n"
	"      --no-offload-io no TUN TSO/USO, no UDP GSO/GRO (one packet per system call)\n"
	"      --rx-coalesce USEC  a worker that found packets waits USEC (0-1000) before\n"
	"                      it looks again, as a NIC's rx-usecs: more packets per\n"
	"                      system call under load, up to USEC more latency (default 0: off)\n"
	"      --daemon        detach from the terminal (default: foreground, systemd style)\n"
	"  -l, --log FILE      log to FILE instead of stderr; SIGHUP opens it again\n"
	"      --allow-core-dumps  debugging: let the process dump core and be read by\n"
	"                      debuggers of its user (the core holds the session keys)\n"
	"      --offline       read packets from pcap files instead of interfaces\n"
	"      --read IF=FILE  packets arriving on interface IF (nameif or device);\n"
	"                      Ethernet, Linux cooked or raw IP captures\n"
	"      --write IF=FILE what leaves interface IF, as a raw IP capture\n"
	"      --exec COMMAND  run a show/clear command afterwards and print its output\n"
	"      --burst N       packets per vector handed to the engine (1-256, default 32)\n"
	"  -h, --help          this text\n"
	"  -V, --version       version\n";

static int opt_file(struct fp_opt_file *files, unsigned *n, char *arg, const char *what)
{
	char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1]) {
		fprintf(stderr, "fpvpnd: --%s wants IF=FILE, got '%s'\n", what, arg);
		return -1;
	}
	if (*n >= FP_OPT_MAX_FILES) {
		fprintf(stderr, "fpvpnd: at most %d --%s options\n", FP_OPT_MAX_FILES, what);
		return -1;
	}
	*eq = '\0';
	files[*n].iface = arg;
	files[*n].path = eq + 1;
	(*n)++;
	return 0;
}

static int opt_burst(struct fp_options *o, const char *arg)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);
	if (*end || v < 1 || v > FP_VEC_MAX) {
		fprintf(stderr, "fpvpnd: --burst wants 1-%u, got '%s'\n", FP_VEC_MAX, arg);
		return -1;
	}
	o->burst = (unsigned)v;
	return 0;
}

static int opt_coalesce(struct fp_options *o, const char *arg)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);
	if (*end || !*arg || v > 1000) {
		fprintf(stderr, "fpvpnd: --rx-coalesce wants 0-1000 microseconds, got '%s'\n", arg);
		return -1;
	}
	o->rx_coalesce_us = (unsigned)v;
	return 0;
}

static int opt_one(struct fp_options *o, int c, char *arg)
{
	switch (c) {
	case 'c':
		o->config = arg;
		return 0;
	case 'o':
		o->offline = true;
		return 0;
	case 'r':
		return opt_file(o->reads, &o->n_reads, arg, "read");
	case 'w':
		return opt_file(o->writes, &o->n_writes, arg, "write");
	case 'e':
		if (o->n_exec >= FP_OPT_MAX_EXEC) {
			fprintf(stderr, "fpvpnd: at most %d --exec options\n", FP_OPT_MAX_EXEC);
			return -1;
		}
		o->exec[o->n_exec++] = arg;
		return 0;
	case 'b':
		return opt_burst(o, arg);
	case 's':
		o->socket = arg;
		return 0;
	case 'S':
		o->state = arg;
		return 0;
	case 'p':
		o->pipes = (unsigned)strtoul(arg, NULL, 10);
		if (o->pipes < 1 || o->pipes > 32) {
			fprintf(stderr, "fpvpnd: --pipes wants 1-32, got '%s'\n", arg);
			return -1;
		}
		return 0;
	case 'P':
		o->pin = true;
		return 0;
	case 'N':
		o->no_offload_io = true;
		return 0;
	case 'R':
		return opt_coalesce(o, arg);
	case 'D':
		o->daemon = true;
		return 0;
	case 'l':
		o->log = arg;
		return 0;
	case 'C':
		o->allow_core_dumps = true;
		return 0;
	case 'h':
		fputs(usage, stdout);
		return 1;
	case 'V':
		puts("fpvpnd " FPVPN_VERSION);
		return 1;
	default:
		fputs(usage, stderr);
		return -1;
	}
}

/* --daemon changes to / before the files are opened: a relative path
 * would then name another file (another state file: sequence numbers from
 * 1 again). It is made absolute here, from where fpvpnd was started. */
static int opt_absolute(const char **path, char *buf, size_t len)
{
	char cwd[4096];
	if (!*path || **path == '/')
		return 0;
	if (!getcwd(cwd, sizeof(cwd)) ||
	    (size_t)snprintf(buf, len, "%s/%s", cwd, *path) >= len) {
		fprintf(stderr, "fpvpnd: cannot make '%s' an absolute path for --daemon\n", *path);
		return -1;
	}
	*path = buf;
	return 0;
}

static int opt_daemon_paths(struct fp_options *o)
{
	static char abs[4][FP_OPT_PATH_MAX];
	const char **paths[4] = {&o->config, &o->state, &o->log, &o->socket};
	for (unsigned i = 0; i < 4; i++)
		if (opt_absolute(paths[i], abs[i], sizeof(abs[i])) < 0)
			return -1;
	return 0;
}

int fp_options_parse(struct fp_options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"offline", no_argument, NULL, 'o'},
		{"read", required_argument, NULL, 'r'},   {"write", required_argument, NULL, 'w'},
		{"exec", required_argument, NULL, 'e'},   {"burst", required_argument, NULL, 'b'},
		{"socket", required_argument, NULL, 's'}, {"pipes", required_argument, NULL, 'p'},
		{"pin", no_argument, NULL, 'P'},          {"no-offload-io", no_argument, NULL, 'N'},
		{"rx-coalesce", required_argument, NULL, 'R'},
		{"daemon", no_argument, NULL, 'D'},       {"log", required_argument, NULL, 'l'},
		{"state", required_argument, NULL, 'S'},
		{"allow-core-dumps", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c, r;
	memset(o, 0, sizeof(*o));
	o->burst = 32;
	while ((c = getopt_long(argc, argv, "c:s:l:hV", longopts, NULL)) != -1)
		if ((r = opt_one(o, c, optarg)) != 0)
			return r;
	if (optind < argc || !o->config) {
		fprintf(stderr, optind < argc ? "fpvpnd: unexpected argument '%s'\n"
					      : "fpvpnd: -c FILE is required%s\n",
			optind < argc ? argv[optind] : "");
		fputs(usage, stderr);
		return -1;
	}
	return o->daemon ? opt_daemon_paths(o) : 0;
}
