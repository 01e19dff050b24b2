/*
 * The drive I/O that runs best on the libuv pool, off the JavaScript thread:
 *
 * spliceCopy: copies a range of one file descriptor to another through a pipe with
 * splice(2), so the bytes never pass through this process's memory.
 *
 * Why: writing an image whose bytes the process need not see (no hash to take while
 * writing) costs two copies through a buffer: page cache -> buffer (read) and
 * buffer -> device (the write). splice moves page references from the image's page cache
 * into the pipe and from there into the O_DIRECT write, so only the device copies. See
 * src/main/services/drives/splice-body.ts for when the drives service uses it.
 *
 * compareAt: reads a range of the drive and of the image into two buffers the caller owns and
 * compares them, on one pool thread. A read-back compares every byte of the image; done from
 * JavaScript, each chunk costs two pool round trips and a memcmp on the main thread, which
 * on a 2-core machine reading a fast drive back was a third of the read-back's time. It can
 * also hand back the XXH3-128 of each step of the image's bytes (the image's leaf hashes).
 *
 * hashAt: reads a range of the drive and hands back the XXH3-128 of each leaf of it. A drive
 * written with an image whose leaf hashes are known is read back without reading the image:
 * one read of the drive, hashed at memory speed (a RAM-backed 1 GiB: ~110-130 ms on 2
 * threads, as fast as the reads alone; comparing with the image ~150-240 ms).
 *
 * xxh3: XXH3-128 of a buffer, on the calling thread (the root over the leaf hashes).
 * xxh3Leaves: the leaf hashes of a buffer, on the calling thread (a write's own buffers).
 *
 * XXH3 is xxHash 0.8.1 (xxhash.h, BSD 2-Clause, vendored verbatim from Debian's libxxhash-dev).
 *
 * Node-API only (one binary for Node and Electron), like usocket.c.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errno_error.h"

#define XXH_INLINE_ALL
#include "xxhash.h"

/* A leaf hash: XXH3-128 in its canonical (big-endian) byte order. */
#define LEAF_HASH_BYTES 16

/* XXH3-128 of `len` bytes with a seed, in canonical order, into `out` (LEAF_HASH_BYTES). Seed 0 is plain XXH3-128. */
static void xxh3_canonical(const void *data, size_t len, uint64_t seed, uint8_t *out) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits_withSeed(data, len, (XXH64_hash_t)seed));
  memcpy(out, c.digest, LEAF_HASH_BYTES);
}

/*
 * What every pool call has: its work and its JavaScript callback. First member of each call's
 * state, so one allocation and one free serve both.
 */
typedef struct {
  napi_async_work work;
  napi_ref callback;
  /* errno of the failure and the call that failed (its side), 0 when none. */
  int err;
  const char *syscall;
} pool_call_t;

/* A zeroed call state of `size` bytes, or NULL with a JavaScript error thrown. */
static void *new_call(napi_env env, size_t size) {
  void *c = calloc(1, size);
  if (!c) napi_throw_error(env, "ENOMEM", "out of memory");
  return c;
}

static void queue_call(napi_env env, pool_call_t *c, const char *name, napi_value callback, napi_async_execute_callback execute,
                       napi_async_complete_callback complete) {
  napi_value n;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &n);
  napi_create_reference(env, callback, 1, &c->callback);
  napi_create_async_work(env, NULL, n, execute, complete, c, &c->work);
  napi_queue_async_work(env, c->work);
}

/* The error the callback gets: the failed call's errno, ECANCELED when the work never ran, else undefined. */
static napi_value call_error(napi_env env, napi_status status, pool_call_t *c, const char *what) {
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  if (status != napi_ok) return errno_error(env, ECANCELED, what);
  return c->err ? errno_error(env, c->err, c->syscall) : undefined;
}

/* Calls back (err, result) and frees the call. */
static void finish_call(napi_env env, pool_call_t *c, napi_value err, napi_value result) {
  napi_value cb, undefined, args[2] = {err, result}, ignored;
  napi_get_undefined(env, &undefined);
  napi_get_reference_value(env, c->callback, &cb);
  napi_call_function(env, undefined, cb, 2, args, &ignored);
  napi_delete_reference(env, c->callback);
  napi_delete_async_work(env, c->work);
  free(c);
}

