/** Command-line options of the benchmark scripts: `--name value` numbers and `--flag` switches. */
export function benchArgs(argv: string[] = process.argv.slice(2)) {
  return {
    number(name: string, fallback: number): number {
      const i = argv.indexOf(`--${name}`);
      return i >= 0 ? Number(argv[i + 1]) : fallback;
    },
    string(name: string): string | undefined {
      const i = argv.indexOf(`--${name}`);
      return i >= 0 ? argv[i + 1] : undefined;
    },
    flag(name: string): boolean {
      return argv.includes(`--${name}`);
    },
    /** `--quick` or BENCH_QUICK=1: the smaller sizes, for a smoke run. */
    quick: argv.includes('--quick') || process.env.BENCH_QUICK === '1',
  };
}
