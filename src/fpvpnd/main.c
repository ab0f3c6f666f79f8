#include <stdio.h>

int main(void)
{
	fprintf(stderr, "fpvpnd: not yet wired\n");
	return 1;
}
