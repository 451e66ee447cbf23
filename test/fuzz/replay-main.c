/*
 * replay-main.c - run a fuzz target over files and directories
 *
 * Used when the project is built without -Dfuzzing=true: each target
 * becomes a program that feeds every file named on the command line
 * (directories are read one level deep, in sorted order) to
 * LLVMFuzzerTestOneInput(), so the corpus is replayed by "meson test".
 * Each input is copied into a buffer of exactly its size, as libFuzzer
 * does, so that AddressSanitizer (b_sanitize) catches overreads.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	FILE	*fp;
	uint8_t	*data = NULL, *copy;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return (-1);
	}
	for (;;) {
		if (len == cap) {
			cap = cap != 0 ? cap * 2 : 4096;
			if ((data = realloc(data, cap)) == NULL) {
				perror("realloc");
				exit(1);
			}
		}
		if ((n = fread(data + len, 1, cap - len, fp)) == 0)
			break;
		len += n;
	}
	if (ferror(fp)) {
		fprintf(stderr, "%s: read error\n", path);
		fclose(fp);
		free(data);
		return (-1);
	}
	fclose(fp);
	/* exact-size copy: one byte past the end is a redzone under ASan */
	if ((copy = malloc(len != 0 ? len : 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	if (len != 0)
		memcpy(copy, data, len);
	free(data);
	(void)LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return (0);
}

static int
cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static int
run_dir(const char *dir, unsigned *count)
{
	DIR	*d;
	struct dirent *de;
	char	**names = NULL, path[4096];
	size_t	 n = 0, i;
	int	 rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (names[n] = strdup(de->d_name)) == NULL) {
			perror("malloc");
			exit(1);
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (run_file(path) != 0)
			rc = -1;
		else
			(*count)++;
		free(names[i]);
	}
	free(names);
	return (rc);
}

int
main(int argc, char **argv)
{
	struct stat st;
	unsigned count = 0;
	int	 i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file|directory ...\n", argv[0]);
		return (2);
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) != 0)
				rc = 1;
		} else if (run_file(argv[i]) != 0)
			rc = 1;
		else
			count++;
	}
	printf("%s: %u inputs replayed\n", argv[0], count);
	if (count == 0)
		rc = 1;
	return (rc);
}
