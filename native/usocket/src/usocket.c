/*
 * Unix stream socket with SCM_RIGHTS file-descriptor passing, written against Node-API
 * only, so one binary loads in Node (tests, CLI) and in Electron (app). dbus-next needs
 * this to receive the descriptor UDisks2 returns from Block.OpenDevice; see ../README.md.
 *
 * Reading runs on a dedicated thread doing blocking recvmsg() and hands every chunk (with
 * its descriptors) to JavaScript through a thread-safe function. Writing is a non-blocking
 * sendmsg() on the main thread; when the socket buffer is full, JavaScript waits for
 * writability with wait_writable() (async work on the libuv pool) and retries. No libuv
 * symbols are used, which keeps the addon free of any runtime-specific ABI.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "errno_error.h"

#define READ_SIZE (64 * 1024)
/* The kernel's SCM_MAX_FD: more descriptors than this can never arrive in one message. */
#define MAX_FDS 253

enum chunk_kind { CHUNK_DATA = 0, CHUNK_END = 1, CHUNK_ERROR = 2 };

typedef struct {
  int kind;
  char *data;
  size_t len;
  int fds[MAX_FDS];
  int nfds;
  int err;
  int truncated;
} chunk_t;

typedef struct {
  int fd;
  napi_threadsafe_function tsfn;
  pthread_t thread;
  bool started;
  /* Set before the last chunk is handed over: from then on JavaScript may close fd. */
  atomic_bool done;
} reader_t;

typedef struct {
  int fd;
  int err;
  napi_async_work work;
  napi_ref callback;
} wait_t;

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), NULL, "usocket: Node-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static int get_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* connect(pathBuffer) -> fd. A leading NUL byte selects the abstract namespace. */
static napi_value js_connect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *path;
  size_t path_len;
  if (argc < 1 || napi_get_buffer_info(env, argv[0], &path, &path_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "connect(path: Buffer)");
    return NULL;
  }
  struct sockaddr_un addr;
  if (path_len == 0 || path_len >= sizeof addr.sun_path) {
    napi_throw_range_error(env, NULL, "socket path is empty or too long");
    return NULL;
  }
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path, path_len);
  socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len);
  /* A filesystem path is NUL-terminated in sun_path; an abstract one is length-delimited. */
  if (((const char *)path)[0] != '\0') addr_len += 1;

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    napi_throw(env, errno_error(env, errno, "socket"));
    return NULL;
  }
  int rc;
  do rc = connect(fd, (struct sockaddr *)&addr, addr_len);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    int err = errno;
    close(fd);
    napi_throw(env, errno_error(env, err, "connect"));
    return NULL;
  }
  napi_value result;
  CHECK(env, napi_create_int32(env, fd, &result));
  return result;
}

static void free_chunk(chunk_t *c, int close_fds) {
  if (!c) return;
  if (close_fds)
    for (int i = 0; i < c->nfds; i++) close(c->fds[i]);
  free(c->data);
  free(c);
}