/* The call's `n` arguments, the last its callback: false when fewer came or the last is no function. */
static bool call_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  napi_valuetype last = napi_undefined;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < n) return false;
  napi_typeof(env, argv[n - 1], &last);
  return last == napi_function;
}

/* A typed array of `want` elements' type: its data and element count. */
static bool get_typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  bool is;
  napi_typedarray_type type;
  return napi_is_typedarray(env, v, &is) == napi_ok && is && napi_get_typedarray_info(env, v, &type, len, data, NULL, NULL) == napi_ok &&
         type == want;
}

typedef struct {
  pool_call_t call;
  int in_fd, out_fd;
  int64_t in_off, out_off, len, pipe_size;
  /* Bytes that reached out_fd. */
  int64_t done;
} splice_job_t;

static void splice_execute(napi_env env, void *data) {
  (void)env;
  splice_job_t *j = data;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    j->call.err = errno;
    j->call.syscall = "pipe2";
    return;
  }
  /* A larger pipe moves more per call; above the user's limit the default size still works. */
  if (j->pipe_size > 0) (void)fcntl(p[1], F_SETPIPE_SZ, (int)j->pipe_size);
  loff_t in_off = j->in_off, out_off = j->out_off;
  while (j->done < j->len) {
    ssize_t n = splice(j->in_fd, &in_off, p[1], NULL, (size_t)(j->len - j->done), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      j->call.err = errno;
      j->call.syscall = "splice (read)";
      break;
    }
    /* The input ended early: the caller sees the short count. */
    if (n == 0) break;
    ssize_t moved = 0;
    while (moved < n) {
      ssize_t k = splice(p[0], NULL, j->out_fd, &out_off, (size_t)(n - moved), 0);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) {
        j->call.err = k < 0 ? errno : ENOSPC;
        j->call.syscall = "splice (write)";
        goto out;
      }
      moved += k;
      j->done += k;
    }
  }
out:
  close(p[0]);
  close(p[1]);
}

static void splice_complete(napi_env env, napi_status status, void *data) {
  splice_job_t *j = data;
  napi_value err = call_error(env, status, &j->call, "splice"), copied;
  /* Also on an error: how far the output got says where a drive failed. */
  napi_create_int64(env, j->done, &copied);
  if (j->call.err) napi_set_named_property(env, err, "copied", copied);
  finish_call(env, &j->call, err, copied);
}

/* spliceCopy(inFd, outFd, inOffset, outOffset, length, pipeSize, callback(err, copied)) */
static napi_value js_splice_copy(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  int32_t in_fd, out_fd;
  int64_t in_off, out_off, len, pipe_size;
  if (!call_args(env, info, 7, argv) || napi_get_value_int32(env, argv[0], &in_fd) != napi_ok ||
      napi_get_value_int32(env, argv[1], &out_fd) != napi_ok || napi_get_value_int64(env, argv[2], &in_off) != napi_ok ||
      napi_get_value_int64(env, argv[3], &out_off) != napi_ok || napi_get_value_int64(env, argv[4], &len) != napi_ok ||
      napi_get_value_int64(env, argv[5], &pipe_size) != napi_ok || in_fd < 0 || out_fd < 0 || in_off < 0 || out_off < 0 ||
      len < 0 || pipe_size < 0) {
    napi_throw_type_error(env, NULL,
                          "spliceCopy(inFd, outFd, inOffset, outOffset, length, pipeSize: non-negative integers, callback: function)");
    return NULL;
  }
  splice_job_t *j = new_call(env, sizeof *j);
  if (!j) return NULL;
  j->in_fd = in_fd;
  j->out_fd = out_fd;
  j->in_off = in_off;
  j->out_off = out_off;
  j->len = len;
  j->pipe_size = pipe_size;
  queue_call(env, &j->call, "hsc-splice-copy", argv[6], splice_execute, splice_complete);
  return NULL;
}

