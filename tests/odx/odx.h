/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odx-target: a test-only SCSI block target that speaks ODX (POPULATE
 * TOKEN / WRITE USING TOKEN / RECEIVE ROD TOKEN INFORMATION), served from
 * userspace through LIO's user backstore (target_core_user).
 *
 * One process serves every TCMU device whose configuration string starts
 * with "odx/" (dev_config=odx/PATH-OF-BACKING-FILE), so that a token made on
 * one LUN can be written through another.  Single-threaded: one poll loop
 * over the generic netlink socket (device added/removed) and the UIO
 * devices (command rings).  See tests/odx/README for the interface.
 */
#ifndef ODX_TARGET_H
#define ODX_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
/* <linux/uio.h>'s struct iovec is glibc's: take glibc's, skip the kernel's. */
#define __LINUX_UIO_H
#include <linux/types.h>
#include <linux/target_core_user.h>

#define ODX_VENDOR		"ODXTEST "
#define ODX_PRODUCT		"odx-target      "
#define ODX_REVISION		"0001"

#define ODX_MAX_DEVS		32
#define ODX_MAX_LISTS		32	/* list identifiers remembered per LU */
#define ODX_MAX_RANGES		64	/* block device range descriptors */
#define ODX_TOKEN_LEN		512
#define ODX_MAX_TOKENS		256	/* live and dead tokens remembered */

#define ODX_ROD_AUR		0x00010000u	/* access upon reference */
#define ODX_ROD_PIT_DEFAULT	0x00800000u
#define ODX_ROD_PIT_VULN	0x00800001u	/* point in time, change vulnerable */
#define ODX_ROD_ZERO		0xffff0001u	/* block device zero ROD token */

/* SCSI status and sense keys we use */
#define SAM_GOOD		0x00
#define SAM_CHECK_CONDITION	0x02
#define SK_NO_SENSE		0x0
#define SK_NOT_READY		0x2
#define SK_MEDIUM_ERROR		0x3
#define SK_HARDWARE_ERROR	0x4
#define SK_ILLEGAL_REQUEST	0x5
#define SK_UNIT_ATTENTION	0x6
#define SK_COPY_ABORTED		0xa

/* ---- big-endian helpers ------------------------------------------------ */

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, v);
}

/* ---- devices and commands ---------------------------------------------- */

struct odx_dev;

/* One SCSI command taken off a ring, and later its answer. */
struct odx_cmd {
	struct odx_dev *dev;
	struct odx_cmd *next;		/* in the device's completion queue */
	uint16_t cmd_id;
	uint8_t cdb[32];
	unsigned int cdb_len;
	size_t data_len;		/* sum of the data iovecs */
	uint64_t due_ms;		/* complete at (delay knob) */
	uint8_t status;
	uint8_t sense_len;
	uint8_t sense[TCMU_SENSE_BUFFERSIZE];
	uint32_t read_len;		/* data-in bytes, 0: not set */
	int iov_cnt;
	struct iovec iov[];		/* addresses in our mapping */
};

/* What a list identifier remembers for RECEIVE ROD TOKEN INFORMATION. */
struct odx_list {
	bool used;
	uint32_t list_id;
	uint8_t sa;			/* 0x10 PT, 0x11 WUT */
	uint8_t cstat;			/* copy operation status */
	uint64_t tc;			/* transfer count, logical blocks */
	uint16_t segs;
	uint8_t sense_len;
	uint8_t sense[TCMU_SENSE_BUFFERSIZE];
	bool has_token;
	uint8_t token[ODX_TOKEN_LEN];
	uint64_t stamp;
	uint64_t done_ms;		/* odx_now_ms() when it ended */
};

struct odx_stats {
	uint64_t read_bytes;		/* READ: data that crossed to the host */
	uint64_t write_bytes;		/* WRITE */
	uint64_t wut_bytes;		/* written by WRITE USING TOKEN (copy) */
	uint64_t zero_bytes;		/* written by the zero ROD token */
	uint64_t pt_cmds, wut_cmds, rrti_cmds, cmds, faults;
	uint64_t xcopy_bytes;		/* written by EXTENDED COPY (copy) */
	uint64_t xcopy_cmds, xcopy_segs; /* EXTENDED COPYs, segments done */
};

