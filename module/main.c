// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: the misc device /dev/copyoffload and its ioctls.
 *
 * Who may open the device: everyone (mode 0666).  Every operation acts only
 * on file descriptors the caller already holds and applies the checks of the
 * matching system call (copy_file_range(2), FICLONERANGE, FIDEDUPERANGE), so
 * opening the device grants nothing by itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/string.h>

#include "copyoffload.h"

static long co_ioctl_info(void __user *arg)
{
	struct copyoffload_info info = {};
	u32 usize;

	if (get_user(usize, (u32 __user *)arg))
		return -EFAULT;
	if (usize < COPYOFFLOAD_INFO_SIZE_VER0)
		return -EINVAL;

	info.size = min_t(u32, usize, sizeof(info));
	info.abi_version = COPYOFFLOAD_ABI_VERSION;
	info.max_jobs = READ_ONCE(co_max_jobs_per_user);
	/* max_jobs_per_user 0: the administrator turned jobs off */
	info.features = CO_FEATURES & ~(info.max_jobs ? 0 : COPYOFFLOAD_FEAT_JOBS);
	info.flags = CO_F_ALL;
	info.max_ranges = COPYOFFLOAD_MAX_RANGES;
	info.chunk_size = CO_CHUNK_SIZE;
	strscpy(info.version, COPYOFFLOAD_VERSION, sizeof(info.version));
	info.nr_methods = CO_METHOD_NR;
	info.req_size = sizeof(struct copyoffload_req);
	info.range_size = sizeof(struct copyoffload_range);
	info.devinfo_size = sizeof(struct copyoffload_devinfo);
	info.devinfo_flags = CO_DEVINFO_F_ALL;

	/* A newer caller's larger structure keeps its tail as it was. */
	if (copy_to_user(arg, &info, info.size))
		return -EFAULT;
	return 0;
}

static long co_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case COPYOFFLOAD_IOC_INFO:
		return co_ioctl_info(uarg);
	case COPYOFFLOAD_IOC_RUN:
		return co_ioctl_run(uarg);
	case COPYOFFLOAD_IOC_DEVINFO:
		return co_ioctl_devinfo(uarg);
	case COPYOFFLOAD_IOC_SUBMIT:
		return co_ioctl_submit(file->private_data, uarg);
	case COPYOFFLOAD_IOC_WAIT:
		return co_ioctl_wait(file->private_data, uarg);
	case COPYOFFLOAD_IOC_CANCEL:
		return co_ioctl_cancel(file->private_data, arg);
	default:
		return -ENOTTY;
	}
}

/* Each open file owns the jobs submitted through it (job.c). */
static int co_open(struct inode *inode, struct file *file)
{
	file->private_data = co_owner_new();
	return file->private_data ? 0 : -ENOMEM;
}

static int co_release(struct inode *inode, struct file *file)
{
	co_owner_release(file->private_data);
	return 0;
}

static const struct file_operations co_fops = {
	.owner		= THIS_MODULE,
	.open		= co_open,
	.release	= co_release,
	.unlocked_ioctl	= co_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice co_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "copyoffload",
	.fops	= &co_fops,
	.mode	= 0666,
};

static int __init co_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct copyoffload_info) != COPYOFFLOAD_INFO_SIZE_VER1);
	BUILD_BUG_ON(sizeof(struct copyoffload_range) != COPYOFFLOAD_RANGE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct copyoffload_req) != COPYOFFLOAD_REQ_SIZE_VER1);
	BUILD_BUG_ON(sizeof(struct copyoffload_devinfo) !=
		     COPYOFFLOAD_DEVINFO_SIZE_VER2);
	BUILD_BUG_ON(sizeof(struct copyoffload_devinfo_nvme) > 128);
	BUILD_BUG_ON(CO_METHOD_NR > COPYOFFLOAD_METHODS_MAX);
	/* 16, 17 and 31 are the library's (uapi): skip them when we get there */
	BUILD_BUG_ON(CO_METHOD_NR > 16);

	co_odx_init();
	ret = co_stats_init();
	if (ret)
		return ret;
	ret = co_jobs_init();
	if (ret)
		goto err_stats;
	ret = co_genl_init();
	if (ret) {
		pr_err("cannot register the netlink family: %d\n", ret);
		goto err_jobs;
	}
	ret = misc_register(&co_miscdev);
	if (ret) {
		pr_err("cannot register /dev/copyoffload: %d\n", ret);
		goto err_genl;
	}
	pr_info("version %s loaded\n", COPYOFFLOAD_VERSION);
	return 0;

err_genl:
	co_genl_exit();
err_jobs:
	co_jobs_exit();
err_stats:
	co_stats_exit();
	return ret;
}

static void __exit co_exit(void)
{
	misc_deregister(&co_miscdev);
	co_genl_exit();
	co_jobs_exit();
	co_discover_exit();
	co_stats_exit();
}

module_init(co_init);
module_exit(co_exit);

MODULE_DESCRIPTION("Range-array clone, dedupe and copy offload");
MODULE_AUTHOR("The copyoffload authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(COPYOFFLOAD_VERSION);