/* Runs on the main thread for every chunk the reader thread produced. */
static void deliver(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  chunk_t *c = data;
  if (env == NULL || callback == NULL) {
    free_chunk(c, 1);
    return;
  }
  napi_value argv[3], undefined;
  napi_get_undefined(env, &undefined);
  const char *kind = c->kind == CHUNK_DATA ? "data" : c->kind == CHUNK_END ? "end" : "error";
  napi_create_string_utf8(env, kind, NAPI_AUTO_LENGTH, &argv[0]);
  argv[1] = undefined;
  argv[2] = undefined;
  if (c->kind == CHUNK_DATA) {
    /* A copy, not an external buffer: Electron's V8 sandbox forbids external buffers. */
    void *copy;
    napi_create_buffer_copy(env, c->len, c->data, &copy, &argv[1]);
    napi_create_array_with_length(env, (size_t)c->nfds, &argv[2]);
    for (int i = 0; i < c->nfds; i++) {
      napi_value n;
      napi_create_int32(env, c->fds[i], &n);
      napi_set_element(env, argv[2], (uint32_t)i, n);
    }
    if (c->truncated) {
      napi_value t;
      napi_get_boolean(env, 1, &t);
      napi_set_named_property(env, argv[2], "truncated", t);
    }
  } else if (c->kind == CHUNK_ERROR) {
    argv[1] = errno_error(env, c->err, "recvmsg");
  }
  /* Descriptors now belong to JavaScript (it closes what it does not hand out). */
  free_chunk(c, 0);
  napi_value ignored;
  if (napi_call_function(env, undefined, callback, 3, argv, &ignored) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
}

static void *reader_main(void *arg) {
  reader_t *r = arg;
  char *buf = malloc(READ_SIZE);
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int) * MAX_FDS)];
  } control;
  for (;;) {
    chunk_t *c = calloc(1, sizeof *c);
    if (!c || !buf) {
      free(c);
      break;
    }
    struct iovec iov = {buf, READ_SIZE};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof control.bytes;
    ssize_t n = recvmsg(r->fd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) {
      free(c);
      continue;
    }
    if (n < 0) {
      c->kind = CHUNK_ERROR;
      c->err = errno;
    } else if (n == 0) {
      c->kind = CHUNK_END;
    } else {
      c->kind = CHUNK_DATA;
      c->len = (size_t)n;
      c->data = malloc((size_t)n);
      if (c->data) memcpy(c->data, buf, (size_t)n);
      for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const int *fds = (const int *)CMSG_DATA(h);
        for (size_t i = 0; i < count; i++) {
          if (c->nfds < MAX_FDS) c->fds[c->nfds++] = fds[i];
          else close(fds[i]);
        }
      }
      c->truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
      if (!c->data) {
        for (int i = 0; i < c->nfds; i++) close(c->fds[i]);
        c->nfds = 0;
        c->kind = CHUNK_ERROR;
        c->err = ENOMEM;
      }
    }
    int last = c->kind != CHUNK_DATA;
    if (last) atomic_store(&r->done, true);
    /* Blocking call on a bounded queue: a slow consumer stalls this thread, not memory. */
    if (napi_call_threadsafe_function(r->tsfn, c, napi_tsfn_blocking) != napi_ok) {
      /* napi_closing: the environment is going away (see reader_finalize). */
      atomic_store(&r->done, true);
      free_chunk(c, 1);
      break;
    }
    if (last) break;
  }
  free(buf);
  napi_release_threadsafe_function(r->tsfn, napi_tsfn_release);
  return NULL;
}

/*
 * Runs on the main thread once the thread-safe function is gone: either the reader ended
 * normally, or the environment is being torn down (process exit with an unref'd socket
 * still open) while the thread may still be blocked in recvmsg(). Node frees the
 * thread-safe function right after this returns, so the thread must have stopped using it:
 * wake it (the socket is not closed by JavaScript before the end chunk, so fd is still
 * ours while `done` is false) and join it.
 */
static void reader_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  reader_t *r = data;
  if (r->started) {
    if (!atomic_load(&r->done)) shutdown(r->fd, SHUT_RDWR);
    pthread_join(r->thread, NULL);
  }
  free(r);
}

static void reader_handle_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  (void)hint;
}

/* startReader(fd, callback(kind, data, fds)) -> handle for setRef: reads until end or error. */
static napi_value js_start_reader(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  napi_valuetype t;
  if (argc < 2 || !get_int(env, argv[0], &fd) || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "startReader(fd: number, callback: function)");
    return NULL;
  }
  reader_t *r = calloc(1, sizeof *r);
  if (!r) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  r->fd = fd;
  napi_value name;
  napi_create_string_utf8(env, "usocket-reader", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 16, 1, r, reader_finalize, NULL, deliver, &r->tsfn) != napi_ok) {
    free(r);
    napi_throw_error(env, NULL, "usocket: cannot create thread-safe function");
    return NULL;
  }
  atomic_init(&r->done, false);
  int rc = pthread_create(&r->thread, NULL, reader_main, r);
  r->started = rc == 0;
  if (rc != 0) {
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    napi_throw(env, errno_error(env, rc, "pthread_create"));
    return NULL;
  }
  napi_value handle;
  CHECK(env, napi_create_external(env, r, reader_handle_finalize, NULL, &handle));
  return handle;
}

/*
 * setRef(handle, ref): whether the open socket keeps the event loop alive (like
 * net.Socket#ref/unref). JavaScript calls it only before the reader has ended, while the
 * reader (freed when its thread-safe function is finalized) still exists.
 */