typedef struct {
  pool_call_t call;
  napi_ref dev_buf, img_buf, stop_ref, leaves_ref;
  /* img_fd -1: hashAt (the drive only). */
  int dev_fd, img_fd;
  uint8_t *dev, *img;
  /* Where each leaf's hash goes (the image's for compareAt, the drive's for hashAt); may be NULL. */
  uint8_t *leaves;
  /* The leaf size: for compareAt a divisor of the step. */
  int64_t leaf;
  /* Set to non-zero by JavaScript to stop before the next step (a cancel); may be NULL. */
  int32_t *stop;
  bool stopped;
  /* The range compared, `step` bytes (the buffers' size) at a time. */
  int64_t offset, length, read_length, step;
  /*
   * What ended the call, counted from `offset` (-1: not that): the drive ending, else a
   * differing byte, else the image ending, in that order within the step where one happened.
   */
  int64_t drive_end, diff, image_end;
  /* Where a read failed. */
  int64_t failed_at;
} compare_job_t;

/* pread until `len` bytes or the end; returns the count, or -1 with errno. */
static int64_t read_fully(int fd, uint8_t *buf, int64_t len, int64_t off) {
  int64_t got = 0;
  while (got < len) {
    ssize_t n = pread(fd, buf + got, (size_t)(len - got), off + got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += n;
  }
  return got;
}

/* A read of the step at `at` failed (errno): the call's error names the side and the step. */
static void read_failed(compare_job_t *j, const char *syscall, int64_t at) {
  j->call.err = errno;
  j->call.syscall = syscall;
  j->failed_at = j->offset + at;
}

/* The hashes of each `leaf` bytes of `len` bytes at `data` (the last leaf shorter) into `leaves`, from leaf number `at / leaf`. */
static void hash_leaves(const uint8_t *data, int64_t at, int64_t len, int64_t leaf, uint8_t *leaves) {
  for (int64_t k = 0; k < len; k += leaf) xxh3_canonical(data + k, (size_t)(len - k < leaf ? len - k : leaf), 0, leaves + (at + k) / leaf * LEAF_HASH_BYTES);
}

/*
 * Step by step, as separate calls of one step each would: the first step where the drive or
 * the image ends short or a byte differs ends the call, so what it reports is the range's
 * first event. Within that step the drive ending comes first (a removed stick is that, not a
 * mismatch), then a difference, then the image ending (it changed).
 */
static void compare_execute(napi_env env, void *data) {
  (void)env;
  compare_job_t *j = data;
  j->drive_end = j->diff = j->image_end = -1;
  for (int64_t at = 0; at < j->length; at += j->step) {
    if (j->stop && __atomic_load_n(j->stop, __ATOMIC_ACQUIRE)) {
      j->stopped = true;
      return;
    }
    int64_t want = j->length - at < j->step ? j->length - at : j->step;
    int64_t read_len = j->read_length - at < j->step ? j->read_length - at : j->step;
    int64_t dev_got = read_fully(j->dev_fd, j->dev, read_len, j->offset + at);
    if (dev_got < 0) {
      read_failed(j, "pread (drive)", at);
      return;
    }
    int64_t img_got = read_fully(j->img_fd, j->img, want, j->offset + at);
    if (img_got < 0) {
      read_failed(j, "pread (image)", at);
      return;
    }
    if (dev_got < want) {
      j->drive_end = at + dev_got;
      return;
    }
    if (memcmp(j->dev, j->img, (size_t)img_got) != 0) {
      for (int64_t i = 0; i < img_got; i++)
        if (j->dev[i] != j->img[i]) {
          j->diff = at + i;
          return;
        }
    }
    if (img_got < want) {
      j->image_end = at + img_got;
      return;
    }
    if (j->leaves) hash_leaves(j->img, at, want, j->leaf, j->leaves);
  }
}

/*
 * hashAt: the drive's range in one read (the buffer holds it all: a few large reads are what a
 * drive reads fastest), then a leaf hash of each `step` of its `length` bytes.
 */
static void hash_execute(napi_env env, void *data) {
  (void)env;
  compare_job_t *j = data;
  j->drive_end = j->diff = j->image_end = -1;
  if (j->stop && __atomic_load_n(j->stop, __ATOMIC_ACQUIRE)) {
    j->stopped = true;
    return;
  }
  int64_t got = read_fully(j->dev_fd, j->dev, j->read_length, j->offset);
  if (got < 0) {
    read_failed(j, "pread (drive)", 0);
    return;
  }
  if (got < j->length) {
    j->drive_end = got;
    return;
  }
  hash_leaves(j->dev, 0, j->length, j->leaf, j->leaves);
}

static void compare_complete(napi_env env, napi_status status, void *data) {
  compare_job_t *j = data;
  napi_value err = call_error(env, status, &j->call, "compare"), result;
  napi_get_undefined(env, &result);
  if (status == napi_ok && !j->call.err) {
    napi_value v;
    napi_create_object(env, &result);
    napi_create_int64(env, j->drive_end, &v);
    napi_set_named_property(env, result, "driveEnd", v);
    napi_create_int64(env, j->diff, &v);
    napi_set_named_property(env, result, "firstDifference", v);
    napi_create_int64(env, j->image_end, &v);
    napi_set_named_property(env, result, "imageEnd", v);
    napi_get_boolean(env, j->stopped, &v);
    napi_set_named_property(env, result, "stopped", v);
  } else if (status == napi_ok) {
    napi_value at;
    napi_create_int64(env, j->failed_at, &at);
    napi_set_named_property(env, err, "offset", at);
  }
  napi_delete_reference(env, j->dev_buf);
  if (j->img_buf) napi_delete_reference(env, j->img_buf);
  if (j->stop_ref) napi_delete_reference(env, j->stop_ref);
  if (j->leaves_ref) napi_delete_reference(env, j->leaves_ref);
  finish_call(env, &j->call, err, result);
}

/* What compareAt and hashAt both take: the drive side, the range, the stop flag and the leaves. */
typedef struct {
  int dev_fd;
  void *dev;
  napi_value dev_v;
  int64_t offset, length, read_length, step;
  void *stop;
  napi_value stop_v;
  uint8_t *leaves;
  napi_value leaves_v;
  int64_t leaf;
} range_args_t;

/*
 * A call's state with the range set; the drive buffer, the stop flag and the leaves are
 * referenced until the work is done, so they cannot be collected meanwhile. NULL with a
 * JavaScript error thrown when out of memory.
 */
static compare_job_t *new_range_job(napi_env env, range_args_t a) {
  compare_job_t *j = new_call(env, sizeof *j);
  if (!j) return NULL;
  j->dev_fd = a.dev_fd;
  j->dev = a.dev;
  j->offset = a.offset;
  j->length = a.length;
  j->read_length = a.read_length;
  j->step = a.step;
  j->stop = a.stop;
  j->leaves = a.leaves;
  j->leaf = a.leaf;
  napi_create_reference(env, a.dev_v, 1, &j->dev_buf);
  if (a.stop) napi_create_reference(env, a.stop_v, 1, &j->stop_ref);
  if (a.leaves) napi_create_reference(env, a.leaves_v, 1, &j->leaves_ref);
  return j;
}

/* The leaves argument: null or undefined (none wanted), else a Uint8Array with room for one hash per leaf. */
static bool get_leaves(napi_env env, napi_value v, int64_t length, int64_t leaf, uint8_t **leaves) {
  napi_valuetype t = napi_undefined;
  size_t len;
  *leaves = NULL;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) return true;
  return leaf > 0 && get_typed(env, v, napi_uint8_array, (void **)leaves, &len) && len / LEAF_HASH_BYTES >= (uint64_t)((length + leaf - 1) / leaf);
}

