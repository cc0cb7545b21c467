import { isIP } from 'node:net';

/**
 * What an IP address is, for deciding whether a tenant may make the server connect to it. Only `public`
 * addresses are on the internet; everything else reaches the server itself, its private network or its
 * cloud's services (the metadata endpoints hand out credentials).
 */
export type AddressKind =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unique-local'
  | 'multicast'
  | 'metadata'
  | 'reserved';

type Range = readonly [kind: AddressKind, cidr: string];

// Most specific first: the first range that holds the address decides.
const IPV4_RANGES: readonly Range[] = [
  ['metadata', '169.254.169.254/32'], // AWS, GCP, Azure, OpenStack…
  ['metadata', '169.254.170.2/32'], // AWS ECS task credentials
  ['metadata', '100.100.100.200/32'], // Alibaba Cloud
  ['metadata', '168.63.129.16/32'], // Azure wire server (a public address)
  ['unspecified', '0.0.0.0/8'],
  ['private', '10.0.0.0/8'],
  ['cgnat', '100.64.0.0/10'],
  ['loopback', '127.0.0.0/8'],
  ['link-local', '169.254.0.0/16'],
  ['private', '172.16.0.0/12'],
  ['reserved', '192.0.0.0/24'], // IETF protocol assignments
  ['reserved', '192.0.2.0/24'], // documentation
  ['reserved', '192.88.99.0/24'], // 6to4 relays
  ['private', '192.168.0.0/16'],
  ['reserved', '198.18.0.0/15'], // benchmarking
  ['reserved', '198.51.100.0/24'], // documentation
  ['reserved', '203.0.113.0/24'], // documentation
  ['multicast', '224.0.0.0/4'],
  ['reserved', '240.0.0.0/4'], // future use and broadcast
];

const IPV6_RANGES: readonly Range[] = [
  ['metadata', 'fd00:ec2::254/128'], // AWS over IPv6
  ['unspecified', '::/128'],
  ['loopback', '::1/128'],
  ['reserved', '::/96'], // IPv4-compatible (deprecated)
  ['reserved', '100::/64'], // discard
  ['reserved', '2001::/32'], // Teredo: the address inside cannot be checked
  ['reserved', '2001:db8::/32'], // documentation
  ['unique-local', 'fc00::/7'],
  ['link-local', 'fe80::/10'],
  ['private', 'fec0::/10'], // site-local (deprecated)
  ['multicast', 'ff00::/8'],
];

/** The 16-bit groups of an IPv6 address (a trailing dotted quad included), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const bytes = ipv4Bytes(quad[1]!);
    if (!bytes) return undefined;
    text = `${text.slice(0, quad.index)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const [head, tail, ...more] = text.split('::');
  if (more.length > 0) return undefined;
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function ipv4Bytes(address: string): number[] | undefined {
  const bytes = address.split('.').map(Number);
  return bytes.length === 4 && bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)
    ? bytes
    : undefined;
}

const bytesOfGroups = (groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);

function inRange(bytes: number[], cidr: string, parse: (a: string) => number[] | undefined): boolean {
  const [base, bits] = cidr.split('/');
  const prefix = parse(base!)!;
  let remaining = Number(bits);
  for (let i = 0; remaining > 0; i++, remaining -= 8) {
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if ((bytes[i]! & mask) !== (prefix[i]! & mask)) return false;
  }
  return true;
}

const parseV6 = (a: string) => {
  const groups = ipv6Groups(a);
  return groups && bytesOfGroups(groups);
};

const kindIn = (bytes: number[], ranges: readonly Range[], parse: (a: string) => number[] | undefined) =>
  ranges.find(([, cidr]) => inRange(bytes, cidr, parse))?.[0] ?? 'public';

/** The kind of an IPv4 or IPv6 address; IPv6 forms that embed an IPv4 address are judged by it. */
export function classifyAddress(address: string): AddressKind | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return kindIn(ipv4Bytes(bare)!, IPV4_RANGES, ipv4Bytes);
  if (family !== 6) return undefined;
  const bytes = parseV6(bare);
  if (!bytes) return undefined;
  const embedded = embeddedIpv4(bytes);
  if (embedded) return kindIn(embedded, IPV4_RANGES, ipv4Bytes);
  return kindIn(bytes, IPV6_RANGES, parseV6);
}

/** The IPv4 address inside IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms. */
function embeddedIpv4(bytes: number[]): number[] | undefined {
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) {
    return bytes.slice(12);
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6);
  return undefined;
}

/** Whether the server may connect there on a tenant's behalf (an unparsable address may not). */
export const isPublicAddress = (address: string) => classifyAddress(address) === 'public';
