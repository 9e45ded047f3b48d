/*
 * calico_netns: the little the CNI plugin cannot do from JavaScript to program a pod's network
 * without starting `ip`/`nsenter`: open a NETLINK_ROUTE socket inside another network namespace,
 * and send/receive on it synchronously. Messages are built and parsed in TypeScript
 * (src/cni/rtnetlink.ts); this file only moves bytes. Built by scripts/build-native.mjs.
 *
 * A netlink socket stays bound to the netns it was created in, so the thread switches into the
 * pod's netns (setns), creates the socket and switches straight back. If switching back fails the
 * process aborts: it must never go on working (datastore, host routes) from inside the pod.
 *
 * Exports:
 *   openRoute(netnsPath?: string): number   socket fd (in netnsPath's netns, else the current one)
 *   send(fd: number, buf: Uint8Array): number
 *   recv(fd: number, buf: Uint8Array): number   bytes of one datagram; throws if it did not fit
 *   strerror(errno: number): string
 * Failures throw an Error with `code` (e.g. "ENOENT") and numeric `errno`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define NAPI_VERSION 8
#include <node_api.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

/* How long a recv waits for the kernel's answer before failing with EAGAIN. */
#define RECV_TIMEOUT_SEC 5

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char *name = strerrorname_np(err);
  napi_value code, text, error, num;
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_throw(env, error);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  for (size_t i = argc; i < want; i++) napi_get_undefined(env, &argv[i]);
  return 0;
}

static int get_fd(napi_env env, napi_value v, int *fd) {
  if (napi_get_value_int32(env, v, fd) != napi_ok || *fd < 0) {
    napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
    return -1;
  }
  return 0;
}

static int get_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, len, data, &ab, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "buffer must be a Uint8Array");
    return -1;
  }
  return 0;
}

static int route_socket(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  return fd;
}

/* Options need no netns: set them after switching back. Extended acks are best-effort. */
static int configure(int fd) {
  struct timeval tv = { .tv_sec = RECV_TIMEOUT_SEC, .tv_usec = 0 };
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) return -1;
  int one = 1;
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  /* Errors then carry only the request's header, not the whole request back. */
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  return 0;
}

static napi_value open_route(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) < 0) return NULL;
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  int fd;
  if (t == napi_undefined || t == napi_null) {
    fd = route_socket();
    if (fd < 0) return throw_errno(env, errno, "socket(NETLINK_ROUTE)");
  } else {
    char path[4096];
    size_t n;
    if (t != napi_string || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &n) != napi_ok || n == 0 || n >= sizeof path - 1) {
      napi_throw_type_error(env, NULL, "netns must be a path");
      return NULL;
    }
    /* thread-self: setns switches only the calling thread, so return to this thread's own netns. */
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0) return throw_errno(env, errno, "open /proc/thread-self/ns/net");
    int target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0) {
      int e = errno;
      close(self);
      return throw_errno(env, e, path);
    }
    if (setns(target, CLONE_NEWNET) < 0) {
      int e = errno;
      close(target);
      close(self);
      return throw_errno(env, e, path);
    }
    fd = route_socket();
    int e = errno;
    if (setns(self, CLONE_NEWNET) < 0) {
      /* Still in the pod's netns: going on would program the wrong namespace. */
      fprintf(stderr, "calico_netns: cannot return to the original network namespace: %s\n", strerror(errno));
      abort();
    }
    close(target);
    close(self);
    if (fd < 0) return throw_errno(env, e, "socket(NETLINK_ROUTE)");
  }
  if (configure(fd) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "setsockopt(SO_RCVTIMEO)");
  }
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

/* (fd, buffer) arguments of send and recv. */
static int get_fd_and_bytes(napi_env env, napi_callback_info info, int *fd, void **data, size_t *len) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv) < 0 || get_fd(env, argv[0], fd) < 0 || get_bytes(env, argv[1], data, len) < 0) return -1;
  return 0;
}

static napi_value int64_value(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

static napi_value do_send(napi_env env, napi_callback_info info) {
  int fd;
  void *data;
  size_t len;
  if (get_fd_and_bytes(env, info, &fd, &data, &len) < 0) return NULL;
  ssize_t n;
  do n = send(fd, data, len, 0); while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, "send(netlink)");
  return int64_value(env, n);
}

static napi_value do_recv(napi_env env, napi_callback_info info) {
  int fd;
  void *data;
  size_t len;
  if (get_fd_and_bytes(env, info, &fd, &data, &len) < 0) return NULL;
  ssize_t n;
  /* MSG_TRUNC: the datagram's real length, so a too-small buffer is an error, not silent truncation. */
  do n = recv(fd, data, len, MSG_TRUNC); while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, errno == EAGAIN ? "recv(netlink): no answer from the kernel" : "recv(netlink)");
  if ((size_t)n > len) return throw_errno(env, EMSGSIZE, "recv(netlink)");
  return int64_value(env, n);
}

static napi_value do_strerror(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int err;
  if (get_args(env, info, 1, argv) < 0) return NULL;
  if (napi_get_value_int32(env, argv[0], &err) != napi_ok) err = 0;
  napi_value out;
  napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &out);
  return out;
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
    { "openRoute", NULL, open_route, NULL, NULL, NULL, napi_enumerable, NULL },
    { "send", NULL, do_send, NULL, NULL, NULL, napi_enumerable, NULL },
    { "recv", NULL, do_recv, NULL, NULL, NULL, napi_enumerable, NULL },
    { "strerror", NULL, do_strerror, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