/* The stop argument: null or undefined, else an Int32Array of at least one element. */
static bool get_stop(napi_env env, napi_value v, void **stop) {
  napi_valuetype t = napi_undefined;
  size_t len;
  *stop = NULL;
  napi_typeof(env, v, &t);
  return t == napi_null || t == napi_undefined || (get_typed(env, v, napi_int32_array, stop, &len) && len >= 1);
}

/*
 * compareAt(driveFd, driveBuf, imageFd, imageBuf, offset, length, readLength, step, stop, leaves, leaf, callback(err, result)):
 * compares `length` bytes of the image at `offset` with the drive, `step` bytes at a time:
 * each step reads the drive into driveBuf (O_DIRECT: aligned; the last step reads up to
 * offset + readLength, a multiple of the block size) and the image into imageBuf. Several
 * steps per call keep a fast drive's read-back from waiting on the JavaScript thread between
 * chunks. `stop` (an Int32Array, or null) ends the call before its next step once its first
 * element is non-zero: a cancel waits for one step, not a whole call. result: { driveEnd,
 * firstDifference, imageEnd, stopped }, what ended the call counted from `offset` (-1: not
 * that; all -1 when the range is equal or it stopped); an error carries `offset`, the step
 * that failed. `leaves` (a Uint8Array, or null) receives the XXH3-128 of each `leaf` bytes of
 * the image (a divisor of `step`; `offset` a multiple of it), 16 bytes per leaf, for the steps
 * compared equal.
 * The buffers must stay untouched until the callback.
 */