static napi_value js_set_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data;
  bool ref;
  if (argc < 2 || napi_get_value_external(env, argv[0], &data) != napi_ok || napi_get_value_bool(env, argv[1], &ref) != napi_ok) {
    napi_throw_type_error(env, NULL, "setRef(handle, ref: boolean)");
    return NULL;
  }
  reader_t *r = data;
  if (ref) napi_ref_threadsafe_function(env, r->tsfn);
  else napi_unref_threadsafe_function(env, r->tsfn);
  return NULL;
}

/* send(fd, data, fds) -> bytes sent, or -1 when the socket buffer is full. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  void *data;
  size_t len;
  if (argc < 3 || !get_int(env, argv[0], &fd) || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "send(fd: number, data: Buffer, fds: number[])");
    return NULL;
  }
  uint32_t nfds = 0;
  napi_get_array_length(env, argv[2], &nfds);
  if (nfds > MAX_FDS) {
    napi_throw_range_error(env, NULL, "too many file descriptors in one message");
    return NULL;
  }
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int) * MAX_FDS)];
  } control;
  struct iovec iov = {data, len};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (nfds > 0) {
    memset(control.bytes, 0, sizeof control.bytes);
    msg.msg_control = control.bytes;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    int *out = (int *)CMSG_DATA(h);
    for (uint32_t i = 0; i < nfds; i++) {
      napi_value v;
      int32_t n;
      if (napi_get_element(env, argv[2], i, &v) != napi_ok || !get_int(env, v, &n)) {
        napi_throw_type_error(env, NULL, "fds must be numbers");
        return NULL;
      }
      out[i] = n;
    }
  }
  ssize_t n;
  do n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) n = -1;
  else if (n < 0) {
    napi_throw(env, errno_error(env, errno, "sendmsg"));
    return NULL;
  }
  napi_value result;
  CHECK(env, napi_create_int64(env, (int64_t)n, &result));
  return result;
}

static void wait_execute(napi_env env, void *data) {
  (void)env;
  wait_t *w = data;
  struct pollfd p = {w->fd, POLLOUT, 0};
  int rc;
  do rc = poll(&p, 1, -1);
  while (rc < 0 && errno == EINTR);
  w->err = rc < 0 ? errno : (p.revents & (POLLERR | POLLHUP | POLLNVAL)) ? EPIPE : 0;
}

static void wait_complete(napi_env env, napi_status status, void *data) {
  wait_t *w = data;
  napi_value cb, undefined, arg, ignored;
  napi_get_undefined(env, &undefined);
  napi_get_reference_value(env, w->callback, &cb);
  if (status != napi_ok) arg = errno_error(env, ECANCELED, "poll");
  else if (w->err) arg = errno_error(env, w->err, "poll");
  else arg = undefined;
  napi_call_function(env, undefined, cb, 1, &arg, &ignored);
  napi_delete_reference(env, w->callback);
  napi_delete_async_work(env, w->work);
  free(w);
}

/* waitWritable(fd, callback(err?)): resolves when the socket accepts data again. */
static napi_value js_wait_writable(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 2 || !get_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "waitWritable(fd: number, callback: function)");
    return NULL;
  }
  wait_t *w = calloc(1, sizeof *w);
  if (!w) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  w->fd = fd;
  napi_value name;
  napi_create_string_utf8(env, "usocket-wait-writable", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_create_async_work(env, NULL, name, wait_execute, wait_complete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return NULL;
}

/* shutdown(fd, how: 0 read | 1 write | 2 both); errors ignored: the socket may be gone. */
static napi_value js_shutdown(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, how;
  if (argc < 2 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &how)) {
    napi_throw_type_error(env, NULL, "shutdown(fd: number, how: number)");
    return NULL;
  }
  shutdown(fd, how == 0 ? SHUT_RD : how == 1 ? SHUT_WR : SHUT_RDWR);
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || !get_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "close(fd: number)");
    return NULL;
  }
  close(fd);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"connect", NULL, js_connect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startReader", NULL, js_start_reader, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setRef", NULL, js_set_ref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"waitWritable", NULL, js_wait_writable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"shutdown", NULL, js_shutdown, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
