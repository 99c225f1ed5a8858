import { extractBlocks, promiseOf, UNSAFE } from './examples';

describe('docs examples', () => {
  it("reads a command's promise from its trailing comment", () => {
    expect(promiseOf(`curl -s "$I/x?a=#b" # 204`)).toEqual({ status: 204, keys: [], textLines: [] });
    expect(promiseOf(`curl -X POST "$I/analytics"   # user_analytics → 204`).status).toBe(204);
    expect(promiseOf(`curl x  # 401: no write key`).status).toBe(401);
    expect(promiseOf(`curl x  # {name, values: [{value, total}], "x": 1, …}`).keys).toEqual(['name', 'values', 'x']);
    expect(promiseOf(`curl x  # {"total":0,"series":[]}: nothing sent there yet`)).toEqual({ status: null, keys: ['total', 'series'], textLines: [] });
    expect(promiseOf(`curl x  # user_analytics: unique_users,N clicks,N`).textLines).toEqual(['unique_users,', 'clicks,']);
    expect(promiseOf(`curl -d '{"a":1}' x`)).toEqual({ status: null, keys: [], textLines: [] });
  });

  it('joins continued lines into one command, keeps markers, and tells unsafe code from comments', () => {
    const md = ['text', '<!-- docs-test: skip: long -->', '```sh', 'make up', '```', '```sh', 'source x.env   # written by make up', 'curl a \\', '  -d b   # 201', '```'].join('\n');
    const [skipped, run] = extractBlocks('f.md', md);
    expect(skipped).toMatchObject({ line: 3, skip: 'long' });
    expect(run!.skip).toBeNull();
    expect(run!.commands.map((c) => [c.firstLine, c.lastLine, c.expect.status])).toEqual([[7, 7, null], [8, 9, 201]]);
    expect(run!.commands.some((c) => UNSAFE.test(c.code))).toBe(false);
    expect(skipped!.commands.some((c) => UNSAFE.test(c.code))).toBe(true);
  });
});