static napi_value js_compare_at(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  int32_t dev_fd, img_fd;
  int64_t offset, length, read_length, step, leaf = 0;
  void *dev, *img, *stop = NULL;
  uint8_t *leaves = NULL;
  size_t dev_len, img_len;
  bool args = call_args(env, info, 12, argv);
  napi_valuetype leaf_type = napi_undefined;
  if (args) napi_typeof(env, argv[10], &leaf_type);
  /* leaf: a number dividing the step, or null/undefined (then one leaf per step). */
  bool leaf_ok = leaf_type == napi_null || leaf_type == napi_undefined || napi_get_value_int64(env, argv[10], &leaf) == napi_ok;
  if (!args || !get_stop(env, argv[8], &stop) || napi_get_value_int32(env, argv[0], &dev_fd) != napi_ok ||
      !get_typed(env, argv[1], napi_uint8_array, &dev, &dev_len) ||
      napi_get_value_int32(env, argv[2], &img_fd) != napi_ok || !get_typed(env, argv[3], napi_uint8_array, &img, &img_len) ||
      napi_get_value_int64(env, argv[4], &offset) != napi_ok || napi_get_value_int64(env, argv[5], &length) != napi_ok ||
      napi_get_value_int64(env, argv[6], &read_length) != napi_ok || napi_get_value_int64(env, argv[7], &step) != napi_ok || dev_fd < 0 ||
      img_fd < 0 || offset < 0 || length < 0 || read_length < length || step <= 0 || (uint64_t)step > dev_len || (uint64_t)step > img_len ||
      (length > 0 && read_length - step * ((length - 1) / step) > step) || !leaf_ok || (leaf == 0 && (leaf = step) == 0) || leaf <= 0 ||
      !get_leaves(env, argv[9], length, leaf, &leaves) || (leaves && (step % leaf != 0 || offset % leaf != 0))) {
    napi_throw_type_error(env, NULL,
                          "compareAt(driveFd, driveBuf, imageFd, imageBuf, offset, length, readLength, step, stop, leaves, leaf, callback): "
                          "step within each buffer, length <= readLength, the last step's read within a step, stop an Int32Array or null, "
                          "leaf dividing the step and the offset, leaves a Uint8Array of 16 bytes per leaf or null");
    return NULL;
  }
  compare_job_t *j = new_range_job(env, (range_args_t){dev_fd, dev, argv[1], offset, length, read_length, step, stop, argv[8], leaves, argv[9], leaf});
  if (!j) return NULL;
  j->img_fd = img_fd;
  j->img = img;
  napi_create_reference(env, argv[3], 1, &j->img_buf);
  queue_call(env, &j->call, "hsc-compare-at", argv[11], compare_execute, compare_complete);
  return NULL;
}

/*
 * hashAt(driveFd, driveBuf, offset, length, readLength, leaf, stop, leaves, callback(err, result)):
 * reads `readLength` bytes of the drive at `offset` in one go into driveBuf (O_DIRECT: aligned,
 * readLength a multiple of the block size, at least `length`, within the buffer) and writes the
 * XXH3-128 of each `leaf` bytes of the first `length` into `leaves` (16 bytes per leaf, the
 * last leaf shorter). result: as compareAt's, `driveEnd` set when the drive ended before
 * `length` bytes (then no hash is written), `stopped` when `stop[0]` was set before the read.
 * The buffers must stay untouched until the callback.
 */
