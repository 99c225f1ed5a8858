import { readdirSync, readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';

/**
 * Country of an IP address from a GeoLite2-style *CSV* country database (MaxMind's "GeoLite2
 * Country: CSV format", or GeoIP2 Country CSV, or any file in the same layout): a locations
 * file (`geoname_id` → `country_iso_code`) and the IPv4/IPv6 blocks files (`network` in CIDR
 * → `geoname_id`, else `registered_country_geoname_id`). Loaded once into sorted typed
 * arrays; a lookup is a binary search (no I/O, no allocation for IPv4).
 *
 * Only the two-letter country code leaves this module; the IP is looked up and forgotten.
 */
export interface CountryLookup {
  countryOf(ip: string | null | undefined): string | null;
  /** Networks loaded (IPv4 + IPv6). */
  readonly size: number;
}

export interface CountryCsv {
  locations: string;
  ipv4?: string;
  ipv6?: string;
}

/** One CSV line into fields: commas, double quotes around fields, "" for a quote inside. */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** Rows of a CSV text with a header line, as objects of the named columns. */
function* rows(text: string, columns: string[], file: string): Generator<Record<string, string>> {
  const lines = text.split(/\r?\n/);
  const header = csvFields(lines[0] ?? '');
  const at = columns.map((name) => header.indexOf(name));
  const missing = columns.filter((_, i) => at[i]! < 0 && !optionalColumns.has(columns[i]!));
  if (missing.length) throw new Error(`${file}: no column ${missing.join(', ')} in its header`);
  for (let n = 1; n < lines.length; n++) {
    if (!lines[n]) continue;
    const fields = csvFields(lines[n]!);
    yield Object.fromEntries(columns.map((name, i) => [name, at[i]! >= 0 ? (fields[at[i]!] ?? '') : '']));
  }
}

const optionalColumns = new Set(['registered_country_geoname_id']);

/** IPv4 dotted quad to an unsigned 32-bit number. */
function ipv4Number(ip: string): number {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** IPv6 text (with `::` and an embedded IPv4 tail) to a 128-bit BigInt. */
export function ipv6BigInt(ip: string): bigint {
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = ipv4Number(tail[1]!);
    text = `${text.slice(0, tail.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

const MASK64 = (1n << 64n) - 1n;

/** Builds the lookup from the CSV texts; `name` labels errors. */
export function buildCountryLookup(csv: CountryCsv, name = 'country database'): CountryLookup {
  const codes: string[] = [];
  const codeIndex = new Map<string, number>();
  const countryOfGeoname = new Map<string, number>();
  for (const row of rows(csv.locations, ['geoname_id', 'country_iso_code'], `${name} locations`)) {
    const code = row.country_iso_code!.toUpperCase();
    if (!/^[A-Z]{2}$/.test(code)) continue; // continent-only entries (e.g. EU) name no country
    let index = codeIndex.get(code);
    if (index === undefined) {
      index = codes.length;
      codes.push(code);
      codeIndex.set(code, index);
    }
    countryOfGeoname.set(row.geoname_id!, index);
  }
  const blockColumns = ['network', 'geoname_id', 'registered_country_geoname_id'];
  const countryOfBlock = (row: Record<string, string>) => countryOfGeoname.get(row.geoname_id!) ?? countryOfGeoname.get(row.registered_country_geoname_id!);

  const v4: Array<[number, number, number]> = [];
  for (const row of rows(csv.ipv4 ?? 'network,geoname_id\n', blockColumns, `${name} IPv4 blocks`)) {
    const country = countryOfBlock(row);
    const [address, bits] = row.network!.split('/') as [string, string];
    if (country === undefined || !isIPv4(address)) continue;
    const size = 2 ** (32 - Number(bits));
    const start = ipv4Number(address) - (ipv4Number(address) % size);
    v4.push([start, start + size - 1, country]);
  }
  v4.sort((a, b) => a[0] - b[0]);
  const v4Start = Uint32Array.from(v4, (b) => b[0]);
  const v4End = Uint32Array.from(v4, (b) => b[1]);
  const v4Country = Uint16Array.from(v4, (b) => b[2]);

  const v6: Array<[bigint, bigint, number]> = [];
  for (const row of rows(csv.ipv6 ?? 'network,geoname_id\n', blockColumns, `${name} IPv6 blocks`)) {
    const country = countryOfBlock(row);
    const [address, bits] = row.network!.split('/') as [string, string];
    if (country === undefined || !isIPv6(address)) continue;
    const hostBits = BigInt(128 - Number(bits));
    const start = (ipv6BigInt(address) >> hostBits) << hostBits;
    v6.push([start, start + (1n << hostBits) - 1n, country]);
  }
  v6.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const v6StartHi = BigUint64Array.from(v6, (b) => b[0] >> 64n);
  const v6StartLo = BigUint64Array.from(v6, (b) => b[0] & MASK64);
  const v6End = v6.map((b) => b[1]);
  const v6Country = Uint16Array.from(v6, (b) => b[2]);

  function lookup4(value: number): string | null {
    let lo = 0;
    let hi = v4Start.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (v4Start[mid]! <= value) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && value <= v4End[found]! ? codes[v4Country[found]!]! : null;
  }

  function lookup6(value: bigint): string | null {
    const high = value >> 64n;
    const low = value & MASK64;
    let lo = 0;
    let hi = v6StartHi.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = v6StartHi[mid]!;
      if (h < high || (h === high && v6StartLo[mid]! <= low)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && value <= v6End[found]! ? codes[v6Country[found]!]! : null;
  }

  return {
    size: v4.length + v6.length,
    countryOf(ip) {
      if (!ip) return null;
      if (isIPv4(ip)) return lookup4(ipv4Number(ip));
      if (!isIPv6(ip)) return null;
      const value = ipv6BigInt(ip);
      // An IPv4 client on a dual-stack socket (::ffff:a.b.c.d) is looked up as IPv4.
      if (value >> 32n === 0xffffn) return lookup4(Number(value & 0xffffffffn));
      return lookup6(value);
    },
  };
}

/**
 * Reads `*-Country-Locations-en.csv`, `*-Country-Blocks-IPv4.csv` and (if present)
 * `*-Country-Blocks-IPv6.csv` from `dir`, as MaxMind's CSV download unpacks them.
 */
export function loadCountryDatabase(dir: string): CountryLookup {
  const files = readdirSync(dir);
  const find = (suffix: string) => files.find((f) => f.endsWith(suffix));
  const locations = find('-Country-Locations-en.csv');
  const ipv4 = find('-Country-Blocks-IPv4.csv');
  const ipv6 = find('-Country-Blocks-IPv6.csv');
  if (!locations || (!ipv4 && !ipv6)) throw new Error(`GEOIP_COUNTRY_DIR ${dir}: expected *-Country-Locations-en.csv and *-Country-Blocks-IPv4.csv / -IPv6.csv (GeoLite2 Country, CSV format)`);
  const read = (file: string | undefined) => (file ? readFileSync(join(dir, file), 'utf8') : undefined);
  return buildCountryLookup({ locations: read(locations)!, ipv4: read(ipv4), ipv6: read(ipv6) }, dir);
}