struct odx_dev {
	bool used;
	unsigned int minor;		/* /dev/uioN */
	unsigned int hba;		/* user_HBA in configfs */
	char name[64];			/* the backstore's name */
	char path[256];			/* backing file */
	int uio_fd, fd;
	void *map;
	size_t map_len;
	struct tcmu_mailbox *mb;
	uint8_t *cmdr;
	uint32_t cmdr_size;
	uint32_t head;			/* next entry to read */
	uint32_t tail;			/* next entry to complete into */
	uint32_t block_size;
	uint64_t nr_blocks;
	uint32_t max_xfer;		/* blocks per READ/WRITE */
	uint8_t naa[16];
	char serial[33];
	struct odx_cmd *done_head;	/* answered, waiting to be completed */
	unsigned int inflight;
	struct odx_list lists[ODX_MAX_LISTS];
	struct odx_stats st;
};

/* main.c */
extern int odx_verbose;
extern const char *odx_state_dir;
extern uint32_t odx_max_token_blocks;	/* VPD 0x8F maximum transfer size */
void odx_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define odx_dbg(...) do { if (odx_verbose) odx_log(__VA_ARGS__); } while (0)
uint64_t odx_now_ms(void);
struct odx_dev *odx_dev_by_index(int i);
void odx_stats_dirty(void);

/* tcmu.c: the UIO side */
int tcmu_open_dev(struct odx_dev *dev, unsigned int minor);
void tcmu_close_dev(struct odx_dev *dev);
int tcmu_find_minor(const char *uio_name, unsigned int *minor);
bool tcmu_claims(const char *uio_name);
void tcmu_process(struct odx_dev *dev);
void tcmu_complete_due(struct odx_dev *dev, uint64_t now);
uint64_t tcmu_next_due(const struct odx_dev *dev);

/* nl.c: TCMU device events over generic netlink */
int nl_open(void);
int nl_fd(void);
typedef void (*nl_event_fn)(int cmd, const char *uio_name, unsigned int minor);
void nl_process(nl_event_fn fn);
void nl_close(void);

/* scsi.c: dispatch and the plain disk commands */
void scsi_exec(struct odx_cmd *c);
void cmd_sense(struct odx_cmd *c, uint8_t key, uint8_t asc, uint8_t ascq);
void cmd_invalid_field(struct odx_cmd *c, bool in_cdb, unsigned int byte);
size_t cmd_data_in(struct odx_cmd *c, const void *buf, size_t len);
size_t cmd_data_out(struct odx_cmd *c, void *buf, size_t len);
bool lba_range_ok(struct odx_cmd *c, uint64_t lba, uint64_t n);
int dev_pread(struct odx_dev *dev, void *buf, size_t len, uint64_t off);
int dev_pwrite(struct odx_dev *dev, const void *buf, size_t len, uint64_t off);
int dev_zero(struct odx_dev *dev, uint64_t off, uint64_t len);
void scsi_rsoc(struct odx_cmd *c);

/* vpd.c: INQUIRY */
void scsi_inquiry(struct odx_cmd *c);
void dev_make_ids(struct odx_dev *dev);

/* odx.c: tokens and the third-party copy commands */
void odx_populate_token(struct odx_cmd *c);
void odx_write_using_token(struct odx_cmd *c);
void odx_rrti(struct odx_cmd *c);
void odx_note_write(struct odx_dev *dev, uint64_t lba, uint64_t n);
void odx_dev_gone(struct odx_dev *dev);
void odx_expire_all(void);
uint32_t odx_default_timeout(void);
uint32_t odx_max_timeout(void);
void odx_record_failure(struct odx_cmd *c);

/* xcopy.c: EXTENDED COPY (LID1), while the xcopy knob is set */
void odx_extended_copy(struct odx_cmd *c);
void odx_copy_params(struct odx_cmd *c);
bool odx_xcopy_offered(void);

/* knobs.c: fault injection through the control file */
void knobs_refresh(void);
bool knobs_fault(struct odx_cmd *c);
uint32_t knobs_delay_ms(const struct odx_cmd *c);
uint64_t knobs_wut_limit(void);
uint64_t knobs_pt_limit(void);
uint32_t knobs_token_timeout(void);
bool knobs_ddpt_quirk(void);
uint32_t knobs_rrti_busy(void);
unsigned int knobs_xcopy_segments(void);
unsigned int knobs_xcopy_fail_segment(void);

#endif
