#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *log_path;

int fp_log_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	fflush(stderr);
	int rc = dup2(fd, STDERR_FILENO) < 0 ? -1 : 0;
	int why = errno;
	close(fd);
	errno = why;
	if (rc == 0)
		log_path = path;
	return rc;
}

void fp_log_reopen(void)
{
	if (log_path && fp_log_open(log_path) < 0)
		fprintf(stderr, "fpvpnd: cannot open the log %s again: %s\n", log_path,
			strerror(errno));
}