static napi_value js_hash_at(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  int32_t dev_fd;
  int64_t offset, length, read_length, leaf;
  void *dev, *stop = NULL;
  uint8_t *leaves = NULL;
  size_t dev_len;
  bool args = call_args(env, info, 9, argv);
  /* leaves is required: get_leaves accepts null (leaves stays NULL), so !leaves refuses it. */
  if (!args || !get_stop(env, argv[6], &stop) || napi_get_value_int32(env, argv[0], &dev_fd) != napi_ok ||
      !get_typed(env, argv[1], napi_uint8_array, &dev, &dev_len) || napi_get_value_int64(env, argv[2], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[3], &length) != napi_ok || napi_get_value_int64(env, argv[4], &read_length) != napi_ok ||
      napi_get_value_int64(env, argv[5], &leaf) != napi_ok || dev_fd < 0 || offset < 0 || length < 0 || read_length < length ||
      (uint64_t)read_length > dev_len || leaf <= 0 || !get_leaves(env, argv[7], length, leaf, &leaves) || !leaves) {
    napi_throw_type_error(env, NULL,
                          "hashAt(driveFd, driveBuf, offset, length, readLength, leaf, stop, leaves, callback): "
                          "length <= readLength <= the buffer's size, leaf > 0, stop an Int32Array or null, "
                          "leaves a Uint8Array of 16 bytes per leaf");
    return NULL;
  }
  compare_job_t *j = new_range_job(env, (range_args_t){dev_fd, dev, argv[1], offset, length, read_length, leaf, stop, argv[6], leaves, argv[7], leaf});
  if (!j) return NULL;
  j->img_fd = -1;
  queue_call(env, &j->call, "hsc-hash-at", argv[8], hash_execute, compare_complete);
  return NULL;
}

/* xxh3(data, seed): XXH3-128 of a Uint8Array with a 64-bit seed (a non-negative safe integer), canonical, as a 16-byte Buffer. */
static napi_value js_xxh3(napi_env env, napi_callback_info info) {
  napi_value argv[2], out;
  size_t argc = 2, len;
  void *data, *dst;
  int64_t seed;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || !get_typed(env, argv[0], napi_uint8_array, &data, &len) ||
      napi_get_value_int64(env, argv[1], &seed) != napi_ok || seed < 0) {
    napi_throw_type_error(env, NULL, "xxh3(data: Uint8Array, seed: non-negative integer)");
    return NULL;
  }
  uint8_t digest[LEAF_HASH_BYTES];
  xxh3_canonical(data, len, (uint64_t)seed, digest);
  if (napi_create_buffer_copy(env, sizeof digest, digest, &dst, &out) != napi_ok) return NULL;
  return out;
}

/*
 * xxh3Leaves(data, leaf, leaves): the XXH3-128 of each `leaf` bytes of a Uint8Array (the last
 * leaf shorter) into `leaves`, 16 bytes each, on the calling thread: the leaf hashes of bytes
 * already in memory (a write's buffers), as hashAt takes them of a drive.
 */
static napi_value js_xxh3_leaves(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3, len;
  void *data;
  int64_t leaf;
  uint8_t *leaves;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || !get_typed(env, argv[0], napi_uint8_array, &data, &len) ||
      napi_get_value_int64(env, argv[1], &leaf) != napi_ok || leaf <= 0 || !get_leaves(env, argv[2], (int64_t)len, leaf, &leaves) || !leaves) {
    napi_throw_type_error(env, NULL, "xxh3Leaves(data: Uint8Array, leaf: positive integer, leaves: Uint8Array of 16 bytes per leaf)");
    return NULL;
  }
  hash_leaves(data, 0, (int64_t)len, leaf, leaves);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"spliceCopy", NULL, js_splice_copy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"compareAt", NULL, js_compare_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"hashAt", NULL, js_hash_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"xxh3", NULL, js_xxh3, NULL, NULL, NULL, napi_enumerable, NULL},
      {"xxh3Leaves", NULL, js_xxh3_leaves, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    napi_throw_error(env, NULL, "drive-io: cannot define its exports");
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
