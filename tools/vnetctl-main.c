/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "vnetctl.h"

int main(int argc, char **argv)
{
	return vnetctl_main(argc, argv, stdout, stderr);
}
