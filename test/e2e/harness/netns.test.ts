import { execFileSync, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireE2eNetwork, verifyCaptureWhen } from './livekit.js';
import { repoRoot } from './processes.js';

/** Classic pcap file, Ethernet link type, holding `frames`. */
function pcapFile(frames: Buffer[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const records = frames.map((frame, i) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000 + i, 0);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    return Buffer.concat([record, frame]);
  });
  return Buffer.concat([header, ...records]);
}

const ipBytes = (ip: string) => Buffer.from(ip.split('.').map(Number));

/** Ethernet + IPv4 + UDP frame (checksums left zero: the verifier does not need them). */
function udpFrame(src: string, dst: string, payload: Buffer): Buffer {
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  ipBytes(src).copy(ip, 12);
  ipBytes(dst).copy(ip, 16);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(7882, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([eth, ip, udp, payload]);
}

/** Ethernet + IPv6 header with the given addresses (16 bytes each). */
function ipv6Frame(src: Buffer, dst: Buffer): Buffer {
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x86dd, 12);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip[6] = 59; // no next header
  src.copy(ip, 8);
  dst.copy(ip, 24);
  return Buffer.concat([eth, ip]);
}

const RTP = Buffer.from([0x80, 0x6f, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xaa]);

function verify(frames: Buffer[], ...flags: string[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'ih-pcap-')), 'synthetic.pcap');
  writeFileSync(file, pcapFile(frames));
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, 'scripts/verify-pcap.mjs'), file, '--allow', '10.203.0.0/24', ...flags],
    { encoding: 'utf8' },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('scripts/verify-pcap.mjs on synthetic captures', () => {
  it('passes loopback and namespace traffic and counts RTP', () => {
    const result = verify(
      [udpFrame('10.203.0.2', '10.203.0.1', RTP), udpFrame('127.0.0.1', '127.0.0.53', Buffer.from('x'))],
      '--expect-media',
    );
    expect(result.stdout).toMatch(/2 packets/);
    expect(result.stdout).toMatch(/UDP 2 .*1 RTP\/RTCP/);
    expect(result.status).toBe(0);
  });

  it('fails when a packet to a foreign address (192.0.2.1, TEST-NET-1) appears', () => {
    const result = verify([
      udpFrame('10.203.0.2', '10.203.0.1', RTP),
      udpFrame('10.203.0.2', '192.0.2.1', RTP),
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/packet #2: dst 192\.0\.2\.1 not allowed/);
  });

  it('fails on IPv6 other than ::1, and on a missing capture', () => {
    const loopback6 = Buffer.alloc(16);
    loopback6[15] = 1;
    const linkLocal = Buffer.from('fe800000000000000000000000000001', 'hex');
    expect(verify([ipv6Frame(loopback6, loopback6)]).status).toBe(0);
    const result = verify([ipv6Frame(linkLocal, loopback6)]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/IPv6 src fe80::1 not allowed/);
    const missing = spawnSync(process.execPath, [
      join(repoRoot, 'scripts/verify-pcap.mjs'),
      '/nonexistent.pcap',
    ]);
    expect(missing.status).toBe(2);
  });

  it('reads a capture larger than one read, records split between reads, to its last packet', () => {
    // 9000 records of 1058 bytes: ~9.5 MB, more than the 8 MiB read at a time, and no record ends on the boundary.
    const payload = Buffer.alloc(1000, 0x80);
    const frames = Array.from({ length: 9000 }, () => udpFrame('10.203.0.2', '10.203.0.1', payload));
    frames.push(udpFrame('10.203.0.2', '192.0.2.1', RTP));
    const result = verify(frames);
    expect(result.stdout).toMatch(/9001 packets/);
    expect(result.stdout).toMatch(/packet #9001: dst 192\.0\.2\.1 not allowed/);
    expect(result.stdout).not.toMatch(/truncated/);
    expect(result.status).toBe(1);
  });

  it('fails with --expect-media when no RTP/RTCP was captured', () => {
    const result = verify(
      [udpFrame('10.203.0.2', '10.203.0.1', Buffer.from([0x00, 0x01]))],
      '--expect-media',
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/no RTP\/RTCP/);
  });
});

describe('the e2e network namespace', () => {
  it('has loopback and the two namespace addresses, no default route, no global IPv6', () => {
    const network = requireE2eNetwork();
    const addresses = execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' });
    expect(addresses).toContain(`inet ${network.hostIp}/24`);
    expect(addresses).toContain(`inet ${network.peerIp}/24`);
    expect(addresses.match(/ inet /g)?.length).toBe(3); // lo + the veth pair, nothing else
    expect(execFileSync('ip', ['route', 'show', 'default'], { encoding: 'utf8' }).trim()).toBe('');
    const ipv6 = readFileSync('/proc/net/if_inet6', 'utf8').trim().split('\n');
    expect(ipv6).toEqual([expect.stringMatching(/^0{31}1 .* lo$/)]);
  });

  it('delivers UDP inside the namespace, cannot reach 192.0.2.1, and the capture records only the former', async () => {
    const network = requireE2eNetwork();
    const receiver = createSocket('udp4');
    await new Promise<void>((resolve) => receiver.bind(0, '0.0.0.0', resolve));
    const { port } = receiver.address();
    const received: string[] = [];
    const gotBoth = new Promise<void>((resolve) =>
      receiver.on('message', (message) => {
        received.push(message.toString());
        if (received.length === 2) resolve();
      }),
    );
    const sender = createSocket('udp4');
    await new Promise<void>((resolve) => sender.bind(0, network.hostIp, resolve));
    const send = (host: string, targetPort: number, text: string) =>
      new Promise<Error | null>((resolve) => sender.send(text, targetPort, host, (error) => resolve(error)));

    expect(await send(network.peerIp, port, 'to-peer')).toBeNull();
    expect(await send('127.0.0.1', port, 'to-loopback')).toBeNull();
    // TEST-NET-1: there is no route out of the namespace, so the kernel refuses before anything is sent
    const foreign = (await send('192.0.2.1', 9, 'must-not-leave')) as NodeJS.ErrnoException | null;
    expect(foreign?.code).toBe('ENETUNREACH');
    await gotBoth;
    expect(received.sort()).toEqual(['to-loopback', 'to-peer']);
    receiver.close();
    sender.close();

    // the packets arrived: tcpdump records them as soon as it runs
    const capture = await verifyCaptureWhen(
      (c) => (c.addresses[network.hostIp] ?? 0) > 0 && (c.addresses[network.peerIp] ?? 0) > 0,
    );
    expect(capture.failures).toEqual([]);
    expect(capture.ok).toBe(true);
    expect(capture.addresses[network.hostIp]).toBeGreaterThan(0);
    expect(capture.addresses[network.peerIp]).toBeGreaterThan(0);
    expect(capture.addresses['192.0.2.1']).toBeUndefined();
  });
});
