/*
 * spliceCopy: copies a range of one file descriptor to another through a pipe with
 * splice(2), on the libuv pool, so the bytes never pass through this process's memory.
 *
 * Why: writing an image whose bytes the process need not see (no hash to take while
 * writing) costs two copies through a buffer: page cache -> buffer (read) and
 * buffer -> device (the write). splice moves page references from the image's page cache
 * into the pipe and from there into the O_DIRECT write, so only the device copies. See
 * src/main/services/drives/splice-body.ts for when the drives service uses it.
 *
 * Node-API only (one binary for Node and Electron), like usocket.c.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "errno_error.h"

typedef struct {
  napi_async_work work;
  napi_ref callback;
  int in_fd, out_fd;
  int64_t in_off, out_off, len, pipe_size;
  /* Bytes that reached out_fd. */
  int64_t done;
  int err;
  const char *syscall;
} splice_job_t;

static void splice_execute(napi_env env, void *data) {
  (void)env;
  splice_job_t *j = data;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    j->err = errno;
    j->syscall = "pipe2";
    return;
  }
  /* A larger pipe moves more per call; above the user's limit the default size still works. */
  if (j->pipe_size > 0) (void)fcntl(p[1], F_SETPIPE_SZ, (int)j->pipe_size);
  loff_t in_off = j->in_off, out_off = j->out_off;
  while (j->done < j->len) {
    ssize_t n = splice(j->in_fd, &in_off, p[1], NULL, (size_t)(j->len - j->done), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      j->err = errno;
      j->syscall = "splice (read)";
      break;
    }
    /* The input ended early: the caller sees the short count. */
    if (n == 0) break;
    ssize_t moved = 0;
    while (moved < n) {
      ssize_t k = splice(p[0], NULL, j->out_fd, &out_off, (size_t)(n - moved), 0);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) {
        j->err = k < 0 ? errno : ENOSPC;
        j->syscall = "splice (write)";
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
  napi_value cb, undefined, args[2], ignored;
  napi_get_undefined(env, &undefined);
  napi_get_reference_value(env, j->callback, &cb);
  if (status != napi_ok) args[0] = errno_error(env, ECANCELED, "splice");
  else if (j->err) args[0] = errno_error(env, j->err, j->syscall);
  else args[0] = undefined;
  /* Also on an error: how far the output got says where a drive failed. */
  napi_create_int64(env, j->done, &args[1]);
  if (j->err) napi_set_named_property(env, args[0], "copied", args[1]);
  napi_call_function(env, undefined, cb, 2, args, &ignored);
  napi_delete_reference(env, j->callback);
  napi_delete_async_work(env, j->work);
  free(j);
}

/* spliceCopy(inFd, outFd, inOffset, outOffset, length, pipeSize, callback(err, copied)) */
static napi_value js_splice_copy(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t in_fd, out_fd;
  int64_t in_off, out_off, len, pipe_size;
  napi_valuetype cb_type = napi_undefined;
  if (argc == 7) napi_typeof(env, argv[6], &cb_type);
  if (argc < 7 || cb_type != napi_function || napi_get_value_int32(env, argv[0], &in_fd) != napi_ok ||
      napi_get_value_int32(env, argv[1], &out_fd) != napi_ok || napi_get_value_int64(env, argv[2], &in_off) != napi_ok ||
      napi_get_value_int64(env, argv[3], &out_off) != napi_ok || napi_get_value_int64(env, argv[4], &len) != napi_ok ||
      napi_get_value_int64(env, argv[5], &pipe_size) != napi_ok || in_fd < 0 || out_fd < 0 || in_off < 0 || out_off < 0 ||
      len < 0 || pipe_size < 0) {
    napi_throw_type_error(env, NULL,
                          "spliceCopy(inFd, outFd, inOffset, outOffset, length, pipeSize: non-negative integers, callback: function)");
    return NULL;
  }
  splice_job_t *j = calloc(1, sizeof *j);
  if (!j) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  j->in_fd = in_fd;
  j->out_fd = out_fd;
  j->in_off = in_off;
  j->out_off = out_off;
  j->len = len;
  j->pipe_size = pipe_size;
  napi_value name;
  napi_create_string_utf8(env, "hsc-splice-copy", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[6], 1, &j->callback);
  napi_create_async_work(env, NULL, name, splice_execute, splice_complete, j, &j->work);
  napi_queue_async_work(env, j->work);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"spliceCopy", NULL, js_splice_copy, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 1, props) != napi_ok) napi_throw_error(env, NULL, "splice-copy: cannot define its exports");
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
