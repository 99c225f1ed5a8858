import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHarness, project, rawEvent, waitEnriched, type Harness } from '../test/harness';

// A GeoLite2 Country database in its CSV layout, cut down to a few networks.
const files = {
  'GeoLite2-Country-Locations-en.csv': 'geoname_id,locale_code,continent_code,continent_name,country_iso_code,country_name,is_in_european_union\n2921044,en,EU,Europe,DE,Germany,1\n6252001,en,NA,North America,US,"United States",0\n',
  'GeoLite2-Country-Blocks-IPv4.csv': 'network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider\n2.16.0.0/13,2921044,2921044,,0,0\n192.0.2.128/25,6252001,6252001,,0,0\n',
  'GeoLite2-Country-Blocks-IPv6.csv': 'network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider\n2001:db8::/32,2921044,2921044,,0,0\n',
};

describe('country from the IP (GEOIP_COUNTRY_DIR, real Kafka and Postgres)', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'geolite-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    h = await createHarness('sfcountry');
    await h.publishProjects([project({ projectId: 'p1' })]);
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts the country on the enriched event and nothing of the IP', async () => {
    const at = '2026-11-25T10:00:00.000Z';
    const cases: Array<[string | null, string | null]> = [
      ['2.16.4.20', 'DE'],
      ['2001:db8::5', 'DE'],
      ['192.0.2.200', 'US'],
      ['198.51.100.3', null],
      [null, null],
    ];
    const events = cases.map(([ip], i) => rawEvent({ anonymousId: `a${i}`, ip, at, messageId: `country-${i}` }));
    await h.send(events);
    const instance = await h.startInstance({ GEOIP_COUNTRY_DIR: dir });
    const enriched = await waitEnriched(h, events.map((e) => e.messageId));
    await instance.stop();
    cases.forEach(([ip, country], i) => {
      const record = enriched.get(`country-${i}`)!;
      expect(record.country).toBe(country);
      if (ip) expect(JSON.stringify(record)).not.toContain(ip);
    });
  });
});
