import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCountryLookup, csvFields, ipv6BigInt, loadCountryDatabase } from './country-database.store';

// The layout of MaxMind's GeoLite2 Country CSV download (columns in its order, a few rows).
const locations = `geoname_id,locale_code,continent_code,continent_name,country_iso_code,country_name,is_in_european_union
2921044,en,EU,Europe,DE,Germany,1
1835841,en,AS,Asia,KR,"Korea, Republic of",0
6255148,en,EU,Europe,,,0
6252001,en,NA,North America,US,"United States",0
`;
const ipv4 = `network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider,is_anycast
2.16.0.0/13,2921044,2921044,,0,0,
1.11.0.0/16,1835841,1835841,,0,0,
5.0.0.0/24,,6252001,,0,0,
6.0.0.0/8,6255148,,,0,0,
192.0.2.128/25,6252001,6252001,,0,0,
`;
const ipv6 = `network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider,is_anycast
2001:db8::/32,2921044,2921044,,0,0,
2a00:1450:4000::/37,6252001,6252001,,0,0,
`;

describe('country database (GeoLite2 Country CSV)', () => {
  const db = buildCountryLookup({ locations, ipv4, ipv6 });

  it('finds the country of IPv4 addresses, at both ends of a block and outside', () => {
    expect(db.countryOf('2.16.0.0')).toBe('DE');
    expect(db.countryOf('2.23.255.255')).toBe('DE');
    expect(db.countryOf('2.24.0.0')).toBeNull();
    expect(db.countryOf('1.11.200.7')).toBe('KR');
    expect(db.countryOf('192.0.2.127')).toBeNull();
    expect(db.countryOf('192.0.2.128')).toBe('US');
    expect(db.countryOf('0.0.0.1')).toBeNull();
    expect(db.countryOf('255.255.255.255')).toBeNull();
  });

  it('falls back to the registered country, and a continent names no country', () => {
    expect(db.countryOf('5.0.0.9')).toBe('US');
    expect(db.countryOf('6.1.2.3')).toBeNull();
  });

  it('finds IPv6 addresses, and IPv4-mapped ones as IPv4', () => {
    expect(db.countryOf('2001:db8::1')).toBe('DE');
    expect(db.countryOf('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toBe('DE');
    expect(db.countryOf('2001:db9::')).toBeNull();
    expect(db.countryOf('2a00:1450:4001:81c::200e')).toBe('US');
    expect(db.countryOf('::ffff:1.11.0.1')).toBe('KR');
    expect(db.countryOf('::ffff:10.0.0.1')).toBeNull();
  });

  it('answers null for no address or a malformed one', () => {
    for (const ip of [null, undefined, '', 'not-an-ip', '1.2.3', '999.1.1.1', 'fe80::1::2']) expect(db.countryOf(ip)).toBeNull();
    expect(db.size).toBe(6); // 7 networks, one (6.0.0.0/8) only on a continent
  });

  it('parses quoted CSV fields', () => {
    expect(csvFields('1,"Korea, Republic of","say ""hi""",')).toEqual(['1', 'Korea, Republic of', 'say "hi"', '']);
  });

  it('parses IPv6 text as 128-bit numbers', () => {
    expect(ipv6BigInt('::')).toBe(0n);
    expect(ipv6BigInt('::1')).toBe(1n);
    expect(ipv6BigInt('1::')).toBe(1n << 112n);
    expect(ipv6BigInt('::ffff:1.2.3.4')).toBe((0xffffn << 32n) | 0x01020304n);
    expect(ipv6BigInt('2001:db8:0:0:0:0:0:1')).toBe(ipv6BigInt('2001:db8::1'));
  });

  it('agrees with a scan of the blocks for random databases and addresses', () => {
    const block = fc.record({ start: fc.integer({ min: 0, max: 2 ** 32 - 1 }), bits: fc.integer({ min: 8, max: 32 }), country: fc.constantFrom('DE', 'KR', 'US') });
    fc.assert(
      fc.property(fc.array(block, { maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 30 }), (blocks, probes) => {
        // Non-overlapping, as in the real database: a block inside an earlier one is left out.
        const kept: Array<{ start: number; end: number; country: string }> = [];
        for (const b of blocks) {
          const size = 2 ** (32 - b.bits);
          const start = b.start - (b.start % size);
          const end = start + size - 1;
          if (!kept.some((k) => start <= k.end && k.start <= end)) kept.push({ start, end, country: b.country });
        }
        const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
        const ids: Record<string, string> = { DE: '1', KR: '2', US: '3' };
        const lookup = buildCountryLookup({
          locations: 'geoname_id,country_iso_code\n1,DE\n2,KR\n3,US\n',
          ipv4: `network,geoname_id\n${kept.map((k) => `${dotted(k.start)}/${32 - Math.log2(k.end - k.start + 1)},${ids[k.country]}`).join('\n')}\n`,
        });
        for (const probe of [...probes, ...kept.flatMap((k) => [k.start, k.end, k.end + 1])].filter((p) => p < 2 ** 32)) {
          const expected = kept.find((k) => k.start <= probe && probe <= k.end)?.country ?? null;
          expect(lookup.countryOf(dotted(probe))).toBe(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('loads the files from a directory as the MaxMind download unpacks them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'geolite-'));
    try {
      expect(() => loadCountryDatabase(dir)).toThrow(/Country-Locations-en\.csv/);
      writeFileSync(join(dir, 'GeoLite2-Country-Locations-en.csv'), locations);
      writeFileSync(join(dir, 'GeoLite2-Country-Blocks-IPv4.csv'), ipv4);
      writeFileSync(join(dir, 'GeoLite2-Country-Blocks-IPv6.csv'), ipv6);
      const loaded = loadCountryDatabase(dir);
      expect(loaded.size).toBe(6);
      expect(loaded.countryOf('2.17.1.1')).toBe('DE');
      expect(loaded.countryOf('2001:db8::7')).toBe('DE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
