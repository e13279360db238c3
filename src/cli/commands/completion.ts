// `dpl completion bash|zsh`: a shell script that completes options (from the
// real option list) and task names (from `dpl --list --json`, so they follow
// the deployfile of the directory you are in, or the one given with -f).
import { UsageError } from '../../core/errors.js';
import type { Io } from '../io.js';
import { buildProgram } from '../options.js';
import { SUBCOMMANDS as COMMANDS } from './table.js';

const FILE_OPTIONS = ['-f', '--deployfile', '-i', '--identity', '-F', '--ssh-config', '--known-hosts'];
const SUBCOMMANDS = COMMANDS.map((c) => c.name);
const USAGE = 'usage: dpl completion bash|zsh\n\nPrints a completion script. bash: eval "$(dpl completion bash)" in ~/.bashrc; zsh: eval "$(dpl completion zsh)" in ~/.zshrc\n';

export function runCompletion(args: string[], io: Io): number {
  const shell = args[0];
  if (shell === '-h' || shell === '--help') {
    io.out(USAGE);
    return 0;
  }
  if (shell !== 'bash' && shell !== 'zsh') {
    throw new UsageError(shell ? `no completion for shell "${shell}"` : 'which shell? `dpl completion bash` or `dpl completion zsh`', {
      hint: 'bash: eval "$(dpl completion bash)" in ~/.bashrc; zsh: eval "$(dpl completion zsh)" in ~/.zshrc',
    });
  }
  io.out(shell === 'bash' ? bashScript() : zshScript());
  return 0;
}

interface OptionWords {
  all: string[];
  file: string[];
  value: string[];
}

export function optionWords(): OptionWords {
  const options = buildProgram('0', { out: () => {} }).options;
  const words = (o: (typeof options)[number]) => [o.short, o.long].filter((w): w is string => !!w);
  const all = [...options.flatMap(words), '-h', '--help', '--version'];
  const value = options.filter((o) => o.required).flatMap(words).filter((w) => !FILE_OPTIONS.includes(w));
  return { all, file: FILE_OPTIONS, value };
}

/** Task names out of `dpl --list --json` without jq: names are [A-Za-z0-9_.-] and descriptions are JSON-escaped. */
const NAMES_FROM_JSON = `grep -o '"name":"[^"]*"' | sed -e 's/^"name":"//' -e 's/"$//'`;

export function bashScript(): string {
  const w = optionWords();
  return `# dpl completion for bash. Load it with:  eval "$(dpl completion bash)"
_dpl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" i
  local -a deployfile=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --) return 0 ;;
      -f|--deployfile) deployfile=(-f "\${COMP_WORDS[i+1]}") ;;
    esac
  done
  case "$prev" in
    ${w.file.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    ${w.value.filter((o) => o !== '-d' && o !== '--describe').join('|')}) return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "${w.all.join(' ')}" -- "$cur"))
    return 0
  fi
  local tasks
  tasks="$("\${COMP_WORDS[0]}" "\${deployfile[@]}" --list --json 2>/dev/null | ${NAMES_FROM_JSON})"
  if ((COMP_CWORD == 1)); then tasks="$tasks ${SUBCOMMANDS.join(' ')}"; fi
  COMPREPLY=($(compgen -W "$tasks" -- "$cur"))
}
complete -F _dpl dpl
`;
}

export function zshScript(): string {
  const w = optionWords();
  return `#compdef dpl
# dpl completion for zsh. Load it with:  eval "$(dpl completion zsh)"
# (or save it as _dpl in a directory of your $fpath).
_dpl() {
  local -a deployfile tasks
  local i
  for ((i = 2; i < CURRENT; i++)); do
    case "\${words[i]}" in
      --) return 0 ;;
      -f|--deployfile) deployfile=(-f "\${words[i+1]}") ;;
    esac
  done
  case "\${words[CURRENT-1]}" in
    ${w.file.join('|')}) _files; return ;;
    ${w.value.filter((o) => o !== '-d' && o !== '--describe').join('|')}) return ;;
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    compadd -- ${w.all.join(' ')}
    return
  fi
  tasks=(\${(f)"$("\${words[1]}" "\${deployfile[@]}" --list --json 2>/dev/null | ${NAMES_FROM_JSON})"})
  ((CURRENT == 2)) && tasks+=(${SUBCOMMANDS.join(' ')})
  compadd -- $tasks
}
if [[ "\${zsh_eval_context[-1]}" == loadautoload ]]; then
  _dpl "$@"
else
  compdef _dpl dpl
fi
`;
}
