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
import { readFileSync } from 'node:fs';
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

/**
 * Reads a pcap buffer and returns a summary plus the list of violations.
 * @param {Buffer} buf
 * @param {{ allow?: string[] }} [options]
 */
export function verifyPcap(buf, options = {}) {
  const allowed = [ipv4Cidr('127.0.0.0/8'), ...(options.allow ?? []).map(ipv4Cidr)];
  if (buf.length < 24)
    throw new Error('capture too short for a pcap header (empty file? tcpdump not started?)');
  const magicLE = buf.readUInt32LE(0);
  let le;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) le = true;
  else if (buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d) le = false;
  else if (magicLE === 0x0a0d0d0a)
    throw new Error('pcapng is not supported; write with `tcpdump -w` (classic pcap)');
  else throw new Error(`not a pcap file (magic 0x${magicLE.toString(16)})`);
  const u32 = (off) => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const linktype = u32(20) & 0xffff;

  const summary = {
    linktype,
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
    addresses: {},
    violations: [],
  };
  const seen = (addr) => {
    summary.addresses[addr] = (summary.addresses[addr] ?? 0) + 1;
  };
  const violate = (index, what) => {
    if (summary.violations.length < 50) summary.violations.push(`packet #${index}: ${what}`);
    else summary.violationsTruncated = true;
  };
  const checkV4 = (index, frame, off, role) => {
    const text = ipv4Text(frame, off);
    seen(text);
    if (!allowed.some((c) => c.contains(frame.readUInt32BE(off))))
      violate(index, `${role} ${text} not allowed`);
  };

  let off = 24;
  let index = 0;
  while (off + 16 <= buf.length) {
    const inclLen = u32(off + 8);
    const origLen = u32(off + 12);
    if (off + 16 + inclLen > buf.length) {
      summary.truncatedFile = true; // tcpdump killed mid-write: ignore the partial record
      break;
    }
    const frame = buf.subarray(off + 16, off + 16 + inclLen);
    off += 16 + inclLen;
    index += 1;
    summary.packets += 1;
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
      checkV4(index, frame, ip + 12, 'src');
      checkV4(index, frame, ip + 16, 'dst');
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
        seen(text);
        if (text !== '::1') violate(index, `IPv6 ${role} ${text} not allowed (only ::1)`);
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
        checkV4(index, frame, ip + 14, 'ARP sender');
        checkV4(index, frame, ip + 24, 'ARP target');
      }
    } else {
      summary.other += 1;
      violate(index, `unrecognised frame (protocol 0x${proto.toString(16)}, ${frame.length} bytes)`);
    }
  }
  if (off < buf.length && !summary.truncatedFile) summary.truncatedFile = true;
  return summary;
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
    summary = verifyPcap(readFileSync(file), { allow: values.allow });
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
