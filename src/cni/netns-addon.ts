/**
 * The calico_netns addon (native/calico_netns.c, built to dist/native/calico_netns.node) and a
 * synchronous rtnetlink socket on top of it: one request at a time, answered in microseconds, so
 * ADD/DEL need neither `ip` nor `nsenter` processes (nor node:child_process, ~3 ms to load).
 */
import { closeSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeAck, encodeMessage, parseAck, parseMessages, NLMSG_DONE, type NlMessage, type RtRequest } from './rtnetlink.js';

export interface NetnsAddon {
  /** A NETLINK_ROUTE socket fd, created in the netns at `netns` (a path), else in the current one. */
  openRoute(netns?: string): number;
  send(fd: number, buf: Uint8Array): number;
  recv(fd: number, buf: Uint8Array): number;
  strerror(errno: number): string;
}

const ADDON_FILE = 'calico_netns.node';

let loaded: NetnsAddon | null | undefined;

/**
 * Where the addon is: `native/` or `dist/native/` in this file's folder or one above it. This file
 * runs as dist/src/cni/*.js (tsc), inside the bundle dist/src/cni/calico.main.cjs, inside the lab's
 * bundle under node_modules/.cache, or as src/cni/*.ts under tsx; a fixed relative path fits none of
 * them all, and Node's resolver costs a millisecond or more on every ADD.
 */
export function netnsAddonPath(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    for (const p of [join(dir, 'native', ADDON_FILE), join(dir, 'dist', 'native', ADDON_FILE)]) {
      if (existsSync(p)) return p;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The addon, or undefined when it was not built or does not load here (then ADD/DEL use `ip`). */
export function loadNetnsAddon(): NetnsAddon | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  loaded = null;
  const path = netnsAddonPath();
  if (path === undefined) return undefined;
  try {
    const m = { exports: {} as NetnsAddon };
    process.dlopen(m, path);
    loaded = m.exports;
  } catch {
    // e.g. built for another architecture: the ip path still works.
  }
  return loaded ?? undefined;
}

/** A request the kernel refused; `errno` is positive (EEXIST, ENODEV, ...). */
export class RtnlError extends Error {
  constructor(readonly errno: number, readonly what: string, message: string) {
    super(`"ip ${what}": ${message}`);
  }
}

/** Big enough for any answer to our requests (a link dump of one veth is ~1.5 KiB). */
const RECV_BUFFER = Buffer.allocUnsafe(64 * 1024);
let nextSeq = Math.floor(Date.now() / 1000) >>> 0;

export class RouteSocket {
  readonly #addon: NetnsAddon;
  #fd: number;

  private constructor(addon: NetnsAddon, fd: number) {
    this.#addon = addon;
    this.#fd = fd;
  }

  /** @param netns path of the netns to work in (CNI_NETNS); omitted: this process's own. */
  static open(addon: NetnsAddon, netns?: string): RouteSocket {
    return new RouteSocket(addon, addon.openRoute(netns));
  }

  /**
   * Sends one request and waits for its ack. Returns the messages that came before the ack (the
   * answer to a GET). Throws RtnlError when the kernel refuses, Error when the socket fails.
   */
  request(req: RtRequest): NlMessage[] {
    if (this.#fd < 0) throw new Error('netlink socket is closed');
    const seq = (nextSeq = (nextSeq + 1) >>> 0);
    this.#addon.send(this.#fd, encodeMessage(req, seq));
    const answer: NlMessage[] = [];
    for (;;) {
      const n = this.#addon.recv(this.#fd, RECV_BUFFER);
      for (const msg of parseMessages(RECV_BUFFER.subarray(0, n))) {
        // Anything else is a late answer to an earlier request; there are no multicast groups.
        if (msg.seq !== seq) continue;
        const ack = parseAck(msg);
        if (ack !== undefined) {
          if (ack.errno !== 0) throw new RtnlError(ack.errno, req.what, describeAck(ack, (e) => this.#addon.strerror(e)));
          return answer;
        }
        if (msg.type === NLMSG_DONE) return answer;
        // A copy: the next recv reuses the buffer.
        answer.push({ ...msg, payload: Buffer.from(msg.payload) });
      }
    }
  }

  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }
}
