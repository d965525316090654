#!/usr/bin/env node
/**
 * Verifies that a packet capture (classic libpcap format, as written by `tcpdump -w`) only holds traffic
 * between allowed addresses: 127.0.0.0/8 and ::1 always, plus the IPv4 CIDRs given with --allow.
 *
 * Usage: node scripts/verify-pcap.mjs FILE [--allow 10.203.0.0/24]... [--expect-media] [--json]
 *
 * Exit codes: 0 = capture clean, 1 = foreign address seen (or no media with --expect-media), 2 = bad usage or
 * unreadable capture. Plain Node, no dependencies: it runs before `npm ci` in CI and inside the e2e namespace.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  SLL2: 276,
};
const ETHERTYPE = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, IPV6: 0x86dd };

/** Parses `a.b.c.d/n` into a matcher. */
function ipv4Cidr(text) {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) throw new Error(`not an IPv4 CIDR: ${text}`);
  const parts = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (parts.some((p) => p > 255) || bits > 32) throw new Error(`not an IPv4 CIDR: ${text}`);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const base = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
  return { text, contains: (addr) => (addr & mask) >>> 0 === (base & mask) >>> 0 };
}

const ipv4Text = (buf, off) => `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
const ipv6Text = (buf, off) => {
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(off + i).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
};

/** Bytes read from a capture file at a time: files of any size (a long run writes several GiB) are read in pieces. */
const READ_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Checks a capture fed to it in pieces, record by record: `push` each piece in file order, then `finish` for the
 * summary and the list of violations. A record split between pieces is held until the rest arrives.
 */
export class PcapVerifier {
  #allowed;
  #pending = Buffer.alloc(0);
  #header = false;
  #le = true;
  /** @type {ReturnType<typeof emptySummary>} */
  summary = emptySummary();

  /** @param {{ allow?: string[] }} [options] */
  constructor(options = {}) {
    this.#allowed = [ipv4Cidr('127.0.0.0/8'), ...(options.allow ?? []).map(ipv4Cidr)];
  }

  /** Takes the next piece of the file (copied where a record continues past its end). */
  push(chunk) {
    const buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    let off = 0;
    if (!this.#header) {
      if (buf.length < 24) {
        this.#pending = Buffer.from(buf);
        return;
      }
      this.#readHeader(buf);
      off = 24;
    }
    const u32 = (at) => (this.#le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
    while (off + 16 <= buf.length) {
      const inclLen = u32(off + 8);
      if (off + 16 + inclLen > buf.length) break;
      this.#record(buf.subarray(off + 16, off + 16 + inclLen), u32(off + 12));
      off += 16 + inclLen;
    }
    this.#pending = Buffer.from(buf.subarray(off));
  }

  /** The summary, once the whole file was pushed. A partial last record is ignored (tcpdump stopped mid-write). */
  finish() {
    if (!this.#header)
      throw new Error('capture too short for a pcap header (empty file? tcpdump not started?)');
    if (this.#pending.length > 0) this.summary.truncatedFile = true;
    return this.summary;
  }

  #readHeader(buf) {
    const magicLE = buf.readUInt32LE(0);
    if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) this.#le = true;
    else if (buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d) this.#le = false;
    else if (magicLE === 0x0a0d0d0a)
      throw new Error('pcapng is not supported; write with `tcpdump -w` (classic pcap)');
    else throw new Error(`not a pcap file (magic 0x${magicLE.toString(16)})`);
    this.summary.linktype = (this.#le ? buf.readUInt32LE(20) : buf.readUInt32BE(20)) & 0xffff;
    this.#header = true;
  }

  #violate(index, what) {
    const { summary } = this;
    if (summary.violations.length < 50) summary.violations.push(`packet #${index}: ${what}`);
    else summary.violationsTruncated = true;
  }

  #checkV4(index, frame, off, role) {
    const text = ipv4Text(frame, off);
    this.#seen(text);
    if (!this.#allowed.some((c) => c.contains(frame.readUInt32BE(off))))
      this.#violate(index, `${role} ${text} not allowed`);
  }

  #seen(addr) {
    this.summary.addresses[addr] = (this.summary.addresses[addr] ?? 0) + 1;
  }

  #record(frame, origLen) {
    const { summary } = this;
    const { linktype } = summary;
    summary.packets += 1;
    const index = summary.packets;
    summary.bytes += origLen;

    let proto = -1; // ethertype
    let ip = 0; // offset of the network header inside the frame
    if (linktype === LINKTYPE.ETHERNET && frame.length >= 14) {
      proto = frame.readUInt16BE(12);
      ip = 14;
      if (proto === ETHERTYPE.VLAN && frame.length >= 18) {
        proto = frame.readUInt16BE(16);
        ip = 18;
      }
    } else if (linktype === LINKTYPE.LINUX_SLL && frame.length >= 16) {
      proto = frame.readUInt16BE(14);
      ip = 16;
    } else if (linktype === LINKTYPE.SLL2 && frame.length >= 20) {
      proto = frame.readUInt16BE(0);
      ip = 20;
    } else if ((linktype === LINKTYPE.NULL || linktype === LINKTYPE.LOOP) && frame.length >= 4) {
      ip = 4;
      const version = frame.length > 4 ? frame[4] >> 4 : 0;
      proto = version === 4 ? ETHERTYPE.IPV4 : version === 6 ? ETHERTYPE.IPV6 : -1;
    } else if ([LINKTYPE.RAW, LINKTYPE.IPV4, LINKTYPE.IPV6].includes(linktype) && frame.length >= 1) {
      const version = frame[0] >> 4;
      proto = version === 4 ? ETHERTYPE.IPV4 : version === 6 ? ETHERTYPE.IPV6 : -1;
    } else if (
      ![LINKTYPE.ETHERNET, LINKTYPE.LINUX_SLL, LINKTYPE.SLL2, LINKTYPE.NULL, LINKTYPE.LOOP].includes(linktype)
    ) {
      throw new Error(`unsupported pcap link type ${linktype}`);
    }

    if (proto === ETHERTYPE.IPV4 && frame.length >= ip + 20) {
      summary.ipv4 += 1;
      this.#checkV4(index, frame, ip + 12, 'src');
      this.#checkV4(index, frame, ip + 16, 'dst');
      const ihl = (frame[ip] & 0x0f) * 4;
      const protocol = frame[ip + 9];
      const fragOffset = frame.readUInt16BE(ip + 6) & 0x1fff;
      if (protocol === 6) summary.tcp += 1;
      if (protocol === 17) {
        summary.udp += 1;
        summary.udpBytes += origLen;
        const payload = ip + ihl + 8;
        // RFC 7983 demultiplexing: first byte 128..191 is RTP/RTCP (SRTP keeps the RTP header in clear).
        if (fragOffset === 0 && frame.length > payload && frame[payload] >= 128 && frame[payload] <= 191) {
          summary.udpMedia += 1;
        }
      }
    } else if (proto === ETHERTYPE.IPV6 && frame.length >= ip + 40) {
      summary.ipv6 += 1;
      for (const [role, at] of [
        ['src', ip + 8],
        ['dst', ip + 24],
      ]) {
        const text = ipv6Text(frame, at);
        this.#seen(text);
        if (text !== '::1') this.#violate(index, `IPv6 ${role} ${text} not allowed (only ::1)`);
      }
      const next = frame[ip + 6];
      if (next === 6) summary.tcp += 1;
      if (next === 17) {
        summary.udp += 1;
        summary.udpBytes += origLen;
      }
    } else if (proto === ETHERTYPE.ARP && frame.length >= ip + 28) {
      summary.arp += 1;
      if (frame.readUInt16BE(ip + 2) === ETHERTYPE.IPV4 && frame[ip + 5] === 4) {
        this.#checkV4(index, frame, ip + 14, 'ARP sender');
        this.#checkV4(index, frame, ip + 24, 'ARP target');
      }
    } else {
      summary.other += 1;
      this.#violate(index, `unrecognised frame (protocol 0x${proto.toString(16)}, ${frame.length} bytes)`);
    }
  }
}

