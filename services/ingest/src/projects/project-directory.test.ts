import { projectConfigValue } from '@sightline/contracts';
import { originAllowed } from '../routes/cors';
import { createProjectIndex } from './project-directory';

const project = (id: string, writeKeys: string[]) =>
  projectConfigValue.parse({ projectId: id, accountId: `acc-${id}`, name: id, accountSlug: 'acme', slug: `site-${id}`, writeKeys, updatedAt: new Date().toISOString() });

describe('project index', () => {
  it('finds a project by any of its write keys, by slugs or ids, and forgets revoked keys', () => {
    const index = createProjectIndex();
    index.set(project('p1', ['key-one-1234', 'key-two-1234']));
    expect(index.byWriteKey('key-two-1234')?.project.projectId).toBe('p1');
    expect(index.byPath('acme', 'site-p1')?.projectId).toBe('p1');
    expect(index.byPath('acc-p1', 'p1')?.projectId).toBe('p1');
    index.set(project('p1', ['key-two-1234']));
    expect(index.byWriteKey('key-one-1234')).toBeUndefined();
    expect(index.byWriteKey('key-two-1234x')).toBeUndefined();
  });

  it('keeps a key that moved to another project when the old one is deleted', () => {
    const index = createProjectIndex();
    index.set(project('p1', ['shared-key-1234']));
    index.set(project('p2', ['shared-key-1234']));
    index.remove('p1');
    expect(index.byWriteKey('shared-key-1234')?.project.projectId).toBe('p2');
    expect(index.byId('p1')).toBeUndefined();
  });
});

describe('allowed origins', () => {
  it('matches *, exact origins and subdomain patterns', () => {
    expect(originAllowed(['*'], 'https://any.test')).toBe(true);
    expect(originAllowed(['https://shop.test/'], 'https://SHOP.test')).toBe(true);
    expect(originAllowed(['https://*.shop.test'], 'https://www.shop.test')).toBe(true);
    expect(originAllowed(['https://*.shop.test'], 'https://shop.test')).toBe(false);
    expect(originAllowed(['https://*.shop.test'], 'http://www.shop.test')).toBe(false);
    expect(originAllowed(['https://shop.test'], 'https://evil.test')).toBe(false);
  });
});
