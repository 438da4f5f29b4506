/* SPDX-License-Identifier: GPL-2.0 */
/* "copyoffload nvme-setup" (tools/nvme.c). */
#ifndef COPYOFFLOAD_TOOLS_NVME_H
#define COPYOFFLOAD_TOOLS_NVME_H

void co_nvme_setup_usage(void);
/* NAME: "nvme-setup", for messages; argv[0] is the command. */
int co_cmd_nvme_setup(const char *name, int argc, char **argv);

#endif /* COPYOFFLOAD_TOOLS_NVME_H */
