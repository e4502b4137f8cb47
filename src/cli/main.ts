// bitnet-web command-line interface: one subcommand per file in this folder.
import { FormatError } from '../model/errors.ts';
import { bench } from './bench.ts';
import { UsageError } from './common.ts';
import { generate } from './generate.ts';
import { headCheck } from './head-check.ts';
import { info } from './info.ts';
import { logits } from './logits.ts';
import { makeModel } from './make-model.ts';
import { perplexity } from './perplexity.ts';
import { tokenize } from './tokenize.ts';

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  info, tokenize, generate, logits, perplexity, bench, 'head-check': headCheck, 'make-model': makeModel,
};

const HELP = `usage: bitnet-web <command> [options]   (bitnet-web <command> --help for details)
commands: ${Object.keys(COMMANDS).join(', ')}`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') {
    console.log(HELP);
    return cmd ? 0 : 2;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    console.error(`unknown command "${cmd}"\n${HELP}`);
    return 2;
  }
  try {
    await run(rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`bitnet-web ${cmd}: ${e.message}`);
      return 2;
    }
    if (e instanceof FormatError) {
      console.error(`bitnet-web ${cmd}: bad model file: ${e.message}`);
      return 1;
    }
    console.error(`bitnet-web ${cmd}: ${(e as Error).message ?? e}`);
    if (process.env.BITNET_DEBUG) console.error(e);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
