// The benches' command lines: `--name value` options, read by name.
export function benchArgs(args) {
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  return { opt, num: (name, dflt) => Number(opt(name, dflt)) };
}
