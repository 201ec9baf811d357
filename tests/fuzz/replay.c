/* main() for the fuzz targets in the normal build: feeds each corpus file
 * to LLVMFuzzerTestOneInput, as `make check` runs them (tests/fuzz/fuzz.h).
 *
 *   fuzz_http [FILE|DIR]...
 *
 * Without arguments: $top_srcdir/tests/fuzz/corpus/<program name>/ (every
 * regular file, sorted).  Prints one line per input with -v, and a summary;
 * exits 0 when every input ran, 1 when the corpus is missing or empty (a
 * target without seeds tests nothing), and aborts on a failed CHECK or a
 * sanitizer finding, naming the input first. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int verbose;

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!fp || fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET)) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (fp)
			fclose(fp);
		return -1;
	}
	/* an exact-size heap copy: ASan sees any read past the input */
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fprintf(stderr, "replay: %s: short read\n", path);
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	fprintf(stderr, "%s%s\n", verbose ? "" : "\r", path);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_path(const char *path, int *count)
{
	struct dirent **ents;
	struct stat st;
	int n, rc = 0;

	if (stat(path, &st)) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	if ((n = scandir(path, &ents, NULL, by_name)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && !stat(sub, &st) &&
		    S_ISREG(st.st_mode)) {
			(*count)++;
			rc |= run_file(sub);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *top = getenv("top_srcdir");
	char dir[4096];
	int count = 0, rc = 0, i = 1;

	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = 1;
		i++;
	}
	if (i == argc) {
		/* libtool-free build: the program name is the target's */
		if (!strncmp(name, "lt-", 3))
			name += 3;
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top ? top : ".",
			 name);
		rc = run_path(dir, &count);
	}
	for (; i < argc; i++)
		rc |= run_path(argv[i], &count);
	fprintf(stderr, "\n%s: %d inputs replayed\n", name, count);
	return rc || count == 0 ? 1 : 0;
}
