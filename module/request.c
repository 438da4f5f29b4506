// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: COPYOFFLOAD_IOC_RUN, reading and validating a request.
 */
#include <linux/fs.h>
#include "copyoffload.h"

long co_ioctl_run(void __user *arg)
{
	return -EOPNOTSUPP;
}