function emptySummary() {
  return {
    linktype: 0,
    packets: 0,
    bytes: 0,
    ipv4: 0,
    ipv6: 0,
    arp: 0,
    other: 0,
    tcp: 0,
    udp: 0,
    udpMedia: 0,
    udpBytes: 0,
    truncatedFile: false,
    /** @type {Record<string, number>} */
    addresses: {},
    /** @type {string[]} */
    violations: [],
  };
}

/**
 * Checks a capture file of any size, read `chunkBytes` at a time.
 * @param {string} file
 * @param {{ allow?: string[] }} [options]
 */
export function verifyPcapFile(file, options = {}, chunkBytes = READ_CHUNK_BYTES) {
  const verifier = new PcapVerifier(options);
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(chunkBytes);
    for (;;) {
      const read = readSync(fd, chunk, 0, chunkBytes, null);
      if (read === 0) break;
      verifier.push(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return verifier.finish();
}

/** Human-readable multi-line summary. */
export function formatSummary(summary, file) {
  const addresses = Object.entries(summary.addresses)
    .sort((a, b) => b[1] - a[1])
    .map(([addr, count]) => `${addr} (${count})`)
    .join(', ');
  return [
    `capture ${file}: ${summary.packets} packets, ${summary.bytes} bytes` +
      ` (IPv4 ${summary.ipv4}, IPv6 ${summary.ipv6}, ARP ${summary.arp}, other ${summary.other})`,
    `  TCP ${summary.tcp}, UDP ${summary.udp} (${summary.udpBytes} bytes, ${summary.udpMedia} RTP/RTCP)`,
    `  distinct addresses: ${Object.keys(summary.addresses).length}: ${addresses || '-'}`,
    ...(summary.truncatedFile ? ['  note: last record truncated (capture stopped mid-write)'] : []),
  ].join('\n');
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      allow: { type: 'string', multiple: true, default: [] },
      'expect-media': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) {
    console.error('usage: verify-pcap.mjs FILE [--allow CIDR]... [--expect-media] [--json]');
    return 2;
  }
  const file = positionals[0];
  let summary;
  try {
    summary = verifyPcapFile(file, { allow: values.allow });
  } catch (error) {
    console.error(`verify-pcap: ${file}: ${error instanceof Error ? error.message : error}`);
    return 2;
  }
  const failures = [...summary.violations];
  if (values['expect-media'] && summary.udpMedia === 0) {
    failures.push('no RTP/RTCP UDP packets captured although media was expected (E2E_EXPECT_MEDIA=1)');
  }
  summary.ok = failures.length === 0;
  summary.failures = failures;
  if (values.json) console.log(JSON.stringify(summary));
  else {
    console.log(formatSummary(summary, file));
    const allowedText = ['127.0.0.0/8', '::1', ...values.allow].join(', ');
    if (summary.ok) console.log(`  OK: every packet stays within ${allowedText}`);
    else {
      console.log(`  FAIL: traffic outside ${allowedText} or missing media:`);
      for (const failure of failures) console.log(`    ${failure}`);
    }
  }
  return summary.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
