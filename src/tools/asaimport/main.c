/* sslvpn-asa-import [--cert-dir DIR] [--listen ADDR] [FILE]: an ASA
 * running-config (FILE or standard input) to sslvpnd.conf on standard
 * output; the report on standard error.  Exit 0: complete; 1: errors
 * reported (the output needs the fixes the report names); 2: usage or I/O. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "asaimport.h"

static void usage(FILE *fp)
{
	fputs("usage: sslvpn-asa-import [--cert-dir DIR] [--listen ADDR] [FILE]\n"
	      "  ASA show running-config (or show run all) text from FILE or standard input;\n"
	      "  sslvpnd.conf on standard output, the report on standard error.\n"
	      "  --cert-dir DIR   write crypto ca certificate chains there as PEM files\n"
	      "  --listen ADDR    address of interfaces whose address the input lacks\n", fp);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert-dir", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct asaimport_opts o = { .hash_cleartext = 1 };
	FILE *in = stdin;
	int c, rc;

	while ((c = getopt_long(argc, argv, "d:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.cert_dir = optarg;
			break;
		case 'l':
			o.listen = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	if (optind < argc && strcmp(argv[optind], "-")) {
		in = fopen(argv[optind], "r");
		if (!in) {
			fprintf(stderr, "sslvpn-asa-import: cannot open %s: %m\n", argv[optind]);
			return 2;
		}
		o.source = argv[optind];
	}
	rc = asaimport_run(in, stdout, stderr, &o);
	if (in != stdin)
		fclose(in);
	if (rc < 0) {
		fputs("sslvpn-asa-import: cannot write the configuration\n", stderr);
		return 2;
	}
	return rc ? 1 : 0;
}
