/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for kernel API differences, selected by the probes in
 * compat/Kbuild.include.  Force-included into every file of the module.
 */
#ifndef COPYOFFLOAD_COMPAT_H
#define COPYOFFLOAD_COMPAT_H

#endif /* COPYOFFLOAD_COMPAT_H */
